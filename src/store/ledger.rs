//! What accepted messages were charged, kept durably in the same commit as the messages: each
//! account's quota use today, its credit spent, and the duplicate-suppression window. After a
//! restart the policy counters start from here, so a crash neither refunds nor forgets.

use redb::{ReadTransaction, ReadableTable, Table, WriteTransaction};

/// A generation's key: (accepted at ms, duplicate key), so that entries are written in time
/// order. The hash keys themselves are random: keyed by them, every insert landed on a leaf of
/// its own, which cost the writer about 10 µs per message in `scripts/bench` with the window
/// on. Nothing looks an entry up by its key (the policy's index does that in memory); the
/// store is read whole, in time order, at start.
type ByTime = (u64, u128);

use super::generations::{DUPLICATES, drain};
use super::tables::{CREDIT, LEGACY_DUPLICATES, LEGACY_DUPLICATES_BY_AGE, Tables, USAGE};
use super::writer::StoreError;
use crate::message::{Message, MessageId};
use crate::policy::{Charge, SavedCounters};

fn age_key(at_ms: u64, key: u128) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..8].copy_from_slice(&at_ms.to_be_bytes());
    k[8..].copy_from_slice(&key.to_be_bytes());
    k
}

/// What the messages of one commit charged, summed per account and day (or credit balance),
/// so each quota and credit record is read and written once per accept rather than once per
/// message.
#[derive(Debug, Default)]
pub(super) struct Tally {
    usage: Vec<(String, u32, u64)>,
    credit: Vec<(String, u64, u64)>,
}

/// Adds `n` to the entry for (`account`, `period`), or starts one.
fn add<P: PartialEq>(entries: &mut Vec<(String, P, u64)>, account: &str, period: P, n: u64) {
    match entries
        .iter_mut()
        .find(|(a, p, _)| a == account && *p == period)
    {
        Some((_, _, total)) => *total += n,
        None => entries.push((account.to_owned(), period, n)),
    }
}

impl Tally {
    /// Writes the sums: on top of what is stored for the same day (or balance), or afresh.
    pub(super) fn write(self, t: &mut Tables<'_>) -> Result<(), StoreError> {
        add_to(&mut t.usage, self.usage)?;
        add_to(&mut t.credit, self.credit)
    }
}

/// Adds each (account, period, n) to what `table` holds for the account when its period is
/// the same, or starts the account's count at `n`.
fn add_to<P>(
    table: &mut Table<'_, &'static str, (P, u64)>,
    sums: Vec<(String, P, u64)>,
) -> Result<(), StoreError>
where
    P: for<'a> redb::Value<SelfType<'a> = P> + PartialEq + Copy + 'static,
{
    for (account, period, n) in sums {
        let before = match table.get(account.as_str()).map_err(StoreError::db)? {
            Some(v) if v.value().0 == period => v.value().1,
            _ => 0,
        };
        table
            .insert(account.as_str(), (period, before + n))
            .map_err(StoreError::db)?;
    }
    Ok(())
}

/// Records what a newly stored message was charged: its duplicate claim now, its quota and
/// credit into `tally` (written by [`Tally::write`]).
pub(super) fn charge(
    t: &mut Tables<'_>,
    tally: &mut Tally,
    m: &Message,
    c: &Charge,
) -> Result<(), StoreError> {
    let segments = u64::from(c.segments);
    if let Some(day) = c.quota_day {
        add(&mut tally.usage, &m.account, day, segments);
    }
    if let Some(base) = c.credit_base {
        add(&mut tally.credit, &m.account, base, segments);
    }
    if let Some(key) = c.duplicate {
        t.duplicates
            .insert((m.accepted_at_ms, key), m.id.0)
            .map_err(StoreError::db)?;
    }
    Ok(())
}

