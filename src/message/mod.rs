//! A message and its life: the record kept for every accepted message, from `held`/`queued` to
//! a final status, with one entry per segment (API.md §1, status values).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::ingest::Kind;

/// A message id: a ULID, so ids sort by acceptance time (good keys for the outbox).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MessageId(pub u128);

impl MessageId {
    /// A new id for a message accepted at `now_ms` (milliseconds since the Unix epoch).
    pub fn generate(now_ms: u64) -> MessageId {
        let random: u128 = rand::random::<u128>() & ((1u128 << 80) - 1);
        MessageId(ulid::Ulid::from_parts(now_ms, random).0)
    }

    /// Milliseconds since the epoch when the id was made.
    pub fn timestamp_ms(self) -> u64 {
        ulid::Ulid(self.0).timestamp_ms()
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; ulid::ULID_LEN];
        f.write_str(ulid::Ulid(self.0).array_to_str(&mut buf))
    }
}

impl FromStr for MessageId {
    type Err = ulid::DecodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ulid::Ulid::from_string(s).map(|u| MessageId(u.0))
    }
}

/// Where a message stands (API.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for `send_at` or the end of quiet hours.
    Held,
    /// Waiting for a carrier.
    Queued,
    /// Every segment accepted by the carrier.
    Submitted,
    /// Every segment delivered.
    Delivered,
    /// The carrier reported a segment undeliverable.
    Undeliverable,
    /// The validity period ran out.
    Expired,
    /// The carrier refused a submit.
    Rejected,
    /// smppd gave up after its retries.
    Failed,
}

impl Status {
    /// Whether nothing more will happen to the message.
    pub fn is_final(self) -> bool {
        !matches!(self, Status::Held | Status::Queued | Status::Submitted)
    }
}

/// Where one segment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentStatus {
    /// Not sent yet.
    Pending,
    /// Accepted by the carrier.
    Submitted,
    /// No answer from the carrier: it may or may not have the segment.
    Unknown,
    /// Delivered.
    Delivered,
    /// Undeliverable.
    Undeliverable,
    /// Expired.
    Expired,
    /// Refused by the carrier.
    Rejected,
    /// Given up.
    Failed,
}

/// One segment's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Where it stands.
    pub status: SegmentStatus,
    /// The carrier it went to.
    pub carrier: Option<String>,
    /// The id the carrier gave it.
    pub carrier_message_id: Option<String>,
    /// The carrier's error, as text (status name or receipt `err`).
    pub error: Option<String>,
}

impl Segment {
    /// A segment not sent yet.
    pub fn pending() -> Segment {
        Segment {
            status: SegmentStatus::Pending,
            carrier: None,
            carrier_message_id: None,
            error: None,
        }
    }
}

/// The record kept for every accepted message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// The account that sent it.
    pub account: String,
    /// The caller's id, for idempotent retries.
    pub client_ref: Option<String>,
    /// OTP or bulk.
    pub kind: Kind,
    /// Destination, E.164 with `+`.
    pub to: String,
    /// source_addr_ton, source_addr_npi, source_addr.
    pub from: (u8, u8, String),
    /// The text: kept so that a failover to a carrier with other text settings can encode it
    /// again.
    pub text: String,
    /// Encoding asked for (`auto`, `gsm7`, `ucs2`, `latin1`).
    pub encoding: String,
    /// Ask for a delivery receipt.
    pub dlr: bool,
    /// Validity period in seconds.
    pub validity_s: u32,
    /// The destination's country (ISO 3166 alpha-2), when known.
    pub country: Option<String>,
    /// Carriers to try, in order.
    pub route: Vec<String>,
    /// Where it stands.
    pub status: Status,
    /// One entry per segment.
    pub segments: Vec<Segment>,
    /// Accepted at, ms since the epoch.
    pub accepted_at_ms: u64,
    /// Not to be sent before, ms since the epoch (send_at, quiet hours, retry backoff).
    pub due_ms: u64,
    /// All segments accepted by a carrier at, ms.
    pub submitted_at_ms: Option<u64>,
    /// Final status reached at, ms.
    pub done_at_ms: Option<u64>,
    /// Dispatch attempts so far.
    pub attempts: u32,
    /// The concatenation reference, chosen at the first dispatch and kept, so that a retry
    /// sends parts the handset can join with those already delivered.
    pub reference: Option<u16>,
}

impl SegmentStatus {
    /// Whether a receipt settled the segment (delivered, undeliverable or expired).
    pub fn is_receipted(self) -> bool {
        matches!(
            self,
            SegmentStatus::Delivered | SegmentStatus::Undeliverable | SegmentStatus::Expired
        )
    }
}

impl Message {
    /// After a receipt: once every segment is settled the message is final, `delivered` when
    /// every segment is and otherwise the first segment's failure. Returns whether the message
    /// became final now.
    pub fn settle_receipts(&mut self, now_ms: u64) -> bool {
        if self.status.is_final() || !self.segments.iter().all(|s| s.status.is_receipted()) {
            return false;
        }
        self.status = self
            .segments
            .iter()
            .find_map(|s| match s.status {
                SegmentStatus::Undeliverable => Some(Status::Undeliverable),
                SegmentStatus::Expired => Some(Status::Expired),
                _ => None,
            })
            .unwrap_or(Status::Delivered);
        self.done_at_ms = Some(now_ms);
        true
    }

    /// The outbox lane: OTP (0) is always served before bulk (1).
    pub fn lane(&self) -> u8 {
        match self.kind {
            Kind::Otp => 0,
            Kind::Bulk => 1,
        }
    }
}
