//! Receipts and inbound messages, durably: the correlation of (carrier, normalised carrier
//! message id) with (message, segment); receipts that came before their submit_sm_resp was
//! recorded (parked, matched when it is); receipts and messages no one can take (kept and
//! listed, never dropped); and MO parts until their message is whole. Every change here
//! writes its webhook events in the same commit.

use serde::{Deserialize, Serialize};

use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata};
use serde_json::json;

use super::events;
use super::tables::{PARKED, Tables, UNMATCHED};
use super::writer::StoreError;
use crate::message::{Message, MessageId, SegmentStatus, Status};

/// How long the parts of an MO wait for the rest; then what arrived is delivered, marked
/// incomplete (a handset sends all parts within seconds).
pub const MO_PARTS_WAIT_MS: u64 = 10 * 60 * 1000;

/// Receipts parked at once; past this, a receipt without its submission is kept as unmatched.
pub const MAX_PARKED: u64 = 100_000;

/// How long a receipt waits for its submission to be recorded before it is kept as unmatched.
/// Receipts overtake their submit_sm_resp by milliseconds; one still waiting after this
/// belongs to a submission that was never recorded (a crash between the response and the
/// record sends the message again, under a new id).
pub const PARK_FOR_MS: u64 = 3600 * 1000;

/// A final receipt, read and normalised by the inbound edge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptRecord {
    /// The carrier it came from.
    pub carrier: String,
    /// The id as the SMSC wrote it.
    pub message_id: String,
    /// Lookup keys for the id, best first (`dlr::lookup_keys`).
    pub keys: Vec<String>,
    /// What the segment became.
    pub status: SegmentStatus,
    /// The receipt's error (`err:` or network_error_code).
    pub error: Option<String>,
    /// When it arrived, ms since the epoch.
    pub received_at_ms: u64,
}

/// What became of a receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptOutcome {
    /// It settled a segment; the account has new events.
    Matched {
        /// The message's account.
        account: String,
        /// When the segment's submit_sm_resp was recorded, ms since the epoch.
        submitted_at_ms: u64,
    },
    /// The segment was settled already (a repeated receipt): nothing new.
    Repeated,
    /// No submission has that id yet: parked until one is recorded.
    Parked,
    /// Parking is full: kept as unmatched.
    Unmatched,
}

/// An MO message or part, decoded by the inbound edge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoRecord {
    /// The account that owns the destination, if any.
    pub account: Option<String>,
    /// The carrier it came from.
    pub carrier: String,
    /// The handset.
    pub from: String,
    /// Our number or short code.
    pub to: String,
    /// This part's text.
    pub text: String,
    /// (reference, total, part 1-based) when concatenated.
    pub part: Option<(u16, u8, u8)>,
    /// When it arrived, ms.
    pub received_at_ms: u64,
}

fn ts(ms: u64) -> serde_json::Value {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map_or(serde_json::Value::Null, |t| t.to_string().into())
}

fn event_id(now_ms: u64) -> String {
    MessageId::generate(now_ms).to_string()
}

fn to_json(v: &serde_json::Value) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(StoreError::db)
}

/// A `dlr` event, written field by field (a `serde_json::Value` costs a map and a string per
/// field, once per receipt).
#[derive(Serialize)]
struct DlrEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    event_id: String,
    id: String,
    client_ref: &'a Option<String>,
    status: SegmentStatus,
    message_status: Status,
    segment: usize,
    segments: usize,
    carrier: &'a Option<String>,
    carrier_message_id: &'a Option<String>,
    error: &'a Option<String>,
    done_at: Option<String>,
}

/// The `status` event of a multipart message whose last segment was settled.
#[derive(Serialize)]
struct StatusEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    event_id: String,
    id: String,
    client_ref: &'a Option<String>,
    status: Status,
    segments: usize,
    done_at: Option<String>,
}

/// RFC 3339, or nothing for a time that cannot be one.
fn rfc3339(ms: u64) -> Option<String> {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.to_string())
}

