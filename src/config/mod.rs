//! Configuration: a TOML file read once into validated types ([`Config`]), with every problem
//! in the file reported at once ([`ConfigErrors`]), each naming the file, the key path
//! (`carriers[1].binds.transceiver`), the line and column where known, and the reason.
//!
//! The road is `text → document (TOML tree with positions) → raw (serde mirror,
//! deny_unknown_fields) → validate → Config`. Nothing falls back to a default on a bad value;
//! defaults apply only to absent optional keys. `config/smppd.example.toml` shows every key
//! with its default or what its absence means.

mod check;
mod countries;
mod document;
mod duration;
mod error;
mod number;
mod raw;
mod secret;
mod types;
mod validate;

use std::path::Path;

pub use check::{EX_USAGE, check_config};
pub use countries::Country;
pub use error::{ConfigError, ConfigErrors, KeyPath, Location, Segment};
pub use number::{E164Prefix, Sender};
pub use secret::Secret;
pub use types::{
    Account, Admin, Api, ApiTcp, CarrierSettings, Config, MessageIdFormat, OnTimeout, Policy,
    QuietHours, QuietZone, Rate, RatePeriod, Route, Scope, ServerTls, Store, Token, Webhook,
};
pub use types::{Log, LogFormat};

use document::Document;
use raw::RawConfig;
use validate::Context;

impl Config {
    /// Reads and validates the file at `path`. Relative paths inside it are resolved against
    /// its directory; secrets given as `{ env = "NAME" }` come from this process's environment.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::file(path, format!("cannot read the file: {e}")))?;
        // Absolute, so the daemon's paths do not move if its working directory does.
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let base_dir = absolute.parent().unwrap_or(Path::new("."));
        Self::from_str(&text, path, base_dir, &|name| std::env::var(name).ok())
    }

    /// Validates `text` as if read from `file` (named in messages), resolving relative paths
    /// against `base_dir` and `{ env = "NAME" }` secrets with `env`.
    pub fn from_str(
        text: &str,
        file: &Path,
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigErrors> {
        let error = |path: KeyPath, location: Option<Location>, reason: String| ConfigError {
            file: file.to_path_buf(),
            path,
            location,
            reason,
        };
        let doc = Document::parse(text).map_err(|syntax| {
            ConfigErrors::new(
                syntax
                    .into_iter()
                    .map(|(at, msg)| error(KeyPath::root(), at, format!("not valid TOML: {msg}")))
                    .collect(),
            )
        })?;
        let (raw, structural) = doc.deserialize::<RawConfig>();
        let mut errors = Vec::new();
        let mut dropped = Vec::new();
        for s in structural {
            dropped.extend(s.dropped);
            errors.push(error(s.path, s.location, s.reason));
        }
        let config = raw.and_then(|raw| {
            let cx = Context { base_dir, env };
            let (config, report) = validate::validate(&raw, file, &cx);
            for (path, reason) in report.into_errors() {
                // A key dropped for a wrong value was reported once already; what follows from
                // its absence (missing, "no bind") would say the same thing again.
                if dropped
                    .iter()
                    .any(|d| d.contains(&path) || path.contains(d))
                {
                    continue;
                }
                let at = doc.locate(&path);
                errors.push(error(path, at, reason));
            }
            config
        });
        match config {
            Some(config) if errors.is_empty() => Ok(config),
            _ => {
                if errors.is_empty() {
                    // Every path that rejects a value records why; this only guards the type.
                    errors.push(error(
                        KeyPath::root(),
                        None,
                        "the configuration is not valid".into(),
                    ));
                }
                errors.sort_by(|a, b| (a.location, &a.path).cmp(&(b.location, &b.path)));
                Err(ConfigErrors::new(errors))
            }
        }
    }
}
