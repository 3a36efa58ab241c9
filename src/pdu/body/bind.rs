//! bind_transmitter / bind_receiver / bind_transceiver, their responses, and outbind.

use crate::pdu::codec::{CStr, Int, Password, Stream};
use crate::pdu::field::{COctet, Field};
use crate::pdu::tlv::Tlvs;

pdu_struct! {
    /// bind_transmitter (0x02), bind_receiver (0x01) and bind_transceiver (0x09).
    ///
    /// ```text
    /// 00000025 00000002 00000000 00000001  header: length 37, bind_transmitter, seq 1
    /// 736d707064 00 736563726574 00 00 34 00 00 00
    ///   system_id "smppd", password "secret", system_type "", 3.4, ton 0, npi 0, address_range ""
    /// ```
    Bind<'a> {
        /// Identifies the ESME to the SMSC. C(16).
        system_id: COctet<'a> = CStr(Field::SystemId, 16),
        /// C(9) by the specification; some carriers need longer ones ([`crate::pdu::Limits`]).
        password: COctet<'a> = Password,
        /// C(13).
        system_type: COctet<'a> = CStr(Field::SystemType, 13),
        /// 0x34 for SMPP 3.4, 0x50 for 5.0.
        interface_version: u8 = Int(Field::InterfaceVersion),
        /// TON of address_range.
        addr_ton: u8 = Int(Field::AddrTon),
        /// NPI of address_range.
        addr_npi: u8 = Int(Field::AddrNpi),
        /// Routing pattern for receivers, usually empty. C(41).
        address_range: COctet<'a> = CStr(Field::AddressRange, 41),
        /// Optional parameters.
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// bind_*_resp: the SMSC's system_id, then sc_interface_version.
    BindResp<'a> {
        /// The SMSC's identifier. C(16).
        system_id: COctet<'a> = CStr(Field::SystemId, 16),
        /// Usually sc_interface_version.
        tlvs: Tlvs<'a> = Stream,
    }
}

pdu_struct! {
    /// outbind (0x0B): the SMSC asks the ESME to bind on this connection. Never answered.
    Outbind<'a> {
        /// C(16).
        system_id: COctet<'a> = CStr(Field::SystemId, 16),
        /// C(9) by the specification, or the configured limit.
        password: COctet<'a> = Password,
        /// Optional parameters.
        tlvs: Tlvs<'a> = Stream,
    }
}
