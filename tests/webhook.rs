//! Webhook senders against a real HTTP receiver on loopback: signed, ordered, batched delivery;
//! retries that lose and duplicate nothing; dead letters once `retry_for` has passed; accounts
//! that never wait for each other; a shutdown that finishes the POST under way.
//!
//! Timing is never asserted tightly: every wait is a poll with a generous limit.

#[path = "webhook/support.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use smppd::webhook::{Backoff, BatchLimits, Client, Delivery, EventSource, Webhooks};
use support::{Answer, MemSource, Receiver, SECRET, all_distinct, eventually, hook, unix_now};

/// Quick retries, so a test of retries takes milliseconds per attempt.
fn quick(max_events: usize) -> BatchLimits {
    BatchLimits {
        max_events,
        max_delay: Duration::from_millis(20),
        backoff: Backoff {
            min: Duration::from_millis(10),
            max: Duration::from_millis(50),
        },
    }
}

const LONG: Duration = Duration::from_secs(3600);

fn ids(account: &str, seqs: std::ops::RangeInclusive<u64>) -> Vec<String> {
    seqs.map(|s| format!("{account}-{s}")).collect()
}

/// Events the account's sender has seen acknowledged and recorded in the source.
fn delivered(hooks: &Webhooks, account: &str) -> u64 {
    hooks
        .account_stats(account)
        .map_or(0, |s| s.delivered_events)
}

