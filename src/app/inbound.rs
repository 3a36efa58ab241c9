//! The inbound desk: every deliver_sm and data_sm the binds receive is read (receipt, MO, or a
//! receipt that cannot be read), written durably with its webhook events, and only then
//! answered ESME_ROK. A store failure answers ESME_RX_T_APPN, so the SMSC delivers it again.
//! Nothing is dropped: what no message or account can take is kept as unmatched.
//!
//! Many PDUs are in progress at once (bounded), so one commit carries many receipts.

use std::sync::Arc;

use arc_swap::ArcSwap;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, warn};

use crate::api::Live;
use crate::carrier::Inbound;
use crate::config::{Config, MessageIdFormat};
use crate::dlr::{self, lookup_keys};
use crate::logging::mask;
use crate::message::{SegmentStatus, Status};
use crate::pdu::CommandStatus;
use crate::store::{MoRecord, Outbox, ReceiptOutcome, ReceiptRecord};
use crate::text::{TextProfile, decode_short_message};
use crate::webhook::Webhooks;

/// Inbound PDUs being stored at once.
const IN_PROGRESS: usize = 8192;

/// What one inbound PDU becomes.
enum Work {
    Receipt(ReceiptRecord),
    Mo(MoRecord),
    Keep(serde_json::Value),
    /// An intermediate notification: answered, nothing to keep.
    Nothing,
}

/// Takes inbound PDUs from every bind.
#[derive(Debug)]
pub(super) struct InboundDesk {
    pub(super) outbox: Outbox,
    pub(super) live: Arc<ArcSwap<Live>>,
    pub(super) hooks: Arc<ArcSwap<Webhooks>>,
}

fn now_ms() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0)
}

impl InboundDesk {
    /// Runs until `closing` (once the binds are down), then answers what is still queued.
    pub(super) async fn run(
        self: Arc<Self>,
        mut rx: mpsc::Receiver<Inbound>,
        closing: CancellationToken,
    ) {
        // Every PDU in progress is a future of this one task rather than a task of its own: a
        // spawn per receipt (an allocation, a scheduler queue push, often a wake of the other
        // worker) cost about a fifth of the desk's time. A commit still carries many receipts:
        // each future's store operation is queued as soon as it is first polled.
        let mut work = FuturesUnordered::new();
        let mut open = true;
        let mut closed = false;
        while open || !work.is_empty() {
            tokio::select! {
                biased;
                _ = closing.cancelled(), if !closed => {
                    // Whatever is queued still comes out; then recv answers None.
                    closed = true;
                    rx.close();
                }
                Some(()) = work.next(), if !work.is_empty() => {}
                inbound = rx.recv(), if open && work.len() < IN_PROGRESS => match inbound {
                    Some(inbound) => work.push(self.take(inbound)),
                    None => open = false,
                },
            }
        }
    }

    async fn take(&self, inbound: Inbound) {
        let config = self.live.load().acceptor.config().clone();
        let work = read(&inbound, &config, now_ms());
        let stored = match work {
            Work::Receipt(r) => {
                let status = r.status;
                let received_at_ms = r.received_at_ms;
                self.outbox.receipt(r).await.map(|o| match o {
                    ReceiptOutcome::Matched {
                        account,
                        submitted_at_ms,
                    } => {
                        crate::metrics::receipt(status, "matched");
                        crate::metrics::receipt_latency(
                            received_at_ms.saturating_sub(submitted_at_ms),
                        );
                        Some(account)
                    }
                    ReceiptOutcome::Unmatched => {
                        crate::metrics::receipt(status, "unmatched");
                        warn!(carrier = %inbound.carrier, "receipt kept as unmatched: parking is full");
                        None
                    }
                    ReceiptOutcome::Parked => {
                        crate::metrics::receipt(status, "parked");
                        None
                    }
                    ReceiptOutcome::Repeated => {
                        crate::metrics::receipt(status, "repeated");
                        None
                    }
                })
            }
            Work::Mo(m) => {
                crate::metrics::mo();
                if m.account.is_none() {
                    warn!(
                        carrier = %inbound.carrier,
                        from = %mask::phone(&m.from),
                        to = %mask::phone(&m.to),
                        "MO for a number no account owns: kept as unmatched"
                    );
                }
                self.outbox.mo(m).await
            }
            Work::Keep(what) => {
                warn!(carrier = %inbound.carrier, reason = %what["reason"], "inbound PDU kept as unmatched");
                self.outbox.keep_unmatched(what).await.map(|_| None)
            }
            Work::Nothing => Ok(None),
        };
        match stored {
            Ok(account) => {
                inbound.ack(CommandStatus::Ok);
                if let Some(account) = account {
                    self.hooks.load().wake(&account);
                }
            }
            Err(e) => {
                error!(error = %e, carrier = %inbound.carrier, "cannot store an inbound PDU; the SMSC will resend it");
                inbound.ack(CommandStatus::ReceiverTemporaryAppError);
            }
        }
    }
}

