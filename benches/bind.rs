//! One bind, window 64, against `smppd sim` on loopback, both in this process and sharing the
//! machine's two cores: submit_sm per second through the carrier pool (encoded part handed to
//! the pool → submit_sm on the wire → submit_sm_resp → outcome back to the caller).
//! Target ≥ 150k submit_sm/s.
//!
//! `cargo bench --bench bind`

// Wall-clock time is what a benchmark measures; the ban on it is for code under paused test time.
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use smppd::carrier::{BindCounts, Carrier, CarrierConfig, Outcome};
use smppd::pdu::{Body, COctet, Octets, Pdu, SubmitSm};
use smppd::sim::{self, SimConfig};

const BATCH: u64 = 20_000;
const CONCURRENCY: usize = 512;

fn part() -> Bytes {
    Pdu::new(
        0,
        Body::SubmitSm(SubmitSm {
            source_addr_ton: 5,
            source_addr: COctet::from_str("ACME"),
            dest_addr_ton: 1,
            dest_addr_npi: 1,
            destination_addr: COctet::from_str("34600111222"),
            // No receipt: this measures the submit path alone.
            registered_delivery: 0,
            short_message: Octets::new(b"Your code is 123456"),
            ..Default::default()
        }),
    )
    .to_bytes()
    .unwrap()
}

fn bind_throughput(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (sim, carrier) = rt.block_on(async {
        let sim = sim::start(SimConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let mut cfg = CarrierConfig::new("sim", "127.0.0.1", sim.local_addr().port());
        cfg.system_id = "smppd".into();
        cfg.password = "secret".into();
        cfg.binds = BindCounts {
            transceiver: 1,
            ..BindCounts::default()
        };
        cfg.window = 64;
        cfg.max_tps = 10_000_000;
        let (inbound, _rx) = tokio::sync::mpsc::channel(16);
        let carrier = Carrier::start(cfg, inbound).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !carrier.is_up() {
            assert!(Instant::now() < deadline, "the bench bind did not come up");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        (sim, carrier)
    });
    let part = part();
    let mut group = c.benchmark_group("bind");
    group.throughput(Throughput::Elements(BATCH));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("submit_sm_window_64", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    futures::stream::iter(0..BATCH)
                        .for_each_concurrent(CONCURRENCY, |_| {
                            let part = part.clone();
                            let carrier = &carrier;
                            async move {
                                let outcome = carrier.submit(vec![part]).await.unwrap();
                                assert!(matches!(outcome[..], [Outcome::Accepted { .. }]));
                            }
                        })
                        .await;
                }
                start.elapsed()
            })
        })
    });
    group.finish();
    rt.block_on(async {
        carrier.shutdown().await;
        sim.shutdown().await.unwrap();
    });
}

criterion_group!(benches, bind_throughput);
criterion_main!(benches);
