//! The SMPP wire codec: every 3.4 PDU and the 5.0 broadcast family, decoded without copying and
//! encoded into one buffer (smpp-reference §1–§6).
//!
//! [`Pdu::decode`] takes one complete frame (see [`crate::framing`]) and returns a [`Pdu`] whose
//! strings, short_message and TLVs borrow from it. The body parser sees exactly
//! `command_length - 16` octets; leftover or missing octets are errors that keep command_id and
//! sequence_number so the session can answer ([`DecodeError::reply`]).
//!
//! ```
//! use smppd::pdu::{Body, Pdu};
//! let frame = hex::decode("00000010000000150000000000000007").unwrap();
//! let pdu = Pdu::decode(&frame).unwrap();
//! assert_eq!(pdu.sequence_number, 7);
//! assert!(matches!(pdu.body, Body::EnquireLink));
//! ```

mod codec;
mod command_id;
mod error;
mod field;
mod list;
mod parse;
mod status;
mod tlv;
mod tlv_value;
mod write;
#[macro_use]
mod body;
#[cfg(test)]
mod tests;

use bytes::{BufMut, BytesMut};

pub use body::*;
pub use command_id::CommandId;
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use field::{COctet, Field, Octets};
pub use list::{Item, Iter, List};
pub use status::CommandStatus;
pub use tlv::{Tlv, Tlvs, tag};
pub use tlv_value::{
    BroadcastContentType, BroadcastFrequencyInterval, FlexUint, MessageState, NetworkErrorCode,
};

use parse::{Fail, In, PResult};

/// Octets in the PDU header.
pub const HEADER_LEN: usize = 16;

/// Per-peer limits that real carriers bend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum bind/outbind password size, terminator included: 9 by the specification, more
    /// for carriers that demand longer passwords.
    pub password_max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { password_max: 9 }
    }
}

/// One PDU: header fields and a typed body. The command_id follows from the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pdu<'a> {
    /// 0 in requests; the result in responses.
    pub command_status: CommandStatus,
    /// Matches a response to its request. Echoed as received, even 0 or above 0x7FFFFFFF.
    pub sequence_number: u32,
    /// The command and its fields.
    pub body: Body<'a>,
}

