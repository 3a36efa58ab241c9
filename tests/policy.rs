//! Account policy through the binary: every rule and refusal code over the Unix socket with
//! `smppd serve` and `smppd sim` as processes; parallel requests against quota and credit;
//! the duplicate window across a restart; and config reload by SIGHUP and by the admin call.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::cfg;
use common::daemon::{
    Answer, Proc, dir, eventually, request, signal, sim_stat, start_serve, start_sim,
};
use serde_json::Value;

/// The sim, the daemon on `accounts` (each account's token is its id), and the socket.
struct Setup {
    dir: PathBuf,
    socket: PathBuf,
    config: PathBuf,
    sim_port: u16,
    _sim: Proc,
    serve: Option<Proc>,
}

fn config_text(sim_port: u16, window: u32, accounts: &[(&str, &str)]) -> String {
    let mut text = cfg::service("", "");
    text.push_str(&cfg::carrier("sim", sim_port, 1).replace(
        "binds = { transceiver = 1 }",
        &format!("binds = {{ transceiver = 1 }}\nwindow = {window}"),
    ));
    text.push_str(&cfg::route("+", &["sim"]));
    for (id, policy) in accounts {
        text.push_str(&cfg::account(
            id,
            Some("ACME"),
            &[(id, "\"send\", \"read\", \"admin\"")],
            policy,
        ));
    }
    text
}

fn setup(name: &str, accounts: &[(&str, &str)]) -> Setup {
    let d = dir(name);
    let (sim, sim_port) = start_sim(&d, &[]);
    let config = d.join("smppd.toml");
    std::fs::write(&config, config_text(sim_port, 64, accounts)).unwrap();
    let serve = start_serve(&config);
    Setup {
        socket: d.join("api.sock"),
        dir: d,
        config,
        sim_port,
        _sim: sim,
        serve: Some(serve),
    }
}

impl Setup {
    fn send(&self, account: &str, body: &str) -> Answer {
        request(&self.socket, account, "POST", "/v1/messages", body).unwrap()
    }

    fn restart(&mut self) {
        let mut old = self.serve.take().unwrap();
        signal(&old, "-TERM");
        common::daemon::wait_exit(&mut old);
        self.serve = Some(start_serve(&self.config));
    }
}

/// Quiet hours from two hours ago to two hours ahead (UTC), whatever the time of day.
fn quiet_now() -> String {
    let now = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let hour = |h: i32| (i32::from(now.hour()) + h).rem_euclid(24);
    format!(
        "quiet_hours = {{ from = \"{:02}:00\", to = \"{:02}:00\", zone = \"UTC\" }}",
        hour(-2),
        hour(2)
    )
}

