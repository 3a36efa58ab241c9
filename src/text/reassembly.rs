//! Inbound reassembly: concatenated deliver_sm parts (UDH 8/16-bit or SAR) back into one text,
//! in bounded memory, delivering what arrived as incomplete rather than losing it.
//!
//! Time is a `Duration` since any epoch the caller picks, passed in; nothing here reads a clock.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::mem::size_of;
use std::time::Duration;

use super::decode::{Alphabet, ESM_CLASS_UDHI, alphabet, decode_units, extract_units};
use super::error::TextError;
use super::gsm7::ShiftTables;
use super::profile::TextProfile;
use super::segment::Sar;
use super::udh::parse_udh;

/// Bounds of a [`Reassembler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyLimits {
    /// Incomplete messages held per sender; a new one beyond this pushes out the sender's
    /// oldest (delivered incomplete), so one noisy sender cannot crowd out the rest.
    pub max_pending_per_sender: usize,
    /// Incomplete messages held in all; a new one beyond this pushes out the oldest.
    pub max_pending: usize,
    /// Heap octets all incomplete messages may hold (user data plus per-part bookkeeping).
    /// The counts alone do not bound memory, since a part in `message_payload` can carry
    /// ~64 KiB; a part that would go over is delivered on its own, incomplete, at once.
    pub max_pending_octets: usize,
    /// Completed messages whose keys are remembered for `timeout`, so a part the SMSC
    /// redelivers afterwards (say, because our deliver_sm_resp was lost) is dropped instead of
    /// surfacing later as a phantom incomplete message; beyond this the oldest is forgotten.
    pub max_completed: usize,
    /// Time from a message's first part until it is delivered incomplete, and how long a
    /// completed message's key is remembered.
    pub timeout: Duration,
}

impl Default for ReassemblyLimits {
    /// Parts normally arrive within seconds; five minutes leaves room for SMSC retries. Real
    /// parts are at most 140 octets, so 64 MiB holds tens of thousands of typical messages
    /// while capping what oversized payloads can take; 10,000 remembered keys (a few MB) cover
    /// over 30 long messages completed per second.
    fn default() -> Self {
        Self {
            max_pending_per_sender: 16,
            max_pending: 10_000,
            max_pending_octets: 64 << 20,
            max_completed: 10_000,
            timeout: Duration::from_secs(300),
        }
    }
}

/// One inbound deliver_sm (or data_sm), as far as text is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundPart {
    /// source_addr: part of the message key, since references are only unique per sender.
    pub source: String,
    /// destination_addr: part of the key too, so one sender's texts to two numbers stay apart.
    pub destination: String,
    /// The PDU's `data_coding`, which names the alphabet of the user data.
    pub data_coding: u8,
    /// The PDU's `esm_class`; only the UDHI bit (0x40) is read, to know a UDH leads the data.
    pub esm_class: u8,
    /// The `short_message` octets, UDH included; ignored when `message_payload` is set.
    pub short_message: Vec<u8>,
    /// SAR TLVs, when present.
    pub sar: Option<Sar>,
    /// The message_payload TLV; used instead of short_message when present.
    pub message_payload: Option<Vec<u8>>,
}

/// A whole (or timed-out, or pushed-out) inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassembled {
    /// source_addr of the parts, for the gateway to know who wrote.
    pub source: String,
    /// destination_addr of the parts: which of our numbers the text was sent to.
    pub destination: String,
    /// The first part's data_coding.
    pub data_coding: u8,
    /// The text of the parts that arrived, in order; runs either side of a gap are decoded
    /// separately so a missing part cannot garble its neighbours.
    pub text: Result<String, TextError>,
    /// The user data of the parts that arrived, UDH removed, in order: septets one per octet
    /// for GSM 7-bit, octets otherwise (what binary messages need).
    pub data: Vec<u8>,
    /// Whether every part arrived.
    pub complete: bool,
    /// Concatenation reference; `None` for a message that was never split.
    pub reference: Option<u16>,
    /// Parts the message announced (1 when not split).
    pub total: u8,
    /// Sequence numbers (from 1) that arrived.
    pub received: Vec<u8>,
    /// Sequence numbers that did not.
    pub missing: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scheme {
    Udh8,
    Udh16,
    Sar,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    source: String,
    destination: String,
    scheme: Scheme,
    reference: u16,
    total: u8,
}