/// Declares [`Body`] and everything that dispatches on the command.
macro_rules! bodies {
    (
        requests { $( $rv:ident($rty:ident) = $rid:ident; )* }
        responses { $( $ov:ident($oty:ident) = $oid:ident; )* }
        empty { $( $ev:ident = $eid:ident; )* }
    ) => {
        /// The command and its body. Responses hold `None` when they came header-only (as the
        /// specification has them on error) and are encoded header-only when `None`.
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum Body<'a> {
            $( $rv($rty<'a>), )*
            $( $ov(Option<$oty<'a>>), )*
            $( $ev, )*
            /// A command this crate does not know, with its raw body.
            Other { command_id: u32, body: Octets<'a> },
        }

        impl<'a> Body<'a> {
            /// The command_id this body is sent with.
            pub fn command_id(&self) -> CommandId {
                match self {
                    $( Body::$rv(_) => CommandId::$rid, )*
                    $( Body::$ov(_) => CommandId::$oid, )*
                    $( Body::$ev => CommandId::$eid, )*
                    Body::Other { command_id, .. } => CommandId::from(*command_id),
                }
            }

            fn parse(
                id: CommandId,
                status: CommandStatus,
                i: In<'a>,
                lim: &Limits,
            ) -> Result<Body<'a>, Fail<'a>> {
                match id {
                    $( CommandId::$rid => whole(i, $rty::parse(i, lim)).map(Body::$rv), )*
                    $( CommandId::$oid => optional(status, i, $oty::parse(i, lim)).map(Body::$ov), )*
                    $( CommandId::$eid => empty(id, status, i).map(|()| Body::$ev), )*
                    CommandId::Other(raw) => Ok(Body::Other { command_id: raw, body: Octets::new(i) }),
                }
            }

            fn write(&self, buf: &mut BytesMut, lim: &Limits) -> Result<(), EncodeError> {
                match self {
                    $( Body::$rv(b) => b.write(buf, lim), )*
                    $( Body::$ov(Some(b)) => b.write(buf, lim), )*
                    $( Body::$ov(None) => Ok(()), )*
                    $( Body::$ev => Ok(()), )*
                    Body::Other { command_id, body } => {
                        if CommandId::from(*command_id).name().is_some() {
                            return Err(EncodeError::Shape(
                                "Body::Other may only carry an unknown command_id",
                            ));
                        }
                        buf.put_slice(body.as_bytes());
                        Ok(())
                    }
                }
            }

            /// The body as a JSON object of its fields under their specification names.
            pub fn to_json(&self) -> serde_json::Value {
                let v = match self {
                    $( Body::$rv(b) => serde_json::to_value(b), )*
                    $( Body::$ov(Some(b)) => serde_json::to_value(b), )*
                    $( Body::$ov(None) => Ok(serde_json::json!({})), )*
                    $( Body::$ev => Ok(serde_json::json!({})), )*
                    Body::Other { body, .. } => Ok(serde_json::json!({ "body": body })),
                };
                // Serialising these plain structs cannot fail; an empty object is a safe answer.
                v.unwrap_or_else(|_| serde_json::json!({}))
            }

            #[cfg(any(test, feature = "arbitrary"))]
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>, lim: &Limits) -> arbitrary::Result<Self> {
                let builders: &[fn(&mut arbitrary::Unstructured<'a>, &Limits) -> arbitrary::Result<Body<'a>>] = &[
                    $( |u, lim| Ok(Body::$rv($rty::arbitrary(u, lim)?)), )*
                    $( |u, lim| Ok(Body::$ov(if u.arbitrary()? { Some($oty::arbitrary(u, lim)?) } else { None })), )*
                    $( |_, _| Ok(Body::$ev), )*
                    |u, _| {
                        // 0x200–0xFFFF is unassigned in both directions' id space.
                        let command_id = u.int_in_range(0x200..=0xFFFF)? | if u.arbitrary()? { 0x8000_0000 } else { 0 };
                        let n = u.int_in_range(0..=64)?;
                        Ok(Body::Other { command_id, body: Octets::new(u.bytes(n.min(u.len()))?) })
                    },
                ];
                (u.choose(builders)?)(u, lim)
            }
        }
    };
}

bodies! {
    requests {
        BindReceiver(Bind) = BindReceiver;
        BindTransmitter(Bind) = BindTransmitter;
        BindTransceiver(Bind) = BindTransceiver;
        Outbind(Outbind) = Outbind;
        SubmitSm(SubmitSm) = SubmitSm;
        DeliverSm(SubmitSm) = DeliverSm;
        SubmitMulti(SubmitMulti) = SubmitMulti;
        DataSm(DataSm) = DataSm;
        QuerySm(QuerySm) = QuerySm;
        CancelSm(CancelSm) = CancelSm;
        ReplaceSm(ReplaceSm) = ReplaceSm;
        AlertNotification(AlertNotification) = AlertNotification;
        BroadcastSm(BroadcastSm) = BroadcastSm;
        QueryBroadcastSm(QueryBroadcastSm) = QueryBroadcastSm;
        CancelBroadcastSm(CancelBroadcastSm) = CancelBroadcastSm;
    }
    responses {
        BindReceiverResp(BindResp) = BindReceiverResp;
        BindTransmitterResp(BindResp) = BindTransmitterResp;
        BindTransceiverResp(BindResp) = BindTransceiverResp;
        SubmitSmResp(MessageIdResp) = SubmitSmResp;
        DeliverSmResp(MessageIdResp) = DeliverSmResp;
        SubmitMultiResp(SubmitMultiResp) = SubmitMultiResp;
        DataSmResp(MessageIdResp) = DataSmResp;
        QuerySmResp(QuerySmResp) = QuerySmResp;
        BroadcastSmResp(MessageIdResp) = BroadcastSmResp;
        QueryBroadcastSmResp(MessageIdResp) = QueryBroadcastSmResp;
    }
    empty {
        GenericNack = GenericNack;
        Unbind = Unbind;
        UnbindResp = UnbindResp;
        EnquireLink = EnquireLink;
        EnquireLinkResp = EnquireLinkResp;
        CancelSmResp = CancelSmResp;
        ReplaceSmResp = ReplaceSmResp;
        CancelBroadcastSmResp = CancelBroadcastSmResp;
    }
}

/// A request body must be consumed exactly.
fn whole<'a, T>(_: In<'a>, r: PResult<'a, T>) -> Result<T, Fail<'a>> {
    let (rest, v) = r.map_err(unwrap_fail)?;
    if rest.is_empty() {
        Ok(v)
    } else {
        Err(Fail {
            at: rest,
            kind: DecodeErrorKind::TrailingBytes { count: rest.len() },
        })
    }
}

/// A response may come header-only; on error, a body that does not parse is ignored
/// (smpp-reference §3: never fail on an absent or truncated error body).
fn optional<'a, T>(
    status: CommandStatus,
    i: In<'a>,
    r: PResult<'a, T>,
) -> Result<Option<T>, Fail<'a>> {
    if i.is_empty() {
        return Ok(None);
    }
    match whole(i, r) {
        Ok(v) => Ok(Some(v)),
        Err(_) if !status.is_ok() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A header-only PDU. An error response that brings a body anyway is accepted.
fn empty<'a>(id: CommandId, status: CommandStatus, i: In<'a>) -> Result<(), Fail<'a>> {
    if i.is_empty() || (id.is_response() && !status.is_ok()) {
        Ok(())
    } else {
        Err(Fail {
            at: i,
            kind: DecodeErrorKind::TrailingBytes { count: i.len() },
        })
    }
}

fn unwrap_fail(e: nom::Err<Fail<'_>>) -> Fail<'_> {
    match e {
        nom::Err::Error(f) | nom::Err::Failure(f) => f,
        // Only streaming parsers report Incomplete, and none is used.
        nom::Err::Incomplete(_) => Fail {
            at: &[],
            kind: DecodeErrorKind::TrailingBytes { count: 0 },
        },
    }
}

/// The four header fields, read without looking at the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Total PDU octets, header included.
    pub command_length: u32,
    /// The command.
    pub command_id: CommandId,
    /// The status.
    pub command_status: CommandStatus,
    /// The sequence number.
    pub sequence_number: u32,
}

impl Header {
    /// Reads the header from the first 16 octets, or `None` if there are fewer.
    pub fn peek(buf: &[u8]) -> Option<Header> {
        let word = |at: usize| u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]);
        (buf.len() >= HEADER_LEN).then(|| Header {
            command_length: word(0),
            command_id: CommandId::from(word(4)),
            command_status: CommandStatus::from(word(8)),
            sequence_number: word(12),
        })
    }
}

