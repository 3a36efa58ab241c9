//! Delivery receipts and injected MO messages on their way to a receiver bind: what a receipt
//! holds, its text and TLVs, the scheduler that holds receipts for their delay (one
//! `DelayQueue`, not a task per receipt), and the queue of messages ready for any receiver bind.
//!
//! Flow: a connection that accepts a submission hands a [`Receipt`] to the [`Scheduler`]
//! (a bounded channel; when it is full the receipt is dropped and counted). The dispatcher task
//! keeps it in its `DelayQueue` until due, then moves it to [`Ready`], which every receiver bind
//! (RX or TRX) of the system_id pulls from as its window allows. A bind that closes, or does not
//! answer within the response timeout, puts its unanswered messages back at the front; one that
//! answers with a temporary error gets them scheduled again after the retry delay.
//!
//! Bounds: scheduled plus ready messages are capped by `ReceiptConfig::max_pending`; a new
//! receipt (or injected message) beyond it is dropped and counted in `receipts_dropped`.
//! Messages taken back from a closed bind are always re-queued (at most one window per bind),
//! so a dropped connection never loses a receipt it held.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use futures::{FutureExt, StreamExt};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::time::DelayQueue;

use super::clock;
use super::config::{FinalState, IdFormat};
use super::ids::IdText;
use super::stats::Counters;
use crate::pdu::{
    Body, COctet, EncodeError, List, MessageState, NetworkErrorCode, Octets, Pdu, SubmitSm, Tlv,
};

/// Up to `N` octets kept inline, so a receipt needs no allocation of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Inline<const N: usize> {
    buf: [u8; N],
    len: u8,
}

impl<const N: usize> Inline<N> {
    /// The first `N` octets of `bytes`.
    pub(crate) fn new(bytes: &[u8]) -> Self {
        let len = bytes.len().min(N);
        let mut buf = [0u8; N];
        buf[..len].copy_from_slice(&bytes[..len]);
        Inline {
            buf,
            len: len as u8,
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

/// An SMPP address. 20 octets is all a deliver_sm address can hold, so longer data_sm
/// addresses are cut to fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Address {
    pub(crate) ton: u8,
    pub(crate) npi: u8,
    pub(crate) addr: Inline<20>,
}

impl Address {
    pub(crate) fn new(ton: u8, npi: u8, addr: &[u8]) -> Self {
        Address {
            ton,
            npi,
            addr: Inline::new(addr),
        }
    }
}

/// A receipt to send: everything about the submission it reports on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Receipt {
    pub(crate) id: u64,
    pub(crate) state: FinalState,
    pub(crate) submitted: SystemTime,
    /// The submission's source; the receipt's destination.
    pub(crate) source: Address,
    /// The submission's destination; the receipt's source.
    pub(crate) destination: Address,
    /// The first 20 octets of the submitted text.
    pub(crate) text: Inline<20>,
}

/// What a receiver bind is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Payload {
    /// A delivery receipt, encoded when sent.
    Receipt(Receipt),
    /// An injected deliver_sm, encoded at injection with sequence number 0.
    Mo(Bytes),
}

/// A message on its way, and how often it has been sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outbound {
    pub(crate) payload: Payload,
    pub(crate) attempts: u32,
}

impl Outbound {
    pub(crate) fn new(payload: Payload) -> Self {
        Outbound {
            payload,
            attempts: 0,
        }
    }
}

/// Whether registered_delivery asks for a receipt for this outcome (smpp-reference §6.3: bits
/// 0-1 are 1 always, 2 on failure, 3 on success).
pub(crate) fn wanted(registered_delivery: u8, state: FinalState) -> bool {
    match registered_delivery & 0x03 {
        1 => true,
        2 => state != FinalState::Delivered,
        3 => state == FinalState::Delivered,
        _ => false,
    }
}

/// The receipt's `text:` excerpt: the first 20 octets of the user data, after any UDH. Only
/// text in an ASCII-compatible coding (data_coding 0, 1 or 3) is quoted; for UCS-2 or binary
/// data the excerpt is empty rather than NULs and control octets in a text field.
pub(crate) fn excerpt(short_message: &[u8], esm_class: u8, data_coding: u8) -> Inline<20> {
    if !matches!(data_coding, 0 | 1 | 3) {
        return Inline::new(&[]);
    }
    let text = if esm_class & 0x40 != 0 {
        let udh = short_message.first().map_or(0, |&l| usize::from(l) + 1);
        short_message.get(udh..).unwrap_or_default()
    } else {
        short_message
    };
    Inline::new(text)
}

