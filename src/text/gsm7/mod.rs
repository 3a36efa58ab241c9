//! GSM 03.38 7-bit alphabet: characters to septets and back, under a pair of shift tables.
//!
//! Septets are handled here one per `u8`; `pack` turns them into the packed octet form.

pub(crate) mod pack;
pub(crate) mod table;
mod tables;

use serde::{Deserialize, Serialize};

use super::encoding::Encoding;
use super::error::TextError;
use super::national::NationalLanguage;
use table::Table;

/// The escape to the single shift (extension) table.
pub(crate) const ESC: u8 = 0x1B;

static BASIC: Table = Table::new(tables::BASIC);
static EXTENSION: Table = Table::new(tables::EXTENSION);

/// The national tables a GSM 7-bit message uses; `None` means the default alphabet or the
/// default extension table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct ShiftTables {
    /// Locking shift table (UDH IE 0x25), replacing the default alphabet.
    pub locking: Option<NationalLanguage>,
    /// Single shift table (UDH IE 0x24), replacing the default extension table.
    pub single: Option<NationalLanguage>,
}

impl ShiftTables {
    /// The default alphabet and extension table.
    pub const DEFAULT: Self = Self {
        locking: None,
        single: None,
    };

    /// Tables announced by inbound IE ids; ids without such a table (unknown ids, Spanish
    /// locking) fall back to the default, which is what a handset does.
    pub fn from_ids(locking: Option<u8>, single: Option<u8>) -> Self {
        Self {
            locking: locking
                .and_then(NationalLanguage::from_id)
                .filter(|l| l.has_locking_table()),
            single: single.and_then(NationalLanguage::from_id),
        }
    }

    /// How many UDH octets announcing these tables take (3 per IE, without the UDHL).
    pub const fn udh_octets(self) -> usize {
        3 * (self.locking.is_some() as usize + self.single.is_some() as usize)
    }

    fn locking_table(self) -> &'static Table {
        self.locking
            .and_then(NationalLanguage::locking_table)
            .unwrap_or(&BASIC)
    }

    fn single_table(self) -> &'static Table {
        self.single
            .map_or(&EXTENSION, NationalLanguage::single_table)
    }

    /// A resolved pair of tables, for the per-character hot loops.
    pub(crate) fn resolve(self) -> Resolved {
        Resolved {
            locking: self.locking_table(),
            single: self.single_table(),
        }
    }
}

/// The two tables of a [`ShiftTables`], looked up once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolved {
    locking: &'static Table,
    single: &'static Table,
}

/// Where a character lands: one septet, or the escape and one septet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    Basic(u8),
    Shifted(u8),
}

impl Code {
    pub(crate) const fn septets(self) -> usize {
        match self {
            Self::Basic(_) => 1,
            Self::Shifted(_) => 2,
        }
    }
}

impl Resolved {
    /// The code of `c`; the locking table wins because it costs one septet, not two.
    #[inline]
    pub(crate) fn code(self, c: char) -> Option<Code> {
        if let Some(code) = self.locking.code_of(c) {
            return Some(Code::Basic(code));
        }
        self.single.code_of(c).map(Code::Shifted)
    }

    /// Septets `text` needs, or the position of the first character that has no code.
    pub(crate) fn count(self, text: &str) -> Result<usize, (usize, char)> {
        let mut total = 0;
        for (position, c) in text.chars().enumerate() {
            match self.code(c) {
                Some(code) => total += code.septets(),
                None => return Err((position, c)),
            }
        }
        Ok(total)
    }

    /// Decodes septets (one per octet) and appends the text to `out`.
    ///
    /// An escape followed by a code the single shift table lacks shows the locking table's
    /// character, and an escape followed by another escape (reserved) or by nothing shows a
    /// space (3GPP TS 23.038 §6.2.1.1).
    pub(crate) fn decode_into(self, septets: &[u8], out: &mut String) -> Result<(), TextError> {
        let mut iter = septets.iter().copied().enumerate();
        while let Some((position, value)) = iter.next() {
            check_septet(position, value)?;
            if value != ESC {
                out.push(self.basic_char(position, value)?);
                continue;
            }
            match iter.next() {
                None => out.push(' '),
                Some((_, ESC)) => out.push(' '),
                Some((position, value)) => {
                    check_septet(position, value)?;
                    match self.single.char_at(value) {
                        Some(c) => out.push(c),
                        None => out.push(self.basic_char(position, value)?),
                    }
                }
            }
        }
        Ok(())
    }

    fn basic_char(self, position: usize, value: u8) -> Result<char, TextError> {
        self.locking
            .char_at(value)
            .ok_or(TextError::UnassignedSeptet { position, value })
    }
}

fn check_septet(position: usize, value: u8) -> Result<(), TextError> {
    if value > 0x7F {
        return Err(TextError::InvalidSeptet { position, value });
    }
    Ok(())
}

/// Appends the septets of `c` to `out`; the caller has already checked that `c` has a code.
#[inline]
pub(crate) fn push_code(code: Code, out: &mut Vec<u8>) {
    match code {
        Code::Basic(septet) => out.push(septet),
        Code::Shifted(septet) => out.extend_from_slice(&[ESC, septet]),
    }
}

/// Encodes `text` into septets (one per octet) under `tables`, naming the first character
/// neither table has.
pub fn encode_gsm7(text: &str, tables: ShiftTables) -> Result<Vec<u8>, TextError> {
    let resolved = tables.resolve();
    let mut out = Vec::with_capacity(text.len());
    for (position, character) in text.chars().enumerate() {
        let code = resolved.code(character).ok_or(TextError::Unmappable {
            character,
            position,
            alphabet: Encoding::Gsm7,
        })?;
        push_code(code, &mut out);
    }
    Ok(out)
}

/// Decodes septets (one per octet) under `tables`.
pub fn decode_gsm7(septets: &[u8], tables: ShiftTables) -> Result<String, TextError> {
    let mut out = String::with_capacity(septets.len());
    tables.resolve().decode_into(septets, &mut out)?;
    Ok(out)
}
