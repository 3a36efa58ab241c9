//! UCS-2 as carriers really use it: UTF-16BE, with characters outside the BMP as surrogate
//! pairs that must travel in the same segment.

use super::error::TextError;

/// Appends `c` as UTF-16BE.
#[inline]
pub(crate) fn push_char(c: char, out: &mut Vec<u8>) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.extend_from_slice(&unit.to_be_bytes());
    }
}

/// Encodes `text` as UTF-16BE; every text can be.
pub fn encode_ucs2(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2);
    for c in text.chars() {
        push_char(c, &mut out);
    }
    out
}

/// Decodes UTF-16BE octets; a lone surrogate is an error naming its code unit position.
pub fn decode_ucs2(octets: &[u8]) -> Result<String, TextError> {
    if !octets.len().is_multiple_of(2) {
        return Err(TextError::OddUcs2Length { len: octets.len() });
    }
    let units = octets
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
    let mut out = String::with_capacity(octets.len());
    let mut position = 0;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => {
                out.push(c);
                position += c.len_utf16();
            }
            Err(e) => {
                return Err(TextError::UnpairedSurrogate {
                    position,
                    unit: e.unpaired_surrogate(),
                });
            }
        }
    }
    Ok(out)
}
