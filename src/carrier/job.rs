//! A message's parts on their way through a carrier: sent in order on one bind at a time, each
//! part only after the one before it was accepted. A job still waiting for a bind can be
//! withdrawn by its submitter (a draining daemon); once its first part is on the wire it runs
//! to its end, so its outcome is always recorded.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
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
    /// When the current part was written, for the submit_sm→resp latency.
    sent_at: Option<Instant>,
    /// When the message became due (ms since the epoch), on its first attempt only: for the
    /// ingest-to-wire latency.
    due_ms: Option<u64>,
    claim: Claim,
}

const WAITING: u8 = 0;
const ON_WIRE: u8 = 1;
const WITHDRAWN: u8 = 2;

/// Who gets a job first: a bind sending its first part, or its submitter withdrawing it. Shared
/// by the job and its submitter.
#[derive(Debug, Clone, Default)]
pub(crate) struct Claim(Arc<AtomicU8>);

impl Claim {
    /// The submitter takes the job back; false when a bind already started it (its outcome
    /// will come).
    pub(crate) fn withdraw(&self) -> bool {
        match self
            .0
            .compare_exchange(WAITING, WITHDRAWN, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(state) => state == WITHDRAWN,
        }
    }

    /// A bind is about to send: false when the submitter withdrew the job.
    fn send(&self) -> bool {
        match self
            .0
            .compare_exchange(WAITING, ON_WIRE, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(state) => state == ON_WIRE,
        }
    }
}

impl Job {
    pub(crate) fn new(
        parts: Vec<Bytes>,
        reply: oneshot::Sender<Vec<Outcome>>,
        due_ms: Option<u64>,
    ) -> Self {
        Job {
            outcomes: Vec::with_capacity(parts.len()),
            parts,
            reply: Some(reply),
            throttled_since: None,
            sent_at: None,
            due_ms,
            claim: Claim::default(),
        }
    }

    /// The handle its submitter withdraws it with.
    pub(crate) fn claim(&self) -> Claim {
        self.claim.clone()
    }

    /// Whether the next part may go out: false when the submitter withdrew the job, or stopped
    /// waiting before anything was sent.
    pub(crate) fn may_send(&self) -> bool {
        !self.abandoned() && self.claim.send()
    }

    /// The current part was written at `now`. The first part of a first attempt yields how
    /// long the message waited since it became due (ms); the wall clock is read only then.
    pub(crate) fn sent(&mut self, now: Instant, now_ms: impl FnOnce() -> u64) -> Option<u64> {
        self.sent_at = Some(now);
        if self.outcomes.is_empty() {
            return self.due_ms.take().map(|due| now_ms().saturating_sub(due));
        }
        None
    }

    /// How long the current part has waited for its answer.
    pub(crate) fn answered(&mut self, now: Instant) -> Option<Duration> {
        self.sent_at
            .take()
            .map(|at| now.saturating_duration_since(at))
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
    fn abandoned(&self) -> bool {
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
