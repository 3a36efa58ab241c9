//! Encoding primitives: append fields to one `BytesMut`, checking the limits the specification
//! puts on each field before any octet is written.

use bytes::{BufMut, BytesMut};

use super::error::EncodeError;
use super::field::{COctet, Field};

/// The most octets sm_length can announce when sending (smpp-reference §10: send ≤ 254).
pub(crate) const SHORT_MESSAGE_MAX: usize = 254;

pub(crate) fn check_c_octet(
    field: &'static str,
    v: COctet<'_>,
    max: usize,
) -> Result<(), EncodeError> {
    if let Some(position) = v.as_bytes().iter().position(|&b| b == 0) {
        return Err(EncodeError::InteriorNul { field, position });
    }
    if v.len() + 1 > max {
        return Err(EncodeError::TooLong {
            field,
            len: v.len(),
            max,
        });
    }
    Ok(())
}

pub(crate) fn put_c_octet(
    buf: &mut BytesMut,
    field: Field,
    v: COctet<'_>,
    max: usize,
) -> Result<(), EncodeError> {
    check_c_octet(field.name(), v, max)?;
    buf.put_slice(v.as_bytes());
    buf.put_u8(0);
    Ok(())
}

/// Absolute (`…+`/`…-`) or relative (`…R`) SMPP time, or empty (smpp-reference §6.8).
pub(crate) fn is_valid_time(v: &[u8]) -> bool {
    v.is_empty()
        || (v.len() == 16
            && v[..15].iter().all(u8::is_ascii_digit)
            && matches!(v[15], b'+' | b'-' | b'R'))
}

pub(crate) fn put_time(buf: &mut BytesMut, field: Field, v: COctet<'_>) -> Result<(), EncodeError> {
    if !is_valid_time(v.as_bytes()) {
        return Err(EncodeError::BadTime {
            field: field.name(),
        });
    }
    put_c_octet(buf, field, v, 17)
}

pub(crate) fn put_short_message(buf: &mut BytesMut, v: &[u8]) -> Result<(), EncodeError> {
    if v.len() > SHORT_MESSAGE_MAX {
        return Err(EncodeError::ShortMessageTooLong { len: v.len() });
    }
    buf.put_u8(v.len() as u8);
    buf.put_slice(v);
    Ok(())
}
