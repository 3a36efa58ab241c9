//! Field codecs: one small value per mandatory-field kind that knows how to parse, write (with its
//! limit) and, for tests and fuzzing, generate that field. The body macro strings them together in
//! wire order, so each PDU's layout is written down exactly once.

use bytes::{BufMut, BytesMut};

use super::Limits;
use super::error::EncodeError;
use super::field::{COctet, Field, Octets};
use super::list::{Item, List};
use super::parse::{In, PResult, c_octet, short_message, u8_field, u32_field};
use super::write::{put_c_octet, put_short_message, put_time};

/// Parse, write and generate one field of type `T`.
pub(crate) trait Codec<'a, T> {
    fn parse(&self, i: In<'a>, lim: &Limits) -> PResult<'a, T>;
    fn write(&self, v: &T, buf: &mut BytesMut, lim: &Limits) -> Result<(), EncodeError>;
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(&self, u: &mut arbitrary::Unstructured<'a>, lim: &Limits) -> arbitrary::Result<T>;
}

/// A one-octet integer.
pub(crate) struct Int(pub(crate) Field);

impl<'a> Codec<'a, u8> for Int {
    fn parse(&self, i: In<'a>, _: &Limits) -> PResult<'a, u8> {
        u8_field(self.0)(i)
    }
    fn write(&self, v: &u8, buf: &mut BytesMut, _: &Limits) -> Result<(), EncodeError> {
        buf.put_u8(*v);
        Ok(())
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(&self, u: &mut arbitrary::Unstructured<'a>, _: &Limits) -> arbitrary::Result<u8> {
        u.arbitrary()
    }
}

/// A four-octet integer.
pub(crate) struct Int32(pub(crate) Field);

impl<'a> Codec<'a, u32> for Int32 {
    fn parse(&self, i: In<'a>, _: &Limits) -> PResult<'a, u32> {
        u32_field(self.0)(i)
    }
    fn write(&self, v: &u32, buf: &mut BytesMut, _: &Limits) -> Result<(), EncodeError> {
        buf.put_u32(*v);
        Ok(())
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(&self, u: &mut arbitrary::Unstructured<'a>, _: &Limits) -> arbitrary::Result<u32> {
        u.arbitrary()
    }
}

/// A C-Octet String with a fixed maximum size (terminator included).
pub(crate) struct CStr(pub(crate) Field, pub(crate) usize);

impl<'a> Codec<'a, COctet<'a>> for CStr {
    fn parse(&self, i: In<'a>, _: &Limits) -> PResult<'a, COctet<'a>> {
        c_octet(self.0, self.1)(i)
    }
    fn write(&self, v: &COctet<'a>, buf: &mut BytesMut, _: &Limits) -> Result<(), EncodeError> {
        put_c_octet(buf, self.0, *v, self.1)
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(
        &self,
        u: &mut arbitrary::Unstructured<'a>,
        _: &Limits,
    ) -> arbitrary::Result<COctet<'a>> {
        arbitrary_c_octet(u, self.1)
    }
}

/// A C-Octet String sent within `send` octets but accepted up to `accept` from peers that are
/// known to exceed the specification (smpp-reference §10).
pub(crate) struct Lenient(pub(crate) Field, pub(crate) usize, pub(crate) usize);

impl<'a> Codec<'a, COctet<'a>> for Lenient {
    fn parse(&self, i: In<'a>, _: &Limits) -> PResult<'a, COctet<'a>> {
        c_octet(self.0, self.2)(i)
    }
    fn write(&self, v: &COctet<'a>, buf: &mut BytesMut, _: &Limits) -> Result<(), EncodeError> {
        put_c_octet(buf, self.0, *v, self.1)
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(
        &self,
        u: &mut arbitrary::Unstructured<'a>,
        _: &Limits,
    ) -> arbitrary::Result<COctet<'a>> {
        arbitrary_c_octet(u, self.1)
    }
}

/// The bind password: C-Octet String whose maximum is a per-carrier setting.
pub(crate) struct Password;

impl<'a> Codec<'a, COctet<'a>> for Password {
    fn parse(&self, i: In<'a>, lim: &Limits) -> PResult<'a, COctet<'a>> {
        c_octet(Field::Password, lim.password_max)(i)
    }
    fn write(&self, v: &COctet<'a>, buf: &mut BytesMut, lim: &Limits) -> Result<(), EncodeError> {
        put_c_octet(buf, Field::Password, *v, lim.password_max)
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(
        &self,
        u: &mut arbitrary::Unstructured<'a>,
        lim: &Limits,
    ) -> arbitrary::Result<COctet<'a>> {
        arbitrary_c_octet(u, lim.password_max)
    }
}

/// A time field: C(1|17), empty or `YYMMDDhhmmsstnnp`. Decoding accepts any C-Octet String up to
/// 17 octets (carriers differ); encoding insists on the specified form.
pub(crate) struct Time(pub(crate) Field);

impl<'a> Codec<'a, COctet<'a>> for Time {
    fn parse(&self, i: In<'a>, _: &Limits) -> PResult<'a, COctet<'a>> {
        c_octet(self.0, 17)(i)
    }
    fn write(&self, v: &COctet<'a>, buf: &mut BytesMut, _: &Limits) -> Result<(), EncodeError> {
        put_time(buf, self.0, *v)
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(
        &self,
        u: &mut arbitrary::Unstructured<'a>,
        _: &Limits,
    ) -> arbitrary::Result<COctet<'a>> {
        const SAMPLES: [&str; 4] = [
            "",
            "251224153000032+",
            "000001000000000R",
            "991231235959948-",
        ];
        Ok(COctet::from_str(u.choose(&SAMPLES)?))
    }
}

/// `sm_length` + `short_message`.
pub(crate) struct ShortMessage;

impl<'a> Codec<'a, Octets<'a>> for ShortMessage {
    fn parse(&self, i: In<'a>, _: &Limits) -> PResult<'a, Octets<'a>> {
        short_message(i)
    }
    fn write(&self, v: &Octets<'a>, buf: &mut BytesMut, _: &Limits) -> Result<(), EncodeError> {
        put_short_message(buf, v.as_bytes())
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(
        &self,
        u: &mut arbitrary::Unstructured<'a>,
        _: &Limits,
    ) -> arbitrary::Result<Octets<'a>> {
        let n = u.int_in_range(0..=super::write::SHORT_MESSAGE_MAX)?;
        Ok(Octets::new(u.bytes(n.min(u.len()))?))
    }
}

