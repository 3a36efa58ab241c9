//! Golden PDUs, laid out field by field from the SMPP 3.4/5.0 layouts: each decodes to the
//! expected fields and encodes back to exactly the same octets.

use smppd::pdu::{
    Body, COctet, CommandId, CommandStatus, DestAddress, MessageState, NetworkErrorCode, Pdu, Tlv,
};

const BIND_TRANSMITTER: &str = concat!(
    "00000022000000020000000000000001", // header: length 34, 0x00000002, status 0x0, seq 1
    "736d70706400",                     // system_id smppd
    "73656372657400",                   // password secret
    "00",                               // system_type ''
    "34",                               // interface_version 3.4
    "00",                               // addr_ton
    "00",                               // addr_npi
    "00",                               // address_range ''
);

const BIND_RECEIVER: &str = concat!(
    "00000022000000010000000000000002", // header: length 34, 0x00000001, status 0x0, seq 2
    "736d70706400",                     // system_id smppd
    "73656372657400",                   // password secret
    "00",                               // system_type ''
    "34",                               // interface_version 3.4
    "00",                               // addr_ton
    "00",                               // addr_npi
    "00",                               // address_range ''
);

const BIND_TRANSCEIVER: &str = concat!(
    "00000028000000090000000000000003", // header: length 40, 0x00000009, status 0x0, seq 3
    "736d70706400",                     // system_id
    "73656372657400",                   // password
    "564d4100",                         // system_type VMA
    "50",                               // interface_version 5.0
    "01",                               // addr_ton
    "01",                               // addr_npi
    "5e343400",                         // address_range ^44
);

const BIND_TRANSMITTER_RESP: &str = concat!(
    "0000001a800000020000000000000001", // header: length 26, 0x80000002, status 0x0, seq 1
    "534d534300",                       // system_id SMSC
    "0210000134",                       // sc_interface_version 0x34
);

// header: length 16, 0x80000001, status 0xe, seq 2
const BIND_RECEIVER_RESP_ERROR: &str = "00000010800000010000000e00000002";

const BIND_TRANSCEIVER_RESP_NUL: &str = concat!(
    "00000011800000090000000d00000003", // header: length 17, 0x80000009, status 0xd, seq 3
    "00",                               // system_id '' (error with a lone NUL)
);

const OUTBIND: &str = concat!(
    "000000180000000b0000000000000001", // header: length 24, 0x0000000b, status 0x0, seq 1
    "736d736300",                       // system_id
    "707700",                           // password
);

// header: length 16, 0x00000006, status 0x0, seq 4
const UNBIND: &str = "00000010000000060000000000000004";

// header: length 16, 0x80000006, status 0x0, seq 4
const UNBIND_RESP: &str = "00000010800000060000000000000004";

// header: length 16, 0x00000015, status 0x0, seq 5
const ENQUIRE_LINK: &str = "00000010000000150000000000000005";

// header: length 16, 0x80000015, status 0x0, seq 5
const ENQUIRE_LINK_RESP: &str = "00000010800000150000000000000005";

// header: length 16, 0x80000000, status 0x3, seq 9
const GENERIC_NACK: &str = "00000010800000000000000300000009";

const SUBMIT_SM: &str = concat!(
    "00000045000000040000000000000001", // header: length 69, 0x00000004, status 0x0, seq 1
    "00",                               // service_type ''
    "05",                               // source_addr_ton alphanumeric
    "00",                               // source_addr_npi
    "41434d4500",                       // source_addr ACME
    "01",                               // dest_addr_ton international
    "01",                               // dest_addr_npi E.164
    "333436303031313132323200",         // destination_addr
    "00",                               // esm_class
    "00",                               // protocol_id
    "00",                               // priority_flag
    "00",                               // schedule_delivery_time ''
    "3030303030313030303030303030305200", // validity_period +1 day relative
    "01",                               // registered_delivery
    "00",                               // replace_if_present_flag
    "00",                               // data_coding
    "00",                               // sm_default_msg_id
    "05",                               // sm_length
    "48656c6c6f",                       // short_message Hello
);