impl FinalState {
    /// The receipt text's `stat:` value.
    pub(crate) fn stat(self) -> &'static str {
        match self {
            FinalState::Delivered => "DELIVRD",
            FinalState::Undeliverable => "UNDELIV",
            FinalState::Expired => "EXPIRED",
            FinalState::Rejected => "REJECTD",
            FinalState::Deleted => "DELETED",
            FinalState::Unknown => "UNKNOWN",
            FinalState::Accepted => "ACCEPTD",
        }
    }

    /// The message_state TLV and query_sm_resp value.
    pub(crate) fn message_state(self) -> MessageState {
        match self {
            FinalState::Delivered => MessageState::Delivered,
            FinalState::Undeliverable => MessageState::Undeliverable,
            FinalState::Expired => MessageState::Expired,
            FinalState::Rejected => MessageState::Rejected,
            FinalState::Deleted => MessageState::Deleted,
            FinalState::Unknown => MessageState::Unknown,
            FinalState::Accepted => MessageState::Accepted,
        }
    }

    /// A GSM MAP error code that fits the state (1 unknown subscriber, 11 teleservice not
    /// provisioned, 27 absent subscriber), reported in `err:` and network_error_code.
    pub(crate) fn error_code(self) -> u16 {
        match self {
            FinalState::Undeliverable => 1,
            FinalState::Rejected => 11,
            FinalState::Expired => 27,
            _ => 0,
        }
    }
}

/// Appends the receipt deliver_sm for `r` (addresses swapped, esm_class 0x04, the Appendix B
/// text and the receipted_message_id, message_state and network_error_code TLVs).
pub(crate) fn encode_receipt(
    r: &Receipt,
    sequence_number: u32,
    id_format: IdFormat,
    done: SystemTime,
    buf: &mut BytesMut,
) -> Result<(), EncodeError> {
    let id = IdText::new(r.id, id_format);
    let mut text = [0u8; 254];
    let len = receipt_text(r, id.as_bytes(), done, &mut text);
    let pdu = Pdu::new(
        sequence_number,
        Body::DeliverSm(SubmitSm {
            source_addr_ton: r.destination.ton,
            source_addr_npi: r.destination.npi,
            source_addr: COctet::new(r.destination.addr.as_bytes()),
            dest_addr_ton: r.source.ton,
            dest_addr_npi: r.source.npi,
            destination_addr: COctet::new(r.source.addr.as_bytes()),
            esm_class: 0x04,
            short_message: Octets::new(&text[..len]),
            tlvs: List::from(vec![
                Tlv::ReceiptedMessageId(COctet::new(id.as_bytes())),
                Tlv::MessageState(r.state.message_state()),
                Tlv::NetworkErrorCode(NetworkErrorCode {
                    // 3 = GSM.
                    network_type: 3,
                    error_code: r.state.error_code(),
                }),
            ]),
            ..Default::default()
        }),
    );
    pdu.encode(buf)
}

/// Writes the receipt text into `out` and returns its length. The longest text (20-digit id,
/// 20-octet excerpt) is 141 octets, well inside short_message's 254.
fn receipt_text(r: &Receipt, id: &[u8], done: SystemTime, out: &mut [u8; 254]) -> usize {
    let delivered = r.state == FinalState::Delivered;
    let parts: [&[u8]; 14] = [
        b"id:",
        id,
        b" sub:001 dlvrd:",
        if delivered { b"001" } else { b"000" },
        b" submit date:",
        &clock::receipt_date(r.submitted),
        b" done date:",
        &clock::receipt_date(done),
        b" stat:",
        r.state.stat().as_bytes(),
        b" err:",
        &three_digits(r.state.error_code()),
        b" text:",
        r.text.as_bytes(),
    ];
    let mut at = 0;
    for part in parts {
        let end = (at + part.len()).min(out.len());
        out[at..end].copy_from_slice(&part[..end - at]);
        at = end;
    }
    at
}

