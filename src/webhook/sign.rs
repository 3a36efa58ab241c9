//! The webhook signature (API.md §2): `X-Smppd-Signature: sha256=<hex>`, the lowercase hex
//! HMAC-SHA256 of the raw request body keyed with the account's secret. Receivers must verify
//! it over the bytes exactly as received, before parsing, because any re-serialisation changes
//! them; [`verify`] is that check, and shows the scheme to anyone writing a receiver.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Header carrying the body's signature.
pub const SIGNATURE_HEADER: &str = "x-smppd-signature";
/// Header carrying the send time, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-smppd-timestamp";

const PREFIX: &str = "sha256=";

fn mac(secret: &[u8], body: &[u8]) -> [u8; 32] {
    // HMAC is defined for keys of every length (a long key is hashed first), so this error
    // type exists only because the trait is shared with fixed-key MACs; it cannot occur.
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The `X-Smppd-Signature` value for `body`: `sha256=` and 64 lowercase hex digits.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut header = String::with_capacity(PREFIX.len() + 64);
    header.push_str(PREFIX);
    header.push_str(&hex::encode(mac(secret, body)));
    header
}

/// Whether `header` (an `X-Smppd-Signature` value) is the signature of `body` under `secret`.
///
/// The comparison takes the same time wherever the first wrong digit is, so a caller cannot
/// find a valid signature byte by byte. Hex digits are accepted in either case.
///
/// ```
/// use smppd::webhook::{sign, verify};
///
/// let body = br#"{"events":[{"type":"mo","event_id":"e1"}]}"#;
/// let header = sign(b"s3cret", body);
/// assert!(verify(b"s3cret", body, &header));
/// assert!(!verify(b"other", body, &header));
/// assert!(!verify(b"s3cret", b"{\"events\":[]}", &header));
/// ```
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(digits) = header.trim().strip_prefix(PREFIX) else {
        return false;
    };
    let mut claimed = [0u8; 32];
    if hex::decode_to_slice(digits, &mut claimed).is_err() {
        return false;
    }
    mac(secret, body).ct_eq(&claimed).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_4231_test_vector() {
        // RFC 4231 test case 2.
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            format!("sha256={expected}")
        );
    }

    #[test]
    fn refuses_malformed_headers() {
        let body = b"{}";
        let good = sign(b"k", body);
        assert!(verify(b"k", body, &good));
        assert!(verify(
            b"k",
            body,
            &good.to_uppercase().replace("SHA256=", "sha256=")
        ));
        assert!(!verify(b"k", body, &good[..good.len() - 2]));
        assert!(!verify(b"k", body, good.trim_start_matches(PREFIX)));
        assert!(!verify(b"k", body, "sha256=zz"));
        assert!(!verify(b"k", body, ""));
    }
}
