//! Reading what is due as the dispatcher does under a backlog: a page of 512 while 4,096
//! messages are in flight, still listed as due until their outcome is saved. The messages are
//! fresh ones (due since accepted, listed by the millisecond they came in), as nearly all are.
//! Read from the head, the page first passes over all of them; from a [`DueCursor`] it goes on
//! from where the last page stopped.
//!
//! `cargo bench --bench due`

// Wall-clock time is what a benchmark measures; the ban on it is for code under paused test time.
#![allow(clippy::disallowed_methods)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smppd::message::MessageId;
use smppd::store::{CommitLimits, DueCursor, Outbox};

const QUEUED: u64 = 40_000;
const PAGE: usize = 512;
const IN_FLIGHT: usize = 4096;
const NOW: u64 = 1_800_000_000_000;

fn due_pages(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("due-bench.redb");
    let _ = std::fs::remove_file(&path);
    let outbox = Outbox::open(&path, CommitLimits::default()).unwrap();
    rt.block_on(async {
        for chunk in (0..QUEUED).collect::<Vec<_>>().chunks(1000) {
            let batch = chunk
                .iter()
                .map(|&n| common::queued(n, NOW - QUEUED + n))
                .collect();
            outbox.accept(batch, u64::MAX).await.unwrap();
        }
    });

    // The oldest 4,096 are in flight (listed as due until their outcome is saved); the last
    // page stopped after them.
    let mut after_in_flight = DueCursor::default();
    let in_flight: HashSet<MessageId> = outbox
        .due_from(NOW, IN_FLIGHT, &|_| false, &mut after_in_flight)
        .unwrap()
        .into_iter()
        .map(|d| d.message.id)
        .collect();
    assert_eq!(in_flight.len(), IN_FLIGHT);
    let skip = |id| in_flight.contains(&id);

    let mut group = c.benchmark_group("due");
    group.throughput(Throughput::Elements(PAGE as u64));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    for (name, from) in [
        ("page_from_the_head", DueCursor::default()),
        ("page_from_a_cursor", after_in_flight),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut cursor = from;
                let page = outbox.due_from(NOW, PAGE, &skip, &mut cursor).unwrap();
                assert_eq!(page.len(), PAGE);
                page
            })
        });
    }
    group.finish();
    drop(outbox);
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, due_pages);
criterion_main!(benches);
