//! Inbound: UDH parsing, decoding by data_coding, reassembly bounds and timeouts, reference
//! rotation.

use std::time::Duration;

use smppd::text::{
    Concatenation, DefaultAlphabet, EncodingChoice, InboundPart, NationalLanguage, Packing,
    Reassembled, Reassembler, ReassemblyLimits, ReferenceAllocator, ReferenceWidth, Sar, Segmented,
    TextError, TextProfile, decode, decode_short_message, parse_udh, segment,
};

fn part(seq: u8, total: u8, reference: u8, text: &str) -> InboundPart {
    let mut short_message = vec![0x05, 0x00, 0x03, reference, total, seq];
    short_message.extend_from_slice(text.as_bytes());
    InboundPart {
        source: "+34600000001".into(),
        destination: "12345".into(),
        data_coding: 0x00,
        esm_class: 0x40,
        short_message,
        sar: None,
        message_payload: None,
    }
}

/// The inbound parts a carrier would deliver for what we segmented.
fn inbound(seg: &Segmented) -> Vec<InboundPart> {
    seg.parts
        .iter()
        .map(|p| InboundPart {
            source: "+34600000001".into(),
            destination: "12345".into(),
            data_coding: p.data_coding,
            esm_class: if p.udhi { 0x40 } else { 0 },
            short_message: p.short_message.clone(),
            sar: p.sar,
            message_payload: p.message_payload.clone(),
        })
        .collect()
}

fn reassembler() -> Reassembler {
    Reassembler::new(TextProfile::default(), ReassemblyLimits::default())
}

const T0: Duration = Duration::from_secs(1000);

#[test]
fn out_of_order_and_duplicated_parts() {
    let mut r = reassembler();
    assert_eq!(r.push(T0, part(3, 3, 7, "ghi")), None);
    assert_eq!(r.push(T0, part(1, 3, 7, "abc")), None);
    assert_eq!(r.push(T0, part(1, 3, 7, "XXX")), None, "duplicate ignored");
    let done = r.push(T0, part(2, 3, 7, "def")).expect("complete");
    assert_eq!(done.text.as_deref(), Ok("abcdefghi"));
    assert!(done.complete);
    assert_eq!(done.received, [1, 2, 3]);
    assert!(done.missing.is_empty());
    assert_eq!(done.reference, Some(7));
    assert_eq!(r.pending(), 0);
}

#[test]
fn timeout_delivers_what_arrived_as_incomplete() {
    let limits = ReassemblyLimits {
        timeout: Duration::from_secs(60),
        ..ReassemblyLimits::default()
    };
    let mut r = Reassembler::new(TextProfile::default(), limits);
    assert_eq!(r.push(T0, part(1, 3, 9, "abc")), None);
    assert_eq!(
        r.push(T0 + Duration::from_secs(5), part(3, 3, 9, "ghi")),
        None
    );
    assert_eq!(r.next_deadline(), Some(T0 + Duration::from_secs(60)));
    assert!(r.expire(T0 + Duration::from_secs(59)).is_empty());
    let expired = r.expire(T0 + Duration::from_secs(60));
    assert_eq!(expired.len(), 1);
    let m = &expired[0];
    assert!(!m.complete);
    assert_eq!(m.received, [1, 3]);
    assert_eq!(m.missing, [2]);
    assert_eq!(m.text.as_deref(), Ok("abcghi"));
    assert_eq!(r.pending(), 0);
    assert_eq!(r.next_deadline(), None);
}

#[test]
fn bounds_push_out_the_oldest_as_incomplete() {
    let limits = ReassemblyLimits {
        max_pending_per_sender: 2,
        max_pending: 3,
        timeout: Duration::from_secs(60),
        ..ReassemblyLimits::default()
    };
    let mut r = Reassembler::new(TextProfile::default(), limits);
    assert_eq!(r.push(T0, part(1, 2, 1, "a1")), None);
    assert_eq!(r.push(T0, part(1, 2, 2, "b1")), None);
    // A third message from the same sender pushes out its oldest.
    let out = r.push(T0, part(1, 2, 3, "c1")).expect("pushed out");
    assert_eq!((out.reference, out.complete), (Some(1), false));
    assert_eq!(out.text.as_deref(), Ok("a1"));
    assert_eq!(r.pending(), 2);

    // Another sender fills the global bound; the oldest overall goes.
    let mut other = part(1, 2, 1, "x1");
    other.source = "+34600000002".into();
    assert_eq!(r.push(T0, other.clone()), None);
    other.short_message[3] = 2;
    let out = r.push(T0, other).expect("pushed out");
    assert_eq!(out.reference, Some(2));
    assert_eq!(r.pending(), 3);
}

