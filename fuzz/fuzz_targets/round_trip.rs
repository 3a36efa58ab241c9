//! Structured: any valid PDU (every field within its limits) encodes, and decodes back to
//! itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smppd::pdu::Pdu;

fuzz_target!(|pdu: Pdu<'_>| {
    let bytes = pdu.to_bytes().expect("a generated PDU encodes");
    assert_eq!(Pdu::decode(&bytes).expect("and decodes"), pdu);
});
