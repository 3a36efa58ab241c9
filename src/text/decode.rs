//! Inbound text: which alphabet a `data_coding` value names, and user data (after any UDH)
//! back to text.

use super::encoding::DefaultAlphabet;
use super::error::TextError;
use super::gsm7::pack::{fill_bits, unpack_into};
use super::gsm7::{ShiftTables, decode_gsm7};
use super::latin1::{decode_ascii, decode_latin1};
use super::profile::{Packing, TextProfile};
use super::ucs2::decode_ucs2;
use super::udh::{Udh, parse_udh};

/// esm_class bit saying the user data starts with a UDH.
pub const ESM_CLASS_UDHI: u8 = 0x40;

/// The alphabet of inbound user data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alphabet {
    Gsm7,
    Latin1,
    Ascii,
    Ucs2,
    Binary,
    Unsupported,
}

/// The alphabet `data_coding` names at a carrier with `profile` (SMPP 3.4 §5.2.19, and the
/// 3GPP TS 23.038 §4 groups some SMSCs pass through unchanged).
pub(crate) fn alphabet(data_coding: u8, profile: &TextProfile) -> Alphabet {
    match data_coding {
        0x00 => match profile.default_alphabet {
            DefaultAlphabet::Gsm7 => Alphabet::Gsm7,
            DefaultAlphabet::Latin1 => Alphabet::Latin1,
            DefaultAlphabet::Ascii => Alphabet::Ascii,
        },
        0x01 => Alphabet::Ascii,
        0x02 | 0x04 => Alphabet::Binary,
        0x03 => Alphabet::Latin1,
        0x08 => Alphabet::Ucs2,
        // 23.038 general data coding, uncompressed: bits 3-2 give the alphabet.
        0x10..=0x1F => match (data_coding >> 2) & 0x03 {
            0 => Alphabet::Gsm7,
            1 => Alphabet::Binary,
            2 => Alphabet::Ucs2,
            _ => Alphabet::Unsupported,
        },
        // Message waiting indication groups: discard / store (GSM 7-bit), store (UCS-2).
        0xC0..=0xDF => Alphabet::Gsm7,
        0xE0..=0xEF => Alphabet::Ucs2,
        // Message class group: bit 2 picks 8-bit data over GSM 7-bit.
        0xF0..=0xFF if data_coding & 0x04 != 0 => Alphabet::Binary,
        0xF0..=0xFF => Alphabet::Gsm7,
        _ => Alphabet::Unsupported,
    }
}

/// User data units: septets one per octet for GSM 7-bit (unpacked here when the carrier
/// packs), octets otherwise.
pub(crate) fn extract_units(
    alphabet: Alphabet,
    user_data: &[u8],
    header: usize,
    packing: Packing,
    out: &mut Vec<u8>,
) {
    let data = user_data.get(header..).unwrap_or_default();
    if alphabet == Alphabet::Gsm7 && packing == Packing::Packed {
        unpack_into(data, fill_bits(header), out);
    } else {
        out.extend_from_slice(data);
    }
}

/// Text of units extracted by [`extract_units`].
pub(crate) fn decode_units(
    alphabet: Alphabet,
    data_coding: u8,
    tables: ShiftTables,
    units: &[u8],
) -> Result<String, TextError> {
    match alphabet {
        Alphabet::Gsm7 => decode_gsm7(units, tables),
        Alphabet::Latin1 => Ok(decode_latin1(units)),
        Alphabet::Ascii => decode_ascii(units),
        Alphabet::Ucs2 => decode_ucs2(units),
        Alphabet::Binary => Err(TextError::Binary { data_coding }),
        Alphabet::Unsupported => Err(TextError::UnsupportedDataCoding { data_coding }),
    }
}

/// Decodes user data that has no UDH.
pub fn decode(
    data_coding: u8,
    user_data: &[u8],
    profile: &TextProfile,
) -> Result<String, TextError> {
    let alphabet = alphabet(data_coding, profile);
    let mut units = Vec::with_capacity(user_data.len() + user_data.len() / 7 + 1);
    extract_units(alphabet, user_data, 0, profile.packing, &mut units);
    decode_units(alphabet, data_coding, ShiftTables::DEFAULT, &units)
}

/// The text of one inbound short_message (or message_payload) and its UDH, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundText {
    /// The parsed header, when UDHI was set: its concatenation IE lets a caller that does not
    /// use [`super::Reassembler`] still tell which message the part belongs to.
    pub udh: Option<Udh>,
    /// The decoded user data after the header.
    pub text: String,
}

/// Decodes one inbound short_message, parsing the UDH when esm_class has UDHI; national
/// language IEs in it select the GSM tables.
pub fn decode_short_message(
    data_coding: u8,
    esm_class: u8,
    short_message: &[u8],
    profile: &TextProfile,
) -> Result<InboundText, TextError> {
    let udh = if esm_class & ESM_CLASS_UDHI != 0 {
        Some(parse_udh(short_message)?)
    } else {
        None
    };
    let header = udh.map_or(0, |u| u.len);
    let tables = udh.map_or(ShiftTables::DEFAULT, |u| u.shift_tables());
    let alphabet = alphabet(data_coding, profile);
    let mut units = Vec::with_capacity(short_message.len() + short_message.len() / 7 + 1);
    extract_units(alphabet, short_message, header, profile.packing, &mut units);
    let text = decode_units(alphabet, data_coding, tables, &units)?;
    Ok(InboundText { udh, text })
}
