//! Receipts as real SMSCs send them: the text parser over a table of vendor variants, and
//! deliver_sm / data_sm PDUs (built with the crate's encoder) sorted into receipts, MO and
//! unreadable receipts.

use smppd::dlr::{
    Inbound, Receipt, ReceiptKind, ReceiptState, ReceiptText, UnparsedReason, UnparsedReceipt,
    parse_text,
};
use smppd::message::Status;
use smppd::pdu::{
    Body, COctet, CommandId, DataSm, MessageState, NetworkErrorCode, Octets, Pdu, SubmitSm, Tlv,
};
use smppd::text::TextProfile;

// ---------------------------------------------------------------------------------------------
// The text parser

/// A receipt text and what the parser should find in it, as [`summary`] writes it.
const TABLE: &[(&str, &str)] = &[
    // SMPP 3.4 Appendix B, 10-digit dates.
    (
        "id:0123456789 sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:DELIVRD err:000 text:Hello world",
        "id=0123456789 sub=1 dlvrd=1 submit=2501011200 done=2501011201 stat=DELIVRD err=000",
    ),
    // 12-digit dates with seconds (smppcenter, jsmpp), hex id.
    (
        "id:7220d2a7 sub:001 dlvrd:001 submit date:250101120000 done date:250101120105 stat:DELIVRD err:000 text:",
        "id=7220d2a7 sub=1 dlvrd=1 submit=250101120000 done=250101120105 stat=DELIVRD err=000",
    ),
    // 14-digit dates (cloudhopper).
    (
        "id:4 sub:001 dlvrd:000 submit date:20250101120000 done date:20250101120105 stat:UNDELIV err:001 text:",
        "id=4 sub=1 dlvrd=0 submit=20250101120000 done=20250101120105 stat=UNDELIV err=001",
    ),
    // Upper-case keys.
    (
        "ID:ABCDEF SUB:001 DLVRD:000 SUBMIT DATE:2501011200 DONE DATE:2501011201 STAT:EXPIRED ERR:027 TEXT:X",
        "id=ABCDEF sub=1 dlvrd=0 submit=2501011200 done=2501011201 stat=EXPIRED err=027",
    ),
    // jsmpp's capitalised Text:, jasmin's UUID-like id.
    (
        "id:5f0e3b0c-9a3e-4b6a-8d3f-1e2a3b4c5d6e sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:DELIVRD err:000 Text:hi",
        "id=5f0e3b0c-9a3e-4b6a-8d3f-1e2a3b4c5d6e sub=1 dlvrd=1 submit=2501011200 done=2501011201 stat=DELIVRD err=000",
    ),
    // Only id and stat.
    ("id:12345 stat:DELIVRD", "id=12345 stat=DELIVRD"),
    // Letters in err (jasmin \w{1,3}), and a longer one.
    (
        "id:12345 sub:001 dlvrd:000 submit date:2501011200 done date:2501011201 stat:REJECTD err:E1A text:",
        "id=12345 sub=1 dlvrd=0 submit=2501011200 done=2501011201 stat=REJECTD err=E1A",
    ),
    (
        "id:9 stat:UNDELIV err:ABSENT01",
        "id=9 stat=UNDELIV err=ABSENT01",
    ),
    // Extra vendor fields; a text: that itself looks like a receipt is not read.
    (
        "id:1234 sub:001 dlvrd:001 mccmnc:21401 submit date:2501011200 done date:2501011201 stat:DELIVRD err:000 price:0.01 text:id:999 stat:UNDELIV",
        "id=1234 sub=1 dlvrd=1 submit=2501011200 done=2501011201 stat=DELIVRD err=000",
    ),
    // Fields out of order.
    (
        "stat:DELIVRD err:000 id:77 dlvrd:001 sub:001",
        "id=77 sub=1 dlvrd=1 stat=DELIVRD err=000",
    ),
    // Leading zeros (Nexmo).
    (
        "id:0000000012345678 sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:DELIVRD err:000",
        "id=0000000012345678 sub=1 dlvrd=1 submit=2501011200 done=2501011201 stat=DELIVRD err=000",
    ),
    // jasmin's "ND" placeholders: not numbers, not dates.
    (
        "id:abc sub:ND dlvrd:ND submit date:ND done date:ND stat:DELIVRD err:ND",
        "id=abc stat=DELIVRD err=ND",
    ),
    // Empty values.
    (
        "id:123 sub: dlvrd: submit date: done date: stat:DELIVRD err: text:",
        "id=123 stat=DELIVRD",
    ),
    // Lower-case stat, dates of the wrong length, underscore-joined date keys.
    (
        "id:55 submit_date:25010112 done_date:250101120105 stat:delivrd",
        "id=55 done=250101120105 stat=delivrd",
    ),
    // Comma-separated fields, extra blanks.
    (
        "id:42,  stat:ENROUTE ,err:000",
        "id=42 stat=ENROUTE err=000",
    ),
    // A key only counts at the start of a word: msgid: and xstat: are unknown fields.
    ("msgid:1 xstat:FOO id:2 stat:ACCEPTD", "id=2 stat=ACCEPTD"),
    // First occurrence wins.
    ("id:1 stat:DELIVRD id:2 stat:UNDELIV", "id=1 stat=DELIVRD"),
    // Nothing recognisable.
    ("hello there, how are you?", ""),
    ("", ""),
];

