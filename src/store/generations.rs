//! Tables kept in generations: entries that only ever expire by age (receipt correlation, the
//! duplicate window, `client_ref`s) go to one table per span of time, named `<family>@<start>-<end>` (ms since
//! the epoch, zero-padded so names sort as times do), and a generation is deleted whole once
//! its end has passed the cutoff. Nothing is written per entry to expire it: an age index
//! beside the table was an insert per entry on the hot path, and an index scan, a lookup and
//! two removes per entry at expiry. Entries live up to one span past their cutoff.

use redb::{
    ReadTransaction, ReadableTableMetadata, Table, TableDefinition, TableHandle, WriteTransaction,
};

use super::writer::StoreError;

/// How long one generation spans, in ms (at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span(u64);

impl Span {
    /// The correlation's span for a TTL of `ttl`: an eighth of it, between an hour and a day,
    /// so that the TTL keeps about eight generations (a receipt nobody submitted is looked up
    /// in each).
    pub fn for_correlation(ttl: std::time::Duration) -> Span {
        let hour = std::time::Duration::from_secs(3600);
        Span::new((ttl / 8).clamp(hour, hour * 24))
    }

    /// A span of `d` (at least 1 ms).
    pub fn new(d: std::time::Duration) -> Span {
        Span(u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1))
    }

    /// Its length in ms.
    pub(super) fn ms(self) -> u64 {
        self.0
    }

    /// The generation holding `at_ms`: [start, end).
    pub(super) fn around(self, at_ms: u64) -> Bounds {
        let start = at_ms - at_ms % self.0;
        (start, start.saturating_add(self.0))
    }
}

/// How long the generations of each family span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spans {
    /// Receipt correlation: an hour by default; the daemon uses
    /// [`Span::for_correlation`] of its TTL.
    pub correlation: Span,
    /// The duplicate window: ten minutes (the window is usually an hour).
    pub duplicates: Span,
    /// `client_ref` idempotency: a day (a ref answers for 24 hours).
    pub client_refs: Span,
}

impl Default for Spans {
    fn default() -> Self {
        Spans {
            correlation: Span(3_600_000),
            duplicates: Span(600_000),
            client_refs: Span(86_400_000),
        }
    }
}

/// A generation's [start, end), ms since the epoch.
pub(super) type Bounds = (u64, u64);

