//! Sorting an inbound deliver_sm or data_sm into a delivery receipt, an MO message, or a receipt
//! that could not be read (smpp-reference §6.2, §7).
//!
//! A PDU flagged as a receipt is never treated as MO, even when nothing in it makes sense: it
//! comes back as [`Inbound::UnparsedReceipt`] with the reason, so the caller can log it and still
//! acknowledge it. TLVs are preferred over the text (as Kannel and jasmin do); the text fills in
//! what they lack.

use std::borrow::Cow;
use std::fmt;

use super::state::ReceiptState;
use super::text::{ReceiptText, parse_text};
use crate::message::Status;
use crate::pdu::{
    Body, COctet, CommandId, DataSm, DeliverSm, MessageState, NetworkErrorCode, Octets, Tlv, Tlvs,
};
use crate::text::{TextProfile, decode_latin1, decode_short_message};

/// esm_class bits 5-2, the message type (smpp-reference §6.2).
pub const ESM_CLASS_MESSAGE_TYPE: u8 = 0x3C;

/// Which kind of receipt the esm_class message type announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReceiptKind {
    /// 0x04: SMSC delivery receipt. Also assumed when esm_class says nothing but the PDU carries
    /// receipted_message_id, which only receipts do.
    SmscDeliveryReceipt,
    /// 0x08: SME delivery acknowledgement.
    SmeDeliveryAck,
    /// 0x10: SME manual/user acknowledgement.
    ManualAck,
    /// 0x20: intermediate delivery notification.
    Intermediate,
}

impl ReceiptKind {
    /// The kind `esm_class` flags, or `None` for a normal message (or conversation abort, 0x18).
    pub fn from_esm_class(esm_class: u8) -> Option<ReceiptKind> {
        match esm_class & ESM_CLASS_MESSAGE_TYPE {
            0x04 => Some(ReceiptKind::SmscDeliveryReceipt),
            0x08 => Some(ReceiptKind::SmeDeliveryAck),
            0x10 => Some(ReceiptKind::ManualAck),
            0x20 => Some(ReceiptKind::Intermediate),
            _ => None,
        }
    }
}

/// A TON, NPI and address, borrowed from the PDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Address<'a> {
    /// Type of number (§6.1).
    pub ton: u8,
    /// Numbering plan (§6.1).
    pub npi: u8,
    /// The address.
    pub addr: COctet<'a>,
}

/// An MO message: what a caller needs to decode and route it, borrowed from the PDU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mo<'a> {
    /// deliver_sm or data_sm.
    pub command_id: CommandId,
    /// service_type.
    pub service_type: COctet<'a>,
    /// The sender (the handset).
    pub source: Address<'a>,
    /// The recipient (our number or short code).
    pub destination: Address<'a>,
    /// esm_class: UDHI (0x40) says `user_data` starts with a UDH.
    pub esm_class: u8,
    /// protocol_id (0 for data_sm, which has none).
    pub protocol_id: u8,
    /// data_coding, for [`crate::text::decode_short_message`].
    pub data_coding: u8,
    /// short_message, or message_payload when short_message is empty (always for data_sm).
    pub user_data: Octets<'a>,
    /// Whether `user_data` came from message_payload.
    pub from_payload: bool,
    /// All TLVs (SAR, ports and the rest).
    pub tlvs: Tlvs<'a>,
}

/// A delivery receipt, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// What esm_class announced.
    pub kind: ReceiptKind,
    /// Whether it is an intermediate notification (`kind` is [`ReceiptKind::Intermediate`]):
    /// the message is not settled whatever the state says.
    pub intermediate: bool,
    /// The SMSC message id as sent (receipted_message_id, else `id:`), trimmed. Correlate it
    /// through [`super::lookup_keys`].
    pub message_id: String,
    /// message_state, else `stat:`.
    pub state: ReceiptState,
    /// The `stat:` text as written, when there was one.
    pub stat: Option<String>,
    /// The error: network_error_code rendered as `TTT:CCCC` (network type, then error code, in
    /// zero-padded decimal, e.g. `003:0027` for GSM absent subscriber; its three octets as they
    /// are when the SMSC put three ASCII digits there), else the `err:` text as written.
    pub error: Option<String>,
    /// network_error_code, when present.
    pub network_error: Option<NetworkErrorCode>,
    /// `submit date:` digits (10, 12 or 14; SMSC local time).
    pub submit_date: Option<String>,
    /// `done date:` digits (10, 12 or 14; SMSC local time).
    pub done_date: Option<String>,
    /// `sub:`.
    pub sub: Option<u32>,
    /// `dlvrd:`.
    pub dlvrd: Option<u32>,
    /// The receipt's source_addr: the original message's destination.
    pub source: String,
}