/// The fields found, in a fixed order, skipping absent ones (`text` left out).
fn summary(f: &ReceiptText<'_>) -> String {
    let fields = [
        ("id", f.id.map(str::to_owned)),
        ("sub", f.sub.map(|n| n.to_string())),
        ("dlvrd", f.dlvrd.map(|n| n.to_string())),
        ("submit", f.submit_date.map(str::to_owned)),
        ("done", f.done_date.map(str::to_owned)),
        ("stat", f.stat.map(str::to_owned)),
        ("err", f.err.map(str::to_owned)),
    ];
    let present = fields
        .iter()
        .filter_map(|(k, v)| Some(format!("{k}={}", v.as_ref()?)));
    present.collect::<Vec<_>>().join(" ")
}

#[test]
fn vendor_variants_parse() {
    for &(text, expected) in TABLE {
        assert_eq!(summary(&parse_text(text)), expected, "{text:?}");
    }
}

#[test]
fn text_runs_to_the_end() {
    let f = parse_text("id:1 stat:DELIVRD err:000 text:Your code is 1234 id:5 stat:X");
    assert_eq!(f.text, Some("Your code is 1234 id:5 stat:X"));
    assert_eq!(parse_text("id:1 text:").text, Some(""));
    assert_eq!(parse_text("id:1 stat:DELIVRD").text, None);
}

#[test]
fn parser_never_panics_on_odd_input() {
    for text in [
        ":",
        "id:",
        "id",
        "text",
        "submit date",
        "ID:é stat:ü",
        "€id:1",
        "a id:€ stat:ñ",
    ] {
        let _: ReceiptText<'_> = parse_text(text);
    }
    assert_eq!(parse_text("a id:€ stat:ñ").id, Some("€"));
}

#[test]
fn stat_values_map_to_states() {
    use ReceiptState::*;
    let cases = [
        ("DELIVRD", Delivered, Some(Status::Delivered)),
        ("delivered", Delivered, Some(Status::Delivered)),
        ("UNDELIV", Undeliverable, Some(Status::Undeliverable)),
        ("EXPIRED", Expired, Some(Status::Expired)),
        ("REJECTD", Rejected, Some(Status::Rejected)),
        ("DELETED", Deleted, Some(Status::Undeliverable)),
        ("UNKNOWN", Unknown, Some(Status::Undeliverable)),
        ("ACCEPTD", Accepted, None),
        ("ENROUTE", Enroute, None),
        ("ACKED", Accepted, None),
        ("BUFFRED", Enroute, None),
        ("BUFFERD", Enroute, None),
        ("FAILED", Other, Some(Status::Undeliverable)),
        ("", Other, Some(Status::Undeliverable)),
    ];
    for (stat, state, status) in cases {
        assert_eq!(ReceiptState::from_stat(stat), state, "{stat}");
        assert_eq!(state.final_status(), status, "{stat}");
        assert_eq!(state.is_final(), status.is_some(), "{stat}");
    }
    for v in 0..=9u8 {
        let state = ReceiptState::from_message_state(MessageState::from(v));
        if let Some(stat) = state.stat() {
            assert_eq!(ReceiptState::from_stat(stat), state);
        }
    }
    let other = ReceiptState::from_message_state(MessageState::Other(42));
    assert_eq!(other, Other);
    assert_eq!(other.final_status(), Some(Status::Undeliverable));
}

// ---------------------------------------------------------------------------------------------
// PDUs

