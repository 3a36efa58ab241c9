//! Properties over arbitrary input: split-then-join returns the text, preview agrees with
//! segment, errors name the right character, and nothing panics.

use std::time::Duration;

use proptest::prelude::*;
use smppd::text::{
    Concatenation, Encoding, EncodingChoice, InboundPart, NationalLanguage, Packing, Part,
    Reassembler, ReassemblyLimits, Sar, TextError, TextProfile, Transport, decode,
    decode_short_message, parse_udh, preview, segment, unpack_septets,
};

/// Text mixing GSM, extension, national, Latin-1, Cyrillic, CJK and astral characters, plus
/// arbitrary Unicode.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        4 => proptest::sample::select(
            "abcXYZ 0189@£$¥èÇ\n\r_ΔΩ!?.,".chars().collect::<Vec<_>>()
        ),
        2 => proptest::sample::select("€[]{}^~|\\\u{c}".chars().collect::<Vec<_>>()),
        1 => proptest::sample::select("şğıİçáíóúãõêâ".chars().collect::<Vec<_>>()),
        1 => proptest::sample::select("नमस्तेকখ".chars().collect::<Vec<_>>()),
        1 => proptest::sample::select("ÿþЖ中😀🇪🇸".chars().collect::<Vec<_>>()),
        1 => any::<char>(),
    ];
    proptest::collection::vec(pieces, 0..700).prop_map(|c| c.into_iter().collect())
}

fn profile() -> impl Strategy<Value = TextProfile> {
    (
        prop_oneof![Just(Packing::Unpacked), Just(Packing::Packed)],
        prop_oneof![
            Just(Concatenation::Udh8),
            Just(Concatenation::Udh16),
            Just(Concatenation::Sar),
            Just(Concatenation::Payload)
        ],
        proptest::sample::subsequence(NationalLanguage::ALL.to_vec(), 0..4),
    )
        .prop_map(|(packing, concatenation, national_languages)| TextProfile {
            packing,
            concatenation,
            national_languages,
            max_segments: 255,
            ..TextProfile::default()
        })
}

fn choice() -> impl Strategy<Value = EncodingChoice> {
    prop_oneof![
        3 => Just(EncodingChoice::Auto),
        1 => Just(EncodingChoice::Gsm7),
        1 => Just(EncodingChoice::Ucs2),
        1 => Just(EncodingChoice::Latin1),
    ]
}

fn inbound(part: &Part) -> InboundPart {
    InboundPart {
        source: "+447700900000".into(),
        destination: "short".into(),
        data_coding: part.data_coding,
        esm_class: if part.udhi { 0x40 } else { 0 },
        short_message: part.short_message.clone(),
        sar: part.sar,
        message_payload: part.message_payload.clone(),
    }
}

