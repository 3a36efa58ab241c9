//! Managing submitted messages (query_sm, cancel_sm, replace_sm) and alert_notification.

use crate::pdu::codec::{CStr, Int, Lenient, ShortMessage, Stream, Time};
use crate::pdu::field::{COctet, Field, Octets};
use crate::pdu::tlv::Tlvs;

pdu_struct! {
    /// query_sm (0x03): ask the state of a submitted message.
    QuerySm<'a> {
        /// C(65).
        message_id: COctet<'a> = CStr(Field::MessageId, 65),
        /// §6.1.
        source_addr_ton: u8 = Int(Field::SourceAddrTon),
        /// §6.1.
        source_addr_npi: u8 = Int(Field::SourceAddrNpi),
        /// C(21).
        source_addr: COctet<'a> = CStr(Field::SourceAddr, 21),
        /// Optional parameters.
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// query_sm_resp.
    QuerySmResp<'a> {
        /// C(65).
        message_id: COctet<'a> = CStr(Field::MessageId, 65),
        /// C(1|17): when the message reached its final state.
        final_date: COctet<'a> = Time(Field::FinalDate),
        /// §6.6.
        message_state: u8 = Int(Field::MessageState),
        /// Network-specific error.
        error_code: u8 = Int(Field::ErrorCode),
        /// Optional parameters.
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// cancel_sm (0x08). An empty message_id cancels everything matching the addresses.
    CancelSm<'a> {
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
        /// §6.1.
        dest_addr_ton: u8 = Int(Field::DestAddrTon),
        /// §6.1.
        dest_addr_npi: u8 = Int(Field::DestAddrNpi),
        /// C(21) when sent; up to 65 accepted (⚠ Kannel).
        destination_addr: COctet<'a> = Lenient(Field::DestinationAddr, 21, 65),
        /// Optional parameters.
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// replace_sm (0x07). There is no service_type field (⚠ Kannel disagrees).
    ReplaceSm<'a> {
        /// C(65).
        message_id: COctet<'a> = CStr(Field::MessageId, 65),
        /// §6.1.
        source_addr_ton: u8 = Int(Field::SourceAddrTon),
        /// §6.1.
        source_addr_npi: u8 = Int(Field::SourceAddrNpi),
        /// C(21).
        source_addr: COctet<'a> = CStr(Field::SourceAddr, 21),
        /// C(1|17).
        schedule_delivery_time: COctet<'a> = Time(Field::ScheduleDeliveryTime),
        /// C(1|17).
        validity_period: COctet<'a> = Time(Field::ValidityPeriod),
        /// §6.3.
        registered_delivery: u8 = Int(Field::RegisteredDelivery),
        /// 0 unless canned.
        sm_default_msg_id: u8 = Int(Field::SmDefaultMsgId),
        /// sm_length + short_message.
        short_message: Octets<'a> = ShortMessage,
        /// 5.0 allows message_payload.
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// alert_notification (0x102): a subscriber became reachable. Never answered.
    AlertNotification<'a> {
        /// §6.1.
        source_addr_ton: u8 = Int(Field::SourceAddrTon),
        /// §6.1.
        source_addr_npi: u8 = Int(Field::SourceAddrNpi),
        /// C(65) (⚠ some use 21).
        source_addr: COctet<'a> = CStr(Field::SourceAddr, 65),
        /// §6.1.
        esme_addr_ton: u8 = Int(Field::EsmeAddrTon),
        /// §6.1.
        esme_addr_npi: u8 = Int(Field::EsmeAddrNpi),
        /// C(65).
        esme_addr: COctet<'a> = CStr(Field::EsmeAddr, 65),
        /// ms_availability_status.
        tlvs: Tlvs<'a> = Stream,
    }
}
