//! Sequence numbers: 1..=0x7FFFFFFF, wrapping to 1, never reusing one still outstanding
//! (smpp-reference §1).

/// The highest sequence number a request may carry.
pub const MAX_SEQUENCE: u32 = 0x7FFF_FFFF;

/// Hands out this side's request sequence numbers.
#[derive(Clone, Debug)]
pub struct Sequence {
    next: u32,
}

impl Default for Sequence {
    fn default() -> Self {
        Sequence { next: 1 }
    }
}

impl Sequence {
    /// Starts at `first` (clamped into the valid range); tests use it to exercise the wrap.
    pub fn starting_at(first: u32) -> Self {
        Sequence {
            next: first.clamp(1, MAX_SEQUENCE),
        }
    }

    /// The next number for which `in_use` is false. Terminates because fewer than
    /// 0x7FFFFFFF numbers are ever outstanding (the window bounds them).
    pub fn next(&mut self, in_use: impl Fn(u32) -> bool) -> u32 {
        loop {
            let candidate = self.next;
            self.next = if candidate >= MAX_SEQUENCE {
                1
            } else {
                candidate + 1
            };
            if !in_use(candidate) {
                return candidate;
            }
        }
    }
}
