//! What a session tells its driver: outcomes of requests, inbound messages, and the end of the
//! link.

use bytes::Bytes;

use crate::pdu::{CommandId, CommandStatus};

/// How a submitted request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The SMSC accepted it and gave this message id (a slice of the response frame).
    Accepted {
        /// The SMSC's message id, opaque (decimal, hex, or anything).
        message_id: Bytes,
    },
    /// The SMSC refused it with this status.
    Rejected(CommandStatus),
    /// ESME_RTHROTTLED or ESME_RMSGQFUL: not accepted now; the same request may be retried later.
    Throttled(CommandStatus),
    /// No answer: the SMSC may or may not have taken it. Resending may duplicate.
    Unknown,
    /// The link ended before the request left this process: safe to send again.
    NotSent,
}

/// Why the link ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// We unbound and the SMSC answered (or the unbind timed out).
    Unbound,
    /// The SMSC sent unbind.
    PeerUnbound,
    /// The bind was refused.
    BindFailed(CommandStatus),
    /// No bind_resp in time.
    BindTimeout,
    /// enquire_link went unanswered: the link is dead or half-open.
    EnquireLinkTimeout,
    /// The transport ended (EOF, reset, framing error).
    ConnectionLost,
}

/// Something the driver must act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The bind succeeded; submits may flow (for transmitter and transceiver binds).
    Bound {
        /// The SMSC's system_id from bind_resp.
        system_id: String,
        /// sc_interface_version, when the SMSC sent it (absent: assume no TLV support).
        interface_version: Option<u8>,
    },
    /// A request the caller submitted has ended.
    Response {
        /// The caller's token given to [`super::Session::submit`].
        token: u64,
        /// How it ended.
        outcome: Outcome,
    },
    /// deliver_sm or data_sm from the SMSC. Answer with [`super::Session::respond`] once the
    /// consumer has taken it; the SMSC redelivers anything never answered.
    Inbound {
        /// The request's sequence number, echoed in the answer.
        sequence_number: u32,
        /// deliver_sm or data_sm.
        command_id: CommandId,
        /// The whole PDU; decode it again with [`crate::pdu::Pdu::decode`].
        frame: Bytes,
    },
    /// alert_notification from the SMSC (never answered).
    Alert {
        /// The whole PDU.
        frame: Bytes,
    },
    /// The link is over: close the transport. Every outstanding request has had its
    /// [`Event::Response`] first.
    Closed(CloseReason),
}