fn deliver(esm_class: u8, data_coding: u8, short_message: &[u8], tlvs: Vec<Tlv<'_>>) -> Vec<u8> {
    Pdu::new(
        9,
        Body::DeliverSm(SubmitSm {
            source_addr_ton: 1,
            source_addr_npi: 1,
            source_addr: COctet::from_str("34600111222"),
            dest_addr_ton: 5,
            destination_addr: COctet::from_str("ACME"),
            esm_class,
            data_coding,
            short_message: Octets::new(short_message),
            tlvs: tlvs.into(),
            ..Default::default()
        }),
    )
    .to_bytes()
    .unwrap()
    .to_vec()
}

fn sorted(frame: &[u8]) -> Inbound<'_> {
    let pdu = Pdu::decode(frame).unwrap();
    let Body::DeliverSm(sm) = &pdu.body else {
        panic!("not a deliver_sm")
    };
    Inbound::from_deliver_sm(sm, &TextProfile::default())
}

fn receipt(frame: &[u8]) -> Receipt {
    match sorted(frame) {
        Inbound::Receipt(r) => r,
        other => panic!("expected a receipt, got {other:?}"),
    }
}

fn unparsed(frame: &[u8]) -> UnparsedReceipt {
    match sorted(frame) {
        Inbound::UnparsedReceipt(u) => u,
        other => panic!("expected an unparsed receipt, got {other:?}"),
    }
}

const APPENDIX_B: &[u8] = b"id:0123456789 sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:DELIVRD err:000 text:Hello";

#[test]
fn text_receipt() {
    let r = receipt(&deliver(0x04, 0, APPENDIX_B, vec![]));
    assert_eq!(r.kind, ReceiptKind::SmscDeliveryReceipt);
    assert!(!r.intermediate);
    assert_eq!(r.message_id, "0123456789");
    assert_eq!(r.state, ReceiptState::Delivered);
    assert_eq!(r.stat.as_deref(), Some("DELIVRD"));
    assert_eq!(r.error.as_deref(), Some("000"));
    assert_eq!(r.network_error, None);
    assert_eq!(r.submit_date.as_deref(), Some("2501011200"));
    assert_eq!(r.done_date.as_deref(), Some("2501011201"));
    assert_eq!((r.sub, r.dlvrd), (Some(1), Some(1)));
    assert_eq!(r.source, "34600111222");
    assert_eq!(r.final_status(), Some(Status::Delivered));
}

#[test]
fn every_vendor_row_with_id_and_stat_is_a_receipt() {
    for &(text, expected) in TABLE {
        let frame = deliver(0x04, 0, text.as_bytes(), vec![]);
        let f = parse_text(text);
        match (f.id, f.stat, sorted(&frame)) {
            (Some(id), Some(_), Inbound::Receipt(r)) => assert_eq!(r.message_id, id),
            (None, _, Inbound::UnparsedReceipt(u)) => {
                assert_eq!(u.reason, UnparsedReason::NoMessageId)
            }
            (Some(_), None, Inbound::UnparsedReceipt(u)) => {
                assert_eq!(u.reason, UnparsedReason::NoState)
            }
            (_, _, other) => panic!("{text:?} ({expected}) sorted as {other:?}"),
        }
    }
}

#[test]
fn tlv_only_receipt() {
    let tlvs = vec![
        Tlv::ReceiptedMessageId(COctet::from_str("5f3a9c")),
        Tlv::MessageState(MessageState::Undeliverable),
        Tlv::NetworkErrorCode(NetworkErrorCode {
            network_type: 3,
            error_code: 1,
        }),
    ];
    let r = receipt(&deliver(0x04, 0, b"", tlvs));
    assert_eq!(r.message_id, "5f3a9c");
    assert_eq!(r.state, ReceiptState::Undeliverable);
    assert_eq!(r.stat, None);
    assert_eq!(r.error.as_deref(), Some("003:0001"));
    assert_eq!(
        r.network_error,
        Some(NetworkErrorCode {
            network_type: 3,
            error_code: 1
        })
    );
    assert_eq!(r.submit_date, None);
    assert_eq!(r.final_status(), Some(Status::Undeliverable));
}

