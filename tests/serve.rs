//! `smppd serve` as a black box: the binary, its Unix socket, and `smppd sim` (another process)
//! over TCP. A message goes in over HTTP and reaches the SMSC; a SIGTERM stops cleanly, and
//! under load drains without losing or repeating anything; and a SIGKILL under load loses
//! nothing that was answered 202.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::cfg;
use common::daemon::{self, BIN, Proc, dir, free_port, signal, start_serve, wait_exit};

const TOKEN: &str = "black-box-token";

fn start_sim(dir: &Path) -> (Proc, u16) {
    daemon::start_sim(dir, &[])
}

fn write_config(dir: &Path, sim_port: u16) -> PathBuf {
    write_config_with(dir, &[("sim", sim_port)], 1_000_000)
}

/// A config whose `+` route lists `carriers` (name, port) in failover order.
fn write_config_with(dir: &Path, carriers: &[(&str, u16)], max_outbox: u64) -> PathBuf {
    let names: Vec<&str> = carriers.iter().map(|(n, _)| *n).collect();
    let mut text = cfg::service("", &format!("max_outbox = {max_outbox}"));
    for (name, port) in carriers {
        text.push_str(&cfg::carrier(name, *port, 2));
    }
    text.push_str(&cfg::route("+", &names));
    text.push_str(&cfg::account(
        "acme",
        Some("ACME"),
        &[(TOKEN, "\"send\", \"read\"")],
        "",
    ));
    let path = dir.join("smppd.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// One request with the test's token; the status and the JSON body.
fn http(
    socket: &Path,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, serde_json::Value)> {
    daemon::request(socket, TOKEN, method, path, body).map(|a| (a.status, a.json))
}

fn sim_accepted(dir: &Path) -> u64 {
    daemon::sim_stat(dir, "submit_sm_accepted")
}

#[test]
fn a_message_goes_in_over_http_and_reaches_the_smsc() {
    let d = dir("e2e");
    let (mut sim, port) = start_sim(&d);
    let config = write_config(&d, port);
    let mut serve = start_serve(&config);
    let socket = d.join("api.sock");
    let (status, answer) = http(
        &socket,
        "POST",
        "/v1/messages",
        r#"{"to": "+34600111222", "text": "Hello from the black box"}"#,
    )
    .unwrap();
    assert_eq!(status, 202, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    let mut last = serde_json::Value::Null;
    for _ in 0..600 {
        let (_, m) = http(&socket, "GET", &format!("/v1/messages/{id}"), "").unwrap();
        if m["status"] == "submitted" {
            last = m;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(last["status"], "submitted", "{last}");
    assert!(
        last["segments"][0]["carrier_message_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    // SIGTERM: a clean stop, the socket removed.
    signal(&serve, "-TERM");
    assert_eq!(wait_exit(&mut serve), Some(0));
    assert!(!socket.exists());
    signal(&sim, "-TERM");
    assert_eq!(wait_exit(&mut sim), Some(0));
    let log = std::fs::read_to_string(d.join("submits.jsonl")).unwrap();
    let line: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(line["pdu"]["destination_addr"], "34600111222");
    assert_eq!(
        line["pdu"]["short_message"],
        hex::encode("Hello from the black box")
    );
}

#[test]
fn a_crash_under_load_loses_nothing_that_was_accepted() {
    let d = dir("crash");
    let (mut sim, port) = start_sim(&d);
    let config = write_config(&d, port);
    let mut serve = start_serve(&config);
    let socket = d.join("api.sock");
    let accepted: Arc<Mutex<HashSet<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (accepted, stop, socket) = (accepted.clone(), stop.clone(), socket.clone());
            std::thread::spawn(move || {
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    let dests: Vec<String> =
                        (0..20).map(|i| format!("+3461{c}{n:05}{i:02}")).collect();
                    n += 1;
                    let items: Vec<String> = dests
                        .iter()
                        .map(|d| format!(r#"{{"to": "{d}", "text": "load"}}"#))
                        .collect();
                    let body = format!(r#"{{"messages": [{}]}}"#, items.join(","));
                    // After the kill requests fail: only what was answered counts.
                    if let Ok((207, v)) = http(&socket, "POST", "/v1/messages", &body) {
                        let mut a = accepted.lock().unwrap();
                        for (dest, r) in dests.iter().zip(v["results"].as_array().unwrap()) {
                            if r["status"] == "accepted" {
                                a.insert(dest.trim_start_matches('+').to_owned());
                            }
                        }
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    signal(&serve, "-KILL");
    wait_exit(&mut serve);
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let accepted = accepted.lock().unwrap().clone();
    assert!(
        accepted.len() > 100,
        "only {} accepted before the kill",
        accepted.len()
    );

    // Restarted, the daemon finds everything it had accepted and sends what was not sent.
    let mut serve = start_serve(&config);
    // Duplicates count too, so wait for the SMSC's count to reach the accepted number and then
    // stay put for a second: the restarted daemon has nothing left to send.
    let (mut last, mut still) = (0, 0);
    for _ in 0..1200 {
        let now = sim_accepted(&d);
        still = if now == last { still + 1 } else { 0 };
        last = now;
        if now >= accepted.len() as u64 && still >= 20 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(&serve, "-TERM");
    assert_eq!(wait_exit(&mut serve), Some(0));
    signal(&sim, "-TERM");
    assert_eq!(wait_exit(&mut sim), Some(0));
    let log = std::fs::read_to_string(d.join("submits.jsonl")).unwrap();
    let mut seen = HashSet::new();
    let mut lines = 0;
    for l in log.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        seen.insert(v["pdu"]["destination_addr"].as_str().unwrap().to_owned());
        lines += 1;
    }
    let lost: Vec<&String> = accepted.iter().filter(|d| !seen.contains(*d)).collect();
    assert!(
        lost.is_empty(),
        "{} accepted messages never reached the SMSC, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    // Duplicates can only be messages in flight at the kill: dispatched, but their outcome not
    // yet committed (the binds' windows plus answers waiting for the group commit), which the
    // dispatcher's concurrency bounds. They are sent again rather than lost.
    let duplicates = lines - seen.len();
    assert!(duplicates <= 4096, "{duplicates} duplicates");
}

#[test]
fn a_sigterm_under_load_drains_unbinds_and_loses_nothing() {
    let d = dir("drain");
    let (mut sim, port) = start_sim(&d);
    // A slow carrier, so a backlog is queued when the signal comes.
    let config = write_config(&d, port);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("max_tps = 100000"));
    std::fs::write(
        &config,
        text.replace("max_tps = 100000", "max_tps = 2000") + "\n[shutdown]\ngrace = \"30s\"\n",
    )
    .unwrap();
    let mut serve = start_serve(&config);
    let socket = d.join("api.sock");
    let accepted: Arc<Mutex<HashSet<String>>> = Arc::default();
    let answers: Arc<Mutex<Vec<String>>> = Arc::default();
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (accepted, answers, socket) = (accepted.clone(), answers.clone(), socket.clone());
            std::thread::spawn(move || {
                for n in 0..150u32 {
                    let dests: Vec<String> =
                        (0..20).map(|i| format!("+3462{c}{n:05}{i:02}")).collect();
                    let items: Vec<String> = dests
                        .iter()
                        .map(|d| format!(r#"{{"to": "{d}", "text": "drain"}}"#))
                        .collect();
                    let body = format!(r#"{{"messages": [{}]}}"#, items.join(","));
                    match http(&socket, "POST", "/v1/messages", &body) {
                        Ok((207, v)) => {
                            let mut a = accepted.lock().unwrap();
                            for (dest, r) in dests.iter().zip(v["results"].as_array().unwrap()) {
                                assert_eq!(r["status"], "accepted", "{r}");
                                a.insert(dest.trim_start_matches('+').to_owned());
                            }
                        }
                        Ok((status, v)) => {
                            answers
                                .lock()
                                .unwrap()
                                .push(format!("{status} {}", v["error"]["code"]));
                        }
                        // The daemon has gone.
                        Err(_) => break,
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    signal(&serve, "-TERM");
    assert_eq!(wait_exit(&mut serve), Some(0), "a drain exits 0");
    for c in clients {
        c.join().unwrap();
    }
    // Every refusal was the drain's.
    for a in answers.lock().unwrap().iter() {
        assert_eq!(a, "503 \"shutting_down\"");
    }
    let accepted = accepted.lock().unwrap().clone();
    assert!(accepted.len() > 100, "only {} accepted", accepted.len());
    eprintln!(
        "{} accepted, {} at the SMSC when the daemon stopped, {} refused while draining",
        accepted.len(),
        sim_accepted(&d),
        answers.lock().unwrap().len()
    );
    // Both binds said goodbye.
    common::daemon::eventually("both binds unbound", || daemon::sim_stat(&d, "unbind") == 2);

    // The backlog leaves after a restart, and nothing goes twice: the windows in flight at the
    // signal were answered and recorded before the daemon stopped.
    let mut serve = start_serve(&config);
    common::daemon::eventually("every accepted message at the SMSC", || {
        sim_accepted(&d) >= accepted.len() as u64
    });
    signal(&serve, "-TERM");
    assert_eq!(wait_exit(&mut serve), Some(0));
    signal(&sim, "-TERM");
    assert_eq!(wait_exit(&mut sim), Some(0));
    let log = std::fs::read_to_string(d.join("submits.jsonl")).unwrap();
    let mut seen = HashSet::new();
    for l in log.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let dest = v["pdu"]["destination_addr"].as_str().unwrap().to_owned();
        assert!(
            accepted.contains(&dest),
            "{dest} was sent but never accepted"
        );
        assert!(seen.insert(dest.clone()), "{dest} was sent twice");
    }
    assert_eq!(
        seen.len(),
        accepted.len(),
        "accepted messages missing at the SMSC"
    );
}

#[test]
fn batches_idempotency_and_the_bound_through_the_socket() {
    let d = dir("api");
    // The carrier is down: everything accepted stays queued, so the bound is reached.
    let config = write_config_with(&d, &[("down", free_port())], 4);
    let mut serve = start_serve(&config);
    let socket = d.join("api.sock");

    let (status, v) = http(
        &socket,
        "POST",
        "/v1/messages",
        r#"{"messages": [
        {"to": "+34600111222", "text": "good", "client_ref": "ref-1"},
        {"to": "600111222", "text": "national form"},
        {"to": "+34600111223", "text": ""}]}"#,
    )
    .unwrap();
    assert_eq!(status, 207, "{v}");
    let r = v["results"].as_array().unwrap();
    assert_eq!(r[0]["status"], "accepted");
    assert_eq!(r[1]["error"]["code"], "invalid_number");
    assert_eq!(r[2]["error"]["code"], "empty_text");
    assert_eq!(
        r[2]["error"]["message"],
        "messages[2].text: the text is empty"
    );

    // The same client_ref again: the first answer, nothing stored twice.
    let (status, again) = http(
        &socket,
        "POST",
        "/v1/messages",
        r#"{"to": "+34600111222", "text": "good", "client_ref": "ref-1"}"#,
    )
    .unwrap();
    assert_eq!(status, 202);
    assert_eq!(again["id"], r[0]["id"]);

    // Fill the outbox to its bound of 4; the next is refused and nothing is stored.
    let body = r#"{"messages": [{"to": "+34600000001", "text": "a"}, {"to": "+34600000002", "text": "b"}, {"to": "+34600000003", "text": "c"}, {"to": "+34600000004", "text": "d"}]}"#;
    let (status, v) = http(&socket, "POST", "/v1/messages", body).unwrap();
    assert_eq!(status, 207);
    let codes: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["status"].as_str().map_or_else(
                || x["error"]["code"].as_str().unwrap().to_owned(),
                str::to_owned,
            )
        })
        .collect();
    assert_eq!(codes, ["accepted", "accepted", "accepted", "overloaded"]);
    let (status, v) = http(
        &socket,
        "POST",
        "/v1/messages",
        r#"{"to": "+34600000005", "text": "e"}"#,
    )
    .unwrap();
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (503, Some("overloaded"))
    );
    signal(&serve, "-TERM");
    assert_eq!(wait_exit(&mut serve), Some(0));
}

#[test]
fn failover_and_a_carrier_that_comes_up_later() {
    let d = dir("failover");
    let (mut sim, port) = start_sim(&d);
    // The first carrier of the route is dead: everything goes to the second.
    let config = write_config_with(&d, &[("dead", free_port()), ("sim", port)], 1_000_000);
    let mut serve = start_serve(&config);
    let socket = d.join("api.sock");
    let (status, v) = http(
        &socket,
        "POST",
        "/v1/messages",
        r#"{"to": "+34600111222", "text": "via the second"}"#,
    )
    .unwrap();
    assert_eq!(status, 202, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let mut m = serde_json::Value::Null;
    for _ in 0..600 {
        m = http(&socket, "GET", &format!("/v1/messages/{id}"), "")
            .unwrap()
            .1;
        if m["status"] == "submitted" {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(m["status"], "submitted", "{m}");
    assert_eq!(m["segments"][0]["carrier"], "sim");
    signal(&serve, "-TERM");
    assert_eq!(wait_exit(&mut serve), Some(0));
    signal(&sim, "-TERM");
    wait_exit(&mut sim);

    // A carrier that is down: messages wait, then go once it is up.
    let d = dir("down-up");
    let port = free_port();
    let config = write_config_with(&d, &[("later", port)], 1_000_000);
    let mut serve = start_serve(&config);
    let socket = d.join("api.sock");
    let mut ids = Vec::new();
    for i in 0..5 {
        let (status, v) = http(
            &socket,
            "POST",
            "/v1/messages",
            &format!(r#"{{"to": "+3460011122{i}", "text": "wait for it"}}"#),
        )
        .unwrap();
        assert_eq!(status, 202);
        ids.push(v["id"].as_str().unwrap().to_owned());
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        http(&socket, "GET", &format!("/v1/messages/{}", ids[0]), "")
            .unwrap()
            .1["status"],
        "queued"
    );
    let mut sim = Proc(
        Command::new(BIN)
            .args([
                "sim",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--dlr-delay",
                "1h",
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for id in &ids {
        let mut status = serde_json::Value::Null;
        for _ in 0..600 {
            status = http(&socket, "GET", &format!("/v1/messages/{id}"), "")
                .unwrap()
                .1["status"]
                .clone();
            if status == "submitted" {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(status, "submitted", "{id}");
    }
    signal(&serve, "-TERM");
    assert_eq!(wait_exit(&mut serve), Some(0));
    signal(&sim, "-TERM");
    wait_exit(&mut sim);
}

#[test]
fn a_drain_past_its_grace_period_stops_anyway_and_keeps_the_events() {
    let d = dir("grace");
    let (mut sim, port) = daemon::start_sim(&d, &["--dlr-delay", "50ms"]);
    // A webhook that takes the connection and never answers: its POST outlasts the grace.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", silent.local_addr().unwrap());
    let config = write_config(&d, port);
    let text = std::fs::read_to_string(&config).unwrap();
    let text = common::hook::point_at(&text, &url)
        .replace("[[accounts]]", "[shutdown]\ngrace = \"1s\"\n\n[[accounts]]");
    assert!(text.contains(&url), "the webhook was not set:\n{text}");
    std::fs::write(&config, text).unwrap();
    let mut serve = start_serve(&config);
    let socket = d.join("api.sock");
    let (status, answer) = http(
        &socket,
        "POST",
        "/v1/messages",
        r#"{"to": "+34600111222", "text": "grace"}"#,
    )
    .unwrap();
    assert_eq!(status, 202, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    common::daemon::eventually("the receipt stored", || {
        http(&socket, "GET", &format!("/v1/messages/{id}"), "")
            .is_ok_and(|(_, m)| m["status"] == "delivered")
    });
    // The sender is now stuck in its POST.
    let (_held, _) = silent.accept().unwrap();
    // The drain is cut at 1 s; the stop must not then wait for the sender that still holds the
    // store (wait_exit gives up at 30 s).
    signal(&serve, "-TERM");
    assert_eq!(wait_exit(&mut serve), Some(0));

    // The event was not lost: a restarted daemon with a working webhook delivers it.
    let hook = common::hook::start();
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(&url, &hook.url);
    std::fs::write(&config, text).unwrap();
    let mut serve = start_serve(&config);
    common::daemon::eventually("the dlr at the webhook", || {
        hook.seen.of("dlr").iter().any(|e| e["id"] == id.as_str())
    });
    signal(&serve, "-TERM");
    assert_eq!(wait_exit(&mut serve), Some(0));
    signal(&sim, "-TERM");
    assert_eq!(wait_exit(&mut sim), Some(0));
}
