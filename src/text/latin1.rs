//! ISO-8859-1 (and its 7-bit subset IA5/ASCII): one octet per character.

use super::encoding::Encoding;
use super::error::TextError;

/// The Latin-1 octet of `c`, if it has one.
#[inline]
pub(crate) fn octet(c: char) -> Option<u8> {
    u8::try_from(u32::from(c)).ok()
}

/// Encodes `text` as Latin-1, or names the first character above U+00FF.
pub fn encode_latin1(text: &str) -> Result<Vec<u8>, TextError> {
    text.chars()
        .enumerate()
        .map(|(position, character)| {
            octet(character).ok_or(TextError::Unmappable {
                character,
                position,
                alphabet: Encoding::Latin1,
            })
        })
        .collect()
}

/// Decodes Latin-1; every octet is a character.
pub fn decode_latin1(octets: &[u8]) -> String {
    octets.iter().map(|&b| char::from(b)).collect()
}

/// Decodes IA5/ASCII, refusing octets above 0x7F.
pub fn decode_ascii(octets: &[u8]) -> Result<String, TextError> {
    octets
        .iter()
        .enumerate()
        .map(|(position, &value)| {
            if value.is_ascii() {
                Ok(char::from(value))
            } else {
                Err(TextError::NonAscii { position, value })
            }
        })
        .collect()
}