#[test]
fn tlvs_win_over_text_and_text_fills_the_rest() {
    let tlvs = vec![
        Tlv::ReceiptedMessageId(COctet::from_str("ABC123")),
        Tlv::MessageState(MessageState::Expired),
        Tlv::NetworkErrorCode(NetworkErrorCode {
            network_type: 3,
            error_code: 27,
        }),
    ];
    let r = receipt(&deliver(0x04, 0, APPENDIX_B, tlvs));
    assert_eq!(r.message_id, "ABC123");
    assert_eq!(r.state, ReceiptState::Expired);
    assert_eq!(
        r.stat.as_deref(),
        Some("DELIVRD"),
        "the text's stat is kept as written"
    );
    assert_eq!(r.error.as_deref(), Some("003:0027"));
    assert_eq!(r.done_date.as_deref(), Some("2501011201"));
    assert_eq!(r.sub, Some(1));
    assert_eq!(r.final_status(), Some(Status::Expired));
}

#[test]
fn unknown_message_state_defers_to_a_known_stat() {
    let tlvs = vec![Tlv::MessageState(MessageState::Other(42))];
    let r = receipt(&deliver(0x04, 0, APPENDIX_B, tlvs.clone()));
    assert_eq!(r.state, ReceiptState::Delivered);
    let r = receipt(&deliver(0x04, 0, b"id:1", tlvs));
    assert_eq!(r.state, ReceiptState::Other);
    assert_eq!(r.final_status(), Some(Status::Undeliverable));
}

#[test]
fn ascii_digits_in_network_error_code() {
    let tlvs = vec![Tlv::NetworkErrorCode(NetworkErrorCode {
        network_type: b'0',
        error_code: u16::from_be_bytes(*b"27"),
    })];
    let r = receipt(&deliver(0x04, 0, APPENDIX_B, tlvs));
    assert_eq!(r.error.as_deref(), Some("027"));
}

#[test]
fn blank_receipted_message_id_falls_back_to_text() {
    let tlvs = vec![Tlv::ReceiptedMessageId(COctet::from_str(" "))];
    assert_eq!(
        receipt(&deliver(0x04, 0, APPENDIX_B, tlvs)).message_id,
        "0123456789"
    );
}

#[test]
fn message_payload_text() {
    let tlvs = vec![Tlv::MessagePayload(Octets::new(APPENDIX_B))];
    let r = receipt(&deliver(0x04, 0, b"", tlvs));
    assert_eq!(r.message_id, "0123456789");
    assert_eq!(r.state, ReceiptState::Delivered);
}

#[test]
fn data_sm_receipt() {
    let frame = Pdu::new(
        3,
        Body::DataSm(DataSm {
            source_addr: COctet::from_str("34600111222"),
            destination_addr: COctet::from_str("ACME"),
            esm_class: 0x04,
            tlvs: vec![Tlv::MessagePayload(Octets::new(
                b"id:77 stat:UNDELIV err:001",
            ))]
            .into(),
            ..Default::default()
        }),
    )
    .to_bytes()
    .unwrap();
    let pdu = Pdu::decode(&frame).unwrap();
    let Some(Inbound::Receipt(r)) = Inbound::classify(&pdu.body, &TextProfile::default()) else {
        panic!("not a receipt");
    };
    assert_eq!(r.message_id, "77");
    assert_eq!(r.state, ReceiptState::Undeliverable);
    assert_eq!(r.error.as_deref(), Some("001"));
}

#[test]
fn receipt_without_id_is_unparsed_not_mo() {
    let u = unparsed(&deliver(0x04, 0, b"stat:DELIVRD err:000 text:hi", vec![]));
    assert_eq!(u.reason, UnparsedReason::NoMessageId);
    assert_eq!(u.kind, ReceiptKind::SmscDeliveryReceipt);
    assert_eq!(u.message_id, None);
    assert_eq!(u.text, "stat:DELIVRD err:000 text:hi");
    assert_eq!(u.source, "34600111222");
    assert!(!u.reason.to_string().is_empty());

    let u = unparsed(&deliver(0x04, 0, b"", vec![]));
    assert_eq!(u.reason, UnparsedReason::NoMessageId);
    assert_eq!(u.text, "");

    let u = unparsed(&deliver(0x04, 0, b"Your message was delivered", vec![]));
    assert_eq!(u.reason, UnparsedReason::NoMessageId);
}

#[test]
fn receipt_without_state_is_unparsed_with_its_id() {
    let u = unparsed(&deliver(0x04, 0, b"id:123 err:000 text:x", vec![]));
    assert_eq!(u.reason, UnparsedReason::NoState);
    assert_eq!(u.message_id.as_deref(), Some("123"));
}

