//! The simulator in-process, over real TCP (and TLS) on 127.0.0.1, driven by a small raw SMPP
//! client made from the crate's codec. Timeouts are generous and nothing asserts speed.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use smppd::framing::PduCodec;
use smppd::pdu::{
    Bind, Body, COctet, CancelSm, CommandId, CommandStatus, DataSm, List, MessageIdResp,
    MessageState, Octets, Pdu, QuerySm, ReplaceSm, SubmitSm, Tlv,
};
use smppd::sim::{
    DlrIdFormat, Faults, IdFormat, MoMessage, ReceiptConfig, SimConfig, SimHandle, TlsConfig,
    TlsIdentity, start,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};
use tokio_util::codec::Decoder;

/// Long enough for a loaded CI machine; only reached when something is broken.
const WAIT: Duration = Duration::from_secs(15);

struct Client<S> {
    io: S,
    rbuf: BytesMut,
    codec: PduCodec,
    seq: u32,
    /// deliver_sm that arrived while waiting for another answer.
    delivers: VecDeque<Bytes>,
}

#[derive(Clone, Copy)]
enum Kind {
    Tx,
    Rx,
    Trx,
}

impl Client<TcpStream> {
    async fn connect(sim: &SimHandle) -> Self {
        Client::over(TcpStream::connect(sim.local_addr()).await.unwrap())
    }

    async fn bound(sim: &SimHandle, kind: Kind) -> Self {
        let mut c = Client::connect(sim).await;
        assert_eq!(c.bind(kind, "smppd", "secret").await, CommandStatus::Ok);
        c
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    fn over(io: S) -> Self {
        Client {
            io,
            rbuf: BytesMut::new(),
            codec: PduCodec::default(),
            seq: 0,
            delivers: VecDeque::new(),
        }
    }

    fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    async fn send(&mut self, pdu: &Pdu<'_>) {
        let mut buf = BytesMut::new();
        pdu.encode(&mut buf).unwrap();
        self.io.write_all(&buf).await.unwrap();
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        self.io.write_all(bytes).await.unwrap();
    }

    /// The next frame, or `None` when the simulator closed the connection.
    async fn try_recv(&mut self) -> Option<Bytes> {
        let read = async {
            loop {
                if let Some(frame) = self.codec.decode(&mut self.rbuf).unwrap() {
                    return Some(frame);
                }
                match self.io.read_buf(&mut self.rbuf).await {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
            }
        };
        timeout(WAIT, read)
            .await
            .expect("no PDU and no close in time")
    }

    async fn recv(&mut self) -> Bytes {
        self.try_recv().await.expect("connection closed")
    }

    /// The next frame that is not a deliver_sm (those are kept for [`next_deliver`]).
    async fn recv_answer(&mut self) -> Bytes {
        loop {
            let frame = self.recv().await;
            if Pdu::decode(&frame).unwrap().command_id() == CommandId::DeliverSm {
                self.delivers.push_back(frame);
            } else {
                return frame;
            }
        }
    }

    /// Whether the simulator closed the connection (after any frames still in flight).
    async fn closed(&mut self) -> bool {
        while let Some(frame) = self.try_recv().await {
            let pdu = Pdu::decode(&frame).unwrap();
            if !matches!(pdu.body, Body::Unbind) {
                panic!("expected close, got {pdu:?}");
            }
        }
        true
    }

    async fn bind(&mut self, kind: Kind, system_id: &str, password: &str) -> CommandStatus {
        let b = Bind {
            system_id: COctet::from_str(system_id),
            password: COctet::from_str(password),
            system_type: COctet::EMPTY,
            interface_version: 0x34,
            addr_ton: 0,
            addr_npi: 0,
            address_range: COctet::EMPTY,
            tlvs: List::default(),
        };
        let body = match kind {
            Kind::Tx => Body::BindTransmitter(b),
            Kind::Rx => Body::BindReceiver(b),
            Kind::Trx => Body::BindTransceiver(b),
        };
        let seq = self.next_seq();
        self.send(&Pdu::new(seq, body)).await;
        let frame = self.recv().await;
        let resp = Pdu::decode(&frame).unwrap();
        assert_eq!(resp.sequence_number, seq);
        resp.command_status
    }

    async fn submit(&mut self, registered_delivery: u8, text: &[u8]) -> u32 {
        let seq = self.next_seq();
        self.send(&Pdu::new(
            seq,
            Body::SubmitSm(submit_sm(registered_delivery, text)),
        ))
        .await;
        seq
    }

    /// Sends one submit_sm and returns (status, message_id).
    async fn submit_one(
        &mut self,
        registered_delivery: u8,
        text: &[u8],
    ) -> (CommandStatus, String) {
        let seq = self.submit(registered_delivery, text).await;
        let frame = self.recv_answer().await;
        let pdu = Pdu::decode(&frame).unwrap();
        assert_eq!(pdu.sequence_number, seq);
        (pdu.command_status, message_id(&pdu))
    }
}

fn submit_sm(registered_delivery: u8, text: &[u8]) -> SubmitSm<'_> {
    SubmitSm {
        source_addr_ton: 5,
        source_addr: COctet::from_str("ACME"),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: COctet::from_str("34600111222"),
        registered_delivery,
        short_message: Octets::new(text),
        ..Default::default()
    }
}

fn message_id(pdu: &Pdu<'_>) -> String {
    match &pdu.body {
        Body::SubmitSmResp(Some(r)) | Body::DataSmResp(Some(r)) => {
            r.message_id.to_str_lossy().into_owned()
        }
        Body::SubmitSmResp(None) => String::new(),
        other => panic!("not a submit_sm_resp: {other:?}"),
    }
}

fn config() -> SimConfig {
    SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        // Most tests end with clients that never answer unbind.
        shutdown_grace: Duration::from_millis(300),
        ..SimConfig::default()
    }
}

