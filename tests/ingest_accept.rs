//! From an authorised submission to stored messages and API answers: routing, cost per
//! carrier, senders, validity, held messages, idempotent `client_ref`, and the outbox bound.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::cfg;
use smppd::config::Config;
use smppd::ingest::{Acceptor, Answer, ApiError, Refusal, Submission, parse_submission};
use smppd::message::{Kind, Status};
use smppd::store::{CommitLimits, Outbox};

fn config(max_outbox: u64) -> Arc<Config> {
    let text = [
        cfg::service("", &format!("max_outbox = {max_outbox}")),
        cfg::carrier("spain", 2775, 1),
        cfg::route("+34", &["spain"]),
        cfg::account("acme", Some("ACME"), &[("acme-token", "\"send\"")], ""),
        cfg::account(
            "plain",
            None,
            &[("plain-token", "\"send\"")],
            "unicode = false",
        ),
    ]
    .concat();
    cfg::load(&text, Path::new("/"))
}

fn outbox(name: &str) -> Outbox {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ingest-accept");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&p);
    Outbox::open(&p, CommitLimits::default()).unwrap()
}

fn now() -> jiff::Timestamp {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

/// Parses a body and returns its messages with their field prefixes.
fn requests(body: &str) -> Vec<(String, smppd::ingest::SubmitRequest)> {
    match parse_submission(body.as_bytes(), 1000).unwrap() {
        Submission::Single(r) => vec![(String::new(), r.unwrap())],
        Submission::Batch(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, r)| (format!("messages[{i}]."), r.unwrap()))
            .collect(),
    }
}

