//! nom building blocks for PDU bodies: every parser works on `&[u8]` borrowed from the frame and
//! reports failures as a [`DecodeErrorKind`] tied to the position where it happened.

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::take;
use nom::error::{ErrorKind, ParseError};
use nom::number::complete::{be_u8, be_u16, be_u32};

use super::error::DecodeErrorKind;
use super::field::{COctet, Field, Octets};

/// Parser input: the part of the body not yet read.
pub(crate) type In<'a> = &'a [u8];

/// A parse failure: what went wrong and the input left at that point (its length gives the offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fail<'a> {
    pub(crate) at: In<'a>,
    pub(crate) kind: DecodeErrorKind,
}

impl<'a> ParseError<In<'a>> for Fail<'a> {
    fn from_error_kind(input: In<'a>, _kind: ErrorKind) -> Self {
        // nom's own combinators only fail here on running out of input; callers that know the
        // field replace this with a precise kind.
        Fail {
            at: input,
            kind: DecodeErrorKind::TrailingBytes { count: input.len() },
        }
    }

    fn append(_: In<'a>, _: ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) type PResult<'a, T> = IResult<In<'a>, T, Fail<'a>>;

pub(crate) fn fail<'a, T>(at: In<'a>, kind: DecodeErrorKind) -> PResult<'a, T> {
    Err(nom::Err::Error(Fail { at, kind }))
}

/// One octet.
pub(crate) fn u8_field(field: Field) -> impl Fn(In<'_>) -> PResult<'_, u8> {
    move |i| {
        be_u8::<_, ()>
            .parse(i)
            .or_else(|_| fail(i, DecodeErrorKind::Truncated { field }))
    }
}

/// A big-endian 32-bit integer.
pub(crate) fn u32_field(field: Field) -> impl Fn(In<'_>) -> PResult<'_, u32> {
    move |i| {
        be_u32::<_, ()>
            .parse(i)
            .or_else(|_| fail(i, DecodeErrorKind::Truncated { field }))
    }
}

/// A C-Octet String of at most `max` octets including its NUL.
pub(crate) fn c_octet(field: Field, max: usize) -> impl Fn(In<'_>) -> PResult<'_, COctet<'_>> {
    move |i| {
        let window = &i[..i.len().min(max)];
        match window.iter().position(|&b| b == 0) {
            Some(nul) => Ok((&i[nul + 1..], COctet::new(&i[..nul]))),
            None if i.len() < max => fail(i, DecodeErrorKind::Truncated { field }),
            None => fail(i, DecodeErrorKind::CStringTooLong { field, max }),
        }
    }
}

/// `sm_length` followed by that many octets of `short_message`.
pub(crate) fn short_message(i: In<'_>) -> PResult<'_, Octets<'_>> {
    let (rest, len) = u8_field(Field::ShortMessage)(i)?;
    match take::<_, _, ()>(len).parse(rest) {
        Ok((rest, bytes)) => Ok((rest, Octets::new(bytes))),
        Err(_) => fail(
            i,
            DecodeErrorKind::ShortMessageOverrun {
                declared: usize::from(len),
                available: rest.len(),
            },
        ),
    }
}

/// One TLV's framing: tag, length and the value octets (not yet interpreted).
pub(crate) fn tlv_frame(i: In<'_>) -> PResult<'_, (u16, &[u8])> {
    let Ok((rest, (tag, len))) = (be_u16::<_, ()>, be_u16::<_, ()>).parse(i) else {
        let tag = if i.len() >= 2 {
            u16::from_be_bytes([i[0], i[1]])
        } else {
            0
        };
        return fail(i, DecodeErrorKind::TlvTruncated { tag });
    };
    match take::<_, _, ()>(len).parse(rest) {
        Ok((rest, value)) => Ok((rest, (tag, value))),
        Err(_) => fail(i, DecodeErrorKind::TlvTruncated { tag }),
    }
}