impl Receipt {
    /// The status the message settles on, or `None` while it is still on its way (including
    /// every intermediate notification).
    pub fn final_status(&self) -> Option<Status> {
        if self.intermediate {
            None
        } else {
            self.state.final_status()
        }
    }
}

/// Why a PDU flagged as a receipt could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnparsedReason {
    /// No receipted_message_id TLV and no `id:` in the text.
    NoMessageId,
    /// An id, but no message_state TLV and no `stat:` in the text.
    NoState,
}

impl fmt::Display for UnparsedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnparsedReason::NoMessageId => {
                "receipt without a message id (no receipted_message_id TLV, no id: in the text)"
            }
            UnparsedReason::NoState => {
                "receipt without a state (no message_state TLV, no stat: in the text)"
            }
        })
    }
}

/// A PDU flagged as a receipt that could not be read: kept for logging, never taken for MO.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnparsedReceipt {
    /// What esm_class announced.
    pub kind: ReceiptKind,
    /// What was missing.
    pub reason: UnparsedReason,
    /// The id, when only the state was missing.
    pub message_id: Option<String>,
    /// The receipt text as decoded (empty when there was none).
    pub text: String,
    /// The receipt's source_addr: the original message's destination.
    pub source: String,
}

/// An inbound deliver_sm or data_sm, sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound<'a> {
    /// A delivery receipt or acknowledgement.
    Receipt(Receipt),
    /// A mobile-originated message.
    Mo(Mo<'a>),
    /// Flagged as a receipt but unreadable.
    UnparsedReceipt(UnparsedReceipt),
}

impl<'a> Inbound<'a> {
    /// Sorts a deliver_sm or data_sm body; `None` for any other command. `profile` says what
    /// data_coding 0 means at this carrier, needed only for receipt text that is not plain
    /// ASCII.
    pub fn classify(body: &Body<'a>, profile: &TextProfile) -> Option<Inbound<'a>> {
        match body {
            Body::DeliverSm(sm) => Some(Inbound::from_deliver_sm(sm, profile)),
            Body::DataSm(sm) => Some(Inbound::from_data_sm(sm, profile)),
            _ => None,
        }
    }

    /// Sorts a deliver_sm.
    pub fn from_deliver_sm(sm: &DeliverSm<'a>, profile: &TextProfile) -> Inbound<'a> {
        let mo = Mo {
            command_id: CommandId::DeliverSm,
            service_type: sm.service_type,
            source: Address {
                ton: sm.source_addr_ton,
                npi: sm.source_addr_npi,
                addr: sm.source_addr,
            },
            destination: Address {
                ton: sm.dest_addr_ton,
                npi: sm.dest_addr_npi,
                addr: sm.destination_addr,
            },
            esm_class: sm.esm_class,
            protocol_id: sm.protocol_id,
            data_coding: sm.data_coding,
            user_data: sm.short_message,
            from_payload: false,
            tlvs: sm.tlvs.clone(),
        };
        sort(mo, profile)
    }

    /// Sorts a data_sm (jasmin sends receipts this way too).
    pub fn from_data_sm(sm: &DataSm<'a>, profile: &TextProfile) -> Inbound<'a> {
        let mo = Mo {
            command_id: CommandId::DataSm,
            service_type: sm.service_type,
            source: Address {
                ton: sm.source_addr_ton,
                npi: sm.source_addr_npi,
                addr: sm.source_addr,
            },
            destination: Address {
                ton: sm.dest_addr_ton,
                npi: sm.dest_addr_npi,
                addr: sm.destination_addr,
            },
            esm_class: sm.esm_class,
            protocol_id: 0,
            data_coding: sm.data_coding,
            user_data: Octets::default(),
            from_payload: false,
            tlvs: sm.tlvs.clone(),
        };
        sort(mo, profile)
    }
}

/// The receipt TLVs, gathered in one pass.
#[derive(Default)]
struct ReceiptTlvs<'a> {
    id: Option<COctet<'a>>,
    state: Option<MessageState>,
    network_error: Option<NetworkErrorCode>,
    payload: Option<Octets<'a>>,
}

fn receipt_tlvs<'a>(tlvs: &Tlvs<'a>) -> ReceiptTlvs<'a> {
    let mut out = ReceiptTlvs::default();
    // The first of each counts, as in `Tlvs::get`.
    for tlv in tlvs.iter() {
        match tlv {
            Tlv::ReceiptedMessageId(v) => _ = out.id.get_or_insert(v),
            Tlv::MessageState(v) => _ = out.state.get_or_insert(v),
            Tlv::NetworkErrorCode(v) => _ = out.network_error.get_or_insert(v),
            Tlv::MessagePayload(v) => _ = out.payload.get_or_insert(v),
            _ => {}
        }
    }
    out
}

