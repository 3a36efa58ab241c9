//! `smppd bench` as a black box: the simulator, the daemon and the bench as processes; the
//! bench sends a small mixed load (OTP and bulk, GSM and UCS-2, single and multipart, batches
//! and single requests) and its JSON report must account for every message exactly, and carry
//! the disk probe's summary. No timing is asserted: the machine running the tests may be slow
//! and busy.

mod common;

use std::path::Path;
use std::process::Command;

use common::cfg;
use common::daemon::{BIN, dir, free_port, start_serve, start_sim};
use serde_json::Value;

const TOKEN: &str = "bench";
const SECRET: &str = "whsec-bench";

fn bench(d: &Path, port: u16, pid: u32, batch: &str, messages: u64) -> (bool, Value) {
    let out = Command::new(BIN)
        .args(["bench", "--socket"])
        .arg(d.join("api.sock"))
        .args(["--token", TOKEN, "--webhook-secret", SECRET])
        .args(["--webhook-listen", &format!("127.0.0.1:{port}")])
        .args(["--daemon-pid", &pid.to_string()])
        .args(["--messages", &messages.to_string(), "--batch", batch])
        .args([
            "--concurrency",
            "4",
            "--otp",
            "0.3",
            "--ucs2",
            "0.3",
            "--multipart",
            "0.3",
        ])
        .args(["--drain-timeout", "120s", "--wire-sample", "50"])
        .arg("--sim-stats")
        .arg(d.join("stats.json"))
        .arg("--disk-probe")
        .arg(d)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.success(), report)
}

/// A simulator and a daemon of their own, then the bench with `batch` messages per request.
fn run(name: &str, batch: &str) -> Value {
    let d = dir(name);
    let (_sim, sim_port) = start_sim(&d, &["--dlr-delay", "20ms"]);
    let hook_port = free_port();
    let mut text = cfg::service("max_batch = 1000", "");
    text.push_str(&cfg::carrier("sim", sim_port, 2));
    text.push_str(&cfg::route("+", &["sim"]));
    text.push_str(&cfg::account(
        "acme",
        Some("ACME"),
        &[(TOKEN, "\"send\", \"read\"")],
        "duplicate_window = \"0s\"",
    ));
    let text = text.replace(
        "webhook = { url = \"http://127.0.0.1:9/hook\", secret = \"s\" }",
        &format!(
            "webhook = {{ url = \"http://127.0.0.1:{hook_port}/hook\", secret = \"{SECRET}\" }}"
        ),
    );
    let config = d.join("smppd.toml");
    std::fs::write(&config, text).unwrap();
    let serve = start_serve(&config);
    let (ok, report) = bench(&d, hook_port, serve.0.id(), batch, 300);
    assert!(ok, "{report:#}");
    report
}

fn assert_exact(report: &Value) {
    let a = &report["accounting"];
    assert_eq!(report["all_accounted_for"], true);
    assert_eq!(a["sent"], 300);
    assert_eq!(a["accepted"], 300);
    assert_eq!(a["messages_final"], 300);
    assert_eq!(a["duplicate_events"], 0);
    let segments = a["accepted_segments"].as_u64().unwrap();
    assert!(segments > 300, "some messages are multipart: {segments}");
    assert_eq!(a["dlr_events"], segments);
    assert_eq!(a["receipted_segments"], segments);
    assert_eq!(a["wire"]["submit_sm_accepted"], segments);
    assert_eq!(a["wire"]["receipts_acked"], segments);
    assert!(report["daemon_peak_rss_mib"].as_f64().unwrap() > 0.0);
    assert_eq!(report["latency"]["accept"]["count"], 300);
    assert!(
        report["latency"]["accept_to_wire"]["count"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(report["latency"]["accept_to_webhook"]["count"], 300);
    // The disk probe synced at least once (its unit test checks that it leaves no file).
    let disk = &report["disk_probe"];
    assert!(disk["count"].as_u64().unwrap() > 0, "{disk}");
    assert!(disk["over_20ms"].as_u64().is_some(), "{disk}");
}

#[test]
fn every_message_of_a_mixed_load_in_batches_is_accounted_for() {
    assert_exact(&run("bench-b", "25"));
}

#[test]
fn every_message_of_a_mixed_load_in_single_requests_is_accounted_for() {
    assert_exact(&run("bench-s", "1"));
}
