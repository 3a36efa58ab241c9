//! `smppd check-config --config FILE [--json]`: validates a file and exits, for operators and
//! for systemd's `ExecStartPre` / `ExecReload`.

use std::io::Write;
use std::path::Path;

use super::types::Config;

/// Exit status for a configuration with problems (sysexits.h `EX_USAGE`).
pub const EX_USAGE: u8 = 64;

/// Validates the file at `path` and reports to `out`/`err`; returns the exit status.
///
/// Valid: `ok: FILE (N carriers, N routes, N accounts)` on `out`, status 0. Invalid: one
/// problem per line on `err` (`FILE:LINE:COLUMN: key.path: reason`), status [`EX_USAGE`].
/// With `json`, `out` gets a JSON array of `{file, line, column, path, reason}` instead
/// (`[]` when valid), and nothing goes to `err`.
pub fn check_config(path: &Path, json: bool, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let result = Config::load(path);
    // Output to a closed pipe is not worth a panic; the status still tells.
    match (&result, json) {
        (Ok(_), true) => {
            let _ = writeln!(out, "[]");
        }
        (Err(errors), true) => {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string(errors).unwrap_or_else(|_| "[]".into())
            );
        }
        (Ok(config), false) => {
            let _ = writeln!(
                out,
                "ok: {} ({} carriers, {} routes, {} accounts)",
                path.display(),
                config.carriers.len(),
                config.routes.len(),
                config.accounts.len()
            );
        }
        (Err(errors), false) => {
            let _ = writeln!(err, "{errors}");
        }
    }
    if result.is_ok() { 0 } else { EX_USAGE }
}
