//! Fault injection: the [`Faults`] settings, the board that lets them change at run time, the
//! per-second rate window behind `throttle_above_tps`, and the verdict for one submission.
//!
//! Connections keep their own copy of the settings and re-read the board only when its version
//! changes, so the hot path takes no lock.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::pdu::CommandStatus;

/// What goes wrong on purpose. The default injects nothing.
///
/// Fractions are probabilities in [0, 1], drawn independently per submission in this order:
/// no answer, throttled above the rate, throttled by fraction, error. A submission that draws a
/// fault gets no message id and no receipt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Share of submissions answered ESME_RTHROTTLED.
    pub throttle_fraction: f64,
    /// Submissions beyond this many per second (whole simulator) are answered ESME_RTHROTTLED.
    pub throttle_above_tps: Option<u32>,
    /// Share of submissions answered with `error_status`.
    pub error_fraction: f64,
    /// The status for `error_fraction`. Default ESME_RSUBMITFAIL (0x45).
    pub error_status: u32,
    /// Share of submissions never answered.
    pub no_answer_fraction: f64,
    /// Close a connection abruptly (no unbind, no answer) when it receives its Nth PDU, binds
    /// included; the answers to the PDUs before it are sent first.
    pub drop_after: Option<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            throttle_fraction: 0.0,
            throttle_above_tps: None,
            error_fraction: 0.0,
            error_status: CommandStatus::SubmitFailed.raw(),
            no_answer_fraction: 0.0,
            drop_after: None,
        }
    }
}

impl Faults {
    /// Every problem with these settings.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        for (name, f) in [
            ("throttle_fraction", self.throttle_fraction),
            ("error_fraction", self.error_fraction),
            ("no_answer_fraction", self.no_answer_fraction),
        ] {
            if !(0.0..=1.0).contains(&f) {
                errors.push(format!("{name} must be between 0 and 1, not {f}"));
            }
        }
        if self.error_status == 0 {
            errors.push("error_status must not be 0 (ESME_ROK)".into());
        }
        if self.drop_after == Some(0) {
            errors.push("drop_after must be at least 1".into());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The current settings and a version that changes with every update.
#[derive(Debug)]
pub(crate) struct FaultBoard {
    current: Mutex<Faults>,
    version: AtomicU64,
}

impl FaultBoard {
    pub(crate) fn new(faults: Faults) -> Self {
        FaultBoard {
            current: Mutex::new(faults),
            version: AtomicU64::new(0),
        }
    }

    pub(crate) fn set(&self, faults: Faults) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = faults;
        self.version.fetch_add(1, Ordering::Release);
    }

    pub(crate) fn get(&self) -> Faults {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }
}

/// Submissions counted in whole seconds since the simulator started, shared by all binds.
#[derive(Debug)]
pub(crate) struct RateWindow {
    start: Instant,
    /// Second number in the high 32 bits, submissions seen in that second in the low 32.
    state: AtomicU64,
}

impl RateWindow {
    pub(crate) fn new(start: Instant) -> Self {
        RateWindow {
            start,
            state: AtomicU64::new(0),
        }
    }

    /// Counts one submission and says whether it is beyond `limit` in the current second.
    pub(crate) fn over(&self, limit: u32, now: Instant) -> bool {
        let second = now.saturating_duration_since(self.start).as_secs() as u32;
        let mut count = 0u32;
        let _ = self
            .state
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                let (at, n) = ((s >> 32) as u32, s as u32);
                count = if at == second { n.saturating_add(1) } else { 1 };
                Some((u64::from(second) << 32) | u64::from(count))
            });
        count > limit
    }
}

/// What happens to one submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Accepted: a message id, and a receipt if asked for.
    Accept,
    /// ESME_RTHROTTLED.
    Throttle,
    /// Answered with this error.
    Error(CommandStatus),
    /// Never answered.
    NoAnswer,
}

/// One draw with probability `f`; certain outcomes draw nothing.
fn hit<R: Rng + ?Sized>(rng: &mut R, f: f64) -> bool {
    f > 0.0 && (f >= 1.0 || rng.random::<f64>() < f)
}

/// Draws the verdict for one submission. Fractions of 0 draw nothing, so a simulator without
/// faults spends no time on randomness.
pub(crate) fn judge(
    faults: &Faults,
    rng: &mut impl Rng,
    rate: &RateWindow,
    now: Instant,
) -> Verdict {
    if hit(rng, faults.no_answer_fraction) {
        return Verdict::NoAnswer;
    }
    if let Some(limit) = faults.throttle_above_tps
        && rate.over(limit, now)
    {
        return Verdict::Throttle;
    }
    if hit(rng, faults.throttle_fraction) {
        return Verdict::Throttle;
    }
    if hit(rng, faults.error_fraction) {
        return Verdict::Error(CommandStatus::from(faults.error_status));
    }
    Verdict::Accept
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;
    use std::time::Duration;

    #[test]
    fn fractions_of_one_and_zero_are_certain() {
        let mut rng = SmallRng::seed_from_u64(1);
        let now = Instant::now();
        let rate = RateWindow::new(now);
        let all = Faults {
            throttle_fraction: 1.0,
            ..Faults::default()
        };
        assert_eq!(judge(&all, &mut rng, &rate, now), Verdict::Throttle);
        assert_eq!(
            judge(&Faults::default(), &mut rng, &rate, now),
            Verdict::Accept
        );
        let err = Faults {
            error_fraction: 1.0,
            ..Faults::default()
        };
        assert_eq!(
            judge(&err, &mut rng, &rate, now),
            Verdict::Error(CommandStatus::SubmitFailed)
        );
    }

    #[test]
    fn rate_window_counts_per_second() {
        let start = Instant::now();
        let rate = RateWindow::new(start);
        assert!(!rate.over(2, start));
        assert!(!rate.over(2, start));
        assert!(rate.over(2, start));
        let later = start + Duration::from_millis(1500);
        assert!(!rate.over(2, later));
    }

    #[test]
    fn bad_fractions_are_reported() {
        let f = Faults {
            throttle_fraction: 1.5,
            no_answer_fraction: -0.1,
            error_status: 0,
            ..Faults::default()
        };
        assert_eq!(f.validate().unwrap_err().len(), 3);
    }
}
