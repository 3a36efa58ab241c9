//! An account's counters: its rate limit, today's quota and its credit, all counted in
//! segments. Each is one atomic (or governor's lock-free GCRA cell), so parallel requests
//! never overspend and never wait on a lock. A charge is taken before the message is stored
//! and given back if the store does not keep it, so refused messages cost nothing.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::Denial;
use crate::config::Rate;

/// Bits of the quota word that hold the segments used; the day sits above them.
const USED_BITS: u32 = 40;
const USED_MASK: u64 = (1 << USED_BITS) - 1;

/// The account's rate limit (governor, lock-free).
pub struct RateMeter {
    rate: Rate,
    limiter: DefaultDirectRateLimiter,
    clock: DefaultClock,
}

impl std::fmt::Debug for RateMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateMeter")
            .field("rate", &self.rate)
            .finish()
    }
}

impl RateMeter {
    /// A limiter for `rate`, with its burst.
    pub fn new(rate: Rate) -> RateMeter {
        let period = rate.per.duration() / rate.count.get();
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(rate.count))
            .allow_burst(rate.burst);
        RateMeter {
            rate,
            limiter: RateLimiter::direct(quota),
            clock: DefaultClock::default(),
        }
    }

    /// The configured rate.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Takes `segments` from the limit. A message longer than the burst is charged the whole
    /// burst, so it can still go after a quiet spell.
    pub fn take(&self, segments: u32) -> Result<(), Denial> {
        let n = NonZeroU32::new(segments.min(self.rate.burst.get())).unwrap_or(NonZeroU32::MIN);
        match self.limiter.check_n(n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Err(Denial::RateLimited {
                    retry_after_s: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                })
            }
            // Unreachable: n never exceeds the burst.
            Err(_) => Err(Denial::RateLimited { retry_after_s: 1 }),
        }
    }
}

/// Segments per day, resetting at midnight in the account's zone.
#[derive(Debug)]
pub struct DailyQuota {
    limit: u64,
    zone: TimeZone,
    /// `day << USED_BITS | used`: one word, so a new day and a charge never race.
    word: AtomicU64,
}

/// Days since 1970-01-01 on the calendar of `zone`.
pub fn day_number(now: Timestamp, zone: &TimeZone) -> u32 {
    let date = now.to_zoned_datetime(zone.clone()).date();
    let epoch = jiff::civil::date(1970, 1, 1);
    u32::try_from(epoch.until(date).map(|s| s.get_days()).unwrap_or(0)).unwrap_or(0)
}

fn seconds_to_midnight(now: Timestamp, zone: &TimeZone) -> u64 {
    let local = now.to_zoned_datetime(zone.clone());
    local
        .date()
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned_datetime(zone.clone()).ok())
        .and_then(|midnight| u64::try_from(midnight.timestamp().as_second() - now.as_second()).ok())
        .unwrap_or(3600)
        .max(1)
}

impl DailyQuota {
    /// A quota of `limit` segments a day on `zone`'s calendar, with `used` already spent on
    /// `day` (restored from the store).
    pub fn new(limit: u64, zone: TimeZone, day: u32, used: u64) -> DailyQuota {
        DailyQuota {
            limit,
            zone,
            word: AtomicU64::new((u64::from(day) << USED_BITS) | used.min(USED_MASK)),
        }
    }

    /// The limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The day and segments used on it, as of `now`.
    pub fn used(&self, now: Timestamp) -> (u32, u64) {
        let today = day_number(now, &self.zone);
        let word = self.word.load(Ordering::Acquire);
        if (word >> USED_BITS) as u32 == today {
            (today, word & USED_MASK)
        } else {
            (today, 0)
        }
    }

    /// Takes `segments` from today's quota; the day they count on.
    pub fn take(&self, segments: u64, now: Timestamp) -> Result<u32, Denial> {
        let today = day_number(now, &self.zone);
        let mut word = self.word.load(Ordering::Acquire);
        loop {
            let used = if (word >> USED_BITS) as u32 == today {
                word & USED_MASK
            } else {
                0
            };
            if used + segments > self.limit {
                return Err(Denial::DailyQuotaExceeded {
                    retry_after_s: seconds_to_midnight(now, &self.zone),
                });
            }
            let next = (u64::from(today) << USED_BITS) | (used + segments);
            match self
                .word
                .compare_exchange_weak(word, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(today),
                Err(actual) => word = actual,
            }
        }
    }

    /// Gives back a charge taken on `day` (nothing once that day is over).
    pub fn give_back(&self, segments: u64, day: u32) {
        let _ = self
            .word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                ((word >> USED_BITS) as u32 == day).then(|| word - segments.min(word & USED_MASK))
            });
    }
}

/// Segments the account may still send. The configured value is the balance when it was
/// written: changing it in the config (a top-up) starts a new balance.
#[derive(Debug)]
pub struct Credit {
    base: u64,
    left: AtomicU64,
}

impl Credit {
    /// A balance configured as `base`, of which `spent` is gone.
    pub fn new(base: u64, spent: u64) -> Credit {
        Credit {
            base,
            left: AtomicU64::new(base.saturating_sub(spent)),
        }
    }

    /// The configured balance this counts down from.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Segments left.
    pub fn left(&self) -> u64 {
        self.left.load(Ordering::Acquire)
    }

    /// Takes `segments`, never going below zero.
    pub fn take(&self, segments: u64) -> Result<(), Denial> {
        self.left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(segments)
            })
            .map(|_| ())
            .map_err(|_| Denial::CreditExhausted)
    }

    /// Gives back a charge the store did not keep.
    pub fn give_back(&self, segments: u64) {
        self.left.fetch_add(segments, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_resets_at_midnight_in_its_zone() {
        let madrid = jiff::tz::db().get("Europe/Madrid").unwrap();
        let evening: Timestamp = "2026-11-24T22:30:00Z".parse().unwrap(); // 23:30 local
        let q = DailyQuota::new(10, madrid, 0, 0);
        let day = q.take(10, evening).unwrap();
        assert!(matches!(
            q.take(1, evening),
            Err(Denial::DailyQuotaExceeded {
                retry_after_s: 1800
            })
        ));
        let after_midnight: Timestamp = "2026-11-24T23:00:00Z".parse().unwrap();
        assert_eq!(q.take(4, after_midnight).unwrap(), day + 1);
        assert_eq!(q.used(after_midnight).1, 4);
        // A refund for yesterday changes nothing today.
        q.give_back(10, day);
        assert_eq!(q.used(after_midnight).1, 4);
        q.give_back(4, day + 1);
        assert_eq!(q.used(after_midnight).1, 0);
    }

    #[test]
    fn credit_never_goes_negative() {
        let c = Credit::new(5, 2);
        assert_eq!(c.left(), 3);
        assert!(c.take(4).is_err());
        c.take(3).unwrap();
        assert_eq!(c.take(1), Err(Denial::CreditExhausted));
        c.give_back(2);
        assert_eq!(c.left(), 2);
    }

    #[test]
    fn the_rate_limit_counts_segments_and_says_when_to_retry() {
        let rate = Rate {
            count: NonZeroU32::new(2).unwrap(),
            per: crate::config::RatePeriod::Minute,
            burst: NonZeroU32::new(4).unwrap(),
        };
        let m = RateMeter::new(rate);
        m.take(3).unwrap();
        m.take(1).unwrap();
        match m.take(1) {
            Err(Denial::RateLimited { retry_after_s }) => {
                assert!((1..=30).contains(&retry_after_s), "{retry_after_s}")
            }
            other => panic!("{other:?}"),
        }
    }
}
