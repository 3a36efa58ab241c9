//! Receipts and inbound messages through the binary: `smppd sim` sends receipts (in decimal for
//! hex message ids, and at once, before the daemon has recorded the submit response), the
//! daemon correlates them and a webhook receiver in the test checks every signed batch. The
//! webhook is down for a while and the daemon restarts with events pending: nothing is lost
//! and no event arrives twice. An MO in two parts arrives as one `mo` event.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::cfg;
use common::daemon::{
    Proc, dir, eventually, request, signal, sim_stat, start_serve, start_sim, wait_exit,
};
use common::hook;
use serde_json::Value;

const TOKEN: &str = "acme";

fn write_config(d: &Path, sim_port: u16, url: &str, numbers: &str) -> PathBuf {
    let mut text = cfg::service("", "");
    text.push_str(&cfg::carrier("sim", sim_port, 2));
    text.push_str(&cfg::route("+", &["sim"]));
    text.push_str(
        &cfg::account(
            "acme",
            Some("ACME"),
            &[(TOKEN, "\"send\", \"read\", \"admin\"")],
            "duplicate_window = \"0s\"",
        )
        .replace("tokens = [", &format!("numbers = [{numbers}]\ntokens = [")),
    );
    let path = d.join("smppd.toml");
    std::fs::write(&path, hook::point_at(&text, url)).unwrap();
    path
}

fn send(socket: &Path, to: &str, text: &str) -> String {
    let a = request(
        socket,
        TOKEN,
        "POST",
        "/v1/messages",
        &format!(r#"{{"to": "{to}", "text": "{text}"}}"#),
    )
    .unwrap();
    assert_eq!(a.status, 202, "{}", a.json);
    a.json["id"].as_str().unwrap().to_owned()
}

fn status(socket: &Path, id: &str) -> Value {
    request(socket, TOKEN, "GET", &format!("/v1/messages/{id}"), "")
        .unwrap()
        .json
}

#[test]
fn every_receipt_reaches_the_webhook_signed_once_with_decimal_ids_and_multipart() {
    let d = dir("dlr");
    let receiver = hook::start();
    // Receipts at once (usually before the daemon has recorded the submit_sm_resp), with ids
    // in decimal although submit_sm_resp gives them in hex.
    let (_sim, port) = start_sim(
        &d,
        &[
            "--dlr-delay",
            "0s",
            "--id-format",
            "hex",
            "--dlr-id-format",
            "dec",
        ],
    );
    let config = write_config(&d, port, &receiver.url, "");
    let _serve = start_serve(&config);
    let socket = d.join("api.sock");

    let singles: Vec<String> = (0..40)
        .map(|i| send(&socket, &format!("+3460010{i:04}"), "Your code is ready"))
        .collect();
    let long = "A long message that needs three parts. ".repeat(10);
    let multis: Vec<String> = (0..5)
        .map(|i| send(&socket, &format!("+3460020{i:04}"), &long))
        .collect();

    let seen = receiver.seen.clone();
    eventually("55 segment receipts and 5 final statuses", || {
        seen.of("dlr").len() >= 55 && seen.of("status").len() >= 5
    });
    std::thread::sleep(Duration::from_millis(500));
    let dlrs = seen.of("dlr");
    assert_eq!(dlrs.len(), 55);
    assert_eq!(seen.bad_signatures.load(Ordering::Relaxed), 0);
    let ids = seen.event_ids();
    assert_eq!(
        ids.len(),
        ids.iter().collect::<HashSet<_>>().len(),
        "an event came twice"
    );

    for id in &singles {
        let e: Vec<&Value> = dlrs.iter().filter(|e| e["id"] == id.as_str()).collect();
        assert_eq!(e.len(), 1, "{id}");
        assert_eq!(e[0]["status"], "delivered");
        assert_eq!(e[0]["message_status"], "delivered");
        assert_eq!(
            (e[0]["segment"].as_u64(), e[0]["segments"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(e[0]["carrier"], "sim");
        assert_eq!(status(&socket, id)["status"], "delivered");
    }
    for id in &multis {
        let mut parts: Vec<u64> = dlrs
            .iter()
            .filter(|e| e["id"] == id.as_str())
            .filter_map(|e| e["segment"].as_u64())
            .collect();
        parts.sort_unstable();
        assert_eq!(parts, [1, 2, 3], "{id}");
        let finals = seen.of("status");
        let f: Vec<&Value> = finals.iter().filter(|e| e["id"] == id.as_str()).collect();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0]["status"], "delivered");
        let m = status(&socket, id);
        assert_eq!(m["status"], "delivered");
        let segments = m["segments"].as_array().unwrap();
        assert_eq!(segments.len(), 3);
        for s in segments {
            assert_eq!(s["status"], "delivered");
            assert!(
                s["carrier_message_id"]
                    .as_str()
                    .is_some_and(|c| !c.is_empty())
            );
        }
    }
}

#[test]
fn a_dead_webhook_and_a_restart_lose_no_receipt_and_repeat_none() {
    let d = dir("dlrdown");
    let receiver = hook::start();
    receiver.seen.fail.store(true, Ordering::Relaxed);
    let (_sim, port) = start_sim(&d, &["--dlr-delay", "200ms"]);
    let config = write_config(&d, port, &receiver.url, "");
    let mut serve = start_serve(&config);
    let socket = d.join("api.sock");
    let ids: Vec<String> = (0..20)
        .map(|i| {
            send(
                &socket,
                &format!("+3460030{i:04}"),
                "Receipt while the hook is down",
            )
        })
        .collect();
    // Every receipt is acknowledged to the SMSC (so it is on disk) while the hook fails.
    eventually("the SMSC's receipts are acknowledged", || {
        sim_stat(&d, "receipts_acked") >= 20
    });
    eventually("the webhook was tried", || {
        receiver.seen.refused.load(Ordering::Relaxed) >= 1
    });
    assert!(receiver.seen.of("dlr").is_empty());

    // A restart with every event still waiting; then the hook comes back.
    signal(&serve, "-TERM");
    assert_eq!(wait_exit(&mut serve), Some(0));
    let _serve = start_serve(&config);
    receiver.seen.fail.store(false, Ordering::Relaxed);
    eventually("every receipt reaches the webhook", || {
        receiver.seen.of("dlr").len() >= 20
    });
    std::thread::sleep(Duration::from_millis(500));
    let dlrs = receiver.seen.of("dlr");
    assert_eq!(dlrs.len(), 20);
    let got: HashSet<&str> = dlrs.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect());
    let events = receiver.seen.event_ids();
    assert_eq!(events.len(), events.iter().collect::<HashSet<_>>().len());
}

/// The in-process simulator, for injecting MO messages.
fn sim_in_process(rt: &tokio::runtime::Runtime) -> smppd::sim::SimHandle {
    let cfg = smppd::sim::SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..smppd::sim::SimConfig::default()
    };
    rt.block_on(smppd::sim::start(cfg)).unwrap()
}

