//! Per-account delivery counters: plain atomics written by the account's sender task and read
//! by anyone (admin API, metrics) without locking or disturbing it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Live counters of one account's webhook.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    delivered: AtomicU64,
    batches: AtomicU64,
    failed_attempts: AtomicU64,
    dead_lettered: AtomicU64,
    /// Unix milliseconds of the current batch's first failure; 0 while not retrying.
    retrying_since_ms: AtomicU64,
}

impl Counters {
    pub(crate) fn delivered(&self, events: usize) {
        self.delivered.fetch_add(events as u64, Ordering::Relaxed);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.retrying_since_ms.store(0, Ordering::Relaxed);
    }

    pub(crate) fn failed(&self) {
        self.failed_attempts.fetch_add(1, Ordering::Relaxed);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| (d.as_millis() as u64).max(1));
        // Only the first failure of a batch sets it: it says how long the endpoint has been down.
        let _ =
            self.retrying_since_ms
                .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
    }

    pub(crate) fn dead_lettered(&self, events: usize) {
        self.dead_lettered
            .fetch_add(events as u64, Ordering::Relaxed);
        self.retrying_since_ms.store(0, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, account: &str) -> WebhookStats {
        let since = self.retrying_since_ms.load(Ordering::Relaxed);
        WebhookStats {
            account: account.to_owned(),
            delivered_events: self.delivered.load(Ordering::Relaxed),
            delivered_batches: self.batches.load(Ordering::Relaxed),
            failed_attempts: self.failed_attempts.load(Ordering::Relaxed),
            dead_lettered_events: self.dead_lettered.load(Ordering::Relaxed),
            retrying_since: (since != 0).then(|| UNIX_EPOCH + Duration::from_millis(since)),
        }
    }
}

/// One account's webhook counters at a moment, since the daemon started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookStats {
    /// The account.
    pub account: String,
    /// Events acknowledged by the endpoint.
    pub delivered_events: u64,
    /// POSTs acknowledged by the endpoint.
    pub delivered_batches: u64,
    /// POSTs that failed (error status, timeout, connection error).
    pub failed_attempts: u64,
    /// Events moved to dead letters after their retries ran out.
    pub dead_lettered_events: u64,
    /// When the batch now being retried first failed; `None` while the endpoint is healthy.
    pub retrying_since: Option<SystemTime>,
}
