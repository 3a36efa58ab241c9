//! The outbox: accepted batches survive a reopen, OTP is due before bulk, pages go on from a
//! cursor, held messages wait for their time, `client_ref` repeats return the first id, the bound refuses without storing,
//! final messages leave the due index, a save that does not read the record back still
//! moves it in the index, and fresh messages stay listed until their first attempt is saved.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use smppd::message::{Kind, Message, MessageId, Segment, Status};
use smppd::policy::Charge;
use smppd::store::{
    Accepted, CLIENT_REF_TTL_MS, CommitLimits, DueCursor, DueMessage, GenerationSpan,
    GenerationSpans, Outbox, Since,
};

use common::clock::{now_ms, past};

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

fn listed(page: &[DueMessage]) -> Vec<MessageId> {
    page.iter().map(|d| d.message.id).collect()
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
async fn pages_go_on_from_the_cursor_and_a_reset_finds_what_came_due_behind_it() {
    let outbox = Outbox::open(&path("cursor"), CommitLimits::default()).unwrap();
    let now = 1_800_000_000_000u64;
    let otp = [0, 1].map(|i| message(Kind::Otp, now + i, now + i, None));
    let bulk = [0, 1, 2].map(|i| message(Kind::Bulk, now + i, now + i, None));
    outbox
        .accept(otp.iter().chain(&bulk).cloned().collect(), 1000)
        .await
        .unwrap();
    let mut cursor = DueCursor::default();
    let none = |_| false;
    // OTP first, then bulk; each page goes on after the last.
    let page = outbox.due_from(now + 10, 3, &none, &mut cursor).unwrap();
    assert_eq!(listed(&page), [otp[0].id, otp[1].id, bulk[0].id]);
    let page = outbox.due_from(now + 10, 3, &none, &mut cursor).unwrap();
    assert_eq!(listed(&page), [bulk[1].id, bulk[2].id]);
    // What the skip names is passed over, and the cursor still moves past it.
    let mut skipping = DueCursor::default();
    let first_otp = |id| id == otp[0].id;
    let page = outbox
        .due_from(now + 10, 1, &first_otp, &mut skipping)
        .unwrap();
    assert_eq!(listed(&page), [otp[1].id]);
    let page = outbox.due_from(now + 10, 1, &none, &mut skipping).unwrap();
    assert_eq!(listed(&page), [bulk[0].id]);

    // New work is due after the cursor in both lanes: found without a reset, the index's in
    // order of due time among the fresh.
    let late_otp = message(Kind::Otp, now + 5, now + 5, None);
    let late_bulk = message(Kind::Bulk, now + 5, now + 5, None);
    let released = Message {
        status: Status::Queued,
        ..message(Kind::Bulk, now - 60_000, now - 1, None)
    };
    outbox
        .accept(
            vec![late_otp.clone(), late_bulk.clone(), released.clone()],
            1000,
        )
        .await
        .unwrap();
    let page = outbox.due_from(now + 10, 10, &none, &mut cursor).unwrap();
    assert_eq!(listed(&page), [late_otp.id, released.id, late_bulk.id]);
    assert!(
        outbox
            .due_from(now + 10, 10, &none, &mut cursor)
            .unwrap()
            .is_empty()
    );
    // Due at a time behind where the index's cursor stopped: not found until it is reset.
    let behind = Message {
        status: Status::Queued,
        ..message(Kind::Bulk, now - 60_000, now - 2, None)
    };
    outbox.accept(vec![behind.clone()], 1000).await.unwrap();
    assert!(
        outbox
            .due_from(now + 10, 10, &none, &mut cursor)
            .unwrap()
            .is_empty()
    );
    // A clock stepped back behind the cursor finds nothing after it (and no panic).
    assert!(
        outbox
            .due_from(now - 100_000, 10, &none, &mut cursor)
            .unwrap()
            .is_empty()
    );
    cursor.reset();
    let page = outbox.due_from(now + 10, 10, &none, &mut cursor).unwrap();
    assert_eq!(page.len(), 9);
    assert_eq!(page[3].message.id, behind.id);
    assert_eq!(page[4].message.id, released.id);
    // `due_except` always reads from the head.
    assert_eq!(
        ids(&outbox.due_except(now + 10, 1, &none).unwrap()),
        [otp[0].id]
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_messages_stay_listed_until_their_first_attempt_is_saved_even_across_a_reopen() {
    let p = path("fresh");
    let now = 1_800_000_000_000u64;
    // Five bulk in one millisecond, two OTP in the next, and one held for a minute.
    let bulk: Vec<Message> = (0..5)
        .map(|_| message(Kind::Bulk, now, now, None))
        .collect();
    let otp: Vec<Message> = (0..2)
        .map(|_| message(Kind::Otp, now + 1, now + 1, None))
        .collect();
    let held = message(Kind::Bulk, now, now + 60_000, None);
    let outbox = Outbox::open(&p, CommitLimits::default()).unwrap();
    let all: Vec<Message> = bulk.iter().chain(&otp).chain([&held]).cloned().collect();
    outbox.accept(all, 1000).await.unwrap();
    assert_eq!(outbox.queued().unwrap(), 8);
    let mut cursor = DueCursor::default();
    let page = outbox
        .due_from(now + 1, 100, &|_| false, &mut cursor)
        .unwrap();
    assert_eq!(page.len(), 7);
    assert!(page.iter().all(|d| d.fresh));
    assert!(page[..2].iter().all(|d| d.message.kind == Kind::Otp));

    // First attempts saved for one OTP and two bulk: off the list, in one commit each.
    for m in [&otp[0], &bulk[1], &bulk[3]] {
        let sent = Message {
            status: Status::Submitted,
            attempts: 1,
            ..m.clone()
        };
        outbox
            .save_correlated(sent, Vec::new(), Since::Fresh)
            .await
            .unwrap();
    }
    assert_eq!(outbox.queued().unwrap(), 5);
    let left = [otp[1].id, bulk[0].id, bulk[2].id, bulk[4].id];
    let mut page = ids(&outbox.due(now + 1, 100).unwrap());
    page[1..].sort();
    let mut expected = left;
    expected[1..].sort();
    assert_eq!(page, expected);
    outbox.close().await;

    // A restart finds the rest, listed as fresh, and the held one once it is due.
    let outbox = Outbox::open(&p, CommitLimits::default()).unwrap();
    assert_eq!(outbox.queued().unwrap(), 5);
    let page = outbox
        .due_from(now + 60_000, 100, &|_| false, &mut DueCursor::default())
        .unwrap();
    assert_eq!(page.len(), 5);
    assert_eq!(page[0].message.id, otp[1].id);
    assert_eq!(page.iter().filter(|d| d.fresh).count(), 4);
    assert!(page.iter().any(|d| !d.fresh && d.message.id == held.id));
    // The bound counts them: one more than room for is refused.
    let more = message(Kind::Bulk, now + 2, now + 2, None);
    let got = outbox.accept(vec![more.clone()], 5).await.unwrap();
    assert_eq!(got, [Accepted::Overloaded]);

    // A retry goes to the index; an untouched save and a save that reads the record back
    // take fresh ones off the list too.
    let retry = Message {
        attempts: 1,
        due_ms: now + 30_000,
        ..bulk[0].clone()
    };
    outbox
        .save_correlated(retry, Vec::new(), Since::Fresh)
        .await
        .unwrap();
    let untouched = Message {
        status: Status::Submitted,
        attempts: 1,
        ..bulk[2].clone()
    };
    let since = Since::Untouched { due_ms: now };
    outbox
        .save_correlated(untouched, Vec::new(), since)
        .await
        .unwrap();
    for m in [&otp[1], &bulk[4]] {
        let read = Message {
            status: Status::Failed,
            attempts: 1,
            ..m.clone()
        };
        outbox.save(read).await.unwrap();
    }
    assert_eq!(outbox.queued().unwrap(), 2);
    assert!(outbox.due(now + 29_999, 100).unwrap().is_empty());
    assert_eq!(
        ids(&outbox.due(now + 60_000, 100).unwrap()),
        [bulk[0].id, held.id]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_a_newer_storage_layout_is_refused_and_one_of_this_layout_opens() {
    let p = path("layout");
    let outbox = Outbox::open(&p, CommitLimits::default()).unwrap();
    outbox.close().await;
    // Reopened by this version: fine.
    Outbox::open(&p, CommitLimits::default())
        .unwrap()
        .close()
        .await;
    {
        let db = redb::Database::open(&p).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(redb::TableDefinition::<&str, u64>::new("meta"))
            .unwrap()
            .insert("layout", 99)
            .unwrap();
        txn.commit().unwrap();
    }
    let err = Outbox::open(&p, CommitLimits::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("storage layout 99"), "{text}");
    assert!(text.contains(&p.display().to_string()), "{text}");
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

/// A store whose duplicate-window and `client_ref` generations last 1 ms, so each commit
/// writes new ones.
fn open_short_generations(p: &std::path::Path) -> Outbox {
    let short = GenerationSpan::new(Duration::from_millis(1));
    let spans = GenerationSpans {
        duplicates: short,
        client_refs: short,
        ..GenerationSpans::default()
    };
    Outbox::open_with(p, CommitLimits::default(), spans).unwrap()
}

/// Accepts `m` as the policy passed it, claiming duplicate key `key`.
async fn accept_claiming(o: &Outbox, m: &Message, key: u128) {
    let charge = Charge {
        segments: 1,
        duplicate: Some(key),
        ..Charge::default()
    };
    let got = o.accept_charged(vec![(m.clone(), charge)], 1000).await;
    assert_eq!(got.unwrap(), [Accepted::New(m.id)]);
    past(now_ms() + 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_duplicate_window_comes_back_in_claim_order_and_expires_by_generation() {
    let p = path("duplicate-generations");
    let o = open_short_generations(&p);
    // Accepted now, as the policy would: the claim's time is the message's.
    let accepted_now = || {
        let now = now_ms();
        message(Kind::Bulk, now, now, None)
    };
    let a = accepted_now();
    accept_claiming(&o, &a, 7).await;
    let cutoff = now_ms();
    past(cutoff).await;
    let b = accepted_now();
    accept_claiming(&o, &b, 8).await;
    // Key 7 claimed again (its window had passed): the later claim comes last.
    let again = accepted_now();
    accept_claiming(&o, &again, 7).await;
    let entry = |key, m: &Message| (key, m.id, m.accepted_at_ms);
    assert_eq!(
        o.duplicates(0).unwrap(),
        [entry(7, &a), entry(8, &b), entry(7, &again)]
    );
    assert_eq!(
        o.duplicates(b.accepted_at_ms).unwrap(),
        [entry(8, &b), entry(7, &again)]
    );
    // Only the first claim's generation had ended by the cutoff.
    assert_eq!(o.expire_duplicates(cutoff, 100).await.unwrap(), 1);
    assert_eq!(o.expire_duplicates(cutoff, 100).await.unwrap(), 0);
    assert_eq!(o.duplicates(0).unwrap(), [entry(8, &b), entry(7, &again)]);
    // And the window survives a reopen.
    o.close().await;
    let o = Outbox::open(&p, CommitLimits::default()).unwrap();
    assert_eq!(o.duplicates(0).unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_window_written_before_generations_is_read_and_expired() {
    type Legacy<'a> = redb::TableDefinition<'a, u128, (u128, u64)>;
    type LegacyAge<'a> = redb::TableDefinition<'a, &'static [u8], ()>;
    let p = path("duplicate-legacy");
    let id = MessageId::generate(1_800_000_000_000);
    Outbox::open(&p, CommitLimits::default())
        .unwrap()
        .close()
        .await;
    // The layout of earlier versions: one table and its age index ([at BE][key BE]).
    {
        let db = redb::Database::create(&p).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut table = txn.open_table(Legacy::new("duplicates")).unwrap();
            let mut by_age = txn.open_table(LegacyAge::new("duplicates_by_age")).unwrap();
            for (key, at) in [(5u128, 1_800_000_000_000u64), (6, 1_800_000_000_500)] {
                table.insert(key, (id.0, at)).unwrap();
                let mut age = at.to_be_bytes().to_vec();
                age.extend_from_slice(&key.to_be_bytes());
                by_age.insert(age.as_slice(), ()).unwrap();
            }
        }
        txn.commit().unwrap();
    }
    let o = Outbox::open(&p, CommitLimits::default()).unwrap();
    assert_eq!(
        o.duplicates(1_800_000_000_100).unwrap(),
        [(6, id, 1_800_000_000_500)]
    );
    assert_eq!(
        o.expire_duplicates(1_800_000_000_100, 100).await.unwrap(),
        1
    );
    assert_eq!(o.duplicates(0).unwrap(), [(6, id, 1_800_000_000_500)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_ref_answers_from_an_older_generation_until_its_generation_expires() {
    let o = open_short_generations(&path("client-ref-generations"));
    let at = |r| {
        let now = now_ms();
        message(Kind::Bulk, now, now, Some(r))
    };
    let first = at("order-1");
    assert_eq!(
        o.accept(vec![first.clone()], 1000).await.unwrap(),
        [Accepted::New(first.id)]
    );
    past(now_ms() + 1).await;
    let cutoff = now_ms();
    past(cutoff).await;
    // Another commit, in a generation of its own, before the repeat.
    let other = at("order-2");
    o.accept(vec![other.clone()], 1000).await.unwrap();
    past(now_ms() + 1).await;
    let repeat = at("order-1");
    assert_eq!(
        o.accept(vec![repeat], 1000).await.unwrap(),
        [Accepted::Existing(first.id)]
    );
    assert_eq!(
        o.client_ref("acme", "order-1", now_ms()).unwrap(),
        Some(first.id)
    );
    // The first ref's generation ended by the cutoff, the second's did not.
    assert_eq!(o.expire_client_refs(cutoff, 100).await.unwrap(), 1);
    assert_eq!(o.client_ref("acme", "order-1", now_ms()).unwrap(), None);
    assert_eq!(
        o.client_ref("acme", "order-2", now_ms()).unwrap(),
        Some(other.id)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_refs_written_before_generations_answer_until_they_all_expired() {
    type Legacy<'a> = redb::TableDefinition<'a, &'static str, (u128, u64)>;
    let p = path("client-ref-legacy");
    let id = MessageId::generate(1_000);
    // A store of an earlier version: its one table, with a ref accepted a minute ago.
    let accepted = now_ms() - 60_000;
    {
        let db = redb::Database::create(&p).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(Legacy::new("client_refs"))
            .unwrap()
            .insert("acme\0order-1", (id.0, accepted))
            .unwrap();
        txn.commit().unwrap();
    }
    let upgraded = now_ms();
    let o = Outbox::open(&p, CommitLimits::default()).unwrap();
    assert_eq!(o.client_ref("acme", "order-1", now_ms()).unwrap(), Some(id));
    let now = now_ms();
    let repeat = message(Kind::Bulk, now, now, Some("order-1"));
    assert_eq!(
        o.accept(vec![repeat], 1000).await.unwrap(),
        [Accepted::Existing(id)]
    );
    // Refs written before the upgrade may still be within their day: the table stays...
    assert_eq!(o.expire_client_refs(upgraded - 1, 100).await.unwrap(), 0);
    assert_eq!(o.client_ref("acme", "order-1", now_ms()).unwrap(), Some(id));
    // ...until the cutoff passes the upgrade.
    assert_eq!(o.expire_client_refs(now_ms(), 100).await.unwrap(), 1);
    assert_eq!(o.client_ref("acme", "order-1", now_ms()).unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_and_credit_add_up_over_batches_and_a_new_day_starts_afresh() {
    let o = Outbox::open(&path("ledger"), CommitLimits::default()).unwrap();
    let now = 1_800_000_000_000u64;
    let charged = |segments, day, base| Charge {
        segments,
        quota_day: Some(day),
        credit_base: Some(base),
        duplicate: None,
    };
    let batch = |charges: Vec<Charge>| {
        charges
            .into_iter()
            .map(|c| (message(Kind::Bulk, now, now, None), c))
            .collect::<Vec<_>>()
    };
    o.accept_charged(batch(vec![charged(1, 9, 500), charged(2, 9, 500)]), 1000)
        .await
        .unwrap();
    o.accept_charged(batch(vec![charged(3, 9, 500)]), 1000)
        .await
        .unwrap();
    let saved = o.counters().unwrap();
    assert_eq!(saved.usage["acme"], (9, 6));
    assert_eq!(saved.credit["acme"], (500, 6));
    // The next day's quota and a new credit balance count from zero.
    o.accept_charged(batch(vec![charged(1, 10, 800), charged(4, 10, 800)]), 1000)
        .await
        .unwrap();
    let saved = o.counters().unwrap();
    assert_eq!(saved.usage["acme"], (10, 5));
    assert_eq!(saved.credit["acme"], (800, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_takes_a_big_generation_a_batch_at_a_time() {
    let o = open_short_generations(&path("duplicate-batches"));
    let now = now_ms();
    let claims: Vec<(Message, Charge)> = (0..3u128)
        .map(|key| {
            let charge = Charge {
                segments: 1,
                duplicate: Some(key),
                ..Charge::default()
            };
            (message(Kind::Bulk, now, now, None), charge)
        })
        .collect();
    o.accept_charged(claims, 1000).await.unwrap();
    past(now_ms() + 1).await;
    let cutoff = now_ms();
    // One generation of three, a batch of two: drained by two, then deleted with the last.
    assert_eq!(o.expire_duplicates(cutoff, 2).await.unwrap(), 2);
    assert_eq!(o.duplicates(0).unwrap().len(), 1);
    assert_eq!(o.expire_duplicates(cutoff, 2).await.unwrap(), 1);
    assert_eq!(o.expire_duplicates(cutoff, 2).await.unwrap(), 0);
    assert!(o.duplicates(0).unwrap().is_empty());
}
