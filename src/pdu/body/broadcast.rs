//! The SMPP 5.0 cell-broadcast family: broadcast_sm, query_broadcast_sm, cancel_broadcast_sm.

use crate::pdu::codec::{CStr, Int, Stream, Time};
use crate::pdu::field::{COctet, Field};
use crate::pdu::tlv::Tlvs;

pdu_struct! {
    /// broadcast_sm (0x111). Content and areas travel in TLVs (message_payload,
    /// broadcast_area_identifier, broadcast_content_type, broadcast_rep_num,
    /// broadcast_frequency_interval).
    BroadcastSm<'a> {
        /// C(6).
        service_type: COctet<'a> = CStr(Field::ServiceType, 6),
        /// §6.1.
        source_addr_ton: u8 = Int(Field::SourceAddrTon),
        /// §6.1.
        source_addr_npi: u8 = Int(Field::SourceAddrNpi),
        /// C(21).
        source_addr: COctet<'a> = CStr(Field::SourceAddr, 21),
        /// C(65): a message to replace, or empty.
        message_id: COctet<'a> = CStr(Field::MessageId, 65),
        /// §6.5.
        priority_flag: u8 = Int(Field::PriorityFlag),
        /// C(1|17).
        schedule_delivery_time: COctet<'a> = Time(Field::ScheduleDeliveryTime),
        /// C(1|17).
        validity_period: COctet<'a> = Time(Field::ValidityPeriod),
        /// 0 or 1.
        replace_if_present_flag: u8 = Int(Field::ReplaceIfPresentFlag),
        /// §6.4.
        data_coding: u8 = Int(Field::DataCoding),
        /// 0 unless canned.
        sm_default_msg_id: u8 = Int(Field::SmDefaultMsgId),
        /// The broadcast TLVs.
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// query_broadcast_sm (0x112).
    QueryBroadcastSm<'a> {
        /// C(65).
        message_id: COctet<'a> = CStr(Field::MessageId, 65),
        /// §6.1.
        source_addr_ton: u8 = Int(Field::SourceAddrTon),
        /// §6.1.
        source_addr_npi: u8 = Int(Field::SourceAddrNpi),
        /// C(21).
        source_addr: COctet<'a> = CStr(Field::SourceAddr, 21),
        /// user_message_reference.
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// cancel_broadcast_sm (0x113).
    CancelBroadcastSm<'a> {
        /// C(6).
        service_type: COctet<'a> = CStr(Field::ServiceType, 6),
        /// C(65).
        message_id: COctet<'a> = CStr(Field::MessageId, 65),
        /// §6.1.
        source_addr_ton: u8 = Int(Field::SourceAddrTon),
        /// §6.1.
        source_addr_npi: u8 = Int(Field::SourceAddrNpi),
        /// C(21).
        source_addr: COctet<'a> = CStr(Field::SourceAddr, 21),
        /// broadcast_content_type, user_message_reference.
        tlvs: Tlvs<'a> = Stream,
    }
}
