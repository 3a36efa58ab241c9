//! The JSON report: throughput, latency percentiles, the daemon's peak memory, and the
//! accounting that decides the exit status: every message sent was accepted, each accepted
//! segment was submitted once on the wire and came back as one `dlr` event, each message got
//! a final status, and no event arrived twice.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

use super::args::BenchArgs;
use super::hook::Receiver;
use super::latency;
use super::ledger::{Entry, Ledger};
use super::load::Outcome;
use super::wire::Wire;

/// Up to `n` accepted ids spread evenly over the run.
pub(crate) fn spread(entries: &[(u128, Entry)], n: u64) -> Vec<u128> {
    let accepted: Vec<u128> = entries
        .iter()
        .filter(|(_, e)| e.accepted_ns.is_some())
        .map(|(id, _)| *id)
        .collect();
    let step = (accepted.len() as u64).div_ceil(n.max(1)).max(1) as usize;
    accepted.into_iter().step_by(step).collect()
}

/// Everything the report is made from.
#[derive(Debug)]
pub(crate) struct Report<'a> {
    pub(crate) args: &'a BenchArgs,
    pub(crate) outcomes: &'a [Outcome],
    pub(crate) entries: &'a [(u128, Entry)],
    pub(crate) ledger: &'a Ledger,
    pub(crate) receiver: &'a Receiver,
    pub(crate) wire: Wire,
    pub(crate) to_wire: &'a Histogram<u64>,
    /// When the last request was answered (ns since start).
    pub(crate) submit_ns: u64,
    /// First and last change of the simulator's submit count (ns since start).
    pub(crate) wire_window_ns: (u64, u64),
    pub(crate) peak_rss_kib: u64,
    /// The daemon's CPU seconds by part (store writer, workers, other), when it was known.
    pub(crate) daemon_cpu_s: Option<BTreeMap<&'static str, f64>>,
    /// The disk probe's summary, when one ran.
    pub(crate) disk: Option<Value>,
}

fn per_s(count: u64, ns: u64) -> f64 {
    if ns == 0 {
        return 0.0;
    }
    (count as f64 / (ns as f64 / 1e9)).round()
}

fn secs(ns: u64) -> f64 {
    (ns as f64 / 1e6).round() / 1e3
}

