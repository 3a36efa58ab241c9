//! GSM 03.38 alphabet, national tables and packing: known vectors, and a differential check of
//! packing against the independent `gsm7` crate.

use std::io::Cursor;

use proptest::prelude::*;
use smppd::text::{
    Encoding, NationalLanguage, ShiftTables, TextError, decode_gsm7, encode_gsm7, pack_septets,
    unpack_septets,
};

fn enc(text: &str) -> Vec<u8> {
    encode_gsm7(text, ShiftTables::DEFAULT).expect("GSM text")
}

#[test]
fn default_alphabet_vectors() {
    // 3GPP TS 23.038 §6.2.1, and the reference sheet's table (§8.4).
    let cases: &[(&str, &[u8])] = &[
        ("@", &[0x00]),
        ("£", &[0x01]),
        ("$", &[0x02]),
        ("¥", &[0x03]),
        ("Ç", &[0x09]),
        ("\n", &[0x0A]),
        ("\r", &[0x0D]),
        ("Δ", &[0x10]),
        ("_", &[0x11]),
        ("É", &[0x1F]),
        (" ", &[0x20]),
        ("¤", &[0x24]),
        ("¡", &[0x40]),
        ("§", &[0x5F]),
        ("¿", &[0x60]),
        ("à", &[0x7F]),
        ("Hello", &[0x48, 0x65, 0x6C, 0x6C, 0x6F]),
    ];
    for (text, septets) in cases {
        assert_eq!(enc(text), *septets, "encoding {text:?}");
        assert_eq!(decode_gsm7(septets, ShiftTables::DEFAULT).unwrap(), *text);
    }
}

#[test]
fn extension_table_vectors_cost_two_septets() {
    let cases: &[(&str, u8)] = &[
        ("\u{c}", 0x0A),
        ("^", 0x14),
        ("{", 0x28),
        ("}", 0x29),
        ("\\", 0x2F),
        ("[", 0x3C),
        ("~", 0x3D),
        ("]", 0x3E),
        ("|", 0x40),
        ("€", 0x65),
    ];
    for &(text, code) in cases {
        assert_eq!(enc(text), vec![0x1B, code], "encoding {text:?}");
        assert_eq!(
            decode_gsm7(&[0x1B, code], ShiftTables::DEFAULT).unwrap(),
            text
        );
    }
}

#[test]
fn unmappable_character_is_named_with_its_position() {
    let err = encode_gsm7("Hi 😀 there", ShiftTables::DEFAULT).unwrap_err();
    assert_eq!(
        err,
        TextError::Unmappable {
            character: '😀',
            position: 3,
            alphabet: Encoding::Gsm7
        }
    );
    assert!(err.to_string().contains("U+1F600"), "{err}");
    assert!(err.to_string().contains("position 3"), "{err}");
    // Lower-case ç exists only in national tables; the default alphabet has capital Ç.
    assert!(matches!(
        encode_gsm7("ç", ShiftTables::DEFAULT),
        Err(TextError::Unmappable {
            character: 'ç',
            position: 0,
            ..
        })
    ));
}

#[test]
fn every_default_code_round_trips() {
    for code in (0u8..0x80).filter(|&c| c != 0x1B) {
        let text = decode_gsm7(&[code], ShiftTables::DEFAULT).unwrap();
        assert_eq!(enc(&text), vec![code], "code 0x{code:02X} ({text:?})");
    }
}

#[test]
fn decoding_tolerates_what_the_spec_says_to_tolerate() {
    // Unknown extension code: the basic table's character; ESC ESC and a trailing ESC: space.
    assert_eq!(
        decode_gsm7(&[0x1B, 0x41], ShiftTables::DEFAULT).unwrap(),
        "A"
    );
    assert_eq!(
        decode_gsm7(&[0x1B, 0x1B, 0x41], ShiftTables::DEFAULT).unwrap(),
        " A"
    );
    assert_eq!(
        decode_gsm7(&[0x41, 0x1B], ShiftTables::DEFAULT).unwrap(),
        "A "
    );
    assert_eq!(
        decode_gsm7(&[0x41, 0x80], ShiftTables::DEFAULT),
        Err(TextError::InvalidSeptet {
            position: 1,
            value: 0x80
        })
    );
}

