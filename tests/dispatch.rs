//! Accept → outbox → dispatcher → carrier pool → `smppd sim` over TCP, in one process: messages
//! reach the SMSC with the right fields, multipart messages arrive whole, a dead carrier fails
//! over to the next, a carrier that is down gets the messages once it is up (its OTP ahead of
//! another carrier's bulk backlog), and permanent refusals end as `rejected`.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::cfg;
use smppd::carrier::Carrier;
use smppd::dispatch::Dispatcher;
use smppd::ingest::{Acceptor, Submission, parse_submission};
use smppd::message::{MessageId, SegmentStatus, Status};
use smppd::sim::{self, SimConfig, SimHandle};
use smppd::store::{CommitLimits, Outbox};
use tokio_util::sync::CancellationToken;

const LIMIT: Duration = Duration::from_secs(60);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn simulator(port: u16, f: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut cfg = SimConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], port)),
        ..SimConfig::default()
    };
    cfg.receipts.delay = Duration::from_secs(3600);
    f(&mut cfg);
    sim::start(cfg).await.unwrap()
}

struct Daemon {
    acceptor: Acceptor,
    outbox: Outbox,
    carriers: Vec<Arc<Carrier>>,
    stop: CancellationToken,
}

/// A daemon's insides: carriers `first` and `second` (in that failover order for `+34`).
async fn daemon(name: &str, first_port: u16, second_port: u16) -> Daemon {
    let text = [
        cfg::service("", ""),
        cfg::carrier("first", first_port, 1),
        cfg::carrier("second", second_port, 1),
        cfg::route("+34", &["first", "second"]),
        cfg::account("acme", Some("ACME"), &[("acme-token", "\"send\"")], ""),
    ]
    .concat();
    daemon_from(name, &text).await
}

