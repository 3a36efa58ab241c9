//! The load generator: `concurrency` workers, each on its own connection, claim the next
//! batch of message numbers, wait for its slot when a rate is set, POST it and record each
//! accepted message in the ledger. Accept latency is the request's round trip, counted from
//! the batch's scheduled time when a rate is set and the bench is behind it (so a stalled
//! daemon shows up as latency instead of silently slowing the load), and charged to every
//! message of the batch.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use bytes::Bytes;
use hdrhistogram::Histogram;
use serde::Deserialize;
use tokio::time::Instant;

use super::client::UdsClient;
use super::latency;
use super::ledger::{Ledger, ulid};
use super::mix::Mix;

/// The granularity of tokio's timer.
const TIMER_TICK: Duration = Duration::from_millis(1);

/// What the workers share.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The API socket and token.
    pub(crate) socket: std::path::PathBuf,
    /// Bearer token.
    pub(crate) token: String,
    /// Messages in all.
    pub(crate) messages: u64,
    /// Messages per request.
    pub(crate) batch: u64,
    /// Messages per second, 0 for as fast as possible.
    pub(crate) rate: f64,
    /// No batch starts after this.
    pub(crate) deadline: Option<Instant>,
    /// The mix of messages.
    pub(crate) mix: Mix,
    /// Destination prefix.
    pub(crate) prefix: String,
    /// Where time is counted from.
    pub(crate) start: Instant,
    /// The next message number to claim.
    pub(crate) next: AtomicU64,
}

/// What one worker saw.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Accept latency, µs, per accepted message.
    pub(crate) accept: Histogram<u64>,
    /// Messages sent.
    pub(crate) sent: u64,
    /// Messages accepted.
    pub(crate) accepted: u64,
    /// Segments of the accepted messages.
    pub(crate) segments: u64,
    /// Refusals by code (and `http_NNN` for answers the bench could not read).
    pub(crate) refused: BTreeMap<String, u64>,
    /// Requests that failed at the HTTP level (their messages count as refused `transport`).
    pub(crate) transport_errors: u64,
}

#[derive(Deserialize)]
struct Item {
    id: Option<String>,
    segments: Option<u8>,
    error: Option<ErrorBody>,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
}

#[derive(Deserialize)]
struct Results {
    results: Vec<Item>,
}

/// Runs one worker until the plan is exhausted or its deadline passes.
pub(crate) async fn worker(plan: Arc<Plan>, ledger: Arc<Ledger>) -> Outcome {
    let mut out = Outcome {
        accept: latency::histogram(),
        sent: 0,
        accepted: 0,
        segments: 0,
        refused: BTreeMap::new(),
        transport_errors: 0,
    };
    let mut client = None;
    let mut body = String::new();
    loop {
        let first = plan.next.fetch_add(plan.batch, Relaxed);
        if first >= plan.messages {
            break;
        }
        let count = plan.batch.min(plan.messages - first);
        let scheduled = (plan.rate > 0.0)
            .then(|| plan.start + Duration::from_secs_f64(first as f64 / plan.rate));
        // The body is ready before the slot: building it is the bench's work, not latency.
        plan.mix.body(first, count, &plan.prefix, &mut body);
        if let Some(at) = scheduled {
            // tokio's timer fires on a millisecond tick at or after its deadline: aiming one
            // tick early sends on time instead of up to a tick late, and that lateness (the
            // bench's, not the daemon's) is not charged to the request.
            tokio::time::sleep_until(at.checked_sub(TIMER_TICK).unwrap_or(at)).await;
        }
        if plan.deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        // From the slot when the bench is behind it (a stalled daemon shows as latency), from
        // the send when it is early.
        let sent_at = scheduled.map_or_else(Instant::now, |at| at.min(Instant::now()));
        out.sent += count;
        if client.is_none() {
            client = UdsClient::connect(&plan.socket, &plan.token).await.ok();
        }
        let answer = match client.as_mut() {
            Some(c) => c
                .send(
                    "POST",
                    "/v1/messages",
                    Bytes::copy_from_slice(body.as_bytes()),
                )
                .await
                .ok(),
            None => None,
        };
        let Some((status, answer)) = answer else {
            // A broken connection is replaced for the next request.
            client = None;
            out.transport_errors += 1;
            *out.refused.entry("transport".into()).or_default() += count;
            continue;
        };
        let done = Instant::now();
        let micros = u64::try_from(done.duration_since(sent_at).as_micros()).unwrap_or(u64::MAX);
        let now_ns = u64::try_from(done.duration_since(plan.start).as_nanos()).unwrap_or(u64::MAX);
        let items = if count == 1 {
            serde_json::from_slice::<Item>(&answer).map(|i| vec![i])
        } else {
            serde_json::from_slice::<Results>(&answer).map(|r| r.results)
        };
        let Ok(items) = items else {
            *out.refused.entry(format!("http_{status}")).or_default() += count;
            continue;
        };
        for item in items {
            match (item.error, item.id.as_deref().and_then(ulid)) {
                (None, Some(id)) => {
                    let segments = item.segments.unwrap_or(1);
                    ledger.accepted(id, segments, now_ns);
                    out.accepted += 1;
                    out.segments += u64::from(segments);
                    latency::record(&mut out.accept, micros);
                }
                (Some(e), _) => *out.refused.entry(e.code).or_default() += 1,
                (None, None) => *out.refused.entry(format!("http_{status}")).or_default() += 1,
            }
        }
    }
    out
}
