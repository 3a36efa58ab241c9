//! `[[accounts]]`: tenants of the API, their webhook, tokens and inbound numbers.

use std::collections::HashMap;
use std::time::Duration;

use ipnet::IpNet;

use super::{Context, Report, Valid, check_label, policy};
use crate::config::error::KeyPath;
use crate::config::number::{Sender, parse_inbound_number};
use crate::config::raw::{RawAccount, RawScope, RawTimestamp, RawToken, RawWebhook};
use crate::config::secret;
use crate::config::types::{Account, Scope, Token, Webhook};

/// `[[accounts]]`. `max_batch` is `api.max_batch` when that is valid.
pub(super) fn accounts(
    report: &mut Report,
    cx: &Context<'_>,
    path: &KeyPath,
    raw: Option<&[RawAccount]>,
    max_batch: Option<usize>,
) -> Valid<Vec<Account>> {
    let raw = match raw {
        Some(list) if !list.is_empty() => list,
        _ => {
            report.error(path, "at least one [[accounts]] table is required");
            return None;
        }
    };
    let mut valid = Some(Vec::with_capacity(raw.len()));
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut hashes: HashMap<[u8; 32], KeyPath> = HashMap::new();
    let mut numbers: HashMap<&str, KeyPath> = HashMap::new();
    for (i, a) in raw.iter().enumerate() {
        let p = path.index(i);
        let mut account = account(report, cx, &p, a, max_batch);
        // Uniqueness across accounts, each reported where the repeat is written.
        if let Some(id) = a.id.as_deref().filter(|id| !id.is_empty()) {
            if let Some(first) = ids.get(id) {
                report.error(
                    &p.key("id"),
                    format!("{id:?} is already the id of accounts[{first}]"),
                );
                account = None;
            } else {
                ids.insert(id, i);
            }
        }
        for (t, token) in a.tokens.iter().flatten().enumerate() {
            let at = p.key("tokens").index(t).key("sha256");
            let Some(hash) = token.sha256.as_deref().and_then(|h| parse_sha256(h).ok()) else {
                continue;
            };
            if let Some(first) = hashes.get(&hash) {
                report.error(
                    &at,
                    format!("the same token hash is already used at {first}"),
                );
                account = None;
            } else {
                hashes.insert(hash, at);
            }
        }
        for (n, number) in a.numbers.iter().flatten().enumerate() {
            let at = p.key("numbers").index(n);
            if let Some(first) = numbers.get(number.as_str()) {
                report.error(
                    &at,
                    format!("{number:?} already belongs to {first}: inbound messages to it need one owner"),
                );
                account = None;
            } else {
                numbers.insert(number, at);
            }
        }
        match (account, valid.as_mut()) {
            (Some(acc), Some(list)) => list.push(acc),
            _ => valid = None,
        }
    }
    valid
}

fn account(
    report: &mut Report,
    cx: &Context<'_>,
    path: &KeyPath,
    raw: &RawAccount,
    max_batch: Option<usize>,
) -> Valid<Account> {
    let id_path = path.key("id");
    let id = report
        .required(&id_path, raw.id.as_deref())
        .and_then(|id| check_label(report, &id_path, id));
    let default_sender = match raw.default_sender.as_deref() {
        None => Some(None),
        Some(s) => report
            .check(&path.key("default_sender"), Sender::parse(s))
            .map(Some),
    };
    let webhook_path = path.key("webhook");
    let webhook = report
        .required(&webhook_path, raw.webhook.as_ref())
        .and_then(|w| webhook(report, cx, &webhook_path, w));
    let tokens = tokens(report, &path.key("tokens"), raw.tokens.as_deref());
    let mut numbers = Some(Vec::new());
    for (i, n) in raw.numbers.iter().flatten().enumerate() {
        match (
            report.check(&path.key("numbers").index(i), parse_inbound_number(n)),
            numbers.as_mut(),
        ) {
            (Some(n), Some(list)) => list.push(n),
            _ => numbers = None,
        }
    }
    let policy = policy::policy(report, &path.key("policy"), raw.policy.as_ref(), max_batch);
    Some(Account {
        id: id?,
        default_sender: default_sender?,
        webhook: webhook?,
        tokens: tokens?,
        numbers: numbers?,
        policy: policy?,
    })
}