impl Report<'_> {
    /// The daemon's CPU time per accepted message, µs, by part and in all.
    fn cpu_per_message(&self, accepted: u64) -> Value {
        let Some(parts) = self.daemon_cpu_s.as_ref().filter(|_| accepted > 0) else {
            return Value::Null;
        };
        let per = |s: f64| (s * 1e6 / accepted as f64 * 10.0).round() / 10.0;
        let mut out: serde_json::Map<String, Value> = parts
            .iter()
            .map(|(part, s)| ((*part).to_owned(), json!(per(*s))))
            .collect();
        out.insert("total".into(), json!(per(parts.values().sum())));
        Value::Object(out)
    }

    /// The report, and whether every message is accounted for.
    pub(crate) fn build(&self) -> (Value, bool) {
        use std::sync::atomic::Ordering::Relaxed;
        let sum = |f: fn(&Outcome) -> u64| self.outcomes.iter().map(f).sum::<u64>();
        let (sent, accepted, segments) =
            (sum(|o| o.sent), sum(|o| o.accepted), sum(|o| o.segments));
        let mut refused: BTreeMap<String, u64> = BTreeMap::new();
        let mut accept = latency::histogram();
        for o in self.outcomes {
            for (code, n) in &o.refused {
                *refused.entry(code.clone()).or_default() += n;
            }
            let _ = accept.add(&o.accept);
        }
        let refused_total: u64 = refused.values().sum();

        let mut to_webhook = latency::histogram();
        let (mut known, mut unknown, mut finals, mut receipted_segments) = (0u64, 0u64, 0u64, 0u64);
        for (_, e) in self.entries {
            let Some(accepted_ns) = e.accepted_ns else {
                unknown += 1;
                continue;
            };
            known += 1;
            receipted_segments += u64::from(e.receipted.count_ones());
            if let Some(final_ns) = e.final_ns {
                finals += 1;
                latency::record(&mut to_webhook, final_ns.saturating_sub(accepted_ns) / 1000);
            }
        }
        let l = self.ledger;
        let dlr_events = l.dlr_events.load(Relaxed);
        let duplicate_events = l.duplicate_events.load(Relaxed);
        let duplicate_receipts = l.duplicate_receipts.load(Relaxed);
        let unreadable = l.unreadable_events.load(Relaxed);
        let last_final_ns = l.last_final_ns.load(Relaxed);
        let first_receipt_ns = l.first_receipt_ns.load(Relaxed);
        let w = self.wire;
        let wire_known = !self.args.sim_stats.is_empty();
        let wire_ok =
            !wire_known || (w.submit_sm_accepted == segments && w.submit_sm_received == segments);

        let all = refused_total == 0
            && accepted == sent
            && known == accepted
            && unknown == 0
            && finals == accepted
            && receipted_segments == segments
            && dlr_events == segments
            && duplicate_events == 0
            && duplicate_receipts == 0
            && unreadable == 0
            && wire_ok;

        // Receipts the simulator created but never got smppd's answer for: it lost them when
        // it stopped (a real SMSC would send them after reconnecting).
        let carrier_lost = w.receipts_scheduled.saturating_sub(w.receipts_acked);
        let explained = refused_total == 0
            && accepted == sent
            && unknown == 0
            && segments.saturating_sub(receipted_segments) <= carrier_lost
            && duplicate_events == 0
            && duplicate_receipts == 0
            && unreadable == 0
            && w.submit_sm_received == segments;
        let (wire_first, wire_last) = self.wire_window_ns;
        let report = json!({
            "config": {
                "messages": self.args.messages,
                "rate": self.args.rate,
                "concurrency": self.args.concurrency,
                "batch": self.args.batch,
                "otp": self.args.otp,
                "ucs2": self.args.ucs2,
                "multipart": self.args.multipart,
            },
            "throughput": {
                "accepted_messages_per_s": per_s(accepted, self.submit_ns),
                "wire_segments_per_s": per_s(w.submit_sm_accepted, wire_last.saturating_sub(wire_first)),
                "webhook_receipts_per_s": per_s(dlr_events, last_final_ns.saturating_sub(first_receipt_ns.min(last_final_ns))),
                "end_to_end_messages_per_s": per_s(finals, last_final_ns),
                "submit_s": secs(self.submit_ns),
                "last_receipt_s": secs(last_final_ns),
            },
            "latency": {
                "accept": latency::summary(&accept),
                "accept_to_wire": latency::summary(self.to_wire),
                "accept_to_webhook": latency::summary(&to_webhook),
            },
            "daemon_peak_rss_mib": (self.peak_rss_kib as f64 / 1024.0 * 10.0).round() / 10.0,
            "daemon_cpu_us_per_message": self.cpu_per_message(accepted),
            "disk_probe": self.disk.clone().unwrap_or(Value::Null),
            "accounting": {
                "sent": sent,
                "accepted": accepted,
                "refused": refused,
                "accepted_segments": segments,
                "wire": if wire_known { w.json() } else { Value::Null },
                "webhook_posts": self.receiver.posts.load(Relaxed),
                "webhook_bad_signatures": self.receiver.bad_signatures.load(Relaxed),
                "dlr_events": dlr_events,
                "status_events": l.status_events.load(Relaxed),
                "other_events": l.other_events.load(Relaxed),
                "receipted_segments": receipted_segments,
                "messages_final": finals,
                "messages_missing_final": accepted.saturating_sub(finals),
                "events_for_unknown_ids": unknown,
                "duplicate_events": duplicate_events,
                "duplicate_receipts": duplicate_receipts,
                "unreadable_events": unreadable,
            },
            "all_accounted_for": all,
            "receipts_lost_by_carrier": carrier_lost,
            "accounted_for_but_carrier_losses": explained,
        });
        (report, all || (self.args.allow_carrier_losses && explained))
    }
}
