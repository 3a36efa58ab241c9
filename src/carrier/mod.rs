//! Carrier binds: for each carrier, the configured number of binds of each type, kept up with
//! reconnects, sharing one submit rate (governor), and one bounded queue of messages that binds
//! take from as their windows free up, so the least-loaded healthy bind sends next and a dead
//! bind strands nothing.
//!
//! The dispatcher calls [`Carrier::submit`] with a message's encoded submit_sm parts and gets one
//! [`Outcome`] per part. Inbound deliver_sm/data_sm go to the consumer channel given at start as
//! [`Inbound`]s and are answered once the consumer acknowledges them.

mod backoff;
mod config;
mod driver;
mod inbound;
mod job;
mod pacer;
mod status;
mod transport;

use std::num::NonZeroU32;
use std::sync::Arc;

use bytes::Bytes;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

pub use backoff::Backoff;
pub use config::{BindCounts, CarrierConfig, TlsSettings};
pub use inbound::Inbound;
pub use status::{BindSnapshot, BindState, BindStatus};
pub use transport::{Connector, Transport};

pub use crate::session::Outcome;
use job::Job;

/// Why a message could not be handed to a carrier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// No transmitter or transceiver bind is up: try another carrier or later.
    #[error("no bind of carrier {0} is up")]
    NoBind(String),
    /// The carrier is shutting down.
    #[error("carrier {0} is shutting down")]
    Closed(String),
    /// A message needs at least one part.
    #[error("a message needs at least one part")]
    Empty,
    /// The caller stopped waiting before any part was sent: nothing happened.
    #[error("withdrawn from carrier {0} before anything was sent")]
    Withdrawn(String),
}

/// What the binds of one carrier share.
pub(crate) struct Shared {
    pub(crate) name: Arc<str>,
    pub(crate) cfg: CarrierConfig,
    pub(crate) connector: Connector,
    pub(crate) jobs: async_channel::Receiver<Job>,
    requeue: async_channel::Sender<Job>,
    pub(crate) inbound: mpsc::Sender<Inbound>,
    pub(crate) limiter: DefaultDirectRateLimiter,
    pub(crate) wire: crate::metrics::WireMetrics,
    pub(crate) clock: governor::clock::DefaultClock,
    pub(crate) shutdown: CancellationToken,
}

impl Shared {
    /// One submitting bind's share of the carrier's rate.
    pub(crate) fn bind_share(&self) -> f64 {
        let senders = self
            .cfg
            .binds
            .modes()
            .iter()
            .filter(|m| m.can_submit())
            .count();
        f64::from(self.cfg.max_tps) / senders.max(1) as f64
    }

    /// Puts a job that never left this process back in the queue for any bind; if the queue is
    /// full or closed, its caller learns the parts were not sent.
    pub(crate) fn requeue(&self, job: Job) {
        if let Err(e) = self.requeue.try_send(job) {
            let mut job = e.into_inner();
            while !job.is_done() {
                job.record(Outcome::NotSent);
            }
            job.finish();
        }
    }
}

/// A running carrier: its binds and the queue in front of them.
pub struct Carrier {
    shared: Arc<Shared>,
    jobs: async_channel::Sender<Job>,
    binds: Vec<Arc<BindStatus>>,
    tasks: TaskTracker,
}

impl std::fmt::Debug for Carrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Carrier")
            .field("name", &self.shared.name)
            .field("binds", &self.binds.len())
            .finish()
    }
}

/// A carrier, as reported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CarrierSnapshot {
    /// The carrier's name.
    pub name: String,
    /// Messages waiting for a bind.
    pub queued: usize,
    /// Each bind.
    pub binds: Vec<BindSnapshot>,
}

