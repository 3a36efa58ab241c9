//! Latency recording: HDR histograms in microseconds (3 significant digits), one per worker
//! and merged at the end, so recording never takes a lock.

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// The largest latency recorded as itself (an hour, in µs); longer ones count as this.
const MAX_MICROS: u64 = 3_600_000_000;

/// A new empty histogram of microseconds, from 1 µs to an hour.
pub(crate) fn histogram() -> Histogram<u64> {
    // Three significant digits: 1 µs resolution below 2 ms, 0.1 % above. The bounds are
    // constant and valid, so this cannot fail.
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("constant bounds are valid")
}

/// Records `micros`, clamped into the histogram's range.
pub(crate) fn record(h: &mut Histogram<u64>, micros: u64) {
    h.saturating_record(micros.max(1));
}

/// `{"count", "p50_ms", "p99_ms", "p99_9_ms", "max_ms"}`.
pub(crate) fn summary(h: &Histogram<u64>) -> Value {
    let ms = |micros: u64| micros as f64 / 1000.0;
    json!({
        "count": h.len(),
        "p50_ms": ms(h.value_at_quantile(0.5)),
        "p99_ms": ms(h.value_at_quantile(0.99)),
        "p99_9_ms": ms(h.value_at_quantile(0.999)),
        "max_ms": ms(h.max()),
    })
}
