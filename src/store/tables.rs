//! The database's schema, in one place: every table, its key and value, and [`Tables`], the
//! set one commit writes through. redb charges for opening a table (a lookup in its table of
//! tables, and writing the root back when it closes); the writer opens each one once per
//! batch rather than once per operation, which at hundreds of operations a batch was a sixth
//! of its time.

use redb::{ReadableTable, ReadableTableMetadata, Table, TableDefinition, WriteTransaction};

use super::client_refs::{ClientRefs, LEGACY_BEFORE};
use super::correlation::Correlation;
use super::events;
use super::fresh::{self, FRESH};
use super::generations::{Bounds, DUPLICATES, Spans};
use super::writer::StoreError;

/// id → the message record (postcard).
pub(super) const MESSAGES: TableDefinition<u128, &[u8]> = TableDefinition::new("messages");
/// [lane u8][due_ms u64 BE][id u128 BE] → (): what to send next, in order.
pub(super) const DUE: TableDefinition<&[u8], ()> = TableDefinition::new("due");
/// "account\0client_ref" → (id, accepted_at_ms), as versions before generations wrote it
/// (`client_refs.rs`).
pub(super) const LEGACY_CLIENT_REFS: TableDefinition<&str, (u128, u64)> =
    TableDefinition::new("client_refs");

/// account → (day, segments used that day).
pub(super) const USAGE: TableDefinition<&str, (u32, u64)> = TableDefinition::new("usage");
/// account → (configured credit, segments spent from it).
pub(super) const CREDIT: TableDefinition<&str, (u64, u64)> = TableDefinition::new("credit");
/// duplicate key → (first message id, accepted at ms): the duplicate window as versions before
/// generations wrote it, with its age index. Read at start and emptied by expiry; new entries
/// go to the window's generations (`ledger.rs`).
pub(super) const LEGACY_DUPLICATES: TableDefinition<u128, (u128, u64)> =
    TableDefinition::new("duplicates");
/// [at_ms BE][key BE] → (): the legacy duplicate window in age order, for expiry.
pub(super) const LEGACY_DUPLICATES_BY_AGE: TableDefinition<&[u8], ()> =
    TableDefinition::new("duplicates_by_age");

/// (account, seq) → one event, a JSON object; or, keyed by the first one's seq, a commit's
/// events for the account (`events.rs`).
pub(super) const EVENTS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("events");
/// account → how many events wait in [`EVENTS`] for it: the webhook backlog, read every
/// second by the metrics sampler, where counting the queue would take time that grows with it.
pub(super) const EVENT_COUNTS: TableDefinition<&str, u64> = TableDefinition::new("event_counts");
/// In `META`: set once [`EVENT_COUNTS`] counts every event (a database written before it
/// existed is counted once, at open).
pub(super) const EVENTS_COUNTED: &str = "events_counted";
/// (account, seq) → a dead-lettered event.
pub(super) const DEAD_LETTERS: TableDefinition<(&str, u64), &[u8]> =
    TableDefinition::new("dead_letters");
/// Named counters: "seq", the last event sequence number given out;
/// `client_refs::LEGACY_BEFORE`; [`JOURNALED`]; `fresh::FRESH_COUNT`; and [`LAYOUT_KEY`].
pub(super) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// In `META`: how many messages the database has taken from the accept journal as it runs
/// (`Op::Stored`; replay at start is not counted), ever. Read in the same snapshot as the due
/// index, it tells which journaled messages that snapshot already counts (`journal.rs`).
pub(super) const JOURNALED: &str = "journaled";

/// (carrier, key) → (message, segment, recorded at ms): the correlation as versions before
/// generations (`correlation.rs`) wrote it, with its age index. Looked up after every
/// generation, and emptied by expiry through the index; nothing new is written here.
pub(super) const LEGACY_CORRELATION: TableDefinition<(&str, &str), (u128, u16, u64)> =
    TableDefinition::new("correlation");