const SUBMIT_SM_UDH_TLVS: &str = concat!(
    "00000058000000040000000000000002", // header: length 88, 0x00000004, status 0x0, seq 2
    "00",                               // service_type
    "01",                               // source_addr_ton
    "01",                               // source_addr_npi
    "333439313100",                     // source_addr
    "01",                               // dest_addr_ton
    "01",                               // dest_addr_npi
    "333436303031313132323200",         // destination_addr
    "40",                               // esm_class UDHI
    "00",                               // protocol_id
    "01",                               // priority_flag
    "3235313232343135333030303033322b00", // schedule_delivery_time absolute
    "00",                               // validity_period
    "01",                               // registered_delivery
    "00",                               // replace_if_present_flag
    "08",                               // data_coding UCS-2
    "00",                               // sm_default_msg_id
    "0a",                               // sm_length
    "050003a7020100480069",             // UDH 05 00 03 ref A7 total 2 seq 1, then UCS-2 'Hi'
    "020400020007",                     // user_message_reference 7
    "14010003414243",                   // vendor TLV 0x1401 'ABC' (unknown, passed through)
);

const SUBMIT_SM_RESP: &str = concat!(
    "00000017800000040000000000000001", // header: length 23, 0x80000004, status 0x0, seq 1
    "35663361396300",                   // message_id 5f3a9c
);

// header: length 16, 0x80000004, status 0x58, seq 2
const SUBMIT_SM_RESP_THROTTLED: &str = "00000010800000040000005800000002";

const SUBMIT_SM_RESP_VENDOR: &str = concat!(
    "00000021800000040000040000000003", // header: length 33, 0x80000004, status 0x400, seq 3
    "3041303030303030413344333233413100", // message_id despite the error
);

const DELIVER_SM_MO: &str = concat!(
    "00000035000000050000000000000007", // header: length 53, 0x00000005, status 0x0, seq 7
    "00",                               // service_type
    "01",                               // source_addr_ton
    "01",                               // source_addr_npi
    "333436303031313132323200",         // source_addr
    "03",                               // dest_addr_ton network specific
    "00",                               // dest_addr_npi
    "313233343500",                     // destination_addr short code
    "00",                               // esm_class
    "00",                               // protocol_id
    "00",                               // priority_flag
    "00",                               // schedule_delivery_time
    "00",                               // validity_period
    "00",                               // registered_delivery
    "00",                               // replace_if_present_flag
    "00",                               // data_coding
    "00",                               // sm_default_msg_id
    "04",                               // sm_length
    "53544f50",                         // short_message STOP
);

const DELIVER_SM_DLR: &str = concat!(
    "000000ae000000050000000000000008", // header: length 174, 0x00000005, status 0x0, seq 8
    "00",                               // service_type
    "01",                               // source_addr_ton
    "01",                               // source_addr_npi
    "333436303031313132323200",         // source_addr (the original destination)
    "05",                               // dest_addr_ton
    "00",                               // dest_addr_npi
    "41434d4500",                       // destination_addr (the original sender)
    "04",                               // esm_class delivery receipt
    "00",                               // protocol_id
    "00",                               // priority_flag
    "00",                               // schedule_delivery_time
    "00",                               // validity_period
    "00",                               // registered_delivery
    "00",                               // replace_if_present_flag
    "00",                               // data_coding
    "00",                               // sm_default_msg_id
    "67",                               // sm_length
    "69643a356633613963207375623a30303120646c7672643a303031207375626d697420646174653a3235313132343130333020646f6e6520646174653a3235313132343130333120737461743a44454c49565244206572723a30303020746578743a48656c6c6f", // receipt text
    "001e000735663361396300", // receipted_message_id
    "0427000102",             // message_state DELIVERED
    "04230003030000",         // network_error_code GSM 0
);

const DELIVER_SM_RESP: &str = concat!(
    "00000011800000050000000000000008", // header: length 17, 0x80000005, status 0x0, seq 8
    "00",                               // message_id '' (unused)
);

