//! The operations side of `smppd serve` (API.md §4): the admin listener on `[admin] listen`
//! (GET /metrics, /healthz, /readyz, /v1/carriers) in its own task on its own TCP listener, so
//! it keeps answering while the data path is saturated; and the sampler that copies carrier,
//! store, webhook and account state into the metrics once a second.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::api::{Live, SubmitRates, carriers_json};
use crate::carrier::Carrier;
use crate::store::Outbox;
use crate::webhook::Webhooks;

/// The carriers running now; [`super::control::Control::apply`] replaces the list on reload.
pub(super) type Running = Arc<ArcSwap<Vec<Arc<Carrier>>>>;

/// What the admin listener and the sampler read.
#[derive(Debug, Clone)]
pub(super) struct OpsView {
    pub(super) carriers: Running,
    pub(super) outbox: Outbox,
    pub(super) hooks: Arc<ArcSwap<Webhooks>>,
    pub(super) live: Arc<ArcSwap<Live>>,
    pub(super) rates: SubmitRates,
    /// Cancelled when the drain starts: not ready any more.
    pub(super) draining: CancellationToken,
}

/// Binds `listen` and serves the admin routes until `stop`.
pub(super) async fn spawn_admin(
    listen: std::net::SocketAddr,
    view: OpsView,
    stop: CancellationToken,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen} (admin): {e}"))?;
    info!(listen = %listen, "admin listener: /metrics, /healthz, /readyz, /v1/carriers");
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/v1/carriers", get(carriers))
        .with_state(view);
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await
        {
            warn!(error = %e, "admin listener stopped");
        }
    }))
}

async fn metrics() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::render(),
    )
        .into_response()
}

async fn ready(State(view): State<OpsView>) -> Response {
    let store_open = view.outbox.queued().is_ok();
    let down: Vec<String> = view
        .carriers
        .load()
        .iter()
        .filter(|c| !c.is_up())
        .map(|c| c.name().to_owned())
        .collect();
    let draining = view.draining.is_cancelled();
    if store_open && down.is_empty() && !draining {
        return (StatusCode::OK, axum::Json(json!({"ready": true}))).into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({
            "ready": false, "store_open": store_open, "carriers_down": down, "draining": draining,
        })),
    )
        .into_response()
}

async fn carriers(State(view): State<OpsView>) -> Response {
    let snapshots: Vec<_> = view.carriers.load().iter().map(|c| c.snapshot()).collect();
    let json = carriers_json(&snapshots, &view.rates.load());
    (StatusCode::OK, axum::Json(json)).into_response()
}

/// Copies state into the metrics every second until `stop`.
pub(super) async fn sample(view: OpsView, stop: CancellationToken) {
    let mut last = Submitted::new();
    let mut sampled = crate::metrics::Sampled::default();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        last = sample_once(&view, last, &mut sampled);
        crate::metrics::upkeep();
    }
}

/// Each bind's submit count at the previous sample, and when.
type Submitted = HashMap<(String, usize), (u64, tokio::time::Instant)>;

fn sample_once(
    view: &OpsView,
    last: Submitted,
    sampled: &mut crate::metrics::Sampled,
) -> Submitted {
    let snapshots: Vec<_> = view.carriers.load().iter().map(|c| c.snapshot()).collect();
    crate::metrics::sample_carriers(sampled, &snapshots);
    let now = tokio::time::Instant::now();
    let mut seen = Submitted::new();
    let mut rates = HashMap::new();
    for c in &snapshots {
        for b in &c.binds {
            let key = (c.name.clone(), b.id);
            if let Some((before, at)) = last.get(&key) {
                let secs = now.duration_since(*at).as_secs_f64();
                if secs > 0.0 {
                    rates.insert(
                        key.clone(),
                        b.submitted.saturating_sub(*before) as f64 / secs,
                    );
                }
            }
            seen.insert(key, (b.submitted, now));
        }
    }
    view.rates.store(Arc::new(rates));
    let outbox = &view.outbox;
    if let (Ok(queued), Ok(parked), Ok(unmatched)) =
        (outbox.queued(), outbox.parked(), outbox.unmatched_count())
    {
        crate::metrics::sample_store(queued, parked, unmatched);
    }
    for stats in view.hooks.load().stats() {
        let backlog = outbox.backlog(&stats.account).unwrap_or(0);
        crate::metrics::sample_webhook(sampled, &stats, backlog);
    }
    let live = view.live.load();
    let now = jiff::Timestamp::now();
    let policy = live.acceptor.policy();
    for account in &live.acceptor.config().accounts {
        let Some(rules) = policy.account(&account.id) else {
            continue;
        };
        let quota = rules.quota.as_ref().map(|q| (q.used(now).1, q.limit()));
        let credit = rules.credit.as_ref().map(|c| (c.left(), c.base()));
        crate::metrics::sample_account(&account.id, quota, credit);
    }
    seen
}
