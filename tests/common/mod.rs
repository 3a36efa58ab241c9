//! Helpers shared by the integration tests that run binds over real TCP.
#![allow(dead_code, unreachable_pub)]

pub mod cfg;
pub mod clock;
pub mod daemon;
pub mod hook;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use smppd::carrier::Inbound;
use smppd::pdu::{Body, COctet, CommandStatus, List, Octets, Pdu, SubmitSm};
use tokio::sync::mpsc;

/// An encoded submit_sm (sequence number 0: the bind writes its own).
pub fn submit_sm(dest: &str, text: &str, registered_delivery: u8) -> Bytes {
    submit_sm_with(dest, text.as_bytes(), 0, registered_delivery)
}

/// As [`submit_sm`], with esm_class and raw user data (UDH parts).
pub fn submit_sm_with(
    dest: &str,
    user_data: &[u8],
    esm_class: u8,
    registered_delivery: u8,
) -> Bytes {
    Pdu::new(
        0,
        Body::SubmitSm(SubmitSm {
            service_type: COctet::EMPTY,
            source_addr_ton: 5,
            source_addr_npi: 0,
            source_addr: COctet::from_str("ACME"),
            dest_addr_ton: 1,
            dest_addr_npi: 1,
            destination_addr: COctet::from_str(dest),
            esm_class,
            protocol_id: 0,
            priority_flag: 0,
            schedule_delivery_time: COctet::EMPTY,
            validity_period: COctet::EMPTY,
            registered_delivery,
            replace_if_present_flag: 0,
            data_coding: 0,
            sm_default_msg_id: 0,
            short_message: Octets::new(user_data),
            tlvs: List::default(),
        }),
    )
    .to_bytes()
    .expect("test submit_sm encodes")
}

/// What an inbound consumer saw: the receipted message ids of receipts, in arrival order.
#[derive(Clone, Default)]
pub struct Received(pub Arc<Mutex<Vec<String>>>);

impl Received {
    pub fn ids(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A consumer that acknowledges every inbound PDU with ESME_ROK and records receipts.
pub fn ack_everything() -> (mpsc::Sender<Inbound>, Received) {
    let (tx, mut rx) = mpsc::channel::<Inbound>(1024);
    let received = Received::default();
    let seen = received.clone();
    tokio::spawn(async move {
        while let Some(inbound) = rx.recv().await {
            if let Some(id) = receipted_id(&inbound) {
                seen.0.lock().unwrap().push(id);
            }
            inbound.ack(CommandStatus::Ok);
        }
    });
    (tx, received)
}

/// Polls `cond` until it holds, failing the test after `limit` (generous: CI machines are slow).
pub async fn eventually(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The receipted_message_id TLV of an inbound receipt.
pub fn receipted_id(inbound: &Inbound) -> Option<String> {
    let pdu = inbound.pdu().ok()?;
    let tlvs = match &pdu.body {
        Body::DeliverSm(d) => &d.tlvs,
        Body::DataSm(d) => &d.tlvs,
        _ => return None,
    };
    tlvs.receipted_message_id()
        .map(|id| id.to_str_lossy().into_owned())
}