fn with_receipts(delay: Duration) -> SimConfig {
    SimConfig {
        receipts: ReceiptConfig {
            delay,
            ..ReceiptConfig::default()
        },
        ..config()
    }
}

/// Waits until `check` holds for the stats (counters move after answers are written).
async fn eventually(sim: &SimHandle, what: &str, check: impl Fn(&smppd::sim::SimStats) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        let stats = sim.stats();
        if check(&stats) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {stats:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn each_bind_type_is_accepted_with_the_smsc_system_id_and_version() {
    let sim = start(config()).await.unwrap();
    let mut clients = Vec::new();
    for kind in [Kind::Tx, Kind::Rx, Kind::Trx] {
        let mut c = Client::connect(&sim).await;
        let seq = c.next_seq();
        let bind = Bind {
            system_id: COctet::from_str("smppd"),
            password: COctet::from_str("secret"),
            system_type: COctet::EMPTY,
            interface_version: 0x34,
            addr_ton: 0,
            addr_npi: 0,
            address_range: COctet::EMPTY,
            tlvs: List::default(),
        };
        let (body, expected) = match kind {
            Kind::Tx => (Body::BindTransmitter(bind), CommandId::BindTransmitterResp),
            Kind::Rx => (Body::BindReceiver(bind), CommandId::BindReceiverResp),
            Kind::Trx => (Body::BindTransceiver(bind), CommandId::BindTransceiverResp),
        };
        c.send(&Pdu::new(seq, body)).await;
        let frame = c.recv().await;
        let resp = Pdu::decode(&frame).unwrap();
        assert_eq!(resp.command_id(), expected);
        assert_eq!(resp.command_status, CommandStatus::Ok);
        let (Body::BindTransmitterResp(Some(r))
        | Body::BindReceiverResp(Some(r))
        | Body::BindTransceiverResp(Some(r))) = &resp.body
        else {
            panic!("bind_resp without body: {resp:?}");
        };
        assert_eq!(r.system_id.as_bytes(), b"smppd-sim");
        assert_eq!(r.tlvs.get(0x0210), Some(Tlv::ScInterfaceVersion(0x34)));
        clients.push(c);
    }
    let stats = sim.stats();
    assert_eq!(
        (stats.binds_ok, stats.binds_current, stats.binds_peak),
        (3, 3, 3)
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_credentials_and_double_binds_are_refused() {
    let sim = start(config()).await.unwrap();
    let mut c = Client::connect(&sim).await;
    assert_eq!(
        c.bind(Kind::Trx, "smppd", "wrong").await,
        CommandStatus::InvalidPassword
    );
    assert_eq!(
        c.bind(Kind::Tx, "other", "secret").await,
        CommandStatus::InvalidSystemId
    );
    // The connection stays usable: the right credentials bind.
    assert_eq!(
        c.bind(Kind::Trx, "smppd", "secret").await,
        CommandStatus::Ok
    );
    assert_eq!(
        c.bind(Kind::Rx, "smppd", "secret").await,
        CommandStatus::AlreadyBound
    );
    let stats = sim.stats();
    assert_eq!(stats.binds_failed["ESME_RINVPASWD"], 1);
    assert_eq!(stats.binds_failed["ESME_RINVSYSID"], 1);
    assert_eq!(stats.binds_failed["ESME_RALYBND"], 1);
    assert_eq!(stats.binds_ok, 1);
    sim.shutdown().await.unwrap();
}

async fn unique_ids(format: IdFormat) -> Vec<String> {
    let sim = start(SimConfig {
        id_format: format,
        ..config()
    })
    .await
    .unwrap();
    let mut c = Client::bound(&sim, Kind::Tx).await;
    // Pipelined: all requests first, then all answers.
    let mut seqs = Vec::new();
    for _ in 0..300 {
        seqs.push(c.submit(0, b"hello").await);
    }
    let mut ids = Vec::new();
    for seq in seqs {
        let frame = c.recv().await;
        let pdu = Pdu::decode(&frame).unwrap();
        assert_eq!(
            (pdu.sequence_number, pdu.command_status),
            (seq, CommandStatus::Ok)
        );
        ids.push(message_id(&pdu));
    }
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "ids repeat"
    );
    sim.shutdown().await.unwrap();
    ids
}

#[tokio::test]
async fn submit_ids_are_unique_in_hex_and_in_decimal() {
    let hex = unique_ids(IdFormat::Hex).await;
    assert!(hex.iter().all(|id| {
        !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }));
    assert!(
        hex.iter()
            .any(|id| id.bytes().any(|b| b.is_ascii_alphabetic()))
    );
    let dec = unique_ids(IdFormat::Dec).await;
    assert!(
        dec.iter()
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    );
}

/// Reads the next deliver_sm and returns its frame, answering nothing.
async fn next_deliver<S: AsyncRead + AsyncWrite + Unpin>(c: &mut Client<S>) -> Bytes {
    if let Some(frame) = c.delivers.pop_front() {
        return frame;
    }
    loop {
        let frame = c.recv().await;
        if Pdu::decode(&frame).unwrap().command_id() == CommandId::DeliverSm {
            return frame;
        }
    }
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    c: &mut Client<S>,
    frame: &[u8],
    status: CommandStatus,
) {
    let seq = Pdu::decode(frame).unwrap().sequence_number;
    let resp = Pdu {
        command_status: status,
        sequence_number: seq,
        body: Body::DeliverSmResp(Some(MessageIdResp {
            message_id: COctet::EMPTY,
            tlvs: List::default(),
        })),
    };
    c.send(&resp).await;
}

fn receipt_parts(frame: &[u8]) -> (SubmitSm<'_>, String) {
    let pdu = Pdu::decode(frame).unwrap();
    let Body::DeliverSm(sm) = pdu.body else {
        panic!("not a deliver_sm")
    };
    let text = String::from_utf8(sm.short_message.as_bytes().to_vec()).unwrap();
    (sm, text)
}

#[tokio::test]
async fn receipt_arrives_after_the_delay_with_text_tlvs_and_swapped_addresses() {
    let delay = Duration::from_millis(300);
    let sim = start(with_receipts(delay)).await.unwrap();
    let mut c = Client::bound(&sim, Kind::Trx).await;
    let sent = Instant::now();
    let (status, id) = c
        .submit_one(1, b"Hello receipt world, this is longer than twenty")
        .await;
    assert_eq!(status, CommandStatus::Ok);
    let frame = next_deliver(&mut c).await;
    assert!(sent.elapsed() >= delay, "receipt came before its delay");
    let (sm, text) = receipt_parts(&frame);
    assert_eq!(sm.esm_class, 0x04);
    assert_eq!(
        (sm.source_addr.as_bytes(), sm.source_addr_ton),
        (&b"34600111222"[..], 1)
    );
    assert_eq!(
        (sm.destination_addr.as_bytes(), sm.dest_addr_ton),
        (&b"ACME"[..], 5)
    );
    assert!(
        text.starts_with(&format!("id:{id} sub:001 dlvrd:001 submit date:")),
        "{text}"
    );
    let done = text.find(" done date:").unwrap();
    assert_eq!(
        done - text.find("submit date:").unwrap(),
        "submit date:".len() + 10
    );
    assert!(
        text.ends_with(" stat:DELIVRD err:000 text:Hello receipt world,"),
        "{text}"
    );
    assert_eq!(sm.tlvs.receipted_message_id().unwrap().to_str_lossy(), id);
    assert_eq!(sm.tlvs.message_state(), Some(MessageState::Delivered));
    let nec = sm.tlvs.network_error_code().unwrap();
    assert_eq!((nec.network_type, nec.error_code), (3, 0));
    answer(&mut c, &frame, CommandStatus::Ok).await;
    eventually(&sim, "receipt acknowledged", |s| s.receipts_acked == 1).await;
    let stats = sim.stats();
    assert_eq!((stats.receipts_scheduled, stats.receipts_sent), (1, 1));
    assert_eq!(stats.deliver_sm_resp["ESME_ROK"], 1);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn receipt_id_can_be_in_decimal_when_submit_ids_are_hex() {
    let mut cfg = with_receipts(Duration::ZERO);
    cfg.receipts.id_format = DlrIdFormat::Dec;
    let sim = start(cfg).await.unwrap();
    let mut c = Client::bound(&sim, Kind::Trx).await;
    let (_, hex_id) = c.submit_one(1, b"x").await;
    let decimal = u64::from_str_radix(&hex_id, 16).unwrap().to_string();
    assert_ne!(decimal, hex_id);
    let frame = next_deliver(&mut c).await;
    let (sm, text) = receipt_parts(&frame);
    assert!(text.starts_with(&format!("id:{decimal} ")), "{text}");
    assert_eq!(
        sm.tlvs.receipted_message_id().unwrap().to_str_lossy(),
        decimal
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn failure_only_receipts_follow_the_mix() {
    let mut cfg = with_receipts(Duration::ZERO);
    cfg.receipts.mix = "undeliverable=1".parse().unwrap();
    let sim = start(cfg).await.unwrap();
    let mut c = Client::bound(&sim, Kind::Trx).await;
    let (_, id) = c.submit_one(2, b"fails").await;
    let frame = next_deliver(&mut c).await;
    let (sm, text) = receipt_parts(&frame);
    assert!(
        text.contains(&format!("id:{id} sub:001 dlvrd:000")),
        "{text}"
    );
    assert!(text.contains("stat:UNDELIV err:001"), "{text}");
    assert_eq!(sm.tlvs.message_state(), Some(MessageState::Undeliverable));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn receipts_wait_for_a_receiver_and_come_back_when_its_connection_drops() {
    let sim = start(with_receipts(Duration::ZERO)).await.unwrap();
    let mut tx = Client::bound(&sim, Kind::Tx).await;
    let (_, id) = tx.submit_one(1, b"queued").await;
    eventually(&sim, "receipt waiting", |s| s.receipts_queued == 1).await;
    // The first receiver takes it and closes without answering.
    let mut rx1 = Client::bound(&sim, Kind::Rx).await;
    let frame = next_deliver(&mut rx1).await;
    assert!(receipt_parts(&frame).1.starts_with(&format!("id:{id} ")));
    drop(rx1);
    eventually(&sim, "receipt re-queued", |s| s.receipts_requeued == 1).await;
    let mut rx2 = Client::bound(&sim, Kind::Rx).await;
    let frame = next_deliver(&mut rx2).await;
    assert!(receipt_parts(&frame).1.starts_with(&format!("id:{id} ")));
    answer(&mut rx2, &frame, CommandStatus::Ok).await;
    eventually(&sim, "acknowledged", |s| s.receipts_acked == 1).await;
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_temporary_error_answer_gets_the_receipt_sent_again() {
    let mut cfg = with_receipts(Duration::ZERO);
    cfg.receipts.retry_delay = Duration::from_millis(100);
    let sim = start(cfg).await.unwrap();
    let mut c = Client::bound(&sim, Kind::Trx).await;
    let (_, id) = c.submit_one(1, b"retry me").await;
    let first = next_deliver(&mut c).await;
    answer(&mut c, &first, CommandStatus::ReceiverTemporaryAppError).await;
    let second = next_deliver(&mut c).await;
    assert!(receipt_parts(&second).1.starts_with(&format!("id:{id} ")));
    answer(&mut c, &second, CommandStatus::Ok).await;
    eventually(&sim, "acknowledged after retry", |s| s.receipts_acked == 1).await;
    let stats = sim.stats();
    assert_eq!(stats.deliver_sm_resp["ESME_RX_T_APPN"], 1);
    assert_eq!(stats.receipts_retried, 1);
    assert_eq!(stats.receipts_sent, 2);
    sim.shutdown().await.unwrap();
}

async fn statuses_under(faults: Faults, n: usize) -> (SimHandle, Vec<(CommandStatus, String)>) {
    let sim = start(SimConfig {
        faults,
        ..with_receipts(Duration::ZERO)
    })
    .await
    .unwrap();
    let mut c = Client::bound(&sim, Kind::Trx).await;
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(c.submit_one(1, b"faulty").await);
    }
    (sim, out)
}

#[tokio::test]
async fn throttle_fraction_one_throttles_everything_without_ids_or_receipts() {
    let faults = Faults {
        throttle_fraction: 1.0,
        ..Faults::default()
    };
    let (sim, answers) = statuses_under(faults, 20).await;
    assert!(
        answers
            .iter()
            .all(|(s, id)| *s == CommandStatus::Throttled && id.is_empty())
    );
    let stats = sim.stats();
    assert_eq!(stats.submit_sm_throttled, 20);
    assert_eq!(stats.submit_sm_resp["ESME_RTHROTTLED"], 20);
    assert_eq!(stats.receipts_scheduled, 0);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn throttle_above_a_rate_lets_the_first_ones_through() {
    let faults = Faults {
        throttle_above_tps: Some(5),
        ..Faults::default()
    };
    let (sim, answers) = statuses_under(faults, 40).await;
    let ok = answers
        .iter()
        .filter(|(s, _)| *s == CommandStatus::Ok)
        .count();
    let throttled = answers
        .iter()
        .filter(|(s, _)| *s == CommandStatus::Throttled)
        .count();
    // At least one second's worth passes; a machine slow enough to span many seconds lets
    // through more, never fewer.
    assert!(ok >= 5, "{ok} accepted");
    assert_eq!(ok + throttled, 40);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn injected_errors_follow_the_configured_status_and_change_at_run_time() {
    let faults = Faults {
        error_fraction: 1.0,
        ..Faults::default()
    };
    let (sim, answers) = statuses_under(faults, 5).await;
    assert!(
        answers
            .iter()
            .all(|(s, _)| *s == CommandStatus::SubmitFailed)
    );
    assert_eq!(sim.stats().submit_sm_errored, 5);
    sim.set_faults(Faults {
        error_fraction: 1.0,
        error_status: 0x14,
        ..Faults::default()
    })
    .unwrap();
    let mut c = Client::bound(&sim, Kind::Tx).await;
    assert_eq!(
        c.submit_one(0, b"x").await.0,
        CommandStatus::MessageQueueFull
    );
    sim.set_faults(Faults::default()).unwrap();
    assert_eq!(c.submit_one(0, b"x").await.0, CommandStatus::Ok);
    assert!(
        sim.set_faults(Faults {
            error_fraction: 2.0,
            ..Faults::default()
        })
        .is_err()
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn unanswered_submissions_get_nothing_back() {
    let sim = start(SimConfig {
        faults: Faults {
            no_answer_fraction: 1.0,
            ..Faults::default()
        },
        ..config()
    })
    .await
    .unwrap();
    let mut c = Client::bound(&sim, Kind::Tx).await;
    c.submit(1, b"into the void").await;
    c.submit(1, b"into the void").await;
    let seq = c.next_seq();
    c.send(&Pdu::new(seq, Body::EnquireLink)).await;
    // Answers come in order, so the first one back is the enquire_link_resp.
    let frame = c.recv().await;
    let pdu = Pdu::decode(&frame).unwrap();
    assert_eq!(
        (pdu.command_id(), pdu.sequence_number),
        (CommandId::EnquireLinkResp, seq)
    );
    let stats = sim.stats();
    assert_eq!(
        (stats.submit_sm_received, stats.submit_sm_unanswered),
        (2, 2)
    );
    assert!(stats.submit_sm_resp.is_empty());
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn drop_after_closes_the_connection_at_the_nth_pdu() {
    let sim = start(SimConfig {
        faults: Faults {
            drop_after: Some(3),
            ..Faults::default()
        },
        ..config()
    })
    .await
    .unwrap();
    let mut c = Client::bound(&sim, Kind::Tx).await; // PDU 1
    assert_eq!(c.submit_one(0, b"two").await.0, CommandStatus::Ok); // PDU 2
    c.submit(0, b"three").await; // PDU 3: never answered
    assert!(c.closed().await);
    eventually(&sim, "drop counted", |s| {
        s.drops == 1 && s.binds_current == 0
    })
    .await;
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn max_binds_refuses_binds_beyond_the_cap() {
    let sim = start(SimConfig {
        max_binds: Some(2),
        ..config()
    })
    .await
    .unwrap();
    let _a = Client::bound(&sim, Kind::Trx).await;
    let mut b = Client::bound(&sim, Kind::Tx).await;
    let mut c = Client::connect(&sim).await;
    assert_eq!(
        c.bind(Kind::Rx, "smppd", "secret").await,
        CommandStatus::BindFailed
    );
    let seq = b.next_seq();
    b.send(&Pdu::new(seq, Body::Unbind)).await;
    let frame = b.recv().await;
    assert_eq!(
        Pdu::decode(&frame).unwrap().command_id(),
        CommandId::UnbindResp
    );
    assert!(b.closed().await);
    eventually(&sim, "unbound", |s| s.binds_current == 1).await;
    assert_eq!(c.bind(Kind::Rx, "smppd", "secret").await, CommandStatus::Ok);
    let stats = sim.stats();
    assert_eq!(
        (stats.binds_peak, stats.binds_failed["ESME_RBINDFAIL"]),
        (2, 1)
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn malformed_and_unexpected_pdus_are_answered_and_the_bind_stays_up() {
    let sim = start(config()).await.unwrap();
    let mut c = Client::connect(&sim).await;
    // Before binding: submit_sm is refused for the state, enquire_link is answered.
    let seq = c.submit(0, b"too early").await;
    let pdu_frame = c.recv().await;
    let pdu = Pdu::decode(&pdu_frame).unwrap();
    assert_eq!(
        (pdu.command_id(), pdu.command_status, pdu.sequence_number),
        (
            CommandId::SubmitSmResp,
            CommandStatus::InvalidBindStatus,
            seq
        )
    );
    c.send(&Pdu::new(90, Body::EnquireLink)).await;
    assert_eq!(
        Pdu::decode(&c.recv().await).unwrap().command_id(),
        CommandId::EnquireLinkResp
    );
    assert_eq!(c.bind(Kind::Tx, "smppd", "secret").await, CommandStatus::Ok);

    // A submit_sm whose sm_length runs past the body.
    let mut bad = BytesMut::new();
    Pdu::new(77, Body::SubmitSm(submit_sm(0, b"hello")))
        .encode(&mut bad)
        .unwrap();
    let sm_length_at = bad.len() - 6;
    bad[sm_length_at] = 200;
    c.send_raw(&bad).await;
    let frame = c.recv().await;
    let resp = Pdu::decode(&frame).unwrap();
    assert_eq!(resp.sequence_number, 77);
    assert_eq!(resp.command_status, CommandStatus::InvalidMessageLength);

    // An unknown command: generic_nack ESME_RINVCMDID.
    c.send_raw(&hex::decode("0000001000000222000000000000004e").unwrap())
        .await;
    let frame = c.recv().await;
    let resp = Pdu::decode(&frame).unwrap();
    assert_eq!(
        (resp.command_id(), resp.command_status, resp.sequence_number),
        (CommandId::GenericNack, CommandStatus::InvalidCommandId, 78)
    );

    // deliver_sm never flows from an ESME.
    c.send(&Pdu::new(79, Body::DeliverSm(submit_sm(0, b"x"))))
        .await;
    let frame = c.recv().await;
    let resp = Pdu::decode(&frame).unwrap();
    assert_eq!(
        (resp.command_id(), resp.command_status),
        (CommandId::DeliverSmResp, CommandStatus::InvalidBindStatus)
    );

    // Still bound.
    assert_eq!(c.submit_one(0, b"fine").await.0, CommandStatus::Ok);
    let stats = sim.stats();
    assert_eq!(stats.malformed_pdus, 1);
    assert_eq!(stats.binds_current, 1);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_broken_command_length_gets_generic_nack_and_closes_only_that_connection() {
    let sim = start(config()).await.unwrap();
    let mut other = Client::bound(&sim, Kind::Tx).await;
    let mut c = Client::bound(&sim, Kind::Tx).await;
    c.send_raw(&hex::decode("00000008000000040000000000000005").unwrap())
        .await;
    let frame = c.recv().await;
    let nack = Pdu::decode(&frame).unwrap();
    assert_eq!(
        (nack.command_id(), nack.command_status),
        (CommandId::GenericNack, CommandStatus::InvalidCommandLength)
    );
    assert!(c.closed().await);
    assert_eq!(
        other.submit_one(0, b"still here").await.0,
        CommandStatus::Ok
    );
    assert_eq!(sim.stats().framing_errors, 1);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn data_sm_submit_multi_query_cancel_and_replace_are_answered() {
    let sim = start(with_receipts(Duration::from_secs(3600)))
        .await
        .unwrap();
    let mut c = Client::bound(&sim, Kind::Trx).await;
    let (_, id) = c.submit_one(0, b"to manage").await;

    let query = |seq, id: &'static str| {
        Pdu::new(
            seq,
            Body::QuerySm(QuerySm {
                message_id: COctet::from_str(id),
                source_addr_ton: 5,
                source_addr_npi: 0,
                source_addr: COctet::from_str("ACME"),
                tlvs: List::default(),
            }),
        )
    };
    let id: &'static str = Box::leak(id.into_boxed_str());
    c.send(&query(100, id)).await;
    let frame = c.recv().await;
    let Body::QuerySmResp(Some(q)) = Pdu::decode(&frame).unwrap().body else {
        panic!("no query_sm_resp body");
    };
    assert_eq!(
        (q.message_id.to_str_lossy(), q.message_state),
        (id.into(), 1)
    );

    c.send(&query(101, "ffffffffffffffff")).await;
    let frame = c.recv().await;
    assert_eq!(
        Pdu::decode(&frame).unwrap().command_status,
        CommandStatus::QueryFailed
    );

    let cancel = CancelSm {
        service_type: COctet::EMPTY,
        message_id: COctet::from_str(id),
        source_addr_ton: 5,
        source_addr_npi: 0,
        source_addr: COctet::from_str("ACME"),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: COctet::from_str("34600111222"),
        tlvs: List::default(),
    };
    c.send(&Pdu::new(102, Body::CancelSm(cancel))).await;
    let frame = c.recv().await;
    let resp = Pdu::decode(&frame).unwrap();
    assert_eq!(
        (resp.command_id(), resp.command_status),
        (CommandId::CancelSmResp, CommandStatus::Ok)
    );
    c.send(&query(103, id)).await;
    let frame = c.recv().await;
    let Body::QuerySmResp(Some(q)) = Pdu::decode(&frame).unwrap().body else {
        panic!("no query_sm_resp body");
    };
    assert_eq!(q.message_state, 4, "DELETED after cancel_sm");
    assert_eq!(q.final_date.len(), 16);

    let replace = ReplaceSm {
        message_id: COctet::from_str("1"),
        source_addr_ton: 5,
        source_addr_npi: 0,
        source_addr: COctet::from_str("ACME"),
        schedule_delivery_time: COctet::EMPTY,
        validity_period: COctet::EMPTY,
        registered_delivery: 0,
        sm_default_msg_id: 0,
        short_message: Octets::new(b"new"),
        tlvs: List::default(),
    };
    c.send(&Pdu::new(104, Body::ReplaceSm(replace))).await;
    let frame = c.recv().await;
    assert_eq!(
        Pdu::decode(&frame).unwrap().command_status,
        CommandStatus::ReplaceFailed
    );

    let data = DataSm {
        service_type: COctet::EMPTY,
        source_addr_ton: 5,
        source_addr_npi: 0,
        source_addr: COctet::from_str("ACME"),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: COctet::from_str("34600111222"),
        esm_class: 0,
        registered_delivery: 0,
        data_coding: 0,
        tlvs: List::from(vec![Tlv::MessagePayload(Octets::new(b"payload"))]),
    };
    c.send(&Pdu::new(105, Body::DataSm(data))).await;
    let frame = c.recv().await;
    let resp = Pdu::decode(&frame).unwrap();
    assert_eq!(resp.command_id(), CommandId::DataSmResp);
    assert!(!message_id(&resp).is_empty());
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn stats_count_a_known_workload() {
    let sim = start(with_receipts(Duration::ZERO)).await.unwrap();
    let mut c = Client::bound(&sim, Kind::Trx).await;
    for i in 0..10 {
        let (status, _) = c.submit_one(u8::from(i % 2 == 0), b"counted").await;
        assert_eq!(status, CommandStatus::Ok);
    }
    for _ in 0..5 {
        let frame = next_deliver(&mut c).await;
        answer(&mut c, &frame, CommandStatus::Ok).await;
    }
    for seq in [500, 501] {
        c.send(&Pdu::new(seq, Body::EnquireLink)).await;
        c.recv_answer().await;
    }
    c.send(&Pdu::new(502, Body::Unbind)).await;
    let frame = c.recv_answer().await;
    assert_eq!(
        Pdu::decode(&frame).unwrap().command_id(),
        CommandId::UnbindResp
    );
    assert!(c.closed().await);
    eventually(&sim, "workload counted", |s| {
        s.receipts_acked == 5 && s.binds_current == 0
    })
    .await;
    let s = sim.stats();
    assert_eq!(s.connections_accepted, 1);
    assert_eq!((s.binds_ok, s.binds_peak), (1, 1));
    assert_eq!((s.submit_sm_received, s.submit_sm_accepted), (10, 10));
    assert_eq!(s.submit_sm_resp.get("ESME_ROK"), Some(&10));
    assert_eq!(s.submit_sm_resp.len(), 1);
    assert_eq!((s.receipts_scheduled, s.receipts_sent), (5, 5));
    assert_eq!(s.deliver_sm_resp.get("ESME_ROK"), Some(&5));
    assert_eq!((s.enquire_link, s.unbind), (2, 1));
    assert_eq!(s.pdus_received.get("submit_sm"), Some(&10));
    assert_eq!(s.pdus_received.get("deliver_sm_resp"), Some(&5));
    assert_eq!(s.pdus_received.get("bind_transceiver"), Some(&1));
    assert_eq!((s.malformed_pdus, s.receipts_dropped, s.drops), (0, 0, 0));
    // The snapshot is the stats file's JSON.
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["submit_sm_resp"]["ESME_ROK"], 10);
    sim.shutdown().await.unwrap();
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("smppd-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test]
async fn submit_log_has_one_json_line_per_submit_and_stats_file_is_written() {
    let log = temp_path("submits.jsonl");
    let stats_file = temp_path("stats.json");
    let sim = start(SimConfig {
        submit_log: Some(log.clone()),
        stats_file: Some(stats_file.clone()),
        faults: Faults {
            throttle_above_tps: Some(4),
            ..Faults::default()
        },
        ..config()
    })
    .await
    .unwrap();
    let mut c = Client::bound(&sim, Kind::Tx).await;
    let mut answers = Vec::new();
    for _ in 0..6 {
        answers.push(c.submit_one(0, b"logged").await);
    }
    sim.shutdown().await.unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    for (line, (status, id)) in lines.iter().zip(&answers) {
        assert_eq!(line["pdu"]["command_id"], "submit_sm");
        assert_eq!(line["pdu"]["destination_addr"], "34600111222");
        assert_eq!(line["answer"], status.name().unwrap());
        if *status == CommandStatus::Ok {
            assert_eq!(line["message_id"], id.as_str());
        } else {
            assert!(line["message_id"].is_null());
        }
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'));
    }
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats_file).unwrap()).unwrap();
    assert_eq!(stats["submit_sm_received"], 6);
    assert_eq!(stats["submit_log_written"], 6);
}

#[tokio::test]
async fn injected_mo_reaches_a_receiver_bind() {
    let sim = start(config()).await.unwrap();
    let err = sim.inject_deliver("someone-else", MoMessage::default());
    assert!(matches!(
        err,
        Err(smppd::sim::InjectError::UnknownSystemId(_))
    ));
    let mo = MoMessage {
        source_addr: "34600111222".into(),
        source_addr_ton: 1,
        source_addr_npi: 1,
        destination_addr: "12345".into(),
        data_coding: 8,
        short_message: vec![0, b'S', 0, b'T', 0, b'O', 0, b'P'],
        tlvs: vec![(0x020A, vec![0x1F, 0x90])],
        ..MoMessage::default()
    };
    sim.inject_deliver("smppd", mo).unwrap();
    // A transmitter never gets it; the receiver does.
    let mut tx = Client::bound(&sim, Kind::Tx).await;
    let mut rx = Client::bound(&sim, Kind::Rx).await;
    let frame = next_deliver(&mut rx).await;
    let pdu = Pdu::decode(&frame).unwrap();
    let Body::DeliverSm(sm) = &pdu.body else {
        panic!("not a deliver_sm")
    };
    assert_eq!(sm.source_addr.as_bytes(), b"34600111222");
    assert_eq!(sm.destination_addr.as_bytes(), b"12345");
    assert_eq!((sm.esm_class, sm.data_coding), (0, 8));
    assert_eq!(sm.short_message.len(), 8);
    assert_eq!(sm.tlvs.get(0x020A), Some(Tlv::SourcePort(0x1F90)));
    answer(&mut rx, &frame, CommandStatus::Ok).await;
    eventually(&sim, "MO acknowledged", |s| s.mo_acked == 1).await;
    assert_eq!(tx.submit_one(0, b"x").await.0, CommandStatus::Ok);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn disconnect_all_drops_every_connection_and_rebinding_works() {
    let sim = start(config()).await.unwrap();
    let mut a = Client::bound(&sim, Kind::Tx).await;
    let mut b = Client::bound(&sim, Kind::Rx).await;
    sim.disconnect_all();
    assert!(a.closed().await);
    assert!(b.closed().await);
    eventually(&sim, "dropped", |s| {
        s.disconnects == 2 && s.binds_current == 0
    })
    .await;
    let mut c = Client::bound(&sim, Kind::Tx).await;
    assert_eq!(c.submit_one(0, b"again").await.0, CommandStatus::Ok);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn shutdown_unbinds_clients() {
    let sim = start(SimConfig {
        // Room for a slow machine to answer before the simulator gives up on the answer.
        shutdown_grace: Duration::from_secs(10),
        ..config()
    })
    .await
    .unwrap();
    let mut c = Client::bound(&sim, Kind::Trx).await;
    let stopping = tokio::spawn(sim.shutdown());
    let frame = c.recv().await;
    let unbind = Pdu::decode(&frame).unwrap();
    assert_eq!(unbind.command_id(), CommandId::Unbind);
    c.send(&Pdu::new(unbind.sequence_number, Body::UnbindResp))
        .await;
    assert!(c.try_recv().await.is_none());
    timeout(WAIT, stopping).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn tls_bind_and_submit_with_a_self_signed_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let sim = start(SimConfig {
        tls: Some(TlsConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            identity: TlsIdentity::Pem {
                cert: certified.cert.pem(),
                key: certified.signing_key.serialize_pem(),
            },
        }),
        ..config()
    })
    .await
    .unwrap();
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let client_config = tokio_rustls::rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(client_config));
    let tcp = TcpStream::connect(sim.tls_addr().unwrap()).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = timeout(WAIT, connector.connect(name, tcp))
        .await
        .unwrap()
        .unwrap();
    let mut c = Client::over(tls);
    assert_eq!(
        c.bind(Kind::Trx, "smppd", "secret").await,
        CommandStatus::Ok
    );
    assert_eq!(c.submit_one(0, b"over TLS").await.0, CommandStatus::Ok);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_configurations_are_refused_at_start() {
    let err = start(SimConfig {
        system_id: "far-too-long-system-id".into(),
        max_connections: 0,
        ..config()
    })
    .await
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let msg = err.to_string();
    assert!(
        msg.contains("system_id") && msg.contains("max_connections"),
        "{msg}"
    );
    let err = start(SimConfig {
        tls: Some(TlsConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            identity: TlsIdentity::Pem {
                cert: "not a certificate".into(),
                key: "nor a key".into(),
            },
        }),
        ..config()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("TLS"), "{err}");
}

#[tokio::test]
async fn the_same_seed_draws_the_same_faults() {
    async fn draws(seed: u64) -> Vec<CommandStatus> {
        let sim = start(SimConfig {
            seed: Some(seed),
            faults: Faults {
                throttle_fraction: 0.5,
                ..Faults::default()
            },
            ..config()
        })
        .await
        .unwrap();
        let mut c = Client::bound(&sim, Kind::Tx).await;
        let mut out = Vec::new();
        for _ in 0..64 {
            out.push(c.submit_one(0, b"dice").await.0);
        }
        sim.shutdown().await.unwrap();
        out
    }
    let first = draws(7).await;
    assert_eq!(first, draws(7).await);
    assert!(first.contains(&CommandStatus::Ok) && first.contains(&CommandStatus::Throttled));
    assert_ne!(first, draws(8).await);
}
