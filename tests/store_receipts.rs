//! Receipts in the store: a receipt that arrives before its submission is recorded is parked
//! and applied when it is; a dispatch record written after a receipt does not undo it; a
//! repeated receipt makes no second event; dead letters are kept and replayed.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use smppd::config::MessageIdFormat;
use smppd::dlr::{lookup_keys, store_key};
use smppd::message::{Kind, Message, MessageId, Segment, SegmentStatus, Status};
use smppd::store::{
    CommitLimits, GenerationSpan, GenerationSpans, MoRecord, Outbox, ReceiptOutcome, ReceiptRecord,
    Since,
};
use smppd::webhook::EventSource;

use common::clock::{now_ms, past};

/// A fresh database file for test `name`.
fn db_path(name: &str) -> PathBuf {
    let dir: PathBuf = std::env::temp_dir().join(format!("smppd-sr-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("db.redb")
}

fn open(name: &str) -> Outbox {
    Outbox::open(&db_path(name), CommitLimits::default()).unwrap()
}

/// A store whose correlation generations last 1 ms, so each commit writes a new one.
fn open_short_generations(name: &str) -> Outbox {
    let spans = GenerationSpans {
        correlation: GenerationSpan::new(Duration::from_millis(1)),
        ..GenerationSpans::default()
    };
    Outbox::open_with(&db_path(name), CommitLimits::default(), spans).unwrap()
}

/// `submitted(1)` with carrier id `id` on its segment.
fn submitted_as(id: &str) -> Message {
    let mut m = submitted(1);
    m.segments[0].carrier_message_id = Some(id.into());
    m
}

/// A message of `parts` segments, submitted to `sim` with ids `1a2b0`, `1a2b1`, …
fn submitted(parts: usize) -> Message {
    let segment = |i: usize| Segment {
        status: SegmentStatus::Submitted,
        carrier: Some("sim".into()),
        carrier_message_id: Some(format!("1a2b{i}")),
        error: None,
    };
    Message {
        id: MessageId::generate(1_800_000_000_000),
        account: "acme".into(),
        client_ref: Some("ref-1".into()),
        kind: Kind::Bulk,
        to: "+34600111222".into(),
        from: (5, 0, "ACME".into()),
        text: "hello".into(),
        encoding: "auto".into(),
        dlr: true,
        validity_s: 3600,
        country: Some("ES".into()),
        route: vec!["sim".into()],
        status: Status::Submitted,
        segments: (0..parts).map(segment).collect(),
        accepted_at_ms: 1_800_000_000_000,
        due_ms: 1_800_000_000_000,
        submitted_at_ms: Some(1_800_000_000_100),
        done_at_ms: None,
        attempts: 1,
        reference: None,
    }
}

fn keys(m: &Message) -> Vec<(u16, String)> {
    m.segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let id = s.carrier_message_id.as_deref().unwrap();
            (i as u16, store_key(id, MessageIdFormat::Auto))
        })
        .collect()
}

/// A DELIVRD receipt for carrier id `id`, written in decimal as some SMSCs do.
fn receipt(id_hex: &str, status: SegmentStatus) -> ReceiptRecord {
    let decimal = u64::from_str_radix(id_hex, 16).unwrap().to_string();
    ReceiptRecord {
        carrier: "sim".into(),
        keys: lookup_keys(&decimal, MessageIdFormat::Auto)
            .iter()
            .map(str::to_owned)
            .collect(),
        message_id: decimal,
        status,
        error: Some("000".into()),
        received_at_ms: 1_800_000_001_000,
    }
}

fn events(o: &Outbox) -> Vec<serde_json::Value> {
    o.pending("acme", 0, 100)
        .unwrap()
        .iter()
        .map(|e| serde_json::from_slice(&e.json).unwrap())
        .collect()
}

#[tokio::test]
async fn a_receipt_before_its_response_is_parked_then_applied() {
    let o = open("park");
    let m = submitted(1);
    o.accept(vec![m.clone()], 1000).await.unwrap();
    let got = o
        .receipt(receipt("1a2b0", SegmentStatus::Delivered))
        .await
        .unwrap();
    assert_eq!(got, ReceiptOutcome::Parked);
    assert!(o.parked().unwrap() > 0);
    assert!(events(&o).is_empty());

    o.save_correlated(m.clone(), keys(&m), Since::Read)
        .await
        .unwrap();
    let stored = o.get(m.id).unwrap().unwrap();
    assert_eq!(stored.status, Status::Delivered);
    assert_eq!(stored.segments[0].status, SegmentStatus::Delivered);
    assert_eq!(o.parked().unwrap(), 0);
    let e = events(&o);
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0]["type"].as_str(), e[0]["status"].as_str()),
        (Some("dlr"), Some("delivered"))
    );
    assert_eq!(e[0]["client_ref"], "ref-1");
}

