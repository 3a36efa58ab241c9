//! `[log]`: the log format and the filter directive, checked here so that a typo is a
//! check-config error instead of a daemon that silently logs nothing (or everything).

use tracing_subscriber::EnvFilter;

use super::{Report, Valid};
use crate::config::error::KeyPath;
use crate::config::raw::{RawLog, RawLogFormat};
use crate::config::types::{Log, LogFormat};

/// `log.level` when absent.
const DEFAULT_LEVEL: &str = "info";

/// Level names a bare directive may be; anything else would be taken for a target name.
const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

/// `[log]`.
pub(super) fn log(report: &mut Report, path: &KeyPath, raw: Option<&RawLog>) -> Valid<Log> {
    let empty = RawLog::default();
    let raw = raw.unwrap_or(&empty);
    let format = match raw.format {
        None | Some(RawLogFormat::Text) => LogFormat::Text,
        Some(RawLogFormat::Json) => LogFormat::Json,
    };
    let level_path = path.key("level");
    let level = raw.level.as_deref().unwrap_or(DEFAULT_LEVEL);
    let level = report.check(&level_path, check_level(level))?;
    Some(Log { format, level })
}

/// `text` as a filter directive string that means what it seems to, with the spaces around
/// each directive dropped (EnvFilter would read them as part of a target or a level).
fn check_level(text: &str) -> Result<String, String> {
    let directives: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    if directives.is_empty() {
        return Err("must not be empty (\"info\" is the default)".into());
    }
    // EnvFilter reads a bare word that is not a level as "everything from this target", so
    // `level = "verbose"` would parse and quietly drop every line; only levels stand alone.
    for directive in &directives {
        let bare = !directive.contains('=') && !directive.contains('[');
        if bare && !LEVELS.contains(&directive.to_ascii_lowercase().as_str()) {
            return Err(format!(
                "{directive:?} is not a level (trace, debug, info, warn, error, off); \
                 a target takes one as target=level"
            ));
        }
    }
    let normal = directives.join(",");
    EnvFilter::builder()
        .parse(&normal)
        .map(|_| normal)
        .map_err(|e| format!("{text:?} is not a valid filter directive: {e}"))
}

#[cfg(test)]
mod tests {
    use super::check_level;

    #[test]
    fn levels_and_target_directives_pass() {
        for ok in ["info", "DEBUG", "warn,smppd::carrier=debug", "off"] {
            assert_eq!(check_level(ok).as_deref(), Ok(ok), "{ok}");
        }
        assert_eq!(
            check_level(" info, hyper=warn ,").as_deref(),
            Ok("info,hyper=warn")
        );
    }

    #[test]
    fn a_bare_word_or_a_bad_level_is_refused() {
        for bad in ["", " ", "verbose", "info,loud", "smppd=loud"] {
            assert!(check_level(bad).is_err(), "{bad:?}");
        }
    }
}
