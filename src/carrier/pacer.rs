//! Per-bind pacing after throttling: multiplicative decrease when the SMSC says
//! ESME_RTHROTTLED / ESME_RMSGQFUL (plus a pause), additive increase while it does not, and no
//! cap of its own once the rate is back above the carrier's limit (which governor enforces).

use std::time::{Duration, Instant};

/// The lowest rate a throttled bind drops to.
const MIN_RATE: f64 = 1.0;

#[derive(Debug)]
pub(crate) struct Pacer {
    /// Current cap in submits/s; `None` while uncapped.
    rate: Option<f64>,
    /// The carrier's limit: once the cap climbs past it, the cap is lifted.
    ceiling: f64,
    /// Rate added per second without a throttle.
    step: f64,
    paused_until: Option<Instant>,
    next_send: Option<Instant>,
    last_change: Option<Instant>,
    meter: RateMeter,
}

impl Pacer {
    pub(crate) fn new(ceiling: u32) -> Self {
        let ceiling = f64::from(ceiling.max(1));
        Pacer {
            rate: None,
            ceiling,
            step: (ceiling / 20.0).max(1.0),
            paused_until: None,
            next_send: None,
            last_change: None,
            meter: RateMeter::default(),
        }
    }

    pub(crate) fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// When the next submit may go, or `None` for now.
    pub(crate) fn wait_until(&self, now: Instant) -> Option<Instant> {
        let t = [self.paused_until, self.next_send]
            .into_iter()
            .flatten()
            .max()?;
        (t > now).then_some(t)
    }

    pub(crate) fn is_paused(&self, now: Instant) -> bool {
        self.paused_until.is_some_and(|t| t > now)
    }

    pub(crate) fn sent(&mut self, now: Instant) {
        self.meter.tick(now);
        if let Some(rate) = self.rate {
            let gap = Duration::from_secs_f64(1.0 / rate);
            let from = self.next_send.map_or(now, |t| t.max(now));
            self.next_send = Some(from + gap);
        }
    }

    /// The SMSC pushed back: halve the rate (from what was actually being sent) and pause.
    pub(crate) fn throttled(&mut self, now: Instant, pause: Duration) {
        if self.is_paused(now) {
            // Answers to submits already in flight report the same congestion: decrease once.
            return;
        }
        let current = self
            .rate
            .unwrap_or_else(|| self.meter.rate(now).max(MIN_RATE * 2.0));
        self.rate = Some((current / 2.0).max(MIN_RATE));
        self.paused_until = Some(now + pause);
        self.next_send = None;
        self.last_change = Some(now);
    }

    /// A submit was accepted: after each second without throttling, raise the cap by a step.
    pub(crate) fn accepted(&mut self, now: Instant) {
        let Some(rate) = self.rate else { return };
        let since = self
            .last_change
            .map_or(Duration::MAX, |t| now.saturating_duration_since(t));
        if since >= Duration::from_secs(1) {
            let raised = rate + self.step;
            self.rate = (raised < self.ceiling).then_some(raised);
            self.last_change = Some(now);
        }
    }
}

/// Submits per second over the last whole second, cheap enough to update per submit.
#[derive(Debug, Default)]
struct RateMeter {
    start: Option<Instant>,
    count: u32,
    last: f64,
}

impl RateMeter {
    fn tick(&mut self, now: Instant) {
        let start = *self.start.get_or_insert(now);
        let elapsed = now.saturating_duration_since(start);
        if elapsed >= Duration::from_secs(1) {
            self.last = f64::from(self.count) / elapsed.as_secs_f64();
            self.start = Some(now);
            self.count = 0;
        }
        self.count += 1;
    }

    fn rate(&self, now: Instant) -> f64 {
        let Some(start) = self.start else { return 0.0 };
        let elapsed = now.saturating_duration_since(start).as_secs_f64();
        if elapsed >= 0.1 {
            self.last.max(f64::from(self.count) / elapsed)
        } else {
            self.last.max(f64::from(self.count))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_on_throttle_pauses_and_climbs_back() {
        let t0 = tokio::time::Instant::now().into_std();
        let mut p = Pacer::new(100);
        assert_eq!(p.wait_until(t0), None, "uncapped at first");
        // 40 submits in the first half second: about 80/s.
        for i in 0..40 {
            p.sent(t0 + Duration::from_millis(i * 12));
        }
        let t1 = t0 + Duration::from_millis(500);
        p.throttled(t1, Duration::from_secs(1));
        let rate = p.rate().unwrap();
        assert!((30.0..=60.0).contains(&rate), "halved to {rate}");
        assert_eq!(p.wait_until(t1), Some(t1 + Duration::from_secs(1)));
        assert!(p.is_paused(t1));
        // Paced after the pause: one submit every 1/rate seconds.
        let t2 = t1 + Duration::from_secs(1);
        p.sent(t2);
        let next = p.wait_until(t2).unwrap();
        assert!(next > t2 && next <= t2 + Duration::from_millis(40));
        // More throttles during the pause are the same event; after it, a throttle halves again.
        p.throttled(t1 + Duration::from_millis(10), Duration::from_secs(1));
        assert_eq!(p.rate(), Some(rate));
        p.throttled(t2, Duration::from_secs(1));
        assert!(p.rate().unwrap() < rate);
        // Seconds of acceptances climb back until the cap is lifted.
        let mut t = t2;
        for _ in 0..40 {
            t += Duration::from_secs(1);
            p.accepted(t);
        }
        assert_eq!(p.rate(), None);
    }
}
