//! The submission API (API.md §1): HTTP/1.1 with JSON bodies, served on the Unix socket.
//! POST /v1/messages (one message or a batch) and GET /v1/messages/{id}; every refusal is a JSON
//! `{"error": {"code", "message"}}` with the status of the one mapping in `ingest::refusal`.
//! Optionally also on TCP ([`tcp`]), where the client's address is checked against the
//! token's networks.

mod carriers;
pub mod tcp;

pub use carriers::{SubmitRates, carriers_json};

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::config::Scope;
use crate::ingest::{Acceptor, ApiError, Refusal, Submission, TokenBook, parse_submission};
use crate::message::{Message, MessageId};
use crate::store::MessageStore;

/// What a config reload swaps at once: tokens, and the acceptor with its accounts,
/// policies and routes. A request sees one generation from start to end.
#[derive(Debug)]
pub struct Live {
    /// Configured tokens.
    pub tokens: TokenBook,
    /// The accept pipeline.
    pub acceptor: Acceptor,
}

/// A boxed future for [`Admin`].
pub type AdminFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Operations behind the admin calls, provided by the daemon.
pub trait Admin: Send + Sync + std::fmt::Debug {
    /// Re-reads and applies the config: a summary of what changed, or every error found (the
    /// running config then stays).
    fn reload(&self) -> AdminFuture<'_, Result<Value, Vec<String>>>;

    /// An account's dead-lettered webhook events.
    fn dead_letters(&self, account: &str) -> Result<Value, String>;

    /// Puts an account's dead letters back in its webhook queue: how many.
    fn replay(&self, account: String) -> AdminFuture<'_, Result<usize, String>>;

    /// Receipts and inbound messages no message or account could take.
    fn unmatched(&self) -> Result<Value, String>;

    /// Every running carrier and bind, as [`carriers_json`] shows them.
    fn carriers(&self) -> Value;
}

/// What the handlers share.
#[derive(Debug)]
pub struct ApiState {
    /// The current generation of tokens, accounts, policies and routes (shared with
    /// whoever reloads it).
    pub live: Arc<arc_swap::ArcSwap<Live>>,
    /// For status queries.
    pub outbox: Arc<dyn MessageStore>,
    /// Largest request body (fixed for the listener's life).
    pub max_body_bytes: usize,
    /// The admin operations, when the daemon provides them.
    pub admin: Option<Arc<dyn Admin>>,
    /// Cancelled when the daemon starts to drain: submissions are then refused with 503
    /// `shutting_down` (reads still answer).
    pub draining: tokio_util::sync::CancellationToken,
}

impl ApiState {
    /// State for `acceptor`'s config, with no admin operations.
    pub fn new(acceptor: Acceptor, outbox: Arc<dyn MessageStore>) -> ApiState {
        let config = acceptor.config().clone();
        ApiState {
            live: Arc::new(arc_swap::ArcSwap::from_pointee(Live {
                tokens: TokenBook::from_config(&config),
                acceptor,
            })),
            outbox,
            max_body_bytes: config.api.max_body_bytes,
            admin: None,
            draining: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// With admin operations.
    pub fn with_admin(mut self, admin: Arc<dyn Admin>) -> ApiState {
        self.admin = Some(admin);
        self
    }
}

/// The peer address of a TCP client (absent on the Unix socket).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

/// What TCP connections carry into each request.
type Client = Option<axum::Extension<ConnectInfo<ClientAddr>>>;

fn client_addr(c: Client) -> Option<ClientAddr> {
    c.map(|axum::Extension(ConnectInfo(addr))| addr)
}

/// The API's routes.
pub fn router(state: Arc<ApiState>) -> Router {
    let limit = state.max_body_bytes;
    Router::new()
        .route("/v1/messages", post(submit))
        .route("/v1/messages/{id}", get(status))
        .route("/v1/admin/reload", post(reload))
        .route("/v1/admin/dead-letters/{account}", get(dead_letters))
        .route("/v1/admin/dead-letters/{account}/replay", post(replay))
        .route("/v1/admin/unmatched", get(unmatched))
        .route("/v1/carriers", get(carriers::carriers))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

fn refusal(r: &Refusal) -> Response {
    let api = ApiError::from(r);
    crate::metrics::api_refusal(api.status, api.code);
    let status = StatusCode::from_u16(api.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, axum::Json(json!({ "error": api }))).into_response();
    if let Some(s) = api.retry_after_s
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "request failed inside smppd");
    crate::metrics::api_response(500);
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({"error": {"code": "internal_error", "message": e.to_string()}})),
    )
        .into_response()
}

