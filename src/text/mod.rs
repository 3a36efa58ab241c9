//! Message text: GSM 03.38 7-bit (with national language tables), UCS-2 and Latin-1 encoding,
//! segmentation into the fewest parts a carrier accepts, and inbound reassembly.
//!
//! Pure code in the wire layer: no I/O, no clock (time is passed in), and no knowledge of the
//! rest of the crate. Outbound, [`preview`] answers what a text costs and [`segment`] builds the
//! plain data each submit_sm needs; inbound, [`decode_short_message`] and [`Reassembler`] turn
//! deliver_sm user data back into text. The facts are in 3GPP TS 23.038 (alphabets), 23.040
//! (UDH) and SMPP 3.4 §5.2.19 (`data_coding`).

mod decode;
mod encoding;
mod error;
mod gsm7;
mod latin1;
mod national;
mod plan;
mod preview;
mod profile;
mod reassembly;
mod reference;
mod segment;
mod select;
mod ucs2;
mod udh;

pub use decode::{ESM_CLASS_UDHI, InboundText, decode, decode_short_message};
pub use encoding::{DefaultAlphabet, Encoding, EncodingChoice, Unit};
pub use error::TextError;
pub use gsm7::pack::{pack_septets, unpack_septets};
pub use gsm7::{ShiftTables, decode_gsm7, encode_gsm7};
pub use latin1::{decode_ascii, decode_latin1, encode_latin1};
pub use national::NationalLanguage;
pub use plan::Transport;
pub use preview::{Preview, preview, preview_binary};
pub use profile::{Concatenation, DEFAULT_MAX_SEGMENTS, Packing, ReferenceWidth, TextProfile};
pub use reassembly::{InboundPart, Reassembled, Reassembler, ReassemblyLimits};
pub use reference::ReferenceAllocator;
pub use segment::{Part, Sar, Segmented, segment, segment_binary};
pub use ucs2::{decode_ucs2, encode_ucs2};
pub use udh::{Concat, Udh, parse_udh};
