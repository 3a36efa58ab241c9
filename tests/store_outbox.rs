//! The outbox: accepted batches survive a reopen, OTP is due before bulk, held messages wait for
//! their time, `client_ref` repeats return the first id, the bound refuses without storing,
//! final messages leave the due index, and a save that does not read the record back still
//! moves it in the index.

use std::path::PathBuf;

use smppd::message::{Kind, Message, MessageId, Segment, Status};
use smppd::store::{Accepted, CLIENT_REF_TTL_MS, CommitLimits, Outbox, Since};

fn path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("store-outbox");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

fn message(kind: Kind, at_ms: u64, due_ms: u64, client_ref: Option<&str>) -> Message {
    Message {
        id: MessageId::generate(at_ms),
        account: "acme".into(),
        client_ref: client_ref.map(Into::into),
        kind,
        to: "+34600111222".into(),
        from: (5, 0, "ACME".into()),
        text: "hello".into(),
        encoding: "auto".into(),
        dlr: true,
        validity_s: 3600,
        country: Some("ES".into()),
        route: vec!["sim".into()],
        status: if due_ms > at_ms {
            Status::Held
        } else {
            Status::Queued
        },
        segments: vec![Segment::pending()],
        accepted_at_ms: at_ms,
        due_ms,
        submitted_at_ms: None,
        done_at_ms: None,
        attempts: 0,
        reference: None,
    }
}

