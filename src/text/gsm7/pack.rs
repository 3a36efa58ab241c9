//! Packing septets into octets (3GPP TS 23.038 §6.1.2.1) and back, with the fill bits that put
//! the first septet after a UDH on a septet boundary (3GPP TS 23.040 §9.2.3.24).

/// Carriage return, used to fill 7 spare bits at the end so no phantom `@` appears.
const CR: u8 = 0x0D;

/// Fill bits needed after a UDH of `udh_octets` octets (UDHL included).
pub(crate) const fn fill_bits(udh_octets: usize) -> u32 {
    ((7 - (udh_octets * 8) % 7) % 7) as u32
}

/// Appends `septets` packed LSB first, starting `fill` zero bits into the first new octet.
///
/// When the last octet is left with exactly 7 spare bits, they carry CR so a receiver counting
/// septets from the length does not read an extra `@` (3GPP TS 23.038 §6.1.2.3.1).
pub(crate) fn pack_into(septets: &[u8], fill: u32, out: &mut Vec<u8>) {
    let mut acc: u32 = 0;
    let mut bits = fill;
    for &septet in septets {
        acc |= u32::from(septet & 0x7F) << bits;
        bits += 7;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        if bits == 1 {
            acc |= u32::from(CR) << 1;
        }
        out.push(acc as u8);
    }
}

/// Octets `septets` septets take when packed after `fill` bits.
pub(crate) const fn packed_len(septets: usize, fill: u32) -> usize {
    (septets * 7 + fill as usize).div_ceil(8)
}

/// Unpacks every whole septet of `octets` after skipping `fill` bits, appending to `out`.
///
/// When the septets end exactly on the last octet's last bit and the final septet is CR, it is
/// taken as the padding [`pack_into`] writes, and dropped.
pub(crate) fn unpack_into(octets: &[u8], fill: u32, out: &mut Vec<u8>) {
    let total_bits = (octets.len() * 8).saturating_sub(fill as usize);
    let count = total_bits / 7;
    let start = out.len();
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    let mut skip = fill;
    for &octet in octets {
        acc |= u32::from(octet) << bits;
        bits += 8;
        if skip > 0 {
            let n = skip.min(bits);
            acc >>= n;
            bits -= n;
            skip -= n;
        }
        while bits >= 7 && out.len() - start < count {
            out.push((acc & 0x7F) as u8);
            acc >>= 7;
            bits -= 7;
        }
    }
    if count > 0 && total_bits.is_multiple_of(7) && out.last() == Some(&CR) {
        // Septets ending exactly on the last bit are where padding CR sits; a text that really
        // ends in CR there is sent with a second CR (23.038 §6.1.2.3.1), so dropping one is right.
        out.pop();
    }
}

/// Packs septets (one per octet) after a UDH of `udh_octets` octets, as
/// [`crate::text::Packing::Packed`] carriers expect; the UDH itself is not written.
pub fn pack_septets(septets: &[u8], udh_octets: usize) -> Vec<u8> {
    let fill = fill_bits(udh_octets);
    let mut out = Vec::with_capacity(packed_len(septets.len(), fill));
    pack_into(septets, fill, &mut out);
    out
}

/// Unpacks the septets of packed user data that followed a UDH of `udh_octets` octets.
pub fn unpack_septets(packed: &[u8], udh_octets: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(packed.len() + packed.len() / 7 + 1);
    unpack_into(packed, fill_bits(udh_octets), &mut out);
    out
}
