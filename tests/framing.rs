//! Framing over a real byte stream: PDUs split over many reads, many PDUs in one read, and the
//! two length errors that end a connection.

use bytes::{Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use smppd::framing::{FrameError, PduCodec};
use smppd::pdu::{Body, COctet, Limits, List, MessageIdResp, Pdu};
use tokio_util::codec::{Decoder, FramedRead, FramedWrite};

fn sample(seq: u32) -> Pdu<'static> {
    match seq % 3 {
        0 => Pdu::new(seq, Body::EnquireLink),
        1 => Pdu::new(
            seq,
            Body::SubmitSmResp(Some(MessageIdResp {
                message_id: COctet::from_str("0123456789abcdef"),
                tlvs: List::default(),
            })),
        ),
        _ => Pdu::new(seq, Body::Unbind),
    }
}

fn stream_of(count: u32) -> Vec<u8> {
    let mut buf = BytesMut::new();
    for seq in 1..=count {
        sample(seq).encode(&mut buf).unwrap();
    }
    buf.to_vec()
}

async fn read_all(mock: tokio_test::io::Mock) -> Vec<Bytes> {
    let mut framed = FramedRead::new(mock, PduCodec::default());
    let mut frames = Vec::new();
    while let Some(frame) = framed.next().await {
        frames.push(frame.expect("valid frame"));
    }
    frames
}

fn check(frames: &[Bytes], count: u32) {
    assert_eq!(frames.len(), count as usize);
    for (i, frame) in frames.iter().enumerate() {
        assert_eq!(Pdu::decode(frame).unwrap(), sample(i as u32 + 1));
    }
}

#[tokio::test]
async fn one_byte_reads() {
    let bytes = stream_of(7);
    let mut builder = tokio_test::io::Builder::new();
    for b in &bytes {
        builder.read(std::slice::from_ref(b));
    }
    check(&read_all(builder.build()).await, 7);
}

#[tokio::test]
async fn many_pdus_in_one_read() {
    let bytes = stream_of(50);
    let mock = tokio_test::io::Builder::new().read(&bytes).build();
    check(&read_all(mock).await, 50);
}

#[tokio::test]
async fn reads_that_split_headers_and_bodies_anywhere() {
    let bytes = stream_of(20);
    // Cut points chosen to land inside headers, inside bodies and on boundaries.
    let mut builder = tokio_test::io::Builder::new();
    let mut at = 0;
    for (i, step) in [3usize, 13, 1, 40, 7, 16, 2, 99, 5]
        .iter()
        .cycle()
        .enumerate()
    {
        if at >= bytes.len() || i > 10_000 {
            break;
        }
        let end = (at + step).min(bytes.len());
        builder.read(&bytes[at..end]);
        at = end;
    }
    check(&read_all(builder.build()).await, 20);
}

#[test]
fn decoder_waits_for_the_rest_and_reserves_room() {
    let bytes = stream_of(1);
    let mut codec = PduCodec::default();
    let mut buf = BytesMut::from(&bytes[..10]);
    assert!(codec.decode(&mut buf).unwrap().is_none());
    assert!(buf.capacity() >= bytes.len(), "reserves the whole frame");
    buf.extend_from_slice(&bytes[10..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), bytes[..]);
    assert!(buf.is_empty());
}

#[test]
fn length_below_header_ends_the_stream() {
    let mut buf = BytesMut::from(&[0u8, 0, 0, 15, 0, 0, 0, 21][..]);
    let err = PduCodec::default().decode(&mut buf).unwrap_err();
    assert!(matches!(err, FrameError::TooShort { len: 15 }), "{err}");
}

#[test]
fn length_above_maximum_ends_the_stream() {
    let mut codec = PduCodec::new(1024, Limits::default());
    let mut buf = BytesMut::from(&[0u8, 0, 4, 1][..]);
    let err = codec.decode(&mut buf).unwrap_err();
    assert_eq!(
        err.to_string(),
        "command_length 1025 exceeds the maximum of 1024"
    );
}

#[tokio::test]
async fn a_stream_cut_inside_a_pdu_is_an_error_not_a_hang() {
    let bytes = stream_of(2);
    let mock = tokio_test::io::Builder::new()
        .read(&bytes[..bytes.len() - 3])
        .build();
    let mut framed = FramedRead::new(mock, PduCodec::default());
    assert!(framed.next().await.unwrap().is_ok());
    assert!(framed.next().await.unwrap().is_err());
}

#[tokio::test]
async fn writer_emits_whole_pdus() {
    let expected = stream_of(3);
    let mock = tokio_test::io::Builder::new().write(&expected).build();
    let mut framed = FramedWrite::new(mock, PduCodec::default());
    for seq in 1..=3 {
        framed.feed(&sample(seq)).await.unwrap();
    }
    SinkExt::<&Pdu<'_>>::flush(&mut framed).await.unwrap();
}
