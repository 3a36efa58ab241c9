//! Segment sizing shared by `preview` and `segment`, so the two cannot disagree: how many units
//! fit in a part with a given UDH, and the greedy split that never cuts a character's units
//! (an escape and its septet, a surrogate pair) across parts.

use serde::{Deserialize, Serialize};

use super::encoding::{Encoding, Unit};
use super::error::TextError;
use super::gsm7::ShiftTables;
use super::gsm7::pack::packed_len;
use super::profile::{Concatenation, Packing, TextProfile};
use super::udh::{CONCAT_8_IE_OCTETS, CONCAT_16_IE_OCTETS, udh_len};

/// Octets of TP-UD in one SMS (3GPP TS 23.040 §9.2.3.24).
const TP_UD_OCTETS: usize = 140;
/// Largest `message_payload` TLV value.
pub(crate) const MAX_PAYLOAD_OCTETS: usize = u16::MAX as usize;

/// How the segments of a message reach the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// One submit_sm; a UDH only when national tables are announced.
    Single,
    /// One submit_sm per segment, each with a concatenation UDH (UDHI set).
    Udh,
    /// One submit_sm per segment, each with SAR TLVs and no UDH.
    Sar,
    /// One submit_sm with the whole text in `message_payload`; the SMSC splits it into the
    /// segments reported.
    Payload,
}

/// Units of `encoding` that fit in one SMS whose UDH takes `udh_octets` (UDHL included).
pub(crate) const fn capacity(encoding: Encoding, udh_octets: usize) -> usize {
    let octets = TP_UD_OCTETS - udh_octets;
    match encoding.unit() {
        // Fill bits round the header up to a septet boundary: ⌊(1120 − 8·UDH)/7⌋.
        Unit::Septets => (octets * 8) / 7,
        Unit::Octets => octets,
        Unit::Utf16Units => octets / 2,
    }
}

/// Octets of the concatenation IE the carrier's parts carry (SAR and payload parts get a UDH
/// from the SMSC, sized like the 8-bit one).
pub(crate) const fn concat_ie_octets(concatenation: Concatenation) -> usize {
    match concatenation {
        Concatenation::Udh16 => CONCAT_16_IE_OCTETS,
        Concatenation::Udh8 | Concatenation::Sar | Concatenation::Payload => CONCAT_8_IE_OCTETS,
    }
}

/// Units one part of a multi-part message holds.
pub(crate) const fn part_capacity(
    encoding: Encoding,
    tables: ShiftTables,
    concatenation: Concatenation,
) -> usize {
    capacity(encoding, udh_len(concat_ie_octets(concatenation), tables))
}

/// Units a single (unconcatenated) message holds.
pub(crate) const fn single_capacity(encoding: Encoding, tables: ShiftTables) -> usize {
    capacity(encoding, udh_len(0, tables))
}

/// Splits `costs` greedily into parts of at most `cap` units, reporting each part's size.
/// Every cost is at most 2 and every capacity far more, so no unit is ever left over.
pub(crate) fn split(
    costs: impl Iterator<Item = usize>,
    cap: usize,
    mut on_size: impl FnMut(usize),
) -> usize {
    let mut parts = 1;
    let mut current = 0;
    for cost in costs {
        if current + cost > cap {
            on_size(current);
            parts += 1;
            current = cost;
        } else {
            current += cost;
        }
    }
    on_size(current);
    parts
}

/// Segment count only, for comparing candidate tables.
pub(crate) fn count_segments(
    costs: impl Iterator<Item = usize>,
    total: usize,
    encoding: Encoding,
    tables: ShiftTables,
    concatenation: Concatenation,
) -> usize {
    if total <= single_capacity(encoding, tables) {
        return 1;
    }
    split(
        costs,
        part_capacity(encoding, tables, concatenation),
        |_| {},
    )
}

/// Octets the whole text takes in `message_payload`.
pub(crate) const fn payload_octets(encoding: Encoding, total: usize, packing: Packing) -> usize {
    match (encoding, packing) {
        (Encoding::Gsm7, Packing::Packed) => packed_len(total, 0),
        (Encoding::Ucs2, _) => total * 2,
        _ => total,
    }
}

/// Decides the transport and reports each segment's size in units; refuses what the carrier
/// cannot take.
pub(crate) fn plan(
    costs: impl Iterator<Item = usize>,
    total: usize,
    encoding: Encoding,
    tables: ShiftTables,
    profile: &TextProfile,
    mut on_size: impl FnMut(usize),
) -> Result<(Transport, usize), TextError> {
    if total <= single_capacity(encoding, tables) {
        on_size(total);
        return Ok((Transport::Single, 1));
    }
    let transport = match profile.concatenation {
        Concatenation::Udh8 | Concatenation::Udh16 => Transport::Udh,
        Concatenation::Sar => Transport::Sar,
        Concatenation::Payload => Transport::Payload,
    };
    let cap = part_capacity(encoding, tables, profile.concatenation);
    let needed = needed_segments(total, cap);
    let max = profile.max_segments();
    // A cheap lower bound first, so a huge text is refused without walking it.
    if needed > usize::from(max) {
        return Err(TextError::TooManySegments { needed, max });
    }
    if transport == Transport::Payload {
        let len = payload_octets(encoding, total, profile.packing);
        if len > MAX_PAYLOAD_OCTETS {
            return Err(TextError::PayloadTooLong {
                len,
                max: MAX_PAYLOAD_OCTETS,
            });
        }
    }
    // Greedy parts exceed the lower bound by at most one unit wasted per part, so `on_size`
    // runs a bounded number of times even when the count ends up over the maximum.
    let segments = split(costs, cap, &mut on_size);
    if segments > usize::from(max) {
        return Err(TextError::TooManySegments {
            needed: segments,
            max,
        });
    }
    Ok((transport, segments))
}

/// Lower bound on parts for `total` units at `cap` per part.
const fn needed_segments(total: usize, cap: usize) -> usize {
    total.div_ceil(cap)
}
