//! `client_ref` idempotency: "account\0client_ref" → (first message id, accepted at ms), kept
//! in day-long generations (`generations.rs`) and looked up newest first. A ref answers for
//! [`CLIENT_REF_TTL_MS`]; its generation is deleted whole once it ended that long ago, so the
//! table no longer grows with every ref ever sent. The single table of earlier versions is
//! still read, and deleted whole once everything in it has passed the TTL (the time of the
//! upgrade is kept in `meta` for that).

use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, Table, WriteTransaction};

use super::generations::{Bounds, CLIENT_REFS, Span};
use super::outbox::CLIENT_REF_TTL_MS;
use super::tables::{LEGACY_CLIENT_REFS, META};
use super::writer::StoreError;

/// (first message id, accepted at ms).
pub(super) type Entry = (u128, u64);

type RefTable<'t> = Table<'t, &'static str, Entry>;

/// `meta` key: refs in the legacy table were all written before this time (ms).
const LEGACY_BEFORE: &str = "client_refs_legacy_before";

/// The refs as one write transaction sees them.
pub(super) struct ClientRefs<'t> {
    txn: &'t WriteTransaction,
    current: RefTable<'t>,
    bounds: Bounds,
    /// The other generations still within the TTL, newest first, then the legacy table if it
    /// is still there: opened on the first lookup the current generation cannot answer.
    older: Option<Vec<RefTable<'t>>>,
    now_ms: u64,
}

impl<'t> ClientRefs<'t> {
    /// Opens the generation of `now_ms`. The first time a legacy table is found holding refs,
    /// the time is recorded, so it can go once they all have expired.
    pub(super) fn open(
        txn: &'t WriteTransaction,
        span: Span,
        now_ms: u64,
    ) -> Result<ClientRefs<'t>, StoreError> {
        let bounds = span.around(now_ms);
        Ok(ClientRefs {
            txn,
            current: CLIENT_REFS.open(txn, bounds)?,
            bounds,
            older: None,
            now_ms,
        })
    }

    /// Notes when legacy refs were last written (now), unless noted already.
    pub(super) fn note_legacy(txn: &WriteTransaction, now_ms: u64) -> Result<(), StoreError> {
        let mut meta = txn.open_table(META).map_err(StoreError::db)?;
        if meta.get(LEGACY_BEFORE).map_err(StoreError::db)?.is_some() {
            return Ok(());
        }
        let legacy = txn.open_table(LEGACY_CLIENT_REFS).map_err(StoreError::db)?;
        if !legacy.is_empty().map_err(StoreError::db)? {
            meta.insert(LEGACY_BEFORE, now_ms).map_err(StoreError::db)?;
        }
        Ok(())
    }

    /// The newest entry for `key`, however old (the caller applies the TTL).
    pub(super) fn get(&mut self, key: &str) -> Result<Option<Entry>, StoreError> {
        if let Some(v) = self.current.get(key).map_err(StoreError::db)? {
            return Ok(Some(v.value()));
        }
        if self.older.is_none() {
            self.older = Some(self.open_older()?);
        }
        for table in self.older.iter().flatten() {
            if let Some(v) = table.get(key).map_err(StoreError::db)? {
                return Ok(Some(v.value()));
            }
        }
        Ok(None)
    }

    fn open_older(&self) -> Result<Vec<RefTable<'t>>, StoreError> {
        let oldest_end = self.now_ms.saturating_sub(CLIENT_REF_TTL_MS);
        let mut tables = Vec::new();
        for bounds in CLIENT_REFS.list(self.txn)?.into_iter().rev() {
            if bounds != self.bounds && bounds.1 > oldest_end {
                tables.push(CLIENT_REFS.open(self.txn, bounds)?);
            }
        }
        let legacy = self
            .txn
            .open_table(LEGACY_CLIENT_REFS)
            .map_err(StoreError::db)?;
        if !legacy.is_empty().map_err(StoreError::db)? {
            tables.push(legacy);
        }
        Ok(tables)
    }

    /// Records the first message for `key`.
    pub(super) fn insert(&mut self, key: &str, entry: Entry) -> Result<(), StoreError> {
        self.current.insert(key, entry).map_err(StoreError::db)?;
        Ok(())
    }

    /// Deletes the generations that ended by `before_ms`, and the legacy table once every ref
    /// in it was written before then (`meta` says when that was). How many refs went.
    pub(super) fn expire(
        &mut self,
        before_ms: u64,
        meta: &mut Table<'_, &'static str, u64>,
    ) -> Result<usize, StoreError> {
        // A table open in this transaction cannot be deleted.
        self.older = None;
        let mut gone = CLIENT_REFS.delete_ended::<&str, Entry>(self.txn, before_ms, self.bounds)?;
        if self.bounds.1 <= before_ms {
            gone +=
                usize::try_from(self.current.len().map_err(StoreError::db)?).unwrap_or(usize::MAX);
            self.current.retain(|_, _| false).map_err(StoreError::db)?;
        }
        let legacy_before = meta
            .get(LEGACY_BEFORE)
            .map_err(StoreError::db)?
            .map(|v| v.value());
        if legacy_before.is_some_and(|at| at <= before_ms) {
            let n = self
                .txn
                .open_table(LEGACY_CLIENT_REFS)
                .map_err(StoreError::db)?
                .len()
                .map_err(StoreError::db)?;
            self.txn
                .delete_table(LEGACY_CLIENT_REFS)
                .map_err(StoreError::db)?;
            meta.remove(LEGACY_BEFORE).map_err(StoreError::db)?;
            gone += usize::try_from(n).unwrap_or(usize::MAX);
        }
        Ok(gone)
    }
}

/// The newest entry for `key` a reader sees, within the TTL of `now_ms`.
pub(super) fn read(
    txn: &ReadTransaction,
    key: &str,
    now_ms: u64,
) -> Result<Option<Entry>, StoreError> {
    let fresh = |e: Entry| now_ms.saturating_sub(e.1) < CLIENT_REF_TTL_MS;
    let oldest_end = now_ms.saturating_sub(CLIENT_REF_TTL_MS);
    for bounds in CLIENT_REFS.list_read(txn)?.into_iter().rev() {
        if bounds.1 <= oldest_end {
            break;
        }
        let table = CLIENT_REFS.open_read::<&str, Entry>(txn, bounds)?;
        if let Some(v) = table.get(key).map_err(StoreError::db)? {
            return Ok(Some(v.value()).filter(|&e| fresh(e)));
        }
    }
    match txn.open_table(LEGACY_CLIENT_REFS) {
        Ok(legacy) => Ok(legacy
            .get(key)
            .map_err(StoreError::db)?
            .map(|v| v.value())
            .filter(|&e| fresh(e))),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(StoreError::db(e)),
    }
}
