//! Receipt correlation through the durable store, as the inbound desk drives it: each receipt
//! (its id in decimal, the submission's in hex) is looked up by its normalised keys, its
//! segment and message are updated and its webhook event is queued, in group commits with
//! one fsync each, many receipts in flight at once. Target: ≥ 50k receipts/s.
//!
//! `cargo bench --bench receipts`

// Wall-clock time is what a benchmark measures; the ban on it is for code under paused test time.
#![allow(clippy::disallowed_methods)]

mod common;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use smppd::config::MessageIdFormat;
use smppd::dlr::{lookup_keys, store_key};
use smppd::message::{Message, Segment, SegmentStatus, Status};
use smppd::store::{CommitLimits, Outbox, ReceiptOutcome, ReceiptRecord, Since};

const PER_ROUND: u64 = 20_000;
const IN_FLIGHT: usize = 4096;

fn message(n: u64) -> Message {
    Message {
        status: Status::Submitted,
        segments: vec![Segment {
            status: SegmentStatus::Submitted,
            carrier: Some("sim".into()),
            carrier_message_id: Some(format!("{:x}", 0x5000_0000_0000u64 + n)),
            error: None,
        }],
        submitted_at_ms: Some(1_800_000_000_001),
        attempts: 1,
        ..common::queued(n, 1_800_000_000_000 + n)
    }
}

fn receipt(n: u64) -> ReceiptRecord {
    let decimal = (0x5000_0000_0000u64 + n).to_string();
    ReceiptRecord {
        carrier: "sim".into(),
        keys: lookup_keys(&decimal, MessageIdFormat::Auto)
            .iter()
            .map(str::to_owned)
            .collect(),
        message_id: decimal,
        status: SegmentStatus::Delivered,
        error: Some("000".into()),
        received_at_ms: 1_800_000_001_000,
    }
}

/// Stores `count` submitted messages from `first`, with their correlation keys.
async fn prepare(outbox: &Outbox, first: u64, count: u64) {
    futures::stream::iter(first..first + count)
        .map(|n| async move {
            let m = message(n);
            let key = store_key(
                m.segments[0]
                    .carrier_message_id
                    .as_deref()
                    .unwrap_or_default(),
                MessageIdFormat::Auto,
            );
            outbox
                .save_correlated(m, vec![(0, key)], Since::Read)
                .await
                .unwrap();
        })
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
}

fn correlation(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("receipts-bench.redb");
    let _ = std::fs::remove_file(&path);
    let outbox = Outbox::open(&path, CommitLimits::default()).unwrap();
    let mut next = 0u64;
    let mut group = c.benchmark_group("receipts");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(PER_ROUND));
    group.bench_function("correlated and queued for the webhook", |b| {
        b.iter_custom(|rounds| {
            let mut total = Duration::ZERO;
            for _ in 0..rounds {
                let first = next;
                next += PER_ROUND;
                rt.block_on(prepare(&outbox, first, PER_ROUND));
                let start = Instant::now();
                let matched = rt.block_on(
                    futures::stream::iter(first..first + PER_ROUND)
                        .map(|n| outbox.receipt(receipt(n)))
                        .buffer_unordered(IN_FLIGHT)
                        .filter(|r| {
                            futures::future::ready(matches!(r, Ok(ReceiptOutcome::Matched { .. })))
                        })
                        .count(),
                );
                total += start.elapsed();
                assert_eq!(matched as u64, PER_ROUND);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, correlation);
criterion_main!(benches);
