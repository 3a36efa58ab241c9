//! Messages due the moment they were accepted ("fresh" ones, nearly all of them), listed by the
//! millisecond they were accepted in: one entry per lane and millisecond holds the ids of that
//! millisecond's messages not yet dispatched. The due index (`outbox.rs`) took an insert when a
//! message was stored and a removal when its first attempt was saved, two B-tree writes of the
//! eight or nine a message costs the writer; here a commit writes each millisecond it touches
//! once, however many of its messages it stores or saves. Messages held for later (quiet hours,
//! `send_at`) and retries stay in the due index. The entries are on disk, so a restart finds
//! what was accepted and not yet sent, as it finds what is due.

use std::ops::Bound;

use redb::{
    AccessGuard, Range, ReadOnlyTable, ReadTransaction, ReadableTable, Table, TableDefinition,
    TableError,
};

use super::tables::META;
use super::writer::StoreError;
use crate::message::{Message, Status};

/// [lane u8][accepted_at_ms u64 BE] → the ids (u128 BE, ascending) of that lane's messages
/// accepted in that millisecond, due since, whose first attempt is not saved yet.
pub(super) const FRESH: TableDefinition<&[u8], &[u8]> = TableDefinition::new("fresh");

/// In `META`: how many ids [`FRESH`] holds, so the outbox's depth is read without counting.
pub(super) const FRESH_COUNT: &str = "fresh";

/// A [`FRESH`] key's length: lane, millisecond.
pub(super) const KEY: usize = 9;

/// A place among fresh messages: a [`FRESH`] key and an id in its entry.
pub(super) const PLACE: usize = KEY + ID;

const ID: usize = 16;

/// Whether a message as stored goes to [`FRESH`] rather than to the due index: queued, never
/// tried, and due when it was accepted.
pub(super) fn is_fresh(m: &Message) -> bool {
    m.status == Status::Queued && m.attempts == 0 && m.due_ms <= m.accepted_at_ms
}

fn key(m: &Message) -> [u8; KEY] {
    let mut k = [0u8; KEY];
    k[0] = m.lane();
    k[1..].copy_from_slice(&m.accepted_at_ms.to_be_bytes());
    k
}

fn ids(value: &[u8]) -> impl Iterator<Item = u128> + '_ {
    value
        .chunks_exact(ID)
        .map(|c| u128::from_be_bytes(c.try_into().unwrap_or([0; ID])))
}

/// What one commit adds to and takes from [`FRESH`], written when the commit's tables close.
#[derive(Debug, Default)]
pub(super) struct Changes {
    added: Vec<([u8; KEY], u128)>,
    removed: Vec<([u8; KEY], u128)>,
}

impl Changes {
    /// Lists a newly stored fresh message.
    pub(super) fn add(&mut self, m: &Message) {
        self.added.push((key(m), m.id.0));
    }

    /// Takes a message off the list (its first attempt is being saved); nothing if it is not
    /// on it.
    pub(super) fn remove(&mut self, m: &Message) {
        self.removed.push((key(m), m.id.0));
    }

    /// How many more fresh messages there will be once written (for the outbox's bound
    /// while the commit is under way; a removal of an id not listed counts too, which errs
    /// towards admitting).
    pub(super) fn pending(&self) -> i64 {
        i64::try_from(self.added.len()).unwrap_or(i64::MAX)
            - i64::try_from(self.removed.len()).unwrap_or(i64::MAX)
    }

    /// Writes the changes, each millisecond's entry once, and the count beside them.
    pub(super) fn write(
        mut self,
        fresh: &mut Table<'_, &'static [u8], &'static [u8]>,
        meta: &mut Table<'_, &'static str, u64>,
    ) -> Result<(), StoreError> {
        if self.added.is_empty() && self.removed.is_empty() {
            return Ok(());
        }
        self.added.sort_unstable();
        self.removed.sort_unstable();
        let mut keys: Vec<[u8; KEY]> = self
            .added
            .iter()
            .chain(&self.removed)
            .map(|(k, _)| *k)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut delta = 0i64;
        let mut entry: Vec<u128> = Vec::new();
        let mut value: Vec<u8> = Vec::new();
        for k in keys {
            entry.clear();
            if let Some(v) = fresh.get(&k[..]).map_err(StoreError::db)? {
                entry.extend(ids(v.value()));
            }
            let listed = entry.len();
            entry.extend(of(&self.added, k).iter().map(|(_, id)| *id));
            entry.sort_unstable();
            entry.dedup();
            let grown = entry.len();
            let gone = of(&self.removed, k);
            entry.retain(|id| gone.binary_search(&(k, *id)).is_err());
            if entry.len() == grown && grown == listed {
                continue;
            }
            delta += i64::try_from(entry.len()).unwrap_or(i64::MAX)
                - i64::try_from(listed).unwrap_or(i64::MAX);
            if entry.is_empty() {
                fresh.remove(&k[..]).map_err(StoreError::db)?;
            } else {
                value.clear();
                for id in &entry {
                    value.extend_from_slice(&id.to_be_bytes());
                }
                fresh
                    .insert(&k[..], value.as_slice())
                    .map_err(StoreError::db)?;
            }
        }
        if delta != 0 {
            let was = count_in(meta)?;
            meta.insert(FRESH_COUNT, was.saturating_add_signed(delta))
                .map_err(StoreError::db)?;
        }
        Ok(())
    }
}

