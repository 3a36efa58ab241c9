//! A probe of the disk under the daemon's store: while the run goes on, one 4 KiB write and
//! `fdatasync` every 10 ms to a file of its own in the store's directory, each timed. Every
//! commit of the daemon waits for the same disk, so a stall seen here stalls every accept
//! committed with it: the report counts them, to tell the daemon's latency from the disk's.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread::JoinHandle;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

use super::latency;

/// Time between two probes: light enough to cost the machine nothing that shows, often enough
/// to see a stall of a few tens of milliseconds.
const EVERY: Duration = Duration::from_millis(10);

/// A sync slower than this is counted as a stall (a commit that would have made every accept
/// in it miss a 5 ms target several times over).
const STALL: Duration = Duration::from_millis(20);

/// The probe, running on a thread of its own.
#[derive(Debug)]
pub(crate) struct Probe {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Histogram<u64>>,
    path: PathBuf,
}

/// Starts probing the disk that holds `dir`.
pub(crate) fn start(dir: &Path) -> std::io::Result<Probe> {
    let path = dir.join(format!("smppd-bench-disk-probe-{}", std::process::id()));
    let file = File::create(&path)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("bench-disk-probe".into())
        .spawn(move || run(&file, &flag))?;
    Ok(Probe { stop, thread, path })
}

fn run(file: &File, stop: &AtomicBool) -> Histogram<u64> {
    let block = [0x5au8; 4096];
    let mut syncs = latency::histogram();
    while !stop.load(Relaxed) {
        // Outside any runtime this is the real clock.
        let started = tokio::time::Instant::now();
        if file
            .write_all_at(&block, 0)
            .and_then(|()| file.sync_data())
            .is_err()
        {
            break;
        }
        let took = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        latency::record(&mut syncs, took);
        std::thread::sleep(EVERY);
    }
    syncs
}

impl Probe {
    /// Stops the probe and removes its file; what it measured, as the report's `disk_probe`.
    pub(crate) fn finish(self) -> Value {
        self.stop.store(true, Relaxed);
        let syncs = self.thread.join().unwrap_or_else(|_| latency::histogram());
        let _ = std::fs::remove_file(&self.path);
        summary(&syncs)
    }
}

/// The latency summary of the syncs, with how many were stalls.
fn summary(syncs: &Histogram<u64>) -> Value {
    let stall = u64::try_from(STALL.as_micros()).unwrap_or(u64::MAX);
    let stalls: u64 = syncs
        .iter_recorded()
        .filter(|v| v.value_iterated_to() > stall)
        .map(|v| v.count_at_value())
        .sum();
    let mut out = latency::summary(syncs);
    out["over_20ms"] = json!(stalls);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_until_finished_and_leaves_no_file() {
        let dir = std::env::temp_dir().join(format!("disk-probe-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let probe = start(&dir).unwrap();
        std::thread::sleep(Duration::from_millis(60));
        let path = probe.path.clone();
        assert!(path.exists());
        let report = probe.finish();
        assert!(report["count"].as_u64().unwrap() >= 1, "{report}");
        assert!(report["max_ms"].as_f64().unwrap() > 0.0, "{report}");
        assert!(report["over_20ms"].as_u64().is_some(), "{report}");
        assert!(!path.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn counts_the_syncs_over_20_ms() {
        let mut h = latency::histogram();
        for micros in [500, 900, 19_000, 25_000, 80_000] {
            latency::record(&mut h, micros);
        }
        let s = summary(&h);
        assert_eq!(s["count"], 5);
        assert_eq!(s["over_20ms"], 2);
    }
}
