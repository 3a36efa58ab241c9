//! Per-bind pacing after throttling. ESME_RTHROTTLED / ESME_RMSGQFUL pause the bind and halve
//! its rate (multiplicative decrease, at most once per second since the answers to submits
//! already in flight report the same congestion); each second without one adds a tenth of the
//! bind's share back (additive increase) until the cap is lifted. The share is the carrier's
//! max_tps divided among its submitting binds; the cap never drops below a tenth of it, so a
//! carrier that throttles now and then at random cannot slow a bind to a crawl. The
//! carrier-wide limit itself is governor's job.

use std::time::{Duration, Instant};

/// The rate is halved at most this often.
const DECREASE_EVERY: Duration = Duration::from_secs(1);

/// The cap is raised at most this often.
const INCREASE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(crate) struct Pacer {
    /// Current cap in submits/s; `None` while uncapped.
    rate: Option<f64>,
    /// This bind's share of the carrier's rate.
    share: f64,
    paused_until: Option<Instant>,
    next_send: Option<Instant>,
    last_change: Option<Instant>,
    last_decrease: Option<Instant>,
}

impl Pacer {
    pub(crate) fn new(share: f64) -> Self {
        Pacer {
            rate: None,
            share: share.max(1.0),
            paused_until: None,
            next_send: None,
            last_change: None,
            last_decrease: None,
        }
    }

    fn floor(&self) -> f64 {
        (self.share / 10.0).max(1.0)
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
        if let Some(rate) = self.rate {
            let gap = Duration::from_secs_f64(1.0 / rate);
            let from = self.next_send.map_or(now, |t| t.max(now));
            self.next_send = Some(from + gap);
        }
    }

    /// The SMSC pushed back: pause, and halve the rate unless it was halved within the second.
    pub(crate) fn throttled(&mut self, now: Instant, pause: Duration) {
        if self.is_paused(now) {
            return;
        }
        self.paused_until = Some(now + pause);
        self.next_send = None;
        let recent = self
            .last_decrease
            .is_some_and(|t| now.saturating_duration_since(t) < DECREASE_EVERY);
        if !recent {
            let current = self.rate.unwrap_or(self.share);
            self.rate = Some((current / 2.0).max(self.floor()));
            self.last_decrease = Some(now);
            self.last_change = Some(now);
        }
    }

    /// A submit was accepted: each second without throttling raises the cap by a tenth of the
    /// share, and lifts it once the share is reached.
    pub(crate) fn accepted(&mut self, now: Instant) {
        let Some(rate) = self.rate else { return };
        let since = self
            .last_change
            .map_or(Duration::MAX, |t| now.saturating_duration_since(t));
        if since >= INCREASE_EVERY {
            let raised = rate + self.floor();
            self.rate = (raised < self.share).then_some(raised);
            self.last_change = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_on_throttle_pauses_and_climbs_back() {
        let t0 = tokio::time::Instant::now().into_std();
        let mut p = Pacer::new(100.0);
        assert_eq!(p.wait_until(t0), None, "uncapped at first");
        p.throttled(t0, Duration::from_secs(1));
        assert_eq!(p.rate(), Some(50.0));
        assert_eq!(p.wait_until(t0), Some(t0 + Duration::from_secs(1)));
        assert!(p.is_paused(t0));

        // Paced after the pause: one submit every 1/rate seconds.
        let t1 = t0 + Duration::from_secs(1);
        p.sent(t1);
        assert_eq!(p.wait_until(t1), Some(t1 + Duration::from_millis(20)));

        // Throttles during the pause or within the second are the same congestion.
        p.throttled(t0 + Duration::from_millis(10), Duration::from_secs(1));
        assert_eq!(p.rate(), Some(50.0));
        // After it, a throttle halves again, but never below a tenth of the share.
        for i in 1..=6 {
            p.throttled(t0 + Duration::from_secs(2 * i), Duration::from_millis(10));
        }
        assert_eq!(p.rate(), Some(10.0));

        // Each calm second adds a tenth of the share back until the cap is lifted.
        let mut t = t0 + Duration::from_secs(20);
        p.accepted(t);
        assert_eq!(p.rate(), Some(20.0));
        p.accepted(t + Duration::from_millis(500));
        assert_eq!(p.rate(), Some(20.0), "at most one step per second");
        for _ in 0..8 {
            t += Duration::from_secs(1);
            p.accepted(t);
        }
        assert_eq!(p.rate(), None);
    }
}
