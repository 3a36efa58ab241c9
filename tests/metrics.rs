//! The operations side through the binary (API.md §4): after a known workload the admin
//! listener's /metrics has the expected counts, /readyz follows the carrier's binds (200 with
//! the SMSC up, 503 naming the carrier once the SMSC process is gone), and GET /v1/carriers
//! shows the binds on the admin listener and, with the admin scope, on the API socket.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::cfg;
use common::daemon::{self, dir, eventually, free_port, start_serve};

const TOKEN: &str = "metrics-send-token";
const ADMIN: &str = "metrics-admin-token";

fn write_config(dir: &Path, sim_port: u16, admin_port: u16) -> PathBuf {
    let mut text = cfg::service_admin("", "", admin_port);
    text.push_str(&cfg::carrier("sim", sim_port, 2));
    text.push_str(&cfg::route("+", &["sim"]));
    text.push_str(&cfg::account(
        "acme",
        Some("ACME"),
        &[(TOKEN, "\"send\", \"read\""), (ADMIN, "\"admin\"")],
        "",
    ));
    let path = dir.join("smppd.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// GET `path` on the admin listener: status and body.
fn admin_get(port: u16, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: smppd\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

/// The value of the series `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (n, rest) = series.split_once('{').unwrap_or((series, "}"));
            if n != name {
                return None;
            }
            let found: Vec<(&str, &str)> = rest
                .trim_end_matches('}')
                .split(',')
                .filter_map(|kv| {
                    let (k, v) = kv.split_once('=')?;
                    Some((k, v.trim_matches('"')))
                })
                .collect();
            labels
                .iter()
                .all(|l| found.contains(l))
                .then(|| value.parse().ok())
                .flatten()
        })
}

fn metrics(port: u16) -> String {
    let (status, body) = admin_get(port, "/metrics");
    assert_eq!(status, 200);
    body
}

fn post(socket: &Path, token: &str, body: &str) -> u16 {
    daemon::request(socket, token, "POST", "/v1/messages", body)
        .unwrap()
        .status
}