const SUBMIT_MULTI: &str = concat!(
    "0000003d00000021000000000000000a", // header: length 61, 0x00000021, status 0x0, seq 10
    "00",                               // service_type
    "05",                               // source_addr_ton
    "00",                               // source_addr_npi
    "41434d4500",                       // source_addr
    "02",                               // number_of_dests
    "010101333436303031313132323200",   // dest_flag 1 SME: ton 1 npi 1 34600111222
    "02667269656e647300",               // dest_flag 2 distribution list 'friends'
    "00",                               // esm_class
    "00",                               // protocol_id
    "00",                               // priority_flag
    "00",                               // schedule_delivery_time
    "00",                               // validity_period
    "00",                               // registered_delivery
    "00",                               // replace_if_present_flag
    "00",                               // data_coding
    "00",                               // sm_default_msg_id
    "02",                               // sm_length
    "4869",                             // short_message Hi
);

const SUBMIT_MULTI_RESP: &str = concat!(
    "0000002680000021000000000000000a", // header: length 38, 0x80000021, status 0x0, seq 10
    "6d3100",                           // message_id
    "01",                               // no_unsuccess
    "01013334363030313131323232000000000b", // unsuccess_sme: ton 1 npi 1 34600111222 error ESME_RINVDSTADR
);

const DATA_SM: &str = concat!(
    "0000003500000103000000000000000b", // header: length 53, 0x00000103, status 0x0, seq 11
    "57415000",                         // service_type WAP
    "05",                               // source_addr_ton
    "00",                               // source_addr_npi
    "41434d4500",                       // source_addr
    "01",                               // dest_addr_ton
    "01",                               // dest_addr_npi
    "333436303031313132323200",         // destination_addr
    "00",                               // esm_class
    "01",                               // registered_delivery
    "00",                               // data_coding
    "0424000548656c6c6f",               // message_payload Hello
);

const DATA_SM_RESP: &str = concat!(
    "0000001880000103000000fe0000000b", // header: length 24, 0x80000103, status 0xfe, seq 11
    "643100",                           // message_id
    "0425000103",                       // delivery_failure_reason temporary network error
);

const QUERY_SM: &str = concat!(
    "0000001e00000003000000000000000c", // header: length 30, 0x00000003, status 0x0, seq 12
    "35663361396300",                   // message_id
    "05",                               // source_addr_ton
    "00",                               // source_addr_npi
    "41434d4500",                       // source_addr
);

const QUERY_SM_RESP: &str = concat!(
    "0000002a80000003000000000000000c", // header: length 42, 0x80000003, status 0x0, seq 12
    "35663361396300",                   // message_id
    "3235313132343130333130303030302b00", // final_date
    "02",                               // message_state DELIVERED
    "00",                               // error_code
);

const CANCEL_SM: &str = concat!(
    "0000002d00000008000000000000000d", // header: length 45, 0x00000008, status 0x0, seq 13
    "00",                               // service_type
    "35663361396300",                   // message_id
    "05",                               // source_addr_ton
    "00",                               // source_addr_npi
    "41434d4500",                       // source_addr
    "01",                               // dest_addr_ton
    "01",                               // dest_addr_npi
    "333436303031313132323200",         // destination_addr
);

// header: length 16, 0x80000008, status 0x0, seq 13
const CANCEL_SM_RESP: &str = "0000001080000008000000000000000d";

const REPLACE_SM: &str = concat!(
    "0000002600000007000000000000000e", // header: length 38, 0x00000007, status 0x0, seq 14
    "35663361396300",                   // message_id
    "05",                               // source_addr_ton
    "00",                               // source_addr_npi
    "41434d4500",                       // source_addr
    "00",                               // schedule_delivery_time
    "00",                               // validity_period
    "01",                               // registered_delivery
    "00",                               // sm_default_msg_id
    "03",                               // sm_length
    "4e6577",                           // short_message New
);

// header: length 16, 0x80000007, status 0x0, seq 14
const REPLACE_SM_RESP: &str = "0000001080000007000000000000000e";

