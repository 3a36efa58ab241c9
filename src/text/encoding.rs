//! Which alphabet a message travels in, what the caller may ask for, and the `data_coding`
//! octet each alphabet is written as at a given carrier.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The alphabet a message is actually sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// GSM 03.38 7-bit, default alphabet plus extension table (or national tables).
    Gsm7,
    /// UTF-16BE; characters outside the BMP travel as surrogate pairs.
    Ucs2,
    /// ISO-8859-1, one octet per character.
    Latin1,
    /// Opaque octets, passed through untouched.
    Binary,
}

impl Encoding {
    /// The name used in the API and in errors.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gsm7 => "gsm7",
            Self::Ucs2 => "ucs2",
            Self::Latin1 => "latin1",
            Self::Binary => "binary",
        }
    }

    /// What one unit of a segment size counts in this encoding.
    pub const fn unit(self) -> Unit {
        match self {
            Self::Gsm7 => Unit::Septets,
            Self::Ucs2 => Unit::Utf16Units,
            Self::Latin1 | Self::Binary => Unit::Octets,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The unit segment sizes are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// GSM 7-bit septets; an extension character counts 2.
    Septets,
    /// UTF-16 code units; a character outside the BMP counts 2.
    Utf16Units,
    /// Octets.
    Octets,
}

/// What the submitter asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncodingChoice {
    /// GSM 7-bit when the text fits it (with the carrier's national tables), else UCS-2.
    #[default]
    Auto,
    /// GSM 7-bit or an error naming the first character that does not fit.
    Gsm7,
    /// UCS-2; every text fits.
    Ucs2,
    /// Latin-1 or an error naming the first character above U+00FF.
    Latin1,
}

/// What `data_coding` 0 ("SMSC default alphabet") means at a carrier.
///
/// GSM 7-bit has no `data_coding` value of its own in SMPP besides 0 (0xF0–0xF3 also set a
/// message class, which changes how handsets store the message), so at a carrier whose default
/// is not GSM this module never sends GSM 7-bit: `auto` falls back to Latin-1 (when the text
/// fits) or UCS-2, and an explicit `gsm7` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultAlphabet {
    /// GSM 03.38 7-bit (the common case).
    #[default]
    Gsm7,
    /// ISO-8859-1.
    Latin1,
    /// IA5 / ASCII.
    Ascii,
}

/// `data_coding` values from SMPP 3.4 §5.2.19 that this module writes.
pub(crate) mod dcs {
    pub(crate) const DEFAULT: u8 = 0x00;
    pub(crate) const LATIN1: u8 = 0x03;
    pub(crate) const BINARY: u8 = 0x04;
    pub(crate) const UCS2: u8 = 0x08;
}

impl DefaultAlphabet {
    /// The `data_coding` octet for `encoding` at a carrier with this default, or `None` when the
    /// carrier has no way to receive it.
    pub const fn data_coding(self, encoding: Encoding) -> Option<u8> {
        match (encoding, self) {
            (Encoding::Gsm7, Self::Gsm7) => Some(dcs::DEFAULT),
            (Encoding::Gsm7, Self::Latin1 | Self::Ascii) => None,
            (Encoding::Latin1, Self::Latin1) => Some(dcs::DEFAULT),
            (Encoding::Latin1, Self::Gsm7 | Self::Ascii) => Some(dcs::LATIN1),
            (Encoding::Ucs2, _) => Some(dcs::UCS2),
            (Encoding::Binary, _) => Some(dcs::BINARY),
        }
    }
}
