//! The user data header (3GPP TS 23.040 §9.2.3.24): the IEs this module writes (concatenation
//! and national language shifts) and a tolerant parser for inbound ones.

use super::error::TextError;
use super::gsm7::ShiftTables;

/// IE: concatenated message, 8-bit reference.
pub(crate) const IEI_CONCAT_8: u8 = 0x00;
/// IE: concatenated message, 16-bit reference.
pub(crate) const IEI_CONCAT_16: u8 = 0x08;
/// IE: national language single shift.
pub(crate) const IEI_SINGLE_SHIFT: u8 = 0x24;
/// IE: national language locking shift.
pub(crate) const IEI_LOCKING_SHIFT: u8 = 0x25;

/// Octets of the concatenation IE (IEI, IEDL and data), 8-bit reference.
pub(crate) const CONCAT_8_IE_OCTETS: usize = 5;
/// Octets of the concatenation IE (IEI, IEDL and data), 16-bit reference.
pub(crate) const CONCAT_16_IE_OCTETS: usize = 6;

/// One part's place in a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Concat {
    /// Identifies the message among the sender's concatenated ones; the same in every part.
    pub reference: u16,
    /// Parts the message was split into; together with `reference` it names the message.
    pub total: u8,
    /// 1-based.
    pub seq: u8,
    /// Whether the reference came from the 16-bit IE (0x08).
    pub wide: bool,
}

/// What an inbound UDH says, as far as text is concerned; other IEs are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Udh {
    /// Octets the header takes, UDHL included: user data starts here.
    pub len: usize,
    /// The concatenation IE (0x00 or 0x08), when the part belongs to a longer message.
    pub concat: Option<Concat>,
    /// Language id of IE 0x25, as received.
    pub locking_shift: Option<u8>,
    /// Language id of IE 0x24, as received.
    pub single_shift: Option<u8>,
}

impl Udh {
    /// The GSM tables this header selects.
    pub fn shift_tables(&self) -> ShiftTables {
        ShiftTables::from_ids(self.locking_shift, self.single_shift)
    }
}

/// Parses the UDH at the start of `short_message`.
///
/// IEs with an unexpected length are skipped like unknown ones; when an IE repeats, the last
/// one counts (3GPP TS 23.040 §9.2.3.24). Only lengths that run past the data are errors.
pub fn parse_udh(short_message: &[u8]) -> Result<Udh, TextError> {
    let (&udhl, rest) = short_message.split_first().ok_or(TextError::MalformedUdh {
        reason: "UDHI is set but the user data is empty",
    })?;
    let mut ies = rest
        .get(..usize::from(udhl))
        .ok_or(TextError::MalformedUdh {
            reason: "UDHL runs past the end of the user data",
        })?;
    let mut udh = Udh {
        len: 1 + usize::from(udhl),
        ..Udh::default()
    };
    while let [iei, iedl, tail @ ..] = ies {
        let data = tail
            .get(..usize::from(*iedl))
            .ok_or(TextError::MalformedUdh {
                reason: "an information element runs past the UDHL",
            })?;
        match (*iei, data) {
            (IEI_CONCAT_8, &[reference, total, seq]) => {
                udh.concat = Some(Concat {
                    reference: u16::from(reference),
                    total,
                    seq,
                    wide: false,
                });
            }
            (IEI_CONCAT_16, &[hi, lo, total, seq]) => {
                udh.concat = Some(Concat {
                    reference: u16::from_be_bytes([hi, lo]),
                    total,
                    seq,
                    wide: true,
                });
            }
            (IEI_SINGLE_SHIFT, &[id]) => udh.single_shift = Some(id),
            (IEI_LOCKING_SHIFT, &[id]) => udh.locking_shift = Some(id),
            _ => {}
        }
        ies = &tail[usize::from(*iedl)..];
    }
    if !ies.is_empty() {
        return Err(TextError::MalformedUdh {
            reason: "a truncated information element ends the UDH",
        });
    }
    Ok(udh)
}

/// Octets of a UDH (UDHL included) carrying `concat_ie` concatenation octets and `tables`;
/// 0 when there is nothing to say.
pub(crate) const fn udh_len(concat_ie: usize, tables: ShiftTables) -> usize {
    let ies = concat_ie + tables.udh_octets();
    if ies == 0 { 0 } else { 1 + ies }
}

/// Appends a UDH with an optional concatenation IE and the IEs announcing `tables`.
pub(crate) fn write_udh(concat: Option<Concat>, tables: ShiftTables, out: &mut Vec<u8>) {
    let concat_ie = match concat {
        None => 0,
        Some(c) if c.wide => CONCAT_16_IE_OCTETS,
        Some(_) => CONCAT_8_IE_OCTETS,
    };
    let len = udh_len(concat_ie, tables);
    if len == 0 {
        return;
    }
    out.push((len - 1) as u8);
    if let Some(c) = concat {
        if c.wide {
            let [hi, lo] = c.reference.to_be_bytes();
            out.extend_from_slice(&[IEI_CONCAT_16, 4, hi, lo, c.total, c.seq]);
        } else {
            out.extend_from_slice(&[IEI_CONCAT_8, 3, c.reference as u8, c.total, c.seq]);
        }
    }
    if let Some(language) = tables.single {
        out.extend_from_slice(&[IEI_SINGLE_SHIFT, 1, language.id()]);
    }
    if let Some(language) = tables.locking {
        out.extend_from_slice(&[IEI_LOCKING_SHIFT, 1, language.id()]);
    }
}