fn three_digits(n: u16) -> [u8; 3] {
    let n = n % 1000;
    [
        b'0' + (n / 100) as u8,
        b'0' + (n / 10 % 10) as u8,
        b'0' + (n % 10) as u8,
    ]
}

/// Appends an injected deliver_sm with its sequence number filled in.
pub(crate) fn encode_mo(pdu: &[u8], sequence_number: u32, buf: &mut BytesMut) {
    let start = buf.len();
    buf.extend_from_slice(pdu);
    buf[start + 12..start + 16].copy_from_slice(&sequence_number.to_be_bytes());
}

/// Messages due for delivery, waiting for a receiver bind with room in its window.
#[derive(Debug)]
pub(crate) struct Ready {
    queue: Mutex<VecDeque<Outbound>>,
    /// The queue's length, readable without the lock (binds check it on every loop).
    len: AtomicUsize,
    /// Wakes a receiver bind when messages arrive.
    pub(crate) notify: Notify,
}

impl Ready {
    pub(crate) fn new() -> Self {
        Ready {
            queue: Mutex::new(VecDeque::new()),
            len: AtomicUsize::new(0),
            notify: Notify::new(),
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Outbound>> {
        // Every change is a whole push or pop, so a poisoned queue is still consistent.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// Adds due messages at the back and wakes a receiver.
    pub(crate) fn push_back(&self, items: impl IntoIterator<Item = Outbound>, stats: &Counters) {
        let mut q = self.queue();
        q.extend(items);
        self.publish(&q, stats);
        drop(q);
        self.notify.notify_one();
    }

    /// Puts messages taken back from a bind at the front, so they go first.
    pub(crate) fn push_front(&self, items: Vec<Outbound>, stats: &Counters) {
        if items.is_empty() {
            return;
        }
        let mut q = self.queue();
        for item in items.into_iter().rev() {
            q.push_front(item);
        }
        self.publish(&q, stats);
        drop(q);
        self.notify.notify_one();
    }

    /// Moves up to `max` messages into `out`. If some remain, another receiver is woken.
    pub(crate) fn take(&self, max: usize, out: &mut Vec<Outbound>, stats: &Counters) {
        if max == 0 || self.len() == 0 {
            return;
        }
        let mut q = self.queue();
        let n = max.min(q.len());
        out.extend(q.drain(..n));
        self.publish(&q, stats);
        let more = !q.is_empty();
        drop(q);
        if more {
            self.notify.notify_one();
        }
    }

    fn publish(&self, q: &VecDeque<Outbound>, stats: &Counters) {
        self.len.store(q.len(), Ordering::Relaxed);
        stats
            .receipts_queued
            .store(q.len() as u64, Ordering::Relaxed);
    }
}

/// A message and how long it waits before it is ready.
#[derive(Debug)]
pub(crate) struct Scheduled {
    pub(crate) outbound: Outbound,
    pub(crate) delay: Duration,
}

/// The connections' handle on the dispatcher: a bounded channel that never blocks a connection.
#[derive(Debug, Clone)]
pub(crate) struct Scheduler {
    tx: mpsc::Sender<Scheduled>,
}

/// Messages the channel to the dispatcher holds; beyond it schedules fail and are counted as
/// dropped (the dispatcher only falls this far behind under extreme load).
const SCHEDULE_CHANNEL: usize = 65_536;

impl Scheduler {
    pub(crate) fn new() -> (Scheduler, mpsc::Receiver<Scheduled>) {
        let (tx, rx) = mpsc::channel(SCHEDULE_CHANNEL);
        (Scheduler { tx }, rx)
    }

    /// Hands a message to the dispatcher; `false` (and nothing sent) when it is behind.
    pub(crate) fn schedule(&self, outbound: Outbound, delay: Duration) -> bool {
        self.tx.try_send(Scheduled { outbound, delay }).is_ok()
    }
}

/// The dispatcher task: holds scheduled messages until due, then moves them to `ready`.
pub(crate) async fn dispatch(
    mut rx: mpsc::Receiver<Scheduled>,
    ready: Arc<Ready>,
    stats: Arc<Counters>,
    max_pending: usize,
    stop: CancellationToken,
) {
    let mut delays: DelayQueue<Outbound> = DelayQueue::new();
    let mut batch = Vec::with_capacity(256);
    let mut due = Vec::with_capacity(256);
    loop {
        tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            n = rx.recv_many(&mut batch, 256) => {
                if n == 0 {
                    break;
                }
                for s in batch.drain(..) {
                    if delays.len() + ready.len() + due.len() >= max_pending {
                        stats.receipts_dropped.fetch_add(1, Ordering::Relaxed);
                    } else if s.delay.is_zero() {
                        due.push(s.outbound);
                    } else {
                        delays.insert(s.outbound, s.delay);
                    }
                }
            }
            Some(expired) = delays.next() => {
                due.push(expired.into_inner());
                // Take everything else already due without going round the loop.
                while let Some(Some(expired)) = delays.next().now_or_never() {
                    due.push(expired.into_inner());
                }
            }
        }
        if !due.is_empty() {
            ready.push_back(due.drain(..), &stats);
        }
        stats
            .receipts_pending
            .store(delays.len() as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn receipt(state: FinalState) -> Receipt {
        Receipt {
            id: 0x1a2b,
            state,
            submitted: UNIX_EPOCH + Duration::from_secs(1_766_590_207),
            source: Address::new(5, 0, b"ACME"),
            destination: Address::new(1, 1, b"34600111222"),
            text: excerpt(b"Your code is 482913, valid 5 min", 0, 0),
        }
    }

    #[test]
    fn receipt_pdu_has_text_tlvs_and_swapped_addresses() {
        let mut buf = BytesMut::new();
        let done = UNIX_EPOCH + Duration::from_secs(1_766_590_267);
        encode_receipt(
            &receipt(FinalState::Expired),
            9,
            IdFormat::Dec,
            done,
            &mut buf,
        )
        .unwrap();
        let pdu = Pdu::decode(&buf).unwrap();
        assert_eq!(pdu.sequence_number, 9);
        let Body::DeliverSm(sm) = pdu.body else {
            panic!("not a deliver_sm: {pdu:?}")
        };
        assert_eq!(sm.esm_class, 0x04);
        assert_eq!(sm.source_addr.as_bytes(), b"34600111222");
        assert_eq!((sm.source_addr_ton, sm.dest_addr_ton), (1, 5));
        assert_eq!(sm.destination_addr.as_bytes(), b"ACME");
        assert_eq!(
            std::str::from_utf8(sm.short_message.as_bytes()).unwrap(),
            "id:6699 sub:001 dlvrd:000 submit date:2512241530 done date:2512241531 \
             stat:EXPIRED err:027 text:Your code is 482913,"
        );
        assert_eq!(sm.tlvs.receipted_message_id().unwrap().as_bytes(), b"6699");
        assert_eq!(sm.tlvs.message_state(), Some(MessageState::Expired));
        assert_eq!(sm.tlvs.network_error_code().unwrap().error_code, 27);
    }

    #[test]
    fn registered_delivery_bits() {
        assert!(!wanted(0, FinalState::Delivered));
        assert!(wanted(1, FinalState::Delivered));
        assert!(wanted(0x11, FinalState::Undeliverable));
        assert!(!wanted(2, FinalState::Delivered));
        assert!(wanted(2, FinalState::Expired));
        assert!(wanted(3, FinalState::Delivered));
        assert!(!wanted(3, FinalState::Rejected));
    }

    #[test]
    fn excerpt_skips_udh_and_binary() {
        let udh = [5, 0, 3, 7, 2, 1];
        let mut sm = udh.to_vec();
        sm.extend_from_slice(b"second part");
        assert_eq!(excerpt(&sm, 0x40, 0).as_bytes(), b"second part");
        assert_eq!(excerpt(&[0, 0x41], 0, 8).as_bytes(), b"");
        assert_eq!(excerpt(&[7], 0x40, 0).as_bytes(), b"");
    }

    #[test]
    fn mo_gets_its_sequence_number() {
        let mut buf = BytesMut::new();
        let template = Pdu::new(0, Body::EnquireLink).to_bytes().unwrap();
        encode_mo(&template, 77, &mut buf);
        assert_eq!(Pdu::decode(&buf).unwrap().sequence_number, 77);
    }
}
