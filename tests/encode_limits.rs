//! Encoding checks every limit before writing, with an error that names the field, and leaves
//! the buffer untouched when it refuses.

use bytes::BytesMut;
use smppd::pdu::{
    Bind, Body, COctet, DestAddress, EncodeError, Limits, List, Octets, Pdu, SubmitMulti, SubmitSm,
    Tlv,
};

fn bind<'a>(system_id: &'a str, password: &'a str) -> Pdu<'a> {
    Pdu::new(
        1,
        Body::BindTransceiver(Bind {
            system_id: COctet::from_str(system_id),
            password: COctet::from_str(password),
            system_type: COctet::EMPTY,
            interface_version: 0x34,
            addr_ton: 0,
            addr_npi: 0,
            address_range: COctet::EMPTY,
            tlvs: List::default(),
        }),
    )
}

fn submit(dest: &str) -> SubmitSm<'_> {
    SubmitSm {
        source_addr_ton: 5,
        source_addr: COctet::from_str("ACME"),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: COctet::from_str(dest),
        registered_delivery: 1,
        short_message: Octets::new(b"hi"),
        ..Default::default()
    }
}

fn refused(pdu: &Pdu<'_>) -> EncodeError {
    let mut buf = BytesMut::from(&b"kept"[..]);
    let err = pdu.encode(&mut buf).expect_err("must be refused");
    assert_eq!(
        &buf[..],
        b"kept",
        "a refused PDU leaves the buffer as it was"
    );
    err
}

#[test]
fn c_octet_limits() {
    let err = refused(&bind("sixteen-chars-id", "pw"));
    assert_eq!(
        err,
        EncodeError::TooLong {
            field: "system_id",
            len: 16,
            max: 16
        }
    );
    assert_eq!(
        err.to_string(),
        "system_id is 16 octets; at most 16 fit (terminator included)"
    );
    let err = refused(&bind("smppd", "ninechars"));
    assert!(matches!(
        err,
        EncodeError::TooLong {
            field: "password",
            len: 9,
            max: 9
        }
    ));
}

#[test]
fn password_limit_is_a_carrier_setting() {
    let pdu = bind("smppd", "a-much-longer-secret");
    let mut buf = BytesMut::new();
    pdu.encode_with(&mut buf, &Limits { password_max: 32 })
        .unwrap();
    let back = Pdu::decode_with(&buf, &Limits { password_max: 32 }).unwrap();
    assert_eq!(back, pdu);
}

#[test]
fn interior_nul_and_time_format() {
    let err = refused(&Pdu::new(2, Body::SubmitSm(submit("346\0"))));
    assert_eq!(
        err,
        EncodeError::InteriorNul {
            field: "destination_addr",
            position: 3
        }
    );
    let mut sm = submit("34600111222");
    sm.validity_period = COctet::from_str("12345");
    assert_eq!(
        refused(&Pdu::new(2, Body::SubmitSm(sm))),
        EncodeError::BadTime {
            field: "validity_period"
        }
    );
}

#[test]
fn short_message_and_lists() {
    let long = [b'x'; 255];
    let mut sm = submit("34600111222");
    sm.short_message = Octets::new(&long);
    assert_eq!(
        refused(&Pdu::new(3, Body::SubmitSm(sm))),
        EncodeError::ShortMessageTooLong { len: 255 }
    );

    let dests = vec![
        DestAddress::DistributionList {
            dl_name: COctet::from_str("x")
        };
        255
    ];
    let sm = submit("");
    let multi = SubmitMulti {
        service_type: sm.service_type,
        source_addr_ton: 5,
        source_addr_npi: 0,
        source_addr: sm.source_addr,
        dest_addresses: List::from(dests),
        esm_class: 0,
        protocol_id: 0,
        priority_flag: 0,
        schedule_delivery_time: COctet::EMPTY,
        validity_period: COctet::EMPTY,
        registered_delivery: 0,
        replace_if_present_flag: 0,
        data_coding: 0,
        sm_default_msg_id: 0,
        short_message: Octets::new(b"hi"),
        tlvs: List::default(),
    };
    assert!(matches!(
        refused(&Pdu::new(4, Body::SubmitMulti(multi))),
        EncodeError::TooManyItems {
            field: "number_of_dests",
            count: 255,
            max: 254
        }
    ));
}

#[test]
fn tlv_limits() {
    let id = "x".repeat(65);
    let mut sm = submit("34600111222");
    sm.tlvs = List::from(vec![Tlv::ReceiptedMessageId(COctet::from_str(&id))]);
    assert_eq!(
        refused(&Pdu::new(5, Body::DeliverSm(sm))),
        EncodeError::TlvTooLong {
            tag: 0x001E,
            len: 66,
            max: 65
        }
    );
}

#[test]
fn other_is_only_for_unknown_commands() {
    let pdu = Pdu::new(
        6,
        Body::Other {
            command_id: 0x04,
            body: Octets::new(b""),
        },
    );
    assert!(matches!(refused(&pdu), EncodeError::Shape(_)));
}

#[test]
fn command_length_is_written_once_for_the_whole_pdu() {
    let pdu = Pdu::new(7, Body::SubmitSm(submit("34600111222")));
    let mut buf = BytesMut::from(&b"prefix"[..]);
    pdu.encode(&mut buf).unwrap();
    let frame = &buf[6..];
    assert_eq!(
        u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize,
        frame.len()
    );
    assert_eq!(Pdu::decode(frame).unwrap(), pdu);
}
