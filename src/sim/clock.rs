//! Wall-clock times in the forms the simulator writes: `YYMMDDhhmm` in receipt texts, the
//! 16-character SMPP absolute time in query_sm_resp, and RFC 3339 in the submit log. All in UTC,
//! formatted into stack buffers.

use std::io::Write;
use std::time::SystemTime;

/// `YYYY-MM-DDThh:mm:ssZ` of `t`, as 20 octets.
fn rfc3339_seconds(t: SystemTime) -> [u8; 20] {
    let mut out = [b'0'; 20];
    // humantime writes exactly 20 octets for any time between the years 0 and 9999; a clock
    // outside that range leaves zeros, which is still a well-formed (if odd) date.
    let _ = write!(&mut out[..], "{}", humantime::format_rfc3339_seconds(t));
    out
}

/// `YYMMDDhhmm`, the receipt text's date form (smpp-reference §7).
pub(crate) fn receipt_date(t: SystemTime) -> [u8; 10] {
    let r = rfc3339_seconds(t);
    [
        r[2], r[3], r[5], r[6], r[8], r[9], r[11], r[12], r[14], r[15],
    ]
}

/// `YYMMDDhhmmss000+`: an SMPP absolute time in UTC (tenths 0, offset 00).
pub(crate) fn smpp_absolute(t: SystemTime) -> [u8; 16] {
    let r = rfc3339_seconds(t);
    [
        r[2], r[3], r[5], r[6], r[8], r[9], r[11], r[12], r[14], r[15], r[17], r[18], b'0', b'0',
        b'0', b'+',
    ]
}

/// RFC 3339 with milliseconds, for log lines.
pub(crate) fn rfc3339_millis(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn forms_of_one_instant() {
        // 2025-12-24T15:30:07Z
        let t = UNIX_EPOCH + Duration::from_secs(1_766_590_207);
        assert_eq!(&receipt_date(t), b"2512241530");
        assert_eq!(&smpp_absolute(t), b"251224153007000+");
        assert_eq!(rfc3339_millis(t), "2025-12-24T15:30:07.000Z");
    }
}
