//! The 3GPP TS 23.038 national language identifiers and their shift tables.
//!
//! A locking shift table replaces the default alphabet for the whole message; a single shift
//! table replaces the extension table reached through the escape 0x1B. The message announces
//! them in its UDH (IE 0x25 locking, IE 0x24 single shift, one octet language id each).

mod european;
mod indic_locking;
mod indic_single;

use serde::{Deserialize, Serialize};

use super::gsm7::table::Table;

/// A national language of 3GPP TS 23.038 Table 6.2.1.2.4.1, by its identifier.
///
/// Each one lets text the default alphabet cannot hold still travel as GSM 7-bit (153
/// characters a part) rather than UCS-2 (67), where the carrier's network delivers the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum NationalLanguage {
    /// Id 1: adds ğ, ı, ş and the other Turkish letters (locking and single shift tables).
    Turkish = 1,
    /// Id 2: single shift table only, adding the accented letters the default alphabet lacks.
    Spanish = 2,
    /// Id 3: adds the Portuguese accented vowels (locking and single shift tables).
    Portuguese = 3,
    /// Id 4: Bengali script, also used for Assamese (locking and single shift tables).
    Bengali = 4,
    /// Id 5: Gujarati script (locking and single shift tables).
    Gujarati = 5,
    /// Id 6: Devanagari script, for Hindi and more (locking and single shift tables).
    Hindi = 6,
    /// Id 7: Kannada script (locking and single shift tables).
    Kannada = 7,
    /// Id 8: Malayalam script (locking and single shift tables).
    Malayalam = 8,
    /// Id 9: Oriya (Odia) script (locking and single shift tables).
    Oriya = 9,
    /// Id 10: Gurmukhi script, for Punjabi (locking and single shift tables).
    Punjabi = 10,
    /// Id 11: Tamil script (locking and single shift tables).
    Tamil = 11,
    /// Id 12: Telugu script (locking and single shift tables).
    Telugu = 12,
    /// Id 13: Urdu in Arabic script (locking and single shift tables).
    Urdu = 13,
}

static TURKISH_LOCKING: Table = Table::new(european::TURKISH_LOCKING);
static TURKISH_SINGLE: Table = Table::new(european::TURKISH_SINGLE);
static SPANISH_SINGLE: Table = Table::new(european::SPANISH_SINGLE);
static PORTUGUESE_LOCKING: Table = Table::new(european::PORTUGUESE_LOCKING);
static PORTUGUESE_SINGLE: Table = Table::new(european::PORTUGUESE_SINGLE);

/// Indexed by id − 4.
static INDIC_LOCKING: [Table; 10] = [
    Table::new(indic_locking::BENGALI),
    Table::new(indic_locking::GUJARATI),
    Table::new(indic_locking::HINDI),
    Table::new(indic_locking::KANNADA),
    Table::new(indic_locking::MALAYALAM),
    Table::new(indic_locking::ORIYA),
    Table::new(indic_locking::PUNJABI),
    Table::new(indic_locking::TAMIL),
    Table::new(indic_locking::TELUGU),
    Table::new(indic_locking::URDU),
];

/// Indexed by id − 4.
static INDIC_SINGLE: [Table; 10] = [
    Table::new(indic_single::BENGALI),
    Table::new(indic_single::GUJARATI),
    Table::new(indic_single::HINDI),
    Table::new(indic_single::KANNADA),
    Table::new(indic_single::MALAYALAM),
    Table::new(indic_single::ORIYA),
    Table::new(indic_single::PUNJABI),
    Table::new(indic_single::TAMIL),
    Table::new(indic_single::TELUGU),
    Table::new(indic_single::URDU),
];

impl NationalLanguage {
    /// Every language, in identifier order.
    pub const ALL: [Self; 13] = [
        Self::Turkish,
        Self::Spanish,
        Self::Portuguese,
        Self::Bengali,
        Self::Gujarati,
        Self::Hindi,
        Self::Kannada,
        Self::Malayalam,
        Self::Oriya,
        Self::Punjabi,
        Self::Tamil,
        Self::Telugu,
        Self::Urdu,
    ];

    /// The identifier carried in UDH IEs 0x24/0x25.
    pub const fn id(self) -> u8 {
        self as u8
    }

    /// The language with identifier `id`, if 23.038 defines one.
    pub fn from_id(id: u8) -> Option<Self> {
        Self::ALL.get(usize::from(id).checked_sub(1)?).copied()
    }

    /// Whether the language has a locking shift table (all but Spanish).
    pub const fn has_locking_table(self) -> bool {
        !matches!(self, Self::Spanish)
    }

    pub(crate) fn locking_table(self) -> Option<&'static Table> {
        match self {
            Self::Turkish => Some(&TURKISH_LOCKING),
            Self::Spanish => None,
            Self::Portuguese => Some(&PORTUGUESE_LOCKING),
            other => Some(&INDIC_LOCKING[usize::from(other.id() - 4)]),
        }
    }

    pub(crate) fn single_table(self) -> &'static Table {
        match self {
            Self::Turkish => &TURKISH_SINGLE,
            Self::Spanish => &SPANISH_SINGLE,
            Self::Portuguese => &PORTUGUESE_SINGLE,
            other => &INDIC_SINGLE[usize::from(other.id() - 4)],
        }
    }
}
