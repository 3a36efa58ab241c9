//! Secrets (bind passwords, webhook signing keys): written inline, taken from an environment
//! variable (`{ env = "NAME" }`) or read from a file (`{ file = "path" }`, relative to the
//! config file's directory, as systemd credentials and container secrets are mounted).
//!
//! The value is resolved once, at load; [`Secret`]'s `Debug` never shows it, so a config can be
//! logged whole.

use std::fmt;

use super::raw::RawSecret;
use super::validate::Context;

/// A secret value. `Debug` prints `Secret(<redacted>)`; there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value (tests and callers that build a config by hand).
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that uses it (a bind PDU, an HMAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The secret's value, or why it cannot be had (the reason never contains the value).
pub(super) fn resolve(raw: &RawSecret, cx: &Context<'_>) -> Result<Secret, String> {
    match raw {
        RawSecret::Inline(value) => Ok(Secret(value.clone())),
        RawSecret::Env(r) => {
            if r.env.is_empty() {
                return Err("env must name an environment variable".into());
            }
            (cx.env)(&r.env)
                .map(Secret)
                .ok_or_else(|| format!("environment variable {} is not set", r.env))
        }
        RawSecret::File(r) => {
            if r.file.is_empty() {
                return Err("file must name a file".into());
            }
            let path = cx.resolve_path(&r.file);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))?;
            // Files written by `echo` or an editor end with a newline that is not part of the
            // secret; only that one line ending is dropped.
            let value = text
                .strip_suffix('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t))
                .unwrap_or(&text);
            Ok(Secret(value.to_owned()))
        }
    }
}
