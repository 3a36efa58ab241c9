//! Accept-to-wire latency, read back after the run: for an even sample of accepted messages,
//! `GET /v1/messages/{id}` and take `submitted_at − accepted_at`, both stamped by the daemon
//! (one clock, millisecond resolution; `submitted_at` is when the last segment's
//! submit_sm_resp was recorded). Reading back costs the hot path nothing, unlike a per-message
//! probe, and the sample is spread evenly over the run.

use std::path::Path;

use bytes::Bytes;
use hdrhistogram::Histogram;
use serde::Deserialize;

use super::client::UdsClient;
use super::latency;

#[derive(Deserialize)]
struct Status {
    accepted_at: Option<String>,
    submitted_at: Option<String>,
}

fn millis(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// The histogram (µs) of `submitted_at − accepted_at` over `ids`, read on `connections`
/// connections; messages not submitted yet are left out.
pub(crate) async fn accept_to_wire(
    socket: &Path,
    token: &str,
    ids: Vec<u128>,
    connections: usize,
) -> Histogram<u64> {
    let chunk = ids.len().div_ceil(connections.max(1)).max(1);
    let mut tasks = Vec::new();
    for part in ids.chunks(chunk) {
        let part = part.to_vec();
        let socket = socket.to_path_buf();
        let token = token.to_string();
        tasks.push(tokio::spawn(async move {
            let mut h = latency::histogram();
            let Ok(mut client) = UdsClient::connect(&socket, &token).await else {
                return h;
            };
            for id in part {
                let path = format!("/v1/messages/{}", ulid::Ulid(id));
                let Ok((200, body)) = client.send("GET", &path, Bytes::new()).await else {
                    continue;
                };
                let Ok(s) = serde_json::from_slice::<Status>(&body) else {
                    continue;
                };
                if let (Some(a), Some(w)) = (
                    s.accepted_at.as_deref().and_then(millis),
                    s.submitted_at.as_deref().and_then(millis),
                ) {
                    let ms = u64::try_from(w.saturating_sub(a)).unwrap_or(0);
                    latency::record(&mut h, ms.saturating_mul(1000));
                }
            }
            h
        }));
    }
    let mut all = latency::histogram();
    for t in tasks {
        if let Ok(h) = t.await {
            let _ = all.add(&h);
        }
    }
    all
}
