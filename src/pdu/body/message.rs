//! Message PDUs: submit_sm and deliver_sm (one layout), submit_multi, data_sm, and the responses
//! that carry a message_id.

use bytes::{BufMut, BytesMut};
use serde::Serialize;

use crate::pdu::codec::{CStr, Counted, Int, Int32, ShortMessage, Stream, Time};
use crate::pdu::error::{DecodeErrorKind, EncodeError};
use crate::pdu::field::{COctet, Field, Octets};
use crate::pdu::list::{Item, List};
use crate::pdu::parse::{In, PResult, c_octet, fail, u8_field};
use crate::pdu::tlv::Tlvs;
use crate::pdu::write::put_c_octet;

pdu_struct! {
    /// submit_sm (0x04) and deliver_sm (0x05), which share one layout.
    ///
    /// In deliver_sm, schedule_delivery_time, validity_period, replace_if_present_flag and
    /// sm_default_msg_id are unused (empty / 0). `esm_class & 0x3C == 0x04` marks a receipt.
    SubmitSm<'a> {
        /// C(6); empty is the default service.
        service_type: COctet<'a> = CStr(Field::ServiceType, 6),
        /// §6.1.
        source_addr_ton: u8 = Int(Field::SourceAddrTon),
        /// §6.1.
        source_addr_npi: u8 = Int(Field::SourceAddrNpi),
        /// C(21).
        source_addr: COctet<'a> = CStr(Field::SourceAddr, 21),
        /// §6.1.
        dest_addr_ton: u8 = Int(Field::DestAddrTon),
        /// §6.1.
        dest_addr_npi: u8 = Int(Field::DestAddrNpi),
        /// C(21).
        destination_addr: COctet<'a> = CStr(Field::DestinationAddr, 21),
        /// §6.2: messaging mode, message type, UDHI (0x40).
        esm_class: u8 = Int(Field::EsmClass),
        /// GSM TP-PID.
        protocol_id: u8 = Int(Field::ProtocolId),
        /// §6.5.
        priority_flag: u8 = Int(Field::PriorityFlag),
        /// C(1|17), §6.8.
        schedule_delivery_time: COctet<'a> = Time(Field::ScheduleDeliveryTime),
        /// C(1|17), §6.8.
        validity_period: COctet<'a> = Time(Field::ValidityPeriod),
        /// §6.3.
        registered_delivery: u8 = Int(Field::RegisteredDelivery),
        /// 0 or 1.
        replace_if_present_flag: u8 = Int(Field::ReplaceIfPresentFlag),
        /// §6.4.
        data_coding: u8 = Int(Field::DataCoding),
        /// 0 unless a canned message.
        sm_default_msg_id: u8 = Int(Field::SmDefaultMsgId),
        /// sm_length + short_message (≤ 254 sent, 255 accepted), UDH first when UDHI is set.
        short_message: Octets<'a> = ShortMessage,
        /// Optional parameters.
        tlvs: Tlvs<'a> = Stream,
    }
}

/// deliver_sm has the submit_sm layout.
pub type DeliverSm<'a> = SubmitSm<'a>;

pdu_struct! {
    /// submit_sm_resp, deliver_sm_resp, data_sm_resp, broadcast_sm_resp, query_broadcast_sm_resp:
    /// a message_id and TLVs. deliver_sm_resp's message_id is unused (send it empty).
    MessageIdResp<'a> {
        /// Opaque SMSC id: decimal, hex or anything else. C(65).
        message_id: COctet<'a> = CStr(Field::MessageId, 65),
        /// 5.0 TLVs (network_error_code, delivery_failure_reason, …).
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// data_sm (0x103): addresses are C(65) and the content goes in message_payload.
    DataSm<'a> {
        /// C(6).
        service_type: COctet<'a> = CStr(Field::ServiceType, 6),
        /// §6.1.
        source_addr_ton: u8 = Int(Field::SourceAddrTon),
        /// §6.1.
        source_addr_npi: u8 = Int(Field::SourceAddrNpi),
        /// C(65): the reference's ⚠ says accept 65.
        source_addr: COctet<'a> = CStr(Field::SourceAddr, 65),
        /// §6.1.
        dest_addr_ton: u8 = Int(Field::DestAddrTon),
        /// §6.1.
        dest_addr_npi: u8 = Int(Field::DestAddrNpi),
        /// C(65).
        destination_addr: COctet<'a> = CStr(Field::DestinationAddr, 65),
        /// §6.2.
        esm_class: u8 = Int(Field::EsmClass),
        /// §6.3.
        registered_delivery: u8 = Int(Field::RegisteredDelivery),
        /// §6.4.
        data_coding: u8 = Int(Field::DataCoding),
        /// message_payload and the rest.
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// submit_multi (0x21): one message to up to 254 SME addresses or distribution lists.
    SubmitMulti<'a> {
        /// C(6).
        service_type: COctet<'a> = CStr(Field::ServiceType, 6),
        /// §6.1.
        source_addr_ton: u8 = Int(Field::SourceAddrTon),
        /// §6.1.
        source_addr_npi: u8 = Int(Field::SourceAddrNpi),
        /// C(21).
        source_addr: COctet<'a> = CStr(Field::SourceAddr, 21),
        /// number_of_dests, then each dest_address.
        dest_addresses: List<'a, DestAddress<'a>> = Counted(Field::NumberOfDests, 254),
        /// §6.2.
        esm_class: u8 = Int(Field::EsmClass),
        /// GSM TP-PID.
        protocol_id: u8 = Int(Field::ProtocolId),
        /// §6.5.
        priority_flag: u8 = Int(Field::PriorityFlag),
        /// C(1|17).
        schedule_delivery_time: COctet<'a> = Time(Field::ScheduleDeliveryTime),
        /// C(1|17).
        validity_period: COctet<'a> = Time(Field::ValidityPeriod),
        /// §6.3.
        registered_delivery: u8 = Int(Field::RegisteredDelivery),
        /// 0 or 1.
        replace_if_present_flag: u8 = Int(Field::ReplaceIfPresentFlag),
        /// §6.4.
        data_coding: u8 = Int(Field::DataCoding),
        /// 0 unless canned.
        sm_default_msg_id: u8 = Int(Field::SmDefaultMsgId),
        /// sm_length + short_message.
        short_message: Octets<'a> = ShortMessage,
        /// Optional parameters.
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// submit_multi_resp: the message_id and the destinations that failed.
    SubmitMultiResp<'a> {
        /// C(65).
        message_id: COctet<'a> = CStr(Field::MessageId, 65),
        /// no_unsuccess, then each unsuccess_sme.
        unsuccess_sme: List<'a, UnsuccessSme<'a>> = Counted(Field::NoUnsuccess, 255),
        /// 5.0 TLVs.
        tlvs: Tlvs<'a> = Stream,
    }
}

