//! Configuration text for tests, one function per section, so each test states only what
//! differs from a plain setup.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use smppd::config::Config;

/// The SHA-256 of a bearer token, as the config holds it.
pub fn sha(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// `[api]` (socket `api.sock`, then `api` lines) and `[store]` (path `data`, then `store`
/// lines); the admin listener on a port the system picks, so daemons run side by side.
pub fn service(api: &str, store: &str) -> String {
    service_admin(api, store, 0)
}

/// As [`service`], with the admin listener on `127.0.0.1:admin_port`.
pub fn service_admin(api: &str, store: &str, admin_port: u16) -> String {
    format!(
        "[api]\nsocket = \"api.sock\"\n{api}\n[admin]\nlisten = \"127.0.0.1:{admin_port}\"\n\
         [store]\npath = \"data\"\n{store}\n"
    )
}

/// A carrier at `127.0.0.1:port` with one transceiver bind per `binds`, quick reconnects.
pub fn carrier(name: &str, port: u16, binds: usize) -> String {
    format!(
        "[[carriers]]\nname = \"{name}\"\nhost = \"127.0.0.1\"\nport = {port}\nsystem_id = \"smppd\"\n\
         password = \"secret\"\nbinds = {{ transceiver = {binds} }}\nmax_tps = 100000\n\
         reconnect = {{ min = \"50ms\", max = \"500ms\" }}\n"
    )
}

/// A route for `prefix` to `carriers` in failover order.
pub fn route(prefix: &str, carriers: &[&str]) -> String {
    let list: Vec<String> = carriers.iter().map(|c| format!("\"{c}\"")).collect();
    format!(
        "[[routes]]\nprefix = \"{prefix}\"\ncarriers = [{}]\n",
        list.join(", ")
    )
}

/// An account with tokens given as `(token, scopes)`, e.g. `("t", "\"send\", \"read\"")`, and
/// optional `[accounts.policy]` lines.
pub fn account(id: &str, sender: Option<&str>, tokens: &[(&str, &str)], policy: &str) -> String {
    let sender = sender.map_or(String::new(), |s| format!("default_sender = \"{s}\"\n"));
    let tokens: Vec<String> = tokens
        .iter()
        .map(|(t, scopes)| format!("{{ sha256 = \"{}\", scopes = [{scopes}] }}", sha(t)))
        .collect();
    let policy = if policy.is_empty() {
        String::new()
    } else {
        format!("[accounts.policy]\n{policy}\n")
    };
    format!(
        "[[accounts]]\nid = \"{id}\"\n{sender}webhook = {{ url = \"http://127.0.0.1:9/hook\", secret = \"s\" }}\n\
         tokens = [{}]\n{policy}",
        tokens.join(", ")
    )
}

/// Validates `text` as if it were `dir/smppd.toml`, failing the test with every error.
pub fn load(text: &str, dir: &Path) -> Arc<Config> {
    Arc::new(
        Config::from_str(text, &dir.join("smppd.toml"), dir, &|_| None)
            .unwrap_or_else(|e| panic!("{e}")),
    )
}
