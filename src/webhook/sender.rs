//! The handle on all accounts' webhook senders: starts one task per account, wakes a task when
//! its account has new events, reads the counters, and stops the tasks on shutdown.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, info_span, warn};

use super::account::AccountTask;
use super::backoff::Backoff;
use super::client::{Client, ClientError};
use super::source::EventSource;
use super::stats::{Counters, WebhookStats};
use crate::config::Webhook;

/// How events are grouped into POSTs, and how failed POSTs are spaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchLimits {
    /// Most events in one POST. Default 1000: each batch waits for its POST and then for a
    /// commit recording it, one batch at a time, so small batches cap an account's receipts
    /// per second (100 held it near 6,000/s under load).
    pub max_events: usize,
    /// After a wake, how long to wait for more events before sending a partial batch.
    /// Default 50 ms.
    pub max_delay: Duration,
    /// Delays between attempts at a failing batch.
    pub backoff: Backoff,
}

impl Default for BatchLimits {
    fn default() -> Self {
        BatchLimits {
            max_events: 1000,
            max_delay: Duration::from_millis(50),
            backoff: Backoff::default(),
        }
    }
}

/// What the handle keeps per account: the task's wake-up and its counters.
#[derive(Debug)]
struct Slot {
    wake: Arc<Notify>,
    counters: Arc<Counters>,
}

/// The running webhook senders, one per account.
///
/// Dropping it stops the senders as [`shutdown`](Webhooks::shutdown) does, without waiting.
#[derive(Debug)]
pub struct Webhooks {
    slots: HashMap<String, Slot>,
    stop: CancellationToken,
    tasks: TaskTracker,
}

impl Webhooks {
    /// Starts a sender for each account (on the current tokio runtime), all sharing one HTTP
    /// connection pool. Each begins with whatever `source` already holds for its account.
    ///
    /// An account listed twice keeps its first webhook: two senders for one account would
    /// send its events twice.
    pub fn spawn(
        accounts: Vec<(String, Webhook)>,
        source: Arc<dyn EventSource>,
        limits: BatchLimits,
    ) -> Result<Webhooks, ClientError> {
        let client = Client::new()?;
        let stop = CancellationToken::new();
        let tasks = TaskTracker::new();
        let mut slots = HashMap::with_capacity(accounts.len());
        for (account, hook) in accounts {
            if slots.contains_key(&account) {
                warn!(
                    account,
                    "account listed twice; its second webhook is ignored"
                );
                continue;
            }
            let slot = Slot {
                wake: Arc::new(Notify::new()),
                counters: Arc::new(Counters::default()),
            };
            let span = info_span!("webhook", account = %account);
            let task = AccountTask {
                account: account.clone(),
                hook,
                source: source.clone(),
                client: client.clone(),
                limits,
                wake: slot.wake.clone(),
                counters: slot.counters.clone(),
                post_latency: crate::metrics::webhook_post(&account),
                stop: stop.clone(),
            };
            tasks.spawn(task.run().instrument(span));
            slots.insert(account, slot);
        }
        tasks.close();
        Ok(Webhooks { slots, stop, tasks })
    }

    /// Tells `account`'s sender that new events are durably stored. Cheap (no lock, no
    /// allocation); an unknown account is ignored. Wakes that arrive while the sender is busy
    /// are not lost: it looks again as soon as it is free.
    pub fn wake(&self, account: &str) {
        if let Some(slot) = self.slots.get(account) {
            slot.wake.notify_one();
        }
    }

    /// The counters of every account, ordered by account id.
    pub fn stats(&self) -> Vec<WebhookStats> {
        let mut all: Vec<WebhookStats> = self
            .slots
            .iter()
            .map(|(account, slot)| slot.counters.snapshot(account))
            .collect();
        all.sort_by(|a, b| a.account.cmp(&b.account));
        all
    }

    /// The counters of one account, if it has a sender.
    pub fn account_stats(&self, account: &str) -> Option<WebhookStats> {
        self.slots
            .get(account)
            .map(|slot| slot.counters.snapshot(account))
    }

    /// Stops the senders: no new batch is started, a POST under way finishes (within its
    /// webhook's timeout) and is recorded in the source, and a batch waiting to be retried stays
    /// there for the next start. Returns when every sender has ended. Call it before closing the
    /// source, so a finished POST can still be recorded.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        self.tasks.wait().await;
    }
}

impl Drop for Webhooks {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