#[test]
fn every_receipt_message_type_is_flagged() {
    let cases = [
        (0x04, ReceiptKind::SmscDeliveryReceipt),
        (0x07, ReceiptKind::SmscDeliveryReceipt), // messaging mode bits set too
        (0x44, ReceiptKind::SmscDeliveryReceipt), // with UDHI bit, no UDH: still read
        (0x08, ReceiptKind::SmeDeliveryAck),
        (0x10, ReceiptKind::ManualAck),
        (0x20, ReceiptKind::Intermediate),
    ];
    for (esm_class, kind) in cases {
        let frame = deliver(esm_class, 0, b"garbage", vec![]);
        match sorted(&frame) {
            Inbound::UnparsedReceipt(u) => assert_eq!(u.kind, kind, "esm_class {esm_class:#x}"),
            other => panic!("esm_class {esm_class:#x}: {other:?}"),
        }
    }
}

#[test]
fn intermediate_notification_never_settles() {
    let r = receipt(&deliver(0x20, 0, b"id:1 stat:ENROUTE", vec![]));
    assert!(r.intermediate);
    assert_eq!(r.kind, ReceiptKind::Intermediate);
    assert_eq!(r.final_status(), None);
    let r = receipt(&deliver(0x20, 0, b"id:1 stat:DELIVRD", vec![]));
    assert_eq!(r.final_status(), None);
    let r = receipt(&deliver(0x04, 0, b"id:1 stat:ACCEPTD", vec![]));
    assert_eq!(r.final_status(), None);
}

#[test]
fn receipted_message_id_marks_a_receipt_even_with_esm_class_0() {
    let tlvs = vec![
        Tlv::ReceiptedMessageId(COctet::from_str("99")),
        Tlv::MessageState(MessageState::Delivered),
    ];
    let r = receipt(&deliver(0x00, 0, b"", tlvs));
    assert_eq!(r.message_id, "99");
}

#[test]
fn ucs2_receipt_text() {
    let text: Vec<u8> = "id:abc stat:DELIVRD err:000"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    let r = receipt(&deliver(0x04, 0x08, &text, vec![]));
    assert_eq!(
        (r.message_id.as_str(), r.state),
        ("abc", ReceiptState::Delivered)
    );
}

#[test]
fn gsm7_receipt_text_with_underscore() {
    // GSM 03.38 puts '_' at 0x11, so this is not ASCII and is decoded by data_coding 0.
    let mut text = b"id:ab".to_vec();
    text.push(0x11);
    text.extend_from_slice(b"cd stat:DELIVRD");
    assert_eq!(
        receipt(&deliver(0x04, 0, &text, vec![])).message_id,
        "ab_cd"
    );
}

#[test]
fn latin1_text_and_trailing_nul() {
    let r = receipt(&deliver(0x04, 3, b"id:1 stat:DELIVRD text:caf\xe9", vec![]));
    assert_eq!(r.message_id, "1");
    let r = receipt(&deliver(0x04, 0, b"id:2 stat:EXPIRED\0", vec![]));
    assert_eq!(
        (r.message_id.as_str(), r.state),
        ("2", ReceiptState::Expired)
    );
    let r = receipt(&deliver(0x04, 0, b"id:a\x11b stat:EXPIRED\0\0", vec![]));
    assert_eq!(
        (r.message_id.as_str(), r.state),
        ("a_b", ReceiptState::Expired)
    );
    let ucs2 = b"\0i\0d\0:\0x\0 \0s\0t\0a\0t\0:\0D\0E\0L\0I\0V\0R\0D\0\0";
    let r = receipt(&deliver(0x04, 8, ucs2, vec![]));
    assert_eq!(
        (r.message_id.as_str(), r.state),
        ("x", ReceiptState::Delivered)
    );
    let ucs2_ending_in_00 = b"\0i\0d\0:\0x\0 \0s\0t\0a\0t\0:\0O\x01\0";
    let r = receipt(&deliver(0x04, 8, ucs2_ending_in_00, vec![]));
    assert_eq!(
        (r.stat.as_deref(), r.state),
        (Some("O\u{100}"), ReceiptState::Other)
    );
    // Binary data_coding: read as Latin-1, the ASCII keys still parse.
    let r = receipt(&deliver(0x04, 4, b"id:3 stat:DELIVRD \xff\x00\x01", vec![]));
    assert_eq!(r.message_id, "3");
}

