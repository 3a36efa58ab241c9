//! Phone-number shapes the config names: E.164 route prefixes, account senders and the numbers
//! whose inbound messages belong to an account.

use std::fmt;

use crate::text::{ShiftTables, encode_gsm7};

/// The longest E.164 number: 15 digits after the `+` (ITU-T E.164 §6).
const E164_MAX_DIGITS: usize = 15;

/// Short codes are 3 to 8 digits here; a longer numeric address is written in E.164.
const SHORT_CODE_DIGITS: std::ops::RangeInclusive<usize> = 3..=8;

/// An alphanumeric sender is at most 11 GSM 7-bit characters (3GPP TS 23.040 §9.1.2.5).
const ALPHANUMERIC_MAX_SEPTETS: usize = 11;

/// A route prefix: `+` followed by 0 to 15 digits. `+` alone matches every number (the
/// default route); the longest matching prefix wins.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164Prefix(String);

impl E164Prefix {
    /// Reads `+34`, `+1242`, `+`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some(digits) = text.strip_prefix('+') else {
            return Err(format!(
                "{text:?} is not an E.164 prefix: it must start with + (\"+34\"; \"+\" alone is the default route)"
            ));
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{text:?} is not an E.164 prefix: only digits may follow the +"
            ));
        }
        if digits.len() > E164_MAX_DIGITS {
            return Err(format!(
                "{text:?} is not an E.164 prefix: at most {E164_MAX_DIGITS} digits"
            ));
        }
        if digits.starts_with('0') {
            return Err(format!(
                "{text:?} is not an E.164 prefix: country codes never start with 0"
            ));
        }
        Ok(E164Prefix(text.to_owned()))
    }

    /// The prefix's digits, without `+` (empty for the default route).
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// As written, with `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the E.164 number `number` (`+34600111222`) starts with this prefix.
    pub fn matches(&self, number: &str) -> bool {
        number.starts_with(&self.0)
    }
}

impl fmt::Display for E164Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A sender address, in the three forms carriers accept.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Sender {
    /// Up to 11 GSM 7-bit characters, such as `ACME`.
    Alphanumeric(String),
    /// 3 to 8 digits.
    ShortCode(String),
    /// `+` and up to 15 digits.
    E164(String),
}

impl Sender {
    /// Reads a sender, telling which rule it breaks.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.starts_with('+') {
            return parse_e164(text).map(Sender::E164);
        }
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return parse_short_code(text).map(Sender::ShortCode);
        }
        if text.trim() != text || text.is_empty() {
            return Err(format!(
                "{text:?} is not a sender: it must not be empty or start or end with a space"
            ));
        }
        match encode_gsm7(text, ShiftTables::DEFAULT) {
            Ok(septets) if septets.len() <= ALPHANUMERIC_MAX_SEPTETS => {
                Ok(Sender::Alphanumeric(text.to_owned()))
            }
            Ok(_) => Err(format!(
                "{text:?} is not a sender: an alphanumeric sender is at most {ALPHANUMERIC_MAX_SEPTETS} GSM characters"
            )),
            Err(e) => Err(format!(
                "{text:?} is not a sender: an alphanumeric sender uses the GSM 7-bit alphabet ({e})"
            )),
        }
    }

    /// As written.
    pub fn as_str(&self) -> &str {
        match self {
            Sender::Alphanumeric(s) | Sender::ShortCode(s) | Sender::E164(s) => s,
        }
    }

    /// source_addr_ton, source_addr_npi and source_addr for submit_sm.
    pub fn address(&self) -> (u8, u8, &str) {
        match self {
            Sender::Alphanumeric(s) => (5, 0, s),
            Sender::ShortCode(s) => (3, 0, s),
            Sender::E164(n) => (1, 1, n.trim_start_matches('+')),
        }
    }
}

/// Reads a number inbound messages are addressed to: a short code or an E.164 number.
pub(super) fn parse_inbound_number(text: &str) -> Result<String, String> {
    if text.starts_with('+') {
        parse_e164(text)
    } else {
        parse_short_code(text)
    }
}

fn parse_e164(text: &str) -> Result<String, String> {
    let ok = text.strip_prefix('+').is_some_and(|digits| {
        (1..=E164_MAX_DIGITS).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    });
    if ok {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not an E.164 number: + and 1 to {E164_MAX_DIGITS} digits, not starting with 0"
        ))
    }
}

fn parse_short_code(text: &str) -> Result<String, String> {
    if SHORT_CODE_DIGITS.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not a short code ({} to {} digits) or an E.164 number (+ and digits)",
            SHORT_CODE_DIGITS.start(),
            SHORT_CODE_DIGITS.end()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(E164Prefix::parse("+").unwrap().digits(), "");
        assert_eq!(E164Prefix::parse("+34").unwrap().digits(), "34");
        assert!(E164Prefix::parse("+34").unwrap().matches("+34600111222"));
        assert!(!E164Prefix::parse("+34").unwrap().matches("+3300"));
        assert!(E164Prefix::parse("+1234567890123456").is_err());
        assert!(E164Prefix::parse("34").is_err());
        assert!(E164Prefix::parse("+3 4").is_err());
        assert!(E164Prefix::parse("+034").is_err());
    }

    #[test]
    fn senders() {
        assert_eq!(
            Sender::parse("ACME").unwrap(),
            Sender::Alphanumeric("ACME".into())
        );
        assert_eq!(
            Sender::parse("12345").unwrap(),
            Sender::ShortCode("12345".into())
        );
        assert_eq!(
            Sender::parse("+34600111222").unwrap(),
            Sender::E164("+34600111222".into())
        );
        assert!(Sender::parse("ACME Bank Ltd").is_err()); // 13 characters
        assert!(Sender::parse("12").is_err());
        assert!(Sender::parse("123456789").is_err());
        assert!(Sender::parse("+").is_err());
        assert!(Sender::parse("Ünïcødé").is_err());
        assert!(Sender::parse(" ACME").is_err());
        // The extension table's characters take two septets: 6 x 2 = 12 > 11.
        assert!(Sender::parse("{}{}{}").is_err());
    }

    #[test]
    fn inbound_numbers() {
        assert!(parse_inbound_number("12345").is_ok());
        assert!(parse_inbound_number("+34600111222").is_ok());
        assert!(parse_inbound_number("600 111").is_err());
    }
}
