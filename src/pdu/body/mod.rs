//! PDU bodies (smpp-reference §2.2): each struct lists its mandatory fields in wire order with the
//! codec for each, and [`pdu_struct!`] derives parsing, encoding and fuzz generation from that one
//! list.

macro_rules! pdu_struct {
    (
        $(#[$m:meta])*
        $name:ident<$lt:lifetime> {
            $( $(#[$fm:meta])* $field:ident : $ty:ty = $codec:expr ),* $(,)?
        }
    ) => {
        $(#[$m])*
        ///
        /// `Default` gives every field empty or zero, so a PDU can be written as
        /// `SubmitSm { destination_addr, short_message, ..Default::default() }`.
        #[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
        pub struct $name<$lt> {
            $( $(#[$fm])* pub $field: $ty, )*
        }

        impl<$lt> $name<$lt> {
            pub(crate) fn parse(
                i: $crate::pdu::parse::In<$lt>,
                lim: &$crate::pdu::Limits,
            ) -> $crate::pdu::parse::PResult<$lt, Self> {
                use $crate::pdu::codec::Codec;
                $( let (i, $field) = Codec::<$lt, $ty>::parse(&$codec, i, lim)?; )*
                Ok((i, $name { $( $field, )* }))
            }

            pub(crate) fn write(
                &self,
                buf: &mut bytes::BytesMut,
                lim: &$crate::pdu::Limits,
            ) -> Result<(), $crate::pdu::EncodeError> {
                use $crate::pdu::codec::Codec;
                $( Codec::<$lt, $ty>::write(&$codec, &self.$field, buf, lim)?; )*
                Ok(())
            }

            #[cfg(any(test, feature = "arbitrary"))]
            pub(crate) fn arbitrary(
                u: &mut arbitrary::Unstructured<$lt>,
                lim: &$crate::pdu::Limits,
            ) -> arbitrary::Result<Self> {
                use $crate::pdu::codec::Codec;
                Ok($name { $( $field: Codec::<$lt, $ty>::arbitrary(&$codec, u, lim)?, )* })
            }
        }
    };
}

mod bind;
mod broadcast;
mod manage;
mod message;

pub use bind::{Bind, BindResp, Outbind};
pub use broadcast::{BroadcastSm, CancelBroadcastSm, QueryBroadcastSm};
pub use manage::{AlertNotification, CancelSm, QuerySm, QuerySmResp, ReplaceSm};
pub use message::{
    DataSm, DeliverSm, DestAddress, MessageIdResp, SubmitMulti, SubmitMultiResp, SubmitSm,
    UnsuccessSme,
};
