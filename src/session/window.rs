//! The requests waiting for a response: matched by sequence number in any order, bounded, and
//! expired in send order.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use crate::pdu::CommandId;

/// What a request was, so its response can be interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Bind,
    /// A caller's submit (submit_sm, data_sm, query_sm, …) carrying the caller's token.
    Submit(u64),
    EnquireLink,
    Unbind,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    pub(crate) kind: Kind,
    /// The response that completes it (generic_nack completes anything).
    pub(crate) expects: CommandId,
    pub(crate) deadline: Instant,
}

/// Outstanding requests. Submits are capped by the window; control requests are not, but
/// there is at most one of each kind at a time.
#[derive(Debug)]
pub(crate) struct Window {
    pending: HashMap<u32, Pending>,
    /// Deadlines in send order. Every request gets the same timeout, so the front is always
    /// the earliest; entries already answered are skipped lazily.
    order: VecDeque<(Instant, u32)>,
    submits: usize,
    capacity: usize,
}

impl Window {
    pub(crate) fn new(capacity: usize) -> Self {
        Window {
            pending: HashMap::with_capacity(capacity + 4),
            order: VecDeque::with_capacity(capacity + 4),
            submits: 0,
            capacity: capacity.max(1),
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn submits(&self) -> usize {
        self.submits
    }

    pub(crate) fn has_room(&self) -> bool {
        self.submits < self.capacity
    }

    pub(crate) fn contains(&self, seq: u32) -> bool {
        self.pending.contains_key(&seq)
    }

    pub(crate) fn insert(&mut self, seq: u32, pending: Pending) {
        if matches!(pending.kind, Kind::Submit(_)) {
            self.submits += 1;
        }
        self.order.push_back((pending.deadline, seq));
        self.pending.insert(seq, pending);
    }

    pub(crate) fn remove(&mut self, seq: u32) -> Option<Pending> {
        let p = self.pending.remove(&seq)?;
        if matches!(p.kind, Kind::Submit(_)) {
            self.submits -= 1;
        }
        self.trim();
        Some(p)
    }

    /// Drops answered entries from the front so `next_deadline` stays O(1).
    fn trim(&mut self) {
        while let Some(&(deadline, seq)) = self.order.front() {
            match self.pending.get(&seq) {
                Some(p) if p.deadline == deadline => break,
                _ => {
                    self.order.pop_front();
                }
            }
        }
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.order.front().map(|&(d, _)| d)
    }

    /// Removes and returns the first request whose deadline has passed.
    pub(crate) fn pop_expired(&mut self, now: Instant) -> Option<(u32, Pending)> {
        let &(deadline, seq) = self.order.front()?;
        if deadline > now {
            return None;
        }
        self.remove(seq).map(|p| (seq, p))
    }

    /// Takes everything still outstanding (the link ended).
    pub(crate) fn drain(&mut self) -> Vec<(u32, Pending)> {
        self.order.clear();
        self.submits = 0;
        let mut all: Vec<_> = self.pending.drain().collect();
        all.sort_by_key(|(seq, _)| *seq);
        all
    }
}