const ALERT_NOTIFICATION: &str = concat!(
    "0000002b00000102000000000000000f", // header: length 43, 0x00000102, status 0x0, seq 15
    "01",                               // source_addr_ton
    "01",                               // source_addr_npi
    "333436303031313132323200",         // source_addr
    "00",                               // esme_addr_ton
    "00",                               // esme_addr_npi
    "736d70706400",                     // esme_addr
    "0422000100",                       // ms_availability_status available
);

const BROADCAST_SM: &str = concat!(
    "00000044000001110000000000000010", // header: length 68, 0x00000111, status 0x0, seq 16
    "00",                               // service_type
    "05",                               // source_addr_ton
    "00",                               // source_addr_npi
    "41434d4500",                       // source_addr
    "00",                               // message_id
    "00",                               // priority_flag
    "00",                               // schedule_delivery_time
    "00",                               // validity_period
    "00",                               // replace_if_present_flag
    "00",                               // data_coding
    "00",                               // sm_default_msg_id
    "0606000400414243",                 // broadcast_area_identifier alias ABC
    "06010003010000",                   // broadcast_content_type
    "060400020001",                     // broadcast_rep_num 1 (2 octets)
    "06050003090005",                   // broadcast_frequency_interval 5 min
    "04240005416c657274",               // message_payload Alert
);

const BROADCAST_SM_RESP: &str = concat!(
    "00000013800001110000000000000010", // header: length 19, 0x80000111, status 0x0, seq 16
    "623100",                           // message_id
);

const QUERY_BROADCAST_SM: &str = concat!(
    "00000020000001120000000000000011", // header: length 32, 0x00000112, status 0x0, seq 17
    "623100",                           // message_id
    "05",                               // source_addr_ton
    "00",                               // source_addr_npi
    "41434d4500",                       // source_addr
    "020400020001",                     // user_message_reference 1
);

const QUERY_BROADCAST_SM_RESP: &str = concat!(
    "00000025800001120000000000000011", // header: length 37, 0x80000112, status 0x0, seq 17
    "623100",                           // message_id
    "0427000101",                       // message_state ENROUTE
    "0606000400414243",                 // broadcast_area_identifier
    "0608000164",                       // broadcast_area_success 100%
);

const CANCEL_BROADCAST_SM: &str = concat!(
    "0000001b000001130000000000000012", // header: length 27, 0x00000113, status 0x0, seq 18
    "00",                               // service_type
    "623100",                           // message_id
    "05",                               // source_addr_ton
    "00",                               // source_addr_npi
    "41434d4500",                       // source_addr
);

// header: length 16, 0x80000113, status 0x0, seq 18
const CANCEL_BROADCAST_SM_RESP: &str = "00000010800001130000000000000012";

const UNKNOWN_COMMAND: &str = concat!(
    "00000012000002000000000000000013", // header: length 18, 0x00000200, status 0x0, seq 19
    "abcd",                             // vendor body
);

// header: length 16, 0x80000015, status 0x0, seq 4294967295
const SEQUENCE_ALL_BITS: &str = "000000108000001500000000ffffffff";

/// Decodes a golden PDU, checks that command_length is right and that it re-encodes unchanged.
fn golden(hex_text: &str) -> Vec<u8> {
    let bytes = hex::decode(hex_text).expect("golden hex");
    let declared = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
    assert_eq!(declared, bytes.len(), "golden command_length");
    let pdu = Pdu::decode(&bytes).unwrap_or_else(|e| panic!("golden PDU must decode: {e}"));
    assert_eq!(
        hex::encode(pdu.to_bytes().expect("re-encode")),
        hex::encode(&bytes),
        "re-encoding changed the octets"
    );
    bytes
}

fn s(v: COctet<'_>) -> String {
    v.to_str_lossy().into_owned()
}

