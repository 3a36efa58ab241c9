//! Segmenting throughput: a 1,000-character mixed text (UCS-2, several parts) and a
//! 160-character GSM text (one part), through `preview` and `segment`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use smppd::text::{EncodingChoice, TextProfile, preview, segment};

fn mixed_text() -> String {
    let base = "Hola Ana, tu código es 4821 — válido 10 min. Привет! 你好 😀 {ok} € ";
    base.chars().cycle().take(1000).collect()
}

fn gsm_text() -> String {
    "Your verification code is 123456. It expires in 10 minutes. Do not share it with anyone; \
     we will never ask for it. Reply STOP to opt out [ref 42]."
        .chars()
        .cycle()
        .take(160)
        .collect()
}

fn bench(c: &mut Criterion) {
    let profile = TextProfile {
        max_segments: 255,
        ..TextProfile::default()
    };
    let mixed = mixed_text();
    let gsm = gsm_text();
    assert_eq!(gsm.chars().count(), 160);
    let mut group = c.benchmark_group("text");
    group.bench_function("segment_mixed_1000", |b| {
        b.iter(|| segment(black_box(&mixed), EncodingChoice::Auto, &profile, 7))
    });
    group.bench_function("preview_mixed_1000", |b| {
        b.iter(|| preview(black_box(&mixed), EncodingChoice::Auto, &profile))
    });
    group.bench_function("segment_gsm_160", |b| {
        b.iter(|| segment(black_box(&gsm), EncodingChoice::Auto, &profile, 7))
    });
    group.bench_function("preview_gsm_160", |b| {
        b.iter(|| preview(black_box(&gsm), EncodingChoice::Auto, &profile))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