async fn accept(a: &Acceptor, account: &str, body: &str) -> Vec<Result<Answer, Refusal>> {
    a.accept(account, requests(body), now()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_messages_are_stored_and_answered() {
    let outbox = outbox("basic");
    let a = Acceptor::new(config(1000), Arc::new(outbox.clone()));
    let answers = accept(
        &a,
        "acme",
        r#"{"to": "+34600111222", "text": "Your code is 1234", "kind": "otp"}"#,
    )
    .await;
    let answer = answers[0].as_ref().unwrap();
    assert_eq!(
        (
            answer.status,
            answer.segments,
            answer.encoding,
            answer.carrier.as_str()
        ),
        ("accepted", 1, "gsm7", "spain")
    );
    let id = answer.id.parse().unwrap();
    let stored = outbox.get(id).unwrap().unwrap();
    assert_eq!(stored.kind, Kind::Otp);
    assert_eq!(stored.status, Status::Queued);
    assert_eq!(
        stored.from,
        (5, 0, "ACME".to_string()),
        "the account's default sender"
    );
    assert_eq!(stored.validity_s, 300, "OTP validity");
    assert_eq!(stored.route, ["spain"]);
    let now_ms = now().as_millisecond() as u64;
    assert_eq!(outbox.due(now_ms, 10).unwrap().len(), 1);

    // A long Cyrillic text: UCS-2, three segments; bulk validity from the default.
    let text = "Привет ".repeat(20);
    let answers = accept(
        &a,
        "acme",
        &format!(r#"{{"to": "+34600111223", "text": "{text}", "from": "12345"}}"#),
    )
    .await;
    let answer = answers[0].as_ref().unwrap();
    assert_eq!((answer.encoding, answer.segments), ("ucs2", 3));
    let stored = outbox.get(answer.id.parse().unwrap()).unwrap().unwrap();
    assert_eq!(stored.from, (3, 0, "12345".to_string()));
    assert_eq!(stored.validity_s, 48 * 3600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_at_holds_and_client_ref_repeats_return_the_first_answer() {
    let outbox = outbox("held");
    let a = Acceptor::new(config(1000), Arc::new(outbox.clone()));
    // The real clock: the store files a client_ref under the time it is written, so a lookup
    // on a fixed clock would miss it once the real day is another.
    let now = jiff::Timestamp::now();
    let send_at = now + jiff::SignedDuration::from_hours(1);
    let body = format!(
        r#"{{"to": "+34600111222", "text": "later", "send_at": "{send_at}", "client_ref": "r1"}}"#
    );
    let accept_now = async || {
        a.accept("acme", requests(&body), now)
            .await
            .unwrap()
            .remove(0)
    };
    let first = accept_now().await.unwrap();
    assert_eq!(first.status, "held");
    let now_ms = now.as_millisecond() as u64;
    assert!(outbox.due(now_ms, 10).unwrap().is_empty());
    assert_eq!(outbox.due(now_ms + 3_600_000, 10).unwrap().len(), 1);
    let again = accept_now().await.unwrap();
    assert_eq!(again, first, "the same answer again");
    assert_eq!(outbox.queued().unwrap(), 1, "nothing stored twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_name_their_field_and_store_nothing() {
    let outbox = outbox("refusals");
    let a = Acceptor::new(config(1000), Arc::new(outbox.clone()));
    let long = "a".repeat(153 * 10 + 1);
    let body = format!(
        r#"{{"messages": [
            {{"to": "+447911123456", "text": "no route"}},
            {{"to": "+34600111222", "text": "{long}"}},
            {{"to": "+34600111222", "text": "Привет", "encoding": "gsm7"}},
            {{"to": "+34600111222", "text": "fine"}}
        ]}}"#
    );
    let answers = accept(&a, "acme", &body).await;
    let codes: Vec<String> = answers
        .iter()
        .map(|r| match r {
            Ok(a) => format!("ok {}", a.status),
            Err(e) => format!("{}: {e}", ApiError::from(e).code),
        })
        .collect();
    assert_eq!(
        codes[0],
        "no_route: messages[0].to: no carrier serves this destination"
    );
    assert!(
        codes[1].starts_with("text_too_long: messages[1].text: "),
        "{}",
        codes[1]
    );
    assert!(
        codes[2].starts_with("invalid_request: messages[2].text: character 'П'"),
        "{}",
        codes[2]
    );
    assert_eq!(codes[3], "ok accepted");
    assert_eq!(outbox.queued().unwrap(), 1);

    let answers = accept(
        &a,
        "plain",
        r#"{"to": "+34600111222", "text": "Привет", "from": "ACME"}"#,
    )
    .await;
    assert_eq!(
        ApiError::from(answers[0].as_ref().unwrap_err()).code,
        "unicode_not_allowed"
    );
    let answers = accept(&a, "plain", r#"{"to": "+34600111222", "text": "hi"}"#).await;
    let err = answers[0].as_ref().unwrap_err();
    assert_eq!(
        err.to_string(),
        "from: required: the account has no default sender"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_bound_answers_overloaded() {
    let outbox = outbox("bound");
    let a = Acceptor::new(config(2), Arc::new(outbox.clone()));
    let body = r#"{"messages": [
        {"to": "+34600111221", "text": "1"}, {"to": "+34600111222", "text": "2"},
        {"to": "+34600111223", "text": "3"}]}"#;
    let answers = accept(&a, "acme", body).await;
    assert!(answers[0].is_ok() && answers[1].is_ok());
    let api = ApiError::from(answers[2].as_ref().unwrap_err());
    assert_eq!((api.status, api.code), (503, "overloaded"));
    assert_eq!(outbox.queued().unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_hours_hold_bulk_until_the_window_ends_on_a_fixed_clock() {
    let text = [
        cfg::service("", ""),
        cfg::carrier("spain", 2775, 1),
        cfg::route("+", &["spain"]),
        cfg::account(
            "night",
            Some("ACME"),
            &[("night-token", "\"send\"")],
            "quiet_hours = { from = \"22:00\", to = \"08:00\", zone = \"recipient\" }",
        ),
    ]
    .concat();
    let outbox = outbox("quiet");
    let a = Acceptor::new(cfg::load(&text, Path::new("/")), Arc::new(outbox.clone()));
    // 23:30 in Madrid (22:30Z in November): quiet there, 17:30 in New York.
    let at: jiff::Timestamp = "2026-11-24T22:30:00Z".parse().unwrap();
    let body = r#"{"messages": [
        {"to": "+34600111222", "text": "bulk to Spain"},
        {"to": "+34600111222", "text": "code 1234", "kind": "otp"},
        {"to": "+12125550123", "text": "bulk to New York"}]}"#;
    let answers = a.accept("night", requests(body), at).await.unwrap();
    let status: Vec<&str> = answers.iter().map(|r| r.as_ref().unwrap().status).collect();
    assert_eq!(status, ["held", "accepted", "accepted"]);
    let held = answers[0].as_ref().unwrap().id.parse().unwrap();
    let m = outbox.get(held).unwrap().unwrap();
    assert_eq!(m.status, Status::Held);
    let release: jiff::Timestamp = "2026-11-25T07:00:00Z".parse().unwrap();
    assert_eq!(
        m.due_ms,
        release.as_millisecond() as u64,
        "08:00 Madrid time"
    );
    // It is not due before the window ends, and due once it has.
    let before = outbox.due(release.as_millisecond() as u64 - 1, 10).unwrap();
    assert!(before.iter().all(|d| d.id != held));
    let after = outbox.due(release.as_millisecond() as u64, 10).unwrap();
    assert!(after.iter().any(|d| d.id == held));
}
