//! The daemon's log output: `tracing` events to standard error, as text or JSON lines
//! (`[log]`), filtered by `log.level` or the `SMPPD_LOG` environment variable.
//!
//! What may appear is a rule for every log call, not for this module: no token, password,
//! webhook secret or message text at info or above, and phone numbers only through
//! [`mask::phone`]. Each bind's lines carry the `bind` span (carrier, bind index, mode).

pub mod mask;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{Log, LogFormat};

/// The environment variable that overrides `log.level` (for a one-off debugging session
/// without editing the file).
pub const ENV_FILTER: &str = "SMPPD_LOG";

/// Installs the process's subscriber per `settings`. Called once, after the config loaded;
/// the settings are not reloaded (a change needs a restart). A second call does nothing.
pub fn init(settings: &Log) {
    let filter = EnvFilter::try_from_env(ENV_FILTER)
        .or_else(|_| EnvFilter::builder().parse(&settings.level))
        // The config checker refused bad directives already; this only guards the type.
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match settings.format {
        // Colour only for a person at a terminal: journald and files get plain text.
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
