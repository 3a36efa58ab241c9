//! Arbitrary octets as one PDU: decoding never panics, an error always knows its answer, and
//! whatever decodes and re-encodes decodes back to the same PDU.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smppd::pdu::Pdu;

fuzz_target!(|data: &[u8]| {
    // Patch command_length to the input's size so the fuzzer reaches the bodies instead of
    // spending its time on a length mismatch (that path is covered by the raw input too).
    let mut frame = data.to_vec();
    if frame.len() >= 4 {
        let len = frame.len() as u32;
        frame[..4].copy_from_slice(&len.to_be_bytes());
    }
    for input in [data, &frame[..]] {
        match Pdu::decode(input) {
            Ok(pdu) => {
                let _ = pdu.to_json();
                if let Ok(bytes) = pdu.to_bytes() {
                    let again = Pdu::decode(&bytes).expect("an encoded PDU decodes");
                    assert_eq!(again, pdu);
                }
            }
            Err(err) => {
                let _ = err.to_string();
                if let Some(reply) = err.reply() {
                    reply.to_bytes().expect("a reply always encodes");
                }
            }
        }
    }
});
