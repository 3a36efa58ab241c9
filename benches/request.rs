//! Parsing a submission body: a batch of 100 messages (OTP and bulk, GSM and UCS-2, a
//! `client_ref` on each) from its JSON into typed requests, as the API handler does before
//! the policy sees them.
//!
//! `cargo bench --bench request`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smppd::ingest::{Submission, parse_submission};

const MESSAGES: usize = 100;

fn batch() -> Vec<u8> {
    let items: Vec<String> = (0..MESSAGES)
        .map(|i| {
            let (kind, text) = if i % 3 == 0 {
                (
                    "otp",
                    format!("Your code is {:06}. It expires in 5 minutes.", i * 7919),
                )
            } else if i % 5 == 0 {
                (
                    "bulk",
                    "Привет! Ваш заказ отправлен и прибудет завтра.".to_owned(),
                )
            } else {
                (
                    "bulk",
                    format!(
                        "Order {i} has shipped and will arrive tomorrow. Reply STOP to opt out."
                    ),
                )
            };
            format!(
                r#"{{"to":"+4479{i:08}","text":"{text}","kind":"{kind}","client_ref":"ref-{i}"}}"#
            )
        })
        .collect();
    format!(r#"{{"messages":[{}]}}"#, items.join(",")).into_bytes()
}

fn parse(c: &mut Criterion) {
    let body = batch();
    match parse_submission(&body, 1000) {
        Ok(Submission::Batch(items)) => assert!(items.iter().all(Result::is_ok)),
        _ => panic!("the bench's batch does not parse"),
    }
    let mut group = c.benchmark_group("request");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function("batch of 100 parsed", |b| {
        b.iter(|| parse_submission(black_box(&body), 1000))
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