/// Records the correlation keys of segments a save gave carrier ids, and applies any receipt
/// parked for them. `keys` are (segment, key); the carrier is the segment's.
pub(super) fn correlate(
    t: &mut Tables<'_>,
    m: &mut Message,
    keys: &[(u16, String)],
    now_ms: u64,
) -> Result<bool, StoreError> {
    let mut settled = false;
    for (segment, key) in keys {
        let Some(carrier) = m
            .segments
            .get(usize::from(*segment))
            .and_then(|s| s.carrier.clone())
        else {
            continue;
        };
        let at = (carrier.as_str(), key.as_str());
        t.correlation
            .insert(at.0, at.1, (m.id.0, *segment, now_ms))?;
        // Nothing is parked unless receipts overtook their submit_sm_resp: an empty table
        // costs no lookup.
        if t.parked.is_empty().map_err(StoreError::db)? {
            continue;
        }
        let parked = t
            .parked
            .get(at)
            .map_err(StoreError::db)?
            .map(|v| v.value().to_vec());
        if let Some(bytes) = parked {
            let r: ReceiptRecord = postcard::from_bytes(&bytes).map_err(StoreError::db)?;
            unpark(t, &r)?;
            settled |= settle(t, m, usize::from(*segment), &r, now_ms)?;
        }
    }
    Ok(settled)
}

/// Removes a parked receipt under every one of its keys.
fn unpark(t: &mut Tables<'_>, r: &ReceiptRecord) -> Result<(), StoreError> {
    for k in &r.keys {
        t.parked
            .remove((r.carrier.as_str(), k.as_str()))
            .map_err(StoreError::db)?;
    }
    Ok(())
}

/// Applies a receipt to its segment: the message record, then its events.
fn settle(
    t: &mut Tables<'_>,
    m: &mut Message,
    segment: usize,
    r: &ReceiptRecord,
    now_ms: u64,
) -> Result<bool, StoreError> {
    let total = m.segments.len();
    let Some(s) = m.segments.get_mut(segment) else {
        return Ok(false);
    };
    if s.status.is_receipted() {
        return Ok(false);
    }
    s.status = r.status;
    s.error.clone_from(&r.error);
    let became_final = m.settle_receipts(now_ms);
    let s = &m.segments[segment];
    let dlr = DlrEvent {
        kind: "dlr",
        event_id: event_id(now_ms),
        id: m.id.to_string(),
        client_ref: &m.client_ref,
        status: s.status,
        message_status: m.status,
        segment: segment + 1,
        segments: total,
        carrier: &s.carrier,
        carrier_message_id: &s.carrier_message_id,
        error: &s.error,
        done_at: rfc3339(r.received_at_ms),
    };
    let json = serde_json::to_vec(&dlr).map_err(StoreError::db)?;
    events::append(t, &m.account, &json)?;
    if became_final && total > 1 {
        let status = StatusEvent {
            kind: "status",
            event_id: event_id(now_ms),
            id: m.id.to_string(),
            client_ref: &m.client_ref,
            status: m.status,
            segments: total,
            done_at: rfc3339(m.done_at_ms.unwrap_or(now_ms)),
        };
        let json = serde_json::to_vec(&status).map_err(StoreError::db)?;
        events::append(t, &m.account, &json)?;
    }
    Ok(true)
}

