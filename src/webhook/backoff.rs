//! Retry timing for a failing webhook: exponential backoff with full jitter, so endpoints that
//! come back after an outage are not hit by every account (or every smppd) in step, bounded by
//! a deadline after which the batch is dead-lettered instead of retried forever.

use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

/// Delay bounds between attempts at one batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Shortest delay, and the ceiling of the first one. Default 1 s.
    pub min: Duration,
    /// Longest delay. Default 5 min.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            min: Duration::from_secs(1),
            max: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The ceiling before attempt `attempt` (0-based): `min · 2^attempt`, at most `max`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let max = self.max.max(self.min);
        self.min
            .saturating_mul(2u32.saturating_pow(attempt.min(31)))
            .min(max)
    }

    /// A delay drawn uniformly from `[min, ceiling(attempt)]`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        if ceiling <= self.min {
            return self.min;
        }
        rand::rng().random_range(self.min..=ceiling)
    }
}

const LONGEST_RETRY: Duration = Duration::from_secs(100 * 365 * 86_400);

/// Where one batch stands in its retries: attempts so far and when they must stop.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Retry {
    attempt: u32,
    deadline: Instant,
}

impl Retry {
    /// Starts at the batch's first failure: retries go on for `retry_for` from `now`.
    pub(crate) fn start(now: Instant, retry_for: Duration) -> Self {
        Retry {
            attempt: 0,
            // Capped so an absurd configured value cannot overflow the clock.
            deadline: now + retry_for.min(LONGEST_RETRY),
        }
    }

    /// How long to wait before the next attempt, or `None` once the deadline has passed.
    ///
    /// The wait never runs past the deadline, so the last attempt happens at the deadline
    /// rather than a whole backoff step before it.
    pub(crate) fn next_delay(&mut self, backoff: &Backoff, now: Instant) -> Option<Duration> {
        let left = self.deadline.checked_duration_since(now)?;
        if left.is_zero() {
            return None;
        }
        let delay = backoff.delay(self.attempt).min(left);
        self.attempt = self.attempt.saturating_add(1);
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_max_and_delays_stay_within_them() {
        let b = Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_millis(1000),
        };
        let ceilings: Vec<u128> = (0..7).map(|a| b.ceiling(a).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000, 1000]);
        assert_eq!(b.ceiling(u32::MAX), Duration::from_millis(1000));
        for attempt in 0..40 {
            let d = b.delay(attempt);
            assert!(d >= b.min && d <= b.ceiling(attempt), "{d:?} at {attempt}");
        }
    }

    #[test]
    fn defaults_are_one_second_to_five_minutes() {
        let b = Backoff::default();
        assert_eq!(b.delay(0), Duration::from_secs(1));
        assert_eq!(b.ceiling(100), Duration::from_secs(300));
    }

    #[test]
    fn retries_stop_at_the_deadline_and_the_last_wait_ends_on_it() {
        let b = Backoff {
            min: Duration::from_secs(10),
            max: Duration::from_secs(10),
        };
        let start = Instant::now();
        let mut r = Retry::start(start, Duration::from_secs(25));
        assert_eq!(r.next_delay(&b, start), Some(Duration::from_secs(10)));
        let later = start + Duration::from_secs(20);
        assert_eq!(r.next_delay(&b, later), Some(Duration::from_secs(5)));
        assert_eq!(r.next_delay(&b, start + Duration::from_secs(25)), None);
        assert_eq!(r.next_delay(&b, start + Duration::from_secs(26)), None);

        let mut none = Retry::start(start, Duration::ZERO);
        assert_eq!(none.next_delay(&b, start), None);
    }
}
