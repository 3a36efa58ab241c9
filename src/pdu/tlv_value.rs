//! The value types a known TLV decodes to, and how each checks its length (smpp-reference §5).
//!
//! Integers have a fixed size except where real peers disagree (⚠ in the reference), which are
//! [`FlexUint`]s that remember the width they arrived in so they re-encode unchanged.

use bytes::{BufMut, BytesMut};
use serde::{Serialize, Serializer};

use super::field::{COctet, Octets};

/// Why a known TLV's value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlvFault {
    Length,
    Value,
}

/// A TLV value: decoded from exactly the value octets, encoded back the same way.
pub(crate) trait TlvValue<'a>: Sized {
    fn decode(v: &'a [u8]) -> Result<Self, TlvFault>;
    fn encoded_len(&self) -> usize;
    fn encode(&self, buf: &mut BytesMut);
    /// Generates a value no longer than `max` octets that round-trips.
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>, max: usize) -> arbitrary::Result<Self>;
}

fn exact<const N: usize>(v: &[u8]) -> Result<[u8; N], TlvFault> {
    v.try_into().map_err(|_| TlvFault::Length)
}

macro_rules! fixed_int {
    ($($t:ty),*) => {$(
        impl<'a> TlvValue<'a> for $t {
            fn decode(v: &'a [u8]) -> Result<Self, TlvFault> {
                exact(v).map(<$t>::from_be_bytes)
            }
            fn encoded_len(&self) -> usize {
                size_of::<$t>()
            }
            fn encode(&self, buf: &mut BytesMut) {
                buf.put_slice(&self.to_be_bytes());
            }
            #[cfg(any(test, feature = "arbitrary"))]
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>, _: usize) -> arbitrary::Result<Self> {
                u.arbitrary()
            }
        }
    )*};
}
fixed_int!(u8, u16, u32);

/// Presence flag with an optional one-octet value (alert_on_message_delivery: 3.4 sends it empty,
/// 5.0 may add a priority).
impl<'a> TlvValue<'a> for Option<u8> {
    fn decode(v: &'a [u8]) -> Result<Self, TlvFault> {
        match v {
            [] => Ok(None),
            [b] => Ok(Some(*b)),
            _ => Err(TlvFault::Length),
        }
    }
    fn encoded_len(&self) -> usize {
        usize::from(self.is_some())
    }
    fn encode(&self, buf: &mut BytesMut) {
        if let Some(b) = self {
            buf.put_u8(*b);
        }
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>, _: usize) -> arbitrary::Result<Self> {
        u.arbitrary()
    }
}

/// A C-Octet String value. Some SMSCs omit the terminator (seen on receipted_message_id), so a
/// value without one is accepted as it is; data after a NUL is refused.
impl<'a> TlvValue<'a> for COctet<'a> {
    fn decode(v: &'a [u8]) -> Result<Self, TlvFault> {
        match v.iter().position(|&b| b == 0) {
            Some(nul) if nul + 1 == v.len() => Ok(COctet::new(&v[..nul])),
            Some(_) => Err(TlvFault::Value),
            None => Ok(COctet::new(v)),
        }
    }
    fn encoded_len(&self) -> usize {
        self.len() + 1
    }
    fn encode(&self, buf: &mut BytesMut) {
        buf.put_slice(self.as_bytes());
        buf.put_u8(0);
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>, max: usize) -> arbitrary::Result<Self> {
        super::codec::arbitrary_c_octet(u, max.min(70))
    }
}

impl<'a> TlvValue<'a> for Octets<'a> {
    fn decode(v: &'a [u8]) -> Result<Self, TlvFault> {
        Ok(Octets::new(v))
    }
    fn encoded_len(&self) -> usize {
        self.len()
    }
    fn encode(&self, buf: &mut BytesMut) {
        buf.put_slice(self.as_bytes());
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>, max: usize) -> arbitrary::Result<Self> {
        let n = u.int_in_range(0..=max.min(300))?;
        Ok(Octets::new(u.bytes(n.min(u.len()))?))
    }
}

/// An unsigned integer that peers send in different widths (source_telematics_id: 1 or 2 octets;
/// broadcast_rep_num: 1, 2 or 3). The width is kept so it re-encodes as it came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlexUint {
    /// The value.
    pub value: u32,
    /// Octets on the wire, 1 to 4.
    pub width: u8,
}

impl FlexUint {
    /// A value in the narrowest width that holds it.
    pub fn new(value: u32) -> Self {
        let width = match value {
            0..=0xFF => 1,
            0x100..=0xFFFF => 2,
            0x1_0000..=0xFF_FFFF => 3,
            _ => 4,
        };
        FlexUint { value, width }
    }
}