fn authorize(
    live: &Live,
    headers: &HeaderMap,
    client: Option<ClientAddr>,
    scope: Scope,
) -> Result<Arc<str>, Box<Response>> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    live.tokens
        .authorize(
            authorization,
            client.map(|c| c.0),
            jiff::Timestamp::now(),
            scope,
        )
        .map(|c| c.account)
        .map_err(|r| Box::new(refusal(&r)))
}

async fn submit(
    state: State<Arc<ApiState>>,
    client: Client,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = tokio::time::Instant::now();
    let response = submit_messages(state, client, headers, body).await;
    crate::metrics::api_accept_latency(started.elapsed());
    response
}

async fn submit_messages(
    State(state): State<Arc<ApiState>>,
    client: Client,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if state.draining.is_cancelled() {
        return refusal(&Refusal::ShuttingDown);
    }
    let live = state.live.load_full();
    let account = match authorize(&live, &headers, client_addr(client), Scope::Send) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            return refusal(&Refusal::InvalidRequest(format!(
                "the body could not be read (at most {} bytes are accepted): {e}",
                state.max_body_bytes
            )));
        }
    };
    let max = live.acceptor.max_per_request(&account);
    let submission = match parse_submission(&body, max) {
        Ok(s) => s,
        Err(r) => return refusal(&r),
    };
    let (batch, parsed) = match submission {
        Submission::Single(r) => (false, vec![r]),
        Submission::Batch(items) => (true, items),
    };
    // Valid messages go to the acceptor together; refused ones keep their slot.
    let mut slots: Vec<Option<Result<crate::ingest::Answer, Refusal>>> =
        Vec::with_capacity(parsed.len());
    let mut valid = Vec::with_capacity(parsed.len());
    for (i, r) in parsed.into_iter().enumerate() {
        match r {
            Ok(m) => {
                let prefix = if batch {
                    format!("messages[{i}].")
                } else {
                    String::new()
                };
                valid.push((slots.len(), prefix, m));
                slots.push(None);
            }
            Err(e) => slots.push(Some(Err(e))),
        }
    }
    let positions: Vec<usize> = valid.iter().map(|(i, _, _)| *i).collect();
    let requests = valid.into_iter().map(|(_, p, m)| (p, m)).collect();
    let answers = match live
        .acceptor
        .accept(&account, requests, jiff::Timestamp::now())
        .await
    {
        Ok(a) => a,
        Err(e) => return internal(e),
    };
    for (pos, answer) in positions.into_iter().zip(answers) {
        slots[pos] = Some(answer);
    }
    let results: Vec<Result<crate::ingest::Answer, Refusal>> =
        slots.into_iter().flatten().collect();
    let counters = crate::metrics::account(&account);
    for a in results.iter().flatten() {
        counters.accepted(a.segments as u64);
    }
    if !batch {
        return match results.into_iter().next() {
            Some(Ok(answer)) => {
                crate::metrics::api_response(202);
                (StatusCode::ACCEPTED, axum::Json(answer)).into_response()
            }
            Some(Err(r)) => refusal(&r),
            None => internal("no result for the message"),
        };
    }
    let results: Vec<BatchItem<'_>> = results
        .iter()
        .map(|r| match r {
            Ok(a) => BatchItem::Accepted(a),
            Err(e) => {
                let error = ApiError::from(e);
                crate::metrics::api_refused_item(error.code);
                BatchItem::Refused { error }
            }
        })
        .collect();
    crate::metrics::api_response(207);
    (StatusCode::MULTI_STATUS, axum::Json(BatchBody { results })).into_response()
}

