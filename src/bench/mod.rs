//! `smppd bench`: the end-to-end load generator. It submits a mix of messages to a running
//! daemon over its Unix socket (`load`), receives the webhook events (`hook`), reads the wire
//! counters from `smppd sim`'s stats file (`wire`), the daemon's memory and CPU time from
//! /proc (`rss`, `cpu`), optionally the disk's sync latency (`disk`), then prints one JSON report (`report`) and exits 1 unless every accepted message was put
//! on the wire and came back as exactly one final receipt per segment.
//!
//! The three latencies: accept is each request's round trip, charged to every message in it;
//! accept-to-wire is read back after the run from the daemon's own `submitted_at −
//! accepted_at` for an even sample (`sample`: one clock, nothing added to the hot path);
//! accept-to-webhook is the arrival of a message's final `dlr` event minus its 202's.

mod args;
mod client;
mod cpu;
mod disk;
mod hook;
mod latency;
mod ledger;
mod load;
mod mix;
mod report;
mod rss;
mod sample;
mod wire;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::time::Instant;

pub use args::BenchArgs;

/// How often memory and the wire counters are sampled during the run.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// What the sampler saw while the run went on.
#[derive(Debug, Default)]
struct Samples {
    /// Largest VmRSS seen, KiB.
    peak_rss_kib: AtomicU64,
    /// First time the simulator counted a submit_sm (ns since start; 0 before).
    wire_first_ns: AtomicU64,
    /// Last time its count changed.
    wire_last_ns: AtomicU64,
    /// The count then.
    wire_count: AtomicU64,
}

/// Runs the bench; the report goes to standard output.
pub fn main(args: BenchArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("smppd bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: BenchArgs) -> ExitCode {
    let start = Instant::now();
    let since = move || u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    // The webhook receiver and the submitters record every message here; sized for the run
    // up to a bound, past which it grows as it must.
    let room = usize::try_from(args.messages.min(10_000_000)).unwrap_or(0);
    let ledger = Arc::new(ledger::Ledger::sized(room));
    let secret = args.webhook_secret.clone().map(String::into_bytes);
    let receiver = match hook::start(args.webhook_listen, ledger.clone(), secret, start).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "smppd bench: webhook receiver on {}: {e}",
                args.webhook_listen
            );
            return ExitCode::FAILURE;
        }
    };
    let probe = match args.disk_probe.as_deref().map(disk::start).transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("smppd bench: cannot probe the disk: {e}");
            return ExitCode::FAILURE;
        }
    };
    let samples = Arc::new(Samples::default());
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (samples, stop, files, pid) = (
            samples.clone(),
            stop.clone(),
            args.sim_stats.clone(),
            args.daemon_pid,
        );
        tokio::spawn(async move {
            while !stop.load(Relaxed) {
                if let Some((rss, _)) = pid.and_then(rss::sample) {
                    samples.peak_rss_kib.fetch_max(rss, Relaxed);
                }
                let count = wire::read(&files).submit_sm_accepted;
                if count != samples.wire_count.swap(count, Relaxed) {
                    let now = since();
                    let _ = samples
                        .wire_first_ns
                        .compare_exchange(0, now, Relaxed, Relaxed);
                    samples.wire_last_ns.store(now, Relaxed);
                }
                tokio::time::sleep(SAMPLE_EVERY).await;
            }
        })
    };

    let plan = Arc::new(load::Plan {
        socket: args.socket.clone(),
        token: args.token.clone(),
        messages: args.messages,
        batch: args.batch,
        rate: args.rate,
        deadline: args.duration.map(|d| start + d),
        mix: mix::Mix {
            otp: args.otp,
            ucs2: args.ucs2,
            multipart: args.multipart,
        },
        prefix: args.prefix.clone(),
        start,
        next: AtomicU64::new(0),
    });
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| tokio::spawn(load::worker(plan.clone(), ledger.clone())))
        .collect();
    let mut outcomes = Vec::new();
    for w in workers {
        if let Ok(o) = w.await {
            outcomes.push(o);
        }
    }
    let submit_ns = since();
    let accepted: u64 = outcomes.iter().map(|o| o.accepted).sum();

    // Every final receipt, the drain timeout, or no receipt for the idle timeout.
    let drain_until = Instant::now() + args.drain_timeout;
    let (mut seen, mut last_change) = (ledger.dlr_events.load(Relaxed), Instant::now());
    while ledger.finals.load(Relaxed) < accepted
        && Instant::now() < drain_until
        && last_change.elapsed() < args.idle_timeout
    {
        tokio::time::sleep(SAMPLE_EVERY).await;
        let now_seen = ledger.dlr_events.load(Relaxed);
        if now_seen != seen {
            (seen, last_change) = (now_seen, Instant::now());
        }
    }
    // Late repeats and the simulator's next stats write.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Relaxed);
    let _ = sampler.await;

    let entries = ledger.entries();
    let sample_ids = report::spread(&entries, args.wire_sample);
    let to_wire = sample::accept_to_wire(&args.socket, &args.token, sample_ids, 4).await;
    let disk = probe.map(disk::Probe::finish);
    let memory = args.daemon_pid.and_then(rss::sample);
    let cpu = args.daemon_pid.and_then(cpu::sample);
    let report = report::Report {
        args: &args,
        outcomes: &outcomes,
        entries: &entries,
        ledger: &ledger,
        receiver: &receiver,
        wire: wire::read(&args.sim_stats),
        to_wire: &to_wire,
        submit_ns,
        wire_window_ns: (
            samples.wire_first_ns.load(Relaxed),
            samples.wire_last_ns.load(Relaxed),
        ),
        peak_rss_kib: samples
            .peak_rss_kib
            .load(Relaxed)
            .max(memory.map_or(0, |m| m.1)),
        daemon_cpu_s: cpu,
        disk,
    };
    let (json, ok) = report.build();
    println!(
        "{}",
        serde_json::to_string_pretty(&json).unwrap_or_default()
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
