//! Decode and encode errors, and the one place that maps a decode error to the answer a peer gets.

use super::Pdu;
use super::command_id::CommandId;
use super::field::Field;
use super::status::CommandStatus;

/// Why a PDU failed to decode. Every variant carries enough to say what was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// Fewer than 16 octets: there is no complete header.
    #[error("{len} octets is shorter than the 16-octet header")]
    ShortHeader {
        /// Octets available.
        len: usize,
    },
    /// command_length disagrees with the octets handed to the decoder.
    #[error("command_length is {declared} but the PDU has {actual} octets")]
    CommandLength {
        /// The header's command_length.
        declared: u32,
        /// Octets handed to the decoder.
        actual: usize,
    },
    /// The body ended inside a mandatory field.
    #[error("body ends inside {}", field.name())]
    Truncated {
        /// The field being read.
        field: Field,
    },
    /// A C-Octet String has no NUL terminator within its maximum size.
    #[error("{} has no NUL terminator within its {max} octets", field.name())]
    CStringTooLong {
        /// The field being read.
        field: Field,
        /// The field's maximum size, terminator included.
        max: usize,
    },
    /// sm_length announces more octets than the body holds.
    #[error("sm_length is {declared} but only {available} octets follow")]
    ShortMessageOverrun {
        /// The announced length.
        declared: usize,
        /// Octets left in the body.
        available: usize,
    },
    /// A submit_multi dest_flag that is neither 1 (SME address) nor 2 (distribution list).
    #[error("dest_flag {flag} is neither 1 (SME address) nor 2 (distribution list)")]
    InvalidDestFlag {
        /// The flag read.
        flag: u8,
    },
    /// A TLV header or value runs past the end of the body.
    #[error("TLV 0x{tag:04X} runs past the end of the body")]
    TlvTruncated {
        /// The tag, or 0 when even the tag could not be read.
        tag: u16,
    },
    /// A known TLV has a length its type does not allow.
    #[error("TLV 0x{tag:04X} has length {len}, which its type does not allow")]
    TlvLength {
        /// The tag.
        tag: u16,
        /// The length read.
        len: u16,
    },
    /// A known TLV's value is malformed (for example a C-Octet String with data after its NUL).
    #[error("TLV 0x{tag:04X} has a malformed value")]
    TlvValue {
        /// The tag.
        tag: u16,
    },
    /// Octets left over after the last field of a PDU that takes no TLVs.
    #[error("{count} octets left over after the last field")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
}

/// A PDU that could not be decoded, with what is needed to answer it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{command_id} (sequence {sequence_number}): {kind} at byte {offset}")]
pub struct DecodeError {
    /// The header's command_id (raw 0 when the header itself was short).
    pub command_id: CommandId,
    /// The header's sequence_number, echoed in the answer.
    pub sequence_number: u32,
    /// Offset from the start of the PDU where decoding failed.
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl From<&DecodeError> for CommandStatus {
    /// The status a session answers a malformed request with (smpp-reference §9.2).
    fn from(err: &DecodeError) -> CommandStatus {
        match err.kind {
            DecodeErrorKind::ShortHeader { .. }
            | DecodeErrorKind::CommandLength { .. }
            | DecodeErrorKind::Truncated { .. }
            | DecodeErrorKind::TrailingBytes { .. } => CommandStatus::InvalidCommandLength,
            DecodeErrorKind::CStringTooLong { field, .. } => field.status(),
            DecodeErrorKind::ShortMessageOverrun { .. } => CommandStatus::InvalidMessageLength,
            DecodeErrorKind::InvalidDestFlag { .. } => CommandStatus::InvalidDestinationFlag,
            DecodeErrorKind::TlvTruncated { .. } => CommandStatus::InvalidTlvStream,
            DecodeErrorKind::TlvLength { .. } => CommandStatus::InvalidTlvLength,
            DecodeErrorKind::TlvValue { .. } => CommandStatus::InvalidTlvValue,
        }
    }
}

impl DecodeError {
    /// The status a peer should be answered with.
    pub fn status(&self) -> CommandStatus {
        CommandStatus::from(self)
    }

    /// The PDU to send back, if any: a length problem gets `generic_nack ESME_RINVCMDLEN`; a bad
    /// field gets the request's own `*_resp` with the field's status. Responses, outbind and
    /// alert_notification are never answered.
    pub fn reply(&self) -> Option<Pdu<'static>> {
        if self.command_id.is_response()
            || matches!(
                self.command_id,
                CommandId::Outbind | CommandId::AlertNotification
            )
        {
            return None;
        }
        let status = self.status();
        if status == CommandStatus::InvalidCommandLength {
            return Some(Pdu::generic_nack(self.sequence_number, status));
        }
        Some(Pdu::rejection(
            self.command_id,
            self.sequence_number,
            status,
        ))
    }
}

/// Why a PDU could not be encoded. The buffer is left as it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A C-Octet String is longer than its field allows.
    #[error("{field} is {len} octets; at most {max} fit (terminator included)")]
    TooLong {
        /// The field's name.
        field: &'static str,
        /// Content octets.
        len: usize,
        /// The maximum, terminator included.
        max: usize,
    },
    /// A C-Octet String contains a NUL, which would end it early on the wire.
    #[error("{field} contains a NUL octet at position {position}")]
    InteriorNul {
        /// The field's name.
        field: &'static str,
        /// Where the NUL is.
        position: usize,
    },
    /// A time field is neither empty nor `YYMMDDhhmmsstnnp` (16 characters ending in +, - or R).
    #[error("{field} must be empty or 16 characters YYMMDDhhmmsstnnp ending in +, - or R")]
    BadTime {
        /// The field's name.
        field: &'static str,
    },
    /// short_message is longer than the 254 octets sm_length allows.
    #[error("short_message is {len} octets; at most 254 fit (use message_payload)")]
    ShortMessageTooLong {
        /// Octets.
        len: usize,
    },
    /// A list has more items than its one-octet count can carry.
    #[error("{field} has {count} items; at most {max} fit")]
    TooManyItems {
        /// The count field's name.
        field: &'static str,
        /// Items given.
        count: usize,
        /// The maximum.
        max: usize,
    },
    /// A TLV value is longer than its type or the u16 length allows.
    #[error("TLV 0x{tag:04X} value is {len} octets; at most {max} fit")]
    TlvTooLong {
        /// The tag.
        tag: u16,
        /// Octets.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A body given for a command that has none (or the reverse).
    #[error("{0}")]
    Shape(&'static str),
}