/// An SMSC redelivers parts when our deliver_sm_resp is lost; after the message was delivered
/// whole, they must not come back as a second (phantom) message.
#[test]
fn parts_redelivered_after_completion_are_dropped() {
    let timeout = Duration::from_secs(60);
    let limits = ReassemblyLimits {
        timeout,
        ..ReassemblyLimits::default()
    };
    let mut r = Reassembler::new(TextProfile::default(), limits);
    assert_eq!(r.push(T0, part(1, 2, 5, "hello ")), None);
    let done = r.push(T0, part(2, 2, 5, "world")).expect("complete");
    assert_eq!(done.text.as_deref(), Ok("hello world"));
    assert_eq!(r.remembered(), 1);

    let later = T0 + Duration::from_secs(10);
    assert_eq!(r.push(later, part(1, 2, 5, "hello ")), None);
    assert_eq!(r.pending(), 0, "a redelivered part starts nothing");
    assert_eq!(r.next_deadline(), None);
    assert!(r.expire(later + timeout).is_empty(), "nor times out later");

    // Every part redelivered must not make a second whole message either.
    let mut r = Reassembler::new(TextProfile::default(), limits);
    assert_eq!(r.push(T0, part(1, 2, 6, "a")), None);
    assert!(r.push(T0, part(2, 2, 6, "b")).is_some());
    assert_eq!(r.push(later, part(2, 2, 6, "b")), None);
    assert_eq!(r.push(later, part(1, 2, 6, "a")), None);
    assert!(r.expire(later + timeout).is_empty());
}

#[test]
fn remembered_completions_stay_within_their_cap_oldest_forgotten_first() {
    let limits = ReassemblyLimits {
        max_completed: 4,
        ..ReassemblyLimits::default()
    };
    let mut r = Reassembler::new(TextProfile::default(), limits);
    for reference in 1..=200u8 {
        assert_eq!(r.push(T0, part(1, 2, reference, "x")), None);
        assert!(r.push(T0, part(2, 2, reference, "y")).is_some());
        assert!(r.remembered() <= 4, "{} remembered", r.remembered());
    }
    assert_eq!(r.remembered(), 4);
    assert_eq!(r.pending(), 0);
    // The newest are still remembered, the oldest were forgotten.
    assert_eq!(r.push(T0, part(1, 2, 200, "x")), None);
    assert_eq!(r.push(T0, part(1, 2, 197, "x")), None);
    assert_eq!(r.pending(), 0);
    assert_eq!(r.push(T0, part(1, 2, 196, "x")), None);
    assert_eq!(r.pending(), 1, "forgotten key starts a new message");
}

#[test]
fn a_new_message_reusing_the_reference_after_the_window_is_reassembled() {
    let timeout = Duration::from_secs(60);
    let limits = ReassemblyLimits {
        timeout,
        ..ReassemblyLimits::default()
    };
    let mut r = Reassembler::new(TextProfile::default(), limits);
    assert_eq!(r.push(T0, part(1, 2, 42, "first ")), None);
    assert!(r.push(T0, part(2, 2, 42, "one")).is_some());
    // Just inside the window: still a duplicate.
    let inside = T0 + timeout - Duration::from_secs(1);
    assert_eq!(r.push(inside, part(1, 2, 42, "first ")), None);
    assert_eq!(r.pending(), 0);

    // From the end of the window on, the same key is a new message.
    let after = T0 + timeout;
    assert_eq!(r.push(after, part(2, 2, 42, "two")), None);
    assert_eq!(r.remembered(), 0, "forgotten once its window passed");
    let done = r.push(after, part(1, 2, 42, "second ")).expect("complete");
    assert!(done.complete);
    assert_eq!(done.text.as_deref(), Ok("second two"));

    // Forgetting also happens in `expire`, with no part arriving.
    assert_eq!(r.remembered(), 1);
    assert!(r.expire(after + timeout).is_empty());
    assert_eq!(r.remembered(), 0);
}