fn mo_part(text: &str, part: u8, udh: bool) -> smppd::sim::MoMessage {
    let mut short_message = Vec::new();
    if udh {
        short_message.extend([5, 0, 3, 0x2A, 2, part]);
    }
    short_message.extend(text.as_bytes());
    smppd::sim::MoMessage {
        source_addr: "34600111222".into(),
        source_addr_ton: 1,
        source_addr_npi: 1,
        destination_addr: if udh { "12345" } else { "99999" }.into(),
        dest_addr_ton: 3,
        dest_addr_npi: 0,
        esm_class: if udh { 0x40 } else { 0 },
        data_coding: 0,
        short_message,
        tlvs: Vec::new(),
    }
}

#[test]
fn an_mo_in_two_parts_arrives_as_one_event_and_one_for_no_one_is_kept() {
    let d = dir("mo");
    let receiver = hook::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim_in_process(&rt);
    let config = write_config(&d, sim.local_addr().port(), &receiver.url, "\"12345\"");
    let _serve: Proc = start_serve(&config);
    let socket = d.join("api.sock");
    eventually("the daemon binds", || sim.stats().binds_current >= 1);
    let system_id = "smppd";
    sim.inject_deliver(system_id, mo_part("Hello from ", 1, true))
        .unwrap();
    sim.inject_deliver(system_id, mo_part("a handset", 2, true))
        .unwrap();
    sim.inject_deliver(system_id, mo_part("nobody owns 99999", 1, false))
        .unwrap();
    eventually("the MO event", || !receiver.seen.of("mo").is_empty());
    eventually("the SMSC's messages are acknowledged", || {
        sim.stats().mo_acked >= 3
    });
    let mo = receiver.seen.of("mo");
    assert_eq!(mo.len(), 1, "{mo:?}");
    assert_eq!(mo[0]["text"], "Hello from a handset");
    assert_eq!(mo[0]["from"], "+34600111222");
    assert_eq!(mo[0]["to"], "12345");
    assert_eq!(mo[0]["carrier"], "sim");
    let kept = request(&socket, TOKEN, "GET", "/v1/admin/unmatched", "").unwrap();
    let kept = kept.json["unmatched"].as_array().unwrap().clone();
    assert!(
        kept.iter()
            .any(|k| k["to"] == "99999" && k["text"] == "nobody owns 99999"),
        "{kept:?}"
    );
}
