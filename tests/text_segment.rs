//! Outbound: encoding choice, data_coding, segment boundaries, UDH/SAR/payload layouts.

use smppd::text::{
    Concatenation, DefaultAlphabet, Encoding, EncodingChoice, NationalLanguage, Packing, Part,
    ShiftTables, TextError, TextProfile, Transport, Unit, preview, preview_binary, segment,
    segment_binary,
};

fn profile(concatenation: Concatenation) -> TextProfile {
    TextProfile {
        concatenation,
        ..TextProfile::default()
    }
}

fn udh8() -> TextProfile {
    TextProfile::default()
}

fn auto(text: &str, profile: &TextProfile) -> smppd::text::Segmented {
    segment(text, EncodingChoice::Auto, profile, 42).expect("segments")
}

/// User data of a part after its UDH.
fn body(part: &Part) -> &[u8] {
    if part.udhi {
        &part.short_message[1 + usize::from(part.short_message[0])..]
    } else {
        &part.short_message
    }
}

fn sizes(text: &str, profile: &TextProfile) -> Vec<usize> {
    preview(text, EncodingChoice::Auto, profile)
        .expect("preview")
        .segment_sizes
}

#[test]
fn gsm_boundaries_153_154_160_161() {
    let p = udh8();
    assert_eq!(sizes(&"a".repeat(153), &p), [153]);
    assert_eq!(sizes(&"a".repeat(154), &p), [154]);
    assert_eq!(sizes(&"a".repeat(160), &p), [160]);
    assert_eq!(sizes(&"a".repeat(161), &p), [153, 8]);
    assert_eq!(sizes(&"a".repeat(306), &p), [153, 153]);
    assert_eq!(sizes(&"a".repeat(307), &p), [153, 153, 1]);

    let single = auto(&"a".repeat(160), &p);
    assert_eq!(single.preview.transport, Transport::Single);
    assert_eq!(single.parts.len(), 1);
    assert!(!single.parts[0].udhi);
    assert_eq!(single.parts[0].short_message, vec![b'a'; 160]);
    assert_eq!(single.parts[0].data_coding, 0x00);

    let two = auto(&"a".repeat(161), &p);
    assert_eq!(two.preview.transport, Transport::Udh);
    assert_eq!(two.parts.len(), 2);
    for (i, part) in two.parts.iter().enumerate() {
        assert!(part.udhi);
        assert_eq!(
            part.short_message[..6],
            [0x05, 0x00, 0x03, 42, 2, i as u8 + 1]
        );
        assert_eq!(part.sar, None);
        assert_eq!(part.message_payload, None);
    }
    assert_eq!(two.parts[0].short_message.len(), 6 + 153);
    assert_eq!(two.parts[1].short_message.len(), 6 + 8);
}

#[test]
fn escapes_count_two_and_never_straddle_a_boundary() {
    let p = udh8();
    assert_eq!(sizes(&"€".repeat(80), &p), [160]);
    // 76 euro signs fill 152 septets; the 77th would need septets 153 and 154.
    assert_eq!(sizes(&"€".repeat(81), &p), [152, 10]);

    // An escape at septet position 153 (the 154th septet) moves whole to the next part.
    let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
    let seg = auto(&text, &p);
    assert_eq!(seg.preview.segment_sizes, [152, 12]);
    assert_eq!(body(&seg.parts[0]), vec![b'a'; 152].as_slice());
    assert_eq!(body(&seg.parts[1])[..2], [0x1B, 0x65]);

    // One septet earlier it still fits: ESC at 152, its code at 153.
    let text = format!("{}€{}", "a".repeat(151), "b".repeat(10));
    let seg = auto(&text, &p);
    assert_eq!(seg.preview.segment_sizes, [153, 10]);
    assert_eq!(body(&seg.parts[0])[151..], [0x1B, 0x65]);
}

