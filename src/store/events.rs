//! Webhook events waiting on disk: each account's queue in sequence order, and its dead
//! letters (events whose retries ran out, kept until an admin replays them). Events are
//! written in the same commit as the receipt or inbound message that made them, so the SMSC
//! is acknowledged only once the event cannot be lost. Each account's count of waiting events
//! is kept beside its queue, in the same commits, so its backlog is read without counting.
//!
//! A commit's events for one account go into one entry of the queue (a few, for thousands),
//! keyed by the first one's sequence number (a B-tree insert per event was a tenth of the writer's time while receipts
//! pour in); an entry written before that holds one event, its JSON alone. An entry's key is
//! never above its events' numbers, and every event of an entry comes before those of the
//! next, so the entry holding an event is the last one keyed at or below it.

use redb::{ReadTransaction, ReadableTable, Table, TableDefinition, WriteTransaction};

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

/// The first byte of an entry of several events (a JSON object starts with `{`), followed by
/// each event: its sequence number (u64 BE), its length (u32 BE) and its JSON.
const GROUP: u8 = 0;

/// How large a group grows before the account's next event starts another (a commit of
/// thousands of receipts, or a replay of every dead letter, makes several entries).
const GROUP_BYTES: usize = 32 * 1024;

/// One account's events of one commit, packed as an entry is, written when the commit's
/// tables close.
#[derive(Debug)]
pub(super) struct Group {
    account: String,
    first: u64,
    packed: Vec<u8>,
}

/// Queues `json` for `account`'s webhook.
pub(super) fn append(t: &mut Tables<'_>, account: &str, json: &[u8]) -> Result<u64, StoreError> {
    let n = t.next_seq();
    let len = u32::try_from(json.len()).map_err(StoreError::db)?;
    // The account's latest group, unless it is full: a group is rewritten whole when part of
    // it is delivered, and read from its start for each page, so it is kept small.
    let open = t
        .event_groups
        .iter()
        .rposition(|g| g.account == account)
        .filter(|&at| t.event_groups[at].packed.len() < GROUP_BYTES);
    let at = match open {
        Some(at) => at,
        None => {
            t.event_groups.push(Group {
                account: account.to_owned(),
                first: n,
                packed: vec![GROUP],
            });
            t.event_groups.len() - 1
        }
    };
    let packed = &mut t.event_groups[at].packed;
    packed.extend_from_slice(&n.to_be_bytes());
    packed.extend_from_slice(&len.to_be_bytes());
    packed.extend_from_slice(json);
    t.count_events(account, 1);
    Ok(n)
}

/// Writes the commit's events, an entry per account.
pub(super) fn write_groups(
    events: &mut Table<'_, (&'static str, u64), &'static [u8]>,
    groups: Vec<Group>,
) -> Result<(), StoreError> {
    for g in groups {
        events
            .insert((g.account.as_str(), g.first), g.packed.as_slice())
            .map_err(StoreError::db)?;
    }
    Ok(())
}

/// The events of the entry keyed `key` whose value is `value`: (sequence number, JSON).
fn unpack(key: u64, value: &[u8]) -> Unpacked<'_> {
    match value.split_first() {
        Some((&GROUP, rest)) => Unpacked::Group(rest),
        _ => Unpacked::One(Some((key, value))),
    }
}