fn webhook(
    report: &mut Report,
    cx: &Context<'_>,
    path: &KeyPath,
    raw: &RawWebhook,
) -> Valid<Webhook> {
    let url_path = path.key("url");
    let url = report
        .required(&url_path, raw.url.as_deref())
        .and_then(|u| report.check(&url_path, check_url(u)));
    let secret_path = path.key("secret");
    let secret = report
        .required(&secret_path, raw.secret.as_ref())
        .and_then(|s| report.check(&secret_path, secret::resolve(s, cx)))
        .and_then(|s| {
            if s.expose().is_empty() {
                report.error(&secret_path, "must not be empty: it signs every webhook");
                return None;
            }
            Some(s)
        });
    let timeout = report.duration(
        &path.key("timeout"),
        raw.timeout.as_deref(),
        Duration::from_secs(10),
        false,
    );
    let retry_for = report.duration(
        &path.key("retry_for"),
        raw.retry_for.as_deref(),
        Duration::from_secs(24 * 3600),
        false,
    );
    Some(Webhook {
        url: url?,
        secret: secret?,
        timeout: timeout?,
        retry_for: retry_for?,
    })
}

fn tokens(report: &mut Report, path: &KeyPath, raw: Option<&[RawToken]>) -> Valid<Vec<Token>> {
    let raw = report.required(path, raw)?;
    if raw.is_empty() {
        report.error(path, "at least one token is required");
        return None;
    }
    let mut valid = Some(Vec::with_capacity(raw.len()));
    for (i, t) in raw.iter().enumerate() {
        match (token(report, &path.index(i), t), valid.as_mut()) {
            (Some(t), Some(list)) => list.push(t),
            _ => valid = None,
        }
    }
    valid
}

fn token(report: &mut Report, path: &KeyPath, raw: &RawToken) -> Valid<Token> {
    let hash_path = path.key("sha256");
    let sha256 = report
        .required(&hash_path, raw.sha256.as_deref())
        .and_then(|h| report.check(&hash_path, parse_sha256(h)));
    let scopes_path = path.key("scopes");
    let scopes = report
        .required(&scopes_path, raw.scopes.as_deref())
        .and_then(|list| {
            if list.is_empty() {
                report.error(&scopes_path, "must name at least one of send, read, admin");
                return None;
            }
            let mut scopes: Vec<Scope> = Vec::with_capacity(list.len());
            let mut ok = true;
            for (i, s) in list.iter().enumerate() {
                let scope = match s {
                    RawScope::Send => Scope::Send,
                    RawScope::Read => Scope::Read,
                    RawScope::Admin => Scope::Admin,
                };
                if scopes.contains(&scope) {
                    report.error(&scopes_path.index(i), format!("{scope:?} is listed twice"));
                    ok = false;
                }
                scopes.push(scope);
            }
            scopes.sort();
            ok.then_some(scopes)
        });
    let expires_at = match &raw.expires_at {
        None => Some(None),
        Some(t) => report
            .check(&path.key("expires_at"), parse_timestamp(t))
            .map(Some),
    };
    let mut allow_ips = Some(Vec::new());
    for (i, net) in raw.allow_ips.iter().flatten().enumerate() {
        match (
            report.check(&path.key("allow_ips").index(i), parse_cidr(net)),
            allow_ips.as_mut(),
        ) {
            (Some(n), Some(list)) => list.push(n),
            _ => allow_ips = None,
        }
    }
    if raw.allow_ips.as_ref().is_some_and(Vec::is_empty) {
        report.error(
            &path.key("allow_ips"),
            "an empty list would refuse every TCP client; remove the key to allow any",
        );
        allow_ips = None;
    }
    Some(Token {
        sha256: sha256?,
        scopes: scopes?,
        expires_at: expires_at?,
        allow_ips: allow_ips?,
    })
}

fn parse_sha256(text: &str) -> Result<[u8; 32], String> {
    let mut hash = [0u8; 32];
    if text.len() != 64 || hex::decode_to_slice(text, &mut hash).is_err() {
        return Err(format!(
            "must be 64 hexadecimal digits (the SHA-256 of the token), not {:?}",
            text.chars().take(70).collect::<String>()
        ));
    }
    Ok(hash)
}