fn spawn(
    accounts: Vec<(&str, smppd::config::Webhook)>,
    source: &Arc<MemSource>,
    limits: BatchLimits,
) -> Webhooks {
    let accounts = accounts
        .into_iter()
        .map(|(a, h)| (a.to_owned(), h))
        .collect();
    let source: Arc<dyn EventSource> = source.clone();
    Webhooks::spawn(accounts, source, limits).expect("webhook client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_signed_in_order_and_batched() {
    let rx = Receiver::start(Answer::Ok).await;
    let source = Arc::new(MemSource::default());
    // A backlog present at start is found without a wake.
    source.push("acme", 250);
    let hooks = spawn(
        vec![("acme", hook(&rx.url, LONG, LONG))],
        &source,
        quick(100),
    );
    eventually("the backlog", || rx.acknowledged().len() == 250).await;
    for _ in 0..50 {
        source.push("acme", 1);
        hooks.wake("acme");
    }
    eventually("the new events", || rx.acknowledged().len() == 300).await;

    assert_eq!(rx.acknowledged(), ids("acme", 1..=300));
    let posts = rx.posts();
    assert!(
        posts.iter().all(|p| p.signed),
        "every POST carries a valid signature"
    );
    assert!(posts.iter().all(|p| p.json_content_type));
    let now = unix_now();
    assert!(
        posts
            .iter()
            .all(|p| p.timestamp.is_some_and(|t| t.abs_diff(now) < 600))
    );
    assert!(
        posts
            .iter()
            .all(|p| !p.event_ids.is_empty() && p.event_ids.len() <= 100)
    );
    assert_eq!(posts.iter().map(|p| p.event_ids.len()).max(), Some(100));
    // The receiver records a POST before smppd has read the answer: wait for smppd's side.
    eventually("the batches to be settled", || {
        delivered(&hooks, "acme") == 300
    })
    .await;
    assert_eq!(source.delivered("acme"), (1..=300).collect::<Vec<_>>());
    let stats = hooks.account_stats("acme").unwrap();
    assert_eq!(stats.delivered_batches, posts.len() as u64);
    assert_eq!((stats.failed_attempts, stats.dead_lettered_events), (0, 0));
    assert_eq!(stats.retrying_since, None);
    hooks.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_then_recovery_lose_nothing_and_repeat_nothing() {
    let rx = Receiver::start(Answer::Ok).await;
    rx.fail_next(4);
    let source = Arc::new(MemSource::default());
    source.push("acme", 10);
    let hooks = spawn(
        vec![("acme", hook(&rx.url, LONG, LONG))],
        &source,
        quick(100),
    );
    eventually("a first failure", || rx.posts().len() >= 2).await;
    // More events while the endpoint is failing wait behind the batch being retried.
    source.push("acme", 20);
    hooks.wake("acme");
    eventually("every event", || rx.acknowledged().len() == 30).await;

    let acked = rx.acknowledged();
    assert!(all_distinct(&acked), "no event delivered twice: {acked:?}");
    assert_eq!(acked, ids("acme", 1..=30));
    eventually("the batches to be settled", || {
        delivered(&hooks, "acme") == 30
    })
    .await;
    let posts = rx.posts();
    assert!(posts.iter().all(|p| p.signed));
    // The batch that failed is retried as it was: the same events, no more, no fewer.
    assert_eq!(posts.iter().filter(|p| p.answered == 500).count(), 4);
    for p in &posts[..5] {
        assert_eq!(p.event_ids, ids("acme", 1..=10));
    }
    let stats = hooks.account_stats("acme").unwrap();
    assert_eq!(stats.failed_attempts, 4);
    assert_eq!(stats.retrying_since, None);
    assert!(source.dead("acme").is_empty());
    hooks.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_never_answers_is_dead_lettered_after_retry_for() {
    let rx = Receiver::start(Answer::After(LONG)).await;
    let source = Arc::new(MemSource::default());
    source.push("acme", 5);
    let webhook = hook(
        &rx.url,
        Duration::from_millis(200),
        Duration::from_millis(300),
    );
    let hooks = spawn(vec![("acme", webhook)], &source, quick(100));
    eventually("a retry in progress", || {
        hooks
            .account_stats("acme")
            .unwrap()
            .retrying_since
            .is_some()
    })
    .await;
    eventually("dead letters", || {
        hooks.account_stats("acme").unwrap().dead_lettered_events == 5
    })
    .await;

    assert_eq!(source.dead("acme"), vec![1, 2, 3, 4, 5]);
    assert_eq!(source.pending_count("acme"), 0);
    assert!(rx.started() >= 2, "retried before giving up");
    let stats = hooks.account_stats("acme").unwrap();
    assert!(stats.failed_attempts >= 2);
    assert_eq!(stats.delivered_events, 0);

    // The sender goes on with later events.
    rx.answer(Answer::Ok);
    source.push("acme", 2);
    hooks.wake("acme");
    eventually("later events", || rx.acknowledged() == ids("acme", 6..=7)).await;
    assert_eq!(source.dead("acme"), vec![1, 2, 3, 4, 5]);
    hooks.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_endpoint_does_not_hold_up_another_account() {
    let dead = Receiver::start(Answer::After(LONG)).await;
    let alive = Receiver::start(Answer::Ok).await;
    let source = Arc::new(MemSource::default());
    // The dead endpoint's timeout is longer than `eventually` waits: had the live account to
    // wait for it, the test would fail.
    let accounts = vec![
        ("stuck", hook(&dead.url, Duration::from_secs(120), LONG)),
        ("fine", hook(&alive.url, LONG, LONG)),
    ];
    let hooks = spawn(accounts, &source, quick(10));
    source.push("stuck", 5);
    hooks.wake("stuck");
    eventually("the stuck POST", || dead.started() == 1).await;
    for _ in 0..5 {
        source.push("fine", 10);
        hooks.wake("fine");
    }
    eventually("the live account's events", || {
        delivered(&hooks, "fine") == 50
    })
    .await;
    assert_eq!(alive.acknowledged(), ids("fine", 1..=50));
    assert_eq!(source.pending_count("stuck"), 5);
    let stats = hooks.stats();
    assert_eq!(
        stats.iter().map(|s| s.account.as_str()).collect::<Vec<_>>(),
        ["fine", "stuck"]
    );
    assert_eq!(stats[1].delivered_events, 0);
    // Not `shutdown`: it would wait out the stuck POST. Dropping stops the senders anyway.
    drop(hooks);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_post_under_way() {
    let rx = Receiver::start(Answer::After(Duration::from_millis(700))).await;
    let source = Arc::new(MemSource::default());
    let hooks = spawn(
        vec![("acme", hook(&rx.url, LONG, LONG))],
        &source,
        quick(100),
    );
    source.push("acme", 3);
    hooks.wake("acme");
    eventually("the POST to start", || rx.started() == 1).await;
    tokio::time::timeout(Duration::from_secs(20), hooks.shutdown())
        .await
        .expect("shutdown ends once the POST is answered");

    assert_eq!(rx.acknowledged(), ids("acme", 1..=3));
    assert_eq!(source.delivered("acme"), vec![1, 2, 3]);
    assert_eq!(source.pending_count("acme"), 0);
    assert_eq!(hooks.account_stats("acme").unwrap().delivered_events, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_during_retries_leaves_the_batch_waiting() {
    let rx = Receiver::start(Answer::Status(503)).await;
    let source = Arc::new(MemSource::default());
    let mut limits = quick(100);
    limits.backoff = Backoff {
        min: Duration::from_secs(600),
        max: Duration::from_secs(600),
    };
    let hooks = spawn(vec![("acme", hook(&rx.url, LONG, LONG))], &source, limits);
    source.push("acme", 4);
    hooks.wake("acme");
    eventually("a failed attempt", || rx.posts().len() == 1).await;
    tokio::time::timeout(Duration::from_secs(20), hooks.shutdown())
        .await
        .expect("shutdown does not wait out the backoff");
    assert_eq!(source.pending_count("acme"), 4);
    assert!(source.dead("acme").is_empty());
    assert!(source.delivered("acme").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_errors_are_retried_without_losing_or_repeating_events() {
    let rx = Receiver::start(Answer::Ok).await;
    let source = Arc::new(MemSource::default());
    source.fail_reads.store(3, Ordering::SeqCst);
    source.fail_settles.store(2, Ordering::SeqCst);
    source.push("acme", 7);
    let hooks = spawn(
        vec![("acme", hook(&rx.url, LONG, LONG))],
        &source,
        quick(100),
    );
    eventually("the events to be settled", || {
        source.delivered("acme").len() == 7
    })
    .await;
    // A failed `delivered` is retried against the store, not by POSTing the batch again.
    assert_eq!(rx.acknowledged(), ids("acme", 1..=7));
    assert_eq!(source.fail_reads.load(Ordering::SeqCst), 0);
    assert_eq!(source.fail_settles.load(Ordering::SeqCst), 0);
    hooks.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_say_why_without_the_secret_or_the_url() {
    let client = Client::new().expect("client");
    let body = bytes::Bytes::from_static(br#"{"events":[]}"#);

    let rx = Receiver::start(Answer::Status(500)).await;
    let failed = client.post(&hook(&rx.url, LONG, LONG), body.clone()).await;
    assert_eq!(
        failed,
        Delivery::Failed("HTTP 500 Internal Server Error".into())
    );

    rx.answer(Answer::After(LONG));
    let slow = hook(&rx.url, Duration::from_millis(200), LONG);
    let Delivery::Failed(timeout) = client.post(&slow, body.clone()).await else {
        panic!("a POST without an answer fails");
    };
    assert!(timeout.contains("no answer within"), "{timeout}");

    // A port nobody listens on any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("http://127.0.0.1:{port}/hook?token=in-url");
    let Delivery::Failed(refused) = client.post(&hook(&url, LONG, LONG), body.clone()).await else {
        panic!("a refused connection fails");
    };
    assert!(refused.starts_with("connect error"), "{refused}");

    // https:// goes through rustls (a plain-HTTP peer makes the handshake fail, cleanly).
    let tls = rx.url.replace("http://", "https://");
    let Delivery::Failed(handshake) = client
        .post(&hook(&tls, Duration::from_secs(5), LONG), body)
        .await
    else {
        panic!("TLS to a plain-HTTP server fails");
    };
    for reason in [&timeout, &refused, &handshake] {
        assert!(
            !reason.contains(SECRET) && !reason.contains("in-url"),
            "{reason}"
        );
    }
}
