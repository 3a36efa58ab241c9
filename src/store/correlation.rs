//! Receipt correlation: (carrier, normalised carrier id) → (message, segment, recorded at
//! ms), kept in generations (`generations.rs`; the daemon makes each an eighth of the TTL).
//! New entries go to the generation of the commit's time. A receipt is looked up there first,
//! where it nearly always is (receipts come seconds after their submission), then in the older
//! generations, newest first, then in the table versions before generations wrote, which
//! expiry empties through its age index.

use redb::{ReadableTable, ReadableTableMetadata, Table, WriteTransaction};

use super::generations::{Bounds, CORRELATION, Span, drain};
use super::tables::{LEGACY_CORRELATION, LEGACY_CORRELATION_BY_AGE};
use super::writer::StoreError;

/// What a correlation entry holds: (message id, segment, recorded at ms).
pub(super) type Entry = (u128, u16, u64);

type Key = (&'static str, &'static str);
type EntryTable<'t> = Table<'t, Key, Entry>;

/// The correlation as one write transaction sees it.
pub(super) struct Correlation<'t> {
    txn: &'t WriteTransaction,
    /// The generation new entries go to, and its (start, end).
    current: EntryTable<'t>,
    bounds: Bounds,
    /// Every other generation, newest first, then the legacy table: opened on the first
    /// lookup the current generation cannot answer, and kept for the rest of the batch.
    older: Option<Vec<EntryTable<'t>>>,
}

impl<'t> Correlation<'t> {
    /// Opens the generation of `now_ms` (creating it when it is new).
    pub(super) fn open(
        txn: &'t WriteTransaction,
        span: Span,
        now_ms: u64,
    ) -> Result<Correlation<'t>, StoreError> {
        let bounds = span.around(now_ms);
        let current = CORRELATION.open(txn, bounds)?;
        Ok(Correlation {
            txn,
            current,
            bounds,
            older: None,
        })
    }

    /// Records `entry` for `(carrier, key)`; a later entry for the same id shadows this one.
    pub(super) fn insert(
        &mut self,
        carrier: &str,
        key: &str,
        entry: Entry,
    ) -> Result<(), StoreError> {
        self.current
            .insert((carrier, key), entry)
            .map_err(StoreError::db)?;
        Ok(())
    }

    /// The entry of the first of `keys` (readings of a receipt's id, best first) that any
    /// generation holds, newest generation first. The best reading is looked for everywhere
    /// before the next one: a late receipt's own reading must win over another reading that
    /// happens to name a newer submission (`dlr::lookup_keys`).
    pub(super) fn get(
        &mut self,
        carrier: &str,
        keys: &[String],
    ) -> Result<Option<Entry>, StoreError> {
        for key in keys {
            let at = (carrier, key.as_str());
            if let Some(v) = self.current.get(at).map_err(StoreError::db)? {
                return Ok(Some(v.value()));
            }
            if self.older.is_none() {
                self.older = Some(self.open_older()?);
            }
            for table in self.older.iter().flatten() {
                if let Some(v) = table.get(at).map_err(StoreError::db)? {
                    return Ok(Some(v.value()));
                }
            }
        }
        Ok(None)
    }

    /// The generations other than the current one, newest first, and the legacy table.
    fn open_older(&self) -> Result<Vec<EntryTable<'t>>, StoreError> {
        let mut tables = Vec::new();
        for bounds in CORRELATION.list(self.txn)?.into_iter().rev() {
            if bounds != self.bounds {
                tables.push(CORRELATION.open(self.txn, bounds)?);
            }
        }
        let legacy = self
            .txn
            .open_table(LEGACY_CORRELATION)
            .map_err(StoreError::db)?;
        if !legacy.is_empty().map_err(StoreError::db)? {
            tables.push(legacy);
        }
        Ok(tables)
    }

    /// Forgets what was recorded before `before_ms`, at most `limit` entries: the generations
    /// that ended by then, then legacy entries. How many went (`limit`: call again).
    pub(super) fn expire(&mut self, before_ms: u64, limit: usize) -> Result<usize, StoreError> {
        // A table open in this transaction cannot be deleted.
        self.older = None;
        let mut gone =
            CORRELATION.expire_ended::<Key, Entry>(self.txn, before_ms, self.bounds, limit)?;
        if self.bounds.1 <= before_ms {
            gone += drain(&mut self.current, limit - gone)?;
        }
        Ok(gone + self.expire_legacy(before_ms, limit - gone)?)
    }

    /// Up to `limit` legacy entries recorded before `before_ms`, through their age index.
    fn expire_legacy(&self, before_ms: u64, limit: usize) -> Result<usize, StoreError> {
        let mut table = self
            .txn
            .open_table(LEGACY_CORRELATION)
            .map_err(StoreError::db)?;
        let mut by_age = self
            .txn
            .open_table(LEGACY_CORRELATION_BY_AGE)
            .map_err(StoreError::db)?;
        let old: Vec<(u64, String, String)> = by_age
            .range((0, "", "")..(before_ms, "", ""))
            .map_err(StoreError::db)?
            .take(limit)
            .filter_map(Result::ok)
            .map(|(k, _)| {
                let (at, c, key) = k.value();
                (at, c.to_owned(), key.to_owned())
            })
            .collect();
        for (at, carrier, key) in &old {
            by_age
                .remove((*at, carrier.as_str(), key.as_str()))
                .map_err(StoreError::db)?;
            let current = table
                .get((carrier.as_str(), key.as_str()))
                .map_err(StoreError::db)?
                .map(|v| v.value().2);
            if current == Some(*at) {
                table
                    .remove((carrier.as_str(), key.as_str()))
                    .map_err(StoreError::db)?;
            }
        }
        Ok(old.len())
    }
}
