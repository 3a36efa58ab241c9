//! Accepted messages per second over the Unix socket, durability on (a 202 only after the
//! batch is fsynced), in batches of 100 from 16 keep-alive connections. The daemon, its
//! dispatcher and the simulator it sends to share this machine's two cores with the client.
//! Target ≥ 100k accepted/s.
//!
//! `cargo bench --bench api`

// Wall-clock time is what a benchmark measures; the ban on it is for code under paused test time.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sha2::{Digest, Sha256};
use smppd::config::Config;
use smppd::sim::{self, SimConfig};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio_util::sync::CancellationToken;

const CONNECTIONS: usize = 16;
const BATCH: usize = 100;
const REQUESTS_PER_ITER: usize = 160;

/// One request on a keep-alive connection; returns the status and how many of its messages
/// were accepted.
async fn post(conn: &mut BufReader<UnixStream>, body: &[u8]) -> (u16, usize) {
    let head = format!(
        "POST /v1/messages HTTP/1.1\r\nHost: smppd\r\nAuthorization: Bearer bench\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let stream = conn.get_mut();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut status = 0;
    let mut length = 0;
    let mut line = String::new();
    loop {
        line.clear();
        conn.read_line(&mut line).await.unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some(code) = l.strip_prefix("HTTP/1.1 ") {
            status = code[..3].parse().unwrap();
        } else if let Some((name, value)) = l.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body).await.unwrap();
    let accepted = body
        .windows(ACCEPTED.len())
        .filter(|w| *w == ACCEPTED)
        .count();
    (status, accepted)
}

/// How an accepted message's result reads in a response.
const ACCEPTED: &[u8] = br#""status":"accepted""#;

fn config(dir: &Path, sim_port: u16) -> Arc<Config> {
    let text = format!(
        r#"
[api]
socket = "api.sock"
[admin]
listen = "127.0.0.1:0"
[store]
path = "data"
max_outbox = 10000000
[[carriers]]
name = "sim"
host = "127.0.0.1"
port = {sim_port}
system_id = "smppd"
password = "secret"
binds = {{ transceiver = 2 }}
max_tps = 1000000
[[routes]]
prefix = "+"
carriers = ["sim"]
[[accounts]]
id = "bench"
default_sender = "BENCH"
webhook = {{ url = "http://127.0.0.1:9/hook", secret = "s" }}
tokens = [{{ sha256 = "{}", scopes = ["send"] }}]
[accounts.policy]
# Each connection sends its one body again and again: with the duplicate window on, every
# message after the first round would be refused as a repeat, which is not what is measured.
duplicate_window = "0s"
"#,
        hex::encode(Sha256::digest(b"bench"))
    );
    Arc::new(Config::from_str(&text, &dir.join("bench.toml"), dir, &|_| None).unwrap())
}

/// Starts a daemon in `rt` whose one carrier is at `sim_port`; returns its socket.
fn start_daemon(
    rt: &tokio::runtime::Runtime,
    name: &str,
    sim_port: u16,
    stop: &CancellationToken,
) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("smppd-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = config(&dir, sim_port);
    let socket = cfg.api.socket.clone();
    rt.spawn(smppd::app::run(cfg, dir.join("bench.toml"), stop.clone()));
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(20);
        while UnixStream::connect(&socket).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "the daemon did not open its socket"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    socket
}

fn accept_rate(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let bodies: Vec<Vec<u8>> = (0..CONNECTIONS)
        .map(|c| {
            let items: Vec<String> = (0..BATCH)
                .map(|i| format!(r#"{{"to": "+3460{c:02}{i:05}", "text": "Your code is {i:06}"}}"#))
                .collect();
            format!(r#"{{"messages": [{}]}}"#, items.join(",")).into_bytes()
        })
        .collect();
    let sim = rt.block_on(async {
        sim::start(SimConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..SimConfig::default()
        })
        .await
        .unwrap()
    });
    // Nothing listens on this port: the carrier stays down and the dispatcher idle, so the
    // figure is what the socket and the outbox take.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let stop = CancellationToken::new();
    let cases = [
        (
            "accept_into_outbox",
            start_daemon(&rt, "outbox", closed, &stop),
        ),
        (
            "accept_while_dispatching",
            start_daemon(&rt, "dispatch", sim.local_addr().port(), &stop),
        ),
    ];
    let mut group = c.benchmark_group("api");
    group.throughput(Throughput::Elements((REQUESTS_PER_ITER * BATCH) as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    for (name, socket) in &cases {
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let tasks: Vec<_> = (0..CONNECTIONS)
                            .map(|c| {
                                let socket = socket.clone();
                                let body = bodies[c].clone();
                                tokio::spawn(async move {
                                    let mut conn =
                                        BufReader::new(UnixStream::connect(&socket).await.unwrap());
                                    for _ in 0..REQUESTS_PER_ITER / CONNECTIONS {
                                        assert_eq!(post(&mut conn, &body).await, (207, BATCH));
                                    }
                                })
                            })
                            .collect();
                        for t in tasks {
                            t.await.unwrap();
                        }
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
    rt.block_on(async {
        stop.cancel();
        tokio::time::sleep(Duration::from_millis(500)).await;
        sim.shutdown().await.unwrap();
    });
}

criterion_group!(benches, accept_rate);
criterion_main!(benches);
