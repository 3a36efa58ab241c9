//! A webhook receiver for tests: an HTTP server on the loopback that checks every batch's
//! signature, records the events, and can be told to fail (answer 500) for a while.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

/// What the receiver saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub fail: AtomicBool,
    pub posts: AtomicU64,
    pub refused: AtomicU64,
    pub bad_signatures: AtomicU64,
    pub events: Mutex<Vec<Value>>,
}

impl Seen {
    /// The events of type `kind` received so far.
    pub fn of(&self, kind: &str) -> Vec<Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == kind)
            .cloned()
            .collect()
    }

    /// Every event_id seen, with repeats.
    pub fn event_ids(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| e["event_id"].as_str().map(str::to_owned))
            .collect()
    }
}

/// A running receiver; stops when dropped.
pub struct Receiver {
    pub url: String,
    pub seen: Arc<Seen>,
    _rt: tokio::runtime::Runtime,
}

/// The shared secret tests configure.
pub const SECRET: &str = "whsec-test";

async fn take(State(seen): State<Arc<Seen>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    seen.posts.fetch_add(1, Ordering::Relaxed);
    if seen.fail.load(Ordering::Relaxed) {
        seen.refused.fetch_add(1, Ordering::Relaxed);
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let signature = headers
        .get("x-smppd-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !smppd::webhook::verify(SECRET.as_bytes(), &body, signature)
        || headers.get("x-smppd-timestamp").is_none()
    {
        seen.bad_signatures.fetch_add(1, Ordering::Relaxed);
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let events = v["events"].as_array().cloned().unwrap_or_default();
    seen.events.lock().unwrap().extend(events);
    StatusCode::NO_CONTENT
}

/// Starts a receiver at `http://127.0.0.1:PORT/hook`.
pub fn start() -> Receiver {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let seen = Arc::new(Seen::default());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(take))
        .with_state(seen.clone());
    rt.spawn(async move { axum::serve(listener, app).await });
    Receiver {
        url: format!("http://127.0.0.1:{port}/hook"),
        seen,
        _rt: rt,
    }
}

/// Points every account of a test config at `url` with [`SECRET`].
pub fn point_at(config_text: &str, url: &str) -> String {
    config_text.replace(
        "webhook = { url = \"http://127.0.0.1:9/hook\", secret = \"s\" }",
        &format!("webhook = {{ url = \"{url}\", secret = \"{SECRET}\" }}"),
    )
}
