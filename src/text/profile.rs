//! The per-carrier settings that decide how text is encoded and split.

use serde::{Deserialize, Serialize};

use super::encoding::DefaultAlphabet;
use super::national::NationalLanguage;

/// How GSM 7-bit user data is laid out in `short_message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Packing {
    /// One septet per octet (SMPP's usual form; the SMSC packs and adds the fill bits).
    #[default]
    Unpacked,
    /// Septets packed into octets, with fill bits after a UDH (3GPP TS 23.040 §9.2.3.24).
    Packed,
}

/// How a text longer than one SMS reaches the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Concatenation {
    /// A UDH with the 8-bit reference IE 0x00 in each part.
    #[default]
    Udh8,
    /// A UDH with the 16-bit reference IE 0x08 in each part.
    Udh16,
    /// The sar_msg_ref_num / sar_total_segments / sar_segment_seqnum TLVs; the SMSC builds the
    /// UDH, so parts are sized as for an 8-bit reference UDH.
    Sar,
    /// The whole text in one `message_payload` TLV; the SMSC splits it.
    Payload,
}

/// Width of the concatenation reference a carrier's parts carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferenceWidth {
    /// 1..=255 (UDH IE 0x00).
    Eight,
    /// 1..=65535 (UDH IE 0x08 and SAR).
    Sixteen,
}

impl ReferenceWidth {
    /// The largest reference of this width; references run 1..=max.
    pub const fn max(self) -> u16 {
        match self {
            Self::Eight => u8::MAX as u16,
            Self::Sixteen => u16::MAX,
        }
    }
}

/// Default for [`TextProfile::max_segments`](field@TextProfile::max_segments).
///
/// Ten parts (1,530 GSM characters, 670 UCS-2) covers real messages; beyond that carriers
/// commonly reject or bill surprisingly, so longer texts are refused unless a carrier raises it.
pub const DEFAULT_MAX_SEGMENTS: u8 = 10;

/// How one carrier wants message text: plain data built from its config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TextProfile {
    /// GSM 7-bit layout in `short_message` (and `message_payload`), both ways.
    pub packing: Packing,
    /// What `data_coding` 0 means at this carrier.
    pub default_alphabet: DefaultAlphabet,
    /// How long texts are split.
    pub concatenation: Concatenation,
    /// National language tables the carrier's network delivers (3GPP TS 23.038 Annex A). Used
    /// only with UDH concatenation, since the tables are announced in the UDH.
    pub national_languages: Vec<NationalLanguage>,
    /// Texts needing more segments are refused. 1..=255; 0 is treated as 1.
    pub max_segments: u8,
}

impl Default for TextProfile {
    fn default() -> Self {
        Self {
            packing: Packing::Unpacked,
            default_alphabet: DefaultAlphabet::Gsm7,
            concatenation: Concatenation::Udh8,
            national_languages: Vec::new(),
            max_segments: DEFAULT_MAX_SEGMENTS,
        }
    }
}

impl TextProfile {
    /// The reference width [`super::ReferenceAllocator::next`] should be asked for.
    pub const fn reference_width(&self) -> ReferenceWidth {
        match self.concatenation {
            Concatenation::Udh8 => ReferenceWidth::Eight,
            Concatenation::Udh16 | Concatenation::Sar | Concatenation::Payload => {
                ReferenceWidth::Sixteen
            }
        }
    }

    /// National tables usable for sending: only where this module writes the UDH itself.
    pub(crate) fn sendable_languages(&self) -> &[NationalLanguage] {
        match self.concatenation {
            Concatenation::Udh8 | Concatenation::Udh16 => &self.national_languages,
            Concatenation::Sar | Concatenation::Payload => &[],
        }
    }

    pub(crate) fn max_segments(&self) -> u8 {
        self.max_segments.max(1)
    }
}
