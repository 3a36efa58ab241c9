//! Receipt correlation: (carrier, normalised carrier id) → (message, segment, recorded at
//! ms), kept in generations (`generations.rs`; the daemon makes each an eighth of the TTL).
//! New entries go to the generation of the commit's time. A receipt is looked up there first,
//! where it nearly always is (receipts come seconds after their submission), then in the older
//! generations, newest first, then in the table versions before generations wrote, which
//! expiry empties through its age index.

use redb::{ReadableTable, ReadableTableMetadata, Table, WriteTransaction};

use super::generations::{Bounds, CORRELATION, Span};
use super::tables::{LEGACY_CORRELATION, LEGACY_CORRELATION_BY_AGE};
use super::writer::StoreError;

/// What a correlation entry holds: (message id, segment, recorded at ms).
pub(super) type Entry = (u128, u16, u64);

type Key = (&'static str, &'static str);
type EntryTable<'t> = Table<'t, Key, Entry>;

/// The entry of the first of `keys` that `table` holds.
fn first_hit(
    table: &EntryTable<'_>,
    carrier: &str,
    keys: &[String],
) -> Result<Option<Entry>, StoreError> {
    for key in keys {
        if let Some(v) = table.get((carrier, key.as_str())).map_err(StoreError::db)? {
            return Ok(Some(v.value()));
        }
    }
    Ok(None)
}

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

    /// The newest entry for any of `keys` of `carrier`: each generation is asked for every
    /// key, best first, before the next older one is, so a receipt whose first reading of its
    /// id misses costs one lookup per key in the current generation, not a walk through every
    /// generation the TTL keeps.
    pub(super) fn get(
        &mut self,
        carrier: &str,
        keys: &[String],
    ) -> Result<Option<Entry>, StoreError> {
        if let Some(hit) = first_hit(&self.current, carrier, keys)? {
            return Ok(Some(hit));
        }
        if self.older.is_none() {
            self.older = Some(self.open_older()?);
        }
        for table in self.older.iter().flatten() {
            if let Some(hit) = first_hit(table, carrier, keys)? {
                return Ok(Some(hit));
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
        tables.push(
            self.txn
                .open_table(LEGACY_CORRELATION)
                .map_err(StoreError::db)?,
        );
        Ok(tables)
    }

    /// Forgets what was recorded before `before_ms`: every generation that ended by then
    /// (whole), and up to `limit` legacy entries. How many entries went.
    pub(super) fn expire(&mut self, before_ms: u64, limit: usize) -> Result<usize, StoreError> {
        // A table open in this transaction cannot be deleted.
        self.older = None;
        let mut gone = CORRELATION.delete_ended::<Key, Entry>(self.txn, before_ms, self.bounds)?;
        if self.bounds.1 <= before_ms {
            gone +=
                usize::try_from(self.current.len().map_err(StoreError::db)?).unwrap_or(usize::MAX);
            self.current.retain(|_, _| false).map_err(StoreError::db)?;
        }
        Ok(gone + self.expire_legacy(before_ms, limit)?)
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