impl Key {
    /// What holding a message under this key costs before any user data: the slot of every
    /// part it announced, and the two addresses.
    fn overhead(&self) -> usize {
        usize::from(self.total) * size_of::<Option<Vec<u8>>>()
            + self.source.len()
            + self.destination.len()
    }
}

#[derive(Debug)]
struct Pending {
    serial: u64,
    first_seen: Duration,
    data_coding: u8,
    alphabet: Alphabet,
    tables: ShiftTables,
    parts: Vec<Option<Vec<u8>>>,
    received: usize,
    /// What this message counts against [`ReassemblyLimits::max_pending_octets`].
    octets: usize,
}

/// Collects the parts of concatenated inbound messages.
#[derive(Debug)]
pub struct Reassembler {
    profile: TextProfile,
    limits: ReassemblyLimits,
    pending: HashMap<Key, Pending>,
    /// Arrival order of first parts: serial → key, oldest first.
    order: BTreeMap<u64, Key>,
    /// Serials of each sender's pending messages, so its oldest is found without a scan.
    per_sender: HashMap<String, BTreeSet<u64>>,
    serial: u64,
    /// Sum of [`Pending::octets`].
    held_octets: usize,
    /// Keys of recently completed messages → when they completed.
    completed: HashMap<Key, Duration>,
    /// The same keys, oldest completion first, so they are forgotten in that order.
    completed_order: VecDeque<Key>,
}

impl Reassembler {
    /// A reassembler decoding with `profile` (the carrier's packing and default alphabet).
    /// Limits of 0 are treated as 1.
    pub fn new(profile: TextProfile, limits: ReassemblyLimits) -> Self {
        Self {
            profile,
            limits: ReassemblyLimits {
                max_pending_per_sender: limits.max_pending_per_sender.max(1),
                max_pending: limits.max_pending.max(1),
                max_pending_octets: limits.max_pending_octets.max(1),
                max_completed: limits.max_completed.max(1),
                timeout: limits.timeout,
            },
            pending: HashMap::new(),
            order: BTreeMap::new(),
            per_sender: HashMap::new(),
            serial: 0,
            held_octets: 0,
            completed: HashMap::new(),
            completed_order: VecDeque::new(),
        }
    }

    /// Incomplete messages held now.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Octets the incomplete messages held now count against
    /// [`ReassemblyLimits::max_pending_octets`].
    pub fn pending_octets(&self) -> usize {
        self.held_octets
    }

    /// Completed messages whose keys are remembered now, to drop redelivered parts; never more
    /// than [`ReassemblyLimits::max_completed`].
    pub fn remembered(&self) -> usize {
        self.completed.len()
    }

    /// When [`Reassembler::expire`] will next have something to deliver.
    pub fn next_deadline(&self) -> Option<Duration> {
        let (_, key) = self.order.first_key_value()?;
        let pending = self.pending.get(key)?;
        Some(pending.first_seen.saturating_add(self.limits.timeout))
    }

