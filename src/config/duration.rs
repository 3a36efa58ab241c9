//! Durations as operators write them: humantime strings (`"30s"`, `"60m"`, `"72h"`,
//! `"1h 30m"`), checked once here so every key gets the same wording.

use std::time::Duration;

/// The duration written in `text`, or why it is not one.
pub(super) fn parse(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        format!("{text:?} is not a duration ({e}); write it like \"30s\", \"60m\" or \"72h\"")
    })
}

/// A duration written back the way it would be written in the file (for messages).
pub(super) fn show(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_units_and_sums() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("60m"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
        assert_eq!(parse("5ms"), Ok(Duration::from_millis(5)));
    }

    #[test]
    fn refuses_a_bare_number_with_the_value() {
        let e = parse("30").unwrap_err();
        assert!(e.starts_with("\"30\" is not a duration"), "{e}");
    }
}