impl<'a> TlvValue<'a> for FlexUint {
    fn decode(v: &'a [u8]) -> Result<Self, TlvFault> {
        if v.is_empty() || v.len() > 4 {
            return Err(TlvFault::Length);
        }
        let value = v.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        Ok(FlexUint {
            value,
            width: v.len() as u8,
        })
    }
    fn encoded_len(&self) -> usize {
        usize::from(self.width)
    }
    fn encode(&self, buf: &mut BytesMut) {
        let bytes = self.value.to_be_bytes();
        buf.put_slice(&bytes[4 - usize::from(self.width)..]);
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>, max: usize) -> arbitrary::Result<Self> {
        let width: u8 = u.int_in_range(1..=max.clamp(1, 4) as u8)?;
        let value: u32 = u.arbitrary()?;
        let mask = if width == 4 {
            u32::MAX
        } else {
            (1u32 << (8 * width)) - 1
        };
        Ok(FlexUint {
            value: value & mask,
            width,
        })
    }
}

impl Serialize for FlexUint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.value)
    }
}

/// Declares a three-octet value made of a one-octet kind and a big-endian u16.
macro_rules! u8_u16_value {
    ($(#[$doc:meta])* $name:ident { $(#[$da:meta])* $a:ident, $(#[$db:meta])* $b:ident }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
        pub struct $name {
            $(#[$da])* pub $a: u8,
            $(#[$db])* pub $b: u16,
        }

        impl<'a> TlvValue<'a> for $name {
            fn decode(v: &'a [u8]) -> Result<Self, TlvFault> {
                let [a, b0, b1] = exact::<3>(v)?;
                Ok($name { $a: a, $b: u16::from_be_bytes([b0, b1]) })
            }
            fn encoded_len(&self) -> usize {
                3
            }
            fn encode(&self, buf: &mut BytesMut) {
                buf.put_u8(self.$a);
                buf.put_u16(self.$b);
            }
            #[cfg(any(test, feature = "arbitrary"))]
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>, _: usize) -> arbitrary::Result<Self> {
                Ok($name { $a: u.arbitrary()?, $b: u.arbitrary()? })
            }
        }
    };
}

u8_u16_value! {
    /// network_error_code (0x0423): network type and its error code. Some SMSCs put three ASCII
    /// digits here instead; the octets are kept either way.
    NetworkErrorCode {
        /// 1 ANSI-136, 2 IS-95, 3 GSM; 5.0 adds 4–8.
        network_type,
        /// The network's error code.
        error_code
    }
}

u8_u16_value! {
    /// broadcast_content_type (0x0601).
    BroadcastContentType {
        /// The network type.
        network_type,
        /// The content type.
        content_type
    }
}

u8_u16_value! {
    /// broadcast_frequency_interval (0x0605).
    BroadcastFrequencyInterval {
        /// 0x00 ASAP, 0x08 s, 0x09 min, 0x0A h, 0x0B d, 0x0C wk, 0x0D mo, 0x0E yr.
        unit,
        /// How many units.
        count
    }
}

/// message_state (TLV 0x0427 and query_sm_resp), smpp-reference §6.6. Unknown values are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum MessageState {
    Scheduled,
    Enroute,
    Delivered,
    Expired,
    Deleted,
    Undeliverable,
    Accepted,
    Unknown,
    Rejected,
    Skipped,
    Other(u8),
}

impl From<u8> for MessageState {
    fn from(v: u8) -> Self {
        use MessageState::*;
        match v {
            0 => Scheduled,
            1 => Enroute,
            2 => Delivered,
            3 => Expired,
            4 => Deleted,
            5 => Undeliverable,
            6 => Accepted,
            7 => Unknown,
            8 => Rejected,
            9 => Skipped,
            other => Other(other),
        }
    }
}

impl From<MessageState> for u8 {
    fn from(s: MessageState) -> u8 {
        use MessageState::*;
        match s {
            Scheduled => 0,
            Enroute => 1,
            Delivered => 2,
            Expired => 3,
            Deleted => 4,
            Undeliverable => 5,
            Accepted => 6,
            Unknown => 7,
            Rejected => 8,
            Skipped => 9,
            Other(v) => v,
        }
    }
}

impl MessageState {
    /// The specification's name (`"DELIVERED"`), or `None` for an unknown value.
    pub fn name(self) -> Option<&'static str> {
        use MessageState::*;
        Some(match self {
            Scheduled => "SCHEDULED",
            Enroute => "ENROUTE",
            Delivered => "DELIVERED",
            Expired => "EXPIRED",
            Deleted => "DELETED",
            Undeliverable => "UNDELIVERABLE",
            Accepted => "ACCEPTED",
            Unknown => "UNKNOWN",
            Rejected => "REJECTED",
            Skipped => "SKIPPED",
            Other(_) => return None,
        })
    }
}

impl<'a> TlvValue<'a> for MessageState {
    fn decode(v: &'a [u8]) -> Result<Self, TlvFault> {
        u8::decode(v).map(MessageState::from)
    }
    fn encoded_len(&self) -> usize {
        1
    }
    fn encode(&self, buf: &mut BytesMut) {
        buf.put_u8((*self).into());
    }
    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>, _: usize) -> arbitrary::Result<Self> {
        Ok(MessageState::from(u.arbitrary::<u8>()?))
    }
}

impl Serialize for MessageState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(name) => s.serialize_str(name),
            None => s.serialize_u8((*self).into()),
        }
    }
}
