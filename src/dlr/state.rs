//! A receipt's state, from the message_state TLV or the `stat:` text (smpp-reference §6.6, §7),
//! and what it means for the message: final or not, and which status.

use crate::message::Status;
use crate::pdu::MessageState;

/// What a receipt says happened to the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReceiptState {
    /// `DELIVRD`, message_state 2.
    Delivered,
    /// `EXPIRED`, message_state 3: the validity period ran out.
    Expired,
    /// `DELETED`, message_state 4: cancelled at the SMSC.
    Deleted,
    /// `UNDELIV`, message_state 5.
    Undeliverable,
    /// `ACCEPTD`, message_state 6 (also `ACKED`): accepted, not yet delivered.
    Accepted,
    /// `UNKNOWN`, message_state 7: the SMSC lost track of it.
    Unknown,
    /// `REJECTD`, message_state 8.
    Rejected,
    /// `ENROUTE`, message_state 1 (also `BUFFRED`, `BUFFERD`): still on its way.
    Enroute,
    /// message_state 0 (SMPP 5.0): scheduled for later delivery.
    Scheduled,
    /// message_state 9 (SMPP 5.0): skipped by the SMSC, never delivered.
    Skipped,
    /// A `stat:` text or message_state value not in the tables.
    Other,
}

impl ReceiptState {
    /// The state a `stat:` value names, case-insensitively. Besides the seven-letter forms,
    /// the full names (`DELIVERED`, `UNDELIVERABLE`, …) and Kannel's intermediate `ACKED`,
    /// `BUFFRED` and `BUFFERD` are recognised; anything else is [`ReceiptState::Other`].
    pub fn from_stat(stat: &str) -> ReceiptState {
        const TABLE: &[(&str, ReceiptState)] = &[
            ("DELIVRD", ReceiptState::Delivered),
            ("UNDELIV", ReceiptState::Undeliverable),
            ("EXPIRED", ReceiptState::Expired),
            ("REJECTD", ReceiptState::Rejected),
            ("ACCEPTD", ReceiptState::Accepted),
            ("ENROUTE", ReceiptState::Enroute),
            ("DELETED", ReceiptState::Deleted),
            ("UNKNOWN", ReceiptState::Unknown),
            ("DELIVERED", ReceiptState::Delivered),
            ("UNDELIVERABLE", ReceiptState::Undeliverable),
            ("REJECTED", ReceiptState::Rejected),
            ("ACCEPTED", ReceiptState::Accepted),
            ("ACKED", ReceiptState::Accepted),
            ("BUFFRED", ReceiptState::Enroute),
            ("BUFFERD", ReceiptState::Enroute),
            ("BUFFERED", ReceiptState::Enroute),
            ("SCHEDULED", ReceiptState::Scheduled),
            ("SKIPPED", ReceiptState::Skipped),
        ];
        let stat = stat.trim();
        TABLE
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(stat))
            .map_or(ReceiptState::Other, |&(_, state)| state)
    }

    /// The state a message_state TLV value names.
    pub fn from_message_state(state: MessageState) -> ReceiptState {
        match state {
            MessageState::Scheduled => ReceiptState::Scheduled,
            MessageState::Enroute => ReceiptState::Enroute,
            MessageState::Delivered => ReceiptState::Delivered,
            MessageState::Expired => ReceiptState::Expired,
            MessageState::Deleted => ReceiptState::Deleted,
            MessageState::Undeliverable => ReceiptState::Undeliverable,
            MessageState::Accepted => ReceiptState::Accepted,
            MessageState::Unknown => ReceiptState::Unknown,
            MessageState::Rejected => ReceiptState::Rejected,
            MessageState::Skipped => ReceiptState::Skipped,
            MessageState::Other(_) => ReceiptState::Other,
        }
    }

    /// The seven-letter `stat:` text (`DELIVRD`), or `None` for [`ReceiptState::Other`].
    pub fn stat(self) -> Option<&'static str> {
        Some(match self {
            ReceiptState::Delivered => "DELIVRD",
            ReceiptState::Expired => "EXPIRED",
            ReceiptState::Deleted => "DELETED",
            ReceiptState::Undeliverable => "UNDELIV",
            ReceiptState::Accepted => "ACCEPTD",
            ReceiptState::Unknown => "UNKNOWN",
            ReceiptState::Rejected => "REJECTD",
            ReceiptState::Enroute => "ENROUTE",
            ReceiptState::Scheduled => "SCHEDULED",
            ReceiptState::Skipped => "SKIPPED",
            ReceiptState::Other => return None,
        })
    }

    /// Whether the message's fate is settled. `ENROUTE`, `ACCEPTD` (and the intermediate
    /// forms folded into them) and `SCHEDULED` are not; every other state is.
    pub fn is_final(self) -> bool {
        self.final_status().is_some()
    }

    /// The message status a final state settles on, or `None` while the message is still on its
    /// way. Only `DELIVRD` is success; an unrecognised state counts as a failure
    /// (undeliverable), as Kannel does, so a receipt never leaves a message hanging.
    pub fn final_status(self) -> Option<Status> {
        match self {
            ReceiptState::Delivered => Some(Status::Delivered),
            ReceiptState::Expired => Some(Status::Expired),
            ReceiptState::Rejected => Some(Status::Rejected),
            ReceiptState::Undeliverable
            | ReceiptState::Deleted
            | ReceiptState::Unknown
            | ReceiptState::Skipped
            | ReceiptState::Other => Some(Status::Undeliverable),
            ReceiptState::Accepted | ReceiptState::Enroute | ReceiptState::Scheduled => None,
        }
    }
}