fn tables(locking: Option<NationalLanguage>, single: Option<NationalLanguage>) -> ShiftTables {
    ShiftTables { locking, single }
}

#[test]
fn national_table_vectors() {
    use NationalLanguage::*;
    // (tables, text, septets), from 3GPP TS 23.038 Annex A.
    let cases: Vec<(ShiftTables, &str, Vec<u8>)> = vec![
        (tables(None, Some(Turkish)), "ş", vec![0x1B, 0x73]),
        (tables(None, Some(Turkish)), "İ", vec![0x1B, 0x49]),
        (tables(None, Some(Turkish)), "€", vec![0x1B, 0x65]),
        (tables(Some(Turkish), None), "ğ", vec![0x0C]),
        (tables(Some(Turkish), None), "ı", vec![0x07]),
        (tables(Some(Turkish), None), "€", vec![0x04]),
        (tables(None, Some(Spanish)), "á", vec![0x1B, 0x61]),
        (tables(None, Some(Spanish)), "ç", vec![0x1B, 0x09]),
        (tables(None, Some(Spanish)), "Ú", vec![0x1B, 0x55]),
        (tables(Some(Portuguese), None), "ã", vec![0x7B]),
        (tables(Some(Portuguese), None), "ê", vec![0x04]),
        (tables(Some(Portuguese), None), "^", vec![0x16]),
        (tables(None, Some(Portuguese)), "Â", vec![0x1B, 0x61]),
        (tables(Some(Hindi), None), "क", vec![0x15]),
        (tables(Some(Hindi), None), "a", vec![0x61]),
        (tables(Some(Hindi), Some(Hindi)), "A", vec![0x1B, 0x41]),
        (tables(Some(Hindi), Some(Hindi)), "@", vec![0x1B, 0x00]),
        (tables(Some(Bengali), None), "অ", vec![0x03]),
        (tables(Some(Bengali), None), ",", vec![0x2C]),
        (tables(Some(Kannada), None), "ಡ", vec![0x24]),
        (tables(None, Some(Telugu)), "€", vec![0x1B, 0x65]),
        (tables(Some(Urdu), None), "ا", vec![0x00]),
        (tables(Some(Tamil), Some(Tamil)), "௦", vec![0x1B, 0x1C]),
    ];
    for (t, text, septets) in cases {
        assert_eq!(
            encode_gsm7(text, t).unwrap(),
            septets,
            "{text:?} with {t:?}"
        );
        assert_eq!(decode_gsm7(&septets, t).unwrap(), text, "{septets:?} {t:?}");
    }
}

#[test]
fn every_national_code_round_trips() {
    for language in NationalLanguage::ALL {
        let single = tables(None, Some(language));
        for code in 0u8..0x80 {
            if let Ok(text) = decode_gsm7(&[0x1B, code], single) {
                let back = encode_gsm7(&text, single).unwrap();
                // Repeated characters encode to their lowest code; decoding must agree.
                assert_eq!(decode_gsm7(&back, single).unwrap(), text, "{language:?}");
            }
        }
        if language.has_locking_table() {
            let locking = tables(Some(language), None);
            let mut assigned = 0;
            for code in (0u8..0x80).filter(|&c| c != 0x1B) {
                match decode_gsm7(&[code], locking) {
                    Ok(text) => {
                        assigned += 1;
                        assert_eq!(encode_gsm7(&text, locking).unwrap(), vec![code]);
                    }
                    Err(e) => assert!(matches!(e, TextError::UnassignedSeptet { .. })),
                }
            }
            assert!(assigned >= 100, "{language:?} has {assigned} codes");
        }
    }
    assert_eq!(
        NationalLanguage::from_id(1),
        Some(NationalLanguage::Turkish)
    );
    assert_eq!(NationalLanguage::from_id(13), Some(NationalLanguage::Urdu));
    assert_eq!(NationalLanguage::from_id(0), None);
    assert_eq!(NationalLanguage::from_id(14), None);
}

