//! A byte stream cut into arbitrary reads: the framer never panics, and every frame it yields
//! is exactly command_length octets.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use smppd::framing::PduCodec;
use smppd::pdu::Pdu;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let Some((&step, stream)) = data.split_first() else {
        return;
    };
    let step = usize::from(step).max(1);
    let mut codec = PduCodec::default();
    let mut buf = BytesMut::new();
    for chunk in stream.chunks(step) {
        buf.extend_from_slice(chunk);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => {
                    let declared = u32::from_be_bytes(frame[..4].try_into().unwrap());
                    assert_eq!(declared as usize, frame.len());
                    let _ = Pdu::decode(&frame);
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
