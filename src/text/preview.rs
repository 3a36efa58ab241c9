//! What a text will cost, without building anything: the answer to the submission API's
//! `segments` and `encoding`, and what quotas count.

use super::encoding::{Encoding, EncodingChoice, Unit};
use super::error::TextError;
use super::gsm7::ShiftTables;
use super::plan::{Transport, plan};
use super::profile::TextProfile;
use super::select::{Selection, select};

/// How a text will be sent, and what it will cost in segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The alphabet chosen (for `auto`, the cheapest the text and the carrier allow); the API
    /// reports it so a submitter can see why a text costs more than expected.
    pub encoding: Encoding,
    /// The `data_coding` octet every part carries.
    pub data_coding: u8,
    /// National tables used (GSM 7-bit only; default otherwise).
    pub shift_tables: ShiftTables,
    /// How the parts reach the carrier, which decides how many submit_sm PDUs are sent.
    pub transport: Transport,
    /// Segments the handset receives; what carriers bill and quotas count. With
    /// [`Transport::Payload`] this is the SMSC's split, while one submit_sm is sent.
    pub segments: usize,
    /// Size of each segment in [`Preview::unit`]s, UDH excluded.
    pub segment_sizes: Vec<usize>,
    /// Size of the whole text in [`Preview::unit`]s.
    pub total: usize,
}

impl Preview {
    /// What [`Preview::segment_sizes`] and [`Preview::total`] count.
    pub fn unit(&self) -> Unit {
        self.encoding.unit()
    }

    /// How many submit_sm PDUs the dispatcher will send.
    pub fn submits(&self) -> usize {
        match self.transport {
            Transport::Payload => 1,
            Transport::Single | Transport::Udh | Transport::Sar => self.segments,
        }
    }
}

/// Previews `text` sent as `choice` to a carrier with `profile`; agrees exactly with
/// [`super::segment`].
pub fn preview(
    text: &str,
    choice: EncodingChoice,
    profile: &TextProfile,
) -> Result<Preview, TextError> {
    let selection = select(text, choice, profile)?;
    build(&selection, selection.costs(text), profile)
}

/// Previews opaque octets sent as 8-bit binary.
pub fn preview_binary(data: &[u8], profile: &TextProfile) -> Result<Preview, TextError> {
    build(
        &binary_selection(data, profile),
        std::iter::repeat_n(1, data.len()),
        profile,
    )
}

pub(crate) fn binary_selection(data: &[u8], profile: &TextProfile) -> Selection {
    let encoding = Encoding::Binary;
    Selection {
        encoding,
        tables: ShiftTables::DEFAULT,
        data_coding: profile
            .default_alphabet
            .data_coding(encoding)
            .unwrap_or(super::encoding::dcs::BINARY),
        total: data.len(),
    }
}

pub(crate) fn build(
    selection: &Selection,
    costs: impl Iterator<Item = usize>,
    profile: &TextProfile,
) -> Result<Preview, TextError> {
    let mut segment_sizes = Vec::new();
    let (transport, segments) = plan(
        costs,
        selection.total,
        selection.encoding,
        selection.tables,
        profile,
        |size| segment_sizes.push(size),
    )?;
    Ok(Preview {
        encoding: selection.encoding,
        data_coding: selection.data_coding,
        shift_tables: selection.tables,
        transport,
        segments,
        segment_sizes,
        total: selection.total,
    })
}
