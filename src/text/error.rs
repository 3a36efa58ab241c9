//! The one error type of the text module: every way encoding, segmenting or decoding can fail.

use super::encoding::Encoding;

/// What went wrong turning text into segments or segments back into text.
///
/// Positions are 0-based: a `position` on the encode side counts Unicode scalar values
/// (characters) of the input text, on the decode side it counts units of the input (septets,
/// octets or UTF-16 code units, as each variant says).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// Returned by `preview`/`segment` for an explicit encoding (or `auto` restricted by the
    /// carrier) when a character has no code in that alphabet.
    #[error(
        "character {character:?} (U+{code:04X}) at position {position} has no mapping in {alphabet}",
        code = u32::from(*character)
    )]
    Unmappable {
        /// The offending character, so the submitter sees what to change.
        character: char,
        /// Its index in the text, in characters, to point at it in a long message.
        position: usize,
        /// The alphabet that lacks it: the explicit choice, or the best the carrier allows.
        alphabet: Encoding,
    },
    /// Returned by `preview`/`segment` when the text needs more segments than the carrier
    /// profile allows; the text is refused rather than truncated.
    #[error("text needs {needed} segments, the carrier allows at most {max}")]
    TooManySegments {
        /// Segments the whole text would take, so the submitter knows how much to cut.
        needed: usize,
        /// The carrier profile's `max_segments`.
        max: u8,
    },
    /// Returned when the payload is longer than one `message_payload` TLV can carry.
    #[error("payload of {len} octets exceeds the message_payload maximum of {max}")]
    PayloadTooLong {
        /// Octets the encoded text would take in the TLV.
        len: usize,
        /// The TLV's length limit (its length field is 16 bits).
        max: usize,
    },
    /// Returned for an explicit encoding the carrier's `data_coding` 0 setting cannot express.
    #[error("{encoding} cannot be sent to this carrier: {reason}")]
    EncodingUnavailable {
        /// The encoding the submitter asked for.
        encoding: Encoding,
        /// Why the carrier cannot take it, fit for an API error message.
        reason: &'static str,
    },
    /// Returned by `segment` in 8-bit UDH mode when the reference does not fit one octet.
    #[error("reference {reference} does not fit an 8-bit concatenation reference (1..=255)")]
    ReferenceOutOfRange {
        /// The reference passed in; the allocator should have been asked for 8-bit width.
        reference: u16,
    },
    /// Returned by the decoders for a `data_coding` value whose alphabet this module lacks.
    #[error("data_coding 0x{data_coding:02X} is not a supported text alphabet")]
    UnsupportedDataCoding {
        /// The inbound `data_coding` octet, so the unknown scheme can be logged and added.
        data_coding: u8,
    },
    /// Returned by the decoders for 8-bit binary data, which has no text form.
    #[error("data_coding 0x{data_coding:02X} carries binary data, not text")]
    Binary {
        /// The inbound `data_coding` octet that marked the data as binary.
        data_coding: u8,
    },
    /// Returned when unpacked GSM user data holds an octet above 0x7F (not a septet).
    #[error("octet 0x{value:02X} at position {position} is not a GSM 7-bit septet")]
    InvalidSeptet {
        /// Index of the bad unit in the septets being decoded.
        position: usize,
        /// The octet found there.
        value: u8,
    },
    /// Returned when a septet has no character in the table in force (national tables leave
    /// some codes unassigned).
    #[error("septet 0x{value:02X} at position {position} is unassigned in the table in force")]
    UnassignedSeptet {
        /// Index of the septet in the septets being decoded.
        position: usize,
        /// The septet (after an escape, the code that followed it).
        value: u8,
    },
    /// Returned when IA5/ASCII user data holds an octet above 0x7F.
    #[error("octet 0x{value:02X} at position {position} is not ASCII")]
    NonAscii {
        /// Index of the octet in the data being decoded.
        position: usize,
        /// The octet found there.
        value: u8,
    },
    /// Returned when UCS-2 user data has an odd number of octets.
    #[error("UCS-2 user data has an odd length of {len} octets")]
    OddUcs2Length {
        /// Octets of user data decoded; a truncated or missing-byte part is the usual cause.
        len: usize,
    },
    /// Returned when UCS-2 user data holds a surrogate without its partner.
    #[error("unpaired UTF-16 surrogate 0x{unit:04X} at code unit {position}")]
    UnpairedSurrogate {
        /// Index of the lone surrogate, in UTF-16 code units.
        position: usize,
        /// The surrogate code unit itself, to tell a high from a low one.
        unit: u16,
    },
    /// Returned when a user data header's lengths run past the end of the short_message.
    #[error("malformed user data header: {reason}")]
    MalformedUdh {
        /// Which length was inconsistent, for logs.
        reason: &'static str,
    },
}
