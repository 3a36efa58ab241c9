//! The daemon's logs as an operator receives them: `smppd serve` runs as a process with
//! `[log] format = "json"` at info, messages go out and come back as receipts and MO, the
//! daemon is stopped with SIGTERM, and then every line of its standard error is read. Each is a
//! JSON object, the bind's lines carry its span, and the number, the texts, the token, the bind
//! password and the webhook secret appear nowhere. With the default format the lines are text.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::cfg;
use common::daemon::{dir, eventually, request, signal, start_serve_logged, wait_exit};
use common::hook;
use serde_json::Value;

const TOKEN: &str = "tok-Logs-7Qx2w";
const PASSWORD: &str = "pw-Z3k9";
/// The handset: E.164 and as the SMSC writes it (international TON, no `+`).
const NUMBER: &str = "+34611987654";
const DIGITS: &str = "34611987654";
const TEXT: &str = "Zebra-quartz-outbound";
const MO_TEXT: &str = "Walrus-mango-reply";

/// The in-process simulator (for injecting MO), with `PASSWORD` and receipts at once.
fn sim(rt: &tokio::runtime::Runtime) -> smppd::sim::SimHandle {
    let cfg = smppd::sim::SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        password: PASSWORD.into(),
        receipts: smppd::sim::ReceiptConfig {
            delay: Duration::ZERO,
            ..smppd::sim::ReceiptConfig::default()
        },
        ..smppd::sim::SimConfig::default()
    };
    rt.block_on(smppd::sim::start(cfg)).unwrap()
}

fn write_config(d: &Path, sim_port: u16, url: &str, log: &str) -> PathBuf {
    let mut text = cfg::service("", "");
    text.push_str(log);
    text.push_str(&cfg::carrier("sim", sim_port, 2).replace(
        "password = \"secret\"",
        &format!("password = \"{PASSWORD}\""),
    ));
    text.push_str(&cfg::route("+", &["sim"]));
    text.push_str(
        &cfg::account(
            "acme",
            Some("ACME"),
            &[(TOKEN, "\"send\", \"read\"")],
            "duplicate_window = \"0s\"",
        )
        .replace("tokens = [", "numbers = [\"12345\"]\ntokens = ["),
    );
    let path = d.join("smppd.toml");
    std::fs::write(&path, hook::point_at(&text, url)).unwrap();
    path
}

fn mo(from: &str, to: &str, text: &str) -> smppd::sim::MoMessage {
    smppd::sim::MoMessage {
        source_addr: from.into(),
        source_addr_ton: 1,
        source_addr_npi: 1,
        destination_addr: to.into(),
        dest_addr_ton: 3,
        dest_addr_npi: 0,
        esm_class: 0,
        data_coding: 0,
        short_message: text.as_bytes().to_vec(),
        tlvs: Vec::new(),
    }
}

/// Stops the daemon with SIGTERM and returns what it wrote to standard error.
fn stop_and_read(serve: &mut common::daemon::Proc, log: &Path) -> String {
    signal(serve, "-TERM");
    assert_eq!(wait_exit(serve), Some(0));
    std::fs::read_to_string(log).unwrap()
}

#[test]
fn json_lines_carry_the_bind_span_and_never_a_number_text_or_secret() {
    let d = dir("logjson");
    let receiver = hook::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim(&rt);
    let log = d.join("stderr.log");
    let config = write_config(
        &d,
        sim.local_addr().port(),
        &receiver.url,
        "[log]\nformat = \"json\"\nlevel = \"info\"\n",
    );
    let mut serve = start_serve_logged(&config, &log);
    let socket = d.join("api.sock");
    eventually("both binds are up", || sim.stats().binds_current >= 2);

    for _ in 0..3 {
        let body = format!(r#"{{"to": "{NUMBER}", "text": "{TEXT}"}}"#);
        let a = request(&socket, TOKEN, "POST", "/v1/messages", &body).unwrap();
        assert_eq!(a.status, 202, "{}", a.json);
    }
    // One MO for the account, one for a number nobody owns (logged, with the sender masked).
    sim.inject_deliver("smppd", mo(DIGITS, "12345", MO_TEXT))
        .unwrap();
    sim.inject_deliver("smppd", mo(DIGITS, "99999", MO_TEXT))
        .unwrap();
    // A refused token is logged nowhere either.
    let refused = request(&socket, "tok-wrong", "POST", "/v1/messages", "{}").unwrap();
    assert_eq!(refused.status, 401);
    eventually("three receipts and the MO at the webhook", || {
        receiver.seen.of("dlr").len() >= 3 && !receiver.seen.of("mo").is_empty()
    });
    eventually("both MO acknowledged", || sim.stats().mo_acked >= 2);

    let text = stop_and_read(&mut serve, &log);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() >= 4, "{text}");
    assert!(lines.iter().all(|l| l["level"].is_string()), "{text}");
    let bound: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["name"] == "bind" && l["span"]["carrier"] == "sim")
        .collect();
    assert!(
        bound.iter().any(|l| l["message"] == "bound"),
        "no bind line with its span: {text}"
    );
    let binds: Vec<u64> = bound
        .iter()
        .filter_map(|l| l["span"]["bind"].as_u64())
        .collect();
    assert!(binds.contains(&0) && binds.contains(&1), "{text}");
    assert!(
        text.contains("+34611***654"),
        "the unowned MO's masked sender: {text}"
    );
    for secret in [
        DIGITS,
        TEXT,
        MO_TEXT,
        TOKEN,
        "tok-wrong",
        PASSWORD,
        hook::SECRET,
    ] {
        assert!(!text.contains(secret), "{secret:?} in the log:\n{text}");
    }
}

#[test]
fn the_default_format_is_plain_text_with_the_span_in_front() {
    let d = dir("logtext");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim(&rt);
    let log = d.join("stderr.log");
    let config = write_config(&d, sim.local_addr().port(), "http://127.0.0.1:9/hook", "");
    let mut serve = start_serve_logged(&config, &log);
    eventually("both binds are up", || sim.stats().binds_current >= 2);

    let text = stop_and_read(&mut serve, &log);
    assert!(text.lines().count() >= 3, "{text}");
    for line in text.lines() {
        assert!(
            serde_json::from_str::<Value>(line).is_err(),
            "a JSON line: {line}"
        );
        // Not a terminal: no colour codes for journald or a file.
        assert!(!line.contains('\u{1b}'), "{line:?}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("bind{carrier=sim bind=0") && l.contains("bound")),
        "{text}"
    );
    assert!(text.contains(" INFO "), "{text}");
}