fn ids(ms: &[Message]) -> Vec<MessageId> {
    ms.iter().map(|m| m.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_batches_survive_a_reopen_in_dispatch_order() {
    let p = path("reopen");
    let now = 1_800_000_000_000u64;
    let bulk = message(Kind::Bulk, now, now, None);
    let otp = message(Kind::Otp, now + 1, now + 1, None);
    let held = message(Kind::Bulk, now, now + 60_000, None);
    {
        let outbox = Outbox::open(&p, CommitLimits::default()).unwrap();
        let got = outbox
            .accept(vec![bulk.clone(), otp.clone(), held.clone()], 1000)
            .await
            .unwrap();
        assert_eq!(
            got,
            [
                Accepted::New(bulk.id),
                Accepted::New(otp.id),
                Accepted::New(held.id)
            ]
        );
        outbox.close().await;
    }
    let outbox = Outbox::open(&p, CommitLimits::default()).unwrap();
    assert_eq!(outbox.queued().unwrap(), 3);
    assert_eq!(outbox.get(bulk.id).unwrap().unwrap(), bulk);
    // OTP first even though bulk is older; the held one is not due yet.
    assert_eq!(ids(&outbox.due(now + 10, 10).unwrap()), [otp.id, bulk.id]);
    assert_eq!(
        ids(&outbox.due(now + 60_000, 10).unwrap()),
        [otp.id, bulk.id, held.id]
    );
    assert_eq!(ids(&outbox.due(now + 60_000, 1).unwrap()), [otp.id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_ref_repeats_return_the_first_id_for_a_day() {
    let outbox = Outbox::open(&path("client-ref"), CommitLimits::default()).unwrap();
    let now = 1_800_000_000_000u64;
    let first = message(Kind::Bulk, now, now, Some("order-1"));
    let again = message(Kind::Bulk, now + 1000, now + 1000, Some("order-1"));
    let other_account = Message {
        account: "other".into(),
        ..message(Kind::Bulk, now, now, Some("order-1"))
    };
    let got = outbox
        .accept(
            vec![first.clone(), again.clone(), other_account.clone()],
            1000,
        )
        .await
        .unwrap();
    assert_eq!(
        got,
        [
            Accepted::New(first.id),
            Accepted::Existing(first.id),
            Accepted::New(other_account.id)
        ]
    );
    assert!(
        outbox.get(again.id).unwrap().is_none(),
        "the repeat stored nothing"
    );
    let late = message(
        Kind::Bulk,
        now + CLIENT_REF_TTL_MS,
        now + CLIENT_REF_TTL_MS,
        Some("order-1"),
    );
    assert_eq!(
        outbox.accept(vec![late.clone()], 1000).await.unwrap(),
        [Accepted::New(late.id)],
        "after 24 h the reference is free again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bound_refuses_without_storing() {
    let outbox = Outbox::open(&path("bound"), CommitLimits::default()).unwrap();
    let now = 1_800_000_000_000u64;
    let batch: Vec<Message> = (0..5)
        .map(|i| message(Kind::Bulk, now + i, now, None))
        .collect();
    let got = outbox.accept(batch.clone(), 3).await.unwrap();
    assert_eq!(
        &got[..3],
        &[
            Accepted::New(batch[0].id),
            Accepted::New(batch[1].id),
            Accepted::New(batch[2].id)
        ]
    );
    assert_eq!(&got[3..], &[Accepted::Overloaded, Accepted::Overloaded]);
    assert!(outbox.get(batch[4].id).unwrap().is_none());
    assert_eq!(outbox.queued().unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_moves_a_message_and_final_ones_leave_the_index() {
    let outbox = Outbox::open(&path("save"), CommitLimits::default()).unwrap();
    let now = 1_800_000_000_000u64;
    let mut m = message(Kind::Bulk, now, now, None);
    outbox.accept(vec![m.clone()], 1000).await.unwrap();
    // A retry later: due again in 30 s.
    m.attempts = 1;
    m.due_ms = now + 30_000;
    outbox.save(m.clone()).await.unwrap();
    assert!(outbox.due(now + 1, 10).unwrap().is_empty());
    assert_eq!(ids(&outbox.due(now + 30_000, 10).unwrap()), [m.id]);
    // Delivered: kept for status queries, gone from the outbox.
    m.status = Status::Delivered;
    m.done_at_ms = Some(now + 31_000);
    outbox.save(m.clone()).await.unwrap();
    assert!(outbox.due(u64::MAX, 10).unwrap().is_empty());
    assert_eq!(outbox.queued().unwrap(), 0);
    assert_eq!(outbox.get(m.id).unwrap().unwrap().status, Status::Delivered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untouched_save_moves_the_message_from_the_due_time_it_was_read_with() {
    let outbox = Outbox::open(&path("untouched"), CommitLimits::default()).unwrap();
    let now = 1_800_000_000_000u64;
    let mut m = message(Kind::Otp, now, now, None);
    outbox.accept(vec![m.clone()], 1000).await.unwrap();
    // A first attempt that failed: due again in 30 s, and only then.
    m.attempts = 1;
    m.due_ms = now + 30_000;
    let first = Since::Untouched { due_ms: now };
    outbox
        .save_correlated(m.clone(), Vec::new(), first)
        .await
        .unwrap();
    assert!(outbox.due(now + 1, 10).unwrap().is_empty());
    assert_eq!(ids(&outbox.due(now + 30_000, 10).unwrap()), [m.id]);
    assert_eq!(outbox.queued().unwrap(), 1);
    assert_eq!(outbox.get(m.id).unwrap().unwrap().due_ms, now + 30_000);
    // Submitted: out of the due index, waiting for its receipt.
    m.status = Status::Submitted;
    m.attempts = 2;
    let again = Since::Untouched {
        due_ms: now + 30_000,
    };
    outbox
        .save_correlated(m.clone(), Vec::new(), again)
        .await
        .unwrap();
    assert!(outbox.due(u64::MAX, 10).unwrap().is_empty());
    assert_eq!(outbox.queued().unwrap(), 0);
    assert_eq!(outbox.get(m.id).unwrap().unwrap().status, Status::Submitted);
}

#[test]
fn message_ids_sort_by_time_and_print_as_ulids() {
    let a = MessageId::generate(1_800_000_000_000);
    let b = MessageId::generate(1_800_000_000_001);
    assert!(a < b);
    let text = a.to_string();
    assert_eq!(text.len(), 26);
    assert_eq!(text.parse::<MessageId>().unwrap(), a);
    assert_eq!(a.timestamp_ms(), 1_800_000_000_000);
}
