//! A 128-entry GSM 7-bit code table with its reverse index, both built at compile time.

/// Marks a code with no character in the source arrays.
const NONE: char = '\0';
/// Marks a character below U+0100 with no code in `low`.
const NO_CODE: u8 = 0xFF;

/// One GSM 7-bit table: a locking (basic) table or a single shift (extension) table.
#[derive(Debug)]
pub(crate) struct Table {
    chars: [char; 128],
    /// Code of each character below U+0100: most texts are Latin, so this skips the search.
    low: [u8; 256],
    /// `(char, code)` of every character at or above U+0100, sorted by char.
    high: [(char, u8); 128],
    high_len: usize,
}

impl Table {
    /// Builds the reverse indexes; where a character repeats (the spec repeats `¡` and `*` in
    /// some single shift tables), the lower code wins.
    pub(crate) const fn new(chars: [char; 128]) -> Self {
        let mut low = [NO_CODE; 256];
        let mut high = [(NONE, 0u8); 128];
        let mut high_len = 0;
        let mut code = 0;
        while code < 128 {
            let c = chars[code];
            let cp = c as u32;
            if c == NONE {
                // Unassigned.
            } else if cp < 256 {
                if low[cp as usize] == NO_CODE {
                    low[cp as usize] = code as u8;
                }
            } else {
                // Insertion sort; equal chars keep the earlier (lower) code.
                let mut at = high_len;
                let mut duplicate = false;
                let mut i = 0;
                while i < high_len {
                    let other = high[i].0 as u32;
                    if other == cp {
                        duplicate = true;
                    }
                    if other > cp && at == high_len {
                        at = i;
                    }
                    i += 1;
                }
                if !duplicate {
                    let mut j = high_len;
                    while j > at {
                        high[j] = high[j - 1];
                        j -= 1;
                    }
                    high[at] = (c, code as u8);
                    high_len += 1;
                }
            }
            code += 1;
        }
        Self {
            chars,
            low,
            high,
            high_len,
        }
    }

    /// The character at `code` (0..=127), if assigned.
    pub(crate) fn char_at(&self, code: u8) -> Option<char> {
        match self.chars.get(usize::from(code)) {
            Some(&c) if c != NONE => Some(c),
            _ => None,
        }
    }

    /// The code of `c` in this table, if it has one.
    #[inline]
    pub(crate) fn code_of(&self, c: char) -> Option<u8> {
        let cp = u32::from(c);
        if cp < 256 {
            if c == NONE {
                return None;
            }
            let code = self.low[cp as usize];
            return (code != NO_CODE).then_some(code);
        }
        self.high[..self.high_len]
            .binary_search_by_key(&cp, |&(c, _)| u32::from(c))
            .ok()
            .map(|i| self.high[i].1)
    }
}