/// A daemon's insides from a config `text` whose carriers are `first` and `second`.
async fn daemon_from(name: &str, text: &str) -> Daemon {
    let config = cfg::load(text, Path::new("/"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dispatch");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&p);
    let outbox = Outbox::open(&p, CommitLimits::default()).unwrap();
    let (inbound, _) = common::ack_everything();
    let carriers: Vec<Arc<Carrier>> = config
        .carriers
        .iter()
        .map(|c| Arc::new(Carrier::start(c.carrier.clone(), inbound.clone()).unwrap()))
        .collect();
    let dispatcher = Dispatcher::new(
        Arc::new(outbox.clone()),
        carriers
            .iter()
            .cloned()
            .zip(config.carriers.iter())
            .collect(),
        256,
    );
    let stop = CancellationToken::new();
    tokio::spawn(dispatcher.run(stop.clone()));
    Daemon {
        acceptor: Acceptor::new(config, Arc::new(outbox.clone())),
        outbox,
        carriers,
        stop,
    }
}

async fn submit(d: &Daemon, body: &str) -> Vec<MessageId> {
    let Submission::Batch(items) = parse_submission(body.as_bytes(), 1000).unwrap() else {
        panic!("use a batch")
    };
    let requests = items
        .into_iter()
        .enumerate()
        .map(|(i, r)| (format!("messages[{i}]."), r.unwrap()))
        .collect();
    d.acceptor
        .accept("acme", requests, jiff::Timestamp::now())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.unwrap().id.parse().unwrap())
        .collect()
}

async fn wait_final(d: &Daemon, ids: &[MessageId], want: Status) {
    common::eventually(LIMIT, "the messages to be dispatched", || {
        ids.iter()
            .all(|id| d.outbox.get(*id).unwrap().is_some_and(|m| m.status == want))
    })
    .await;
}

fn batch(n: usize, text: &str) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"to": "+346001{i:05}", "text": "{text}"}}"#))
        .collect();
    format!(r#"{{"messages": [{}]}}"#, items.join(","))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_reach_the_smsc_and_are_recorded() {
    let port = free_port();
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("dispatch-log-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let sim = simulator(port, |c| c.submit_log = Some(log.clone())).await;
    let d = daemon("basic", port, free_port()).await;
    let ids = submit(&d, &batch(50, "Your code is 4321")).await;
    let long = "Lorem ipsum dolor sit amet ".repeat(12);
    let multi = submit(
        &d,
        &format!(r#"{{"messages": [{{"to": "+34699000001", "text": "{long}", "kind": "otp"}}]}}"#),
    )
    .await;
    wait_final(&d, &ids, Status::Submitted).await;
    wait_final(&d, &multi, Status::Submitted).await;
    let m = d.outbox.get(multi[0]).unwrap().unwrap();
    assert_eq!(m.segments.len(), 3);
    assert!(
        m.segments
            .iter()
            .all(|s| s.status == SegmentStatus::Submitted
                && s.carrier.as_deref() == Some("first")
                && s.carrier_message_id.is_some())
    );
    assert_eq!(d.outbox.queued().unwrap(), 0);
    assert_eq!(sim.stats().submit_sm_accepted, 53);
    d.stop.cancel();
    for c in &d.carriers {
        c.shutdown().await;
    }
    sim.shutdown().await.unwrap();
    // The SMSC saw the right fields: addresses, receipt request, OTP priority, UDH parts.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let first = lines
        .iter()
        .find(|l| l["pdu"]["destination_addr"] == "34600100000")
        .unwrap();
    assert_eq!(first["pdu"]["source_addr"], "ACME");
    assert_eq!(first["pdu"]["source_addr_ton"], 5);
    assert_eq!(
        (
            first["pdu"]["dest_addr_ton"].as_u64(),
            first["pdu"]["dest_addr_npi"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(first["pdu"]["registered_delivery"], 1);
    assert_eq!(
        first["pdu"]["short_message"],
        hex::encode("Your code is 4321")
    );
    let parts: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["pdu"]["destination_addr"] == "34699000001")
        .collect();
    assert_eq!(parts.len(), 3);
    assert!(
        parts
            .iter()
            .all(|p| p["pdu"]["esm_class"] == 0x40 && p["pdu"]["priority_flag"] == 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_carrier_fails_over_to_the_next() {
    let second = free_port();
    let sim = simulator(second, |_| {}).await;
    // Nothing listens on the first carrier's port.
    let d = daemon("failover", free_port(), second).await;
    common::eventually(LIMIT, "the second carrier's bind", || d.carriers[1].is_up()).await;
    let ids = submit(&d, &batch(10, "failover")).await;
    wait_final(&d, &ids, Status::Submitted).await;
    let m = d.outbox.get(ids[0]).unwrap().unwrap();
    assert_eq!(m.segments[0].carrier.as_deref(), Some("second"));
    assert_eq!(sim.stats().submit_sm_accepted, 10);
    d.stop.cancel();
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_that_is_down_gets_the_messages_once_it_is_up() {
    let port = free_port();
    let d = daemon("down-up", port, free_port()).await;
    let ids = submit(&d, &batch(20, "patience")).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    for id in &ids {
        let m = d.outbox.get(*id).unwrap().unwrap();
        assert_eq!(
            m.status,
            Status::Queued,
            "kept, not failed, while no carrier is up"
        );
    }
    let sim = simulator(port, |_| {}).await;
    wait_final(&d, &ids, Status::Submitted).await;
    assert_eq!(sim.stats().submit_sm_accepted, 20);
    d.stop.cancel();
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_for_a_carrier_back_up_goes_ahead_of_another_carriers_bulk_backlog() {
    // `first` (for +34) is down; `second` (for +33) is up but paced to 100 submits a second,
    // so its 3,000 bulk messages keep the dispatcher reading full pages for 30 seconds.
    let (first, second) = (free_port(), free_port());
    let sim2 = simulator(second, |_| {}).await;
    let text = [
        cfg::service("", ""),
        cfg::carrier("first", first, 1),
        cfg::carrier("second", second, 1).replace("max_tps = 100000", "max_tps = 100"),
        cfg::route("+34", &["first"]),
        cfg::route("+33", &["second"]),
        cfg::account("acme", Some("ACME"), &[("acme-token", "\"send\"")], ""),
    ]
    .concat();
    let d = daemon_from("otp-behind-cursor", &text).await;
    common::eventually(LIMIT, "the second carrier's bind", || d.carriers[1].is_up()).await;
    let otp: Vec<String> = (0..100)
        .map(|i| format!(r#"{{"to": "+346002{i:05}", "text": "code {i}", "kind": "otp"}}"#))
        .collect();
    let otp = submit(&d, &format!(r#"{{"messages": [{}]}}"#, otp.join(","))).await;
    let mut bulk = Vec::new();
    for chunk in 0..3 {
        let items: Vec<String> = (0..1000)
            .map(|i| format!(r#"{{"to": "+3361{chunk}{i:06}", "text": "news {i}"}}"#))
            .collect();
        bulk.extend(submit(&d, &format!(r#"{{"messages": [{}]}}"#, items.join(","))).await);
    }
    // The bulk is on its way and the OTP, for a carrier that is down, waits.
    common::eventually(LIMIT, "bulk to start", || {
        sim2.stats().submit_sm_accepted > 150
    })
    .await;
    assert!(
        otp.iter()
            .all(|id| d.outbox.get(*id).unwrap().unwrap().status == Status::Queued)
    );
    let sim1 = simulator(first, |_| {}).await;
    wait_final(&d, &otp, Status::Submitted).await;
    let waiting = d.outbox.queued().unwrap();
    assert!(
        waiting >= 1000,
        "the OTP went out only {waiting} bulk messages before the end of the backlog"
    );
    assert_eq!(sim1.stats().submit_sm_accepted, 100);
    d.stop.cancel();
    sim1.shutdown().await.unwrap();
    sim2.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_refusal_ends_as_rejected() {
    let port = free_port();
    let sim = simulator(port, |c| {
        c.faults.error_fraction = 1.0;
        c.faults.error_status = 0x0B;
    })
    .await;
    let d = daemon("rejected", port, free_port()).await;
    let ids = submit(&d, &batch(3, "nope")).await;
    wait_final(&d, &ids, Status::Rejected).await;
    let m = d.outbox.get(ids[0]).unwrap().unwrap();
    assert_eq!(m.segments[0].status, SegmentStatus::Rejected);
    assert!(
        m.segments[0]
            .error
            .as_deref()
            .unwrap()
            .contains("ESME_RINVDSTADR")
    );
    assert!(m.done_at_ms.is_some());
    d.stop.cancel();
    sim.shutdown().await.unwrap();
}