/// The part of `changes` (sorted) under `k`.
fn of(changes: &[([u8; KEY], u128)], k: [u8; KEY]) -> &[([u8; KEY], u128)] {
    let start = changes.partition_point(|(c, _)| *c < k);
    let end = changes.partition_point(|(c, _)| *c <= k);
    &changes[start..end]
}

/// How many messages are fresh, as `meta` records it.
pub(super) fn count_in(meta: &impl ReadableTable<&'static str, u64>) -> Result<u64, StoreError> {
    Ok(meta
        .get(FRESH_COUNT)
        .map_err(StoreError::db)?
        .map_or(0, |v| v.value()))
}

/// How many messages are fresh in the snapshot `txn` (none before the counters exist).
pub(super) fn count(txn: &ReadTransaction) -> Result<u64, StoreError> {
    match txn.open_table(META) {
        Ok(meta) => count_in(&meta),
        Err(TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(StoreError::db(e)),
    }
}

/// `lane`'s fresh messages accepted by `now_ms`, after `after` if given, in dispatch order: as
/// places ([lane][accepted ms][id], ordered as the due index's keys are, so the two can be
/// merged).
pub(super) fn places(
    fresh: &ReadOnlyTable<&'static [u8], &'static [u8]>,
    lane: u8,
    now_ms: u64,
    after: Option<[u8; PLACE]>,
) -> Result<Places, StoreError> {
    let first = [lane];
    let mut last = [0u8; KEY];
    last[0] = lane;
    last[1..].copy_from_slice(&now_ms.to_be_bytes());
    // The clock stepped back past where the last page stopped: nothing accepted after it is
    // due yet.
    let stepped_back = after.is_some_and(|place| place[..KEY] > last[..]);
    let range = if stepped_back {
        None
    } else {
        let start = match &after {
            Some(place) => Bound::Included(&place[..KEY]),
            None => Bound::Included(&first[..]),
        };
        Some(
            fresh
                .range::<&[u8]>((start, Bound::Included(&last[..])))
                .map_err(StoreError::db)?,
        )
    };
    Ok(Places {
        range,
        after,
        entry: None,
    })
}

/// The iterator [`places`] returns.
pub(super) struct Places {
    range: Option<Range<'static, &'static [u8], &'static [u8]>>,
    after: Option<[u8; PLACE]>,
    /// The entry being read.
    entry: Option<Reading>,
}

/// An entry of [`FRESH`] being read: its key, its ids, and how many bytes of them are read.
type Reading = ([u8; KEY], AccessGuard<'static, &'static [u8]>, usize);

impl Iterator for Places {
    type Item = Result<[u8; PLACE], StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((k, ids, at)) = &mut self.entry {
                let value = ids.value();
                while let Some(chunk) = value.get(*at..*at + ID) {
                    *at += ID;
                    let mut place = [0u8; PLACE];
                    place[..KEY].copy_from_slice(k);
                    place[KEY..].copy_from_slice(chunk);
                    // Within the entry the last page stopped in, only the ids after it.
                    if self.after.is_none_or(|after| place > after) {
                        return Some(Ok(place));
                    }
                }
                self.entry = None;
            }
            let (k, v) = match self.range.as_mut()?.next()? {
                Ok(entry) => entry,
                Err(e) => return Some(Err(StoreError::db(e))),
            };
            if let Ok(k) = <[u8; KEY]>::try_from(k.value()) {
                self.entry = Some((k, v, 0));
            }
        }
    }
}