/// (recorded at ms, carrier, key) → (): the legacy correlation in age order, for expiry.
pub(super) const LEGACY_CORRELATION_BY_AGE: TableDefinition<(u64, &str, &str), ()> =
    TableDefinition::new("correlation_by_age");
/// (carrier, key) → a parked receipt (postcard), once per lookup key of the receipt.
pub(super) const PARKED: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("parked");
/// seq → something no one could take (JSON), kept for an operator.
pub(super) const UNMATCHED: TableDefinition<u64, &[u8]> = TableDefinition::new("unmatched");
/// (conversation key, part) → the part (postcard `MoRecord`).
pub(super) const MO_PARTS: TableDefinition<(&str, u8), &[u8]> = TableDefinition::new("mo_parts");

/// In `META`: the storage layout the database was last opened with. Layout 2 lists fresh
/// messages (`fresh.rs`) and groups a commit's events (`events.rs`); a database without the
/// counter is of layout 1 (read by this version as it is).
const LAYOUT_KEY: &str = "layout";

/// The storage layout this version writes.
const LAYOUT: u64 = 2;

/// Refuses a database a newer version wrote, whose layout this one could misread (sending
/// nothing it lists in a way not known here, or events as garbage); else records this
/// version's layout.
pub(super) fn check_layout(txn: &WriteTransaction) -> Result<(), StoreError> {
    let mut meta = txn.open_table(META).map_err(StoreError::db)?;
    let found = meta
        .get(LAYOUT_KEY)
        .map_err(StoreError::db)?
        .map(|v| v.value());
    match found {
        Some(layout) if layout > LAYOUT => Err(StoreError::Database(format!(
            "the database is of storage layout {layout}, written by a newer smppd; this \
             version reads layouts up to {LAYOUT}"
        ))),
        Some(LAYOUT) => Ok(()),
        _ => {
            meta.insert(LAYOUT_KEY, LAYOUT).map_err(StoreError::db)?;
            Ok(())
        }
    }
}

/// Every table, open for one write transaction, and the event sequence as it stands in it.
pub(super) struct Tables<'t> {
    pub(super) txn: &'t WriteTransaction,
    pub(super) messages: Table<'t, u128, &'static [u8]>,
    pub(super) due: Table<'t, &'static [u8], ()>,
    /// Messages due since they were accepted, by lane and millisecond (`fresh.rs`).
    pub(super) fresh: Table<'t, &'static [u8], &'static [u8]>,
    /// What this commit adds to and takes from [`fresh`](Self::fresh), written at close.
    pub(super) fresh_changes: fresh::Changes,
    pub(super) client_refs: ClientRefs<'t>,
    pub(super) usage: Table<'t, &'static str, (u32, u64)>,
    pub(super) credit: Table<'t, &'static str, (u64, u64)>,
    /// The duplicate window's generation new entries go to, and its bounds:
    /// (accepted at ms, duplicate key) → first message id, in time order (`ledger.rs`).
    pub(super) duplicates: Table<'t, (u64, u128), u128>,
    pub(super) duplicates_bounds: Bounds,
    pub(super) events: Table<'t, (&'static str, u64), &'static [u8]>,
    pub(super) event_counts: Table<'t, &'static str, u64>,
    /// Changes to [`EVENT_COUNTS`] made in this commit, per account, written at close.
    pub(super) event_deltas: Vec<(String, i64)>,
    /// The events this commit queues, an entry per account, written at close (`events.rs`).
    pub(super) event_groups: Vec<events::Group>,
    pub(super) dead_letters: Table<'t, (&'static str, u64), &'static [u8]>,
    /// The correlation generation new entries go to (see `correlation.rs`).
    pub(super) correlation: Correlation<'t>,
    pub(super) parked: Table<'t, (&'static str, &'static str), &'static [u8]>,
    pub(super) unmatched: Table<'t, u64, &'static [u8]>,
    pub(super) mo_parts: Table<'t, (&'static str, u8), &'static [u8]>,
    /// Named counters (`META`).
    pub(super) meta: Table<'t, &'static str, u64>,
    /// A buffer records are encoded into, reused across the batch.
    pub(super) scratch: Vec<u8>,
    seq: u64,
    seq_at_open: u64,
}

