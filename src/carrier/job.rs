//! A message's parts on their way through a carrier: sent in order on one bind at a time, each
//! part only after the one before it was accepted.

use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::session::Outcome;

/// One message for a carrier: its encoded submit_sm parts and where to send the outcome.
#[derive(Debug)]
pub(crate) struct Job {
    parts: Vec<Bytes>,
    /// Outcomes of the parts done so far, in order.
    outcomes: Vec<Outcome>,
    reply: Option<oneshot::Sender<Vec<Outcome>>>,
    /// When the current part was first throttled.
    throttled_since: Option<Instant>,
}

impl Job {
    pub(crate) fn new(parts: Vec<Bytes>, reply: oneshot::Sender<Vec<Outcome>>) -> Self {
        Job {
            outcomes: Vec::with_capacity(parts.len()),
            parts,
            reply: Some(reply),
            throttled_since: None,
        }
    }

    pub(crate) fn next_part(&self) -> &[u8] {
        &self.parts[self.outcomes.len()]
    }

    pub(crate) fn is_done(&self) -> bool {
        self.outcomes.len() >= self.parts.len()
    }

    /// Whether a part has been answered (a message in progress stays on its bind).
    pub(crate) fn started(&self) -> bool {
        !self.outcomes.is_empty() || self.throttled_since.is_some()
    }

    /// The caller stopped waiting and nothing has been sent yet.
    pub(crate) fn abandoned(&self) -> bool {
        self.outcomes.is_empty() && self.reply.as_ref().is_none_or(|r| r.is_closed())
    }

    /// Records the current part's outcome; a part that failed ends the message, its later parts
    /// reported as not sent.
    pub(crate) fn record(&mut self, outcome: Outcome) {
        let failed = !matches!(outcome, Outcome::Accepted { .. });
        self.outcomes.push(outcome);
        self.throttled_since = None;
        if failed {
            while self.outcomes.len() < self.parts.len() {
                self.outcomes.push(Outcome::NotSent);
            }
        }
    }

    /// The current part was throttled at `now`; whether it should still be retried.
    pub(crate) fn throttled(&mut self, now: Instant, retry_for: Duration) -> bool {
        let since = *self.throttled_since.get_or_insert(now);
        now.saturating_duration_since(since) < retry_for
    }

    /// Sends the outcomes to the caller.
    pub(crate) fn finish(mut self) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(std::mem::take(&mut self.outcomes));
        }
    }
}
