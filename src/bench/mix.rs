//! The messages the bench sends: message n's kind, alphabet and length follow from a hash of n,
//! so a run is reproducible and the mix holds in every stretch of the run, not just on average.

use std::fmt::Write;

/// The shares asked for on the command line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mix {
    /// Share of `otp` messages.
    pub(crate) otp: f64,
    /// Share of texts that need UCS-2.
    pub(crate) ucs2: f64,
    /// Share of texts long enough for two segments.
    pub(crate) multipart: f64,
}

/// A text of two segments in GSM 7-bit (more than 160, at most 306 septets once numbered).
const GSM_LONG: &str = "Your parcel is on its way and will be delivered tomorrow between 9 and 13. \
Track it or choose another day in the app; reply STOP to stop these updates. Thank you for \
shopping with us, we hope to see you again soon. Ref";
/// A text of two segments in UCS-2 (more than 70, at most 134 characters once numbered).
const UCS2_LONG: &str = "Ваша посылка уже в пути и будет доставлена завтра с 9 до 13 часов. \
Отслеживайте её в приложении. Код";

/// A uniform number in [0, 1) from 16 bits of `h` starting at `shift`.
fn share(h: u64, shift: u32) -> f64 {
    ((h >> shift) & 0xFFFF) as f64 / 65_536.0
}

impl Mix {
    /// Appends message `n` as a JSON object to `out`. Every text is made of characters that
    /// need no JSON escaping.
    pub(crate) fn write(&self, n: u64, prefix: &str, out: &mut String) {
        let h = xxhash_rust::xxh3::xxh3_64(&n.to_le_bytes());
        let otp = share(h, 0) < self.otp;
        let ucs2 = share(h, 16) < self.ucs2;
        let long = share(h, 32) < self.multipart;
        let number = n % 1_000_000;
        let _ = write!(out, r#"{{"to":"{prefix}{number:06}","text":""#);
        let _ = match (ucs2, long) {
            (false, false) => write!(out, "Your code is {:06}. Do not share it.", h % 1_000_000),
            (true, false) => write!(
                out,
                "Ваш код {:06}. Никому его не сообщайте.",
                h % 1_000_000
            ),
            (false, true) => write!(out, "{GSM_LONG} {n}"),
            (true, true) => write!(out, "{UCS2_LONG} {n}"),
        };
        out.push_str(if otp {
            r#"","kind":"otp"}"#
        } else {
            r#"","kind":"bulk"}"#
        });
    }

    /// The request body for messages `first..first + count`: one object, or a batch.
    pub(crate) fn body(&self, first: u64, count: u64, prefix: &str, out: &mut String) {
        out.clear();
        if count == 1 {
            self.write(first, prefix, out);
            return;
        }
        out.push_str(r#"{"messages":["#);
        for n in first..first + count {
            if n > first {
                out.push(',');
            }
            self.write(n, prefix, out);
        }
        out.push_str("]}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_json_with_the_asked_shares() {
        let mix = Mix {
            otp: 0.5,
            ucs2: 0.25,
            multipart: 0.1,
        };
        let mut out = String::new();
        mix.body(0, 4000, "+34600", &mut out);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let items = v["messages"].as_array().unwrap();
        assert_eq!(items.len(), 4000);
        let otp = items.iter().filter(|m| m["kind"] == "otp").count();
        assert!((1800..2200).contains(&otp), "{otp}");
        let long = items
            .iter()
            .filter(|m| m["text"].as_str().unwrap().chars().count() > 70)
            .count();
        assert!((300..500).contains(&long), "{long}");
        mix.body(7, 1, "+34600", &mut out);
        let one: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(one["to"], "+34600000007");
    }
}
