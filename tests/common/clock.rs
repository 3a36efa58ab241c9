//! The wall clock, for tests of what the store files by the time of its commit.

use std::time::Duration;

/// Milliseconds since the epoch now.
pub fn now_ms() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap()
}

/// Returns once the wall clock has passed `ms`.
pub async fn past(ms: u64) {
    while now_ms() <= ms {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
