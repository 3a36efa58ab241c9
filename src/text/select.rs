//! Choosing the alphabet (and, for GSM 7-bit, the national tables) a text is sent in.

use super::encoding::{Encoding, EncodingChoice};
use super::error::TextError;
use super::gsm7::{Resolved, ShiftTables};
use super::latin1;
use super::plan::count_segments;
use super::profile::TextProfile;

/// The alphabet and tables picked for one text, with its size in that alphabet's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selection {
    pub(crate) encoding: Encoding,
    pub(crate) tables: ShiftTables,
    pub(crate) data_coding: u8,
    /// Units of the whole text: septets (escapes count 2), UTF-16 units or octets.
    pub(crate) total: usize,
}

impl Selection {
    /// Units each character of `text` takes in this selection, in order.
    pub(crate) fn costs<'a>(&self, text: &'a str) -> impl Iterator<Item = usize> + 'a {
        let resolved = self.tables.resolve();
        let encoding = self.encoding;
        text.chars().map(move |c| char_cost(encoding, resolved, c))
    }
}

/// Units `c` takes; the caller has already checked that `c` fits.
#[inline]
pub(crate) fn char_cost(encoding: Encoding, resolved: Resolved, c: char) -> usize {
    match encoding {
        Encoding::Gsm7 => resolved.code(c).map_or(0, |code| code.septets()),
        Encoding::Ucs2 => c.len_utf16(),
        Encoding::Latin1 | Encoding::Binary => 1,
    }
}

const GSM7_NOT_DEFAULT: &str = "its data_coding 0 is not GSM 7-bit, and no other value says GSM 7-bit without also setting a message class";

/// Picks the encoding for `text` as `choice` and the carrier allow.
pub(crate) fn select(
    text: &str,
    choice: EncodingChoice,
    profile: &TextProfile,
) -> Result<Selection, TextError> {
    let dcs = |encoding| profile.default_alphabet.data_coding(encoding);
    let pick = |encoding: Encoding, tables, total| -> Result<Selection, TextError> {
        let data_coding = dcs(encoding).ok_or(TextError::EncodingUnavailable {
            encoding,
            reason: GSM7_NOT_DEFAULT,
        })?;
        Ok(Selection {
            encoding,
            tables,
            data_coding,
            total,
        })
    };
    let ucs2 = || pick(Encoding::Ucs2, ShiftTables::DEFAULT, ucs2_units(text));
    match choice {
        EncodingChoice::Ucs2 => ucs2(),
        EncodingChoice::Latin1 => {
            let total =
                latin1_octets(text).map_err(|(position, character)| TextError::Unmappable {
                    character,
                    position,
                    alphabet: Encoding::Latin1,
                })?;
            pick(Encoding::Latin1, ShiftTables::DEFAULT, total)
        }
        EncodingChoice::Gsm7 => {
            if dcs(Encoding::Gsm7).is_none() {
                return Err(TextError::EncodingUnavailable {
                    encoding: Encoding::Gsm7,
                    reason: GSM7_NOT_DEFAULT,
                });
            }
            let (tables, total) = best_gsm7(text, profile).map_err(|(position, character)| {
                TextError::Unmappable {
                    character,
                    position,
                    alphabet: Encoding::Gsm7,
                }
            })?;
            pick(Encoding::Gsm7, tables, total)
        }
        EncodingChoice::Auto => {
            if dcs(Encoding::Gsm7).is_some() {
                match best_gsm7(text, profile) {
                    Ok((tables, total)) => pick(Encoding::Gsm7, tables, total),
                    Err(_) => ucs2(),
                }
            } else {
                match latin1_octets(text) {
                    Ok(total) => pick(Encoding::Latin1, ShiftTables::DEFAULT, total),
                    Err(_) => ucs2(),
                }
            }
        }
    }
}

fn ucs2_units(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

fn latin1_octets(text: &str) -> Result<usize, (usize, char)> {
    let mut count = 0;
    for (position, c) in text.chars().enumerate() {
        if latin1::octet(c).is_none() {
            return Err((position, c));
        }
        count += 1;
    }
    Ok(count)
}

/// The GSM tables giving the fewest segments (ties: fewer announcing IEs, then fewer septets),
/// or the first unmappable character under the candidate that got furthest.
fn best_gsm7(text: &str, profile: &TextProfile) -> Result<(ShiftTables, usize), (usize, char)> {
    let default = ShiftTables::DEFAULT;
    let languages = profile.sendable_languages();
    let default_result = default.resolve().count(text);
    if languages.is_empty() {
        return default_result.map(|total| (default, total));
    }
    if let Ok(total) = default_result {
        // Without escapes nothing beats the default: every character is one septet already,
        // and national tables only add header octets.
        if total == text.chars().count() {
            return Ok((default, total));
        }
    }
    let lockings = std::iter::once(None).chain(
        languages
            .iter()
            .filter(|l| l.has_locking_table())
            .map(|&l| Some(l)),
    );
    let mut best: Option<((usize, usize, usize), ShiftTables)> = None;
    let mut furthest: (usize, char) = (0, '\0');
    for locking in lockings {
        let singles = std::iter::once(None).chain(languages.iter().map(|&l| Some(l)));
        for single in singles {
            let tables = ShiftTables { locking, single };
            let resolved = tables.resolve();
            match resolved.count(text) {
                Ok(total) => {
                    let costs = text.chars().map(|c| char_cost(Encoding::Gsm7, resolved, c));
                    let segments =
                        count_segments(costs, total, Encoding::Gsm7, tables, profile.concatenation);
                    let key = (segments, tables.udh_octets(), total);
                    if best.is_none_or(|(best_key, _)| key < best_key) {
                        best = Some((key, tables));
                    }
                }
                Err(failure) => {
                    if best.is_none() && failure.0 >= furthest.0 {
                        furthest = failure;
                    }
                }
            }
        }
    }
    match best {
        Some(((_, _, total), tables)) => Ok((tables, total)),
        None => Err(furthest),
    }
}
