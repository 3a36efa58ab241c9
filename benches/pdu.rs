//! Codec throughput: decode and encode of submit_sm, deliver_sm (MO) and a delivery receipt.
//! Targets: ≥ 8 M submit_sm decodes/s and ≥ 5 M encodes/s on one core.
//!
//! `cargo bench --bench pdu`

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smppd::pdu::{Body, COctet, List, MessageState, NetworkErrorCode, Octets, Pdu, SubmitSm, Tlv};

fn sm<'a>(esm_class: u8, text: &'a [u8], tlvs: Vec<Tlv<'a>>) -> SubmitSm<'a> {
    SubmitSm {
        source_addr_ton: 5,
        source_addr: COctet::from_str("ACME"),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: COctet::from_str("34600111222"),
        esm_class,
        validity_period: COctet::from_str("000000000500000R"),
        registered_delivery: 1,
        short_message: Octets::new(text),
        tlvs: List::from(tlvs),
        ..Default::default()
    }
}

fn samples() -> Vec<(&'static str, Pdu<'static>)> {
    vec![
        (
            "submit_sm",
            Pdu::new(
                1,
                Body::SubmitSm(sm(0, b"Your verification code is 482913. It expires in 5 minutes.", vec![])),
            ),
        ),
        (
            "deliver_sm",
            Pdu::new(2, Body::DeliverSm(sm(0, b"STOP", vec![]))),
        ),
        (
            "deliver_sm_dlr",
            Pdu::new(
                3,
                Body::DeliverSm(sm(
                    0x04,
                    b"id:5f3a9c01 sub:001 dlvrd:001 submit date:2511241030 done date:2511241031 stat:DELIVRD err:000 text:Your verification",
                    vec![
                        Tlv::ReceiptedMessageId(COctet::from_str("5f3a9c01")),
                        Tlv::MessageState(MessageState::Delivered),
                        Tlv::NetworkErrorCode(NetworkErrorCode { network_type: 3, error_code: 0 }),
                    ],
                )),
            ),
        ),
    ]
}

fn codec(c: &mut Criterion) {
    for (name, pdu) in samples() {
        let frame = pdu.to_bytes().unwrap();
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(1));
        group.bench_function("decode", |b| {
            b.iter(|| Pdu::decode(black_box(&frame)).unwrap())
        });
        let decoded = Pdu::decode(&frame).unwrap();
        let mut buf = BytesMut::with_capacity(64 * 1024);
        group.bench_function("encode", |b| {
            b.iter(|| {
                if buf.len() > 60 * 1024 {
                    buf.clear();
                }
                black_box(&pdu).encode(&mut buf).unwrap();
            })
        });
        group.bench_function("encode_decoded", |b| {
            b.iter(|| {
                if buf.len() > 60 * 1024 {
                    buf.clear();
                }
                black_box(&decoded).encode(&mut buf).unwrap();
            })
        });
        group.finish();
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);