#[test]
fn binds() {
    for (hex_text, id) in [
        (BIND_TRANSMITTER, CommandId::BindTransmitter),
        (BIND_RECEIVER, CommandId::BindReceiver),
    ] {
        let b = golden(hex_text);
        let p = Pdu::decode(&b).unwrap();
        assert_eq!(p.command_id(), id);
        let (Body::BindTransmitter(bind) | Body::BindReceiver(bind)) = p.body else {
            panic!("{:?}", p.body)
        };
        assert_eq!(s(bind.system_id), "smppd");
        assert_eq!(s(bind.password), "secret");
        assert_eq!(bind.interface_version, 0x34);
        assert!(bind.address_range.is_empty() && bind.tlvs.is_empty());
    }
    let b = golden(BIND_TRANSCEIVER);
    let Body::BindTransceiver(bind) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(s(bind.system_type), "VMA");
    assert_eq!(
        (bind.interface_version, bind.addr_ton, bind.addr_npi),
        (0x50, 1, 1)
    );
    assert_eq!(s(bind.address_range), "^44");
}

#[test]
fn bind_responses() {
    let b = golden(BIND_TRANSMITTER_RESP);
    let Body::BindTransmitterResp(Some(r)) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(s(r.system_id), "SMSC");
    assert_eq!(
        r.tlvs.iter().collect::<Vec<_>>(),
        [Tlv::ScInterfaceVersion(0x34)]
    );

    let b = golden(BIND_RECEIVER_RESP_ERROR);
    let p = Pdu::decode(&b).unwrap();
    assert_eq!(p.command_status, CommandStatus::InvalidPassword);
    assert_eq!(p.body, Body::BindReceiverResp(None));

    let b = golden(BIND_TRANSCEIVER_RESP_NUL);
    let p = Pdu::decode(&b).unwrap();
    assert_eq!(p.command_status, CommandStatus::BindFailed);
    let Body::BindTransceiverResp(Some(r)) = p.body else {
        panic!()
    };
    assert!(r.system_id.is_empty());
}

#[test]
fn outbind() {
    let b = golden(OUTBIND);
    let Body::Outbind(o) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(
        (s(o.system_id), s(o.password)),
        ("smsc".into(), "pw".into())
    );
}

#[test]
fn header_only_pdus() {
    for (hex_text, body, seq) in [
        (UNBIND, Body::Unbind, 4),
        (UNBIND_RESP, Body::UnbindResp, 4),
        (ENQUIRE_LINK, Body::EnquireLink, 5),
        (ENQUIRE_LINK_RESP, Body::EnquireLinkResp, 5),
        (GENERIC_NACK, Body::GenericNack, 9),
        (CANCEL_SM_RESP, Body::CancelSmResp, 13),
        (REPLACE_SM_RESP, Body::ReplaceSmResp, 14),
        (CANCEL_BROADCAST_SM_RESP, Body::CancelBroadcastSmResp, 18),
    ] {
        let b = golden(hex_text);
        let p = Pdu::decode(&b).unwrap();
        assert_eq!((p.body, p.sequence_number), (body, seq));
    }
    let nack = hex::decode(GENERIC_NACK).unwrap();
    let p = Pdu::decode(&nack).unwrap();
    assert_eq!(p.command_status, CommandStatus::InvalidCommandId);
}

#[test]
fn submit_sm() {
    let b = golden(SUBMIT_SM);
    let Body::SubmitSm(sm) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!((sm.source_addr_ton, sm.source_addr_npi), (5, 0));
    assert_eq!(s(sm.source_addr), "ACME");
    assert_eq!((sm.dest_addr_ton, sm.dest_addr_npi), (1, 1));
    assert_eq!(s(sm.destination_addr), "34600111222");
    assert_eq!(s(sm.validity_period), "000001000000000R");
    assert!(sm.schedule_delivery_time.is_empty());
    assert_eq!(sm.registered_delivery, 1);
    assert_eq!(sm.short_message.as_bytes(), b"Hello");
    assert!(sm.tlvs.is_empty());
}

#[test]
fn submit_sm_with_udh_and_tlvs() {
    let b = golden(SUBMIT_SM_UDH_TLVS);
    let Body::SubmitSm(sm) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(
        (sm.esm_class, sm.data_coding, sm.priority_flag),
        (0x40, 8, 1)
    );
    assert_eq!(s(sm.schedule_delivery_time), "251224153000032+");
    assert_eq!(
        sm.short_message.as_bytes(),
        [0x05, 0x00, 0x03, 0xA7, 0x02, 0x01, 0x00, 0x48, 0x00, 0x69]
    );
    let tlvs: Vec<Tlv<'_>> = sm.tlvs.iter().collect();
    assert_eq!(tlvs[0], Tlv::UserMessageReference(7));
    let Tlv::Other { tag, value } = tlvs[1] else {
        panic!("{:?}", tlvs[1])
    };
    assert_eq!((tag, value.as_bytes()), (0x1401, &b"ABC"[..]));
    assert_eq!(tlvs.len(), 2);
}

