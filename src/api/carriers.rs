//! GET /v1/carriers: one JSON shape for the API socket (scope `admin`, API.md §1) and the admin
//! listener (§4), built from the carriers' snapshots.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::{ApiState, Client, admin, admin_answer};
use crate::carrier::{BindState, CarrierSnapshot};

/// Submits per second of each bind (carrier name, bind index) over the last sampling second,
/// written by the daemon's sampler.
pub type SubmitRates = Arc<arc_swap::ArcSwap<HashMap<(String, usize), f64>>>;

/// GET /v1/carriers (on the API socket and the admin listener): per carrier, whether it is
/// up and its queue; per bind, state, window in use, submitted, submits/s (from `rates`),
/// connects, throttles, rate cap and last error.
pub fn carriers_json(
    snapshots: &[CarrierSnapshot],
    rates: &HashMap<(String, usize), f64>,
) -> Value {
    let carriers: Vec<Value> = snapshots
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "up": c.binds.iter().any(|b| b.state == BindState::Bound),
                "queued": c.queued,
                "binds": c.binds.iter().map(|b| json!({
                    "id": b.id,
                    "mode": b.mode,
                    "state": b.state,
                    "window_in_use": b.in_flight,
                    "window": b.window,
                    "submitted": b.submitted,
                    "submits_per_s": rates.get(&(c.name.clone(), b.id)).copied().unwrap_or(0.0),
                    "connects": b.connects,
                    "throttles": b.throttles,
                    "rate_limit": b.rate_limit,
                    "last_error": b.last_error,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "carriers": carriers })
}

pub(super) async fn carriers(
    State(state): State<Arc<ApiState>>,
    client: Client,
    headers: HeaderMap,
) -> Response {
    match admin(&state, &headers, client) {
        Ok(a) => admin_answer(Ok(a.carriers())),
        Err(r) => *r,
    }
}
