//! The webhook receiver: an axum server on TCP that checks each batch's signature (when the
//! secret is known), reads the events without copying their strings, and records them in the
//! ledger with their arrival time. It answers 204 at once: the bench measures smppd, not a
//! slow receiver.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use tokio::time::Instant;

use super::ledger::{Ledger, ulid};
use crate::webhook::{SIGNATURE_HEADER, verify};

/// The receiver's state and counters.
#[derive(Debug)]
pub(crate) struct Receiver {
    ledger: Arc<Ledger>,
    secret: Option<Vec<u8>>,
    start: Instant,
    /// POSTs received.
    pub(crate) posts: AtomicU64,
    /// POSTs refused for a missing or wrong signature (answered 401; smppd sends them again).
    pub(crate) bad_signatures: AtomicU64,
}

#[derive(Deserialize)]
struct Batch<'a> {
    #[serde(borrow)]
    events: Vec<Event<'a>>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    event_id: Cow<'a, str>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    segment: Option<u32>,
    #[serde(borrow)]
    message_status: Option<Cow<'a, str>>,
}

async fn take(State(rx): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let now_ns = u64::try_from(rx.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    rx.posts.fetch_add(1, Relaxed);
    if let Some(secret) = &rx.secret {
        let signature = headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !verify(secret, &body, signature) {
            rx.bad_signatures.fetch_add(1, Relaxed);
            return StatusCode::UNAUTHORIZED;
        }
    }
    let Ok(batch) = serde_json::from_slice::<Batch<'_>>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let ledger = &rx.ledger;
    for e in batch.events {
        if !ledger.event_id(&e.event_id) {
            continue;
        }
        match e.kind.as_ref() {
            "dlr" => match (e.id.as_deref().and_then(ulid), e.segment) {
                (Some(id), Some(segment)) => {
                    let status = e.message_status.as_deref().unwrap_or("");
                    ledger.receipt(id, segment, status, now_ns);
                }
                _ => {
                    ledger.unreadable_events.fetch_add(1, Relaxed);
                }
            },
            "status" => {
                ledger.status_events.fetch_add(1, Relaxed);
            }
            _ => {
                ledger.other_events.fetch_add(1, Relaxed);
            }
        }
    }
    StatusCode::NO_CONTENT
}

/// Starts the receiver on `addr` (path `/hook`) on the current runtime.
pub(crate) async fn start(
    addr: SocketAddr,
    ledger: Arc<Ledger>,
    secret: Option<Vec<u8>>,
    start: Instant,
) -> std::io::Result<Arc<Receiver>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let rx = Arc::new(Receiver {
        ledger,
        secret,
        start,
        posts: AtomicU64::new(0),
        bad_signatures: AtomicU64::new(0),
    });
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(take))
        .with_state(rx.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(rx)
}
