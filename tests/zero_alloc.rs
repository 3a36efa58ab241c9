//! Decoding submit_sm and deliver_sm allocates nothing: every field borrows from the frame.
//! Counted with dhat's heap profiler as the global allocator (this test binary only).

use smppd::pdu::{Body, Pdu};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const SUBMIT_SM: &str = "0000005800000004000000000000000200010133343931310001013334363030313131323232004000013235313232343135333030303033322b0000010008000a050003a702010048006902040002000714010003414243";

#[test]
fn decoding_submit_and_deliver_allocates_nothing() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let submit = hex::decode(SUBMIT_SM).unwrap();
    let dlr = build_dlr();
    let before = dhat::HeapStats::get();
    let mut seen = 0usize;
    for _ in 0..1000 {
        let p = Pdu::decode(&submit).unwrap();
        let Body::SubmitSm(sm) = &p.body else {
            panic!()
        };
        // Walk the TLVs too: iteration parses in place.
        seen += sm.tlvs.iter().count() + sm.short_message.len();
        let p = Pdu::decode(&dlr).unwrap();
        let Body::DeliverSm(d) = &p.body else {
            panic!()
        };
        seen += usize::from(d.tlvs.receipted_message_id().is_some());
        seen += usize::from(d.tlvs.message_state().is_some());
    }
    let after = dhat::HeapStats::get();
    assert_eq!(seen, 1000 * (2 + 10 + 2));
    // The count is the whole process's: the test harness's own threads may allocate a few
    // blocks meanwhile (seen on a loaded machine). A decode that allocated would add at least
    // one block per iteration, 1000 or more.
    let blocks = after.total_blocks - before.total_blocks;
    dhat::assert!(blocks < 100, "{blocks} allocations in 2000 decodes");
}

/// A receipt with TLVs (receipted_message_id, message_state), built outside the measured loop.
fn build_dlr() -> Vec<u8> {
    use smppd::pdu::{COctet, List, MessageState, Octets, SubmitSm, Tlv};
    let text = b"id:5f3a9c sub:001 dlvrd:001 submit date:2511241030 done date:2511241031 stat:DELIVRD err:000";
    Pdu::new(
        8,
        Body::DeliverSm(SubmitSm {
            source_addr_ton: 1,
            source_addr_npi: 1,
            source_addr: COctet::from_str("34600111222"),
            dest_addr_ton: 5,
            destination_addr: COctet::from_str("ACME"),
            esm_class: 0x04,
            short_message: Octets::new(text),
            tlvs: List::from(vec![
                Tlv::ReceiptedMessageId(COctet::from_str("5f3a9c")),
                Tlv::MessageState(MessageState::Delivered),
            ]),
            ..Default::default()
        }),
    )
    .to_bytes()
    .unwrap()
    .to_vec()
}