#[test]
fn metrics_count_a_known_workload_and_readiness_follows_the_binds() {
    let d = dir("metrics");
    let (sim, sim_port) = daemon::start_sim(&d, &["--dlr-delay", "200ms"]);
    let admin_port = free_port();
    let config = write_config(&d, sim_port, admin_port);
    let _serve = start_serve(&config);
    let socket = d.join("api.sock");

    assert_eq!(admin_get(admin_port, "/healthz"), (200, "ok".to_owned()));
    eventually("/readyz answers 200 with the sim up", || {
        admin_get(admin_port, "/readyz").0 == 200
    });

    for i in 0..10 {
        let body = format!(r#"{{"to": "+3460011{i:04}", "text": "metrics {i}"}}"#);
        assert_eq!(post(&socket, TOKEN, &body), 202);
    }
    let national = r#"{"to": "600111222", "text": "national form"}"#;
    assert_eq!(post(&socket, TOKEN, national), 400);
    assert_eq!(post(&socket, "no-such-token", national), 401);

    let text = metrics(admin_port);
    let count = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels).unwrap_or(0.0);
    assert_eq!(count("smppd_api_responses_total", &[("code", "202")]), 10.0);
    assert_eq!(
        count("smppd_api_accepted_total", &[("account", "acme")]),
        10.0
    );
    assert_eq!(
        count("smppd_api_accepted_segments_total", &[("account", "acme")]),
        10.0
    );
    assert_eq!(
        count("smppd_api_refusals_total", &[("code", "invalid_number")]),
        1.0
    );
    assert_eq!(
        count("smppd_api_refusals_total", &[("code", "unauthorized")]),
        1.0
    );
    assert_eq!(count("smppd_api_responses_total", &[("code", "400")]), 1.0);
    assert_eq!(count("smppd_api_responses_total", &[("code", "401")]), 1.0);
    assert!(text.contains("smppd_api_accept_seconds_bucket"), "{text}");

    eventually("10 submits answered ESME_ROK, the outbox empty", || {
        let text = metrics(admin_port);
        let ok = sample(
            &text,
            "smppd_submits_total",
            &[("carrier", "sim"), ("command_status", "ESME_ROK")],
        );
        let queued = sample(&text, "smppd_outbox_queued", &[]);
        ok == Some(10.0) && queued == Some(0.0)
    });
    eventually("both binds reported up", || {
        let text = metrics(admin_port);
        ["0", "1"].iter().all(|b| {
            sample(&text, "smppd_bind_up", &[("carrier", "sim"), ("bind", b)]) == Some(1.0)
        }) && sample(&text, "smppd_carrier_up", &[("carrier", "sim")]) == Some(1.0)
    });
    eventually("the binds' submit counts sampled", || {
        let text = metrics(admin_port);
        let per_bind = |b| {
            sample(
                &text,
                "smppd_bind_submitted_total",
                &[("carrier", "sim"), ("bind", b)],
            )
            .unwrap_or(0.0)
        };
        per_bind("0") + per_bind("1") == 10.0
    });
    let text = metrics(admin_port);
    assert!(sample(&text, "smppd_store_commits_total", &[]).unwrap_or(0.0) >= 10.0);
    assert!(text.contains("smppd_store_commit_seconds_bucket"), "{text}");
    // One submit_sm→resp per segment, one ingest-to-wire per first attempt, one
    // submit-to-receipt per matched receipt.
    let sim_label = [("carrier", "sim")];
    assert_eq!(
        sample(&text, "smppd_submit_seconds_count", &sim_label),
        Some(10.0)
    );
    assert_eq!(
        sample(&text, "smppd_ingest_to_wire_seconds_count", &sim_label),
        Some(10.0)
    );
    eventually("10 receipts matched and timed", || {
        sample(
            &metrics(admin_port),
            "smppd_submit_to_receipt_seconds_count",
            &[],
        ) == Some(10.0)
    });

    // /v1/carriers, on the admin listener and on the API socket with the admin scope.
    let (status, body) = admin_get(admin_port, "/v1/carriers");
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let carrier = &listed["carriers"][0];
    assert_eq!(carrier["name"], "sim");
    assert_eq!(carrier["up"], true);
    let binds = carrier["binds"].as_array().unwrap();
    assert_eq!(binds.len(), 2);
    assert!(binds.iter().all(|b| b["state"] == "bound"), "{listed}");
    assert!(
        binds.iter().all(|b| b["submits_per_s"].is_number()),
        "{listed}"
    );
    let submitted: u64 = binds.iter().map(|b| b["submitted"].as_u64().unwrap()).sum();
    assert_eq!(submitted, 10);
    let api = daemon::request(&socket, ADMIN, "GET", "/v1/carriers", "").unwrap();
    assert_eq!(api.status, 200);
    assert_eq!(
        api.json["carriers"][0]["binds"].as_array().unwrap().len(),
        2
    );
    let refused = daemon::request(&socket, TOKEN, "GET", "/v1/carriers", "").unwrap();
    assert_eq!(refused.status, 403);

    // The SMSC process goes away: the carrier is down and /readyz says which.
    drop(sim);
    eventually("/readyz answers 503 naming the carrier", || {
        let (status, body) = admin_get(admin_port, "/readyz");
        status == 503
            && serde_json::from_str::<serde_json::Value>(&body)
                .is_ok_and(|v| v["carriers_down"] == serde_json::json!(["sim"]))
    });
    eventually("the bind gauges follow", || {
        sample(
            &metrics(admin_port),
            "smppd_carrier_up",
            &[("carrier", "sim")],
        ) == Some(0.0)
    });
    // The admin listener keeps answering whatever the data path does.
    assert_eq!(admin_get(admin_port, "/healthz").0, 200);
}

#[test]
fn a_reload_changes_the_carriers_the_admin_listener_reports() {
    let d = dir("metrics-reload");
    let (_sim, sim_port) = daemon::start_sim(&d, &[]);
    let admin_port = free_port();
    let config = write_config(&d, sim_port, admin_port);
    let _serve = start_serve(&config);
    let socket = d.join("api.sock");
    eventually("/readyz answers 200 with the sim up", || {
        admin_get(admin_port, "/readyz").0 == 200
    });

    // A second carrier nothing listens for: listed at once, and the daemon is not ready.
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&cfg::carrier("dead", free_port(), 1));
    std::fs::write(&config, text).unwrap();
    let reload = daemon::request(&socket, ADMIN, "POST", "/v1/admin/reload", "").unwrap();
    assert_eq!(reload.status, 200, "{}", reload.json);
    let (status, body) = admin_get(admin_port, "/v1/carriers");
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut names: Vec<&str> = listed["carriers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["dead", "sim"]);
    let (status, body) = admin_get(admin_port, "/readyz");
    assert_eq!(status, 503, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["carriers_down"], serde_json::json!(["dead"]));
}