#[test]
fn ucs2_boundaries_67_70_71_and_surrogate_pairs() {
    let p = udh8();
    assert_eq!(sizes(&"Ж".repeat(67), &p), [67]);
    assert_eq!(sizes(&"Ж".repeat(70), &p), [70]);
    assert_eq!(sizes(&"Ж".repeat(71), &p), [67, 4]);
    assert_eq!(sizes(&"Ж".repeat(134), &p), [67, 67]);
    let seg = auto(&"Ж".repeat(70), &p);
    assert_eq!(seg.preview.encoding, Encoding::Ucs2);
    assert_eq!(seg.parts[0].data_coding, 0x08);
    assert_eq!(seg.parts[0].short_message[..2], [0x04, 0x16]);

    // 35 emoji are 70 UTF-16 units: one message.
    assert_eq!(sizes(&"😀".repeat(35), &p), [70]);
    // A surrogate pair that would straddle units 67/68 moves whole to the next part.
    let text = format!("{}😀{}", "Ж".repeat(66), "Ж".repeat(10));
    let seg = auto(&text, &p);
    assert_eq!(seg.preview.segment_sizes, [66, 12]);
    assert_eq!(body(&seg.parts[0]).len(), 132);
    assert_eq!(body(&seg.parts[1])[..4], [0xD8, 0x3D, 0xDE, 0x00]);
}

#[test]
fn udh16_sar_and_payload_layouts() {
    let text = "a".repeat(161);

    let seg = auto(&text, &profile(Concatenation::Udh16));
    assert_eq!(seg.preview.segment_sizes, [152, 9]);
    assert_eq!(
        seg.parts[1].short_message[..7],
        [0x06, 0x08, 0x04, 0x00, 42, 2, 2]
    );

    let seg = segment(
        &text,
        EncodingChoice::Auto,
        &profile(Concatenation::Sar),
        4242,
    )
    .unwrap();
    assert_eq!(seg.preview.transport, Transport::Sar);
    assert_eq!(seg.preview.segment_sizes, [153, 8]);
    for (i, part) in seg.parts.iter().enumerate() {
        assert!(!part.udhi);
        let sar = part.sar.expect("SAR values");
        assert_eq!((sar.reference, sar.total, sar.seq), (4242, 2, i as u8 + 1));
    }
    assert_eq!(seg.parts[0].short_message, vec![b'a'; 153]);

    let seg = auto(&text, &profile(Concatenation::Payload));
    assert_eq!(seg.preview.transport, Transport::Payload);
    assert_eq!(
        seg.preview.segments, 2,
        "the SMSC's split is what is billed"
    );
    assert_eq!(seg.preview.submits(), 1);
    assert_eq!(seg.parts.len(), 1);
    assert!(seg.parts[0].short_message.is_empty());
    assert_eq!(
        seg.parts[0].message_payload.as_deref(),
        Some(text.as_bytes())
    );

    // Short texts go as a plain short_message in every mode.
    for c in [
        Concatenation::Sar,
        Concatenation::Payload,
        Concatenation::Udh16,
    ] {
        let seg = auto("hi", &profile(c));
        assert_eq!(seg.preview.transport, Transport::Single);
        assert_eq!(seg.parts[0].short_message, b"hi");
        assert_eq!(seg.parts[0].sar, None);
    }
}

#[test]
fn packed_gsm_fills_after_the_udh() {
    let p = TextProfile {
        packing: Packing::Packed,
        ..TextProfile::default()
    };
    let single = auto(&"a".repeat(160), &p);
    assert_eq!(single.parts[0].short_message.len(), 140);
    let seg = auto(&"a".repeat(161), &p);
    let first = &seg.parts[0].short_message;
    assert_eq!(
        first.len(),
        140,
        "6 UDH octets + 153 septets with 1 fill bit"
    );
    // The fill bit is bit 0 of the first octet after the UDH; 'a' (0x61) starts at bit 1.
    assert_eq!(first[6] & 0x01, 0);
    assert_eq!(first[6] >> 1, 0x61 & 0x7F);
}