/// MO or receipt: the common part of both bodies, already gathered in `mo`.
fn sort<'a>(mut mo: Mo<'a>, profile: &TextProfile) -> Inbound<'a> {
    let tlvs = receipt_tlvs(&mo.tlvs);
    if mo.user_data.is_empty()
        && let Some(payload) = tlvs.payload
    {
        mo.user_data = payload;
        mo.from_payload = true;
    }
    let kind = match ReceiptKind::from_esm_class(mo.esm_class) {
        Some(kind) => kind,
        None if tlvs.id.is_some() => ReceiptKind::SmscDeliveryReceipt,
        None => return Inbound::Mo(mo),
    };
    let text = receipt_text(&mo, profile);
    read_receipt(kind, &tlvs, &text, mo.source.addr)
}

/// Builds the receipt from the TLVs first and the text second.
fn read_receipt(
    kind: ReceiptKind,
    tlvs: &ReceiptTlvs<'_>,
    text: &str,
    source: COctet<'_>,
) -> Inbound<'static> {
    let fields: ReceiptText<'_> = parse_text(text);
    let tlv_id = tlvs
        .id
        .map(|id| id.to_str_lossy())
        .filter(|id| !id.trim().is_empty());
    let message_id = match tlv_id {
        Some(id) => Some(id.trim().to_owned()),
        None => fields.id.map(str::to_owned),
    };
    let text_state = fields.stat.map(ReceiptState::from_stat);
    // An unknown numeric state loses to a text that names a known one.
    let state = match tlvs.state.map(ReceiptState::from_message_state) {
        Some(ReceiptState::Other) => text_state.or(Some(ReceiptState::Other)),
        Some(state) => Some(state),
        None => text_state,
    };
    let source = source.to_str_lossy().into_owned();
    let (message_id, state) = match (message_id, state) {
        (Some(message_id), Some(state)) => (message_id, state),
        (message_id, _) => {
            let reason = if message_id.is_none() {
                UnparsedReason::NoMessageId
            } else {
                UnparsedReason::NoState
            };
            return Inbound::UnparsedReceipt(UnparsedReceipt {
                kind,
                reason,
                message_id,
                text: text.to_owned(),
                source,
            });
        }
    };
    let error = match tlvs.network_error {
        Some(code) => Some(render_network_error(code)),
        None => fields.err.map(str::to_owned),
    };
    Inbound::Receipt(Receipt {
        kind,
        intermediate: kind == ReceiptKind::Intermediate,
        message_id,
        state,
        stat: fields.stat.map(str::to_owned),
        error,
        network_error: tlvs.network_error,
        submit_date: fields.submit_date.map(str::to_owned),
        done_date: fields.done_date.map(str::to_owned),
        sub: fields.sub,
        dlvrd: fields.dlvrd,
        source,
    })
}

/// `TTT:CCCC`, or the three ASCII digits some SMSCs send in place of the binary value.
fn render_network_error(code: NetworkErrorCode) -> String {
    let [hi, lo] = code.error_code.to_be_bytes();
    let octets = [code.network_type, hi, lo];
    if octets.iter().all(u8::is_ascii_digit) {
        return octets.iter().map(|&b| char::from(b)).collect();
    }
    format!("{:03}:{:04}", code.network_type, code.error_code)
}

/// The receipt text. It is ASCII in practice and then borrowed as it is; anything else
/// (UCS-2, GSM 7-bit with `_` or `@`, a UDH) is decoded by data_coding, and what even that
/// cannot decode is read as Latin-1 so the ASCII keys in it still parse.
fn receipt_text<'t>(mo: &Mo<'t>, profile: &TextProfile) -> Cow<'t, str> {
    let raw = mo.user_data.as_bytes();
    // Some SMSCs end the text with NULs as if it were a C string.
    let end = raw.iter().rposition(|&b| b != 0).map_or(0, |last| last + 1);
    let trimmed = raw.get(..end).unwrap_or(raw);
    let plain = |b: &u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7E);
    if trimmed.iter().all(plain)
        && let Ok(text) = std::str::from_utf8(trimmed)
    {
        return Cow::Borrowed(text);
    }
    // Without the NULs first (GSM 7-bit would read them as '@'); whole again when that cuts a
    // UCS-2 character in half.
    let decode = |bytes| decode_short_message(mo.data_coding, mo.esm_class, bytes, profile);
    match decode(trimmed).or_else(|_| decode(raw)) {
        Ok(decoded) => Cow::Owned(decoded.text),
        Err(_) => Cow::Owned(decode_latin1(trimmed)),
    }
}