impl<'t> Tables<'t> {
    /// Opens every table (creating what is missing), with the generations of `now_ms`;
    /// `seq` is the last event sequence number given out.
    pub(super) fn open(
        txn: &'t WriteTransaction,
        seq: u64,
        spans: Spans,
        now_ms: u64,
    ) -> Result<Tables<'t>, StoreError> {
        let db = StoreError::db;
        let duplicates_bounds = spans.duplicates.around(now_ms);
        let meta = txn.open_table(META).map_err(db)?;
        let legacy_refs = meta.get(LEGACY_BEFORE).map_err(StoreError::db)?.is_some();
        Ok(Tables {
            txn,
            messages: txn.open_table(MESSAGES).map_err(db)?,
            due: txn.open_table(DUE).map_err(db)?,
            fresh: txn.open_table(FRESH).map_err(db)?,
            fresh_changes: fresh::Changes::default(),
            client_refs: ClientRefs::open(txn, spans.client_refs, now_ms, legacy_refs)?,
            usage: txn.open_table(USAGE).map_err(db)?,
            credit: txn.open_table(CREDIT).map_err(db)?,
            duplicates: DUPLICATES.open(txn, duplicates_bounds)?,
            duplicates_bounds,
            events: txn.open_table(EVENTS).map_err(db)?,
            event_counts: txn.open_table(EVENT_COUNTS).map_err(db)?,
            event_deltas: Vec::new(),
            event_groups: Vec::new(),
            dead_letters: txn.open_table(DEAD_LETTERS).map_err(db)?,
            correlation: Correlation::open(txn, spans.correlation, now_ms)?,
            parked: txn.open_table(PARKED).map_err(db)?,
            unmatched: txn.open_table(UNMATCHED).map_err(db)?,
            mo_parts: txn.open_table(MO_PARTS).map_err(db)?,
            meta,
            scratch: Vec::with_capacity(1024),
            seq,
            seq_at_open: seq,
        })
    }

    /// The next event sequence number; recorded when the tables are closed.
    pub(super) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Notes that `account` has `delta` more events waiting (fewer, when negative).
    pub(super) fn count_events(&mut self, account: &str, delta: i64) {
        match self.event_deltas.iter_mut().find(|(a, _)| a == account) {
            Some((_, d)) => *d += delta,
            None => self.event_deltas.push((account.to_owned(), delta)),
        }
    }

    /// Messages waiting to be sent, this commit's changes so far included: the due index's
    /// and the fresh ones.
    pub(super) fn queued(&self) -> Result<u64, StoreError> {
        let due = self.due.len().map_err(StoreError::db)?;
        let fresh =
            fresh::count_in(&self.meta)?.saturating_add_signed(self.fresh_changes.pending());
        Ok(due.saturating_add(fresh))
    }

    /// Records the fresh messages, the events, the sequence and the event counts (once per
    /// commit, not once per message or event) and closes every table; the last sequence
    /// number given out.
    pub(super) fn close(mut self) -> Result<u64, StoreError> {
        std::mem::take(&mut self.fresh_changes).write(&mut self.fresh, &mut self.meta)?;
        events::write_groups(&mut self.events, std::mem::take(&mut self.event_groups))?;
        if self.seq != self.seq_at_open {
            self.meta.insert("seq", self.seq).map_err(StoreError::db)?;
        }
        for (account, delta) in std::mem::take(&mut self.event_deltas) {
            let was = self
                .event_counts
                .get(account.as_str())
                .map_err(StoreError::db)?
                .map_or(0, |v| v.value());
            let now = was.saturating_add_signed(delta);
            if now == 0 {
                self.event_counts
                    .remove(account.as_str())
                    .map_err(StoreError::db)?;
            } else {
                self.event_counts
                    .insert(account.as_str(), now)
                    .map_err(StoreError::db)?;
            }
        }
        Ok(self.seq)
    }
}