#[test]
fn explicit_choices_are_honoured_or_refused() {
    let p = udh8();
    let ucs2 = segment("hello", EncodingChoice::Ucs2, &p, 1).unwrap();
    assert_eq!(ucs2.preview.encoding, Encoding::Ucs2);
    assert_eq!(
        ucs2.parts[0].short_message,
        [0, b'h', 0, b'e', 0, b'l', 0, b'l', 0, b'o']
    );

    let latin = segment("café", EncodingChoice::Latin1, &p, 1).unwrap();
    assert_eq!(latin.parts[0].data_coding, 0x03);
    assert_eq!(latin.parts[0].short_message, b"caf\xE9");
    assert_eq!(latin.preview.unit(), Unit::Octets);

    assert_eq!(
        preview("añoЖ", EncodingChoice::Latin1, &p).unwrap_err(),
        TextError::Unmappable {
            character: 'Ж',
            position: 3,
            alphabet: Encoding::Latin1
        }
    );
    assert_eq!(
        preview("ok 😀", EncodingChoice::Gsm7, &p).unwrap_err(),
        TextError::Unmappable {
            character: '😀',
            position: 3,
            alphabet: Encoding::Gsm7
        }
    );
    let auto_emoji = preview("ok 😀", EncodingChoice::Auto, &p).unwrap();
    assert_eq!(auto_emoji.encoding, Encoding::Ucs2);
    // Characters Latin-1 has but GSM lacks go UCS-2 under auto at a GSM carrier.
    assert_eq!(
        preview("â", EncodingChoice::Auto, &p).unwrap().encoding,
        Encoding::Ucs2
    );
}

#[test]
fn data_coding_follows_the_carriers_default() {
    let latin_default = TextProfile {
        default_alphabet: DefaultAlphabet::Latin1,
        ..TextProfile::default()
    };
    let pv = preview("hello â", EncodingChoice::Auto, &latin_default).unwrap();
    assert_eq!((pv.encoding, pv.data_coding), (Encoding::Latin1, 0x00));
    assert!(matches!(
        preview("hello", EncodingChoice::Gsm7, &latin_default),
        Err(TextError::EncodingUnavailable {
            encoding: Encoding::Gsm7,
            ..
        })
    ));
    let pv = preview("Ж", EncodingChoice::Auto, &latin_default).unwrap();
    assert_eq!((pv.encoding, pv.data_coding), (Encoding::Ucs2, 0x08));

    let ascii_default = TextProfile {
        default_alphabet: DefaultAlphabet::Ascii,
        ..TextProfile::default()
    };
    let pv = preview("hello", EncodingChoice::Auto, &ascii_default).unwrap();
    assert_eq!((pv.encoding, pv.data_coding), (Encoding::Latin1, 0x03));

    let pv = preview("hello", EncodingChoice::Auto, &udh8()).unwrap();
    assert_eq!((pv.encoding, pv.data_coding), (Encoding::Gsm7, 0x00));
}

#[test]
fn too_many_segments_is_refused_not_truncated() {
    let p = udh8();
    assert_eq!(
        preview(&"a".repeat(1530), EncodingChoice::Auto, &p)
            .unwrap()
            .segments,
        10
    );
    assert_eq!(
        preview(&"a".repeat(1531), EncodingChoice::Auto, &p).unwrap_err(),
        TextError::TooManySegments {
            needed: 11,
            max: 10
        }
    );
    let wide = TextProfile {
        max_segments: 255,
        ..TextProfile::default()
    };
    assert_eq!(
        preview(&"a".repeat(255 * 153), EncodingChoice::Auto, &wide)
            .unwrap()
            .segments,
        255
    );
    assert!(matches!(
        segment(&"a".repeat(255 * 153 + 1), EncodingChoice::Auto, &wide, 1),
        Err(TextError::TooManySegments { max: 255, .. })
    ));
    assert_eq!(
        segment(&"a".repeat(161), EncodingChoice::Auto, &p, 256).unwrap_err(),
        TextError::ReferenceOutOfRange { reference: 256 }
    );
}

fn with_languages(languages: &[NationalLanguage]) -> TextProfile {
    TextProfile {
        national_languages: languages.to_vec(),
        ..TextProfile::default()
    }
}

