//! The accept journal: a journaled accept is readable at once and due once the database has
//! it; `client_ref` repeats and the outbox bound see journaled messages; a clean stop leaves no
//! journal; a journal a crash left behind is replayed at open (charges included), only what
//! the database lacks, and a torn last frame is ignored.

use std::path::{Path, PathBuf};
use std::task::Poll;
use std::time::Duration;

use smppd::message::{Kind, Message, MessageId, Segment, Status};
use smppd::policy::Charge;
use smppd::store::{Accepted, CommitLimits, GenerationSpans, Outbox};

mod common;

/// The time the messages are accepted at: the wall clock's, since the store files
/// `client_ref`s by the time of its commit.
fn now() -> u64 {
    static AT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *AT.get_or_init(common::clock::now_ms)
}

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("store-journal")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn open(dir: &Path) -> Outbox {
    Outbox::open_journaled(
        &dir.join("smppd.redb"),
        CommitLimits::default(),
        GenerationSpans::default(),
    )
    .unwrap()
}

fn journal_files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".journal."))
        .collect();
    found.sort();
    found
}

fn message(n: u64, client_ref: Option<&str>) -> Message {
    Message {
        id: MessageId::generate(now() + n),
        account: "acme".into(),
        client_ref: client_ref.map(Into::into),
        kind: Kind::Bulk,
        to: "+34600111222".into(),
        from: (5, 0, "ACME".into()),
        text: format!("hello {n}"),
        encoding: "auto".into(),
        dlr: true,
        validity_s: 3600,
        country: Some("ES".into()),
        route: vec!["sim".into()],
        status: Status::Queued,
        segments: vec![Segment::pending()],
        accepted_at_ms: now() + n,
        due_ms: now() + n,
        submitted_at_ms: None,
        done_at_ms: None,
        attempts: 0,
        reference: None,
    }
}

/// Both messages are found by id, and `a` by its `client_ref` ("ref-a").
fn both_found(outbox: &Outbox, a: &Message, b: &Message) {
    assert_eq!(outbox.get(a.id).unwrap().as_ref(), Some(a));
    assert_eq!(outbox.get(b.id).unwrap().as_ref(), Some(b));
    assert_eq!(
        outbox.client_ref("acme", "ref-a", now()).unwrap(),
        Some(a.id)
    );
}

