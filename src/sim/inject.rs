//! Mobile-originated messages injected through [`super::SimHandle::inject_deliver`]: the plain
//! data a test gives, checked and encoded once into the deliver_sm a receiver bind is sent.

use bytes::{Bytes, BytesMut};

use crate::pdu::{Body, COctet, EncodeError, List, Octets, Pdu, SubmitSm, Tlv};

/// An MO message to deliver as deliver_sm to a receiver bind (RX or TRX). Plain data; the
/// default is an empty message between empty addresses with TON/NPI 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MoMessage {
    /// The sender (the handset), e.g. `34600111222`. At most 20 octets.
    pub source_addr: String,
    /// TON of the sender.
    pub source_addr_ton: u8,
    /// NPI of the sender.
    pub source_addr_npi: u8,
    /// The recipient (the ESME's short code or number). At most 20 octets.
    pub destination_addr: String,
    /// TON of the recipient.
    pub dest_addr_ton: u8,
    /// NPI of the recipient.
    pub dest_addr_npi: u8,
    /// §6.2; 0 for a plain MO, 0x40 when short_message starts with a UDH.
    pub esm_class: u8,
    /// §6.4.
    pub data_coding: u8,
    /// The user data, at most 254 octets (use a message_payload TLV for more).
    pub short_message: Vec<u8>,
    /// Extra TLVs as (tag, value); known tags must have values their type allows.
    pub tlvs: Vec<(u16, Vec<u8>)>,
}

/// Why a message could not be injected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InjectError {
    /// The simulator accepts binds for another system_id.
    #[error("no binds are accepted for system_id {0:?}")]
    UnknownSystemId(String),
    /// The message does not fit in a deliver_sm.
    #[error("the message does not encode as deliver_sm: {0}")]
    Invalid(#[from] EncodeError),
    /// `max_pending` messages are already waiting.
    #[error("the queue of messages waiting for a receiver bind is full")]
    QueueFull,
}

impl MoMessage {
    /// The deliver_sm with sequence number 0 (filled in when sent). Known TLV tags are
    /// re-read through the codec so a value of the wrong size is refused here, not on the wire.
    pub(crate) fn encode(&self) -> Result<Bytes, EncodeError> {
        let mut tlv_wire = BytesMut::new();
        for (tag, value) in &self.tlvs {
            if value.len() > usize::from(u16::MAX) {
                return Err(EncodeError::TlvTooLong {
                    tag: *tag,
                    len: value.len(),
                    max: usize::from(u16::MAX),
                });
            }
            tlv_wire.extend_from_slice(&tag.to_be_bytes());
            tlv_wire.extend_from_slice(&(value.len() as u16).to_be_bytes());
            tlv_wire.extend_from_slice(value);
        }
        let tlvs: List<'_, Tlv<'_>> = List::Wire(&tlv_wire);
        let body = Body::DeliverSm(SubmitSm {
            source_addr_ton: self.source_addr_ton,
            source_addr_npi: self.source_addr_npi,
            source_addr: COctet::from_str(&self.source_addr),
            dest_addr_ton: self.dest_addr_ton,
            dest_addr_npi: self.dest_addr_npi,
            destination_addr: COctet::from_str(&self.destination_addr),
            esm_class: self.esm_class,
            data_coding: self.data_coding,
            short_message: Octets::new(&self.short_message),
            tlvs,
            ..Default::default()
        });
        // Encode with the raw TLV octets, then decode to let the codec check every TLV.
        let mut buf = BytesMut::new();
        Pdu::new(0, body).encode(&mut buf)?;
        if let Err(e) = Pdu::decode(&buf) {
            return Err(EncodeError::Shape(match e.kind {
                crate::pdu::DecodeErrorKind::TlvLength { .. } => {
                    "a TLV has a length its tag does not allow"
                }
                crate::pdu::DecodeErrorKind::TlvValue { .. } => "a TLV has a malformed value",
                _ => "the deliver_sm does not decode",
            }));
        }
        Ok(buf.freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_checks_tlvs() {
        let mo = MoMessage {
            source_addr: "34600111222".into(),
            destination_addr: "12345".into(),
            short_message: b"STOP".to_vec(),
            tlvs: vec![(0x020A, vec![0x1F, 0x90]), (0x1401, b"vendor".to_vec())],
            ..MoMessage::default()
        };
        let bytes = mo.encode().unwrap();
        let pdu = Pdu::decode(&bytes).unwrap();
        let Body::DeliverSm(sm) = pdu.body else {
            panic!("not a deliver_sm")
        };
        assert_eq!(sm.short_message.as_bytes(), b"STOP");
        assert_eq!(sm.tlvs.get(0x020A), Some(Tlv::SourcePort(0x1F90)));
        let bad = MoMessage {
            tlvs: vec![(0x020A, vec![1, 2, 3])],
            ..MoMessage::default()
        };
        assert!(bad.encode().is_err());
        let long = MoMessage {
            source_addr: "123456789012345678901".into(),
            ..MoMessage::default()
        };
        assert!(long.encode().is_err());
    }
}
