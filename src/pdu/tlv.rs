//! TLVs (optional parameters): the table of known tags with their names, value types and limits
//! (smpp-reference §5), and the [`Tlv`] enum generated from it.
//!
//! Known tags decode to typed values; any other tag is kept as [`Tlv::Other`] with its raw octets
//! so it passes through and re-encodes unchanged.

use bytes::{BufMut, BytesMut};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::error::{DecodeErrorKind, EncodeError};
use super::field::{COctet, Octets};
use super::list::{Item, List};
use super::parse::{In, PResult, fail, tlv_frame};
use super::tlv_value::{
    BroadcastContentType, BroadcastFrequencyInterval, FlexUint, MessageState, NetworkErrorCode,
    TlvFault, TlvValue,
};

/// The TLVs of a PDU.
pub type Tlvs<'a> = List<'a, Tlv<'a>>;

/// The largest value a TLV length can announce.
const VALUE_MAX: usize = u16::MAX as usize;

macro_rules! tlv_table {
    ($( $tag:literal $konst:ident $variant:ident $name:literal : $ty:ty, max $max:expr; )*) => {
        /// Tags of the known TLVs.
        pub mod tag {
            $( #[doc = $name] pub const $konst: u16 = $tag; )*
        }

        /// One TLV. Known tags carry a typed value; others keep their raw octets.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum Tlv<'a> {
            $( $variant($ty), )*
            /// A tag this crate does not know (vendor TLVs 0x1400–0x3FFF and others).
            Other {
                /// The tag.
                tag: u16,
                /// The raw value.
                value: Octets<'a>,
            },
        }

        impl<'a> Tlv<'a> {
            /// The tag.
            pub fn tag(&self) -> u16 {
                match self {
                    $( Tlv::$variant(_) => $tag, )*
                    Tlv::Other { tag, .. } => *tag,
                }
            }

            /// The specification's name for a tag, or `None` when unknown.
            pub fn name_of(tag: u16) -> Option<&'static str> {
                match tag {
                    $( $tag => Some($name), )*
                    _ => None,
                }
            }

            /// Largest value, in octets, the specification allows for a tag.
            fn max_len(tag: u16) -> usize {
                match tag {
                    $( $tag => $max, )*
                    _ => VALUE_MAX,
                }
            }

            fn from_wire(tag: u16, value: &'a [u8]) -> Result<Self, TlvFault> {
                match tag {
                    $( $tag => <$ty as TlvValue<'a>>::decode(value).map(Tlv::$variant), )*
                    _ => Ok(Tlv::Other { tag, value: Octets::new(value) }),
                }
            }

            fn value_len(&self) -> usize {
                match self {
                    $( Tlv::$variant(v) => TlvValue::encoded_len(v), )*
                    Tlv::Other { value, .. } => value.len(),
                }
            }

            fn write_value(&self, buf: &mut BytesMut) {
                match self {
                    $( Tlv::$variant(v) => TlvValue::encode(v, buf), )*
                    Tlv::Other { value, .. } => buf.put_slice(value.as_bytes()),
                }
            }

            fn serialize_value<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                match self {
                    $( Tlv::$variant(v) => map.serialize_entry("value", v), )*
                    Tlv::Other { value, .. } => map.serialize_entry("value", value),
                }
            }

            #[cfg(any(test, feature = "arbitrary"))]
            fn arbitrary_known(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                const TAGS: &[u16] = &[$( $tag, )*];
                match *u.choose(TAGS)? {
                    $( $tag => Ok(Tlv::$variant(<$ty as TlvValue<'a>>::arbitrary(u, $max)?)), )*
                    _ => unreachable!("tag drawn from the table"),
                }
            }
        }
    };
}

tlv_table! {
    0x0005 DEST_ADDR_SUBUNIT DestAddrSubunit "dest_addr_subunit": u8, max 1;
    0x0006 DEST_NETWORK_TYPE DestNetworkType "dest_network_type": u8, max 1;
    0x0007 DEST_BEARER_TYPE DestBearerType "dest_bearer_type": u8, max 1;
    0x0008 DEST_TELEMATICS_ID DestTelematicsId "dest_telematics_id": u16, max 2;
    0x000D SOURCE_ADDR_SUBUNIT SourceAddrSubunit "source_addr_subunit": u8, max 1;
    0x000E SOURCE_NETWORK_TYPE SourceNetworkType "source_network_type": u8, max 1;
    0x000F SOURCE_BEARER_TYPE SourceBearerType "source_bearer_type": u8, max 1;
    0x0010 SOURCE_TELEMATICS_ID SourceTelematicsId "source_telematics_id": FlexUint, max 2;
    0x0017 QOS_TIME_TO_LIVE QosTimeToLive "qos_time_to_live": u32, max 4;
    0x0019 PAYLOAD_TYPE PayloadType "payload_type": u8, max 1;
    0x001D ADDITIONAL_STATUS_INFO_TEXT AdditionalStatusInfoText "additional_status_info_text": COctet<'a>, max 256;
    0x001E RECEIPTED_MESSAGE_ID ReceiptedMessageId "receipted_message_id": COctet<'a>, max 65;
    0x0030 MS_MSG_WAIT_FACILITIES MsMsgWaitFacilities "ms_msg_wait_facilities": u8, max 1;
    0x0201 PRIVACY_INDICATOR PrivacyIndicator "privacy_indicator": u8, max 1;
    0x0202 SOURCE_SUBADDRESS SourceSubaddress "source_subaddress": Octets<'a>, max 23;
    0x0203 DEST_SUBADDRESS DestSubaddress "dest_subaddress": Octets<'a>, max 23;
    0x0204 USER_MESSAGE_REFERENCE UserMessageReference "user_message_reference": u16, max 2;
    0x0205 USER_RESPONSE_CODE UserResponseCode "user_response_code": u8, max 1;
    0x020A SOURCE_PORT SourcePort "source_port": u16, max 2;
    0x020B DESTINATION_PORT DestinationPort "destination_port": u16, max 2;
    0x020C SAR_MSG_REF_NUM SarMsgRefNum "sar_msg_ref_num": u16, max 2;
    0x020D LANGUAGE_INDICATOR LanguageIndicator "language_indicator": u8, max 1;
    0x020E SAR_TOTAL_SEGMENTS SarTotalSegments "sar_total_segments": u8, max 1;
    0x020F SAR_SEGMENT_SEQNUM SarSegmentSeqnum "sar_segment_seqnum": u8, max 1;
    0x0210 SC_INTERFACE_VERSION ScInterfaceVersion "sc_interface_version": u8, max 1;
    0x0302 CALLBACK_NUM_PRES_IND CallbackNumPresInd "callback_num_pres_ind": u8, max 1;
    0x0303 CALLBACK_NUM_ATAG CallbackNumAtag "callback_num_atag": Octets<'a>, max 65;
    0x0304 NUMBER_OF_MESSAGES NumberOfMessages "number_of_messages": u8, max 1;
    0x0381 CALLBACK_NUM CallbackNum "callback_num": Octets<'a>, max 19;
    0x0420 DPF_RESULT DpfResult "dpf_result": u8, max 1;
    0x0421 SET_DPF SetDpf "set_dpf": u8, max 1;
    0x0422 MS_AVAILABILITY_STATUS MsAvailabilityStatus "ms_availability_status": u8, max 1;
    0x0423 NETWORK_ERROR_CODE NetworkErrorCode "network_error_code": NetworkErrorCode, max 3;
    0x0424 MESSAGE_PAYLOAD MessagePayload "message_payload": Octets<'a>, max VALUE_MAX;
    0x0425 DELIVERY_FAILURE_REASON DeliveryFailureReason "delivery_failure_reason": u8, max 1;
    0x0426 MORE_MESSAGES_TO_SEND MoreMessagesToSend "more_messages_to_send": u8, max 1;
    0x0427 MESSAGE_STATE MessageState "message_state": MessageState, max 1;
    0x0428 CONGESTION_STATE CongestionState "congestion_state": u8, max 1;
    0x0501 USSD_SERVICE_OP UssdServiceOp "ussd_service_op": u8, max 1;
    0x0600 BROADCAST_CHANNEL_INDICATOR BroadcastChannelIndicator "broadcast_channel_indicator": u8, max 1;
    0x0601 BROADCAST_CONTENT_TYPE BroadcastContentType "broadcast_content_type": BroadcastContentType, max 3;
    0x0602 BROADCAST_CONTENT_TYPE_INFO BroadcastContentTypeInfo "broadcast_content_type_info": Octets<'a>, max 255;
    0x0603 BROADCAST_MESSAGE_CLASS BroadcastMessageClass "broadcast_message_class": u8, max 1;
    0x0604 BROADCAST_REP_NUM BroadcastRepNum "broadcast_rep_num": FlexUint, max 3;
    0x0605 BROADCAST_FREQUENCY_INTERVAL BroadcastFrequencyInterval "broadcast_frequency_interval": BroadcastFrequencyInterval, max 3;
    0x0606 BROADCAST_AREA_IDENTIFIER BroadcastAreaIdentifier "broadcast_area_identifier": Octets<'a>, max VALUE_MAX;
    0x0607 BROADCAST_ERROR_STATUS BroadcastErrorStatus "broadcast_error_status": u32, max 4;
    0x0608 BROADCAST_AREA_SUCCESS BroadcastAreaSuccess "broadcast_area_success": u8, max 1;
    0x0609 BROADCAST_END_TIME BroadcastEndTime "broadcast_end_time": COctet<'a>, max 17;
    0x060A BROADCAST_SERVICE_GROUP BroadcastServiceGroup "broadcast_service_group": Octets<'a>, max VALUE_MAX;
    0x060B BILLING_IDENTIFICATION BillingIdentification "billing_identification": Octets<'a>, max 1024;
    0x060D SOURCE_NETWORK_ID SourceNetworkId "source_network_id": COctet<'a>, max 66;
    0x060E DEST_NETWORK_ID DestNetworkId "dest_network_id": COctet<'a>, max 66;
    0x060F SOURCE_NODE_ID SourceNodeId "source_node_id": Octets<'a>, max 6;
    0x0610 DEST_NODE_ID DestNodeId "dest_node_id": Octets<'a>, max 6;
    0x0611 DEST_ADDR_NP_RESOLUTION DestAddrNpResolution "dest_addr_np_resolution": u8, max 1;
    0x0612 DEST_ADDR_NP_INFORMATION DestAddrNpInformation "dest_addr_np_information": Octets<'a>, max 10;
    0x0613 DEST_ADDR_NP_COUNTRY DestAddrNpCountry "dest_addr_np_country": Octets<'a>, max 5;
    0x1201 DISPLAY_TIME DisplayTime "display_time": u8, max 1;
    0x1203 SMS_SIGNAL SmsSignal "sms_signal": u16, max 2;
    0x1204 MS_VALIDITY MsValidity "ms_validity": Octets<'a>, max 4;
    0x130C ALERT_ON_MESSAGE_DELIVERY AlertOnMessageDelivery "alert_on_message_delivery": Option<u8>, max 1;
    0x1380 ITS_REPLY_TYPE ItsReplyType "its_reply_type": u8, max 1;
    0x1383 ITS_SESSION_INFO ItsSessionInfo "its_session_info": Octets<'a>, max 2;
}

impl<'a> Tlv<'a> {
    /// The specification's name of this TLV, or `None` for an unknown tag.
    pub fn name(&self) -> Option<&'static str> {
        Tlv::name_of(self.tag())
    }
}

impl<'a> Item<'a> for Tlv<'a> {
    #[allow(private_interfaces)]
    fn parse_item(i: In<'a>) -> PResult<'a, Self> {
        let (rest, (tag, value)) = tlv_frame(i)?;
        match Tlv::from_wire(tag, value) {
            Ok(tlv) => Ok((rest, tlv)),
            Err(TlvFault::Length) => fail(
                i,
                DecodeErrorKind::TlvLength {
                    tag,
                    len: value.len() as u16,
                },
            ),
            Err(TlvFault::Value) => fail(i, DecodeErrorKind::TlvValue { tag }),
        }
    }

    fn write_item(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let tag = self.tag();
        let len = self.value_len();
        let max = Tlv::max_len(tag).min(VALUE_MAX);
        if len > max {
            return Err(EncodeError::TlvTooLong { tag, len, max });
        }
        if let Tlv::ReceiptedMessageId(v)
        | Tlv::AdditionalStatusInfoText(v)
        | Tlv::BroadcastEndTime(v)
        | Tlv::SourceNetworkId(v)
        | Tlv::DestNetworkId(v) = self
        {
            super::write::check_c_octet(Tlv::name_of(tag).unwrap_or("tlv"), *v, max)?;
        }
        buf.put_u16(tag);
        buf.put_u16(len as u16);
        self.write_value(buf);
        Ok(())
    }

    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary_item(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        if u.ratio(1, 4)? {
            // Vendor range: none of these tags is in the table, so they stay raw.
            let tag = 0x1400 + u.int_in_range(0..=0x2BFF)?;
            let n = u.int_in_range(0..=40)?;
            let value = Octets::new(u.bytes(n.min(u.len()))?);
            return Ok(Tlv::Other { tag, value });
        }
        Tlv::arbitrary_known(u)
    }
}

impl Serialize for Tlv<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("tag", &format_args!("0x{:04X}", self.tag()))?;
        map.serialize_entry("name", &self.name())?;
        self.serialize_value(&mut map)?;
        map.end()
    }
}

