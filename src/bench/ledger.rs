//! What the bench knows about each message: when it was accepted, how many segments it has,
//! which segments' receipts reached the webhook and when the final one did. Filled from two
//! sides (the load workers and the webhook receiver) in either order, since a receipt can
//! overtake the 202 it belongs to.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use dashmap::DashMap;

type Fast = foldhash::fast::RandomState;

/// One message as seen by the bench. Times are nanoseconds since the bench started.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Entry {
    /// When its 202/207 answer arrived; `None` while only webhook events are known.
    pub(crate) accepted_ns: Option<u64>,
    /// Segments, as the answer said.
    pub(crate) segments: u8,
    /// Segments (bit n-1 for segment n) whose `dlr` event arrived.
    pub(crate) receipted: u64,
    /// When the `dlr` event carrying a final message status first arrived.
    pub(crate) final_ns: Option<u64>,
}

/// Every message and every event seen, shared by the workers and the receiver.
#[derive(Debug)]
pub(crate) struct Ledger {
    /// Keyed by ULIDs the daemon made, hashed with foldhash: SipHash's share of the lookups
    /// buys nothing against keys no one here chooses.
    messages: DashMap<u128, Entry, Fast>,
    /// Every event_id seen; a repeat is a duplicate delivery.
    event_ids: Mutex<std::collections::HashSet<u128, Fast>>,
    /// `dlr` events received (repeats included).
    pub(crate) dlr_events: AtomicU64,
    /// `status` events (multipart messages becoming final).
    pub(crate) status_events: AtomicU64,
    /// `mo` and any other event types.
    pub(crate) other_events: AtomicU64,
    /// Events whose event_id had been seen before.
    pub(crate) duplicate_events: AtomicU64,
    /// `dlr` events for a segment already receipted (under a new event_id).
    pub(crate) duplicate_receipts: AtomicU64,
    /// Events that could not be read (no id, not a ULID, segment out of range).
    pub(crate) unreadable_events: AtomicU64,
    /// When the last final receipt arrived (ns since start).
    pub(crate) last_final_ns: AtomicU64,
    /// When the first `dlr` event arrived (ns since start; `u64::MAX` before).
    pub(crate) first_receipt_ns: AtomicU64,
    /// Messages with a final receipt.
    pub(crate) finals: AtomicU64,
}

/// Message statuses after which nothing more happens to a message.
const FINAL: &[&str] = &[
    "delivered",
    "undeliverable",
    "expired",
    "rejected",
    "failed",
];

/// A ULID as its 128-bit value, or `None` when it is not one.
pub(crate) fn ulid(text: &str) -> Option<u128> {
    ulid::Ulid::from_string(text).ok().map(u128::from)
}

impl Ledger {
    /// A ledger with room for `messages` messages and their events from the start. Grown on
    /// demand instead, its maps rehash a few times over a run, and the pages each new table
    /// touches were a tenth of the bench's and the simulator's CPU in `scripts/bench full`
    /// (time that comes out of the daemon's share of the machine).
    pub(crate) fn sized(messages: usize) -> Self {
        // One `dlr` event per segment (up to about 1.1 a message in the default mix) and a
        // `status` event per multipart message.
        let events = messages.saturating_add(messages / 4);
        Ledger {
            messages: DashMap::with_capacity_and_hasher(messages, Fast::default()),
            event_ids: Mutex::new(std::collections::HashSet::with_capacity_and_hasher(
                events,
                Fast::default(),
            )),
            dlr_events: AtomicU64::new(0),
            status_events: AtomicU64::new(0),
            other_events: AtomicU64::new(0),
            duplicate_events: AtomicU64::new(0),
            duplicate_receipts: AtomicU64::new(0),
            unreadable_events: AtomicU64::new(0),
            last_final_ns: AtomicU64::new(0),
            first_receipt_ns: AtomicU64::new(u64::MAX),
            finals: AtomicU64::new(0),
        }
    }

    /// Records an accepted message.
    pub(crate) fn accepted(&self, id: u128, segments: u8, now_ns: u64) {
        let mut e = self.messages.entry(id).or_default();
        e.accepted_ns = Some(now_ns);
        e.segments = segments;
    }

    /// Records one webhook event; false when its event_id was seen before.
    pub(crate) fn event_id(&self, event_id: &str) -> bool {
        let key =
            ulid(event_id).unwrap_or_else(|| xxhash_rust::xxh3::xxh3_128(event_id.as_bytes()));
        let fresh = self
            .event_ids
            .lock()
            .map(|mut s| s.insert(key))
            .unwrap_or(true);
        if !fresh {
            self.duplicate_events.fetch_add(1, Relaxed);
        }
        fresh
    }

    /// Records a `dlr` event for segment `segment` (from 1) of message `id`.
    pub(crate) fn receipt(&self, id: u128, segment: u32, message_status: &str, now_ns: u64) {
        self.dlr_events.fetch_add(1, Relaxed);
        self.first_receipt_ns.fetch_min(now_ns, Relaxed);
        let Some(bit) = segment.checked_sub(1).filter(|b| *b < 64) else {
            self.unreadable_events.fetch_add(1, Relaxed);
            return;
        };
        let mut e = self.messages.entry(id).or_default();
        if e.receipted & (1 << bit) != 0 {
            self.duplicate_receipts.fetch_add(1, Relaxed);
        }
        e.receipted |= 1 << bit;
        if e.final_ns.is_none() && FINAL.contains(&message_status) {
            e.final_ns = Some(now_ns);
            self.finals.fetch_add(1, Relaxed);
            self.last_final_ns.fetch_max(now_ns, Relaxed);
        }
    }

    /// A copy of every entry, for the report.
    pub(crate) fn entries(&self) -> Vec<(u128, Entry)> {
        self.messages
            .iter()
            .map(|e| (*e.key(), *e.value()))
            .collect()
    }
}
