//! Simulator throughput: submit_sm answered per second by an in-process simulator running on
//! one core (a current-thread runtime on its own thread), without receipts.
//! Target: ≥ 150k submit_sm/s. Measured on the 2-core development machine: about 4.1 M/s
//! (15.5 µs per batch of 64).
//!
//! The client is raw and pipelined: a transmitter bind, then one thread writes batches of 64
//! pre-encoded submit_sm while another reads the submit_sm_resp, checking only headers.
//!
//! `cargo bench --bench sim`

// Wall-clock time is what a benchmark measures; the ban on it is for code under paused test time.
#![allow(clippy::disallowed_methods)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smppd::pdu::{Bind, Body, COctet, List, Octets, Pdu, SubmitSm};
use smppd::sim::{SimConfig, start};

const BATCH: u64 = 64;

/// Starts a simulator on its own thread and one-core runtime; it runs until the process ends.
fn simulator() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let sim = start(SimConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                ..SimConfig::default()
            })
            .await
            .unwrap();
            tx.send(sim.local_addr()).unwrap();
            // Keep the simulator (and this runtime) alive for the whole benchmark.
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

fn encode(pdu: &Pdu<'_>, buf: &mut BytesMut) {
    pdu.encode(buf).unwrap();
}

/// A bound transmitter connection.
fn bind(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut buf = BytesMut::new();
    encode(
        &Pdu::new(
            1,
            Body::BindTransmitter(Bind {
                system_id: COctet::from_str("smppd"),
                password: COctet::from_str("secret"),
                system_type: COctet::EMPTY,
                interface_version: 0x34,
                addr_ton: 0,
                addr_npi: 0,
                address_range: COctet::EMPTY,
                tlvs: List::default(),
            }),
        ),
        &mut buf,
    );
    stream.write_all(&buf).unwrap();
    let mut header = [0u8; 16];
    stream.read_exact(&mut header).unwrap();
    let len = u32::from_be_bytes(header[0..4].try_into().unwrap()) as usize;
    let status = u32::from_be_bytes(header[8..12].try_into().unwrap());
    assert_eq!(status, 0, "bind refused");
    let mut rest = vec![0u8; len - 16];
    stream.read_exact(&mut rest).unwrap();
    stream
}

/// 64 submit_sm, ready to write.
fn batch() -> Vec<u8> {
    let mut buf = BytesMut::new();
    for seq in 1..=BATCH as u32 {
        let sm = SubmitSm {
            source_addr_ton: 5,
            source_addr: COctet::from_str("ACME"),
            dest_addr_ton: 1,
            dest_addr_npi: 1,
            destination_addr: COctet::from_str("34600111222"),
            validity_period: COctet::from_str("000000000500000R"),
            short_message: Octets::new(
                b"Your verification code is 482913. It expires in 5 minutes.",
            ),
            ..Default::default()
        };
        encode(&Pdu::new(seq + 1, Body::SubmitSm(sm)), &mut buf);
    }
    buf.to_vec()
}

/// Writes `batches` batches on one thread and reads every answer on this one.
fn run(stream: &TcpStream, batch: &[u8], batches: u64) -> Duration {
    let expected = batches * BATCH;
    let start = Instant::now();
    std::thread::scope(|s| {
        let mut writer = stream.try_clone().unwrap();
        s.spawn(move || {
            for _ in 0..batches {
                writer.write_all(batch).unwrap();
            }
        });
        let mut reader = stream.try_clone().unwrap();
        let mut buf = vec![0u8; 256 * 1024];
        let (mut filled, mut seen, mut failed) = (0usize, 0u64, 0u64);
        while seen < expected {
            let n = reader.read(&mut buf[filled..]).unwrap();
            assert!(n > 0, "simulator closed the connection");
            filled += n;
            let mut at = 0;
            while filled - at >= 16 {
                let len = u32::from_be_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
                if filled - at < len {
                    break;
                }
                failed += u64::from(buf[at + 8..at + 12] != [0, 0, 0, 0]);
                seen += 1;
                at += len;
            }
            buf.copy_within(at..filled, 0);
            filled -= at;
        }
        assert_eq!(failed, 0, "submit_sm refused");
    });
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let addr = simulator();
    let stream = bind(addr);
    let batch = batch();
    let mut group = c.benchmark_group("sim");
    group.throughput(Throughput::Elements(BATCH));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("submit_sm_pipelined_one_core", |b| {
        b.iter_custom(|iters| run(&stream, &batch, iters))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