#[tokio::test]
async fn a_first_attempt_saved_as_sent_takes_the_receipt_parked_for_it() {
    // The save brings its record encoded by the caller; the parked receipt changes the
    // message in the writer, and the record written must be the changed one.
    let o = open("park-untouched");
    let m = submitted(1);
    o.accept(vec![m.clone()], 1000).await.unwrap();
    let got = o
        .receipt(receipt("1a2b0", SegmentStatus::Undeliverable))
        .await
        .unwrap();
    assert_eq!(got, ReceiptOutcome::Parked);
    let since = Since::Untouched { due_ms: m.due_ms };
    o.save_correlated(m.clone(), keys(&m), since).await.unwrap();
    let stored = o.get(m.id).unwrap().unwrap();
    assert_eq!(stored.segments[0].status, SegmentStatus::Undeliverable);
    assert_eq!(stored.status, Status::Undeliverable);
    assert_eq!(o.queued().unwrap(), 0);
}

#[tokio::test]
async fn a_late_dispatch_record_does_not_undo_a_receipt_and_repeats_are_ignored() {
    let o = open("merge");
    let m = submitted(2);
    o.accept(vec![m.clone()], 1000).await.unwrap();
    o.save_correlated(m.clone(), keys(&m), Since::Read)
        .await
        .unwrap();
    let first = o
        .receipt(receipt("1a2b0", SegmentStatus::Delivered))
        .await
        .unwrap();
    let ReceiptOutcome::Matched {
        account,
        submitted_at_ms,
    } = first
    else {
        panic!("not matched: {first:?}");
    };
    assert_eq!(account, "acme");
    // The time the submission was recorded, not the receipt's own.
    assert!(submitted_at_ms > 0, "{submitted_at_ms}");
    // The dispatcher's older copy of the record comes back.
    o.save_correlated(m.clone(), Vec::new(), Since::Read)
        .await
        .unwrap();
    assert_eq!(
        o.get(m.id).unwrap().unwrap().segments[0].status,
        SegmentStatus::Delivered
    );
    assert_eq!(
        o.receipt(receipt("1a2b0", SegmentStatus::Delivered))
            .await
            .unwrap(),
        ReceiptOutcome::Repeated
    );
    // The second part fails: the message is undeliverable, with a final status event.
    o.receipt(receipt("1a2b1", SegmentStatus::Undeliverable))
        .await
        .unwrap();
    let stored = o.get(m.id).unwrap().unwrap();
    assert_eq!(stored.status, Status::Undeliverable);
    let e = events(&o);
    let kinds: Vec<&str> = e.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(kinds, ["dlr", "dlr", "status"]);
    assert_eq!(e[2]["status"], "undeliverable");
}

