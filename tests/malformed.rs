//! Malformed input: each case gets its own specific error, the offset where it went wrong, and
//! the answer the session would send. Nothing panics, whatever the octets.

use proptest::prelude::*;
use smppd::pdu::{Body, CommandId, CommandStatus, DecodeErrorKind, Field, Limits, Pdu};

/// Builds a PDU from header fields and a body, with a correct command_length.
fn frame(command_id: u32, status: u32, body: &str) -> Vec<u8> {
    let body = hex::decode(body.replace(' ', "")).unwrap();
    let mut out = Vec::new();
    out.extend_from_slice(&((16 + body.len()) as u32).to_be_bytes());
    out.extend_from_slice(&command_id.to_be_bytes());
    out.extend_from_slice(&status.to_be_bytes());
    out.extend_from_slice(&42u32.to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// submit_sm up to (not including) sm_length: service_type "", 5/0 "ACME", 1/1 "346", esm 0,
/// pid 0, prio 0, "", "", reg 1, replace 0, dcs 0, default 0.
const SM_HEAD: &str = "00 05 00 41434d4500 01 01 33343600 00 00 00 00 00 01 00 00 00";
const SM_HEAD_LEN: usize = 23;

struct Case {
    name: &'static str,
    pdu: Vec<u8>,
    kind: DecodeErrorKind,
    offset: usize,
    /// The answer: `(command_id, status)`, or `None` when nothing is sent back.
    reply: Option<(CommandId, CommandStatus)>,
}

fn cases() -> Vec<Case> {
    use CommandId as C;
    use CommandStatus as S;
    let mut trailing_enquire = frame(0x15, 0, "deadbeef");
    trailing_enquire.truncate(20);
    let mut long_length = frame(0x15, 0, "");
    long_length[3] = 20;
    vec![
        Case {
            name: "body ends inside a one-octet field",
            pdu: frame(4, 0, "00 05"),
            kind: DecodeErrorKind::Truncated {
                field: Field::SourceAddrNpi,
            },
            offset: 18,
            reply: Some((C::GenericNack, S::InvalidCommandLength)),
        },
        Case {
            name: "service_type without terminator within 6 octets",
            pdu: frame(4, 0, "414243444546 05 00"),
            kind: DecodeErrorKind::CStringTooLong {
                field: Field::ServiceType,
                max: 6,
            },
            offset: 16,
            reply: Some((C::SubmitSmResp, S::InvalidServiceType)),
        },
        Case {
            name: "source_addr longer than 21 octets",
            pdu: frame(4, 0, &format!("00 05 00 {} 00", "41".repeat(25))),
            kind: DecodeErrorKind::CStringTooLong {
                field: Field::SourceAddr,
                max: 21,
            },
            offset: 19,
            reply: Some((C::SubmitSmResp, S::InvalidSourceAddress)),
        },
        Case {
            name: "destination_addr runs off the end",
            pdu: frame(4, 0, "00 05 00 41434d4500 01 01 3334"),
            kind: DecodeErrorKind::Truncated {
                field: Field::DestinationAddr,
            },
            offset: 26,
            reply: Some((C::GenericNack, S::InvalidCommandLength)),
        },
        Case {
            name: "sm_length beyond the body",
            pdu: frame(4, 0, &format!("{SM_HEAD} 0a 48656c6c6f")),
            kind: DecodeErrorKind::ShortMessageOverrun {
                declared: 10,
                available: 5,
            },
            offset: 16 + SM_HEAD_LEN,
            reply: Some((C::SubmitSmResp, S::InvalidMessageLength)),
        },
        Case {
            name: "validity_period without terminator within 17 octets",
            pdu: frame(
                4,
                0,
                &format!(
                    "00 05 00 41434d4500 01 01 33343600 00 00 00 00 {}",
                    "31".repeat(18)
                ),
            ),
            kind: DecodeErrorKind::CStringTooLong {
                field: Field::ValidityPeriod,
                max: 17,
            },
            offset: 16 + 18,
            reply: Some((C::SubmitSmResp, S::InvalidValidityPeriod)),
        },
        Case {
            name: "TLV header cut short",
            pdu: frame(4, 0, &format!("{SM_HEAD} 00 0204")),
            kind: DecodeErrorKind::TlvTruncated { tag: 0x0204 },
            offset: 16 + SM_HEAD_LEN + 1,
            reply: Some((C::SubmitSmResp, S::InvalidTlvStream)),
        },
        Case {
            name: "TLV value cut short",
            pdu: frame(4, 0, &format!("{SM_HEAD} 00 0424 0005 4865")),
            kind: DecodeErrorKind::TlvTruncated { tag: 0x0424 },
            offset: 16 + SM_HEAD_LEN + 1,
            reply: Some((C::SubmitSmResp, S::InvalidTlvStream)),
        },
        Case {
            name: "message_state TLV with two octets",
            pdu: frame(5, 0, &format!("{SM_HEAD} 00 0427 0002 0002")),
            kind: DecodeErrorKind::TlvLength {
                tag: 0x0427,
                len: 2,
            },
            offset: 16 + SM_HEAD_LEN + 1,
            reply: Some((C::DeliverSmResp, S::InvalidTlvLength)),
        },
        Case {
            name: "receipted_message_id with data after its terminator",
            pdu: frame(5, 0, &format!("{SM_HEAD} 00 001e 0004 61620063")),
            kind: DecodeErrorKind::TlvValue { tag: 0x001E },
            offset: 16 + SM_HEAD_LEN + 1,
            reply: Some((C::DeliverSmResp, S::InvalidTlvValue)),
        },
        Case {
            name: "enquire_link with a body",
            pdu: trailing_enquire,
            kind: DecodeErrorKind::TrailingBytes { count: 4 },
            offset: 16,
            reply: Some((C::GenericNack, S::InvalidCommandLength)),
        },
        Case {
            name: "command_length disagrees with the frame",
            pdu: long_length,
            kind: DecodeErrorKind::CommandLength {
                declared: 20,
                actual: 16,
            },
            offset: 0,
            reply: Some((C::GenericNack, S::InvalidCommandLength)),
        },
        Case {
            name: "submit_multi dest_flag 3",
            pdu: frame(0x21, 0, "00 05 00 4100 01 03 0101333400"),
            kind: DecodeErrorKind::InvalidDestFlag { flag: 3 },
            offset: 16 + 6,
            reply: Some((C::SubmitMultiResp, S::InvalidDestinationFlag)),
        },
        Case {
            name: "bind password over 9 octets",
            pdu: frame(
                2,
                0,
                "736d70706400 6c6f6e6770617373776f726400 00 34 00 00 00",
            ),
            kind: DecodeErrorKind::CStringTooLong {
                field: Field::Password,
                max: 9,
            },
            offset: 22,
            reply: Some((C::BindTransmitterResp, S::InvalidPassword)),
        },
        Case {
            name: "successful submit_sm_resp with a truncated message_id",
            pdu: frame(0x8000_0004, 0, "3132"),
            kind: DecodeErrorKind::Truncated {
                field: Field::MessageId,
            },
            offset: 16,
            reply: None,
        },
        Case {
            name: "outbind is never answered",
            pdu: frame(0x0B, 0, "736d7363"),
            kind: DecodeErrorKind::Truncated {
                field: Field::SystemId,
            },
            offset: 16,
            reply: None,
        },
    ]
}

#[test]
fn each_malformed_pdu_gets_its_own_error_and_answer() {
    for case in cases() {
        let err = Pdu::decode(&case.pdu).expect_err(case.name);
        assert_eq!(err.kind, case.kind, "{}", case.name);
        assert_eq!(err.offset, case.offset, "{}: offset", case.name);
        assert_eq!(err.sequence_number, 42, "{}: sequence kept", case.name);
        let reply = err.reply().map(|p| {
            assert_eq!(
                p.sequence_number, 42,
                "{}: reply echoes the sequence",
                case.name
            );
            (p.command_id(), p.command_status)
        });
        assert_eq!(reply, case.reply, "{}: reply", case.name);
    }
}

#[test]
fn too_short_for_a_header() {
    let err = Pdu::decode(&[0, 0, 0, 16, 0, 0, 0, 21]).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::ShortHeader { len: 8 });
}

#[test]
fn a_carrier_password_limit_is_honoured() {
    let pdu = frame(
        2,
        0,
        "736d70706400 6c6f6e6770617373776f726400 00 34 00 00 00",
    );
    let lim = Limits { password_max: 16 };
    let Body::BindTransmitter(b) = Pdu::decode_with(&pdu, &lim).unwrap().body else {
        panic!()
    };
    assert_eq!(b.password.as_bytes(), b"longpassword");
}

#[test]
fn error_responses_are_tolerated_whatever_their_body() {
    // ESME_RSUBMITFAIL with a body that is not a message_id: accepted, fields absent.
    let f = frame(0x8000_0004, 0x45, "3132");
    let p = Pdu::decode(&f).unwrap();
    assert_eq!(p.command_status, CommandStatus::SubmitFailed);
    assert_eq!(p.body, Body::SubmitSmResp(None));
    // An error unbind_resp carrying stray octets.
    let f = frame(0x8000_0006, 0x08, "00");
    assert_eq!(Pdu::decode(&f).unwrap().body, Body::UnbindResp);
    // A successful response without any body.
    let f = frame(0x8000_0004, 0, "");
    assert_eq!(Pdu::decode(&f).unwrap().body, Body::SubmitSmResp(None));
}

#[test]
fn source_telematics_id_in_either_width() {
    for value in ["01", "0001"] {
        let pdu = frame(
            4,
            0,
            &format!("{SM_HEAD} 00 0010 {:04x} {value}", value.len() / 2),
        );
        let p = Pdu::decode(&pdu).unwrap();
        assert_eq!(hex::encode(p.to_bytes().unwrap()), hex::encode(&pdu));
    }
}

#[test]
fn every_truncation_of_a_receipt_fails_cleanly() {
    let dlr = frame(
        5,
        0,
        &format!("{SM_HEAD} 03 616263 001e 0004 61626300 0427 0001 02 0423 0003 030000"),
    );
    Pdu::decode(&dlr).expect("the whole receipt decodes");
    assert_eq!(
        hex::decode(SM_HEAD.replace(' ', "")).unwrap().len(),
        SM_HEAD_LEN
    );
    // Cutting right after short_message or after a whole TLV leaves a valid, shorter receipt.
    let sm_end = 16 + SM_HEAD_LEN + 4;
    let whole = [sm_end, sm_end + 8, sm_end + 13];
    for n in 16..dlr.len() {
        let mut cut = dlr[..n].to_vec();
        cut[..4].copy_from_slice(&(n as u32).to_be_bytes());
        match Pdu::decode(&cut) {
            Ok(_) => assert!(whole.contains(&n), "a cut at {n} is not a whole PDU"),
            Err(err) => {
                assert!(!whole.contains(&n), "a cut at {n} should decode");
                assert!(err.offset <= n, "offset {} within {} octets", err.offset, n);
                assert!(err.reply().is_some(), "a cut deliver_sm is answered");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// Random octets under a plausible header: never a panic, and whatever decodes and can be
    /// re-encoded decodes back to the same PDU.
    #[test]
    fn random_bodies_never_panic(
        id in prop_oneof![0u32..0x20, Just(0x21), Just(0x102), Just(0x103), 0x111u32..0x114,
                          (0u32..0x20).prop_map(|i| i | 0x8000_0000)],
        status in prop_oneof![Just(0u32), any::<u32>()],
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut pdu = frame(id, status, "");
        pdu.extend_from_slice(&body);
        let len = pdu.len() as u32;
        pdu[..4].copy_from_slice(&len.to_be_bytes());
        if let Ok(decoded) = Pdu::decode(&pdu)
            && let Ok(bytes) = decoded.to_bytes()
        {
            prop_assert_eq!(Pdu::decode(&bytes).unwrap(), decoded);
        }
    }
}
