//! Carrier message ids normalised for correlation: the key a submission is stored under
//! ([`store_key`]) and the keys a receipt's id is looked up with ([`lookup_keys`]), so that case,
//! surrounding blanks, leading zeros and (with [`MessageIdFormat::Auto`]) the base a carrier
//! happens to write an id in do not break the match (smpp-reference §7, "Hex vs decimal ids").
//!
//! Keys are opaque strings, only meant to be compared with each other, and only within one
//! carrier (two carriers may issue the same id). A numeric id becomes `#` followed by its value
//! in lowercase hex without leading zeros; any other id becomes itself, trimmed and lowercased
//! (with one more `#` in front when it starts with `#`, so it never looks like a numeric key).
//!
//! With `Auto`, an id made only of decimal digits is ambiguous: `10` may be sixteen written in
//! hex or ten written in decimal. The store key reads every hex-only id as hex; a lookup tries
//! the receipt id as written first, then its decimal reading, then the value re-spelt as the
//! decimal id a carrier might have sent in submit_sm_resp. The alternatives can, rarely, name a
//! different stored message, so a caller should take the first key that hits; with ids as long
//! as carriers issue them (ten digits and more) a wrong hit needs two in-flight ids that are
//! each other's other-base spelling.
//!
//! Lookups allocate nothing for numeric ids, or for textual ids already in lowercase: this runs
//! once per receipt.

use std::borrow::Cow;

use crate::config::MessageIdFormat;

/// Hex digits in a u128.
const HEX_DIGITS: usize = 32;

/// `#` and up to 32 hex digits.
const NUM_KEY_LEN: usize = 1 + HEX_DIGITS;

/// 10^19: the largest power of ten below u64::MAX, so decimal digits can be taken from u64s.
const E19: u128 = 10_000_000_000_000_000_000;

/// 10^32: values at or above it have more than 32 decimal digits and cannot be re-read as hex.
const E32: u128 = E19 * 10_000_000_000_000;

/// The key to store a submission's carrier id under (from submit_sm_resp).
///
/// Every id maps to one key; empty ids map to the empty key, which callers should not store.
pub fn store_key(id: &str, format: MessageIdFormat) -> String {
    let id = id.trim();
    match numeric(id, format) {
        Some(v) => NumKey::new(v).as_str().to_owned(),
        None => text_key(id).into_owned(),
    }
}

/// The keys to look a receipt's id up with, best first. The first is always
/// [`store_key`]`(id, format)`, so an id written the same way is always found; with
/// [`MessageIdFormat::Auto`] up to two other-base readings follow (see the module docs).
pub fn lookup_keys(id: &str, format: MessageIdFormat) -> LookupKeys<'_> {
    let id = id.trim();
    let mut keys = LookupKeys {
        text: None,
        nums: [NumKey::EMPTY; 3],
        len: 0,
    };
    let first = numeric(id, format);
    match first {
        Some(v) => keys.push(v),
        None => keys.text = Some(text_key(id)),
    }
    if format == MessageIdFormat::Auto {
        // Stored as hex, received in decimal.
        if let Some(v) = parse_dec(id) {
            keys.push(v);
        }
        // Stored as the decimal spelling, received as hex.
        if let Some(v) = first.and_then(dec_digits_as_hex) {
            keys.push(v);
        }
    }
    keys
}

/// The id's numeric value under `format`, or `None` when it is kept as text.
fn numeric(id: &str, format: MessageIdFormat) -> Option<u128> {
    match format {
        MessageIdFormat::Hex | MessageIdFormat::Auto => parse_hex(id),
        MessageIdFormat::Dec => parse_dec(id),
    }
}

/// Hex digits only, at most 32 of them after leading zeros.
fn parse_hex(id: &str) -> Option<u128> {
    if id.is_empty() {
        return None;
    }
    let digits = id.trim_start_matches('0').as_bytes();
    if digits.len() > HEX_DIGITS {
        return None;
    }
    // At most 32 nibbles, so the shifts cannot overflow.
    digits.iter().try_fold(0u128, |acc, &b| {
        let nibble = char::from(b).to_digit(16)?;
        Some((acc << 4) | u128::from(nibble))
    })
}

/// Decimal digits only, within u128.
fn parse_dec(id: &str) -> Option<u128> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = id.trim_start_matches('0');
    // Most ids fit in u64, whose arithmetic is much cheaper than u128's.
    if digits.len() <= 19 {
        let v = digits
            .bytes()
            .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
        return Some(u128::from(v));
    }
    // The digit check matters: `parse` would also take a leading `+`.
    digits.parse().ok()
}