/// `count` single-part messages accepted, sent (carrier ids `{prefix}0`, `{prefix}1`, ...)
/// and receipted as delivered: one `dlr` event each.
async fn receipted(o: &Outbox, prefix: &str, count: u64) {
    for n in 0..count {
        let mut m = Message {
            id: MessageId::generate(1_800_000_000_000 + n),
            ..submitted(1)
        };
        m.segments[0].carrier_message_id = Some(format!("{prefix}{n}"));
        o.accept(vec![m.clone()], 1000).await.unwrap();
        o.save_correlated(m.clone(), keys(&m), Since::Read)
            .await
            .unwrap();
        o.receipt(receipt(&format!("{prefix}{n}"), SegmentStatus::Delivered))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn dead_letters_are_kept_and_replayed_in_order() {
    let o = open("dead");
    receipted(&o, "ff", 3).await;
    let pending = o.pending("acme", 0, 100).unwrap();
    assert_eq!(pending.len(), 3);
    let seqs: Vec<u64> = pending.iter().map(|e| e.seq).collect();
    assert_eq!(o.backlog("acme").unwrap(), 3);
    o.dead_letter("acme", seqs[..2].to_vec()).await.unwrap();
    assert_eq!(o.pending("acme", 0, 100).unwrap().len(), 1);
    assert_eq!(o.dead_letters("acme", 10).unwrap().len(), 2);
    assert_eq!(
        o.backlog("acme").unwrap(),
        1,
        "dead letters are not waiting"
    );
    o.delivered("acme", seqs[2..].to_vec()).await.unwrap();
    assert_eq!(o.backlog("acme").unwrap(), 0);
    assert_eq!(o.replay("acme").await.unwrap(), 2);
    assert_eq!(o.backlog("acme").unwrap(), 2);
    let again = o.pending("acme", seqs[2], 100).unwrap();
    assert_eq!(again.len(), 2, "replayed events come after the cursor");
    assert_eq!(again[0].json, pending[0].json);
    assert!(o.dead_letters("acme", 10).unwrap().is_empty());
}

/// The sequence numbers of the events waiting for `acme`'s webhook.
fn pending_seqs(o: &Outbox) -> Vec<u64> {
    let pending = o.pending("acme", 0, 100).unwrap();
    pending.iter().map(|e| e.seq).collect()
}

#[tokio::test]
async fn acknowledged_events_go_and_the_others_between_them_stay() {
    let o = open("acked");
    receipted(&o, "ee", 4).await;
    let seqs = pending_seqs(&o);
    assert_eq!(seqs.len(), 4);
    // Out of order, with a gap: the one in the gap stays, and so does the one after.
    o.delivered("acme", vec![seqs[2], seqs[0]]).await.unwrap();
    let left = pending_seqs(&o);
    assert_eq!(left, [seqs[1], seqs[3]]);
    assert_eq!(o.backlog("acme").unwrap(), 2);
    // Acknowledged twice (a webhook retried after its answer was lost): counted once.
    o.delivered("acme", vec![seqs[0]]).await.unwrap();
    assert_eq!(o.backlog("acme").unwrap(), 2);
    o.delivered("acme", Vec::new()).await.unwrap();
    o.delivered("acme", vec![seqs[1], seqs[3]]).await.unwrap();
    assert!(o.pending("acme", 0, 100).unwrap().is_empty());
    assert_eq!(o.backlog("acme").unwrap(), 0);
}

#[tokio::test]
async fn a_receipt_parked_too_long_is_kept_as_unmatched() {
    let o = open("stale");
    assert_eq!(
        o.receipt(receipt("abc123", SegmentStatus::Delivered))
            .await
            .unwrap(),
        ReceiptOutcome::Parked
    );
    // Not yet stale.
    assert_eq!(o.expire_parked(1_800_000_000_500).await.unwrap(), 0);
    assert_eq!(o.expire_parked(1_800_000_002_000).await.unwrap(), 1);
    assert_eq!(o.parked().unwrap(), 0);
    let kept = o.unmatched(10).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0]["carrier_message_id"],
        u64::from_str_radix("abc123", 16).unwrap().to_string()
    );
}

#[tokio::test]
async fn an_mo_whose_last_part_never_comes_is_delivered_incomplete() {
    let o = open("mo");
    let part = |n: u8, text: &str, at: u64| MoRecord {
        account: Some("acme".into()),
        carrier: "sim".into(),
        from: "+34600111222".into(),
        to: "12345".into(),
        text: text.into(),
        part: Some((7, 3, n)),
        received_at_ms: at,
    };
    assert_eq!(o.mo(part(2, "world", 1_000)).await.unwrap(), None);
    assert_eq!(o.mo(part(1, "hello ", 1_001)).await.unwrap(), None);
    assert!(o.expire_mo(500).await.unwrap().is_empty(), "not stale yet");
    assert_eq!(o.expire_mo(2_000).await.unwrap(), ["acme"]);
    let e = events(&o);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["text"], "hello world");
    assert_eq!(
        (e[0]["incomplete"].as_bool(), e[0]["parts_missing"].as_u64()),
        (Some(true), Some(1))
    );
    // The part that comes later starts a new message rather than vanishing.
    assert_eq!(o.mo(part(3, "!", 3_000)).await.unwrap(), None);
}

#[tokio::test]
async fn a_receipt_finds_its_submission_in_an_older_generation_and_the_newest_wins() {
    let o = open_short_generations("generations");
    // The carrier gave the same id twice (ids recycle): the later submission is the one.
    let (earlier, later) = (submitted(1), submitted(1));
    for m in [&earlier, &later] {
        o.accept(vec![m.clone()], 1000).await.unwrap();
        o.save_correlated(m.clone(), keys(m), Since::Read)
            .await
            .unwrap();
        past(now_ms() + 1).await;
    }
    let got = o
        .receipt(receipt("1a2b0", SegmentStatus::Delivered))
        .await
        .unwrap();
    assert!(matches!(got, ReceiptOutcome::Matched { .. }), "{got:?}");
    assert_eq!(o.get(later.id).unwrap().unwrap().status, Status::Delivered);
    assert_eq!(
        o.get(earlier.id).unwrap().unwrap().status,
        Status::Submitted
    );
}

