//! Which country a destination number is in, from real numbering-plan data: a calling code
//! that belongs to one country answers at once from our table, and a shared one (+1, +7, +44,
//! +590, …) asks libphonenumber's metadata, so +44 7911 is Guernsey and +1 242 the Bahamas.
//!
//! libphonenumber's answer within a shared code takes about a microsecond (it runs the
//! region's patterns), so answers are remembered by the number's leading digits and length:
//! within a calling code, the region is decided by the area code and exchange, never by the
//! subscriber's last digits.

use std::collections::HashMap;
use std::sync::LazyLock;

use dashmap::DashMap;

use crate::config::Country;

/// National digits that decide the region inside a shared calling code (NANP: area code and
/// exchange; +44: the Crown Dependencies' 4- and 5-digit ranges).
const DECIDING_DIGITS: usize = 6;

/// Remembered answers before the memo starts over (a few MB at most).
const MEMO_LIMIT: usize = 1 << 16;

/// Calling code → the countries dialled with it.
static BY_CALLING_CODE: LazyLock<HashMap<&'static str, Vec<Country>>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, Vec<Country>> = HashMap::new();
    for c in Country::all() {
        map.entry(c.calling_code()).or_default().push(c);
    }
    map
});

/// Finds the country of E.164 numbers. Cheap to share: lookups take no lock.
#[derive(Debug, Default)]
pub struct CountryResolver {
    memo: DashMap<(u64, u8), Option<Country>>,
}

impl CountryResolver {
    /// A resolver with an empty memo.
    pub fn new() -> CountryResolver {
        CountryResolver::default()
    }

    /// The country of a number given as its E.164 digits (no `+`), or `None` when no country
    /// has a number like it.
    pub fn country_of(&self, digits: &str) -> Option<Country> {
        let (code, countries) = (1..=3)
            .filter_map(|n| digits.get(..n))
            .find_map(|cc| BY_CALLING_CODE.get(cc).map(|list| (cc, list)))?;
        if let [only] = countries.as_slice() {
            return Some(*only);
        }
        let national = &digits[code.len()..];
        let key = memo_key(code, national, digits.len())?;
        if let Some(hit) = self.memo.get(&key) {
            return *hit;
        }
        let found = from_metadata(digits);
        if self.memo.len() >= MEMO_LIMIT {
            self.memo.clear();
        }
        self.memo.insert(key, found);
        found
    }
}

fn memo_key(code: &str, national: &str, len: usize) -> Option<(u64, u8)> {
    let deciding = national.get(..DECIDING_DIGITS.min(national.len()))?;
    let digits = format!("{code}{deciding}");
    Some((digits.parse().ok()?, u8::try_from(len).ok()?))
}

fn from_metadata(digits: &str) -> Option<Country> {
    let number: rlibphonenumber::PhoneNumber = format!("+{digits}").parse().ok()?;
    let region = number.get_region_code()?;
    Country::from_alpha2(&region.as_region_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(digits: &str) -> Option<&'static str> {
        CountryResolver::new()
            .country_of(digits)
            .map(|c| c.alpha2())
    }

    #[test]
    fn shared_calling_codes_are_split_by_numbering_plan() {
        assert_eq!(code("447911123456"), Some("GG"));
        assert_eq!(code("447797123456"), Some("JE"));
        assert_eq!(code("447624123456"), Some("IM"));
        assert_eq!(code("447400123456"), Some("GB"));
        assert_eq!(code("12423456789"), Some("BS"));
        assert_eq!(code("12125550123"), Some("US"));
        assert_eq!(code("14165550123"), Some("CA"));
        assert_eq!(code("77012345678"), Some("KZ"));
        assert_eq!(code("79161234567"), Some("RU"));
    }

    #[test]
    fn single_country_codes_answer_from_the_table() {
        assert_eq!(code("34600111222"), Some("ES"));
        assert_eq!(code("351912345678"), Some("PT"));
        assert_eq!(code("4915112345678"), Some("DE"));
    }

    #[test]
    fn unknown_codes_have_no_country() {
        assert_eq!(code("999123456"), None);
        assert_eq!(code(""), None);
    }

    #[test]
    fn remembered_answers_match_fresh_ones() {
        let r = CountryResolver::new();
        for digits in ["447911123456", "447911654321", "12423456789", "12423450000"] {
            let first = r.country_of(digits);
            assert_eq!(r.country_of(digits), first);
            assert_eq!(first, from_metadata(digits));
        }
    }
}
