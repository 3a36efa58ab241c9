//! One account's sender: a task that reads the account's waiting events in seq order, POSTs
//! them in batches, and settles each batch in the source (delivered, or dead-lettered once its
//! retries run out) before reading past it. Each account has its own task, so one endpoint's
//! slowness or outage never holds up another's events.

use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::sync::Notify;
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, warn};

use super::backoff::Retry;
use super::client::{Client, Delivery};
use super::sender::BatchLimits;
use super::source::{EventSource, PendingEvent};
use super::stats::Counters;
use crate::config::Webhook;

/// How often a sender looks for events without being woken: picks up a backlog at startup and
/// anything whose wake was missed.
const POLL: Duration = Duration::from_secs(1);

const HEAD: &[u8] = b"{\"events\":[";
const TAIL: &[u8] = b"]}";

/// The request body for a batch: the stored JSON objects as they are, joined, never re-encoded.
pub(crate) fn body(events: &[PendingEvent]) -> Bytes {
    let len = HEAD.len() + TAIL.len() + events.iter().map(|e| e.json.len() + 1).sum::<usize>();
    let mut out = BytesMut::with_capacity(len);
    out.put_slice(HEAD);
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        out.put_slice(&event.json);
    }
    out.put_slice(TAIL);
    out.freeze()
}

/// Which way a batch is settled in the source.
#[derive(Clone, Copy, Debug)]
enum Settle {
    Delivered,
    DeadLetter,
}

/// Everything one account's task owns.
#[derive(Debug)]
pub(crate) struct AccountTask {
    pub(crate) account: String,
    pub(crate) hook: Webhook,
    pub(crate) source: Arc<dyn EventSource>,
    pub(crate) client: Client,
    pub(crate) limits: BatchLimits,
    pub(crate) wake: Arc<Notify>,
    pub(crate) counters: Arc<Counters>,
    /// Registered once per task, so a POST records without a registry lookup.
    pub(crate) post_latency: metrics::Histogram,
    pub(crate) stop: CancellationToken,
}

impl AccountTask {
    /// Runs until `stop` is cancelled; a POST under way when it is finishes and is settled.
    pub(crate) async fn run(self) {
        // Events at or below the cursor are settled (or being settled) by this task; reading
        // after it means a batch whose settlement is slow is not sent twice.
        let mut cursor = 0u64;
        let mut store_failures = 0u32;
        while !self.stop.is_cancelled() {
            let limit = self.limits.max_events.max(1);
            let batch = match self.source.pending(&self.account, cursor, limit) {
                Ok(batch) => {
                    store_failures = 0;
                    batch
                }
                Err(e) => {
                    let delay = self.limits.backoff.delay(store_failures);
                    store_failures = store_failures.saturating_add(1);
                    warn!(error = %e, retry_in = ?delay, "cannot read pending webhook events");
                    if !self.pause(delay).await {
                        break;
                    }
                    continue;
                }
            };
            if batch.is_empty() {
                if !self.idle().await {
                    break;
                }
                continue;
            }
            match self.deliver(&batch).await {
                Some(last) => cursor = last,
                None => break,
            }
        }
        debug!("webhook sender stopped");
    }

    /// Waits for a wake or the next poll; false once stopping.
    ///
    /// After a wake it lingers `max_delay`, so events stored in a burst go in one POST rather
    /// than one POST each.
    async fn idle(&self) -> bool {
        tokio::select! {
            biased;
            () = self.stop.cancelled() => false,
            () = self.wake.notified() => self.pause(self.limits.max_delay).await,
            () = sleep(POLL) => true,
        }
    }

    /// Sleeps `delay`; false if stopping cut it short.
    async fn pause(&self, delay: Duration) -> bool {
        tokio::select! {
            biased;
            () = self.stop.cancelled() => false,
            () = sleep(delay) => true,
        }
    }

    /// POSTs `batch` until acknowledged or out of time, then settles it. Returns the last seq
    /// settled, or `None` if stopping left the batch waiting in the source (it is sent again
    /// after a restart).
    async fn deliver(&self, batch: &[PendingEvent]) -> Option<u64> {
        let seqs: Vec<u64> = batch.iter().map(|e| e.seq).collect();
        let (first, last) = (*seqs.first()?, *seqs.last()?);
        let events = seqs.len();
        let body = body(batch);
        let mut retry: Option<Retry> = None;
        loop {
            let posted = tokio::time::Instant::now();
            let delivery = self.client.post(&self.hook, body.clone()).await;
            self.post_latency.record(posted.elapsed().as_secs_f64());
            match delivery {
                Delivery::Acknowledged => {
                    if !self.settle(Settle::Delivered, &seqs).await {
                        return None;
                    }
                    self.counters.delivered(events);
                    debug!(events, first, last, "webhook batch delivered");
                    return Some(last);
                }
                Delivery::Failed(reason) => {
                    self.counters.failed();
                    let now = Instant::now();
                    let retry = retry.get_or_insert_with(|| Retry::start(now, self.hook.retry_for));
                    match retry.next_delay(&self.limits.backoff, now) {
                        Some(delay) => {
                            warn!(
                                events, first, last, %reason, retry_in = ?delay,
                                "webhook POST failed"
                            );
                            if !self.pause(delay).await {
                                return None;
                            }
                        }
                        None => {
                            error!(
                                events, first, last, %reason,
                                "webhook retries ran out; dead-lettering the batch"
                            );
                            if !self.settle(Settle::DeadLetter, &seqs).await {
                                return None;
                            }
                            self.counters.dead_lettered(events);
                            return Some(last);
                        }
                    }
                }
            }
        }
    }

    /// Records the batch's fate in the source, retrying a failing store until it works or
    /// stopping cuts the wait; false in that case (the batch stays pending, never lost).
    async fn settle(&self, how: Settle, seqs: &[u64]) -> bool {
        let mut failures = 0u32;
        loop {
            let result = match how {
                Settle::Delivered => self.source.delivered(&self.account, seqs.to_vec()).await,
                Settle::DeadLetter => self.source.dead_letter(&self.account, seqs.to_vec()).await,
            };
            let Err(e) = result else {
                return true;
            };
            let delay = self.limits.backoff.delay(failures);
            failures = failures.saturating_add(1);
            warn!(error = %e, ?how, retry_in = ?delay, "cannot record webhook batch in the store");
            if !self.pause(delay).await {
                return false;
            }
        }
    }
}
