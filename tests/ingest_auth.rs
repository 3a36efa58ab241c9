//! Bearer tokens against the configured hashes: unknown, expired, wrong scope, wrong network,
//! and the Unix socket (no client address) where networks do not apply.

use std::net::IpAddr;
use std::path::Path;

use sha2::{Digest, Sha256};
use smppd::config::{Config, Scope};
use smppd::ingest::{ApiError, Refusal, TokenBook};

fn sha(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn config() -> Config {
    let text = format!(
        r#"
[api]
socket = "smppd.sock"
[store]
path = "data"
[[carriers]]
name = "sim"
host = "127.0.0.1"
port = 2775
system_id = "smppd"
password = "secret"
binds = {{ transceiver = 1 }}
max_tps = 100
[[routes]]
prefix = "+"
carriers = ["sim"]
[[accounts]]
id = "acme"
webhook = {{ url = "http://127.0.0.1:8099/hook", secret = "s" }}
tokens = [
  {{ sha256 = "{a}", scopes = ["send", "read"] }},
  {{ sha256 = "{old}", scopes = ["send"], expires_at = "2020-01-01T00:00:00Z" }},
  {{ sha256 = "{net}", scopes = ["send"], allow_ips = ["10.1.0.0/16"] }},
]
[[accounts]]
id = "ops"
webhook = {{ url = "http://127.0.0.1:8099/ops", secret = "s" }}
tokens = [{{ sha256 = "{admin}", scopes = ["admin"] }}]
"#,
        a = sha("token-a"),
        old = sha("token-old"),
        net = sha("token-net"),
        admin = sha("token-admin"),
    );
    Config::from_str(
        &text,
        Path::new("test.toml"),
        Path::new("/srv/smppd"),
        &|_| None,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn now() -> jiff::Timestamp {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

fn code(r: Result<smppd::ingest::Caller, Refusal>) -> &'static str {
    ApiError::from(&r.expect_err("refused")).code
}

#[test]
fn tokens_find_their_account_and_scopes() {
    let book = TokenBook::from_config(&config());
    let caller = book
        .authorize(Some("Bearer token-a"), None, now(), Scope::Send)
        .unwrap();
    assert_eq!(&*caller.account, "acme");
    assert_eq!(caller.scopes, [Scope::Send, Scope::Read]);
    let ops = book
        .authorize(Some("Bearer token-admin"), None, now(), Scope::Admin)
        .unwrap();
    assert_eq!(&*ops.account, "ops");
}

#[test]
fn each_refusal() {
    let book = TokenBook::from_config(&config());
    let tcp = |ip: &str| Some(ip.parse::<IpAddr>().unwrap());
    assert_eq!(
        code(book.authorize(None, None, now(), Scope::Send)),
        "unauthorized"
    );
    assert_eq!(
        code(book.authorize(Some("Basic eA=="), None, now(), Scope::Send)),
        "unauthorized"
    );
    assert_eq!(
        code(book.authorize(Some("Bearer "), None, now(), Scope::Send)),
        "unauthorized"
    );
    assert_eq!(
        code(book.authorize(Some("Bearer nope"), None, now(), Scope::Send)),
        "unauthorized"
    );
    let expired = book.authorize(Some("Bearer token-old"), None, now(), Scope::Send);
    assert_eq!(expired.unwrap_err(), Refusal::Unauthorized("expired token"));
    assert_eq!(
        code(book.authorize(Some("Bearer token-a"), None, now(), Scope::Admin)),
        "forbidden"
    );
    assert_eq!(
        book.authorize(Some("Bearer token-a"), None, now(), Scope::Admin)
            .unwrap_err()
            .to_string(),
        "the token lacks the admin scope"
    );
    // Networks apply to TCP clients only.
    assert_eq!(
        code(book.authorize(
            Some("Bearer token-net"),
            tcp("192.0.2.7"),
            now(),
            Scope::Send
        )),
        "ip_not_allowed"
    );
    assert!(
        book.authorize(
            Some("Bearer token-net"),
            tcp("10.1.2.3"),
            now(),
            Scope::Send
        )
        .is_ok()
    );
    assert!(
        book.authorize(Some("Bearer token-net"), None, now(), Scope::Send)
            .is_ok()
    );
    // A token with no networks is usable from anywhere.
    assert!(
        book.authorize(Some("Bearer token-a"), tcp("192.0.2.7"), now(), Scope::Send)
            .is_ok()
    );
}