    /// Takes one part. Returns a message when this part completes one, when the part was never
    /// split (or its header is unusable), when holding it pushed out an older incomplete
    /// message, or, alone and incomplete, when it does not fit the octet budget. Duplicated
    /// parts are ignored, including parts of a message completed less than the timeout ago.
    pub fn push(&mut self, now: Duration, part: InboundPart) -> Option<Reassembled> {
        let user_data = part
            .message_payload
            .as_deref()
            .unwrap_or(&part.short_message);
        let alphabet = alphabet(part.data_coding, &self.profile);
        let udh = if part.esm_class & ESM_CLASS_UDHI != 0 {
            match parse_udh(user_data) {
                Ok(udh) => Some(udh),
                Err(error) => return Some(unusable(&part, user_data, error)),
            }
        } else {
            None
        };
        let header = udh.map_or(0, |u| u.len);
        let tables = udh.map_or(ShiftTables::DEFAULT, |u| u.shift_tables());
        let mut units = Vec::with_capacity(user_data.len() + user_data.len() / 7 + 1);
        extract_units(
            alphabet,
            user_data,
            header,
            self.profile.packing,
            &mut units,
        );

        let concat = match (udh.and_then(|u| u.concat), part.sar) {
            (Some(c), _) => Some((
                if c.wide { Scheme::Udh16 } else { Scheme::Udh8 },
                c.reference,
                c.total,
                c.seq,
            )),
            (None, Some(sar)) => Some((Scheme::Sar, sar.reference, sar.total, sar.seq)),
            (None, None) => None,
        };
        let Some((scheme, reference, total, seq)) =
            concat.filter(|&(_, _, total, seq)| total > 1 && seq >= 1 && seq <= total)
        else {
            // Not split, or numbered so that no other part can join it: it is whole as is.
            let text = decode_units(alphabet, part.data_coding, tables, &units);
            return Some(Reassembled {
                source: part.source,
                destination: part.destination,
                data_coding: part.data_coding,
                text,
                data: units,
                complete: true,
                reference: None,
                total: 1,
                received: vec![1],
                missing: Vec::new(),
            });
        };
        let key = Key {
            source: part.source,
            destination: part.destination,
            scheme,
            reference,
            total,
        };
        self.forget_completed(now);
        if self.completed.contains_key(&key) {
            // A redelivered part of a message already delivered whole.
            return None;
        }
        // `seq` is in 1..=total, checked above, and every pending message under this key has
        // exactly `total` slots, since `total` is part of the key.
        let index = usize::from(seq - 1);
        let room = self
            .limits
            .max_pending_octets
            .saturating_sub(self.held_octets);
        if let Some(pending) = self.pending.get_mut(&key) {
            let slot = pending.parts.get_mut(index)?;
            if slot.is_some() {
                return None;
            }
            if units.len() > room {
                return Some(alone(
                    key,
                    seq,
                    now,
                    part.data_coding,
                    alphabet,
                    tables,
                    units,
                ));
            }
            pending.octets += units.len();
            self.held_octets += units.len();
            *slot = Some(units);
            pending.received += 1;
            if pending.received < pending.parts.len() {
                return None;
            }
            let whole = self.take(&key);
            self.remember_completed(key, now);
            return whole;
        }
        let octets = key.overhead().saturating_add(units.len());
        if octets > room {
            return Some(alone(
                key,
                seq,
                now,
                part.data_coding,
                alphabet,
                tables,
                units,
            ));
        }
        let pushed_out = self.make_room(&key.source);
        let mut parts = vec![None; usize::from(total)];
        parts[index] = Some(units);
        self.serial += 1;
        let pending = Pending {
            serial: self.serial,
            first_seen: now,
            data_coding: part.data_coding,
            alphabet,
            tables,
            parts,
            received: 1,
            octets,
        };
        self.held_octets += octets;
        self.per_sender
            .entry(key.source.clone())
            .or_default()
            .insert(self.serial);
        self.order.insert(self.serial, key.clone());
        self.pending.insert(key, pending);
        pushed_out
    }

    /// Delivers, as incomplete, every message whose first part is at least the timeout old,
    /// and forgets completed messages that are.
    pub fn expire(&mut self, now: Duration) -> Vec<Reassembled> {
        self.forget_completed(now);
        let mut out = Vec::new();
        while let Some(oldest) = self.order.first_entry() {
            let due = self
                .pending
                .get(oldest.get())
                .is_none_or(|p| now.saturating_sub(p.first_seen) >= self.limits.timeout);
            if !due {
                break;
            }
            // Removed from the order here, not only in `take`, so the loop always advances.
            let key = oldest.remove();
            if let Some(message) = self.take(&key) {
                out.push(message);
            }
        }
        out
    }

    /// Frees a slot for a new message from `sender`, returning the message pushed out.
    fn make_room(&mut self, sender: &str) -> Option<Reassembled> {
        let sender_oldest = self
            .per_sender
            .get(sender)
            .filter(|serials| serials.len() >= self.limits.max_pending_per_sender)
            .and_then(|serials| serials.first());
        let victim = match sender_oldest {
            Some(serial) => self.order.get(serial),
            None if self.pending.len() >= self.limits.max_pending => self.order.values().next(),
            None => None,
        };
        let key = victim.cloned()?;
        self.take(&key)
    }