/// Units of the user data in a part, in the encoding's unit.
fn units(part: &Part, encoding: Encoding, packing: Packing) -> usize {
    let (header, data) = match &part.message_payload {
        Some(payload) => (0, payload.as_slice()),
        None if part.udhi => {
            let len = 1 + usize::from(part.short_message[0]);
            (len, &part.short_message[len..])
        }
        None => (0, part.short_message.as_slice()),
    };
    match (encoding, packing) {
        (Encoding::Gsm7, Packing::Packed) => unpack_septets(data, header).len(),
        (Encoding::Ucs2, _) => data.len() / 2,
        _ => data.len(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn split_then_join_returns_the_text(text in text(), profile in profile()) {
        let seg = segment(&text, EncodingChoice::Auto, &profile, 200).unwrap();
        let mut r = Reassembler::new(profile.clone(), ReassemblyLimits::default());
        let mut whole = None;
        // Reversed, to exercise out-of-order arrival too.
        for part in seg.parts.iter().rev() {
            whole = r.push(Duration::ZERO, inbound(part)).or(whole);
        }
        let whole = whole.expect("every part arrived");
        prop_assert!(whole.complete);
        let got = whole.text.unwrap();
        if profile.packing == Packing::Packed {
            // Trailing CR on an octet boundary: see 23.038 §6.1.2.3.1.
            prop_assert_eq!(got.trim_end_matches('\r'), text.trim_end_matches('\r'));
        } else {
            prop_assert_eq!(got, text);
        }
    }

    #[test]
    fn preview_agrees_with_segment(text in text(), profile in profile(), choice in choice()) {
        let pv = preview(&text, choice, &profile);
        let seg = segment(&text, choice, &profile, 9);
        match (pv, seg) {
            (Ok(pv), Ok(seg)) => {
                prop_assert_eq!(&pv, &seg.preview);
                prop_assert_eq!(seg.parts.len(), pv.submits());
                prop_assert_eq!(pv.segment_sizes.len(), pv.segments);
                prop_assert_eq!(pv.segment_sizes.iter().sum::<usize>(), pv.total);
                if pv.transport != Transport::Payload {
                    for (part, &size) in seg.parts.iter().zip(&pv.segment_sizes) {
                        let got = units(part, pv.encoding, profile.packing);
                        // Packed GSM may double a final CR (23.038 §6.1.2.3.1).
                        prop_assert!(got == size || got == size + 1, "{} vs {}", got, size);
                        prop_assert_eq!(part.data_coding, pv.data_coding);
                        let octets = part.short_message.len();
                        let limit = match (pv.encoding, profile.packing) {
                            (Encoding::Gsm7, Packing::Unpacked) => 140 + 20,
                            _ => 140,
                        };
                        prop_assert!(octets <= limit, "{} octets", octets);
                    }
                }
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "preview {:?} but segment {:?}", a, b.map(|s| s.parts.len())),
        }
    }

    #[test]
    fn refusals_name_the_right_character(text in text(), profile in profile(), choice in choice()) {
        if let Err(TextError::Unmappable { character, position, .. }) = preview(&text, choice, &profile) {
            prop_assert_eq!(text.chars().nth(position), Some(character));
        }
    }

    #[test]
    fn decoders_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..300),
        data_coding in any::<u8>(),
        esm_class in any::<u8>(),
        packed in any::<bool>(),
    ) {
        let profile = TextProfile {
            packing: if packed { Packing::Packed } else { Packing::Unpacked },
            ..TextProfile::default()
        };
        let _ = decode(data_coding, &data, &profile);
        let _ = decode_short_message(data_coding, esm_class, &data, &profile);
        let _ = parse_udh(&data);
    }

    #[test]
    fn reassembler_never_panics_and_stays_bounded(
        parts in proptest::collection::vec(
            (0u8..3, any::<u8>(), proptest::collection::vec(any::<u8>(), 0..40), any::<Option<(u16, u8, u8)>>(), 0u64..100),
            0..200,
        ),
    ) {
        let limits = ReassemblyLimits {
            max_pending_per_sender: 3,
            max_pending: 5,
            // Small enough that 40-octet parts hit it, to exercise delivery on its own.
            max_pending_octets: 300,
            max_completed: 3,
            timeout: Duration::from_secs(30),
        };
        let mut r = Reassembler::new(TextProfile::default(), limits);
        let mut now = Duration::ZERO;
        for (sender, esm_class, short_message, sar, step) in parts {
            now += Duration::from_secs(step);
            let part = InboundPart {
                source: format!("s{sender}"),
                destination: "d".into(),
                data_coding: esm_class & 0x0F,
                esm_class,
                short_message,
                sar: sar.map(|(reference, total, seq)| Sar { reference, total: total % 4, seq: seq % 5 }),
                message_payload: None,
            };
            let _ = r.push(now, part);
            prop_assert!(r.pending() <= 5);
            prop_assert!(r.pending_octets() <= 300);
            prop_assert!(r.remembered() <= 3);
            for m in r.expire(now) {
                prop_assert!(!m.complete);
                prop_assert_eq!(m.received.len() + m.missing.len(), usize::from(m.total));
            }
        }
    }
}
