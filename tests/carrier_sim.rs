//! The carrier pool against `smppd sim` over real TCP (and TLS): binds, reconnects, throttling,
//! timeouts, and the bind cap under repeated drops.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use smppd::carrier::{BindCounts, BindState, Carrier, CarrierConfig, Outcome, TlsSettings};
use smppd::sim::{self, SimConfig, SimHandle, TlsConfig, TlsIdentity};

const LIMIT: Duration = Duration::from_secs(60);

async fn simulator(f: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut cfg = SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..SimConfig::default()
    };
    cfg.receipts.delay = Duration::from_millis(50);
    f(&mut cfg);
    sim::start(cfg).await.expect("simulator starts")
}

fn carrier_cfg(sim: &SimHandle, binds: BindCounts) -> CarrierConfig {
    let mut cfg = CarrierConfig::new("sim", "127.0.0.1", sim.local_addr().port());
    cfg.system_id = "smppd".into();
    cfg.password = "secret".into();
    cfg.binds = binds;
    cfg.reconnect_min = Duration::from_millis(20);
    cfg.reconnect_max = Duration::from_millis(200);
    cfg.max_tps = 100_000;
    cfg
}

fn trx(n: usize) -> BindCounts {
    BindCounts {
        transceiver: n,
        ..BindCounts::default()
    }
}

fn accepted(outcomes: &[Outcome]) -> bool {
    outcomes
        .iter()
        .all(|o| matches!(o, Outcome::Accepted { .. }))
}

