//! Receipt handling per inbound PDU: decode + classify a receipt deliver_sm (text and TLVs, text
//! only), an MO for comparison, the text parser alone, and the message-id keys for store and
//! lookup (hex, long decimal and UUID-like ids). Target: ≥50k receipts/s, lookups ≪ 1 µs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use smppd::config::MessageIdFormat;
use smppd::dlr::{Inbound, lookup_keys, parse_text, store_key};
use smppd::pdu::{Body, COctet, List, MessageState, NetworkErrorCode, Octets, Pdu, SubmitSm, Tlv};
use smppd::text::TextProfile;

const TEXT: &[u8] = b"id:7220d2a7c3f0 sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:DELIVRD err:000 text:Your code is 4821";

fn frame(short_message: &[u8], esm_class: u8, tlvs: Vec<Tlv<'_>>) -> Vec<u8> {
    Pdu::new(
        7,
        Body::DeliverSm(SubmitSm {
            source_addr_ton: 1,
            source_addr_npi: 1,
            source_addr: COctet::from_str("34600111222"),
            dest_addr_ton: 5,
            destination_addr: COctet::from_str("ACME"),
            esm_class,
            short_message: Octets::new(short_message),
            tlvs: List::from(tlvs),
            ..Default::default()
        }),
    )
    .to_bytes()
    .expect("encodes")
    .to_vec()
}

fn classify(frame: &[u8], profile: &TextProfile) -> bool {
    let pdu = Pdu::decode(frame).expect("decodes");
    matches!(
        Inbound::classify(&pdu.body, profile),
        Some(Inbound::Receipt(_))
    )
}

fn bench(c: &mut Criterion) {
    let profile = TextProfile::default();
    let with_tlvs = frame(
        TEXT,
        0x04,
        vec![
            Tlv::ReceiptedMessageId(COctet::from_str("7220d2a7c3f0")),
            Tlv::MessageState(MessageState::Delivered),
            Tlv::NetworkErrorCode(NetworkErrorCode {
                network_type: 3,
                error_code: 0,
            }),
        ],
    );
    let text_only = frame(TEXT, 0x04, vec![]);
    let mo = frame(b"Hello, is this thing on?", 0x00, vec![]);
    assert!(classify(&with_tlvs, &profile) && classify(&text_only, &profile));

    let mut group = c.benchmark_group("dlr");
    group.bench_function("classify_receipt_text_and_tlvs", |b| {
        b.iter(|| classify(black_box(&with_tlvs), &profile))
    });
    group.bench_function("classify_receipt_text_only", |b| {
        b.iter(|| classify(black_box(&text_only), &profile))
    });
    group.bench_function("classify_mo", |b| {
        b.iter(|| classify(black_box(&mo), &profile))
    });
    let text = std::str::from_utf8(TEXT).expect("ascii");
    group.bench_function("parse_text", |b| b.iter(|| parse_text(black_box(text))));

    let ids = [
        ("hex12", "7220D2A7C3F0"),
        ("dec20", "00000000012345678901"),
        ("hex32", "ffffffffffffffffffffffffffffffff"),
        ("uuid", "5f0e3b0c-9a3e-4b6a-8d3f-1e2a3b4c5d6e"),
    ];
    for (name, id) in ids {
        group.bench_function(format!("lookup_keys_auto_{name}"), |b| {
            b.iter(|| {
                lookup_keys(black_box(id), MessageIdFormat::Auto)
                    .iter()
                    .map(str::len)
                    .sum::<usize>()
            })
        });
    }
    group.bench_function("lookup_keys_hex_hex12", |b| {
        b.iter(|| lookup_keys(black_box("7220D2A7C3F0"), MessageIdFormat::Hex).len())
    });
    group.bench_function("store_key_auto_hex12", |b| {
        b.iter(|| store_key(black_box("7220D2A7C3F0"), MessageIdFormat::Auto))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