impl<'a> Pdu<'a> {
    /// A request or response with status ESME_ROK.
    pub fn new(sequence_number: u32, body: Body<'a>) -> Self {
        Pdu {
            command_status: CommandStatus::Ok,
            sequence_number,
            body,
        }
    }

    /// The command_id, derived from the body.
    pub fn command_id(&self) -> CommandId {
        self.body.command_id()
    }

    /// Decodes one whole frame with the specification's limits.
    pub fn decode(frame: &'a [u8]) -> Result<Pdu<'a>, DecodeError> {
        Pdu::decode_with(frame, &Limits::default())
    }

    /// Decodes one whole frame (header included, exactly command_length octets).
    pub fn decode_with(frame: &'a [u8], lim: &Limits) -> Result<Pdu<'a>, DecodeError> {
        let Some(h) = Header::peek(frame) else {
            return Err(DecodeError {
                command_id: CommandId::Other(0),
                sequence_number: 0,
                offset: 0,
                kind: DecodeErrorKind::ShortHeader { len: frame.len() },
            });
        };
        let error = |offset, kind| DecodeError {
            command_id: h.command_id,
            sequence_number: h.sequence_number,
            offset,
            kind,
        };
        if h.command_length as usize != frame.len() {
            return Err(error(
                0,
                DecodeErrorKind::CommandLength {
                    declared: h.command_length,
                    actual: frame.len(),
                },
            ));
        }
        let body = &frame[HEADER_LEN..];
        let body = Body::parse(h.command_id, h.command_status, body, lim)
            .map_err(|f| error(frame.len() - f.at.len(), f.kind))?;
        Ok(Pdu {
            command_status: h.command_status,
            sequence_number: h.sequence_number,
            body,
        })
    }

    /// Appends the whole PDU to `buf`; command_length is written once the body is known. On
    /// error `buf` is left as it was.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        self.encode_with(buf, &Limits::default())
    }

    /// As [`Pdu::encode`], with a peer's limits.
    pub fn encode_with(&self, buf: &mut BytesMut, lim: &Limits) -> Result<(), EncodeError> {
        let start = buf.len();
        buf.reserve(HEADER_LEN + 64);
        buf.put_u32(0);
        buf.put_u32(self.command_id().raw());
        buf.put_u32(self.command_status.raw());
        buf.put_u32(self.sequence_number);
        if let Err(e) = self.body.write(buf, lim) {
            buf.truncate(start);
            return Err(e);
        }
        let len = (buf.len() - start) as u32;
        buf[start..start + 4].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }

    /// Encodes into a fresh buffer.
    pub fn to_bytes(&self) -> Result<bytes::Bytes, EncodeError> {
        let mut buf = BytesMut::new();
        self.encode(&mut buf)?;
        Ok(buf.freeze())
    }

    /// generic_nack with a status (answer to an unknown command or a broken one).
    pub fn generic_nack(sequence_number: u32, status: CommandStatus) -> Pdu<'static> {
        Pdu {
            command_status: status,
            sequence_number,
            body: Body::GenericNack,
        }
    }

