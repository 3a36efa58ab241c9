//! `client_ref` idempotency: "account\0client_ref" → (first message id, accepted at ms), kept
//! in day-long generations (`generations.rs`) and looked up newest first. A ref answers for
//! [`CLIENT_REF_TTL_MS`]; its generation is deleted once it ended that long ago, so the table
//! no longer grows with every ref ever sent. The single table of earlier versions is still
//! read, and emptied once everything in it has passed the TTL (the last start that found it
//! holding refs is kept in `meta` for that).

use redb::{
    ReadTransaction, ReadableTable, ReadableTableMetadata, Table, TableHandle, WriteTransaction,
};

use super::generations::{Bounds, CLIENT_REFS, Span, drain};
use super::outbox::CLIENT_REF_TTL_MS;
use super::tables::{LEGACY_CLIENT_REFS, META};
use super::writer::StoreError;

/// (first message id, accepted at ms).
pub(super) type Entry = (u128, u64);

type RefTable<'t> = Table<'t, &'static str, Entry>;

/// `meta` key: refs in the legacy table were all written before this time (ms).
pub(super) const LEGACY_BEFORE: &str = "client_refs_legacy_before";

/// The refs as one write transaction sees them.
pub(super) struct ClientRefs<'t> {
    txn: &'t WriteTransaction,
    current: RefTable<'t>,
    bounds: Bounds,
    /// The other generations still within the TTL, newest first, then the legacy table if it
    /// may hold refs: opened on the first lookup the current generation cannot answer.
    older: Option<Vec<RefTable<'t>>>,
    now_ms: u64,
    /// Whether the legacy table may still hold refs (`meta` has `LEGACY_BEFORE`).
    legacy: bool,
}

impl<'t> ClientRefs<'t> {
    /// Opens the generation of `now_ms`; `legacy` says whether the legacy table may still
    /// hold refs.
    pub(super) fn open(
        txn: &'t WriteTransaction,
        span: Span,
        now_ms: u64,
        legacy: bool,
    ) -> Result<ClientRefs<'t>, StoreError> {
        let bounds = span.around(now_ms);
        Ok(ClientRefs {
            txn,
            current: CLIENT_REFS.open(txn, bounds)?,
            bounds,
            older: None,
            now_ms,
            legacy,
        })
    }

    /// At start: when the legacy table holds refs, notes that they were all written before
    /// now. Each start notes it afresh, so refs an earlier version wrote in between (after a
    /// rollback) still get their day.
    pub(super) fn note_legacy(txn: &WriteTransaction, now_ms: u64) -> Result<(), StoreError> {
        let exists = txn
            .list_tables()
            .map_err(StoreError::db)?
            .any(|t| t.name() == LEGACY_CLIENT_REFS.name());
        if !exists {
            return Ok(());
        }
        let legacy = txn.open_table(LEGACY_CLIENT_REFS).map_err(StoreError::db)?;
        if !legacy.is_empty().map_err(StoreError::db)? {
            txn.open_table(META)
                .map_err(StoreError::db)?
                .insert(LEGACY_BEFORE, now_ms)
                .map_err(StoreError::db)?;
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
        if self.legacy {
            tables.push(
                self.txn
                    .open_table(LEGACY_CLIENT_REFS)
                    .map_err(StoreError::db)?,
            );
        }
        Ok(tables)
    }

    /// Records the first message for `key`.
    pub(super) fn insert(&mut self, key: &str, entry: Entry) -> Result<(), StoreError> {
        self.current.insert(key, entry).map_err(StoreError::db)?;
        Ok(())
    }

    /// Forgets the refs accepted before `before_ms`, at most `limit`: the generations that
    /// ended by then, then the legacy table once every ref in it was written before then
    /// (`meta` says when that was), deleted once empty. How many went (`limit`: call again).
    pub(super) fn expire(
        &mut self,
        before_ms: u64,
        limit: usize,
        meta: &mut Table<'_, &'static str, u64>,
    ) -> Result<usize, StoreError> {
        // A table open in this transaction cannot be deleted.
        self.older = None;
        let mut gone =
            CLIENT_REFS.expire_ended::<&str, Entry>(self.txn, before_ms, self.bounds, limit)?;
        if self.bounds.1 <= before_ms {
            gone += drain(&mut self.current, limit - gone)?;
        }
        let legacy_before = meta
            .get(LEGACY_BEFORE)
            .map_err(StoreError::db)?
            .map(|v| v.value());
        if legacy_before.is_some_and(|at| at <= before_ms) {
            let mut legacy = self
                .txn
                .open_table(LEGACY_CLIENT_REFS)
                .map_err(StoreError::db)?;
            gone += drain(&mut legacy, limit - gone)?;
            if legacy.is_empty().map_err(StoreError::db)? {
                drop(legacy);
                self.txn
                    .delete_table(LEGACY_CLIENT_REFS)
                    .map_err(StoreError::db)?;
                meta.remove(LEGACY_BEFORE).map_err(StoreError::db)?;
            }
        }
        Ok(gone)
    }
}