/// Submits `n` one-part messages concurrently and returns each message's outcomes.
async fn submit_many(carrier: &Arc<Carrier>, n: usize) -> Vec<Vec<Outcome>> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let carrier = carrier.clone();
            tokio::spawn(async move {
                let part = common::submit_sm(&format!("34600{i:06}"), "hi", 1);
                loop {
                    match carrier.submit(vec![part.clone()]).await {
                        Ok(outcomes) => return outcomes,
                        // No bind up at this instant (reconnecting): the caller retries.
                        Err(smppd::carrier::SubmitError::NoBind(_)) => {
                            tokio::time::sleep(Duration::from_millis(20)).await
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binds_submits_and_gets_receipts() {
    let sim = simulator(|_| {}).await;
    let (inbound, receipts) = common::ack_everything();
    let carrier = Arc::new(Carrier::start(carrier_cfg(&sim, trx(2)), inbound).unwrap());
    common::eventually(LIMIT, "a bind", || carrier.is_up()).await;
    let results = submit_many(&carrier, 200).await;
    assert!(results.iter().all(|o| accepted(o)));
    common::eventually(LIMIT, "200 receipts", || receipts.ids().len() == 200).await;
    let stats = sim.stats();
    assert_eq!(stats.submit_sm_accepted, 200);
    let snap = carrier.snapshot();
    assert_eq!(snap.binds.len(), 2);
    assert!(
        snap.binds
            .iter()
            .all(|b| b.state == BindState::Bound && b.in_flight == 0)
    );
    assert_eq!(snap.binds.iter().map(|b| b.submitted).sum::<u64>(), 200);
    carrier.shutdown().await;
    assert!(
        carrier
            .snapshot()
            .binds
            .iter()
            .all(|b| b.state == BindState::Stopped)
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebinds_after_drops_with_nothing_lost_or_stuck() {
    let sim = simulator(|_| {}).await;
    let (inbound, _) = common::ack_everything();
    let carrier = Arc::new(Carrier::start(carrier_cfg(&sim, trx(2)), inbound).unwrap());
    common::eventually(LIMIT, "a bind", || carrier.is_up()).await;
    let flow = tokio::spawn({
        let carrier = carrier.clone();
        async move { submit_many(&carrier, 2000).await }
    });
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(30)).await;
        sim.disconnect_all();
    }
    let results = tokio::time::timeout(LIMIT, flow)
        .await
        .expect("every submit resolves: nothing is stuck in a window")
        .unwrap();
    // A submit in flight at a drop is `Unknown` (the SMSC may have it); everything else was
    // accepted, either at once or after going back to the queue.
    let unknown = results
        .iter()
        .filter(|o| matches!(o[..], [Outcome::Unknown]))
        .count();
    let ok = results.iter().filter(|o| accepted(o)).count();
    assert_eq!(ok + unknown, 2000, "only accepted or unknown: {results:?}");
    assert!(sim.stats().submit_sm_accepted >= ok as u64);
    common::eventually(LIMIT, "rebinding", || carrier.is_up()).await;
    let snap = carrier.snapshot();
    assert!(snap.binds.iter().all(|b| b.in_flight == 0), "{snap:?}");
    assert!(snap.binds.iter().map(|b| b.connects).sum::<u64>() >= 4);
    carrier.shutdown().await;
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_backs_off_instead_of_storming() {
    let sim = simulator(|_| {}).await;
    let (inbound, _) = common::ack_everything();
    let mut cfg = carrier_cfg(&sim, trx(1));
    cfg.password = "wrong".into();
    cfg.reconnect_min = Duration::from_millis(50);
    cfg.reconnect_max = Duration::from_millis(400);
    let carrier = Carrier::start(cfg, inbound).unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let attempts = sim.stats().connections_accepted;
    // Backoff 50, 100, 200, 400, 400 … ms (halved at worst by jitter): a dozen tries in 2 s at
    // most, where a loop without backoff would make hundreds.
    assert!(
        (2..=16).contains(&attempts),
        "{attempts} connection attempts"
    );
    assert!(!carrier.is_up());
    let err = carrier.snapshot().binds[0].last_error.clone().unwrap();
    assert!(err.contains("ESME_RINVPASWD"), "{err}");
    assert!(matches!(
        carrier.submit(vec![common::submit_sm("346", "x", 0)]).await,
        Err(smppd::carrier::SubmitError::NoBind(_))
    ));
    carrier.shutdown().await;
    sim.shutdown().await.unwrap();
}

/// The destination, UDH sequence number and answer of a logged submit_sm.
fn udh_seq(line: &serde_json::Value) -> (String, u8, bool) {
    let pdu = &line["pdu"];
    let sm = hex::decode(pdu["short_message"].as_str().unwrap()).unwrap();
    let accepted = line["answer"] == "ESME_ROK";
    (
        pdu["destination_addr"].as_str().unwrap().to_owned(),
        sm[5],
        accepted,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_retried_in_order_until_everything_is_accepted() {
    let dir = tempdir();
    let log = dir.join("submits.jsonl");
    let sim = simulator(|c| {
        // Rate-based like a carrier's contract, plus a few at random.
        c.faults.throttle_above_tps = Some(60);
        c.faults.throttle_fraction = 0.05;
        c.submit_log = Some(log.clone());
        c.seed = Some(7);
    })
    .await;
    let (inbound, _) = common::ack_everything();
    let mut cfg = carrier_cfg(&sim, trx(2));
    cfg.throttle_pause = Duration::from_millis(20);
    // No timer may rescue a part whose retry was forgotten: a lost wake-up hangs this test.
    cfg.enquire_link = Duration::from_secs(3600);
    cfg.throttle_retry_for = Duration::from_secs(3600);
    let carrier = Arc::new(Carrier::start(cfg, inbound).unwrap());
    common::eventually(LIMIT, "a bind", || carrier.is_up()).await;
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let carrier = carrier.clone();
            tokio::spawn(async move {
                let dest = format!("34611{i:06}");
                let parts: Vec<Bytes> = (1..=3u8)
                    .map(|seq| {
                        let ud = [0x05, 0x00, 0x03, i as u8, 3, seq, b'p', b'a', b'r', b't'];
                        common::submit_sm_with(&dest, &ud, 0x40, 0)
                    })
                    .collect();
                carrier.submit(parts).await.unwrap()
            })
        })
        .collect();
    for t in tasks {
        let outcomes = tokio::time::timeout(LIMIT, t).await.unwrap().unwrap();
        assert!(accepted(&outcomes), "{outcomes:?}");
    }
    let throttled = sim.stats().submit_sm_throttled;
    assert!(throttled > 0, "the simulator throttled some submits");
    assert!(
        carrier
            .snapshot()
            .binds
            .iter()
            .map(|b| b.throttles)
            .sum::<u64>()
            >= throttled
    );
    carrier.shutdown().await;
    sim.shutdown().await.unwrap();
    // Each message's parts reached the SMSC in order, throttled attempts included.
    let text = std::fs::read_to_string(&log).unwrap();
    let mut tried: std::collections::HashMap<String, Vec<u8>> = Default::default();
    let mut taken: std::collections::HashMap<String, Vec<u8>> = Default::default();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (dest, seq, ok) = udh_seq(&v);
        tried.entry(dest.clone()).or_default().push(seq);
        if ok {
            taken.entry(dest).or_default().push(seq);
        }
    }
    assert_eq!(taken.len(), 60);
    for (dest, seqs) in &taken {
        assert_eq!(
            seqs,
            &[1, 2, 3],
            "{dest}: each part accepted once, in order"
        );
    }
    for (dest, seqs) in tried {
        assert!(
            seqs.is_sorted(),
            "{dest}: a later part went before an earlier one: {seqs:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_timeout_is_unknown() {
    let sim = simulator(|c| c.faults.no_answer_fraction = 1.0).await;
    let (inbound, _) = common::ack_everything();
    let mut cfg = carrier_cfg(&sim, trx(1));
    cfg.response_timeout = Duration::from_millis(300);
    let carrier = Carrier::start(cfg, inbound).unwrap();
    common::eventually(LIMIT, "a bind", || carrier.is_up()).await;
    let outcomes = carrier
        .submit(vec![common::submit_sm("34600000001", "x", 1)])
        .await
        .unwrap();
    assert_eq!(outcomes, [Outcome::Unknown]);
    // The link answered the enquire_link that followed the timeout, so the bind stays.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(carrier.is_up());
    carrier.shutdown().await;
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binds_over_tls() {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert_pem = key.cert.pem();
    let dir = tempdir();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &cert_pem).unwrap();
    let sim = simulator(|c| {
        c.tls = Some(TlsConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            identity: TlsIdentity::Pem {
                cert: cert_pem.clone(),
                key: key.signing_key.serialize_pem(),
            },
        })
    })
    .await;
    let (inbound, receipts) = common::ack_everything();
    let mut cfg = carrier_cfg(&sim, trx(1));
    cfg.port = sim.tls_addr().unwrap().port();
    cfg.tls = Some(TlsSettings {
        ca: Some(ca),
        server_name: Some("localhost".into()),
        client_cert: None,
    });
    let carrier = Carrier::start(cfg.clone(), inbound).unwrap();
    common::eventually(LIMIT, "a TLS bind", || carrier.is_up()).await;
    let outcomes = carrier
        .submit(vec![common::submit_sm("34600000002", "over tls", 1)])
        .await
        .unwrap();
    assert!(accepted(&outcomes));
    common::eventually(LIMIT, "the receipt over TLS", || receipts.ids().len() == 1).await;
    carrier.shutdown().await;

    // A certificate for another name is refused: no bind.
    cfg.tls.as_mut().unwrap().server_name = Some("smsc.example".into());
    let (inbound, _) = common::ack_everything();
    let wrong = Carrier::start(cfg, inbound).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!wrong.is_up());
    let err = wrong.snapshot().binds[0]
        .last_error
        .clone()
        .unwrap_or_default();
    assert!(err.contains("connect"), "{err}");
    wrong.shutdown().await;
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bind_cap_holds_under_repeated_drops() {
    let sim = simulator(|c| {
        c.faults.drop_after = Some(6);
        c.max_binds = Some(3);
    })
    .await;
    let (inbound, _) = common::ack_everything();
    let carrier = Arc::new(Carrier::start(carrier_cfg(&sim, trx(3)), inbound).unwrap());
    common::eventually(LIMIT, "a bind", || carrier.is_up()).await;
    // Keep traffic flowing for a while: every connection dies after a bind and five submits.
    let until = tokio::time::Instant::now() + Duration::from_secs(2);
    while tokio::time::Instant::now() < until {
        let _ = tokio::time::timeout(Duration::from_secs(5), submit_many(&carrier, 20)).await;
    }
    let stats = sim.stats();
    assert!(
        stats.connections_accepted > 6,
        "connections were dropped and remade"
    );
    assert!(stats.binds_peak <= 3, "peak {} binds", stats.binds_peak);
    carrier.shutdown().await;
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivers_take_receipts_and_transmitters_submit() {
    let sim = simulator(|_| {}).await;
    let (inbound, receipts) = common::ack_everything();
    let binds = BindCounts {
        transmitter: 1,
        receiver: 1,
        transceiver: 0,
    };
    let carrier = Arc::new(Carrier::start(carrier_cfg(&sim, binds), inbound).unwrap());
    common::eventually(LIMIT, "binds", || {
        carrier
            .snapshot()
            .binds
            .iter()
            .all(|b| b.state == BindState::Bound)
    })
    .await;
    let results = submit_many(&carrier, 50).await;
    assert!(results.iter().all(|o| accepted(o)));
    common::eventually(LIMIT, "50 receipts", || receipts.ids().len() == 50).await;
    let snap = carrier.snapshot();
    assert_eq!(
        snap.binds[0].submitted, 50,
        "the transmitter sent everything"
    );
    assert_eq!(snap.binds[1].submitted, 0, "the receiver sent nothing");
    // The receipts carry the ids the submits got.
    let mut ids: Vec<String> = results
        .iter()
        .map(|o| match &o[0] {
            Outcome::Accepted { message_id } => String::from_utf8(message_id.to_vec()).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    let mut got = receipts.ids();
    ids.sort();
    got.sort();
    assert_eq!(ids, got);
    carrier.shutdown().await;
    sim.shutdown().await.unwrap();
}

/// A fresh directory under the target's temp dir.
fn tempdir() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("carrier-sim-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_no_bind_has_started_are_withdrawn_and_started_ones_finish() {
    let sim = simulator(|_| {}).await;
    let mut cfg = carrier_cfg(&sim, trx(1));
    // One submit a second: the first message goes out, the rest wait for the rate.
    cfg.max_tps = 1;
    let carrier = Arc::new(Carrier::start(cfg, tokio::sync::mpsc::channel(16).0).unwrap());
    common::eventually(LIMIT, "a bind", || carrier.is_up()).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let (carrier, stop) = (carrier.clone(), stop.clone());
            tokio::spawn(async move {
                let part = common::submit_sm(&format!("3460000000{i}"), "x", 0);
                carrier.submit_until(vec![part], None, &stop).await
            })
        })
        .collect();
    common::eventually(LIMIT, "the first submit at the SMSC", || {
        sim.stats().submit_sm_accepted == 1
    })
    .await;
    stop.cancel();
    let mut sent = 0;
    let mut withdrawn = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(outcomes) if accepted(&outcomes) => sent += 1,
            Err(smppd::carrier::SubmitError::Withdrawn(_)) => withdrawn += 1,
            other => panic!("unexpected: {other:?}"),
        }
    }
    // Every outcome is known: what went out was answered, the rest never left.
    assert_eq!((sent, withdrawn), (1, 3));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sim.stats().submit_sm_accepted, 1);
    carrier.shutdown().await;
    sim.shutdown().await.unwrap();
}