/// Waits until the due index lists `n` messages (the database takes journaled ones moments
/// after the accept is answered).
async fn due_soon(outbox: &Outbox, n: usize) -> Vec<MessageId> {
    for _ in 0..500 {
        let due = outbox.due(now() + 10_000, 100).unwrap();
        if due.len() >= n {
            return due.into_iter().map(|m| m.id).collect();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the due index never listed {n} messages");
}

/// Waits until the outbox counts `n` queued messages.
async fn queued_soon(outbox: &Outbox, n: u64) {
    for _ in 0..500 {
        if outbox.queued().unwrap() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the outbox never counted {n} queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journaled_accept_is_readable_at_once_due_soon_and_leaves_no_journal_at_a_clean_stop() {
    let d = dir("readable");
    let outbox = open(&d);
    let (a, b) = (message(1, Some("ref-a")), message(2, None));
    let got = outbox
        .accept(vec![a.clone(), b.clone()], 1000)
        .await
        .unwrap();
    assert_eq!(got, [Accepted::New(a.id), Accepted::New(b.id)]);
    // Whether or not the database has them yet, both are found.
    both_found(&outbox, &a, &b);
    assert_eq!(due_soon(&outbox, 2).await, [a.id, b.id]);
    queued_soon(&outbox, 2).await;
    outbox.close().await;
    assert_eq!(journal_files(&d), Vec::<PathBuf>::new());

    let reopened = open(&d);
    assert_eq!(reopened.get(a.id).unwrap(), Some(a));
    assert_eq!(due_soon(&reopened, 2).await.len(), 2);
    reopened.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_ref_repeats_and_the_bound_count_journaled_messages() {
    let d = dir("refs");
    let outbox = open(&d);
    let first = message(1, Some("same"));
    let again_in_batch = message(2, Some("same"));
    let got = outbox
        .accept(vec![first.clone(), again_in_batch], 1000)
        .await
        .unwrap();
    assert_eq!(got, [Accepted::New(first.id), Accepted::Existing(first.id)]);
    // A later request, whether the database has the first one yet or not.
    let got = outbox
        .accept(vec![message(3, Some("same"))], 1000)
        .await
        .unwrap();
    assert_eq!(got, [Accepted::Existing(first.id)]);
    due_soon(&outbox, 1).await;
    queued_soon(&outbox, 1).await;
    let got = outbox
        .accept(vec![message(4, Some("same"))], 1000)
        .await
        .unwrap();
    assert_eq!(got, [Accepted::Existing(first.id)], "and once it has");

    // One queued: a bound of three takes two more, whether journaled or stored.
    let (x, y, z) = (message(5, None), message(6, None), message(7, None));
    let got = outbox
        .accept(vec![x.clone(), y.clone(), z.clone()], 3)
        .await
        .unwrap();
    assert_eq!(
        got,
        [
            Accepted::New(x.id),
            Accepted::New(y.id),
            Accepted::Overloaded
        ]
    );
    assert_eq!(
        outbox.get(z.id).unwrap(),
        None,
        "nothing stored for the refused one"
    );
    outbox.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_moving_from_the_journal_to_the_database_is_counted_once_and_the_bound_is_exact()
{
    let d = dir("count");
    let outbox = open(&d);
    for n in 0..100u64 {
        // At the bound of what was accepted before it, plus one: always taken.
        let m = message(n, None);
        let got = outbox.accept(vec![m.clone()], n + 1).await.unwrap();
        assert_eq!(got, [Accepted::New(m.id)], "message {n}");
        // Counted while the database takes it behind the journal, whatever moment the count
        // falls on, and after.
        let mut after = 0;
        let give_up = tokio::time::Instant::now() + Duration::from_secs(10);
        while after < 20 {
            assert!(
                tokio::time::Instant::now() < give_up,
                "message {n} never reached the due index"
            );
            assert_eq!(outbox.queued().unwrap(), n + 1, "message {n}");
            if outbox.due(now() + 10_000, 1000).unwrap().len() as u64 > n {
                after += 1;
            }
            tokio::task::yield_now().await;
        }
    }
    let got = outbox.accept(vec![message(100, None)], 100).await.unwrap();
    assert_eq!(got, [Accepted::Overloaded]);
    outbox.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accept_whose_caller_goes_away_is_still_stored() {
    // A client that hangs up drops the request's future while the journal writes its batch:
    // polled once (far enough to hand the batch over) and then dropped.
    let d = dir("caller-gone");
    let outbox = open(&d);
    let m = message(1, None);
    {
        let mut accept = std::pin::pin!(outbox.accept(vec![m.clone()], 1000));
        let first = std::future::poll_fn(|cx| Poll::Ready(accept.as_mut().poll(cx))).await;
        assert!(first.is_pending(), "cut off before its answer");
    }
    assert_eq!(due_soon(&outbox, 1).await, [m.id]);
    queued_soon(&outbox, 1).await;
    outbox.close().await;
    assert_eq!(journal_files(&d), Vec::<PathBuf>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_left_by_a_crash_is_replayed_once_with_its_charges_and_a_torn_frame_ignored() {
    // A crash between the journal's sync and the database's commit leaves the journal with
    // messages the database lacks: the journal of one store, copied beside a fresh database
    // while its messages were accepted, is that.
    let live = dir("crash-live");
    let outbox = open(&live);
    let a = message(1, Some("ref-a"));
    let b = message(2, None);
    let charge = Charge {
        segments: 2,
        quota_day: Some(20_833),
        credit_base: Some(1_000),
        duplicate: None,
    };
    outbox
        .accept_charged(vec![(a.clone(), charge), (b.clone(), charge)], 1000)
        .await
        .unwrap();
    let left = journal_files(&live);
    assert_eq!(left.len(), 1, "the segment being written stays while open");
    let crashed = dir("crash-restart");
    let segment = crashed.join("smppd.redb.journal.0");
    std::fs::copy(&left[0], &segment).unwrap();
    outbox.close().await;
    // A frame cut short: the crash came while it was written, so it was never answered. It
    // lies where the segment's end mark (a zero length, 8 bytes) was; the segment starts with
    // 8 bytes of its own, then the first frame, whose head is copied.
    let mut bytes = std::fs::read(&segment).unwrap();
    assert_eq!(bytes[bytes.len() - 8..], [0; 8]);
    let whole = bytes.len() - 8;
    bytes.truncate(whole);
    let head = bytes[8..20].to_vec();
    bytes.extend_from_slice(&head);
    std::fs::write(&segment, &bytes).unwrap();
    assert!(std::fs::metadata(&segment).unwrap().len() as usize > whole);

    let restarted = open(&crashed);
    both_found(&restarted, &a, &b);
    assert_eq!(due_soon(&restarted, 2).await, [a.id, b.id]);
    let counters = restarted.counters().unwrap();
    assert_eq!(counters.usage.get("acme"), Some(&(20_833, 4)));
    assert_eq!(counters.credit.get("acme"), Some(&(1_000, 4)));
    assert!(
        !segment.exists(),
        "a replayed segment goes once the database has it"
    );
    // The message moves on; the same journal turning up again must not reset it.
    let mut sent = a.clone();
    sent.status = Status::Submitted;
    sent.attempts = 1;
    restarted.save(sent.clone()).await.unwrap();
    restarted.close().await;
    std::fs::write(&segment, &bytes[..whole]).unwrap();

    let again = open(&crashed);
    assert_eq!(again.get(a.id).unwrap(), Some(sent), "not replayed over");
    assert_eq!(due_soon(&again, 1).await, [b.id]);
    let counters = again.counters().unwrap();
    assert_eq!(
        counters.usage.get("acme"),
        Some(&(20_833, 4)),
        "charged once"
    );
    again.close().await;
}