/// The generations that can hold a ref within the TTL of `now_ms`, newest first: worked out
/// from the span when they are few (this runs once per API message with a ref, which must
/// not list every table), listed otherwise.
fn live_generations(
    txn: &ReadTransaction,
    span: Span,
    now_ms: u64,
) -> Result<Vec<Bounds>, StoreError> {
    let oldest = now_ms.saturating_sub(CLIENT_REF_TTL_MS);
    if span.ms() >= CLIENT_REF_TTL_MS / 4 {
        return Ok(spanned(span, now_ms, oldest));
    }
    let mut all = CLIENT_REFS.list_read(txn)?;
    all.retain(|b| b.1 > oldest);
    all.reverse();
    Ok(all)
}

/// How far past a caller's clock a ref it looks for may have been filed. The store files a
/// ref under the time of the commit that writes it, which comes after the first request read
/// its clock; a repeat that read its clock before that commit and looks after it must still
/// find the ref when a generation boundary fell in between.
const FILED_AHEAD_MS: u64 = 60_000;

/// The generations from the one holding `now_ms` + [`FILED_AHEAD_MS`] back to the one
/// holding `oldest`, newest first.
fn spanned(span: Span, now_ms: u64, oldest: u64) -> Vec<Bounds> {
    let mut out = Vec::new();
    let mut at = now_ms.saturating_add(FILED_AHEAD_MS);
    loop {
        let bounds = span.around(at);
        out.push(bounds);
        if bounds.0 <= oldest {
            return out;
        }
        at = bounds.0 - 1;
    }
}

/// The newest entry for `key` a reader sees, within the TTL of `now_ms`, with generations
/// `span` long.
pub(super) fn read(
    txn: &ReadTransaction,
    key: &str,
    now_ms: u64,
    span: Span,
) -> Result<Option<Entry>, StoreError> {
    let fresh = |e: Entry| now_ms.saturating_sub(e.1) < CLIENT_REF_TTL_MS;
    for bounds in live_generations(txn, span, now_ms)? {
        let Some(table) = CLIENT_REFS.open_read_existing::<&str, Entry>(txn, bounds)? else {
            continue;
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400_000;

    #[test]
    fn a_lookup_just_before_a_boundary_also_reads_the_next_generation() {
        let span = Span::new(std::time::Duration::from_millis(DAY));
        let boundary = 20_000 * DAY;
        let now = boundary - 10;
        assert_eq!(
            spanned(span, now, now - DAY),
            [
                (boundary, boundary + DAY),
                (boundary - DAY, boundary),
                (boundary - 2 * DAY, boundary - DAY)
            ]
        );
        let midday = boundary - DAY / 2;
        assert_eq!(
            spanned(span, midday, midday - DAY),
            [
                (boundary - DAY, boundary),
                (boundary - 2 * DAY, boundary - DAY)
            ]
        );
    }
}