#[test]
fn submit_sm_responses() {
    let b = golden(SUBMIT_SM_RESP);
    let Body::SubmitSmResp(Some(r)) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(s(r.message_id), "5f3a9c");

    let b = golden(SUBMIT_SM_RESP_THROTTLED);
    let p = Pdu::decode(&b).unwrap();
    assert_eq!(p.command_status, CommandStatus::Throttled);
    assert_eq!(p.body, Body::SubmitSmResp(None));

    let b = golden(SUBMIT_SM_RESP_VENDOR);
    let p = Pdu::decode(&b).unwrap();
    assert_eq!(p.command_status, CommandStatus::Other(0x400));
    let Body::SubmitSmResp(Some(r)) = p.body else {
        panic!()
    };
    assert_eq!(s(r.message_id), "0A000000A3D323A1");
}

#[test]
fn deliver_sm_mo_and_receipt() {
    let b = golden(DELIVER_SM_MO);
    let Body::DeliverSm(mo) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(s(mo.source_addr), "34600111222");
    assert_eq!(
        (mo.dest_addr_ton, s(mo.destination_addr)),
        (3, "12345".into())
    );
    assert_eq!(mo.short_message.as_bytes(), b"STOP");

    let b = golden(DELIVER_SM_DLR);
    let Body::DeliverSm(dlr) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(dlr.esm_class & 0x3C, 0x04);
    assert!(
        dlr.short_message
            .as_bytes()
            .starts_with(b"id:5f3a9c sub:001")
    );
    assert_eq!(
        dlr.tlvs.receipted_message_id().map(s).as_deref(),
        Some("5f3a9c")
    );
    assert_eq!(dlr.tlvs.message_state(), Some(MessageState::Delivered));
    assert_eq!(
        dlr.tlvs.network_error_code(),
        Some(NetworkErrorCode {
            network_type: 3,
            error_code: 0
        })
    );

    let b = golden(DELIVER_SM_RESP);
    let Body::DeliverSmResp(Some(r)) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert!(r.message_id.is_empty());
}

#[test]
fn submit_multi_and_response() {
    let b = golden(SUBMIT_MULTI);
    let Body::SubmitMulti(m) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    let dests: Vec<_> = m.dest_addresses.iter().collect();
    assert_eq!(
        dests,
        [
            DestAddress::Sme {
                dest_addr_ton: 1,
                dest_addr_npi: 1,
                destination_addr: COctet::from_str("34600111222")
            },
            DestAddress::DistributionList {
                dl_name: COctet::from_str("friends")
            }
        ]
    );
    assert_eq!(m.short_message.as_bytes(), b"Hi");

    let b = golden(SUBMIT_MULTI_RESP);
    let Body::SubmitMultiResp(Some(r)) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    let failed: Vec<_> = r.unsuccess_sme.iter().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(s(failed[0].destination_addr), "34600111222");
    assert_eq!(
        CommandStatus::from(failed[0].error_status_code),
        CommandStatus::InvalidDestinationAddress
    );
}

#[test]
fn data_sm_and_response() {
    let b = golden(DATA_SM);
    let Body::DataSm(d) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(s(d.service_type), "WAP");
    assert_eq!(
        d.tlvs.message_payload().map(|p| p.as_bytes()),
        Some(&b"Hello"[..])
    );

    let b = golden(DATA_SM_RESP);
    let p = Pdu::decode(&b).unwrap();
    assert_eq!(p.command_status, CommandStatus::DeliveryFailure);
    let Body::DataSmResp(Some(r)) = p.body else {
        panic!()
    };
    assert_eq!(s(r.message_id), "d1");
    assert_eq!(
        r.tlvs.iter().collect::<Vec<_>>(),
        [Tlv::DeliveryFailureReason(3)]
    );
}

