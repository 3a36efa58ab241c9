//! What each bind is doing, shared between its driver and anyone asking (admin API, pool):
//! atomics on the hot path, a lock only for the rarely written last error.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};

use serde::Serialize;

use crate::session::BindMode;

/// A bind's connection state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BindState {
    /// Waiting before the next connect attempt.
    Backoff,
    /// Opening TCP/TLS.
    Connecting,
    /// bind sent.
    Binding,
    /// Bound: traffic flows.
    Bound,
    /// Unbinding or paused after throttling is shown as `Throttled` while paused.
    Throttled,
    /// Unbind sent, waiting for the answer.
    Unbinding,
    /// Stopped for good (shutdown).
    Stopped,
}

impl BindState {
    fn from_u8(v: u8) -> BindState {
        match v {
            0 => BindState::Backoff,
            1 => BindState::Connecting,
            2 => BindState::Binding,
            3 => BindState::Bound,
            4 => BindState::Throttled,
            5 => BindState::Unbinding,
            _ => BindState::Stopped,
        }
    }
}

/// Live status of one bind.
#[derive(Debug)]
pub struct BindStatus {
    /// Position in the carrier's bind list.
    pub id: usize,
    /// The bind type.
    pub mode: BindMode,
    state: AtomicU8,
    in_flight: AtomicUsize,
    /// Window size.
    pub window: usize,
    submitted: AtomicU64,
    connects: AtomicU64,
    throttles: AtomicU64,
    /// Current AIMD rate cap in submits/s ×1000, 0 when uncapped.
    rate_milli: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl BindStatus {
    pub(crate) fn new(id: usize, mode: BindMode, window: usize) -> Self {
        BindStatus {
            id,
            mode,
            state: AtomicU8::new(BindState::Backoff as u8),
            in_flight: AtomicUsize::new(0),
            window,
            submitted: AtomicU64::new(0),
            connects: AtomicU64::new(0),
            throttles: AtomicU64::new(0),
            rate_milli: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    /// Current state.
    pub fn state(&self) -> BindState {
        BindState::from_u8(self.state.load(Ordering::Relaxed))
    }

    pub(crate) fn set_state(&self, s: BindState) {
        self.state.store(s as u8, Ordering::Relaxed);
    }

    /// Whether submits can go over this bind right now.
    pub fn can_submit(&self) -> bool {
        self.mode.can_submit() && matches!(self.state(), BindState::Bound | BindState::Throttled)
    }

    pub(crate) fn set_in_flight(&self, n: usize) {
        self.in_flight.store(n, Ordering::Relaxed);
    }

    pub(crate) fn count_submit(&self) {
        self.submitted.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_connect(&self) {
        self.connects.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_throttle(&self) {
        self.throttles.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn set_rate(&self, rate: Option<f64>) {
        let milli = rate.map_or(0, |r| (r * 1000.0) as u64);
        self.rate_milli.store(milli, Ordering::Relaxed);
    }

    pub(crate) fn set_error(&self, error: impl Into<String>) {
        if let Ok(mut e) = self.last_error.lock() {
            *e = Some(error.into());
        }
    }

    /// A consistent-enough copy for reporting.
    pub fn snapshot(&self) -> BindSnapshot {
        let rate = self.rate_milli.load(Ordering::Relaxed);
        BindSnapshot {
            id: self.id,
            mode: self.mode,
            state: self.state(),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            window: self.window,
            submitted: self.submitted.load(Ordering::Relaxed),
            connects: self.connects.load(Ordering::Relaxed),
            throttles: self.throttles.load(Ordering::Relaxed),
            rate_limit: (rate > 0).then(|| rate as f64 / 1000.0),
            last_error: self.last_error.lock().ok().and_then(|e| e.clone()),
        }
    }
}

/// One bind, as reported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BindSnapshot {
    /// Position in the carrier's bind list.
    pub id: usize,
    /// The bind type.
    pub mode: BindMode,
    /// Connection state.
    pub state: BindState,
    /// Submits outstanding.
    pub in_flight: usize,
    /// Window size.
    pub window: usize,
    /// Submits sent since start.
    pub submitted: u64,
    /// Successful TCP/TLS connects since start (reconnects = connects − 1).
    pub connects: u64,
    /// Throttle answers received.
    pub throttles: u64,
    /// The bind's own submit rate cap after throttling (AIMD), if any.
    pub rate_limit: Option<f64>,
    /// The last connect, bind or link error.
    pub last_error: Option<String>,
}