/// A part in `message_payload` can carry ~64 KiB, so the part counts alone do not bound memory;
/// what does not fit the octet budget is delivered on its own, at once, instead of held.
#[test]
fn oversized_parts_cannot_grow_memory_past_the_octet_budget() {
    // Room for one 255-part message's slots and one 3,000-octet part, not for two such parts.
    let budget = 10_000;
    let limits = ReassemblyLimits {
        max_pending_octets: budget,
        ..ReassemblyLimits::default()
    };
    let mut r = Reassembler::new(TextProfile::default(), limits);
    let big = |seq: u8, total: u8, reference: u8, fill: u8| {
        let mut payload = vec![0x05, 0x00, 0x03, reference, total, seq];
        payload.resize(3_000, fill);
        InboundPart {
            message_payload: Some(payload),
            ..part(seq, total, reference, "")
        }
    };
    assert!(r.push(T0, big(1, 255, 1, b'a')).is_none(), "fits: held");
    assert!(r.pending_octets() <= budget);

    // A second message's part would go over: delivered alone, incomplete, nothing held.
    let m = r.push(T0, big(2, 3, 2, b'b')).expect("delivered at once");
    assert!(!m.complete);
    assert_eq!((m.reference, m.total), (Some(2), 3));
    assert_eq!(
        (m.received.as_slice(), m.missing.as_slice()),
        (&[2][..], &[1, 3][..])
    );
    assert_eq!(m.text.as_deref(), Ok("b".repeat(2_994).as_str()));
    assert_eq!(r.pending(), 1);

    // So would another part of the held message; the held one keeps waiting.
    let m = r.push(T0, big(2, 255, 1, b'c')).expect("delivered at once");
    assert_eq!(m.received, [2]);
    assert_eq!(r.pending(), 1);
    for seq in 3..=255 {
        let alone = r
            .push(T0, big(seq, 255, 1, b'd'))
            .expect("delivered at once");
        assert_eq!(alone.received, [seq]);
        assert!(r.pending_octets() <= budget);
    }
    let held = r.expire(T0 + ReassemblyLimits::default().timeout);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].received, [1]);
    assert_eq!(r.pending_octets(), 0);
}

#[test]
fn sar_and_16_bit_parts() {
    let mut r = reassembler();
    let sar = |seq, text: &str| InboundPart {
        source: "a".into(),
        destination: "b".into(),
        data_coding: 0,
        esm_class: 0,
        short_message: text.as_bytes().to_vec(),
        sar: Some(Sar {
            reference: 300,
            total: 2,
            seq,
        }),
        message_payload: None,
    };
    assert_eq!(r.push(T0, sar(2, "world")), None);
    let done = r.push(T0, sar(1, "hello ")).unwrap();
    assert_eq!(done.text.as_deref(), Ok("hello world"));

    let wide = |seq, text: &str| {
        let mut sm = vec![0x06, 0x08, 0x04, 0x01, 0x2C, 2, seq];
        sm.extend_from_slice(text.as_bytes());
        InboundPart {
            short_message: sm,
            ..part(1, 1, 0, "")
        }
    };
    assert_eq!(r.push(T0, wide(1, "ab")), None);
    let done = r.push(T0, wide(2, "cd")).unwrap();
    assert_eq!(
        (done.text.as_deref(), done.reference),
        (Ok("abcd"), Some(300))
    );
}

#[test]
fn unsplit_and_malformed_parts_are_delivered_at_once() {
    let mut r = reassembler();
    let plain = InboundPart {
        esm_class: 0,
        short_message: b"hi".to_vec(),
        ..part(1, 1, 0, "")
    };
    let m = r.push(T0, plain).unwrap();
    assert_eq!(
        (m.text.as_deref(), m.complete, m.total),
        (Ok("hi"), true, 1)
    );

    let broken = InboundPart {
        short_message: vec![0x09, 0x00, 0x03],
        ..part(1, 1, 0, "")
    };
    let m = r.push(T0, broken).unwrap();
    assert!(matches!(m.text, Err(TextError::MalformedUdh { .. })));
    assert_eq!(m.data, [0x09, 0x00, 0x03]);

    // seq 0 or beyond total cannot join anything: whole as is.
    let m = r.push(T0, part(5, 3, 1, "odd")).unwrap();
    assert_eq!(m.text.as_deref(), Ok("odd"));
}

#[test]
fn ucs2_surrogate_split_by_a_sender_is_joined() {
    let mut r = reassembler();
    let ucs2 = |seq, bytes: &[u8]| {
        let mut sm = vec![0x05, 0x00, 0x03, 1, 2, seq];
        sm.extend_from_slice(bytes);
        InboundPart {
            data_coding: 0x08,
            short_message: sm,
            ..part(1, 1, 0, "")
        }
    };
    assert_eq!(r.push(T0, ucs2(1, &[0x00, 0x41, 0xD8, 0x3D])), None);
    let m = r.push(T0, ucs2(2, &[0xDE, 0x00])).unwrap();
    assert_eq!(m.text.as_deref(), Ok("A😀"));
}

