//! Route lookup: destination digits → longest matching prefix, over a table of ~1,000
//! overlapping prefixes (every 1–3 digit calling-code shape plus operator ranges).
//!
//! `cargo bench --bench routing`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smppd::config::{E164Prefix, Route};
use smppd::routing::RouteTable;

fn routes() -> Vec<Route> {
    let mut prefixes = vec!["+".to_string()];
    prefixes.extend((1..=9).map(|d| format!("+{d}")));
    prefixes.extend((10..=99).map(|d| format!("+{d}")));
    prefixes.extend((200..=999).step_by(3).map(|d| format!("+{d}")));
    prefixes.extend((0..=99).map(|d| format!("+346{d:02}")));
    prefixes
        .into_iter()
        .map(|p| Route {
            prefix: E164Prefix::parse(&p).unwrap(),
            country: None,
            carriers: vec!["sim".into()],
            weights: None,
        })
        .collect()
}

fn lookup(c: &mut Criterion) {
    let table = RouteTable::new(&routes());
    let numbers = [
        "34600111222",
        "447911123456",
        "12425550100",
        "8613800138000",
        "2348031234567",
    ];
    let mut group = c.benchmark_group("routing");
    group.throughput(Throughput::Elements(numbers.len() as u64));
    group.bench_function("lookup", |b| {
        b.iter(|| {
            for n in numbers {
                black_box(table.lookup(black_box(n)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, lookup);
criterion_main!(benches);