#[test]
fn plain_mo() {
    let frame = deliver(0x00, 0x08, b"\x00H\x00i", vec![]);
    let Inbound::Mo(mo) = sorted(&frame) else {
        panic!("not MO")
    };
    assert_eq!(mo.command_id, CommandId::DeliverSm);
    assert_eq!(mo.source.addr.as_bytes(), b"34600111222");
    assert_eq!((mo.source.ton, mo.source.npi), (1, 1));
    assert_eq!(mo.destination.addr.as_bytes(), b"ACME");
    assert_eq!(mo.destination.ton, 5);
    assert_eq!(mo.data_coding, 0x08);
    assert_eq!(mo.esm_class, 0);
    assert_eq!(mo.user_data.as_bytes(), b"\x00H\x00i");
    assert!(!mo.from_payload);

    // An MO that happens to read like a receipt is still MO: esm_class decides.
    let frame = deliver(
        0x40,
        0,
        b"\x05\x00\x03\x01\x02\x01id:1 stat:DELIVRD",
        vec![],
    );
    assert!(matches!(sorted(&frame), Inbound::Mo(_)));
}

#[test]
fn mo_in_message_payload() {
    let frame = deliver(
        0x00,
        0,
        b"",
        vec![Tlv::MessagePayload(Octets::new(b"long text"))],
    );
    let Inbound::Mo(mo) = sorted(&frame) else {
        panic!("not MO")
    };
    assert_eq!(mo.user_data.as_bytes(), b"long text");
    assert!(mo.from_payload);
    assert_eq!(mo.tlvs.len(), 1);
}

#[test]
fn other_commands_are_not_inbound() {
    assert!(Inbound::classify(&Body::EnquireLink, &TextProfile::default()).is_none());
    let submit = Body::SubmitSm(SubmitSm::default());
    assert!(Inbound::classify(&submit, &TextProfile::default()).is_none());
}

proptest::proptest! {
    /// Whatever the text and data_coding, a receipt-flagged PDU is a receipt or an unparsed
    /// receipt, and the parser does not panic.
    #[test]
    fn flagged_pdus_never_become_mo(
        text in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        esm in proptest::sample::select(vec![0x04u8, 0x08, 0x10, 0x20, 0x44, 0xC7]),
        dcs in proptest::prelude::any::<u8>(),
    ) {
        let frame = deliver(esm, dcs, &text, vec![]);
        proptest::prop_assert!(!matches!(sorted(&frame), Inbound::Mo(_)));
    }

    #[test]
    fn generated_receipts_parse(
        id in "[0-9A-Za-z_-]{1,64}",
        stat in proptest::sample::select(vec!["DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", "ACCEPTD", "ENROUTE", "DELETED", "UNKNOWN"]),
        err in "[0-9A-Z]{1,4}",
        date in "[0-9]{10}|[0-9]{12}|[0-9]{14}",
        upper in proptest::prelude::any::<bool>(),
    ) {
        let text = format!("id:{id} sub:001 dlvrd:001 submit date:{date} done date:{date} stat:{stat} err:{err} text:id:x stat:y");
        let text = if upper { text.to_uppercase() } else { text };
        let f = parse_text(&text);
        let same = |a: Option<&str>, b: &str| a.is_some_and(|a| a.eq_ignore_ascii_case(b));
        proptest::prop_assert!(same(f.id, &id));
        proptest::prop_assert!(same(f.stat, stat));
        proptest::prop_assert!(same(f.err, &err));
        proptest::prop_assert_eq!(f.done_date, Some(date.as_str()));
        proptest::prop_assert_eq!(f.sub, Some(1));
    }
}

#[test]
fn decimal_receipt_finds_hex_submission() {
    use smppd::config::MessageIdFormat;
    use smppd::dlr::{lookup_keys, store_key};
    // submit_sm_resp said "00BC614E"; the receipt quotes it in decimal, with leading zeros.
    let stored = store_key("00BC614E", MessageIdFormat::Auto);
    let r = receipt(&deliver(
        0x04,
        0,
        b"id:0000000012345678 stat:DELIVRD err:000",
        vec![],
    ));
    assert_eq!(r.message_id, "0000000012345678");
    assert!(
        lookup_keys(&r.message_id, MessageIdFormat::Auto)
            .iter()
            .any(|k| k == stored)
    );
    assert!(
        !lookup_keys(&r.message_id, MessageIdFormat::Hex)
            .iter()
            .any(|k| k == stored)
    );
}
