//! Framing: cuts a TCP byte stream into whole PDUs by command_length, however the reads split
//! or coalesce them, and writes PDUs whole. A frame is handed on as [`Bytes`], from which
//! [`Pdu::decode`] borrows.
//!
//! Only a broken length ends a connection: command_length under 16 or above the configured
//! maximum means the stream can no longer be cut (smpp-reference §9.2).

use bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::pdu::{EncodeError, HEADER_LEN, Limits, Pdu};

/// Default largest PDU accepted: room for a full 64 KiB message_payload.
pub const DEFAULT_MAX_PDU: u32 = 64 * 1024 + 1024;

/// Why the stream cannot be framed any more.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// command_length below the 16-octet header.
    #[error("command_length {len} is below the 16-octet header")]
    TooShort {
        /// The length read.
        len: u32,
    },
    /// command_length above the configured maximum.
    #[error("command_length {len} exceeds the maximum of {max}")]
    TooLong {
        /// The length read.
        len: u32,
        /// The configured maximum.
        max: u32,
    },
    /// A PDU handed to the encoder was invalid.
    #[error("cannot encode PDU: {0}")]
    Encode(#[from] EncodeError),
    /// The transport failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A tokio-util codec for SMPP frames.
#[derive(Clone, Copy, Debug)]
pub struct PduCodec {
    max_len: u32,
    limits: Limits,
}

impl Default for PduCodec {
    fn default() -> Self {
        PduCodec::new(DEFAULT_MAX_PDU, Limits::default())
    }
}

impl PduCodec {
    /// A codec refusing frames above `max_len` octets and encoding with `limits`.
    pub fn new(max_len: u32, limits: Limits) -> Self {
        PduCodec {
            max_len: max_len.max(HEADER_LEN as u32),
            limits,
        }
    }
}

impl Decoder for PduCodec {
    type Item = Bytes;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        if src.len() < 4 {
            src.reserve(HEADER_LEN - src.len());
            return Ok(None);
        }
        let len = (&src[..4]).get_u32();
        if len < HEADER_LEN as u32 {
            return Err(FrameError::TooShort { len });
        }
        if len > self.max_len {
            return Err(FrameError::TooLong {
                len,
                max: self.max_len,
            });
        }
        let len = len as usize;
        if src.len() < len {
            src.reserve(len - src.len());
            return Ok(None);
        }
        Ok(Some(src.split_to(len).freeze()))
    }
}

impl Encoder<&Pdu<'_>> for PduCodec {
    type Error = FrameError;

    fn encode(&mut self, pdu: &Pdu<'_>, dst: &mut BytesMut) -> Result<(), FrameError> {
        Ok(pdu.encode_with(dst, &self.limits)?)
    }
}

/// Pre-encoded frames (for example from the outbox) pass through unchanged.
impl Encoder<Bytes> for PduCodec {
    type Error = FrameError;

    fn encode(&mut self, frame: Bytes, dst: &mut BytesMut) -> Result<(), FrameError> {
        dst.extend_from_slice(&frame);
        Ok(())
    }
}
