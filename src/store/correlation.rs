//! Receipt correlation kept in generations: (carrier, normalised carrier id) → (message,
//! segment, recorded at ms), one table per span of time, named `correlation@<start>-<end>`
//! (ms since the epoch). New entries go to the generation of the commit's time. A receipt is
//! looked up in that generation first, where it nearly always is (receipts come seconds after
//! their submission), then in the older ones, newest first, then in the table written before
//! generations existed. Expiry deletes a generation whole once its end is older than the TTL.
//!
//! Why: the previous layout kept an age index beside the table. That was one more B-tree
//! insert per segment on the hot path (4 % of the store writer's time in `scripts/bench`), and
//! at expiry an index scan, a lookup and two removes per segment. A generation costs nothing
//! per entry. Entries live up to one span longer than the TTL, which only keeps a receipt
//! matchable a little longer.

use redb::{
    ReadableTable, ReadableTableMetadata, Table, TableDefinition, TableHandle, WriteTransaction,
};

use super::tables::{LEGACY_CORRELATION, LEGACY_CORRELATION_BY_AGE};
use super::writer::StoreError;

/// What a correlation entry holds: (message id, segment, recorded at ms).
pub(super) type Entry = (u128, u16, u64);

type EntryTable<'t> = Table<'t, (&'static str, &'static str), Entry>;

const PREFIX: &str = "correlation@";

/// How long one generation spans, in ms (at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span(u64);

impl Span {
    /// One hour: a day's generations stay few, and an hour past the TTL is little.
    pub const DEFAULT: Span = Span(3_600_000);

    /// A span of `d` (at least 1 ms).
    pub fn new(d: std::time::Duration) -> Span {
        Span(u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1))
    }

    /// The generation holding `at_ms`: [start, end).
    fn around(self, at_ms: u64) -> (u64, u64) {
        let start = at_ms - at_ms % self.0;
        (start, start.saturating_add(self.0))
    }
}

fn name(start: u64, end: u64) -> String {
    format!("{PREFIX}{start:013}-{end:013}")
}

/// A generation's (start, end) from its table name; `None` for any other table.
fn parse(table: &str) -> Option<(u64, u64)> {
    let (start, end) = table.strip_prefix(PREFIX)?.split_once('-')?;
    Some((start.parse().ok()?, end.parse().ok()?))
}

/// The correlation as one write transaction sees it.
pub(super) struct Correlation<'t> {
    txn: &'t WriteTransaction,
    /// The generation new entries go to, and its (start, end).
    current: EntryTable<'t>,
    bounds: (u64, u64),
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
        let name = name(bounds.0, bounds.1);
        let current = txn
            .open_table(TableDefinition::new(&name))
            .map_err(StoreError::db)?;
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

    /// The newest entry for `(carrier, key)`.
    pub(super) fn get(&mut self, carrier: &str, key: &str) -> Result<Option<Entry>, StoreError> {
        if let Some(v) = self.current.get((carrier, key)).map_err(StoreError::db)? {
            return Ok(Some(v.value()));
        }
        if self.older.is_none() {
            self.older = Some(self.open_older()?);
        }
        for table in self.older.iter().flatten() {
            if let Some(v) = table.get((carrier, key)).map_err(StoreError::db)? {
                return Ok(Some(v.value()));
            }
        }
        Ok(None)
    }

    /// The generations other than the current one, newest first, and the legacy table.
    fn open_older(&self) -> Result<Vec<EntryTable<'t>>, StoreError> {
        let mut generations: Vec<(u64, u64)> = self
            .generations()?
            .into_iter()
            .filter(|g| *g != self.bounds)
            .collect();
        generations.sort_unstable_by(|a, b| b.cmp(a));
        let mut tables = Vec::with_capacity(generations.len() + 1);
        for (start, end) in generations {
            let name = name(start, end);
            tables.push(
                self.txn
                    .open_table(TableDefinition::new(&name))
                    .map_err(StoreError::db)?,
            );
        }
        tables.push(
            self.txn
                .open_table(LEGACY_CORRELATION)
                .map_err(StoreError::db)?,
        );
        Ok(tables)
    }

    fn generations(&self) -> Result<Vec<(u64, u64)>, StoreError> {
        Ok(self
            .txn
            .list_tables()
            .map_err(StoreError::db)?
            .filter_map(|t| parse(t.name()))
            .collect())
    }

    /// Forgets what was recorded before `before_ms`: every generation that ended by then
    /// (whole), and up to `limit` legacy entries. How many entries went.
    pub(super) fn expire(&mut self, before_ms: u64, limit: usize) -> Result<usize, StoreError> {
        // A table open in this transaction cannot be deleted.
        self.older = None;
        let mut gone = 0;
        for (start, end) in self.generations()? {
            if end > before_ms {
                continue;
            }
            if (start, end) == self.bounds {
                let n = self.current.len().map_err(StoreError::db)?;
                self.current.retain(|_, _| false).map_err(StoreError::db)?;
                gone += usize::try_from(n).unwrap_or(usize::MAX);
                continue;
            }
            let name = name(start, end);
            let n = self
                .txn
                .open_table(TableDefinition::<(&str, &str), Entry>::new(&name))
                .map_err(StoreError::db)?
                .len()
                .map_err(StoreError::db)?;
            self.txn
                .delete_table(TableDefinition::<(&str, &str), Entry>::new(&name))
                .map_err(StoreError::db)?;
            gone += usize::try_from(n).unwrap_or(usize::MAX);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generation_is_named_and_read_back_by_its_bounds() {
        let (start, end) = Span::DEFAULT.around(1_800_000_123_456);
        assert_eq!((start, end), (1_800_000_000_000, 1_800_003_600_000));
        assert_eq!(parse(&name(start, end)), Some((start, end)));
        assert_eq!(parse("correlation"), None);
        assert_eq!(parse("correlation_by_age"), None);
        assert_eq!(parse("correlation@12-x"), None);
    }

    #[test]
    fn names_sort_as_their_times_do() {
        // Zero-padded: a table listing in name order is in time order too.
        assert!(name(999, 1_000) < name(1_000, 2_000));
    }

    #[test]
    fn a_span_is_never_zero() {
        assert_eq!(Span::new(std::time::Duration::ZERO), Span(1));
        assert_eq!(
            Span::new(std::time::Duration::from_secs(1)).around(2_500),
            (2_000, 3_000)
        );
    }
}