#[test]
fn packing_vectors() {
    // 3GPP TS 23.038 §6.1.2.1.1 style example: "hellohello" packs to E8329BFD4697D9EC37.
    assert_eq!(
        pack_septets(&enc("hellohello"), 0),
        [0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37]
    );
    // Seven septets leave 7 spare bits: they carry CR, not a phantom '@'.
    let packed = pack_septets(&enc("1234567"), 0);
    assert_eq!(packed.len(), 7);
    assert_eq!(packed[6] >> 1, 0x0D);
    assert_eq!(unpack_septets(&packed, 0), enc("1234567"));
    // After a 6-octet UDH one fill bit puts the first septet on bit 49 (one septet boundary).
    let after_udh = pack_septets(&enc("A"), 6);
    assert_eq!(after_udh, [0x41 << 1]);
    assert_eq!(unpack_septets(&after_udh, 6), enc("A"));
    // 7-octet UDH: no fill.
    assert_eq!(pack_septets(&enc("A"), 7), [0x41]);
}

/// The `gsm7` crate's writer: an implementation independent of ours.
///
/// Its end-of-message CR rule differs from 23.038 §6.1.2.3.1: it pads with CR when one bit is
/// spare (adding an octet) instead of when seven are, so only the octets holding septets are
/// compared, with the spare bits of the last one masked.
fn oracle_pack(text: &str, septets: usize) -> Vec<u8> {
    let mut writer = gsm7::Gsm7Writer::new(Vec::new());
    writer.write_str(text).expect("oracle encodes GSM text");
    let mut out = writer.into_writer().expect("oracle flushes");
    out.truncate((septets * 7).div_ceil(8));
    out
}

/// `packed` with the bits after the last septet cleared.
fn septet_bits(mut packed: Vec<u8>, septets: usize) -> Vec<u8> {
    let used = (septets * 7) % 8;
    if used != 0
        && let Some(last) = packed.last_mut()
    {
        *last &= (1u8 << used) - 1;
    }
    packed
}

fn oracle_unpack(packed: &[u8], fill: u32) -> String {
    gsm7::Gsm7Reader::new_with_bit_offset(Cursor::new(packed), fill)
        .expect("offset within data")
        .collect::<std::io::Result<String>>()
        .expect("oracle decodes")
}

/// What the oracle's reader sees: it does not drop the padding CR that fills 7 spare bits.
fn oracle_view(text: &str, septets: usize, fill: u32) -> String {
    let padded = (fill as usize + 7 * septets) % 8 == 1;
    if padded {
        format!("{text}\r")
    } else {
        text.to_owned()
    }
}

fn gsm_text() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
            .chars()
            .collect();
    proptest::collection::vec(proptest::sample::select(alphabet), 0..400)
        .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #[test]
    fn packing_matches_the_gsm7_crate(text in gsm_text()) {
        let septets = enc(&text);
        let ours = pack_septets(&septets, 0);
        prop_assert_eq!(ours.len(), (septets.len() * 7).div_ceil(8));
        prop_assert_eq!(
            septet_bits(ours.clone(), septets.len()),
            septet_bits(oracle_pack(&text, septets.len()), septets.len())
        );
        prop_assert_eq!(oracle_unpack(&ours, 0), oracle_view(&text, septets.len(), 0));
    }

    #[test]
    fn packing_after_a_udh_matches_the_gsm7_crate(text in gsm_text(), udh in 1usize..20) {
        let fill = ((7 - (udh * 8) % 7) % 7) as u32;
        let ours = pack_septets(&enc(&text), udh);
        prop_assert_eq!(oracle_unpack(&ours, fill), oracle_view(&text, enc(&text).len(), fill));
        // A final CR exactly on the boundary reads as padding (23.038 §6.1.2.3.1).
        let strip_cr = |mut v: Vec<u8>| { if v.last() == Some(&0x0D) { v.pop(); } v };
        prop_assert_eq!(strip_cr(unpack_septets(&ours, udh)), strip_cr(enc(&text)));
    }

    #[test]
    fn gsm_round_trips(text in gsm_text()) {
        prop_assert_eq!(decode_gsm7(&enc(&text), ShiftTables::DEFAULT).unwrap(), text);
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), udh in 0usize..30) {
        for language in NationalLanguage::ALL {
            let _ = decode_gsm7(&bytes, tables(language.has_locking_table().then_some(language), Some(language)));
        }
        let _ = unpack_septets(&bytes, udh);
    }
}
