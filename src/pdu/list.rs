//! [`List`]: a sequence inside a PDU (TLVs, submit_multi destinations, unsuccess_sme entries)
//! that is validated on decode but kept as the borrowed wire octets, so decoding allocates
//! nothing and re-encoding a decoded list is byte for byte.

use bytes::{BufMut, BytesMut};
use serde::{Serialize, Serializer};

use super::error::EncodeError;
use super::parse::{In, PResult};

/// One element of a [`List`].
pub trait Item<'a>: Sized + Clone {
    /// Parses one element from the front of `i`.
    #[doc(hidden)]
    #[allow(private_interfaces)]
    fn parse_item(i: In<'a>) -> PResult<'a, Self>;
    /// Appends the element.
    #[doc(hidden)]
    fn write_item(&self, buf: &mut BytesMut) -> Result<(), EncodeError>;
    /// Generates an element that encodes and decodes back to itself.
    #[cfg(any(test, feature = "arbitrary"))]
    #[doc(hidden)]
    fn arbitrary_item(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self>;
}

/// A sequence of items: either the validated wire octets of a decoded PDU, or items built by the
/// caller for encoding. Both forms compare equal when they hold the same items.
#[derive(Clone)]
pub enum List<'a, T> {
    /// Validated octets from a decoded frame.
    Wire(&'a [u8]),
    /// Items to encode.
    Items(Vec<T>),
}

impl<T> Default for List<'_, T> {
    fn default() -> Self {
        List::Items(Vec::new())
    }
}

impl<T> From<Vec<T>> for List<'_, T> {
    fn from(items: Vec<T>) -> Self {
        List::Items(items)
    }
}

impl<'a, T: Item<'a>> List<'a, T> {
    /// Iterates over the items (parsing wire octets lazily; they were validated on decode).
    pub fn iter(&self) -> Iter<'a, '_, T> {
        match self {
            List::Wire(raw) => Iter::Wire(raw),
            List::Items(items) => Iter::Items(items.iter()),
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        match self {
            List::Wire(_) => self.iter().count(),
            List::Items(items) => items.len(),
        }
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        match self {
            List::Wire(raw) => raw.is_empty(),
            List::Items(items) => items.is_empty(),
        }
    }

    pub(crate) fn parse_stream(i: In<'a>) -> PResult<'a, Self> {
        let mut rest = i;
        while !rest.is_empty() {
            rest = T::parse_item(rest)?.0;
        }
        Ok((rest, List::Wire(i)))
    }

    pub(crate) fn parse_counted(i: In<'a>, count: usize) -> PResult<'a, Self> {
        let mut rest = i;
        for _ in 0..count {
            rest = T::parse_item(rest)?.0;
        }
        let used = i.len() - rest.len();
        Ok((rest, List::Wire(&i[..used])))
    }

    pub(crate) fn write(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            List::Wire(raw) => {
                buf.put_slice(raw);
                Ok(())
            }
            List::Items(items) => items.iter().try_for_each(|item| item.write_item(buf)),
        }
    }
}

/// Iterator over a [`List`].
#[derive(Debug)]
pub enum Iter<'a, 'l, T> {
    /// Over wire octets.
    Wire(&'a [u8]),
    /// Over built items.
    Items(std::slice::Iter<'l, T>),
}

impl<'a, T: Item<'a>> Iterator for Iter<'a, '_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            Iter::Wire([]) => None,
            Iter::Wire(raw) => match T::parse_item(raw) {
                Ok((rest, item)) => {
                    *raw = rest;
                    Some(item)
                }
                // Unreachable for lists made by the decoder; a hand-made `Wire` list that is
                // malformed simply ends here.
                Err(_) => {
                    *raw = &[];
                    None
                }
            },
            Iter::Items(items) => items.next().cloned(),
        }
    }
}

impl<'a, T: Item<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<'a, T: Item<'a> + Eq> Eq for List<'a, T> {}

impl<'a, T: Item<'a> + std::fmt::Debug> std::fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: Item<'a> + Serialize> Serialize for List<'a, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}