/// One submit_multi destination: dest_flag 1 (SME address) or 2 (distribution list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "dest_flag")]
pub enum DestAddress<'a> {
    /// dest_flag 1.
    #[serde(rename = "1")]
    Sme {
        /// §6.1.
        dest_addr_ton: u8,
        /// §6.1.
        dest_addr_npi: u8,
        /// C(21).
        destination_addr: COctet<'a>,
    },
    /// dest_flag 2.
    #[serde(rename = "2")]
    DistributionList {
        /// C(21).
        dl_name: COctet<'a>,
    },
}

impl<'a> Item<'a> for DestAddress<'a> {
    #[allow(private_interfaces)]
    fn parse_item(i: In<'a>) -> PResult<'a, Self> {
        let (rest, flag) = u8_field(Field::DestFlag)(i)?;
        match flag {
            1 => {
                let (rest, dest_addr_ton) = u8_field(Field::DestAddrTon)(rest)?;
                let (rest, dest_addr_npi) = u8_field(Field::DestAddrNpi)(rest)?;
                let (rest, destination_addr) = c_octet(Field::DestinationAddr, 21)(rest)?;
                Ok((
                    rest,
                    DestAddress::Sme {
                        dest_addr_ton,
                        dest_addr_npi,
                        destination_addr,
                    },
                ))
            }
            2 => {
                let (rest, dl_name) = c_octet(Field::DlName, 21)(rest)?;
                Ok((rest, DestAddress::DistributionList { dl_name }))
            }
            flag => fail(i, DecodeErrorKind::InvalidDestFlag { flag }),
        }
    }

    fn write_item(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            DestAddress::Sme {
                dest_addr_ton,
                dest_addr_npi,
                destination_addr,
            } => {
                buf.put_u8(1);
                buf.put_u8(*dest_addr_ton);
                buf.put_u8(*dest_addr_npi);
                put_c_octet(buf, Field::DestinationAddr, *destination_addr, 21)
            }
            DestAddress::DistributionList { dl_name } => {
                buf.put_u8(2);
                put_c_octet(buf, Field::DlName, *dl_name, 21)
            }
        }
    }

    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary_item(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        use crate::pdu::codec::arbitrary_c_octet;
        Ok(if u.arbitrary()? {
            DestAddress::Sme {
                dest_addr_ton: u.arbitrary()?,
                dest_addr_npi: u.arbitrary()?,
                destination_addr: arbitrary_c_octet(u, 21)?,
            }
        } else {
            DestAddress::DistributionList {
                dl_name: arbitrary_c_octet(u, 21)?,
            }
        })
    }
}

pdu_struct! {
    /// One failed destination in submit_multi_resp.
    UnsuccessSme<'a> {
        /// §6.1.
        dest_addr_ton: u8 = Int(Field::DestAddrTon),
        /// §6.1.
        dest_addr_npi: u8 = Int(Field::DestAddrNpi),
        /// C(21).
        destination_addr: COctet<'a> = CStr(Field::DestinationAddr, 21),
        /// The command_status for this destination.
        error_status_code: u32 = Int32(Field::ErrorStatusCode),
    }
}

impl<'a> Item<'a> for UnsuccessSme<'a> {
    #[allow(private_interfaces)]
    fn parse_item(i: In<'a>) -> PResult<'a, Self> {
        UnsuccessSme::parse(i, &crate::pdu::Limits::default())
    }

    fn write_item(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        self.write(buf, &crate::pdu::Limits::default())
    }

    #[cfg(any(test, feature = "arbitrary"))]
    fn arbitrary_item(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        UnsuccessSme::arbitrary(u, &crate::pdu::Limits::default())
    }
}