/// Reads one inbound PDU into what to store.
fn read(inbound: &Inbound, config: &Config, now: u64) -> Work {
    let settings = config.carrier(&inbound.carrier);
    let profile = settings.map_or_else(TextProfile::default, |s| s.text.clone());
    let format = settings.map_or(MessageIdFormat::Auto, |s| s.message_id_format);
    let carrier = inbound.carrier.to_string();
    let pdu = match inbound.pdu() {
        Ok(p) => p,
        Err(e) => {
            return Work::Keep(json!({
                "type": "inbound", "carrier": carrier, "reason": format!("undecodable PDU: {e}"),
                "pdu": hex::encode(&inbound.frame), "received_at_ms": now,
            }));
        }
    };
    match dlr::Inbound::classify(&pdu.body, &profile) {
        Some(dlr::Inbound::Receipt(r)) => match r.final_status() {
            None => {
                debug!(carrier = %carrier, state = ?r.state, "intermediate receipt");
                Work::Nothing
            }
            Some(status) => Work::Receipt(ReceiptRecord {
                keys: lookup_keys(&r.message_id, format)
                    .iter()
                    .map(str::to_owned)
                    .collect(),
                carrier,
                message_id: r.message_id,
                status: match status {
                    Status::Delivered => SegmentStatus::Delivered,
                    Status::Expired => SegmentStatus::Expired,
                    _ => SegmentStatus::Undeliverable,
                },
                error: r.error.or(r.stat),
                received_at_ms: now,
            }),
        },
        Some(dlr::Inbound::UnparsedReceipt(u)) => Work::Keep(json!({
            "type": "receipt", "carrier": carrier, "reason": format!("unreadable receipt: {}", u.reason),
            "carrier_message_id": u.message_id, "text": u.text, "from": u.source,
            "pdu": hex::encode(&inbound.frame), "received_at_ms": now,
        })),
        Some(dlr::Inbound::Mo(mo)) => {
            let data: &[u8] = mo.user_data.as_bytes();
            let decoded = decode_short_message(mo.data_coding, mo.esm_class, data, &profile);
            let decoded = match decoded {
                Ok(d) => d,
                Err(e) => {
                    return Work::Keep(json!({
                        "type": "mo", "carrier": carrier, "reason": format!("undecodable text: {e}"),
                        "pdu": hex::encode(&inbound.frame), "received_at_ms": now,
                    }));
                }
            };
            let part = decoded
                .udh
                .and_then(|u| u.concat)
                .map(|c| (c.reference, c.total, c.seq))
                .or_else(|| mo.tlvs.sar())
                .filter(|(_, total, _)| *total > 1);
            let to = mo.destination.addr.to_str_lossy().into_owned();
            let account = owner(config, &to);
            Work::Mo(MoRecord {
                account,
                carrier,
                from: e164(mo.source.ton, &mo.source.addr.to_str_lossy()),
                to,
                text: decoded.text,
                part,
                received_at_ms: now,
            })
        }
        None => Work::Keep(json!({
            "type": "inbound", "carrier": carrier, "reason": "neither deliver_sm nor data_sm",
            "pdu": hex::encode(&inbound.frame), "received_at_ms": now,
        })),
    }
}

/// An international number gets its `+`.
fn e164(ton: u8, addr: &str) -> String {
    if ton == 1 && !addr.starts_with('+') {
        format!("+{addr}")
    } else {
        addr.to_owned()
    }
}

/// The account that owns `number` (a short code or number, compared without `+`).
fn owner(config: &Config, number: &str) -> Option<String> {
    let bare = number.trim_start_matches('+');
    config
        .accounts
        .iter()
        .find(|a| a.numbers.iter().any(|n| n.trim_start_matches('+') == bare))
        .map(|a| a.id.clone())
}
