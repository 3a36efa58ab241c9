//! The submission API through its router (in process): status codes, JSON bodies, auth,
//! per-item batch results, body limits, Retry-After, and status queries scoped to the account.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::cfg;
use smppd::api::{ApiState, router};
use smppd::ingest::Acceptor;
use smppd::store::{CommitLimits, Outbox};
use tower::ServiceExt;

fn app(name: &str, max_outbox: u64) -> axum::Router {
    let text = [
        cfg::service(
            "max_body_bytes = 4096",
            &format!("max_outbox = {max_outbox}"),
        ),
        cfg::carrier("spain", 2775, 1),
        cfg::route("+34", &["spain"]),
        cfg::account(
            "acme",
            Some("ACME"),
            &[
                ("acme-token", "\"send\", \"read\""),
                ("reader-token", "\"read\""),
            ],
            "",
        ),
        cfg::account(
            "other",
            Some("OTHER"),
            &[("other-token", "\"send\", \"read\"")],
            "",
        ),
    ]
    .concat();
    let config = cfg::load(&text, Path::new("/"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("api");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&p);
    let outbox = Outbox::open(&p, CommitLimits::default()).unwrap();
    router(Arc::new(ApiState::new(
        Acceptor::new(config.clone(), Arc::new(outbox.clone())),
        Arc::new(outbox),
    )))
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: &str,
) -> (StatusCode, serde_json::Value, Option<String>) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json, retry)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_then_read_the_status() {
    let app = app("status", 1000);
    let (status, answer, _) = call(
        &app,
        "POST",
        "/v1/messages",
        Some("acme-token"),
        r#"{"to": "+34600111222", "text": "hello", "client_ref": "c1"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["status"], "accepted");
    assert_eq!(answer["segments"], 1);
    assert_eq!(answer["encoding"], "gsm7");
    assert_eq!(answer["carrier"], "spain");
    let id = answer["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 26);

    let (status, m, _) = call(
        &app,
        "GET",
        &format!("/v1/messages/{id}"),
        Some("reader-token"),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(m["id"], id.as_str());
    assert_eq!(m["client_ref"], "c1");
    assert_eq!(m["status"], "queued");
    assert_eq!(m["to"], "+34600111222");
    assert_eq!(m["segments"][0]["n"], 1);
    assert_eq!(m["segments"][0]["status"], "pending");
    assert!(m["accepted_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(m["done_at"], serde_json::Value::Null);

    // Another account sees nothing, and nonsense ids are simply not found.
    let (status, body, _) = call(
        &app,
        "GET",
        &format!("/v1/messages/{id}"),
        Some("other-token"),
        "",
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, _, _) = call(&app, "GET", "/v1/messages/nonsense", Some("acme-token"), "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_and_scopes() {
    let app = app("auth", 1000);
    let body = r#"{"to": "+34600111222", "text": "hello"}"#;
    let (status, err, _) = call(&app, "POST", "/v1/messages", None, body).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (status, _, _) = call(&app, "POST", "/v1/messages", Some("wrong"), body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, err, _) = call(&app, "POST", "/v1/messages", Some("reader-token"), body).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_answer_each_message_and_bad_bodies_are_400() {
    let app = app("batch", 1000);
    let (status, body, _) = call(
        &app,
        "POST",
        "/v1/messages",
        Some("acme-token"),
        r#"{"messages": [{"to": "+34600111222", "text": "a"}, {"to": "0600", "text": "b"}, {"to": "+447911123456", "text": "c"}]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::MULTI_STATUS);
    let r = body["results"].as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["status"], "accepted");
    assert_eq!(r[1]["error"]["code"], "invalid_number");
    assert!(
        r[1]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("messages[1].to: ")
    );
    assert_eq!(r[2]["error"]["code"], "no_route");

    let (status, body, _) = call(&app, "POST", "/v1/messages", Some("acme-token"), "{oops").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let big = format!(
        r#"{{"to": "+34600111222", "text": "{}"}}"#,
        "x".repeat(5000)
    );
    let (status, body, _) = call(&app, "POST", "/v1/messages", Some("acme-token"), &big).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 4096 bytes"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_outbox_answers_503_with_retry_after() {
    let app = app("full", 1);
    let body = r#"{"to": "+34600111222", "text": "one"}"#;
    assert_eq!(
        call(&app, "POST", "/v1/messages", Some("acme-token"), body)
            .await
            .0,
        StatusCode::ACCEPTED
    );
    let (status, err, retry) = call(
        &app,
        "POST",
        "/v1/messages",
        Some("acme-token"),
        r#"{"to": "+34600111222", "text": "two"}"#,
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("overloaded"))
    );
    assert_eq!(retry.as_deref(), Some("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_daemon_refuses_submissions_with_503_but_still_answers_reads() {
    let text = [
        cfg::service("", ""),
        cfg::carrier("spain", 2775, 1),
        cfg::route("+34", &["spain"]),
        cfg::account(
            "acme",
            Some("ACME"),
            &[("acme-token", "\"send\", \"read\"")],
            "",
        ),
    ]
    .concat();
    let config = cfg::load(&text, Path::new("/"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("api");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("draining-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&p);
    let outbox = Outbox::open(&p, CommitLimits::default()).unwrap();
    let state = ApiState::new(
        Acceptor::new(config.clone(), Arc::new(outbox.clone())),
        Arc::new(outbox),
    );
    let draining = state.draining.clone();
    let app = router(Arc::new(state));
    let body = r#"{"to": "+34600111222", "text": "before"}"#;
    let (status, answer, _) = call(&app, "POST", "/v1/messages", Some("acme-token"), body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();

    draining.cancel();
    let body = r#"{"to": "+34600111223", "text": "after"}"#;
    let (status, answer, retry) =
        call(&app, "POST", "/v1/messages", Some("acme-token"), body).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(answer["error"]["code"], "shutting_down");
    assert_eq!(retry.as_deref(), Some("5"));
    // What was accepted before can still be looked up.
    let (status, m, _) = call(
        &app,
        "GET",
        &format!("/v1/messages/{id}"),
        Some("acme-token"),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["status"], "queued");
}