/// Everything left in the body, as TLVs.
pub(crate) struct Stream;

impl<'a, T: Item<'a>> Codec<'a, List<'a, T>> for Stream {
    fn parse(&self, i: In<'a>, _: &Limits) -> PResult<'a, List<'a, T>> {
        List::parse_stream(i)
    }
    fn write(&self, v: &List<'a, T>, buf: &mut BytesMut, _: &Limits) -> Result<(), EncodeError> {
        v.write(buf)
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(
        &self,
        u: &mut arbitrary::Unstructured<'a>,
        _: &Limits,
    ) -> arbitrary::Result<List<'a, T>> {
        let n = u.int_in_range(0..=4)?;
        let items = (0..n)
            .map(|_| T::arbitrary_item(u))
            .collect::<arbitrary::Result<Vec<_>>>()?;
        Ok(List::from(items))
    }
}

/// A one-octet count followed by that many items.
pub(crate) struct Counted(pub(crate) Field, pub(crate) usize);

impl<'a, T: Item<'a>> Codec<'a, List<'a, T>> for Counted {
    fn parse(&self, i: In<'a>, _: &Limits) -> PResult<'a, List<'a, T>> {
        let (rest, count) = u8_field(self.0)(i)?;
        List::parse_counted(rest, usize::from(count))
    }
    fn write(&self, v: &List<'a, T>, buf: &mut BytesMut, _: &Limits) -> Result<(), EncodeError> {
        let count = v.len();
        if count > self.1 {
            return Err(EncodeError::TooManyItems {
                field: self.0.name(),
                count,
                max: self.1,
            });
        }
        buf.put_u8(count as u8);
        v.write(buf)
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(
        &self,
        u: &mut arbitrary::Unstructured<'a>,
        _: &Limits,
    ) -> arbitrary::Result<List<'a, T>> {
        let n = u.int_in_range(0..=3)?;
        let items = (0..n)
            .map(|_| T::arbitrary_item(u))
            .collect::<arbitrary::Result<Vec<_>>>()?;
        Ok(List::from(items))
    }
}

/// Up to `max - 1` octets with no NUL, borrowed from the fuzzer's input.
#[cfg(any(test, feature = "arbitrary"))]
pub(crate) fn arbitrary_c_octet<'a>(
    u: &mut arbitrary::Unstructured<'a>,
    max: usize,
) -> arbitrary::Result<COctet<'a>> {
    let n = u.int_in_range(0..=max.saturating_sub(1))?;
    let bytes = u.bytes(n.min(u.len()))?;
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    Ok(COctet::new(&bytes[..end]))
}