/// The iterator [`unpack`] returns.
enum Unpacked<'a> {
    One(Option<(u64, &'a [u8])>),
    Group(&'a [u8]),
}

impl<'a> Iterator for Unpacked<'a> {
    type Item = (u64, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Unpacked::One(one) => one.take(),
            Unpacked::Group(rest) => {
                let seq = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
                let len = u32::from_be_bytes(rest.get(8..12)?.try_into().ok()?);
                let end = 12usize.checked_add(usize::try_from(len).ok()?)?;
                let json = rest.get(12..end)?;
                *rest = &rest[end..];
                Some((seq, json))
            }
        }
    }
}

/// The key of the entry of `account` in `table` that holds `seq`, if one can: the last keyed
/// at or below it.
fn holding(
    table: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
    account: &str,
    seq: u64,
) -> Result<Option<u64>, StoreError> {
    let found = table
        .range((account, 0)..=(account, seq))
        .map_err(StoreError::db)?
        .next_back()
        .transpose()
        .map_err(StoreError::db)?;
    Ok(found.map(|(k, _)| k.value().1))
}

/// Takes the events `seqs` (sorted) of `account` out of its queue: their JSON, in order.
/// Entries left with none are removed; the others are written again without them.
fn take(
    t: &mut Tables<'_>,
    account: &str,
    seqs: &[u64],
) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    let (Some(&first), Some(&last)) = (seqs.first(), seqs.last()) else {
        return Ok(Vec::new());
    };
    let start = holding(&t.events, account, first)?.unwrap_or(first);
    let mut entries: Vec<(u64, Vec<u8>)> = Vec::new();
    for entry in t
        .events
        .range((account, start)..=(account, last))
        .map_err(StoreError::db)?
    {
        let (k, v) = entry.map_err(StoreError::db)?;
        entries.push((k.value().1, v.value().to_vec()));
    }
    let mut taken = Vec::new();
    let mut kept = Vec::new();
    for (key, value) in entries {
        kept.clear();
        kept.push(GROUP);
        let before = taken.len();
        let mut left = 0usize;
        for (seq, json) in unpack(key, &value) {
            if seqs.binary_search(&seq).is_ok() {
                taken.push((seq, json.to_vec()));
            } else {
                left += 1;
                kept.extend_from_slice(&seq.to_be_bytes());
                let len = u32::try_from(json.len()).map_err(StoreError::db)?;
                kept.extend_from_slice(&len.to_be_bytes());
                kept.extend_from_slice(json);
            }
        }
        if taken.len() == before {
            continue;
        }
        if left == 0 {
            t.events.remove((account, key)).map_err(StoreError::db)?;
        } else {
            // The key stays: still at or below every event the entry keeps.
            t.events
                .insert((account, key), kept.as_slice())
                .map_err(StoreError::db)?;
        }
    }
    Ok(taken)
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
    let next = after.saturating_add(1);
    let start = holding(&table, account, next)?.unwrap_or(next);
    for entry in table
        .range((account, start)..=(account, u64::MAX))
        .map_err(StoreError::db)?
    {
        let (k, v) = entry.map_err(StoreError::db)?;
        for (seq, json) in unpack(k.value().1, v.value()).filter(|(seq, _)| *seq > after) {
            if out.len() >= limit {
                return Ok(out);
            }
            out.push(PendingEvent {
                seq,
                json: bytes::Bytes::copy_from_slice(json),
            });
        }
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
        let (k, v) = entry.map_err(StoreError::db)?;
        let (account, key) = k.value();
        let held = unpack(key, v.value()).count() as u64;
        // The table is in account order: each account's events are one run.
        match counted.last_mut() {
            Some((a, n)) if a == account => *n += held,
            _ => counted.push((account.to_owned(), held)),
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
    seqs.dedup();
    // A batch is a run of the account's queue read in order, so its events sit side by side,
    // in a few entries.
    let removed = take(t, account, &seqs)?.len();
    t.count_events(account, -i64::try_from(removed).unwrap_or(i64::MAX));
    Ok(())
}

/// Moves events whose retries ran out to the dead letters.
pub(super) fn dead_letter(
    t: &mut Tables<'_>,
    account: &str,
    seqs: &[u64],
) -> Result<(), StoreError> {
    let mut seqs = seqs.to_vec();
    seqs.sort_unstable();
    seqs.dedup();
    for (s, json) in take(t, account, &seqs)? {
        t.dead_letters
            .insert((account, s), json.as_slice())
            .map_err(StoreError::db)?;
        t.count_events(account, -1);
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

    /// Runs `f` on the tables of one commit (event numbers go on from `seq`); the last
    /// number given out.
    fn commit(db: &Database, seq: u64, f: impl FnOnce(&mut Tables<'_>)) -> u64 {
        let txn = db.begin_write().unwrap();
        let spans = crate::store::GenerationSpans::default();
        let mut t = Tables::open(&txn, seq, spans, 1_800_000_000_000).unwrap();
        f(&mut t);
        let seq = t.close().unwrap();
        txn.commit().unwrap();
        seq
    }

    fn queued(db: &Database, account: &str, after: u64) -> Vec<(u64, String)> {
        let txn = db.begin_read().unwrap();
        pending(&txn, account, after, 100)
            .unwrap()
            .into_iter()
            .map(|e| (e.seq, String::from_utf8(e.json.to_vec()).unwrap()))
            .collect()
    }

    fn seqs(db: &Database, account: &str, after: u64) -> Vec<u64> {
        let txn = db.begin_read().unwrap();
        let events = pending(&txn, account, after, 2000).unwrap();
        events.iter().map(|e| e.seq).collect()
    }

    fn entries(db: &Database) -> usize {
        let txn = db.begin_read().unwrap();
        let events = txn.open_table(EVENTS).unwrap();
        events.iter().unwrap().count()
    }

    #[test]
    fn a_commits_events_share_an_entry_and_are_read_delivered_and_dead_lettered_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("events.redb")).unwrap();
        // An entry as versions before groups wrote it: one event, its JSON alone.
        let txn = db.begin_write().unwrap();
        txn.open_table(EVENTS)
            .unwrap()
            .insert(("acme", 1), &br#"{"n":1}"#[..])
            .unwrap();
        txn.open_table(EVENT_COUNTS)
            .unwrap()
            .insert("acme", 1)
            .unwrap();
        txn.commit().unwrap();
        // Then two commits: acme's events and beta's interleaved in the first.
        let seq = commit(&db, 1, |t| {
            for (account, n) in [("acme", 2), ("beta", 3), ("acme", 4), ("acme", 5)] {
                let json = format!(r#"{{"n":{n}}}"#);
                assert_eq!(append(t, account, json.as_bytes()).unwrap(), n);
            }
        });
        let seq = commit(&db, seq, |t| {
            append(t, "acme", br#"{"n":6}"#).unwrap();
        });
        assert_eq!(seq, 6);
        // One entry per account and commit, besides the old one.
        assert_eq!(entries(&db), 4);
        let n = |seqs: &[u64]| -> Vec<(u64, String)> {
            seqs.iter()
                .map(|s| (*s, format!(r#"{{"n":{s}}}"#)))
                .collect()
        };
        assert_eq!(queued(&db, "acme", 0), n(&[1, 2, 4, 5, 6]));
        assert_eq!(queued(&db, "beta", 0), n(&[3]));
        // From the middle of an entry: only what follows.
        assert_eq!(queued(&db, "acme", 4), n(&[5, 6]));
        assert_eq!(queued(&db, "acme", 3), n(&[4, 5, 6]));

        // Delivered: the old entry and part of a group; the rest of it stays.
        commit(&db, seq, |t| delivered(t, "acme", vec![2, 1]).unwrap());
        assert_eq!(queued(&db, "acme", 0), n(&[4, 5, 6]));
        assert_eq!(backlog(&db.begin_read().unwrap(), "acme").unwrap(), 3);
        // Dead-lettered across two entries; a number not queued is passed over.
        commit(&db, seq, |t| dead_letter(t, "acme", &[6, 4, 99]).unwrap());
        assert_eq!(queued(&db, "acme", 0), n(&[5]));
        assert_eq!(backlog(&db.begin_read().unwrap(), "acme").unwrap(), 1);
        let letters = dead_letters(&db.begin_read().unwrap(), "acme", 10).unwrap();
        let letters: Vec<u64> = letters.iter().map(|e| e.seq).collect();
        assert_eq!(letters, [4, 6]);
        // Replayed: queued again under new numbers, in one entry.
        let seq = commit(&db, seq, |t| assert_eq!(replay(t, "acme").unwrap(), 2));
        assert_eq!(seq, 8);
        assert_eq!(seqs(&db, "acme", 0), [5, 7, 8]);
        commit(&db, seq, |t| delivered(t, "acme", vec![5, 7, 8]).unwrap());
        commit(&db, seq, |t| delivered(t, "beta", vec![3]).unwrap());
        assert_eq!(entries(&db), 0);
        assert_eq!(backlog(&db.begin_read().unwrap(), "acme").unwrap(), 0);
    }

    #[test]
    fn a_commit_of_many_events_makes_several_entries_read_and_delivered_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("many.redb")).unwrap();
        let padding = "x".repeat(200);
        let seq = commit(&db, 0, |t| {
            for n in 1..=1000u64 {
                let json = format!(r#"{{"n":{n},"pad":"{padding}"}}"#);
                append(t, "acme", json.as_bytes()).unwrap();
            }
        });
        assert_eq!(seq, 1000);
        // About 220 KB of events: no entry over the bound, so several of them.
        assert!(entries(&db) >= 7, "{} entries", entries(&db));
        assert_eq!(seqs(&db, "acme", 0), (1..=1000).collect::<Vec<_>>());
        // A delivered run across entries, as the sender's pages are.
        commit(&db, seq, |t| {
            delivered(t, "acme", (100..=400).collect()).unwrap()
        });
        let expected: Vec<u64> = (51..100).chain(401..=1000).collect();
        assert_eq!(seqs(&db, "acme", 50), expected);
        assert_eq!(backlog(&db.begin_read().unwrap(), "acme").unwrap(), 699);
    }

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