/// Look-ups for the TLVs the daemon acts on.
impl<'a> Tlvs<'a> {
    /// The first TLV with this tag.
    pub fn get(&self, tag: u16) -> Option<Tlv<'a>> {
        self.iter().find(|t| t.tag() == tag)
    }

    /// receipted_message_id, the SMSC id a delivery receipt refers to.
    pub fn receipted_message_id(&self) -> Option<COctet<'a>> {
        match self.get(tag::RECEIPTED_MESSAGE_ID)? {
            Tlv::ReceiptedMessageId(v) => Some(v),
            _ => None,
        }
    }

    /// message_state of a receipt.
    pub fn message_state(&self) -> Option<MessageState> {
        match self.get(tag::MESSAGE_STATE)? {
            Tlv::MessageState(v) => Some(v),
            _ => None,
        }
    }

    /// network_error_code of a receipt.
    pub fn network_error_code(&self) -> Option<NetworkErrorCode> {
        match self.get(tag::NETWORK_ERROR_CODE)? {
            Tlv::NetworkErrorCode(v) => Some(v),
            _ => None,
        }
    }

    /// message_payload, used instead of short_message for long content.
    pub fn message_payload(&self) -> Option<Octets<'a>> {
        match self.get(tag::MESSAGE_PAYLOAD)? {
            Tlv::MessagePayload(v) => Some(v),
            _ => None,
        }
    }

    /// The SAR triple (reference, total, sequence) when all three TLVs are present.
    pub fn sar(&self) -> Option<(u16, u8, u8)> {
        let (mut r, mut t, mut s) = (None, None, None);
        for tlv in self.iter() {
            match tlv {
                Tlv::SarMsgRefNum(v) => r = Some(v),
                Tlv::SarTotalSegments(v) => t = Some(v),
                Tlv::SarSegmentSeqnum(v) => s = Some(v),
                _ => {}
            }
        }
        Some((r?, t?, s?))
    }
}
