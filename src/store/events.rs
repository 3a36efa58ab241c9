//! Webhook events waiting on disk: each account's queue in sequence order, and its dead
//! letters (events whose retries ran out, kept until an admin replays them). Events are
//! written in the same commit as the receipt or inbound message that made them, so the SMSC
//! is acknowledged only once the event cannot be lost.

use redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};

use super::writer::StoreError;
use crate::webhook::PendingEvent;

/// (account, seq) → one event, a JSON object.
const EVENTS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("events");
/// (account, seq) → a dead-lettered event.
const DEAD_LETTERS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("dead_letters");
/// Named counters ("seq": the last event sequence number given out).
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Creates the tables.
pub(super) fn create(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(EVENTS).map_err(StoreError::db)?;
    txn.open_table(DEAD_LETTERS).map_err(StoreError::db)?;
    txn.open_table(META).map_err(StoreError::db)?;
    Ok(())
}

/// The last sequence number given out.
pub(super) fn last_seq(txn: &ReadTransaction) -> Result<u64, StoreError> {
    let meta = txn.open_table(META).map_err(StoreError::db)?;
    Ok(meta
        .get("seq")
        .map_err(StoreError::db)?
        .map_or(0, |v| v.value()))
}

/// Gives out sequence numbers in commit order; owned by the writer thread.
#[derive(Debug)]
pub(super) struct Sequence(pub(super) u64);

/// The next sequence number, recorded in the same commit.
pub(super) fn next(txn: &WriteTransaction, seq: &mut Sequence) -> Result<u64, StoreError> {
    seq.0 += 1;
    let mut meta = txn.open_table(META).map_err(StoreError::db)?;
    meta.insert("seq", seq.0).map_err(StoreError::db)?;
    Ok(seq.0)
}

/// Queues `json` for `account`'s webhook.
pub(super) fn append(
    txn: &WriteTransaction,
    seq: &mut Sequence,
    account: &str,
    json: &[u8],
) -> Result<u64, StoreError> {
    let n = next(txn, seq)?;
    let mut events = txn.open_table(EVENTS).map_err(StoreError::db)?;
    events.insert((account, n), json).map_err(StoreError::db)?;
    Ok(n)
}

/// Up to `limit` of `account`'s events after `after`, in order.
pub(super) fn pending(
    txn: &ReadTransaction,
    account: &str,
    after: u64,
    limit: usize,
) -> Result<Vec<PendingEvent>, StoreError> {
    read(txn, EVENTS, account, after, limit)
}

/// Up to `limit` entries of `account` in `table` after `after`, in order.
fn read(
    txn: &ReadTransaction,
    table: TableDefinition<(&str, u64), &[u8]>,
    account: &str,
    after: u64,
    limit: usize,
) -> Result<Vec<PendingEvent>, StoreError> {
    let table = txn.open_table(table).map_err(StoreError::db)?;
    let mut out = Vec::new();
    let start = after.saturating_add(1);
    for entry in table
        .range((account, start)..=(account, u64::MAX))
        .map_err(StoreError::db)?
        .take(limit)
    {
        let (k, v) = entry.map_err(StoreError::db)?;
        out.push(PendingEvent {
            seq: k.value().1,
            json: bytes::Bytes::copy_from_slice(v.value()),
        });
    }
    Ok(out)
}

/// Events waiting for `account` (its webhook backlog).
pub(super) fn backlog(txn: &ReadTransaction, account: &str) -> Result<u64, StoreError> {
    let events = txn.open_table(EVENTS).map_err(StoreError::db)?;
    let n = events
        .range((account, 0)..=(account, u64::MAX))
        .map_err(StoreError::db)?
        .count();
    Ok(n as u64)
}

/// Removes events the webhook acknowledged.
pub(super) fn delivered(
    txn: &WriteTransaction,
    account: &str,
    seqs: &[u64],
) -> Result<(), StoreError> {
    let mut events = txn.open_table(EVENTS).map_err(StoreError::db)?;
    for &s in seqs {
        events.remove((account, s)).map_err(StoreError::db)?;
    }
    Ok(())
}

/// Moves events whose retries ran out to the dead letters.
pub(super) fn dead_letter(
    txn: &WriteTransaction,
    account: &str,
    seqs: &[u64],
) -> Result<(), StoreError> {
    let mut events = txn.open_table(EVENTS).map_err(StoreError::db)?;
    let mut dead = txn.open_table(DEAD_LETTERS).map_err(StoreError::db)?;
    for &s in seqs {
        let json = events
            .remove((account, s))
            .map_err(StoreError::db)?
            .map(|v| v.value().to_vec());
        if let Some(json) = json {
            dead.insert((account, s), json.as_slice())
                .map_err(StoreError::db)?;
        }
    }
    Ok(())
}

/// `account`'s dead letters, oldest first, at most `limit`.
pub(super) fn dead_letters(
    txn: &ReadTransaction,
    account: &str,
    limit: usize,
) -> Result<Vec<PendingEvent>, StoreError> {
    read(txn, DEAD_LETTERS, account, 0, limit)
}

/// Puts every dead letter of `account` back in its queue (with new sequence numbers, so the
/// sender, which only reads forward, sees them); how many.
pub(super) fn replay(
    txn: &WriteTransaction,
    seq: &mut Sequence,
    account: &str,
) -> Result<usize, StoreError> {
    let letters: Vec<(u64, Vec<u8>)> = {
        let dead = txn.open_table(DEAD_LETTERS).map_err(StoreError::db)?;
        let mut out = Vec::new();
        for entry in dead
            .range((account, 0)..=(account, u64::MAX))
            .map_err(StoreError::db)?
        {
            let (k, v) = entry.map_err(StoreError::db)?;
            out.push((k.value().1, v.value().to_vec()));
        }
        out
    };
    {
        let mut dead = txn.open_table(DEAD_LETTERS).map_err(StoreError::db)?;
        for (s, _) in &letters {
            dead.remove((account, *s)).map_err(StoreError::db)?;
        }
    }
    for (_, json) in &letters {
        append(txn, seq, account, json)?;
    }
    Ok(letters.len())
}