    /// Removes a message and builds what it has.
    fn take(&mut self, key: &Key) -> Option<Reassembled> {
        let pending = self.pending.remove(key)?;
        self.order.remove(&pending.serial);
        self.held_octets = self.held_octets.saturating_sub(pending.octets);
        if let Some(serials) = self.per_sender.get_mut(&key.source) {
            serials.remove(&pending.serial);
            if serials.is_empty() {
                self.per_sender.remove(&key.source);
            }
        }
        Some(assemble(key, pending))
    }

    /// Remembers that the message under `key` was delivered whole at `now`, forgetting the
    /// oldest completion when the cap is reached.
    fn remember_completed(&mut self, key: Key, now: Duration) {
        match self.completed.entry(key) {
            // Cannot happen while parts under a remembered key are dropped; refreshing the
            // time keeps the map and the queue in step if it ever does.
            Entry::Occupied(mut done) => {
                done.insert(now);
            }
            Entry::Vacant(slot) => {
                self.completed_order.push_back(slot.key().clone());
                slot.insert(now);
            }
        }
        while self.completed_order.len() > self.limits.max_completed {
            self.forget_oldest_completed();
        }
    }

    /// Forgets completed messages at least the timeout old. The queue is in completion order,
    /// so this stops at the first that is not (a clock going backwards only delays forgetting,
    /// which the cap still bounds).
    fn forget_completed(&mut self, now: Duration) {
        while let Some(key) = self.completed_order.front() {
            let due = self
                .completed
                .get(key)
                .is_none_or(|&done| now.saturating_sub(done) >= self.limits.timeout);
            if !due {
                break;
            }
            self.forget_oldest_completed();
        }
    }

    fn forget_oldest_completed(&mut self) {
        if let Some(key) = self.completed_order.pop_front() {
            self.completed.remove(&key);
        }
    }
}

/// A part that the octet budget cannot hold, delivered at once as an incomplete message of its
/// own: losing the join is better than losing the text or letting input grow memory.
fn alone(
    key: Key,
    seq: u8,
    now: Duration,
    data_coding: u8,
    alphabet: Alphabet,
    tables: ShiftTables,
    units: Vec<u8>,
) -> Reassembled {
    let mut parts = vec![None; usize::from(key.total)];
    if let Some(slot) = parts.get_mut(usize::from(seq).saturating_sub(1)) {
        *slot = Some(units);
    }
    let pending = Pending {
        serial: 0,
        first_seen: now,
        data_coding,
        alphabet,
        tables,
        parts,
        received: 1,
        octets: 0,
    };
    assemble(&key, pending)
}

fn assemble(key: &Key, pending: Pending) -> Reassembled {
    let mut data = Vec::new();
    let mut text = Ok(String::new());
    let mut received = Vec::new();
    let mut missing = Vec::new();
    let mut run_start = 0;
    for (index, part) in pending.parts.iter().enumerate() {
        let seq = u8::try_from(index + 1).unwrap_or(u8::MAX);
        match part {
            Some(units) => {
                received.push(seq);
                data.extend_from_slice(units);
            }
            None => {
                missing.push(seq);
                append_run(&mut text, &pending, &data[run_start..]);
                run_start = data.len();
            }
        }
    }
    append_run(&mut text, &pending, &data[run_start..]);
    Reassembled {
        source: key.source.clone(),
        destination: key.destination.clone(),
        data_coding: pending.data_coding,
        text,
        data,
        complete: missing.is_empty(),
        reference: Some(key.reference),
        total: key.total,
        received,
        missing,
    }
}

/// Decodes one run of consecutive parts onto the text; the first error sticks.
fn append_run(text: &mut Result<String, TextError>, pending: &Pending, units: &[u8]) {
    let Ok(so_far) = text else { return };
    if units.is_empty() {
        return;
    }
    match decode_units(pending.alphabet, pending.data_coding, pending.tables, units) {
        Ok(run) => so_far.push_str(&run),
        Err(error) => *text = Err(error),
    }
}

/// A part whose UDH cannot be read: delivered on its own, raw, with the error.
fn unusable(part: &InboundPart, user_data: &[u8], error: TextError) -> Reassembled {
    Reassembled {
        source: part.source.clone(),
        destination: part.destination.clone(),
        data_coding: part.data_coding,
        text: Err(error),
        data: user_data.to_vec(),
        complete: false,
        reference: None,
        total: 1,
        received: vec![1],
        missing: Vec::new(),
    }
}
