//! Phone numbers as logs may show them: enough to tell the country, the network and which of a
//! few numbers it was, never enough to contact the person (`+34600111222` → `+34600***222`).

use std::fmt;

/// Numbers with at most this many digits are short codes or service numbers (or an
/// alphanumeric sender such as `ACME`): they name a service, not a person, and are shown whole.
const SHORT_CODE_DIGITS: usize = 6;

/// The middle digits are replaced by this, whatever their count, so the mask does not tell the
/// number's length either.
const HIDDEN: &str = "***";

/// `number` masked for a log line; `Display` and `Debug` both print the masked form.
pub fn phone(number: &str) -> Masked<'_> {
    Masked(number)
}

/// A phone number (E.164 with `+`, national digits or an alphanumeric sender) that prints
/// masked. Built by [`phone`].
#[derive(Clone, Copy)]
pub struct Masked<'a>(&'a str);

impl fmt::Display for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits: Vec<char> = self.0.chars().filter(char::is_ascii_digit).collect();
        let n = digits.len();
        if n <= SHORT_CODE_DIGITS {
            return f.write_str(self.0);
        }
        // At least three digits stay hidden: a 7-digit number shows 2 + 2, an E.164 mobile
        // number shows its country and network code and its last three digits.
        let tail = if n >= 10 { 3 } else { 2 };
        let lead = (n - tail - 3).min(5);
        if self.0.trim_start().starts_with('+') {
            f.write_str("+")?;
        }
        digits[..lead]
            .iter()
            .try_for_each(|c| fmt::Write::write_char(f, *c))?;
        f.write_str(HIDDEN)?;
        digits[n - tail..]
            .iter()
            .try_for_each(|c| fmt::Write::write_char(f, *c))
    }
}

impl fmt::Debug for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::phone;

    fn m(n: &str) -> String {
        phone(n).to_string()
    }

    #[test]
    fn e164_keeps_country_network_and_last_three() {
        assert_eq!(m("+34600111222"), "+34600***222");
        assert_eq!(m("+447911123456"), "+44791***456");
        assert_eq!(m("+12425550123"), "+12425***123");
    }

    #[test]
    fn national_and_short_numbers_hide_at_least_three_digits() {
        assert_eq!(m("34600111222"), "34600***222");
        assert_eq!(m("0612345678"), "0612***678");
        assert_eq!(m("5551234"), "55***34");
        assert_eq!(m("12345678"), "123***78");
    }

    #[test]
    fn short_codes_and_alphanumeric_senders_are_shown() {
        assert_eq!(m("12345"), "12345");
        assert_eq!(m("ACME"), "ACME");
        assert_eq!(m("Bank24"), "Bank24");
        assert_eq!(m(""), "");
    }

    #[test]
    fn separators_and_digits_inside_letters_are_still_masked() {
        assert_eq!(m("+34 600 111 222"), "+34600***222");
        assert_eq!(m("Call34600111222"), "34600***222");
    }

    #[test]
    fn the_mask_does_not_tell_the_length_and_debug_masks_too() {
        assert_eq!(m("+346001112223334"), "+34600***334");
        assert_eq!(format!("{:?}", phone("+34600111222")), "\"+34600***222\"");
        assert!(!format!("{:?}", phone("+34600111222")).contains("111"));
    }
}
