//! Test doubles for the webhook senders: an in-memory event source (with injectable store
//! failures) and a real HTTP receiver that checks every signature and records what it saw.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use smppd::config::{Secret, Webhook};
use smppd::store::{StoreError, StoreFuture};
use smppd::webhook::{EventSource, PendingEvent, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify};

/// Polls `done` until it holds, failing the test after 20 s: generous for a slow machine.
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A webhook for `url` with the test secret.
pub fn hook(url: &str, timeout: Duration, retry_for: Duration) -> Webhook {
    Webhook {
        url: url.to_owned(),
        secret: Secret::new(SECRET),
        timeout,
        retry_for,
    }
}

pub const SECRET: &str = "test-signing-secret";

#[derive(Debug, Default)]
struct Events {
    next_seq: BTreeMap<String, u64>,
    pending: BTreeMap<(String, u64), Bytes>,
    dead: BTreeMap<(String, u64), Bytes>,
    /// Every `delivered` call's seqs, in order, to catch a batch settled twice.
    delivered: Vec<(String, u64)>,
}

/// An in-memory [`EventSource`]; `fail_reads` / `fail_settles` make that many next calls fail.
#[derive(Debug, Default)]
pub struct MemSource {
    events: Mutex<Events>,
    pub fail_reads: AtomicU32,
    pub fail_settles: AtomicU32,
}

impl MemSource {
    /// Stores `n` new events for `account`; each is `{"event_id":"<account>-<seq>",...}`.
    pub fn push(&self, account: &str, n: usize) {
        let mut e = self.events.lock().unwrap();
        for _ in 0..n {
            let seq = e.next_seq.entry(account.to_owned()).or_insert(0);
            *seq += 1;
            let seq = *seq;
            let json =
                format!(r#"{{"type":"mo","event_id":"{account}-{seq}","text":"hi, \"you\""}}"#);
            e.pending
                .insert((account.to_owned(), seq), Bytes::from(json));
        }
    }

    pub fn pending_count(&self, account: &str) -> usize {
        let e = self.events.lock().unwrap();
        e.pending.keys().filter(|(a, _)| a == account).count()
    }

    pub fn dead(&self, account: &str) -> Vec<u64> {
        let e = self.events.lock().unwrap();
        e.dead
            .keys()
            .filter(|(a, _)| a == account)
            .map(|(_, s)| *s)
            .collect()
    }

    pub fn delivered(&self, account: &str) -> Vec<u64> {
        let e = self.events.lock().unwrap();
        e.delivered
            .iter()
            .filter(|(a, _)| a == account)
            .map(|(_, s)| *s)
            .collect()
    }

    fn injected_failure(counter: &AtomicU32) -> Result<(), StoreError> {
        match counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)) {
            Ok(_) => Err(StoreError::Database("injected failure".into())),
            Err(_) => Ok(()),
        }
    }

    fn settle(&self, account: &str, seqs: Vec<u64>, dead: bool) -> Result<(), StoreError> {
        Self::injected_failure(&self.fail_settles)?;
        let mut e = self.events.lock().unwrap();
        for seq in seqs {
            let key = (account.to_owned(), seq);
            let json = e
                .pending
                .remove(&key)
                .expect("settled an event that is not pending");
            if dead {
                e.dead.insert(key, json);
            } else {
                e.delivered.push(key);
            }
        }
        Ok(())
    }
}

impl EventSource for MemSource {
    fn pending(
        &self,
        account: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<PendingEvent>, StoreError> {
        Self::injected_failure(&self.fail_reads)?;
        let e = self.events.lock().unwrap();
        let from = (account.to_owned(), after.saturating_add(1));
        let to = (account.to_owned(), u64::MAX);
        Ok(e.pending
            .range(from..=to)
            .take(limit)
            .map(|((_, seq), json)| PendingEvent {
                seq: *seq,
                json: json.clone(),
            })
            .collect())
    }

    fn delivered(&self, account: &str, seqs: Vec<u64>) -> StoreFuture<'_, ()> {
        let result = self.settle(account, seqs, false);
        Box::pin(async move { result })
    }

    fn dead_letter(&self, account: &str, seqs: Vec<u64>) -> StoreFuture<'_, ()> {
        let result = self.settle(account, seqs, true);
        Box::pin(async move { result })
    }
}

/// How the receiver answers.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// 200 at once.
    Ok,
    /// This status at once.
    Status(u16),
    /// 200 after this long (longer than the webhook's timeout: no answer in time).
    After(Duration),
}

/// One POST as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Post {
    pub event_ids: Vec<String>,
    pub signed: bool,
    pub json_content_type: bool,
    pub timestamp: Option<u64>,
    pub answered: u16,
}

#[derive(Debug)]
pub struct Receiver {
    pub url: String,
    answer: Mutex<Answer>,
    /// The next this many POSTs answer 500 whatever `answer` says.
    fail_next: AtomicUsize,
    started: AtomicUsize,
    posts: Mutex<Vec<Post>>,
}

impl Receiver {
    /// Serves on 127.0.0.1 (a port of its own) until the test ends.
    pub async fn start(answer: Answer) -> Arc<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver = Arc::new(Receiver {
            url: format!("http://127.0.0.1:{port}/hook?token=in-url"),
            answer: Mutex::new(answer),
            fail_next: AtomicUsize::new(0),
            started: AtomicUsize::new(0),
            posts: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/hook", post(handle))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    pub fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    pub fn fail_next(&self, n: usize) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    /// POSTs that have arrived, answered or not.
    pub fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }

    /// POSTs answered so far.
    pub fn posts(&self) -> Vec<Post> {
        self.posts.lock().unwrap().clone()
    }

    /// Event ids of the acknowledged POSTs, in arrival order.
    pub fn acknowledged(&self) -> Vec<String> {
        self.posts()
            .into_iter()
            .filter(|p| (200..300).contains(&p.answered))
            .flat_map(|p| p.event_ids)
            .collect()
    }
}

async fn handle(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.started.fetch_add(1, Ordering::SeqCst);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let doc: serde_json::Value = serde_json::from_slice(&body).expect("body is JSON");
    let event_ids = doc["events"]
        .as_array()
        .expect("an events array")
        .iter()
        .map(|e| e["event_id"].as_str().expect("event_id").to_owned())
        .collect();
    let answer = *r.answer.lock().unwrap();
    let status = if r
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        500
    } else {
        match answer {
            Answer::Ok => 200,
            Answer::Status(s) => s,
            Answer::After(delay) => {
                tokio::time::sleep(delay).await;
                200
            }
        }
    };
    r.posts.lock().unwrap().push(Post {
        event_ids,
        signed: header(SIGNATURE_HEADER).is_some_and(|s| verify(SECRET.as_bytes(), &body, &s)),
        json_content_type: header("content-type").as_deref() == Some("application/json"),
        timestamp: header(TIMESTAMP_HEADER).and_then(|t| t.parse().ok()),
        answered: status,
    });
    StatusCode::from_u16(status).unwrap()
}

/// The current Unix time in seconds.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Whether `ids` has no repeats.
pub fn all_distinct(ids: &[String]) -> bool {
    ids.iter().collect::<BTreeSet<_>>().len() == ids.len()
}
