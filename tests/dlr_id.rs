//! Message-id keys: a receipt's id finds its submission whatever the case, blanks, leading zeros
//! and (with `Auto`) base it is written in; textual ids fall back to a case-insensitive match.

use proptest::prelude::*;
use smppd::config::MessageIdFormat::{self, Auto, Dec, Hex};
use smppd::dlr::{lookup_keys, store_key};

/// Whether a receipt id `receipt` finds the submission stored under `submitted`.
fn finds(submitted: &str, receipt: &str, format: MessageIdFormat) -> bool {
    let stored = store_key(submitted, format);
    lookup_keys(receipt, format).iter().any(|k| k == stored)
}

fn keys(id: &str, format: MessageIdFormat) -> Vec<String> {
    lookup_keys(id, format).iter().map(str::to_owned).collect()
}

#[test]
fn first_lookup_key_is_the_store_key() {
    let ids = [
        "12345678",
        "bc614e",
        "BC614E",
        " 00ff ",
        "0",
        "",
        "#abc",
        "ABC-def_1",
        "5f0e3b0c-9a3e-4b6a-8d3f-1e2a3b4c5d6e",
        "ffffffffffffffffffffffffffffffff",
        "1ffffffffffffffffffffffffffffffff",
        "340282366920938463463374607431768211455",
        "340282366920938463463374607431768211456",
    ];
    for id in ids {
        for format in [Hex, Dec, Auto] {
            let keys = lookup_keys(id, format);
            assert_eq!(
                keys.iter().next(),
                Some(store_key(id, format).as_str()),
                "{id:?} {format:?}"
            );
            assert!(!keys.is_empty() && keys.len() <= 3);
            assert_eq!(keys.len(), keys.iter().count());
        }
    }
}

#[test]
fn hex_ignores_case_blanks_and_leading_zeros() {
    assert_eq!(store_key("00ABCdef ", Hex), store_key("abcdef", Hex));
    assert_eq!(store_key("abcdef", Hex), "#abcdef");
    assert_eq!(store_key("000", Hex), "#0");
    assert!(finds("7220D2A7", "7220d2a7", Hex));
    assert!(finds("007220d2a7", " 7220D2A7\t", Hex));
    assert!(!finds("10", "16", Hex));
    assert_eq!(lookup_keys("7220d2a7", Hex).len(), 1);
}

#[test]
fn dec_ignores_leading_zeros() {
    assert!(finds("12345678", "0000000012345678", Dec));
    assert_eq!(
        store_key("0000000012345678", Dec),
        store_key("12345678", Dec)
    );
    assert!(!finds("10", "a", Dec));
    assert_eq!(lookup_keys("12345678", Dec).len(), 1);
    // Not decimal: kept as text, still case-insensitive.
    assert_eq!(store_key("AB12", Dec), "ab12");
}

#[test]
fn auto_matches_across_bases() {
    // submit_sm_resp in hex, receipt in decimal (with and without Nexmo's leading zeros).
    assert!(finds("bc614e", "12345678", Auto));
    assert!(finds("BC614E", "0000000012345678", Auto));
    // submit_sm_resp in decimal, receipt in hex.
    assert!(finds("12345678", "bc614e", Auto));
    assert!(finds("12345678", "00BC614E", Auto));
    // All-digit hex: 0x12345678 = 305419896.
    assert!(finds("12345678", "305419896", Auto));
    assert!(finds("305419896", "12345678", Auto));
    // Same spelling.
    assert!(finds("12345678", "12345678", Auto));
    assert!(finds("bc614e", "BC614E", Auto));
    // Unrelated ids do not match.
    assert!(!finds("bc614e", "12345679", Auto));
    assert!(!finds("12345678", "bc614f", Auto));
}

#[test]
fn auto_documented_ambiguity() {
    // "10" could be sixteen in hex or ten in decimal; the receipt id as written comes first.
    assert_eq!(keys("10", Auto), ["#10", "#a", "#16"]);
    assert_eq!(keys("1f", Auto), ["#1f", "#31"]);
    // Single digits read the same in both bases: one key.
    assert_eq!(keys("7", Auto), ["#7"]);
}

