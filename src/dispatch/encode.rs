//! A stored message → the submit_sm frames for one carrier: its text split per the carrier's
//! text settings with the message's own concatenation reference, addresses, validity, receipt
//! request and OTP priority. Encoded once here; the bind only writes its sequence number in.

use bytes::Bytes;

use crate::message::{Kind, Message};
use crate::pdu::{Body, COctet, List, Octets, Pdu, SubmitSm, Tlv};
use crate::text::{EncodingChoice, TextError, TextProfile, segment};

/// Why a message cannot be encoded for a carrier.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The text does not fit this carrier's settings (another carrier may take it).
    #[error(transparent)]
    Text(#[from] TextError),
    /// A field broke a PDU limit.
    #[error(transparent)]
    Pdu(#[from] crate::pdu::EncodeError),
}

/// SMPP relative time (`YYMMDDhhmmss000R`, smpp-reference §6.8) for a validity in seconds.
pub fn relative_validity(seconds: u32) -> String {
    let s = u64::from(seconds);
    let (days, rest) = (s / 86_400, s % 86_400);
    let (hours, rest) = (rest / 3600, rest % 3600);
    let (minutes, secs) = (rest / 60, rest % 60);
    format!("0000{:02}{hours:02}{minutes:02}{secs:02}000R", days.min(99))
}

fn choice(encoding: &str) -> EncodingChoice {
    match encoding {
        "gsm7" => EncodingChoice::Gsm7,
        "ucs2" => EncodingChoice::Ucs2,
        "latin1" => EncodingChoice::Latin1,
        _ => EncodingChoice::Auto,
    }
}

/// The frames (sequence number 0) for `message` at a carrier with `profile`.
pub fn encode(
    message: &Message,
    profile: &TextProfile,
    reference: u16,
) -> Result<Vec<Bytes>, EncodeError> {
    let segmented = segment(&message.text, choice(&message.encoding), profile, reference)?;
    let validity = relative_validity(message.validity_s);
    let dest = message.to.trim_start_matches('+');
    let (ton, npi, source) = &message.from;
    segmented
        .parts
        .iter()
        .map(|part| {
            let mut tlvs = Vec::new();
            if let Some(sar) = part.sar {
                tlvs.push(Tlv::SarMsgRefNum(sar.reference));
                tlvs.push(Tlv::SarTotalSegments(sar.total));
                tlvs.push(Tlv::SarSegmentSeqnum(sar.seq));
            }
            if let Some(payload) = &part.message_payload {
                tlvs.push(Tlv::MessagePayload(Octets::new(payload)));
            }
            let sm = SubmitSm {
                source_addr_ton: *ton,
                source_addr_npi: *npi,
                source_addr: COctet::from_str(source),
                dest_addr_ton: 1,
                dest_addr_npi: 1,
                destination_addr: COctet::from_str(dest),
                esm_class: if part.udhi { 0x40 } else { 0 },
                priority_flag: u8::from(message.kind == Kind::Otp),
                validity_period: COctet::from_str(&validity),
                registered_delivery: u8::from(message.dlr),
                data_coding: part.data_coding,
                short_message: Octets::new(&part.short_message),
                tlvs: List::from(tlvs),
                ..SubmitSm::default()
            };
            Ok(Pdu::new(0, Body::SubmitSm(sm)).to_bytes()?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_validity_strings() {
        assert_eq!(relative_validity(300), "000000000500000R");
        assert_eq!(relative_validity(48 * 3600), "000002000000000R");
        assert_eq!(relative_validity(3661), "000000010101000R");
    }
}