#[tokio::test]
async fn expiry_forgets_the_generations_that_ended_before_the_cutoff() {
    let o = open_short_generations("generation-expiry");
    let (old, young) = (submitted_as("1a2b0"), submitted_as("3c4d0"));
    o.accept(vec![old.clone(), young.clone()], 1000)
        .await
        .unwrap();
    o.save_correlated(old.clone(), keys(&old), Since::Read)
        .await
        .unwrap();
    past(now_ms() + 1).await;
    let cutoff = now_ms();
    past(cutoff).await;
    o.save_correlated(young.clone(), keys(&young), Since::Read)
        .await
        .unwrap();
    // Only the old entry's generation had ended; the others emptied hold nothing.
    assert_eq!(o.expire_correlation(cutoff, 100).await.unwrap(), 1);
    assert_eq!(o.expire_correlation(cutoff, 100).await.unwrap(), 0);
    let delivered = |id| receipt(id, SegmentStatus::Delivered);
    assert_eq!(
        o.receipt(delivered("1a2b0")).await.unwrap(),
        ReceiptOutcome::Parked
    );
    let got = o.receipt(delivered("3c4d0")).await.unwrap();
    assert!(matches!(got, ReceiptOutcome::Matched { .. }), "{got:?}");
}

#[tokio::test]
async fn correlation_written_before_generations_still_matches_and_expires() {
    type Legacy<'a> = redb::TableDefinition<'a, (&'static str, &'static str), (u128, u16, u64)>;
    type LegacyAge<'a> = redb::TableDefinition<'a, (u64, &'static str, &'static str), ()>;
    let path = db_path("legacy-correlation");
    let o = Outbox::open(&path, CommitLimits::default()).unwrap();
    let m = submitted(2);
    o.accept(vec![m.clone()], 1000).await.unwrap();
    o.save(m.clone()).await.unwrap();
    o.close().await;
    // The layout of earlier versions: one table and its age index.
    {
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut table = txn.open_table(Legacy::new("correlation")).unwrap();
            let mut by_age = txn
                .open_table(LegacyAge::new("correlation_by_age"))
                .unwrap();
            for (segment, key) in keys(&m) {
                let at = 1_800_000_000_100 + u64::from(segment);
                table
                    .insert(("sim", key.as_str()), (m.id.0, segment, at))
                    .unwrap();
                by_age.insert((at, "sim", key.as_str()), ()).unwrap();
            }
        }
        txn.commit().unwrap();
    }
    let o = Outbox::open(&path, CommitLimits::default()).unwrap();
    let got = o
        .receipt(receipt("1a2b0", SegmentStatus::Delivered))
        .await
        .unwrap();
    assert!(matches!(got, ReceiptOutcome::Matched { .. }), "{got:?}");
    // The first segment's entry is older than the cutoff, the second's is not.
    assert_eq!(
        o.expire_correlation(1_800_000_000_101, 100).await.unwrap(),
        1
    );
    assert_eq!(
        o.expire_correlation(1_800_000_000_101, 100).await.unwrap(),
        0
    );
    let got = o
        .receipt(receipt("1a2b1", SegmentStatus::Delivered))
        .await
        .unwrap();
    assert!(matches!(got, ReceiptOutcome::Matched { .. }), "{got:?}");
}

#[tokio::test]
async fn a_receipts_best_reading_wins_over_another_reading_in_a_newer_generation() {
    let o = open_short_generations("reading-order");
    let (late, newer) = (submitted_as("1a2b0"), submitted_as("3c4d0"));
    for m in [&late, &newer] {
        o.accept(vec![m.clone()], 1000).await.unwrap();
        o.save_correlated(m.clone(), keys(m), Since::Read)
            .await
            .unwrap();
        past(now_ms() + 1).await;
    }
    // A receipt whose best reading names the earlier submission and whose other reading
    // happens to name the newer one.
    let mut r = receipt("1a2b0", SegmentStatus::Delivered);
    r.keys = vec![keys(&late)[0].1.clone(), keys(&newer)[0].1.clone()];
    let got = o.receipt(r).await.unwrap();
    assert!(matches!(got, ReceiptOutcome::Matched { .. }), "{got:?}");
    assert_eq!(o.get(late.id).unwrap().unwrap().status, Status::Delivered);
    assert_eq!(o.get(newer.id).unwrap().unwrap().status, Status::Submitted);
}