fn parse_timestamp(raw: &RawTimestamp) -> Result<jiff::Timestamp, String> {
    let text = match raw {
        RawTimestamp::Text(t) => t.clone(),
        RawTimestamp::Toml(dt) => {
            if dt.date.is_none() || dt.time.is_none() || dt.offset.is_none() {
                return Err(format!(
                    "{dt} needs a date, a time and a UTC offset, such as 2027-01-01T00:00:00Z"
                ));
            }
            dt.to_string()
        }
    };
    text.parse::<jiff::Timestamp>().map_err(|_| {
        format!("{text:?} is not an RFC 3339 date-time with offset, such as 2027-01-01T00:00:00Z")
    })
}

fn parse_cidr(text: &str) -> Result<IpNet, String> {
    match text.parse::<IpNet>() {
        Ok(net) if net.addr() != net.network() => Err(format!(
            "{text:?} has host bits set: the network is {}/{}",
            net.network(),
            net.prefix_len()
        )),
        Ok(net) => Ok(net),
        Err(_) if text.parse::<std::net::IpAddr>().is_ok() => Err(format!(
            "{text:?} is an address, not a network: write {text}/32 (or /128 for IPv6)"
        )),
        Err(_) => Err(format!(
            "{text:?} is not a network in CIDR form, such as \"10.0.0.0/8\" or \"2001:db8::/32\""
        )),
    }
}

/// An `http://` or `https://` URL with a host (and no credentials: the signature
/// authenticates the request, and a password in a URL ends up in logs).
fn check_url(url: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("{url:?} is not a usable webhook URL: {why}"));
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains spaces or control characters");
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = ["http://", "https://"]
        .iter()
        .find(|s| lower.starts_with(*s))
        .map(|s| &url[s.len()..])
    else {
        return bad("it must start with http:// or https://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return bad("it must not carry a user or password");
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let Some((v6, after)) = inner.split_once(']') else {
            return bad("unclosed [ in the host");
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return bad("the bracketed host is not an IPv6 address");
        }
        (v6, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    if !host_ok {
        return bad("it has no valid host");
    }
    if let Some(p) = port
        && !p.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return bad("the port must be a number from 1 to 65535");
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url("http://127.0.0.1:8099/smppd").is_ok());
        assert!(check_url("https://hooks.example.com/x?y=1").is_ok());
        assert!(check_url("HTTPS://[::1]:443/").is_ok());
        assert!(check_url("ftp://example.com/").is_err());
        assert!(check_url("http:///path").is_err());
        assert!(check_url("http://user:pw@example.com/").is_err());
        assert!(check_url("http://example.com:0/").is_err());
        assert!(check_url("http://example.com:99999/").is_err());
        assert!(check_url("http://exa mple.com/").is_err());
        assert!(check_url("http://[zz]/").is_err());
    }

    #[test]
    fn networks() {
        assert!(parse_cidr("10.0.0.0/8").is_ok());
        assert!(parse_cidr("2001:db8::/32").is_ok());
        let e = parse_cidr("10.0.0.1/8").unwrap_err();
        assert!(e.contains("10.0.0.0/8"), "{e}");
        let e = parse_cidr("10.0.0.1").unwrap_err();
        assert!(e.contains("10.0.0.1/32"), "{e}");
        assert!(parse_cidr("10.0.0.0/33").is_err());
    }

    #[test]
    fn hashes_and_times() {
        assert_eq!(parse_sha256(&"ab".repeat(32)), Ok([0xab; 32]));
        assert_eq!(parse_sha256(&"AB".repeat(32)), Ok([0xab; 32]));
        assert!(parse_sha256(&"ab".repeat(31)).is_err());
        assert!(parse_sha256(&"zz".repeat(32)).is_err());
        let t = parse_timestamp(&RawTimestamp::Text("2027-01-01T00:00:00Z".into())).unwrap();
        assert_eq!(t.as_second(), 1_798_761_600);
        assert!(parse_timestamp(&RawTimestamp::Text("2027-01-01".into())).is_err());
        assert!(parse_timestamp(&RawTimestamp::Text("2027-01-01T00:00:00".into())).is_err());
    }
}
