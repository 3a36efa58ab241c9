//! Building the parts of an outbound message: the user data, header and SAR values each
//! submit_sm needs, laid out exactly as [`super::preview`] planned.

use super::encoding::{Encoding, EncodingChoice};
use super::error::TextError;
use super::gsm7;
use super::gsm7::pack::{fill_bits, pack_into, packed_len};
use super::latin1;
use super::plan::Transport;
use super::preview::{Preview, binary_selection, build};
use super::profile::{Concatenation, Packing, TextProfile};
use super::select::{char_cost, select};
use super::ucs2;
use super::udh::{Concat, write_udh};

/// SAR TLV values for one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sar {
    /// sar_msg_ref_num.
    pub reference: u16,
    /// sar_total_segments.
    pub total: u8,
    /// sar_segment_seqnum, from 1.
    pub seq: u8,
}

/// What one submit_sm carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// `short_message`, UDH first when `udhi`; empty when `message_payload` is set.
    pub short_message: Vec<u8>,
    /// Set esm_class bit 0x40 (UDHI).
    pub udhi: bool,
    /// The submit_sm `data_coding`; the same in every part, copied here so each part is
    /// self-contained for the dispatcher.
    pub data_coding: u8,
    /// SAR TLVs to add (SAR concatenation only).
    pub sar: Option<Sar>,
    /// The `message_payload` TLV value (payload concatenation only); sm_length is then 0.
    pub message_payload: Option<Vec<u8>>,
}

/// A message ready for the dispatcher: how it was planned, and one [`Part`] per submit_sm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segmented {
    /// The plan the parts follow, identical to what [`super::preview`] answered, so what was
    /// quoted to the submitter is what is sent and billed.
    pub preview: Preview,
    /// One entry per submit_sm, in sequence order.
    pub parts: Vec<Part>,
}

/// Encodes and splits `text` for a carrier with `profile`. `reference` is the concatenation
/// reference for every part (from [`super::ReferenceAllocator`]); 1..=255 with 8-bit UDH.
pub fn segment(
    text: &str,
    choice: EncodingChoice,
    profile: &TextProfile,
    reference: u16,
) -> Result<Segmented, TextError> {
    let selection = select(text, choice, profile)?;
    let preview = build(&selection, selection.costs(text), profile)?;
    let resolved = selection.tables.resolve();
    let encoding = selection.encoding;
    assemble(
        text.chars(),
        |c| char_cost(encoding, resolved, c),
        |c, out| match encoding {
            Encoding::Gsm7 => {
                if let Some(code) = resolved.code(c) {
                    gsm7::push_code(code, out);
                }
            }
            Encoding::Ucs2 => ucs2::push_char(c, out),
            Encoding::Latin1 | Encoding::Binary => out.extend(latin1::octet(c)),
        },
        preview,
        profile,
        reference,
    )
}

/// Splits opaque octets sent as 8-bit binary (`data_coding` 0x04).
pub fn segment_binary(
    data: &[u8],
    profile: &TextProfile,
    reference: u16,
) -> Result<Segmented, TextError> {
    let selection = binary_selection(data, profile);
    let preview = build(&selection, std::iter::repeat_n(1, data.len()), profile)?;
    assemble(
        data.iter().copied(),
        |_| 1,
        |b, out| out.push(b),
        preview,
        profile,
        reference,
    )
}

/// Walks the items once, cutting parts where the plan says; `cost` must be the costs the plan
/// was made from.
fn assemble<T>(
    items: impl Iterator<Item = T>,
    cost: impl Fn(T) -> usize,
    encode: impl Fn(T, &mut Vec<u8>),
    preview: Preview,
    profile: &TextProfile,
    reference: u16,
) -> Result<Segmented, TextError>
where
    T: Copy,
{
    if preview.transport == Transport::Udh
        && profile.concatenation == Concatenation::Udh8
        && reference > u16::from(u8::MAX)
    {
        return Err(TextError::ReferenceOutOfRange { reference });
    }
    let builder = PartBuilder {
        preview: &preview,
        packing: profile.packing,
        wide: profile.concatenation == Concatenation::Udh16,
        reference,
    };
    let mut parts = Vec::with_capacity(preview.submits());
    let mut units = Vec::with_capacity(preview.segment_sizes.first().map_or(0, |&s| s * 2));
    if preview.transport == Transport::Payload {
        for item in items {
            encode(item, &mut units);
        }
        parts.push(builder.payload_part(&mut units));
        return Ok(Segmented { preview, parts });
    }
    let mut index = 0;
    let mut filled = 0;
    for item in items {
        let c = cost(item);
        let size = preview.segment_sizes.get(index).copied().unwrap_or(0);
        if filled + c > size && filled > 0 {
            parts.push(builder.part(index, &mut units));
            units.clear();
            index += 1;
            filled = 0;
        }
        encode(item, &mut units);
        filled += c;
    }
    parts.push(builder.part(index, &mut units));
    Ok(Segmented { preview, parts })
}

struct PartBuilder<'a> {
    preview: &'a Preview,
    packing: Packing,
    wide: bool,
    reference: u16,
}

impl PartBuilder<'_> {
    fn part(&self, index: usize, units: &mut Vec<u8>) -> Part {
        let preview = self.preview;
        let seq = u8::try_from(index + 1).unwrap_or(u8::MAX);
        let total = u8::try_from(preview.segments).unwrap_or(u8::MAX);
        let (concat, sar) = match preview.transport {
            Transport::Udh => (
                Some(Concat {
                    reference: self.reference,
                    total,
                    seq,
                    wide: self.wide,
                }),
                None,
            ),
            Transport::Sar => (
                None,
                Some(Sar {
                    reference: self.reference,
                    total,
                    seq,
                }),
            ),
            Transport::Single | Transport::Payload => (None, None),
        };
        let mut short_message = Vec::with_capacity(140);
        write_udh(concat, preview.shift_tables, &mut short_message);
        let header = short_message.len();
        self.write_user_data(units, header, &mut short_message);
        Part {
            short_message,
            udhi: header > 0,
            data_coding: preview.data_coding,
            sar,
            message_payload: None,
        }
    }

    fn payload_part(&self, units: &mut Vec<u8>) -> Part {
        let mut payload = Vec::with_capacity(units.len());
        self.write_user_data(units, 0, &mut payload);
        Part {
            short_message: Vec::new(),
            udhi: false,
            data_coding: self.preview.data_coding,
            sar: None,
            message_payload: Some(payload),
        }
    }

    /// Appends the part's units after a header of `header` octets: as they are, or as packed
    /// septets with the fill bits that header needs.
    fn write_user_data(&self, units: &mut Vec<u8>, header: usize, out: &mut Vec<u8>) {
        if self.preview.encoding != Encoding::Gsm7 || self.packing == Packing::Unpacked {
            out.extend_from_slice(units);
            return;
        }
        let fill = fill_bits(header);
        // A text ending in CR exactly on an octet boundary gets a second CR, or the receiver
        // would take it for padding (3GPP TS 23.038 §6.1.2.3.1); only where it still fits.
        let n = units.len();
        let ends_on_boundary = (fill as usize + 7 * n).is_multiple_of(8);
        let room =
            header + packed_len(n + 1, fill) <= 140 || self.preview.transport == Transport::Payload;
        if units.last() == Some(&0x0D) && ends_on_boundary && room {
            units.push(0x0D);
        }
        pack_into(units, fill, out);
    }
}