#[test]
fn decode_by_data_coding() {
    let p = TextProfile::default();
    assert_eq!(decode(0x00, &[0x00, 0x01, 0x02], &p).unwrap(), "@£$");
    assert_eq!(decode(0xF0, b"Hi", &p).unwrap(), "Hi");
    assert_eq!(decode(0x03, b"caf\xE9", &p).unwrap(), "café");
    assert_eq!(decode(0x01, b"plain", &p).unwrap(), "plain");
    assert!(matches!(
        decode(0x01, b"\xE9", &p),
        Err(TextError::NonAscii { position: 0, .. })
    ));
    assert_eq!(decode(0x08, &[0x04, 0x16], &p).unwrap(), "Ж");
    assert_eq!(
        decode(0x08, &[0x04], &p),
        Err(TextError::OddUcs2Length { len: 1 })
    );
    assert_eq!(
        decode(0x08, &[0xD8, 0x3D, 0x00, 0x41], &p),
        Err(TextError::UnpairedSurrogate {
            position: 0,
            unit: 0xD83D
        })
    );
    assert_eq!(
        decode(0x04, b"\x01", &p),
        Err(TextError::Binary { data_coding: 4 })
    );
    assert_eq!(
        decode(0x06, b"x", &p),
        Err(TextError::UnsupportedDataCoding { data_coding: 6 })
    );
    let latin = TextProfile {
        default_alphabet: DefaultAlphabet::Latin1,
        ..TextProfile::default()
    };
    assert_eq!(decode(0x00, b"\xE9", &latin).unwrap(), "é");
}

#[test]
fn national_language_ies_change_the_decoding_tables() {
    let p = TextProfile::default();
    // IE 0x25 (locking) Turkish: 0x07 is 'ı' instead of 'ì'.
    let sm = [0x03, 0x25, 0x01, 0x01, 0x07];
    let inbound = decode_short_message(0x00, 0x40, &sm, &p).unwrap();
    assert_eq!(inbound.text, "ı");
    assert_eq!(inbound.udh.unwrap().locking_shift, Some(1));
    // Unknown IEs are skipped.
    let sm = [0x06, 0x70, 0x01, 0xAA, 0x24, 0x01, 0x02, 0x1B, 0x61];
    assert_eq!(decode_short_message(0x00, 0x40, &sm, &p).unwrap().text, "á");
    let udh = parse_udh(&[0x04, 0x24, 0x01, 0x02, 0x00]);
    assert!(matches!(udh, Err(TextError::MalformedUdh { .. })));
}

#[test]
fn reference_allocator_rotates_per_destination_in_bounded_memory() {
    let mut refs = ReferenceAllocator::new(2);
    let a1 = refs.next("+1", ReferenceWidth::Eight);
    let a2 = refs.next("+1", ReferenceWidth::Eight);
    assert_ne!(a1, a2);
    let mut seen = std::collections::HashSet::new();
    seen.insert(a2);
    for _ in 0..254 {
        assert!(
            seen.insert(refs.next("+1", ReferenceWidth::Eight)),
            "repeat within 255"
        );
    }
    assert!(seen.iter().all(|&r| (1..=255).contains(&r)));
    assert_eq!(refs.next("+1", ReferenceWidth::Eight), a2, "cycle of 255");

    refs.next("+2", ReferenceWidth::Sixteen);
    refs.next("+3", ReferenceWidth::Sixteen);
    assert_eq!(refs.len(), 2, "least recently used destination forgotten");
    let wide = refs.next("+4", ReferenceWidth::Sixteen);
    assert!(wide >= 1);
}

fn round_trip(text: &str, profile: &TextProfile) -> Reassembled {
    let seg = segment(text, EncodingChoice::Auto, profile, 77).expect("segments");
    let mut r = Reassembler::new(profile.clone(), ReassemblyLimits::default());
    let mut out = None;
    for p in inbound(&seg).into_iter().rev() {
        out = r.push(T0, p).or(out);
    }
    out.expect("reassembled")
}

#[test]
fn segment_then_reassemble_in_every_mode() {
    let texts = [
        "a".repeat(400),
        "€[]{}".repeat(60),
        "Ж😀".repeat(50),
        format!("{}\r", "x".repeat(159)),
        "Şişli'de buluşalım mı? ".repeat(12),
    ];
    for concatenation in [
        Concatenation::Udh8,
        Concatenation::Udh16,
        Concatenation::Sar,
        Concatenation::Payload,
    ] {
        for packing in [Packing::Unpacked, Packing::Packed] {
            let profile = TextProfile {
                packing,
                concatenation,
                national_languages: vec![NationalLanguage::Turkish],
                max_segments: 255,
                ..TextProfile::default()
            };
            for text in &texts {
                let m = round_trip(text, &profile);
                assert!(m.complete);
                let got = m.text.expect("decodes");
                if packing == Packing::Packed {
                    // 23.038 §6.1.2.3.1: a CR ending exactly on an octet boundary is doubled
                    // (or, with no room left, read as padding), so trailing CRs may differ.
                    assert_eq!(got.trim_end_matches('\r'), text.trim_end_matches('\r'));
                } else {
                    assert_eq!(&got, text, "{concatenation:?} {packing:?}");
                }
            }
        }
    }
}
