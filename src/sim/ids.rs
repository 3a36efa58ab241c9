//! Message ids: issued from one counter per simulator, written in hex or decimal into a stack
//! buffer (no allocation per submit_sm), and remembered in a bounded ring so query_sm, cancel_sm
//! and replace_sm can tell a known id from an unknown one.
//!
//! The counter starts from the wall clock (milliseconds × 2^16), so a restarted simulator never
//! hands out an id its previous run used, and two simulators in one process start 2^32 apart.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::config::{FinalState, IdFormat};

/// The last first-id handed to a simulator in this process.
static LAST_FIRST_ID: AtomicU64 = AtomicU64::new(0);

/// The first id of a new simulator: clock-based, and 2^32 past any earlier one in this process.
pub(crate) fn first_id() -> u64 {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let from_clock = now_ms << 16;
    let mut chosen = from_clock;
    let _ = LAST_FIRST_ID.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
        chosen = from_clock.max(last.saturating_add(1 << 32));
        Some(chosen)
    });
    chosen
}

/// An id written out: at most 20 decimal digits (u64::MAX) or 16 hex digits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IdText {
    buf: [u8; 20],
    start: u8,
}

impl IdText {
    pub(crate) fn new(id: u64, format: IdFormat) -> IdText {
        let mut buf = [0u8; 20];
        let mut at = buf.len();
        let mut rest = id;
        let base = match format {
            IdFormat::Hex => 16,
            IdFormat::Dec => 10,
        };
        loop {
            at -= 1;
            buf[at] = b"0123456789abcdef"[(rest % base) as usize];
            rest /= base;
            if rest == 0 {
                break;
            }
        }
        IdText {
            buf,
            start: at as u8,
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[usize::from(self.start)..]
    }
}

/// Reads an id written in `format` (hex in either case). `None` for anything else.
pub(crate) fn parse_id(text: &[u8], format: IdFormat) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?;
    if text.is_empty() || text.starts_with('+') {
        return None;
    }
    match format {
        IdFormat::Hex => u64::from_str_radix(text, 16).ok(),
        IdFormat::Dec => text.parse().ok(),
    }
}

/// What is remembered about an issued id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Milliseconds since the simulator started.
    pub(crate) submitted_ms: u64,
    /// The final state drawn at submission (reported once the receipt delay has passed).
    pub(crate) state: FinalState,
    /// Set by cancel_sm: the message then reports DELETED.
    pub(crate) cancelled: bool,
}

/// Issued ids and the most recent `capacity` of them.
#[derive(Debug)]
pub(crate) struct MessageBook {
    inner: Mutex<Book>,
}

#[derive(Debug)]
struct Book {
    /// The id the next submission gets.
    next: u64,
    /// Entries for ids `next - entries.len() .. next`.
    entries: VecDeque<Entry>,
    capacity: usize,
}

impl MessageBook {
    pub(crate) fn new(first: u64, capacity: usize) -> Self {
        MessageBook {
            inner: Mutex::new(Book {
                next: first,
                entries: VecDeque::new(),
                capacity,
            }),
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        // A panic elsewhere while holding the lock leaves the book consistent (every change is
        // one push or one flag), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Issues the next id and remembers it; the oldest entry is forgotten when the ring is full.
    pub(crate) fn issue(&self, submitted_ms: u64, state: FinalState) -> u64 {
        let mut book = self.book();
        let id = book.next;
        book.next = book.next.wrapping_add(1);
        if book.entries.len() == book.capacity {
            book.entries.pop_front();
        }
        book.entries.push_back(Entry {
            submitted_ms,
            state,
            cancelled: false,
        });
        id
    }

    /// The entry of a remembered id.
    pub(crate) fn get(&self, id: u64) -> Option<Entry> {
        let book = self.book();
        let index = book.index(id)?;
        book.entries.get(index).copied()
    }

    /// Marks a remembered id cancelled; `false` when unknown.
    pub(crate) fn cancel(&self, id: u64) -> bool {
        let mut book = self.book();
        match book.index(id) {
            Some(index) => {
                book.entries[index].cancelled = true;
                true
            }
            None => false,
        }
    }
}

impl Book {
    fn index(&self, id: u64) -> Option<usize> {
        let oldest = self.next.wrapping_sub(self.entries.len() as u64);
        let offset = id.wrapping_sub(oldest);
        (offset < self.entries.len() as u64).then_some(offset as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_written_and_read_in_both_bases() {
        let id = 0x18c5_a3f2_1b40_0001;
        let hex = IdText::new(id, IdFormat::Hex);
        assert_eq!(hex.as_bytes(), b"18c5a3f21b400001");
        let dec = IdText::new(id, IdFormat::Dec);
        assert_eq!(dec.as_bytes(), id.to_string().as_bytes());
        assert_eq!(parse_id(hex.as_bytes(), IdFormat::Hex), Some(id));
        assert_eq!(parse_id(b"18C5A3F21B400001", IdFormat::Hex), Some(id));
        assert_eq!(parse_id(dec.as_bytes(), IdFormat::Dec), Some(id));
        assert_eq!(IdText::new(0, IdFormat::Dec).as_bytes(), b"0");
        assert_eq!(
            IdText::new(u64::MAX, IdFormat::Dec).as_bytes(),
            b"18446744073709551615"
        );
        assert_eq!(parse_id(b"", IdFormat::Dec), None);
        assert_eq!(parse_id(b"+1", IdFormat::Dec), None);
        assert_eq!(parse_id(b"xyz", IdFormat::Hex), None);
    }

    #[test]
    fn book_remembers_the_most_recent_ids() {
        let book = MessageBook::new(1000, 2);
        let a = book.issue(1, FinalState::Delivered);
        let b = book.issue(2, FinalState::Expired);
        let c = book.issue(3, FinalState::Delivered);
        assert_eq!((a, b, c), (1000, 1001, 1002));
        assert_eq!(book.get(a), None, "forgotten once the ring is full");
        assert_eq!(book.get(b).map(|e| e.state), Some(FinalState::Expired));
        assert!(book.cancel(c));
        assert!(book.get(c).unwrap().cancelled);
        assert!(!book.cancel(1003));
        assert_eq!(book.get(999), None);
    }

    #[test]
    fn first_ids_never_repeat_in_a_process() {
        let a = first_id();
        let b = first_id();
        assert!(b >= a + (1 << 32));
    }
}
