//! The TOML layer: parses the text into a tree that remembers where every key is written, turns
//! that tree into the raw mirror ([`super::raw`]) while collecting every structural error
//! (unknown key, wrong type, unknown variant), and maps key paths back to line and column.
//!
//! serde stops at the first error, so the loader asks it again after dropping the offending key
//! from the tree, until the rest goes through; each round removes one key, so it ends.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::error::{KeyPath, Location, Segment};

/// A structural problem serde found, after the key was dropped so the rest could be read.
#[derive(Debug)]
pub(super) struct Structural {
    /// The value that is wrong (for a bad array item, the item).
    pub(super) path: KeyPath,
    /// The key taken out of the tree because of it, when its value was lost: later checks about
    /// that key (such as "missing") would only repeat this problem. `None` for an unknown key,
    /// which takes nothing away.
    pub(super) dropped: Option<KeyPath>,
    /// Where serde saw it.
    pub(super) location: Option<Location>,
    /// What serde said, in the file's terms.
    pub(super) reason: String,
}

/// A parsed file: the text, its tree and where its lines start.
pub(super) struct Document<'a> {
    tree: Spanned<DeTable<'a>>,
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Document<'a> {
    /// Parses `text`, or returns every syntax error with its position.
    pub(super) fn parse(text: &'a str) -> Result<Self, Vec<(Option<Location>, String)>> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let (tree, errors) = DeTable::parse_recoverable(text);
        let doc = Document {
            tree,
            text,
            line_starts,
        };
        if errors.is_empty() {
            return Ok(doc);
        }
        let mut found: Vec<_> = errors
            .iter()
            .map(|e| {
                let at = e.span().map(|s| doc.location(s.start));
                (at, one_line(e.message()))
            })
            .collect();
        // The parser's recovery can report one mistake twice at one place.
        found.sort();
        found.dedup();
        Err(found)
    }

    /// The raw mirror of the file, with every structural problem found on the way. `None` only
    /// when a problem could not be pinned to a key (serde gave no position).
    pub(super) fn deserialize<T: DeserializeOwned>(&self) -> (Option<T>, Vec<Structural>) {
        let mut tree = self.tree.get_ref().clone();
        let mut problems = Vec::new();
        loop {
            let value = Spanned::new(self.tree.span(), DeValue::Table(tree.clone()));
            let error = match T::deserialize(ValueDeserializer::from(value)) {
                Ok(raw) => return (Some(raw), problems),
                Err(e) => e,
            };
            let reason = tidy(error.message());
            let Some(span) = error.span() else {
                problems.push(Structural {
                    path: KeyPath::root(),
                    dropped: None,
                    location: None,
                    reason,
                });
                return (None, problems);
            };
            let mut found = Vec::new();
            deepest_in_table(&tree, &span, &mut Vec::new(), &mut found);
            // Drop the innermost key holding the bad value: for a bad array item that is the
            // whole array (removing just the item would renumber its neighbours).
            let Some(cut) = found.iter().rposition(|s| matches!(s, Segment::Key(_))) else {
                problems.push(Structural {
                    path: KeyPath::root(),
                    dropped: None,
                    location: Some(self.location(span.start)),
                    reason,
                });
                return (None, problems);
            };
            // serde's own wording for a key the struct does not have.
            let unknown_key = reason.starts_with("unknown field");
            let key = KeyPath::from_segments(found[..=cut].to_vec());
            problems.push(Structural {
                path: KeyPath::from_segments(found),
                dropped: (!unknown_key).then(|| key.clone()),
                location: Some(self.location(span.start)),
                reason,
            });
            if !remove(&mut tree, key.segments()) {
                // Not reachable with a tree serde just walked; stop rather than loop.
                return (None, problems);
            }
        }
    }

    /// Where `path` is written: the key itself, or for a key that is absent the nearest table
    /// above it that is written in the file; `None` when nothing of it is.
    pub(super) fn locate(&self, path: &KeyPath) -> Option<Location> {
        let mut best = None;
        let mut table = Some(self.tree.get_ref());
        let mut array: Option<&[Spanned<DeValue<'a>>]> = None;
        for segment in path.segments() {
            let value = match (segment, table, array) {
                (Segment::Key(k), Some(t), _) => match t.get_key_value(k.as_str()) {
                    Some((key, value)) => {
                        best = Some(key.span().start);
                        value
                    }
                    None => break,
                },
                (Segment::Index(i), _, Some(items)) => match items.get(*i) {
                    Some(item) => {
                        best = Some(item.span().start);
                        item
                    }
                    None => break,
                },
                _ => break,
            };
            (table, array) = match value.get_ref() {
                DeValue::Table(t) => (Some(t), None),
                DeValue::Array(a) => (None, Some(&a[..])),
                _ => (None, None),
            };
        }
        best.map(|offset| self.location(offset))
    }

    /// Line and column (both from 1, the column in characters) of a byte offset.
    fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |before| before.chars().count() + 1);
        Location { line, column }
    }
}

/// Finds the deepest key or array item whose key or value span holds `span`.
fn deepest_in_table(
    table: &DeTable<'_>,
    span: &Range<usize>,
    here: &mut Vec<Segment>,
    best: &mut Vec<Segment>,
) {
    for (key, value) in table.iter() {
        here.push(Segment::Key(key.get_ref().to_string()));
        if (holds(&key.span(), span) || holds(&value.span(), span)) && here.len() > best.len() {
            *best = here.clone();
        }
        deepest_in_value(value.get_ref(), span, here, best);
        here.pop();
    }
}

fn deepest_in_value(
    value: &DeValue<'_>,
    span: &Range<usize>,
    here: &mut Vec<Segment>,
    best: &mut Vec<Segment>,
) {
    match value {
        DeValue::Table(t) => deepest_in_table(t, span, here, best),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                here.push(Segment::Index(i));
                if holds(&item.span(), span) && here.len() > best.len() {
                    *best = here.clone();
                }
                deepest_in_value(item.get_ref(), span, here, best);
                here.pop();
            }
        }
        _ => {}
    }
}

fn holds(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Removes the entry at `path` (which ends with a key); false when it is not there.
fn remove(table: &mut DeTable<'_>, path: &[Segment]) -> bool {
    let Some((Segment::Key(last), parents)) = path.split_last() else {
        return false;
    };
    let mut current = table;
    let mut rest = parents;
    while let Some((Segment::Key(k), after)) = rest.split_first() {
        let Some(value) = current.get_mut(k.as_str()) else {
            return false;
        };
        // Walk through array items (`carriers[1]`) down to the next table.
        let mut value = value.get_mut();
        let mut after = after;
        while let Some((Segment::Index(i), next)) = after.split_first() {
            let DeValue::Array(items) = value else {
                return false;
            };
            let Some(item) = items.get_mut(*i) else {
                return false;
            };
            value = item.get_mut();
            after = next;
        }
        let DeValue::Table(t) = value else {
            return false;
        };
        current = t;
        rest = after;
    }
    rest.is_empty() && current.remove(last.as_str()).is_some()
}

/// serde speaks of Rust types; operators read TOML.
fn tidy(message: &str) -> String {
    one_line(message)
        .replace("expected i64", "expected an integer")
        .replace("expected a sequence", "expected an array")
        .replace("expected a map", "expected a table")
}

fn one_line(message: &str) -> String {
    message
        .trim()
        .split('\n')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ")
}
