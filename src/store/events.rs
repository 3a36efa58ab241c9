//! Webhook events waiting on disk: each account's queue in sequence order, and its dead
//! letters (events whose retries ran out, kept until an admin replays them). Events are
//! written in the same commit as the receipt or inbound message that made them, so the SMSC
//! is acknowledged only once the event cannot be lost. Each account's count of waiting events
//! is kept beside its queue, in the same commits, so its backlog is read without counting.

use redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};

use super::tables::{DEAD_LETTERS, EVENT_COUNTS, EVENTS, EVENTS_COUNTED, META, Tables};
use super::writer::StoreError;
use crate::webhook::PendingEvent;

/// The last sequence number given out.
pub(super) fn last_seq(txn: &ReadTransaction) -> Result<u64, StoreError> {
    let meta = txn.open_table(META).map_err(StoreError::db)?;
    Ok(meta
        .get("seq")
        .map_err(StoreError::db)?
        .map_or(0, |v| v.value()))
}

/// Queues `json` for `account`'s webhook.
pub(super) fn append(t: &mut Tables<'_>, account: &str, json: &[u8]) -> Result<u64, StoreError> {
    let n = t.next_seq();
    t.events
        .insert((account, n), json)
        .map_err(StoreError::db)?;
    t.count_events(account, 1);
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
    let counts = txn.open_table(EVENT_COUNTS).map_err(StoreError::db)?;
    Ok(counts
        .get(account)
        .map_err(StoreError::db)?
        .map_or(0, |v| v.value()))
}

/// Counts the events of a database written before [`EVENT_COUNTS`] existed, once.
pub(super) fn count_once(txn: &WriteTransaction) -> Result<(), StoreError> {
    let mut meta = txn.open_table(META).map_err(StoreError::db)?;
    if meta.get(EVENTS_COUNTED).map_err(StoreError::db)?.is_some() {
        return Ok(());
    }
    let mut counted: Vec<(String, u64)> = Vec::new();
    let events = txn.open_table(EVENTS).map_err(StoreError::db)?;
    for entry in events.iter().map_err(StoreError::db)? {
        let (k, _) = entry.map_err(StoreError::db)?;
        let account = k.value().0;
        // The table is in account order: each account's events are one run.
        match counted.last_mut() {
            Some((a, n)) if a == account => *n += 1,
            _ => counted.push((account.to_owned(), 1)),
        }
    }
    let mut counts = txn.open_table(EVENT_COUNTS).map_err(StoreError::db)?;
    for (account, n) in &counted {
        counts
            .insert(account.as_str(), *n)
            .map_err(StoreError::db)?;
    }
    meta.insert(EVENTS_COUNTED, 1).map_err(StoreError::db)?;
    Ok(())
}

/// Removes events the webhook acknowledged.
pub(super) fn delivered(
    t: &mut Tables<'_>,
    account: &str,
    mut seqs: Vec<u64>,
) -> Result<(), StoreError> {
    seqs.sort_unstable();
    let (Some(&first), Some(&last)) = (seqs.first(), seqs.last()) else {
        return Ok(());
    };
    // A batch is a run of the account's queue read in order, so its events sit side by side:
    // one pass over that span removes them all, where a removal each walked the tree from its
    // root again (a twentieth of the writer's time). Anything else in the span stays.
    let mut removed = 0i64;
    t.events
        .retain_in((account, first)..=(account, last), |(_, s), _| {
            let keep = seqs.binary_search(&s).is_err();
            removed += i64::from(!keep);
            keep
        })
        .map_err(StoreError::db)?;
    t.count_events(account, -removed);
    Ok(())
}

/// Moves events whose retries ran out to the dead letters.
pub(super) fn dead_letter(
    t: &mut Tables<'_>,
    account: &str,
    seqs: &[u64],
) -> Result<(), StoreError> {
    for &s in seqs {
        let json = t
            .events
            .remove((account, s))
            .map_err(StoreError::db)?
            .map(|v| v.value().to_vec());
        if let Some(json) = json {
            t.dead_letters
                .insert((account, s), json.as_slice())
                .map_err(StoreError::db)?;
            t.count_events(account, -1);
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
pub(super) fn replay(t: &mut Tables<'_>, account: &str) -> Result<usize, StoreError> {
    let letters: Vec<(u64, Vec<u8>)> = t
        .dead_letters
        .range((account, 0)..=(account, u64::MAX))
        .map_err(StoreError::db)?
        .map(|entry| {
            let (k, v) = entry.map_err(StoreError::db)?;
            Ok((k.value().1, v.value().to_vec()))
        })
        .collect::<Result<_, StoreError>>()?;
    for (s, _) in &letters {
        t.dead_letters
            .remove((account, *s))
            .map_err(StoreError::db)?;
    }
    for (_, json) in &letters {
        append(t, account, json)?;
    }
    Ok(letters.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::{Database, ReadableDatabase};

    #[test]
    fn a_database_written_before_event_counts_is_counted_once_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("old.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut events = txn.open_table(EVENTS).unwrap();
            for (account, seq) in [("acme", 1), ("beta", 2), ("acme", 3), ("acme", 4)] {
                events.insert((account, seq), &b"{}"[..]).unwrap();
            }
        }
        txn.commit().unwrap();
        let backlog_of = |account| backlog(&db.begin_read().unwrap(), account);

        let txn = db.begin_write().unwrap();
        count_once(&txn).unwrap();
        txn.commit().unwrap();
        assert_eq!(backlog_of("acme").unwrap(), 3);
        assert_eq!(backlog_of("beta").unwrap(), 1);
        assert_eq!(backlog_of("gamma").unwrap(), 0);

        // Counted already: an event removed behind the counts' back stays counted, which
        // shows the events are not counted a second time.
        let txn = db.begin_write().unwrap();
        txn.open_table(EVENTS).unwrap().remove(("beta", 2)).unwrap();
        count_once(&txn).unwrap();
        txn.commit().unwrap();
        assert_eq!(backlog_of("beta").unwrap(), 1);
    }
}
