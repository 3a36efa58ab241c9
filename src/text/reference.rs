//! Concatenation references that rotate per destination, so two long messages in flight to
//! the same number never share one, in bounded memory.

use std::collections::{BTreeMap, HashMap};

use super::profile::ReferenceWidth;

/// Hands out concatenation references per destination.
///
/// Each destination cycles through 1..=max of the requested width, so the same reference comes
/// back only after 255 (8-bit) or 65,535 (16-bit) more long messages to that number. At most
/// `capacity` destinations are remembered; the least recently used is forgotten first, and a
/// destination seen anew starts from a global counter rather than 1, so forgetting it does not
/// restart it where it just was.
#[derive(Debug)]
pub struct ReferenceAllocator {
    capacity: usize,
    last: HashMap<String, Slot>,
    /// Use order: tick → destination, oldest first.
    by_use: BTreeMap<u64, String>,
    tick: u64,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    reference: u16,
    tick: u64,
}

impl ReferenceAllocator {
    /// An allocator remembering at most `capacity` destinations (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            last: HashMap::new(),
            by_use: BTreeMap::new(),
            tick: 0,
        }
    }

    /// How many destinations are remembered now.
    pub fn len(&self) -> usize {
        self.last.len()
    }

    /// Whether no destination is remembered.
    pub fn is_empty(&self) -> bool {
        self.last.is_empty()
    }

    /// The next reference for a message to `destination`, in 1..=`width.max()`.
    pub fn next(&mut self, destination: &str, width: ReferenceWidth) -> u16 {
        let max = width.max();
        self.tick += 1;
        let tick = self.tick;
        if let Some(slot) = self.last.get_mut(destination) {
            let reference = rotate(slot.reference, max);
            if let Some(key) = self.by_use.remove(&slot.tick) {
                self.by_use.insert(tick, key);
            }
            *slot = Slot { reference, tick };
            return reference;
        }
        if self.last.len() >= self.capacity
            && let Some((_, oldest)) = self.by_use.pop_first()
        {
            self.last.remove(&oldest);
        }
        // Seeded from the tick so a forgotten destination does not restart at 1.
        let reference = (tick % u64::from(max)) as u16 + 1;
        self.last
            .insert(destination.to_owned(), Slot { reference, tick });
        self.by_use.insert(tick, destination.to_owned());
        reference
    }
}

/// The reference after `last` in 1..=max (a reference from a wider width wraps into range).
fn rotate(last: u16, max: u16) -> u16 {
    if last >= max { 1 } else { last + 1 }
}
