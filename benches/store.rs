//! Durable writes through the group-commit writer (fsync on every commit): 300-octet records,
//! as operations of 100 records (an API batch) and as single-record operations from many
//! concurrent callers. The outbox must take ≥ 100k accepted messages/s.
//!
//! `cargo bench --bench store`

// Wall-clock time is what a benchmark measures; the ban on it is for code under paused test time.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use redb::{Database, TableDefinition};
use smppd::store::{CommitLimits, StoreError, Writer};

const TABLE: TableDefinition<u128, &[u8]> = TableDefinition::new("bench");
const RECORD: [u8; 300] = [0x5a; 300];
const RECORDS: u64 = 100_000;

fn store_throughput(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("store-bench.redb");
    let _ = std::fs::remove_file(&path);
    let db = Arc::new(Database::create(&path).unwrap());
    let next = Arc::new(AtomicU64::new(0));
    let (writer, _thread) = rt.block_on(async {
        Writer::spawn(
            db.clone(),
            CommitLimits::default(),
            |txn, (first, n): (u128, u32)| {
                let mut t = txn
                    .open_table(TABLE)
                    .map_err(|e| StoreError::Database(e.to_string()))?;
                for k in first..first + u128::from(n) {
                    t.insert(k, RECORD.as_slice())
                        .map_err(|e| StoreError::Database(e.to_string()))?;
                }
                Ok(())
            },
        )
        .unwrap()
    });

    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(RECORDS));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for (name, per_op, concurrency) in [("batches_of_100", 100u32, 64usize), ("single", 1, 2048)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let ops = RECORDS / u64::from(per_op);
                        futures::stream::iter(0..ops)
                            .for_each_concurrent(concurrency, |_| {
                                let first = next.fetch_add(u64::from(per_op), Ordering::Relaxed);
                                let writer = &writer;
                                async move {
                                    writer.write((u128::from(first), per_op)).await.unwrap();
                                }
                            })
                            .await;
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
    let s = writer.stats();
    eprintln!(
        "store: {} operations in {} commits ({:.0} per commit), mean commit {:?}",
        s.operations(),
        s.commits(),
        s.operations() as f64 / s.commits().max(1) as f64,
        s.commit_time() / u32::try_from(s.commits().max(1)).unwrap_or(u32::MAX)
    );
}

criterion_group!(benches, store_throughput);
criterion_main!(benches);