/// One family of generation tables.
#[derive(Clone, Copy, Debug)]
pub(super) struct Family(&'static str);

/// Receipt correlation (`correlation.rs`).
pub(super) const CORRELATION: Family = Family("correlation@");
/// The duplicate window (`ledger.rs`).
pub(super) const DUPLICATES: Family = Family("duplicates@");
/// `client_ref` idempotency (`client_refs.rs`).
pub(super) const CLIENT_REFS: Family = Family("client_refs@");

impl Family {
    fn name(self, (start, end): Bounds) -> String {
        format!("{}{start:013}-{end:013}", self.0)
    }

    /// A generation's bounds from its table name; `None` for any other table.
    fn parse(self, table: &str) -> Option<Bounds> {
        let (start, end) = table.strip_prefix(self.0)?.split_once('-')?;
        Some((start.parse().ok()?, end.parse().ok()?))
    }

    /// Opens (creating) generation `bounds` for writing.
    pub(super) fn open<'t, K: redb::Key + 'static, V: redb::Value + 'static>(
        self,
        txn: &'t WriteTransaction,
        bounds: Bounds,
    ) -> Result<Table<'t, K, V>, StoreError> {
        let name = self.name(bounds);
        txn.open_table(TableDefinition::<K, V>::new(&name))
            .map_err(StoreError::db)
    }

    /// Opens generation `bounds` for reading, if it exists.
    pub(super) fn open_read_existing<K: redb::Key + 'static, V: redb::Value + 'static>(
        self,
        txn: &ReadTransaction,
        bounds: Bounds,
    ) -> Result<Option<redb::ReadOnlyTable<K, V>>, StoreError> {
        let name = self.name(bounds);
        match txn.open_table(TableDefinition::<K, V>::new(&name)) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(StoreError::db(e)),
        }
    }

    /// Every generation, oldest first (by end).
    pub(super) fn list(self, txn: &WriteTransaction) -> Result<Vec<Bounds>, StoreError> {
        let tables = txn.list_tables().map_err(StoreError::db)?;
        Ok(self.sorted(tables.map(|t| t.name().to_owned())))
    }

    /// Every generation a reader sees, oldest first (by end).
    pub(super) fn list_read(self, txn: &ReadTransaction) -> Result<Vec<Bounds>, StoreError> {
        let tables = txn.list_tables().map_err(StoreError::db)?;
        Ok(self.sorted(tables.map(|t| t.name().to_owned())))
    }

    /// By end, then start: when a span changes between runs, a longer generation that ends
    /// later holds newer entries than the shorter ones inside it.
    fn sorted(self, names: impl Iterator<Item = String>) -> Vec<Bounds> {
        let mut all: Vec<Bounds> = names.filter_map(|n| self.parse(&n)).collect();
        all.sort_unstable_by_key(|&(start, end)| (end, start));
        all
    }

    /// Forgets what the generations that ended by `before_ms` hold, at most `budget` entries,
    /// oldest first: a generation that fits in what is left of the budget is deleted whole, a
    /// bigger one is drained by that much (and deleted by a later call, once it fits).
    /// Deleting a table visits every page of it, so a generation of millions of entries
    /// deleted at once would hold the writer, and every accept and receipt behind it, for
    /// seconds. `open` is a generation the caller holds open and drains itself. How many
    /// entries went.
    pub(super) fn expire_ended<K: redb::Key + 'static, V: redb::Value + 'static>(
        self,
        txn: &WriteTransaction,
        before_ms: u64,
        open: Bounds,
        budget: usize,
    ) -> Result<usize, StoreError> {
        let mut left = budget;
        for bounds in self.list(txn)? {
            if left == 0 {
                break;
            }
            if bounds.1 > before_ms || bounds == open {
                continue;
            }
            let name = self.name(bounds);
            let mut table = txn
                .open_table(TableDefinition::<K, V>::new(&name))
                .map_err(StoreError::db)?;
            let entries =
                usize::try_from(table.len().map_err(StoreError::db)?).unwrap_or(usize::MAX);
            if entries <= left {
                drop(table);
                txn.delete_table(TableDefinition::<K, V>::new(&name))
                    .map_err(StoreError::db)?;
                left -= entries;
            } else {
                left -= drain(&mut table, left)?;
            }
        }
        Ok(budget - left)
    }
}

/// Removes up to `most` entries from the front of `table`; how many.
pub(super) fn drain<K: redb::Key + 'static, V: redb::Value + 'static>(
    table: &mut Table<'_, K, V>,
    most: usize,
) -> Result<usize, StoreError> {
    let mut gone = 0;
    for entry in table
        .extract_if(|_, _| true)
        .map_err(StoreError::db)?
        .take(most)
    {
        entry.map_err(StoreError::db)?;
        gone += 1;
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generation_is_named_and_read_back_by_its_bounds() {
        let bounds = Span(3_600_000).around(1_800_000_123_456);
        assert_eq!(bounds, (1_800_000_000_000, 1_800_003_600_000));
        assert_eq!(CORRELATION.parse(&CORRELATION.name(bounds)), Some(bounds));
        assert_eq!(DUPLICATES.parse(&CORRELATION.name(bounds)), None);
        assert_eq!(CORRELATION.parse("correlation"), None);
        assert_eq!(CORRELATION.parse("correlation_by_age"), None);
        assert_eq!(CORRELATION.parse("correlation@12-x"), None);
    }

    #[test]
    fn names_sort_as_their_times_do() {
        assert!(CORRELATION.name((999, 1_000)) < CORRELATION.name((1_000, 2_000)));
    }

    #[test]
    fn the_correlation_ttl_keeps_about_eight_generations() {
        let h = |n: u64| std::time::Duration::from_secs(3600 * n);
        assert_eq!(Span::for_correlation(h(72)), Span(9 * 3_600_000));
        assert_eq!(Span::for_correlation(h(2)), Span(3_600_000));
        assert_eq!(Span::for_correlation(h(24 * 30)), Span(24 * 3_600_000));
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