/// The value whose hex spelling is `v`'s decimal spelling (1234 → 0x1234): the key a carrier's
/// decimal id was stored under when its receipts quote the same value in hex.
fn dec_digits_as_hex(v: u128) -> Option<u128> {
    if v >= E32 {
        return None;
    }
    if v < E19 {
        return Some(digits_as_nibbles(v as u64));
    }
    // Below 10^32, so the high part has at most 13 digits; the low part is padded to 19 by the
    // zero nibbles `digits_as_nibbles` leaves above its last digit.
    let high = digits_as_nibbles((v / E19) as u64);
    let low = digits_as_nibbles((v % E19) as u64);
    Some((high << (4 * 19)) | low)
}

/// One nibble per decimal digit of `v`.
fn digits_as_nibbles(mut v: u64) -> u128 {
    let mut out = 0u128;
    let mut shift = 0;
    while v != 0 {
        out |= u128::from(v % 10) << shift;
        v /= 10;
        shift += 4;
    }
    out
}

/// A textual id's key: lowercased, borrowed when that changes nothing.
fn text_key(id: &str) -> Cow<'_, str> {
    if id.starts_with('#') {
        let mut key = String::with_capacity(id.len() + 1);
        key.push('#');
        key.push_str(id);
        key.make_ascii_lowercase();
        return Cow::Owned(key);
    }
    if id.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(id.to_ascii_lowercase())
    } else {
        Cow::Borrowed(id)
    }
}

/// A numeric key spelt out on the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct NumKey {
    buf: [u8; NUM_KEY_LEN],
    len: u8,
    value: u128,
}

impl NumKey {
    const EMPTY: NumKey = NumKey {
        buf: [0; NUM_KEY_LEN],
        len: 0,
        value: 0,
    };

    fn new(value: u128) -> NumKey {
        let mut buf = [0u8; NUM_KEY_LEN];
        let digits = (HEX_DIGITS - (value.leading_zeros() as usize / 4)).max(1);
        buf[0] = b'#';
        for (i, slot) in buf[1..=digits].iter_mut().enumerate() {
            let nibble = (value >> (4 * (digits - 1 - i))) & 0xF;
            *slot = b"0123456789abcdef"[nibble as usize];
        }
        NumKey {
            buf,
            len: (1 + digits) as u8,
            value,
        }
    }

    fn as_str(&self) -> &str {
        // Only ASCII is ever written, so this cannot fail; "" keeps it panic-free regardless.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }
}

/// The keys [`lookup_keys`] returns: one to three, without heap allocation except for a
/// textual id that needs lowercasing. Iterate with [`LookupKeys::iter`] or `for key in &keys`.
#[derive(Clone, Debug)]
pub struct LookupKeys<'a> {
    /// The first key, when the id is kept as text.
    text: Option<Cow<'a, str>>,
    nums: [NumKey; 3],
    len: u8,
}

impl<'a> LookupKeys<'a> {
    /// Adds a numeric key unless it is already there.
    fn push(&mut self, value: u128) {
        let len = usize::from(self.len);
        if self.nums[..len].iter().any(|k| k.value == value) || len == self.nums.len() {
            return;
        }
        self.nums[len] = NumKey::new(value);
        self.len += 1;
    }

    /// The keys, best first.
    pub fn iter(&self) -> Keys<'_> {
        Keys {
            text: self.text.as_deref(),
            nums: self.nums[..usize::from(self.len)].iter(),
        }
    }

    /// How many keys there are (at least one).
    pub fn len(&self) -> usize {
        usize::from(self.text.is_some()) + usize::from(self.len)
    }

    /// Always false: there is at least the store key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<'k> IntoIterator for &'k LookupKeys<'_> {
    type Item = &'k str;
    type IntoIter = Keys<'k>;

    fn into_iter(self) -> Keys<'k> {
        self.iter()
    }
}

/// Iterator over [`LookupKeys`].
#[derive(Clone, Debug)]
pub struct Keys<'k> {
    text: Option<&'k str>,
    nums: std::slice::Iter<'k, NumKey>,
}

impl<'k> Iterator for Keys<'k> {
    type Item = &'k str;

    fn next(&mut self) -> Option<&'k str> {
        match self.text.take() {
            Some(text) => Some(text),
            None => self.nums.next().map(NumKey::as_str),
        }
    }
}