#[test]
fn national_tables_when_the_carrier_declares_them() {
    use NationalLanguage::*;
    let text = "Şişli'de buluşalım mı?";
    assert_eq!(
        preview(text, EncodingChoice::Auto, &udh8())
            .unwrap()
            .encoding,
        Encoding::Ucs2
    );

    let turkish = with_languages(&[Turkish]);
    let seg = auto(text, &turkish);
    assert_eq!(seg.preview.encoding, Encoding::Gsm7);
    assert_eq!(
        seg.preview.shift_tables,
        ShiftTables {
            locking: Some(Turkish),
            single: None
        }
    );
    assert!(seg.parts[0].udhi);
    assert_eq!(seg.parts[0].short_message[..4], [0x03, 0x25, 0x01, 0x01]);

    let spanish = with_languages(&[Spanish, Portuguese]);
    let seg = auto("¿Cómo estás?", &spanish);
    assert_eq!(seg.preview.shift_tables.single, Some(Spanish));
    assert_eq!(seg.preview.shift_tables.locking, None);
    assert_eq!(seg.parts[0].short_message[..4], [0x03, 0x24, 0x01, 0x02]);

    // Plain GSM text never pays for an IE.
    let seg = auto("hello", &spanish);
    assert_eq!(seg.preview.shift_tables, ShiftTables::DEFAULT);
    assert!(!seg.parts[0].udhi);

    // The IE counts against capacity: 4 UDH octets leave 155 septets for one message.
    let fits = format!("ı{}", "a".repeat(154));
    assert_eq!(
        preview(&fits, EncodingChoice::Auto, &turkish)
            .unwrap()
            .segment_sizes,
        [155]
    );
    let over = format!("ı{}", "a".repeat(155));
    // Concatenated: 6 + 3 UDH octets leave 149 septets per part.
    assert_eq!(
        preview(&over, EncodingChoice::Auto, &turkish)
            .unwrap()
            .segment_sizes,
        [149, 7]
    );

    // SAR leaves the UDH to the SMSC, so national tables cannot be announced.
    let sar = TextProfile {
        concatenation: Concatenation::Sar,
        ..turkish.clone()
    };
    assert_eq!(
        preview(text, EncodingChoice::Auto, &sar).unwrap().encoding,
        Encoding::Ucs2
    );

    // Hindi locking + single shift beats UCS-2 by a wide margin.
    let hindi = with_languages(&[Hindi]);
    let text = "नमस्ते दुनिया ".repeat(20);
    let gsm = preview(&text, EncodingChoice::Auto, &hindi).unwrap();
    let ucs2 = preview(&text, EncodingChoice::Ucs2, &hindi).unwrap();
    assert_eq!(gsm.encoding, Encoding::Gsm7);
    assert_eq!(gsm.shift_tables.locking, Some(Hindi));
    assert!(
        gsm.segments < ucs2.segments,
        "{} vs {}",
        gsm.segments,
        ucs2.segments
    );
}

#[test]
fn binary_passthrough() {
    let data: Vec<u8> = (0..=255).collect();
    let pv = preview_binary(&data, &udh8()).unwrap();
    assert_eq!(pv.segment_sizes, [134, 122]);
    let seg = segment_binary(&data, &udh8(), 7).unwrap();
    assert_eq!(seg.parts[0].data_coding, 0x04);
    let joined: Vec<u8> = seg.parts.iter().flat_map(|p| body(p).to_vec()).collect();
    assert_eq!(joined, data);
    assert_eq!(preview_binary(&data[..140], &udh8()).unwrap().segments, 1);
}

#[test]
fn empty_text_is_one_empty_segment() {
    let seg = auto("", &udh8());
    assert_eq!(seg.preview.segment_sizes, [0]);
    assert_eq!(seg.parts.len(), 1);
    assert!(seg.parts[0].short_message.is_empty());
}

#[test]
fn serde_names_are_snake_case() {
    assert_eq!(serde_json::to_string(&Encoding::Gsm7).unwrap(), "\"gsm7\"");
    assert_eq!(serde_json::to_string(&Encoding::Ucs2).unwrap(), "\"ucs2\"");
    assert_eq!(
        serde_json::to_string(&Encoding::Latin1).unwrap(),
        "\"latin1\""
    );
    let choice: EncodingChoice = serde_json::from_str("\"auto\"").unwrap();
    assert_eq!(choice, EncodingChoice::Auto);
    let profile: TextProfile = serde_json::from_str(
        r#"{"packing":"packed","concatenation":"udh16","national_languages":["turkish"],"max_segments":6}"#,
    )
    .unwrap();
    assert_eq!(profile.packing, Packing::Packed);
    assert_eq!(profile.concatenation, Concatenation::Udh16);
    assert_eq!(profile.national_languages, [NationalLanguage::Turkish]);
    assert_eq!(profile.default_alphabet, DefaultAlphabet::Gsm7);
    assert!(serde_json::from_str::<TextProfile>(r#"{"bogus":1}"#).is_err());
}