/// Applies a receipt: to its segment when the correlation is known, else parked. `load`
/// reads a message record and `save` writes it back.
pub(super) fn receipt(
    t: &mut Tables<'_>,
    r: &ReceiptRecord,
    load: impl Fn(&Tables<'_>, MessageId) -> Result<Option<Message>, StoreError>,
    save: impl Fn(&mut Tables<'_>, &Message) -> Result<(), StoreError>,
) -> Result<ReceiptOutcome, StoreError> {
    let hit = t.correlation.get(&r.carrier, &r.keys)?;
    if let Some((id, segment, submitted_at_ms)) = hit
        && let Some(mut m) = load(t, MessageId(id))?
    {
        if settle(t, &mut m, usize::from(segment), r, r.received_at_ms)? {
            save(t, &m)?;
            return Ok(ReceiptOutcome::Matched {
                account: m.account,
                submitted_at_ms,
            });
        }
        return Ok(ReceiptOutcome::Repeated);
    }
    if t.parked.len().map_err(StoreError::db)? >= MAX_PARKED {
        keep_receipt(
            t,
            r,
            "no submission with this id, and the parking space is full",
        )?;
        return Ok(ReceiptOutcome::Unmatched);
    }
    let bytes = postcard::to_stdvec(r).map_err(StoreError::db)?;
    for k in &r.keys {
        t.parked
            .insert((r.carrier.as_str(), k.as_str()), bytes.as_slice())
            .map_err(StoreError::db)?;
    }
    Ok(ReceiptOutcome::Parked)
}

/// Keeps a receipt that matched no submission, with why.
fn keep_receipt(t: &mut Tables<'_>, r: &ReceiptRecord, reason: &str) -> Result<u64, StoreError> {
    keep_unmatched(
        t,
        &json!({
            "type": "receipt", "carrier": r.carrier, "carrier_message_id": r.message_id,
            "status": r.status, "error": r.error, "received_at": ts(r.received_at_ms),
            "reason": reason,
        }),
    )
}

/// Keeps something no one could take, for an operator to list.
pub(super) fn keep_unmatched(
    t: &mut Tables<'_>,
    what: &serde_json::Value,
) -> Result<u64, StoreError> {
    let n = t.next_seq();
    t.unmatched
        .insert(n, to_json(what)?.as_slice())
        .map_err(StoreError::db)?;
    Ok(n)
}

/// Up to `limit` kept unmatched receipts and messages, oldest first.
pub(super) fn unmatched(
    txn: &ReadTransaction,
    limit: usize,
) -> Result<Vec<serde_json::Value>, StoreError> {
    let table = txn.open_table(UNMATCHED).map_err(StoreError::db)?;
    let mut out = Vec::new();
    for entry in table.iter().map_err(StoreError::db)?.take(limit) {
        let (_, v) = entry.map_err(StoreError::db)?;
        out.push(serde_json::from_slice(v.value()).map_err(StoreError::db)?);
    }
    Ok(out)
}

/// How many receipts and inbound PDUs are kept as unmatched.
pub(super) fn unmatched_count(txn: &ReadTransaction) -> Result<u64, StoreError> {
    txn.open_table(UNMATCHED)
        .map_err(StoreError::db)?
        .len()
        .map_err(StoreError::db)
}

/// Parked receipts (each counted once per lookup key).
pub(super) fn parked(txn: &ReadTransaction) -> Result<u64, StoreError> {
    txn.open_table(PARKED)
        .map_err(StoreError::db)?
        .len()
        .map_err(StoreError::db)
}

/// An MO message or part: a whole message becomes an `mo` event for its account (or is kept
/// as unmatched when no account owns the number); a part waits for the others. Returns the
/// account that got an event.
pub(super) fn mo(t: &mut Tables<'_>, r: &MoRecord) -> Result<Option<String>, StoreError> {
    let Some((reference, total, part)) = r.part else {
        return deliver_mo(t, r, r.text.clone(), 0);
    };
    let conversation = format!("{}\0{}\0{}\0{reference}\0{total}", r.carrier, r.from, r.to);
    let bytes = postcard::to_stdvec(r).map_err(StoreError::db)?;
    t.mo_parts
        .insert((conversation.as_str(), part), bytes.as_slice())
        .map_err(StoreError::db)?;
    match take_parts(&mut t.mo_parts, &conversation, Some(total))? {
        Some(have) => {
            let text = have.iter().map(|p| p.text.as_str()).collect();
            deliver_mo(t, &have[0], text, 0)
        }
        None => Ok(None),
    }
}

/// The parts of `conversation` in order, removed from the table, when there are `total` of
/// them (or whatever there is, with `None`).
fn take_parts(
    parts: &mut redb::Table<'_, (&str, u8), &[u8]>,
    conversation: &str,
    total: Option<u8>,
) -> Result<Option<Vec<MoRecord>>, StoreError> {
    let have: Vec<(u8, MoRecord)> = parts
        .range((conversation, 0)..=(conversation, u8::MAX))
        .map_err(StoreError::db)?
        .filter_map(Result::ok)
        .filter_map(|(k, v)| Some((k.value().1, postcard::from_bytes(v.value()).ok()?)))
        .collect();
    if have.is_empty() || total.is_some_and(|t| have.len() < usize::from(t)) {
        return Ok(None);
    }
    for (p, _) in &have {
        parts.remove((conversation, *p)).map_err(StoreError::db)?;
    }
    Ok(Some(have.into_iter().map(|(_, r)| r).collect()))
}

/// The `mo` event for a whole (or timed-out) message.
fn deliver_mo(
    t: &mut Tables<'_>,
    r: &MoRecord,
    text: String,
    parts_missing: u8,
) -> Result<Option<String>, StoreError> {
    let mut event = json!({
        "type": "mo",
        "event_id": event_id(r.received_at_ms),
        "from": r.from,
        "to": r.to,
        "text": text,
        "carrier": r.carrier,
        "received_at": ts(r.received_at_ms),
    });
    if parts_missing > 0 {
        event["incomplete"] = true.into();
        event["parts_missing"] = parts_missing.into();
    }
    match &r.account {
        Some(account) => {
            events::append(t, account, &to_json(&event)?)?;
            Ok(Some(account.clone()))
        }
        None => {
            event["reason"] = "no account owns this number".into();
            keep_unmatched(t, &event)?;
            Ok(None)
        }
    }
}

/// Delivers, marked incomplete, MO messages whose first part arrived before `before_ms` and
/// whose other parts never came; the accounts that got events.
pub(super) fn expire_mo(t: &mut Tables<'_>, before_ms: u64) -> Result<Vec<String>, StoreError> {
    let stale: Vec<String> = {
        let mut out: Vec<String> = Vec::new();
        for entry in t.mo_parts.iter().map_err(StoreError::db)? {
            let (k, v) = entry.map_err(StoreError::db)?;
            let conversation = k.value().0.to_owned();
            let old = postcard::from_bytes::<MoRecord>(v.value())
                .map_or(true, |r| r.received_at_ms < before_ms);
            if old && out.last() != Some(&conversation) {
                out.push(conversation);
            }
        }
        out
    };
    let mut accounts = Vec::new();
    for conversation in stale {
        let Some(have) = take_parts(&mut t.mo_parts, &conversation, None)? else {
            continue;
        };
        let total = have[0].part.map_or(1, |(_, t, _)| t);
        let missing = total.saturating_sub(u8::try_from(have.len()).unwrap_or(u8::MAX));
        let text = have.iter().map(|p| p.text.as_str()).collect();
        if let Some(a) = deliver_mo(t, &have[0], text, missing)? {
            accounts.push(a);
        }
    }
    Ok(accounts)
}

/// Moves receipts parked before `before_ms` to the unmatched list; how many receipts.
pub(super) fn expire_parked(t: &mut Tables<'_>, before_ms: u64) -> Result<usize, StoreError> {
    let stale: Vec<ReceiptRecord> = {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for entry in t.parked.iter().map_err(StoreError::db)? {
            let (_, v) = entry.map_err(StoreError::db)?;
            let r: ReceiptRecord = postcard::from_bytes(v.value()).map_err(StoreError::db)?;
            if r.received_at_ms < before_ms
                && seen.insert((r.carrier.clone(), r.message_id.clone()))
            {
                out.push(r);
            }
        }
        out
    };
    for r in &stale {
        unpark(t, r)?;
        keep_receipt(
            t,
            r,
            "no submission with this id was recorded within an hour",
        )?;
    }
    Ok(stale.len())
}