    /// The header-only answer that refuses a request: its `*_resp` with `status`, or
    /// generic_nack for a command that has no response of its own.
    pub fn rejection(
        request: CommandId,
        sequence_number: u32,
        status: CommandStatus,
    ) -> Pdu<'static> {
        let body = match request.response() {
            Some(CommandId::BindReceiverResp) => Body::BindReceiverResp(None),
            Some(CommandId::BindTransmitterResp) => Body::BindTransmitterResp(None),
            Some(CommandId::BindTransceiverResp) => Body::BindTransceiverResp(None),
            Some(CommandId::SubmitSmResp) => Body::SubmitSmResp(None),
            Some(CommandId::DeliverSmResp) => Body::DeliverSmResp(None),
            Some(CommandId::SubmitMultiResp) => Body::SubmitMultiResp(None),
            Some(CommandId::DataSmResp) => Body::DataSmResp(None),
            Some(CommandId::QuerySmResp) => Body::QuerySmResp(None),
            Some(CommandId::BroadcastSmResp) => Body::BroadcastSmResp(None),
            Some(CommandId::QueryBroadcastSmResp) => Body::QueryBroadcastSmResp(None),
            Some(CommandId::UnbindResp) => Body::UnbindResp,
            Some(CommandId::EnquireLinkResp) => Body::EnquireLinkResp,
            Some(CommandId::CancelSmResp) => Body::CancelSmResp,
            Some(CommandId::ReplaceSmResp) => Body::ReplaceSmResp,
            Some(CommandId::CancelBroadcastSmResp) => Body::CancelBroadcastSmResp,
            _ => Body::GenericNack,
        };
        Pdu {
            command_status: status,
            sequence_number,
            body,
        }
    }

    /// The PDU as one JSON object: command_id (name), command_status (name and code),
    /// sequence_number, then the body's fields and `tlvs`.
    pub fn to_json(&self) -> serde_json::Value {
        let id = self.command_id();
        let mut out = serde_json::Map::new();
        out.insert(
            "command_id".into(),
            match id.name() {
                Some(name) => name.into(),
                None => format!("0x{:08X}", id.raw()).into(),
            },
        );
        out.insert(
            "command_status".into(),
            serde_json::json!({
                "name": self.command_status.name(),
                "code": self.command_status.raw(),
            }),
        );
        out.insert("sequence_number".into(), self.sequence_number.into());
        if let serde_json::Value::Object(fields) = self.body.to_json() {
            out.extend(fields);
        }
        serde_json::Value::Object(out)
    }
}

#[cfg(any(test, feature = "arbitrary"))]
impl<'a> arbitrary::Arbitrary<'a> for Pdu<'a> {
    /// Valid PDUs (every field within its limits), for round-trip tests and fuzzing.
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Pdu {
            command_status: CommandStatus::from(u.arbitrary::<u32>()?),
            sequence_number: u.arbitrary()?,
            body: Body::arbitrary(u, &Limits::default())?,
        })
    }
}
