//! Duplicate suppression: the same text to the same number from the same account within the
//! account's window is refused with the first message's id. The index here is the fast path;
//! the store keeps the same entries, so the window survives a restart.
//!
//! A key is a 128-bit hash of (account, destination, text), so the index holds no text and
//! no number. A slot is claimed when a message passes the check and released if the message
//! is then not stored, so two parallel requests cannot both send the same text.

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;

use crate::message::MessageId;

/// The key of (account, destination, text).
pub fn duplicate_key(account: &str, to: &str, text: &str) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3Default::new();
    // Lengths first, so no two different triples hash the same bytes.
    for part in [account, to, text] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.digest128()
}

/// Recently accepted messages by duplicate key.
#[derive(Debug, Default)]
pub struct DuplicateIndex {
    seen: DashMap<u128, (MessageId, u64)>,
}

impl DuplicateIndex {
    /// An empty index.
    pub fn new() -> DuplicateIndex {
        DuplicateIndex::default()
    }

    /// Claims `key` for message `id` at `now_ms`, or answers the id of the message that holds
    /// it within `window_ms`.
    pub fn claim(
        &self,
        key: u128,
        id: MessageId,
        now_ms: u64,
        window_ms: u64,
    ) -> Result<(), MessageId> {
        match self.seen.entry(key) {
            Entry::Occupied(mut e) => {
                let (first, at) = *e.get();
                if now_ms < at.saturating_add(window_ms) {
                    return Err(first);
                }
                e.insert((id, now_ms));
            }
            Entry::Vacant(e) => {
                e.insert((id, now_ms));
            }
        }
        Ok(())
    }

    /// Releases a claim whose message was not stored.
    pub fn release(&self, key: u128, id: MessageId) {
        self.seen.remove_if(&key, |_, (held, _)| *held == id);
    }

    /// Puts back an entry read from the store after a restart.
    pub fn restore(&self, key: u128, id: MessageId, at_ms: u64) {
        self.seen.insert(key, (id, at_ms));
    }

    /// Forgets entries older than `before_ms`.
    pub fn expire(&self, before_ms: u64) {
        self.seen.retain(|_, (_, at)| *at >= before_ms);
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_message_holds_its_text_for_the_window() {
        let idx = DuplicateIndex::new();
        let k = duplicate_key("acme", "+34600111222", "hello");
        let (a, b) = (MessageId(1), MessageId(2));
        idx.claim(k, a, 1_000, 60_000).unwrap();
        assert_eq!(idx.claim(k, b, 60_999, 60_000), Err(a));
        idx.claim(k, b, 61_000, 60_000).unwrap();
        // A release by someone who no longer holds the key changes nothing.
        idx.release(k, a);
        assert_eq!(idx.claim(k, a, 61_001, 60_000), Err(b));
        idx.release(k, b);
        assert!(idx.is_empty());
    }

    #[test]
    fn keys_separate_account_number_and_text() {
        assert_ne!(duplicate_key("ab", "c", "d"), duplicate_key("a", "bc", "d"));
        assert_ne!(duplicate_key("a", "b", "cd"), duplicate_key("a", "bc", "d"));
        assert_ne!(duplicate_key("x", "b", "c"), duplicate_key("y", "b", "c"));
    }
}
