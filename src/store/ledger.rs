//! What accepted messages were charged, kept durably in the same commit as the messages: each
//! account's quota use today, its credit spent, and the duplicate-suppression window. After a
//! restart the policy counters start from here, so a crash neither refunds nor forgets.

use redb::{ReadTransaction, ReadableTable};

use super::tables::{CREDIT, DUPLICATES, Tables, USAGE};
use super::writer::StoreError;
use crate::message::{Message, MessageId};
use crate::policy::{Charge, SavedCounters};

fn age_key(at_ms: u64, key: u128) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..8].copy_from_slice(&at_ms.to_be_bytes());
    k[8..].copy_from_slice(&key.to_be_bytes());
    k
}

/// Records what a newly stored message was charged.
pub(super) fn charge(t: &mut Tables<'_>, m: &Message, c: &Charge) -> Result<(), StoreError> {
    let segments = u64::from(c.segments);
    let account = m.account.as_str();
    if let Some(day) = c.quota_day {
        let used = match t.usage.get(account).map_err(StoreError::db)? {
            Some(v) if v.value().0 == day => v.value().1,
            _ => 0,
        };
        t.usage
            .insert(account, (day, used + segments))
            .map_err(StoreError::db)?;
    }
    if let Some(base) = c.credit_base {
        let spent = match t.credit.get(account).map_err(StoreError::db)? {
            Some(v) if v.value().0 == base => v.value().1,
            _ => 0,
        };
        t.credit
            .insert(account, (base, spent + segments))
            .map_err(StoreError::db)?;
    }
    if let Some(key) = c.duplicate {
        t.duplicates
            .insert(key, (m.id.0, m.accepted_at_ms))
            .map_err(StoreError::db)?;
        t.duplicates_by_age
            .insert(&age_key(m.accepted_at_ms, key)[..], ())
            .map_err(StoreError::db)?;
    }
    Ok(())
}

/// Forgets duplicate entries accepted before `before_ms`, at most `limit` of them; how many.
pub(super) fn expire(
    t: &mut Tables<'_>,
    before_ms: u64,
    limit: usize,
) -> Result<usize, StoreError> {
    let Tables {
        duplicates: dups,
        duplicates_by_age: by_age,
        ..
    } = t;
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

/// Duplicate entries accepted at or after `since_ms`: (key, first id, accepted at).
pub(super) fn duplicates(
    txn: &ReadTransaction,
    since_ms: u64,
) -> Result<Vec<(u128, MessageId, u64)>, StoreError> {
    let dups = txn.open_table(DUPLICATES).map_err(StoreError::db)?;
    let mut out = Vec::new();
    for entry in dups.iter().map_err(StoreError::db)? {
        let (k, v) = entry.map_err(StoreError::db)?;
        let (id, at) = v.value();
        if at >= since_ms {
            out.push((k.value(), MessageId(id), at));
        }
    }
    Ok(out)
}
