//! Inbound reassembly: concatenated deliver_sm parts (UDH 8/16-bit or SAR) back into one text,
//! in bounded memory, delivering what arrived as incomplete rather than losing it.
//!
//! Time is a `Duration` since any epoch the caller picks, passed in; nothing here reads a clock.

use std::collections::{BTreeMap, HashMap};
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
    /// Time from a message's first part until it is delivered incomplete.
    pub timeout: Duration,
}

impl Default for ReassemblyLimits {
    /// Parts normally arrive within seconds; five minutes leaves room for SMSC retries, and the
    /// caps bound memory at roughly 10,000 × 255 parts × 160 octets in the worst case.
    fn default() -> Self {
        Self {
            max_pending_per_sender: 16,
            max_pending: 10_000,
            timeout: Duration::from_secs(300),
        }
    }
}

/// One inbound deliver_sm (or data_sm), as far as text is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundPart {
    pub source: String,
    pub destination: String,
    pub data_coding: u8,
    pub esm_class: u8,
    pub short_message: Vec<u8>,
    /// SAR TLVs, when present.
    pub sar: Option<Sar>,
    /// The message_payload TLV; used instead of short_message when present.
    pub message_payload: Option<Vec<u8>>,
}

/// A whole (or timed-out, or pushed-out) inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassembled {
    pub source: String,
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

#[derive(Debug)]
struct Pending {
    serial: u64,
    first_seen: Duration,
    data_coding: u8,
    alphabet: Alphabet,
    tables: ShiftTables,
    parts: Vec<Option<Vec<u8>>>,
    received: usize,
}

/// Collects the parts of concatenated inbound messages.
#[derive(Debug)]
pub struct Reassembler {
    profile: TextProfile,
    limits: ReassemblyLimits,
    pending: HashMap<Key, Pending>,
    /// Arrival order of first parts: serial → key, oldest first.
    order: BTreeMap<u64, Key>,
    per_sender: HashMap<String, usize>,
    serial: u64,
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
                timeout: limits.timeout,
            },
            pending: HashMap::new(),
            order: BTreeMap::new(),
            per_sender: HashMap::new(),
            serial: 0,
        }
    }

    /// Incomplete messages held now.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// When [`Reassembler::expire`] will next have something to deliver.
    pub fn next_deadline(&self) -> Option<Duration> {
        let (_, key) = self.order.first_key_value()?;
        let pending = self.pending.get(key)?;
        Some(pending.first_seen.saturating_add(self.limits.timeout))
    }

    /// Takes one part. Returns a message when this part completes one, when the part was never
    /// split (or its header is unusable), or when holding it pushed out an older incomplete
    /// message. Duplicated parts are ignored.
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
        let index = usize::from(seq - 1);
        if let Some(pending) = self.pending.get_mut(&key) {
            let slot = &mut pending.parts[index];
            if slot.is_some() {
                return None;
            }
            *slot = Some(units);
            pending.received += 1;
            if pending.received < pending.parts.len() {
                return None;
            }
            return self.take(&key);
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
        };
        *self.per_sender.entry(key.source.clone()).or_default() += 1;
        self.order.insert(self.serial, key.clone());
        self.pending.insert(key, pending);
        pushed_out
    }

    /// Delivers, as incomplete, every message whose first part is at least the timeout old.
    pub fn expire(&mut self, now: Duration) -> Vec<Reassembled> {
        let mut out = Vec::new();
        while let Some((_, key)) = self.order.first_key_value() {
            let due = self
                .pending
                .get(key)
                .is_none_or(|p| now.saturating_sub(p.first_seen) >= self.limits.timeout);
            if !due {
                break;
            }
            let key = key.clone();
            if let Some(message) = self.take(&key) {
                out.push(message);
            }
        }
        out
    }

    /// Frees a slot for a new message from `sender`, returning the message pushed out.
    fn make_room(&mut self, sender: &str) -> Option<Reassembled> {
        let sender_full = self
            .per_sender
            .get(sender)
            .is_some_and(|&n| n >= self.limits.max_pending_per_sender);
        let victim = if sender_full {
            self.order
                .values()
                .find(|key| key.source == sender)
                .cloned()
        } else if self.pending.len() >= self.limits.max_pending {
            self.order.values().next().cloned()
        } else {
            None
        };
        victim.and_then(|key| self.take(&key))
    }

    /// Removes a message and builds what it has.
    fn take(&mut self, key: &Key) -> Option<Reassembled> {
        let pending = self.pending.remove(key)?;
        self.order.remove(&pending.serial);
        if let Some(count) = self.per_sender.get_mut(&key.source) {
            *count -= 1;
            if *count == 0 {
                self.per_sender.remove(&key.source);
            }
        }
        Some(assemble(key, pending))
    }
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