impl Carrier {
    /// Starts every bind of `cfg`; inbound messages go to `inbound`. Must run inside a tokio
    /// runtime. Fails only on a TLS setup error.
    pub fn start(cfg: CarrierConfig, inbound: mpsc::Sender<Inbound>) -> Result<Carrier, String> {
        let connector = Connector::new(&cfg)?;
        let rate = NonZeroU32::new(cfg.max_tps.max(1)).unwrap_or(NonZeroU32::MIN);
        let modes = cfg.binds.modes();
        // Room for every transmitting bind's window twice over: enough to keep windows full,
        // small enough that a carrier that is down holds little in memory.
        let capacity = (cfg.window.max(1) * modes.len().max(1) * 2).max(16);
        let (tx, rx) = async_channel::bounded(capacity);
        let shared = Arc::new(Shared {
            name: Arc::from(cfg.name.as_str()),
            connector,
            jobs: rx,
            requeue: tx.clone(),
            inbound,
            limiter: RateLimiter::direct(Quota::per_second(rate)),
            clock: governor::clock::DefaultClock::default(),
            shutdown: CancellationToken::new(),
            wire: crate::metrics::WireMetrics::new(&cfg.name),
            cfg,
        });
        let tasks = TaskTracker::new();
        let binds: Vec<Arc<BindStatus>> = modes
            .into_iter()
            .enumerate()
            .map(|(id, mode)| Arc::new(BindStatus::new(id, mode, shared.cfg.window)))
            .collect();
        for status in &binds {
            // Every line the bind logs (connects, binds, link losses) says which bind it is.
            let span = tracing::info_span!(
                "bind",
                carrier = %shared.name,
                bind = status.id,
                mode = %status.mode.as_str()
            );
            tasks.spawn(driver::run(shared.clone(), status.clone()).instrument(span));
        }
        tasks.close();
        Ok(Carrier {
            shared,
            jobs: tx,
            binds,
            tasks,
        })
    }

    /// The carrier's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Whether some bind can submit now.
    pub fn is_up(&self) -> bool {
        self.binds.iter().any(|b| b.can_submit())
    }

    /// Sends one message's parts (each an encoded submit_sm; its sequence number is replaced)
    /// in order over one bind and returns each part's outcome. A part that is not accepted ends
    /// the message: the parts after it are `NotSent`. Waits while the queue is full. Dropping
    /// the future withdraws the message if no part has been sent yet.
    pub async fn submit(&self, parts: Vec<Bytes>) -> Result<Vec<Outcome>, SubmitError> {
        self.submit_until(parts, None, &CancellationToken::new())
            .await
    }

    /// [`Carrier::submit`], for a message due since `due_ms` (ms since the epoch, on its first
    /// attempt: measured as ingest-to-wire), withdrawn with [`SubmitError::Withdrawn`] if `stop`
    /// comes before a bind starts it. Once its first part is on the wire it is waited for, so
    /// every outcome is known.
    pub async fn submit_until(
        &self,
        parts: Vec<Bytes>,
        due_ms: Option<u64>,
        stop: &CancellationToken,
    ) -> Result<Vec<Outcome>, SubmitError> {
        if parts.is_empty() {
            return Err(SubmitError::Empty);
        }
        if !self.is_up() {
            return Err(SubmitError::NoBind(self.name().into()));
        }
        let closed = || SubmitError::Closed(self.name().into());
        let (reply, mut answer) = oneshot::channel();
        let job = Job::new(parts, reply, due_ms);
        let claim = job.claim();
        tokio::select! {
            biased;
            sent = self.jobs.send(job) => sent.map_err(|_| closed())?,
            _ = stop.cancelled() => return Err(SubmitError::Withdrawn(self.name().into())),
        }
        tokio::select! {
            biased;
            outcomes = &mut answer => return outcomes.map_err(|_| closed()),
            _ = stop.cancelled() => {}
        }
        if claim.withdraw() {
            return Err(SubmitError::Withdrawn(self.name().into()));
        }
        answer.await.map_err(|_| closed())
    }

    /// Every bind's state, window use, rate and last error.
    pub fn snapshot(&self) -> CarrierSnapshot {
        CarrierSnapshot {
            name: self.name().into(),
            queued: self.jobs.len(),
            binds: self.binds.iter().map(|b| b.snapshot()).collect(),
        }
    }

    /// Unbinds every bind (outstanding responses are awaited, within the response timeout)
    /// and waits for the bind tasks to end.
    pub async fn shutdown(&self) {
        self.shared.shutdown.cancel();
        self.jobs.close();
        self.tasks.wait().await;
    }
}