fn one(to: &str, text: &str) -> String {
    format!(r#"{{"to": "{to}", "text": "{text}"}}"#)
}

fn code(a: &Answer) -> &str {
    a.json["error"]["code"].as_str().unwrap_or("")
}

#[test]
fn each_rule_refuses_with_its_own_code_and_stores_nothing() {
    let quiet = quiet_now();
    let s = setup(
        "policy",
        &[
            ("geo", "countries = [\"GB\", \"ES\"]"),
            ("ascii", "unicode = false"),
            ("small", "max_per_request = 2"),
            ("slow", "rate = \"1/h\""),
            ("quota", "daily_quota = 3"),
            ("quiet", quiet.as_str()),
        ],
    );
    // Country allow-list, with numbering-plan data: +44 7911 is Guernsey, +1 242 the Bahamas.
    let gb = s.send("geo", &one("+447400123456", "hi"));
    assert_eq!(
        (gb.status, gb.json["country"].as_str()),
        (202, Some("GB")),
        "{:?}",
        gb.json
    );
    for (to, country) in [("+447911123456", "GG"), ("+12423456789", "BS")] {
        let a = s.send("geo", &one(to, "hi"));
        assert_eq!((a.status, code(&a)), (403, "country_not_allowed"), "{to}");
        let message = a.json["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(country) && message.starts_with("to:"),
            "{message}"
        );
    }

    // Unicode permission.
    let a = s.send("ascii", &one("+34600111222", "Привет"));
    assert_eq!((a.status, code(&a)), (403, "unicode_not_allowed"));
    assert!(
        a.json["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("text:")
    );
    assert_eq!(s.send("ascii", &one("+34600111222", "Hola")).status, 202);

    // The per-request maximum.
    let three = format!(
        r#"{{"messages": [{}, {}, {}]}}"#,
        one("+34600000001", "a"),
        one("+34600000002", "b"),
        one("+34600000003", "c")
    );
    let a = s.send("small", &three);
    assert_eq!((a.status, code(&a)), (400, "too_many_messages"));

    // The rate limit: one message an hour, with Retry-After.
    assert_eq!(s.send("slow", &one("+34600111222", "first")).status, 202);
    let a = s.send("slow", &one("+34600111222", "second"));
    assert_eq!((a.status, code(&a)), (429, "rate_limited"));
    let retry: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");

    // The daily quota, counted in segments: 2 + 2 does not fit in 3, 2 + 1 does.
    let two_segments = "x".repeat(200);
    assert_eq!(
        s.send("quota", &one("+34600111222", &two_segments)).status,
        202
    );
    let a = s.send("quota", &one("+34600111223", &two_segments));
    assert_eq!((a.status, code(&a)), (429, "daily_quota_exceeded"));
    assert!(a.header("retry-after").is_some());
    assert_eq!(s.send("quota", &one("+34600111224", "short")).status, 202);

    // Quiet hours hold bulk; OTP goes.
    let bulk = s.send("quiet", &one("+34600111222", "bulk"));
    assert_eq!(
        (bulk.status, bulk.json["status"].as_str()),
        (202, Some("held"))
    );
    let otp = s.send(
        "quiet",
        r#"{"to": "+34600111222", "text": "code 1234", "kind": "otp"}"#,
    );
    assert_eq!(
        (otp.status, otp.json["status"].as_str()),
        (202, Some("accepted"))
    );

    // Refused messages were never stored: the sim saw exactly the accepted, unheld ones
    // (geo 1, ascii 1, slow 1, quota 2 + 1 segments, otp 1).
    eventually("the accepted messages reach the sim", || {
        sim_stat(&s.dir, "submit_sm_accepted") == 7
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(sim_stat(&s.dir, "submit_sm_accepted"), 7);
    let held = request(
        &s.socket,
        "quiet",
        "GET",
        &format!("/v1/messages/{}", bulk.json["id"].as_str().unwrap()),
        "",
    )
    .unwrap();
    assert_eq!(held.json["status"], "held");
}

#[test]
fn parallel_requests_never_overspend_quota_or_credit() {
    let s = Arc::new(setup(
        "spend",
        &[("credit", "credit = 5"), ("quota", "daily_quota = 7")],
    ));
    for (account, limit, refusal) in [
        ("credit", 5, "credit_exhausted"),
        ("quota", 7, "daily_quota_exceeded"),
    ] {
        let accepted = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (s, accepted) = (s.clone(), accepted.clone());
                std::thread::spawn(move || {
                    for i in 0..4 {
                        let a = s.send(account, &one(&format!("+346001{t:02}{i:03}"), "x"));
                        match a.status {
                            202 => {
                                accepted.fetch_add(1, Ordering::Relaxed);
                            }
                            429 => assert_eq!(code(&a), refusal),
                            other => panic!("{other}: {}", a.json),
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(accepted.load(Ordering::Relaxed), limit, "{account}");
    }
}

#[test]
fn a_client_ref_retry_is_charged_once() {
    let s = setup("charge", &[("credit", "credit = 2")]);
    let body = r#"{"to": "+34600111222", "text": "once", "client_ref": "order-1"}"#;
    let first = s.send("credit", body);
    assert_eq!(first.status, 202);
    for _ in 0..3 {
        let again = s.send("credit", body);
        assert_eq!((again.status, &again.json["id"]), (202, &first.json["id"]));
    }
    assert_eq!(s.send("credit", &one("+34600111223", "second")).status, 202);
    let a = s.send("credit", &one("+34600111224", "third"));
    assert_eq!((a.status, code(&a)), (429, "credit_exhausted"));
    // The retry still answers after the credit ran out: it costs nothing.
    assert_eq!(s.send("credit", body).json["id"], first.json["id"]);
}

#[test]
fn duplicates_are_refused_with_the_first_id_even_after_a_restart() {
    let mut s = setup("dups", &[("acme", ""), ("other", "")]);
    let first = s.send("acme", &one("+34600111222", "Your order shipped"));
    assert_eq!(first.status, 202);
    let id = first.json["id"].clone();
    let dup = s.send("acme", &one("+34600111222", "Your order shipped"));
    assert_eq!((dup.status, code(&dup)), (409, "duplicate"));
    assert_eq!(dup.json["error"]["id"], id);
    // Another number, another text or another account is not a duplicate.
    assert_eq!(
        s.send("acme", &one("+34600111223", "Your order shipped"))
            .status,
        202
    );
    assert_eq!(
        s.send("acme", &one("+34600111222", "Your order arrived"))
            .status,
        202
    );
    assert_eq!(
        s.send("other", &one("+34600111222", "Your order shipped"))
            .status,
        202
    );

    s.restart();
    let dup = s.send("acme", &one("+34600111222", "Your order shipped"));
    assert_eq!(
        (dup.status, code(&dup)),
        (409, "duplicate"),
        "{:?}",
        dup.json
    );
    assert_eq!(dup.json["error"]["id"], id);
}

#[test]
fn credit_spent_survives_a_restart_and_a_new_balance_in_the_config_tops_up() {
    let mut s = setup("topup", &[("credit", "credit = 1")]);
    assert_eq!(s.send("credit", &one("+34600111222", "a")).status, 202);
    s.restart();
    let a = s.send("credit", &one("+34600111223", "b"));
    assert_eq!((a.status, code(&a)), (429, "credit_exhausted"));
    std::fs::write(
        &s.config,
        config_text(s.sim_port, 64, &[("credit", "credit = 2")]),
    )
    .unwrap();
    let r = request(&s.socket, "credit", "POST", "/v1/admin/reload", "").unwrap();
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(s.send("credit", &one("+34600111224", "c")).status, 202);
    assert_eq!(s.send("credit", &one("+34600111225", "d")).status, 202);
    assert_eq!(s.send("credit", &one("+34600111226", "e")).status, 429);
}

fn binds_ok(d: &Path) -> u64 {
    sim_stat(d, "binds_ok")
}

#[test]
fn reload_swaps_policy_keeps_unchanged_binds_and_refuses_a_bad_file() {
    let s = setup("reload", &[("acme", "")]);
    eventually("the bind is up", || binds_ok(&s.dir) == 1);
    assert_eq!(s.send("acme", &one("+447400123456", "before")).status, 202);

    // SIGHUP with an allow-list: British numbers are refused from then on; the bind stays.
    std::fs::write(
        &s.config,
        config_text(s.sim_port, 64, &[("acme", "countries = [\"ES\"]")]),
    )
    .unwrap();
    signal(s.serve.as_ref().unwrap(), "-HUP");
    eventually("the reload applies", || {
        s.send("acme", &one("+447400123456", "after")).status == 403
    });
    assert_eq!(s.send("acme", &one("+34600111222", "after")).status, 202);
    assert_eq!(binds_ok(&s.dir), 1, "an unchanged carrier keeps its bind");

    // A bad file is refused with its errors; the running config stays.
    std::fs::write(&s.config, "[api]\nsocket = 7\n").unwrap();
    let r = request(&s.socket, "acme", "POST", "/v1/admin/reload", "").unwrap();
    assert_eq!((r.status, code(&r)), (422, "invalid_config"), "{}", r.json);
    let errors: Vec<&str> = r.json["error"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("api.socket")),
        "{errors:?}"
    );
    assert_eq!(s.send("acme", &one("+447400123456", "still")).status, 403);
    assert_eq!(s.send("acme", &one("+34600111222", "still")).status, 202);

    // A changed carrier is restarted; the reload says so.
    std::fs::write(&s.config, config_text(s.sim_port, 32, &[("acme", "")])).unwrap();
    let r = request(&s.socket, "acme", "POST", "/v1/admin/reload", "").unwrap();
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["carriers"]["restarted"][0], "sim");
    eventually("the new bind is up", || binds_ok(&s.dir) == 2);
    assert_eq!(
        s.send("acme", &one("+447400123456", "open again")).status,
        202
    );

    // The admin call needs the admin scope.
    let text = config_text(s.sim_port, 32, &[("acme", "")])
        .replace("\"send\", \"read\", \"admin\"", "\"send\", \"read\"");
    std::fs::write(&s.config, text).unwrap();
    assert_eq!(
        request(&s.socket, "acme", "POST", "/v1/admin/reload", "")
            .unwrap()
            .status,
        200
    );
    let r = request(&s.socket, "acme", "POST", "/v1/admin/reload", "").unwrap();
    assert_eq!((r.status, code(&r)), (403, "forbidden"));
}