/// Forgets duplicate entries accepted before `before_ms`, at most `limit`: the window's
/// generations that ended by then, then legacy entries. How many went (`limit`: call again).
pub(super) fn expire(
    t: &mut Tables<'_>,
    before_ms: u64,
    limit: usize,
) -> Result<usize, StoreError> {
    let mut gone =
        DUPLICATES.expire_ended::<ByTime, u128>(t.txn, before_ms, t.duplicates_bounds, limit)?;
    if t.duplicates_bounds.1 <= before_ms {
        gone += drain(&mut t.duplicates, limit - gone)?;
    }
    Ok(gone + expire_legacy(t.txn, before_ms, limit - gone)?)
}

/// Up to `limit` legacy entries accepted before `before_ms`, through their age index.
fn expire_legacy(
    txn: &WriteTransaction,
    before_ms: u64,
    limit: usize,
) -> Result<usize, StoreError> {
    let mut dups = txn.open_table(LEGACY_DUPLICATES).map_err(StoreError::db)?;
    let mut by_age = txn
        .open_table(LEGACY_DUPLICATES_BY_AGE)
        .map_err(StoreError::db)?;
    let end = age_key(before_ms, 0);
    let old: Vec<[u8; 24]> = by_age
        .range::<&[u8]>(..&end[..])
        .map_err(StoreError::db)?
        .take(limit)
        .filter_map(|e| e.ok().and_then(|(k, _)| k.value().try_into().ok()))
        .collect();
    for k in &old {
        by_age.remove(&k[..]).map_err(StoreError::db)?;
        let at = u64::from_be_bytes(k[..8].try_into().unwrap_or_default());
        let key = u128::from_be_bytes(k[8..].try_into().unwrap_or_default());
        // The key may have been claimed again since; only its own entry goes.
        let current = dups.get(key).map_err(StoreError::db)?.map(|v| v.value().1);
        if current == Some(at) {
            dups.remove(key).map_err(StoreError::db)?;
        }
    }
    Ok(old.len())
}

/// The counters as stored.
pub(super) fn counters(txn: &ReadTransaction) -> Result<SavedCounters, StoreError> {
    let mut saved = SavedCounters::default();
    let usage = txn.open_table(USAGE).map_err(StoreError::db)?;
    for entry in usage.iter().map_err(StoreError::db)? {
        let (k, v) = entry.map_err(StoreError::db)?;
        saved.usage.insert(k.value().to_owned(), v.value());
    }
    let credit = txn.open_table(CREDIT).map_err(StoreError::db)?;
    for entry in credit.iter().map_err(StoreError::db)? {
        let (k, v) = entry.map_err(StoreError::db)?;
        saved.credit.insert(k.value().to_owned(), v.value());
    }
    Ok(saved)
}

/// Duplicate entries accepted at or after `since_ms`: (key, first id, accepted at), in the
/// order they were claimed, so a key claimed again comes after its earlier claim.
pub(super) fn duplicates(
    txn: &ReadTransaction,
    since_ms: u64,
) -> Result<Vec<(u128, MessageId, u64)>, StoreError> {
    let mut out = Vec::new();
    match txn.open_table(LEGACY_DUPLICATES) {
        Ok(legacy) => {
            for entry in legacy.iter().map_err(StoreError::db)? {
                let (k, v) = entry.map_err(StoreError::db)?;
                let (id, at) = v.value();
                if at >= since_ms {
                    out.push((k.value(), MessageId(id), at));
                }
            }
            // Legacy entries are in key order; claim order is time order.
            out.sort_by_key(|(_, _, at)| *at);
        }
        Err(redb::TableError::TableDoesNotExist(_)) => {}
        Err(e) => return Err(StoreError::db(e)),
    }
    // Every generation is read (there are few): an entry is filed by its commit's clock, and
    // one accepted just before the clock stepped back can sit in a generation that ends
    // before its own time.
    for bounds in DUPLICATES.list_read(txn)? {
        let Some(table) = DUPLICATES.open_read_existing::<ByTime, u128>(txn, bounds)? else {
            continue;
        };
        for entry in table.range((since_ms, 0)..).map_err(StoreError::db)? {
            let (k, v) = entry.map_err(StoreError::db)?;
            let (at, key) = k.value();
            out.push((key, MessageId(v.value()), at));
        }
    }
    Ok(out)
}