#[test]
fn textual_ids_fall_back_to_lowercase_text() {
    let uuid = "5F0E3B0C-9A3E-4B6A-8D3F-1E2A3B4C5D6E";
    for format in [Hex, Dec, Auto] {
        assert_eq!(store_key(uuid, format), uuid.to_ascii_lowercase());
        assert!(finds(uuid, &uuid.to_ascii_lowercase(), format));
        assert!(finds(&uuid.to_ascii_lowercase(), uuid, format));
        assert!(!finds(uuid, "5f0e3b0c", format));
    }
    // Leading zeros stay significant in text ids.
    assert!(!finds("0abc-1", "abc-1", Auto));
    // A text id never collides with a numeric key.
    assert_ne!(store_key("#abc", Auto), store_key("abc", Auto));
    assert_eq!(store_key("#ABC", Auto), "##abc");
    assert!(finds("#ABC", "#abc", Auto));
}

#[test]
fn ids_beyond_u128_are_text() {
    let hex33 = "1ffffffffffffffffffffffffffffffff";
    assert_eq!(store_key(hex33, Hex), hex33);
    assert!(finds(hex33, &hex33.to_ascii_uppercase(), Hex));
    let max = "ffffffffffffffffffffffffffffffff";
    assert_eq!(store_key(&format!("000{max}"), Hex), format!("#{max}"));
    // u128::MAX in decimal finds its hex spelling; one more is text.
    assert!(finds(max, "340282366920938463463374607431768211455", Auto));
    let over = "340282366920938463463374607431768211456";
    assert_eq!(store_key(over, Dec), over);
    // A 33-digit decimal submit id is text under Auto, and still found as itself.
    let dec33 = "123456789012345678901234567890123";
    assert_eq!(store_key(dec33, Auto), dec33);
    assert!(finds(dec33, dec33, Auto));
}

#[test]
fn signs_and_prefixes_are_not_numbers() {
    assert_eq!(store_key("+12", Dec), "+12");
    assert_eq!(store_key("+12", Hex), "+12");
    assert_eq!(store_key("0x1f", Hex), "0x1f");
}

/// `v` in hex, in random case and with up to `zeros` leading zeros.
fn hex_spelling(v: u128, upper: bool, zeros: usize) -> String {
    let digits = if upper {
        format!("{v:X}")
    } else {
        format!("{v:x}")
    };
    format!("{}{digits}", "0".repeat(zeros))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    #[test]
    fn auto_hex_and_dec_always_find_each_other(v: u64, upper: bool, z1 in 0usize..4, z2 in 0usize..4) {
        let hex = hex_spelling(u128::from(v), upper, z1);
        let dec = format!("{}{v}", "0".repeat(z2));
        prop_assert!(finds(&hex, &dec, Auto), "hex {} / dec {}", hex, dec);
        prop_assert!(finds(&dec, &hex, Auto), "dec {} / hex {}", dec, hex);
        prop_assert!(finds(&hex, &hex.to_ascii_lowercase(), Auto));
        prop_assert!(finds(&dec, &dec, Auto));
        prop_assert!(finds(&hex, &hex, Hex));
        prop_assert!(finds(&dec, &dec, Dec));
    }

    #[test]
    fn auto_works_up_to_32_decimal_digits(v in 0u128..10u128.pow(32), upper: bool) {
        let hex = hex_spelling(v, upper, 0);
        let dec = v.to_string();
        prop_assert!(finds(&hex, &dec, Auto));
        prop_assert!(finds(&dec, &hex, Auto));
    }

    #[test]
    fn distinct_values_never_share_a_store_key(a: u64, b: u64) {
        prop_assume!(a != b);
        for format in [Hex, Dec, Auto] {
            let (sa, sb) = (format!("{a:x}"), format!("{b:x}"));
            prop_assert_ne!(store_key(&sa, format), store_key(&sb, format));
        }
    }

    #[test]
    fn any_input_is_safe(id in "\\PC{0,80}", format in prop::sample::select(vec![Hex, Dec, Auto])) {
        prop_assert_eq!(&keys(&id, format)[0], &store_key(&id, format));
    }
}