#[test]
fn query_cancel_replace() {
    let b = golden(QUERY_SM);
    let Body::QuerySm(q) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(
        (s(q.message_id), s(q.source_addr)),
        ("5f3a9c".into(), "ACME".into())
    );

    let b = golden(QUERY_SM_RESP);
    let Body::QuerySmResp(Some(r)) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(s(r.final_date), "251124103100000+");
    assert_eq!(MessageState::from(r.message_state), MessageState::Delivered);

    let b = golden(CANCEL_SM);
    let Body::CancelSm(c) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(s(c.destination_addr), "34600111222");

    let b = golden(REPLACE_SM);
    let Body::ReplaceSm(r) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(r.short_message.as_bytes(), b"New");
}

#[test]
fn alert_notification() {
    let b = golden(ALERT_NOTIFICATION);
    let Body::AlertNotification(a) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(s(a.esme_addr), "smppd");
    assert_eq!(
        a.tlvs.iter().collect::<Vec<_>>(),
        [Tlv::MsAvailabilityStatus(0)]
    );
}

#[test]
fn broadcast_family() {
    let b = golden(BROADCAST_SM);
    let Body::BroadcastSm(bc) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    let tlvs: Vec<_> = bc.tlvs.iter().collect();
    assert_eq!(tlvs.len(), 5);
    assert!(matches!(tlvs[2], Tlv::BroadcastRepNum(r) if r.value == 1 && r.width == 2));
    assert!(matches!(tlvs[3], Tlv::BroadcastFrequencyInterval(f) if f.unit == 9 && f.count == 5));

    for hex_text in [BROADCAST_SM_RESP, QUERY_BROADCAST_SM, CANCEL_BROADCAST_SM] {
        golden(hex_text);
    }
    let b = golden(QUERY_BROADCAST_SM_RESP);
    let Body::QueryBroadcastSmResp(Some(r)) = Pdu::decode(&b).unwrap().body else {
        panic!()
    };
    assert_eq!(r.tlvs.message_state(), Some(MessageState::Enroute));
}

#[test]
fn open_codes_pass_through() {
    let b = golden(UNKNOWN_COMMAND);
    let p = Pdu::decode(&b).unwrap();
    assert_eq!(p.command_id(), CommandId::Other(0x200));
    let Body::Other { command_id, body } = p.body else {
        panic!()
    };
    assert_eq!((command_id, body.as_bytes()), (0x200, &[0xAB, 0xCD][..]));

    // Sequence numbers are echoed whatever they are, even all 32 bits.
    let b = golden(SEQUENCE_ALL_BITS);
    assert_eq!(Pdu::decode(&b).unwrap().sequence_number, u32::MAX);
}

#[test]
fn json_uses_specification_names() {
    let b = hex::decode(DELIVER_SM_DLR).unwrap();
    let v = Pdu::decode(&b).unwrap().to_json();
    assert_eq!(v["command_id"], "deliver_sm");
    assert_eq!(v["command_status"]["name"], "ESME_ROK");
    assert_eq!(v["command_status"]["code"], 0);
    assert_eq!(v["sequence_number"], 8);
    assert_eq!(v["source_addr_ton"], 1);
    assert_eq!(v["destination_addr"], "ACME");
    assert_eq!(v["esm_class"], 4);
    assert!(v["short_message"].as_str().unwrap().starts_with("69643a")); // "id:"
    assert_eq!(v["tlvs"][0]["tag"], "0x001E");
    assert_eq!(v["tlvs"][0]["name"], "receipted_message_id");
    assert_eq!(v["tlvs"][0]["value"], "5f3a9c");
    assert_eq!(v["tlvs"][1]["value"], "DELIVERED");
    let keys: Vec<_> = v.as_object().unwrap().keys().take(4).cloned().collect();
    assert_eq!(
        keys,
        [
            "command_id",
            "command_status",
            "sequence_number",
            "service_type"
        ]
    );
}