/// A batch's 207 body. Serialized straight from the answers: building a `serde_json::Value`
/// per message first cost a map and a string per field. The bytes are the same (fields in
/// declaration order, as `preserve_order` kept them).
#[derive(serde::Serialize)]
struct BatchBody<'a> {
    results: Vec<BatchItem<'a>>,
}

/// One message's result in a batch: its answer, or `{"error": ...}`.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum BatchItem<'a> {
    Accepted(&'a crate::ingest::Answer),
    Refused { error: ApiError },
}

async fn status(
    State(state): State<Arc<ApiState>>,
    client: Client,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = match authorize(
        &state.live.load(),
        &headers,
        client_addr(client),
        Scope::Read,
    ) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let Ok(id) = id.parse::<MessageId>() else {
        return refusal(&Refusal::NotFound);
    };
    match state.outbox.get(id) {
        // Another account's message is as absent as a message that never was.
        Ok(Some(m)) if *m.account == *account => {
            crate::metrics::api_response(200);
            (StatusCode::OK, axum::Json(status_json(&m))).into_response()
        }
        Ok(_) => refusal(&Refusal::NotFound),
        Err(e) => internal(e),
    }
}

/// The admin operations, once the caller has the admin scope.
fn admin(
    state: &ApiState,
    headers: &HeaderMap,
    client: Client,
) -> Result<Arc<dyn Admin>, Box<Response>> {
    authorize(
        &state.live.load(),
        headers,
        client_addr(client),
        Scope::Admin,
    )?;
    state
        .admin
        .clone()
        .ok_or_else(|| Box::new(internal("admin calls are not available in this process")))
}

fn admin_answer(r: Result<Value, String>) -> Response {
    match r {
        Ok(v) => {
            crate::metrics::api_response(200);
            (StatusCode::OK, axum::Json(v)).into_response()
        }
        Err(e) => internal(e),
    }
}

async fn dead_letters(
    State(state): State<Arc<ApiState>>,
    client: Client,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Response {
    match admin(&state, &headers, client) {
        Ok(a) => admin_answer(a.dead_letters(&account)),
        Err(r) => *r,
    }
}

async fn replay(
    State(state): State<Arc<ApiState>>,
    client: Client,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Response {
    match admin(&state, &headers, client) {
        Ok(a) => admin_answer(a.replay(account).await.map(|n| json!({ "replayed": n }))),
        Err(r) => *r,
    }
}

async fn unmatched(
    State(state): State<Arc<ApiState>>,
    client: Client,
    headers: HeaderMap,
) -> Response {
    match admin(&state, &headers, client) {
        Ok(a) => admin_answer(a.unmatched()),
        Err(r) => *r,
    }
}

async fn reload(
    State(state): State<Arc<ApiState>>,
    client: Client,
    headers: HeaderMap,
) -> Response {
    let admin = match admin(&state, &headers, client) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match admin.reload().await {
        Ok(summary) => (StatusCode::OK, axum::Json(summary)).into_response(),
        Err(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"error": {
                "code": "invalid_config",
                "message": "the config was not applied; the running config stays",
                "errors": errors,
            }})),
        )
            .into_response(),
    }
}

fn time(ms: Option<u64>) -> Value {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(i64::try_from(ms).ok()?).ok())
        .map_or(Value::Null, |t| Value::String(t.to_string()))
}

/// A message as GET /v1/messages/{id} shows it.
pub fn status_json(m: &Message) -> Value {
    json!({
        "id": m.id.to_string(),
        "client_ref": m.client_ref,
        "status": m.status,
        "to": m.to,
        "segments": m.segments.iter().enumerate().map(|(i, s)| json!({
            "n": i + 1,
            "carrier": s.carrier,
            "carrier_message_id": s.carrier_message_id,
            "status": s.status,
            "error": s.error,
        })).collect::<Vec<_>>(),
        "accepted_at": time(Some(m.accepted_at_ms)),
        "submitted_at": time(m.submitted_at_ms),
        "done_at": time(m.done_at_ms),
    })
}
