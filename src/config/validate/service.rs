//! `[api]`, `[admin]`, `[store]` and `[shutdown]`: where the daemon listens, keeps its data,
//! and how long it may take to stop.

use std::net::SocketAddr;
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

use super::{Context, Report, Valid, pem};
use crate::config::error::KeyPath;
use crate::config::raw::{RawAdmin, RawApi, RawServerTls, RawShutdown, RawStore};
use crate::config::types::{Admin, Api, ApiTcp, ServerTls, Shutdown, Store};

/// `api.max_batch` when absent (API.md: "default 1000").
const DEFAULT_MAX_BATCH: usize = 1000;
/// `api.max_body_bytes` when absent: a full batch of ten-part texts with room to spare.
const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// `admin.listen` when absent (API.md §4).
const DEFAULT_ADMIN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9464);
/// `shutdown.grace` when absent: well inside the unit's `TimeoutStopSec=60`.
const DEFAULT_GRACE: Duration = Duration::from_secs(30);
/// A Unix socket path is at most 107 bytes on Linux (`sun_path` is 108 with the NUL).
const MAX_SOCKET_PATH: usize = 107;

/// `[api]`.
pub(super) fn api(
    report: &mut Report,
    cx: &Context<'_>,
    path: &KeyPath,
    raw: Option<&RawApi>,
) -> Valid<Api> {
    let empty = RawApi::default();
    let raw = raw.unwrap_or(&empty);
    let socket_path = path.key("socket");
    let socket = report
        .required(&socket_path, raw.socket.as_deref())
        .and_then(|s| report.path(cx, &socket_path, s))
        .and_then(|p| {
            let len = p.as_os_str().as_bytes().len();
            if len > MAX_SOCKET_PATH {
                report.error(
                    &socket_path,
                    format!(
                        "{} is {len} bytes long; a Unix socket path may have at most {MAX_SOCKET_PATH}",
                        p.display()
                    ),
                );
                return None;
            }
            Some(p)
        });
    let tls = match &raw.tls {
        None => Some(None),
        Some(t) => server_tls(report, cx, &path.key("tls"), t).map(Some),
    };
    let tcp_path = path.key("tcp");
    let listen = match raw.tcp.as_deref() {
        None => Some(None),
        Some(text) => report.check(&tcp_path, parse_listen(text)).map(Some),
    };
    let tcp = match (listen, tls) {
        (Some(Some(listen)), Some(tls)) => {
            if tls.is_none() && !listen.ip().to_canonical().is_loopback() {
                report.error(
                    &tcp_path,
                    format!(
                        "{listen} is not a loopback address, so [api.tls] (cert, key) is required: \
                         off this host the API is served over TLS only"
                    ),
                );
                None
            } else {
                Some(Some(ApiTcp { listen, tls }))
            }
        }
        (Some(None), Some(Some(_))) => {
            report.error(
                &path.key("tls"),
                "[api.tls] secures api.tcp, which is not set (the Unix socket needs no TLS)",
            );
            None
        }
        (Some(None), Some(None)) => Some(None),
        _ => None,
    };
    let max_batch = report.int(
        &path.key("max_batch"),
        raw.max_batch,
        1..=100_000,
        DEFAULT_MAX_BATCH,
    );
    let max_body_bytes = report.int(
        &path.key("max_body_bytes"),
        raw.max_body_bytes,
        1024..=(1 << 30),
        DEFAULT_MAX_BODY_BYTES,
    );
    Some(Api {
        socket: socket?,
        tcp: tcp?,
        max_batch: max_batch?,
        max_body_bytes: max_body_bytes?,
    })
}

fn server_tls(
    report: &mut Report,
    cx: &Context<'_>,
    path: &KeyPath,
    raw: &RawServerTls,
) -> Valid<ServerTls> {
    let cert_path = path.key("cert");
    let cert = report
        .required(&cert_path, raw.cert.as_deref())
        .and_then(|c| report.path(cx, &cert_path, c))
        .and_then(|p| report.check(&cert_path, pem::certificates(&p)).map(|()| p));
    let key_path = path.key("key");
    let key = report
        .required(&key_path, raw.key.as_deref())
        .and_then(|k| report.path(cx, &key_path, k))
        .and_then(|p| report.check(&key_path, pem::private_key(&p)).map(|()| p));
    Some(ServerTls {
        cert: cert?,
        key: key?,
    })
}

/// `[admin]`.
pub(super) fn admin(report: &mut Report, path: &KeyPath, raw: Option<&RawAdmin>) -> Valid<Admin> {
    let listen = match raw.and_then(|r| r.listen.as_deref()) {
        None => Some(DEFAULT_ADMIN),
        Some(text) => report.check(&path.key("listen"), parse_listen(text)),
    };
    Some(Admin { listen: listen? })
}

/// `[store]`.
pub(super) fn store(
    report: &mut Report,
    cx: &Context<'_>,
    path: &KeyPath,
    raw: Option<&RawStore>,
) -> Valid<Store> {
    let empty = RawStore::default();
    let raw = raw.unwrap_or(&empty);
    let dir_path = path.key("path");
    let dir = report
        .required(&dir_path, raw.path.as_deref())
        .and_then(|p| report.path(cx, &dir_path, p));
    let dlr_correlation_ttl = report.duration(
        &path.key("dlr_correlation_ttl"),
        raw.dlr_correlation_ttl.as_deref(),
        Duration::from_secs(72 * 3600),
        false,
    );
    let max_outbox = report.int(
        &path.key("max_outbox"),
        raw.max_outbox,
        1..=i64::MAX,
        1_000_000,
    );
    let commit_interval_path = path.key("commit_interval");
    let commit_interval = report
        .duration(
            &commit_interval_path,
            raw.commit_interval.as_deref(),
            Duration::ZERO,
            true,
        )
        .and_then(|d| {
            // Every accepted message waits this long for its 202; beyond a second that is an
            // outage, not batching.
            if d > Duration::from_secs(1) {
                report.error(&commit_interval_path, "must be at most 1s");
                return None;
            }
            Some(d)
        });
    let commit_max_batch = report.int(
        &path.key("commit_max_batch"),
        raw.commit_max_batch,
        1..=100_000,
        1000,
    );
    Some(Store {
        path: dir?,
        dlr_correlation_ttl: dlr_correlation_ttl?,
        max_outbox: max_outbox?,
        commit_interval: commit_interval?,
        commit_max_batch: commit_max_batch?,
        accept_journal: raw.accept_journal.unwrap_or(true),
    })
}

/// `[shutdown]`.
pub(super) fn shutdown(
    report: &mut Report,
    path: &KeyPath,
    raw: Option<&RawShutdown>,
) -> Valid<Shutdown> {
    let grace_path = path.key("grace");
    let grace = report
        .duration(
            &grace_path,
            raw.and_then(|r| r.grace.as_deref()),
            DEFAULT_GRACE,
            true,
        )
        .and_then(|d| {
            // Under systemd, TimeoutStopSec must outlast it; an hour is a hang, not a drain.
            if d > Duration::from_secs(3600) {
                report.error(&grace_path, "must be at most 1h");
                return None;
            }
            Some(d)
        });
    Some(Shutdown { grace: grace? })
}

/// A listener address: an IP address and a port (host names are not resolved for listeners).
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    text.parse().map_err(|_| {
        format!("{text:?} is not an address and port such as \"127.0.0.1:8080\" or \"[::1]:8080\"")
    })
}
