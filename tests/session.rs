//! The bind state machine driven with bytes and virtual time: no sockets, no clock.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use smppd::pdu::{
    Body, COctet, CommandId, CommandStatus, List, MessageIdResp, Octets, Pdu, SubmitSm, Tlv,
};
use smppd::session::{
    BindMode, CloseReason, Event, MAX_SEQUENCE, Outcome, Session, SessionConfig, State, SubmitError,
};

fn t0() -> Instant {
    tokio::time::Instant::now().into_std()
}

fn cfg(mode: BindMode, window: usize) -> SessionConfig {
    SessionConfig {
        mode,
        system_id: "smppd".into(),
        password: "secret".into(),
        window,
        enquire_link_interval: Duration::from_secs(30),
        response_timeout: Duration::from_secs(10),
        bind_timeout: Duration::from_secs(5),
        ..SessionConfig::default()
    }
}

/// Everything the session wants written, cut into frames.
fn sent(s: &mut Session) -> Vec<Bytes> {
    let mut buf = BytesMut::new();
    s.transmit(&mut buf);
    let mut frames = Vec::new();
    while !buf.is_empty() {
        let len = u32::from_be_bytes(buf[..4].try_into().unwrap()) as usize;
        frames.push(buf.split_to(len).freeze());
    }
    frames
}

fn ids(frames: &[Bytes]) -> Vec<(CommandId, CommandStatus, u32)> {
    frames
        .iter()
        .map(|f| {
            let p = Pdu::decode(f).unwrap();
            (p.command_id(), p.command_status, p.sequence_number)
        })
        .collect()
}

fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn frame(status: CommandStatus, seq: u32, body: Body<'_>) -> Bytes {
    Pdu {
        command_status: status,
        sequence_number: seq,
        body,
    }
    .to_bytes()
    .unwrap()
}

fn submit_resp(seq: u32, id: &str) -> Bytes {
    frame(
        CommandStatus::Ok,
        seq,
        Body::SubmitSmResp(Some(MessageIdResp {
            message_id: COctet::from_str(id),
            tlvs: List::default(),
        })),
    )
}

fn sm(dest: &str) -> Body<'_> {
    Body::SubmitSm(SubmitSm {
        source_addr_ton: 5,
        source_addr: COctet::from_str("ACME"),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: COctet::from_str(dest),
        registered_delivery: 1,
        short_message: Octets::new(b"hi"),
        ..Default::default()
    })
}

/// A session bound as `mode`, its bind exchange consumed.
fn bound(mode: BindMode, window: usize, now: Instant) -> Session {
    let mut s = Session::new(cfg(mode, window), now);
    let out = sent(&mut s);
    let (id, _, seq) = ids(&out)[0];
    let resp = match id {
        CommandId::BindTransmitter => Body::BindTransmitterResp(None),
        CommandId::BindReceiver => Body::BindReceiverResp(None),
        _ => Body::BindTransceiverResp(None),
    };
    s.handle_frame(now, frame(CommandStatus::Ok, seq, resp));
    assert_eq!(s.state(), State::Bound(mode));
    events(&mut s);
    s
}

#[test]
fn binds_with_the_configured_credentials_and_type() {
    let now = t0();
    for (mode, id) in [
        (BindMode::Transmitter, CommandId::BindTransmitter),
        (BindMode::Receiver, CommandId::BindReceiver),
        (BindMode::Transceiver, CommandId::BindTransceiver),
    ] {
        let mut s = Session::new(cfg(mode, 8), now);
        let out = sent(&mut s);
        let p = Pdu::decode(&out[0]).unwrap();
        assert_eq!(p.command_id(), id);
        let (Body::BindTransmitter(b) | Body::BindReceiver(b) | Body::BindTransceiver(b)) = p.body
        else {
            panic!()
        };
        assert_eq!(
            (b.system_id.as_bytes(), b.password.as_bytes()),
            (&b"smppd"[..], &b"secret"[..])
        );
        assert_eq!(b.interface_version, 0x34);
        assert_eq!(s.state(), State::Binding);
        assert!(!s.can_submit());

        let resp = Body::BindTransceiverResp(Some(smppd::pdu::BindResp {
            system_id: COctet::from_str("SMSC"),
            tlvs: List::from(vec![Tlv::ScInterfaceVersion(0x34)]),
        }));
        // The wrong response type for the bind is ignored; the right one binds.
        let resp_id = id.response().unwrap();
        let right = match resp_id {
            CommandId::BindTransmitterResp => Body::BindTransmitterResp(None),
            CommandId::BindReceiverResp => Body::BindReceiverResp(None),
            _ => resp.clone(),
        };
        if resp_id != CommandId::BindTransceiverResp {
            s.handle_frame(now, frame(CommandStatus::Ok, p.sequence_number, resp));
            assert_eq!(s.state(), State::Binding);
        }
        s.handle_frame(now, frame(CommandStatus::Ok, p.sequence_number, right));
        assert_eq!(s.state(), State::Bound(mode));
        assert!(matches!(events(&mut s)[..], [Event::Bound { .. }]));
        assert_eq!(s.can_submit(), mode != BindMode::Receiver);
    }
}

#[test]
fn bind_failure_and_bind_timeout_close_the_link() {
    let now = t0();
    let mut s = Session::new(cfg(BindMode::Transceiver, 8), now);
    let seq = ids(&sent(&mut s))[0].2;
    s.handle_frame(
        now,
        frame(
            CommandStatus::InvalidPassword,
            seq,
            Body::BindTransceiverResp(None),
        ),
    );
    assert_eq!(s.state(), State::Closed);
    assert_eq!(
        events(&mut s),
        [Event::Closed(CloseReason::BindFailed(
            CommandStatus::InvalidPassword
        ))]
    );

    let mut s = Session::new(cfg(BindMode::Transceiver, 8), now);
    sent(&mut s);
    assert_eq!(s.poll_timeout(), Some(now + Duration::from_secs(5)));
    s.handle_timeout(now + Duration::from_secs(4));
    assert_eq!(s.state(), State::Binding);
    s.handle_timeout(now + Duration::from_secs(5));
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::BindTimeout)]);
}

#[test]
fn outbind_is_answered_with_a_bind() {
    let now = t0();
    let mut s = Session::awaiting_outbind(cfg(BindMode::Receiver, 8), now);
    assert!(sent(&mut s).is_empty());
    let outbind = frame(
        CommandStatus::Ok,
        1,
        Body::Outbind(smppd::pdu::Outbind {
            system_id: COctet::from_str("smsc"),
            password: COctet::from_str("pw"),
            tlvs: List::default(),
        }),
    );
    s.handle_frame(now, outbind);
    let out = ids(&sent(&mut s));
    assert_eq!(out.len(), 1, "outbind itself is never answered");
    assert_eq!(out[0].0, CommandId::BindReceiver);
    assert_eq!(s.state(), State::Binding);
}

#[test]
fn window_bounds_outstanding_submits() {
    let now = t0();
    let mut s = bound(BindMode::Transmitter, 2, now);
    let a = s.submit(now, 1, &sm("1")).unwrap();
    s.submit(now, 2, &sm("2")).unwrap();
    assert!(!s.can_submit());
    assert_eq!(s.submit(now, 3, &sm("3")), Err(SubmitError::WindowFull));
    assert_eq!(s.in_flight(), 2);
    sent(&mut s);
    s.handle_frame(now, submit_resp(a, "m1"));
    assert!(s.can_submit());
    s.submit(now, 3, &sm("3")).unwrap();
    assert_eq!(s.in_flight(), 2);
}

#[test]
fn receivers_cannot_submit_and_only_requests_are_submitted() {
    let now = t0();
    let mut s = bound(BindMode::Receiver, 2, now);
    assert_eq!(s.submit(now, 1, &sm("1")), Err(SubmitError::NotBound));
    let mut s = bound(BindMode::Transceiver, 2, now);
    assert!(matches!(
        s.submit(now, 1, &Body::EnquireLink),
        Err(SubmitError::NotARequest(CommandId::EnquireLink))
    ));
}

#[test]
fn responses_match_by_sequence_in_any_order() {
    let now = t0();
    let mut s = bound(BindMode::Transceiver, 8, now);
    let seqs: Vec<u32> = (10..13)
        .map(|t| s.submit(now, t, &sm("346")).unwrap())
        .collect();
    assert_eq!(
        ids(&sent(&mut s)).len(),
        3,
        "all three written in one transmit"
    );
    for (i, &seq) in seqs.iter().enumerate().rev() {
        s.handle_frame(now, submit_resp(seq, &format!("id-{i}")));
    }
    let got: Vec<(u64, Outcome)> = events(&mut s)
        .into_iter()
        .map(|e| match e {
            Event::Response { token, outcome } => (token, outcome),
            other => panic!("{other:?}"),
        })
        .collect();
    let want = |t, i: usize| {
        (
            t,
            Outcome::Accepted {
                message_id: Bytes::from(format!("id-{i}")),
            },
        )
    };
    assert_eq!(got, [want(12, 2), want(11, 1), want(10, 0)]);
    assert_eq!(s.in_flight(), 0);
    // A second answer to the same request is ignored.
    s.handle_frame(now, submit_resp(seqs[0], "again"));
    assert!(events(&mut s).is_empty());
}

#[test]
fn rejections_throttles_and_generic_nack() {
    let now = t0();
    let mut s = bound(BindMode::Transceiver, 8, now);
    let a = s.submit(now, 1, &sm("1")).unwrap();
    let b = s.submit(now, 2, &sm("2")).unwrap();
    let c = s.submit(now, 3, &sm("3")).unwrap();
    let d = s.submit(now, 4, &sm("4")).unwrap();
    sent(&mut s);
    s.handle_frame(
        now,
        frame(
            CommandStatus::InvalidDestinationAddress,
            a,
            Body::SubmitSmResp(None),
        ),
    );
    s.handle_frame(
        now,
        frame(CommandStatus::Throttled, b, Body::SubmitSmResp(None)),
    );
    s.handle_frame(
        now,
        frame(CommandStatus::MessageQueueFull, c, Body::GenericNack),
    );
    s.handle_frame(now, frame(CommandStatus::SystemError, d, Body::GenericNack));
    let outcomes: Vec<Outcome> = events(&mut s)
        .into_iter()
        .map(|e| match e {
            Event::Response { outcome, .. } => outcome,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Rejected(CommandStatus::InvalidDestinationAddress),
            Outcome::Throttled(CommandStatus::Throttled),
            Outcome::Throttled(CommandStatus::MessageQueueFull),
            Outcome::Rejected(CommandStatus::SystemError),
        ]
    );
    assert_eq!(s.state(), State::Bound(BindMode::Transceiver));
}

#[test]
fn a_response_timeout_is_unknown_and_probes_the_link() {
    let now = t0();
    let mut s = bound(BindMode::Transceiver, 8, now);
    s.submit(now, 7, &sm("1")).unwrap();
    sent(&mut s);
    let deadline = s.poll_timeout().unwrap();
    assert_eq!(deadline, now + Duration::from_secs(10));
    s.handle_timeout(deadline);
    assert_eq!(
        events(&mut s),
        [Event::Response {
            token: 7,
            outcome: Outcome::Unknown
        }]
    );
    // The timeout sends an enquire_link; an answer keeps the bind up.
    let out = ids(&sent(&mut s));
    assert_eq!(out[0].0, CommandId::EnquireLink);
    s.handle_frame(
        deadline,
        frame(CommandStatus::Ok, out[0].2, Body::EnquireLinkResp),
    );
    assert_eq!(s.state(), State::Bound(BindMode::Transceiver));
    // The late response to the timed-out submit is dropped.
    s.handle_frame(deadline, submit_resp(2, "late"));
    assert!(events(&mut s).is_empty());
}

#[test]
fn an_unanswered_enquire_link_means_a_dead_link() {
    let now = t0();
    let mut s = bound(BindMode::Transceiver, 8, now);
    s.submit(now, 1, &sm("1")).unwrap();
    sent(&mut s);
    let idle = now + Duration::from_secs(30);
    // The submit's own timeout comes first and probes the link.
    s.handle_timeout(now + Duration::from_secs(10));
    assert_eq!(ids(&sent(&mut s))[0].0, CommandId::EnquireLink);
    events(&mut s);
    s.handle_timeout(now + Duration::from_secs(20));
    assert_eq!(
        events(&mut s),
        [Event::Closed(CloseReason::EnquireLinkTimeout)]
    );
    assert_eq!(s.state(), State::Closed);
    // Half-open: a best-effort unbind goes out before the transport is closed.
    assert_eq!(ids(&sent(&mut s))[0].0, CommandId::Unbind);
    assert!(idle > now);
}

#[test]
fn enquire_link_when_idle_and_answered_in_every_state() {
    let now = t0();
    let mut s = bound(BindMode::Transceiver, 8, now);
    assert_eq!(s.poll_timeout(), Some(now + Duration::from_secs(30)));
    s.handle_timeout(now + Duration::from_secs(29));
    assert!(sent(&mut s).is_empty());
    let later = now + Duration::from_secs(30);
    s.handle_timeout(later);
    let out = ids(&sent(&mut s));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].0, CommandId::EnquireLink);
    s.handle_frame(
        later,
        frame(CommandStatus::Ok, out[0].2, Body::EnquireLinkResp),
    );
    // Anything received counts as activity: the next probe is 30 s after it.
    assert_eq!(s.poll_timeout(), Some(later + Duration::from_secs(30)));

    // The SMSC's enquire_link is answered while binding, bound and unbinding.
    let mut binding = Session::new(cfg(BindMode::Transceiver, 8), now);
    sent(&mut binding);
    let mut unbinding = bound(BindMode::Transceiver, 8, now);
    unbinding.unbind(now);
    sent(&mut unbinding);
    for s in [&mut binding, &mut s, &mut unbinding] {
        s.handle_frame(now, frame(CommandStatus::Ok, 77, Body::EnquireLink));
        assert_eq!(
            ids(&sent(s)),
            [(CommandId::EnquireLinkResp, CommandStatus::Ok, 77)]
        );
    }
}

#[test]
fn unbind_initiated_here_lets_outstanding_responses_finish() {
    let now = t0();
    let mut s = bound(BindMode::Transceiver, 8, now);
    let a = s.submit(now, 1, &sm("1")).unwrap();
    s.unbind(now);
    let out = ids(&sent(&mut s));
    assert_eq!(out.len(), 2);
    let unbind_seq = out.iter().find(|o| o.0 == CommandId::Unbind).unwrap().2;
    assert_eq!(s.state(), State::Unbinding);
    assert_eq!(s.submit(now, 2, &sm("2")), Err(SubmitError::NotBound));
    s.handle_frame(now, submit_resp(a, "m"));
    s.handle_frame(now, frame(CommandStatus::Ok, unbind_seq, Body::UnbindResp));
    let ev = events(&mut s);
    assert!(matches!(
        ev[0],
        Event::Response {
            token: 1,
            outcome: Outcome::Accepted { .. }
        }
    ));
    assert_eq!(ev[1], Event::Closed(CloseReason::Unbound));
}

#[test]
fn unbind_from_the_smsc_is_answered_and_outstanding_becomes_unknown() {
    let now = t0();
    let mut s = bound(BindMode::Transceiver, 8, now);
    s.submit(now, 5, &sm("1")).unwrap();
    sent(&mut s);
    s.submit(now, 6, &sm("2")).unwrap();
    s.handle_frame(now, frame(CommandStatus::Ok, 99, Body::Unbind));
    assert_eq!(
        events(&mut s),
        [
            Event::Response {
                token: 5,
                outcome: Outcome::Unknown
            },
            Event::Response {
                token: 6,
                outcome: Outcome::NotSent
            },
            Event::Closed(CloseReason::PeerUnbound),
        ]
    );
    // Only the unbind_resp goes out: the submit that never left is dropped, not sent late.
    assert_eq!(
        ids(&sent(&mut s)),
        [(CommandId::UnbindResp, CommandStatus::Ok, 99)]
    );
}

#[test]
fn the_transport_ending_resolves_everything() {
    let now = t0();
    let mut s = bound(BindMode::Transceiver, 8, now);
    s.submit(now, 1, &sm("1")).unwrap();
    sent(&mut s);
    s.submit(now, 2, &sm("2")).unwrap();
    s.connection_lost();
    assert_eq!(
        events(&mut s),
        [
            Event::Response {
                token: 1,
                outcome: Outcome::Unknown
            },
            Event::Response {
                token: 2,
                outcome: Outcome::NotSent
            },
            Event::Closed(CloseReason::ConnectionLost),
        ]
    );
    assert_eq!(s.in_flight(), 0);
}

#[test]
fn requests_not_allowed_now_get_invalid_bind_status() {
    let now = t0();
    let deliver = sm("346");
    let deliver = match deliver {
        Body::SubmitSm(b) => Body::DeliverSm(b),
        _ => unreachable!(),
    };
    // deliver_sm on a transmitter bind, and while still binding.
    let mut tx = bound(BindMode::Transmitter, 8, now);
    tx.handle_frame(now, frame(CommandStatus::Ok, 3, deliver.clone()));
    let mut binding = Session::new(cfg(BindMode::Transceiver, 8), now);
    sent(&mut binding);
    binding.handle_frame(now, frame(CommandStatus::Ok, 3, deliver));
    for s in [&mut tx, &mut binding] {
        assert_eq!(
            ids(&sent(s)),
            [(
                CommandId::DeliverSmResp,
                CommandStatus::InvalidBindStatus,
                3
            )]
        );
        assert!(events(s).is_empty());
    }
    // An SMSC may not submit to us, nor bind.
    tx.handle_frame(now, frame(CommandStatus::Ok, 4, sm("1")));
    assert_eq!(
        ids(&sent(&mut tx)),
        [(CommandId::SubmitSmResp, CommandStatus::InvalidBindStatus, 4)]
    );
    // An unknown command gets generic_nack.
    tx.handle_frame(
        now,
        frame(
            CommandStatus::Ok,
            5,
            Body::Other {
                command_id: 0x0000_0222,
                body: Octets::new(b""),
            },
        ),
    );
    assert_eq!(
        ids(&sent(&mut tx)),
        [(CommandId::GenericNack, CommandStatus::InvalidCommandId, 5)]
    );
    assert_eq!(tx.state(), State::Bound(BindMode::Transmitter));
}

#[test]
fn malformed_requests_are_answered_and_the_bind_stays_up() {
    let now = t0();
    let mut s = bound(BindMode::Transceiver, 8, now);
    // A deliver_sm whose message_state TLV has two octets.
    let mut bad = Body::DeliverSm(match sm("346") {
        Body::SubmitSm(b) => b,
        _ => unreachable!(),
    });
    if let Body::DeliverSm(b) = &mut bad {
        b.tlvs = List::from(vec![Tlv::Other {
            tag: 0x1400,
            value: Octets::new(b"xy"),
        }]);
    }
    let mut bytes = BytesMut::from(&frame(CommandStatus::Ok, 8, bad)[..]);
    let n = bytes.len();
    bytes[n - 6..n - 4].copy_from_slice(&0x0427u16.to_be_bytes());
    s.handle_frame(now, bytes.freeze());
    assert_eq!(
        ids(&sent(&mut s)),
        [(CommandId::DeliverSmResp, CommandStatus::InvalidTlvLength, 8)]
    );
    // A body cut short gets generic_nack ESME_RINVCMDLEN.
    let mut cut = frame(CommandStatus::Ok, 9, Body::EnquireLink).to_vec();
    cut.extend_from_slice(b"junk");
    cut[3] = 20;
    s.handle_frame(now, Bytes::from(cut));
    assert_eq!(
        ids(&sent(&mut s)),
        [(
            CommandId::GenericNack,
            CommandStatus::InvalidCommandLength,
            9
        )]
    );
    assert_eq!(s.state(), State::Bound(BindMode::Transceiver));
}

#[test]
fn inbound_messages_wait_for_the_consumer() {
    let now = t0();
    let mut s = bound(BindMode::Receiver, 8, now);
    let deliver = Body::DeliverSm(match sm("346") {
        Body::SubmitSm(b) => b,
        _ => unreachable!(),
    });
    let f = frame(CommandStatus::Ok, 41, deliver);
    s.handle_frame(now, f.clone());
    assert!(
        sent(&mut s).is_empty(),
        "no answer before the consumer confirms"
    );
    assert_eq!(
        events(&mut s),
        [Event::Inbound {
            sequence_number: 41,
            command_id: CommandId::DeliverSm,
            frame: f
        }]
    );
    s.respond(41, CommandId::DeliverSm, CommandStatus::Ok);
    assert_eq!(
        ids(&sent(&mut s)),
        [(CommandId::DeliverSmResp, CommandStatus::Ok, 41)]
    );
    s.respond(
        42,
        CommandId::DataSm,
        CommandStatus::ReceiverTemporaryAppError,
    );
    assert_eq!(
        ids(&sent(&mut s)),
        [(
            CommandId::DataSmResp,
            CommandStatus::ReceiverTemporaryAppError,
            42
        )]
    );
    // alert_notification is reported and never answered.
    let alert = frame(
        CommandStatus::Ok,
        43,
        Body::AlertNotification(smppd::pdu::AlertNotification {
            source_addr_ton: 1,
            source_addr_npi: 1,
            source_addr: COctet::from_str("346"),
            esme_addr_ton: 0,
            esme_addr_npi: 0,
            esme_addr: COctet::from_str("smppd"),
            tlvs: List::default(),
        }),
    );
    s.handle_frame(now, alert);
    assert!(matches!(events(&mut s)[..], [Event::Alert { .. }]));
    assert!(sent(&mut s).is_empty());
}

#[test]
fn sequence_numbers_wrap_to_one() {
    let now = t0();
    let mut s = Session::new_at_sequence(cfg(BindMode::Transceiver, 8), now, MAX_SEQUENCE - 1);
    let bind_seq = ids(&sent(&mut s))[0].2;
    assert_eq!(bind_seq, MAX_SEQUENCE - 1);
    s.handle_frame(
        now,
        frame(CommandStatus::Ok, bind_seq, Body::BindTransceiverResp(None)),
    );
    assert!(matches!(events(&mut s)[..], [Event::Bound { .. }]));
    let a = s.submit(now, 1, &sm("1")).unwrap();
    let b = s.submit(now, 2, &sm("2")).unwrap();
    assert_eq!((a, b), (MAX_SEQUENCE, 1));
    sent(&mut s);
    s.handle_frame(now, submit_resp(b, "after-wrap"));
    s.handle_frame(now, submit_resp(a, "before-wrap"));
    let tokens: Vec<u64> = events(&mut s)
        .into_iter()
        .map(|e| match e {
            Event::Response { token, .. } => token,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(tokens, [2, 1]);
}

#[test]
fn a_sequence_still_outstanding_is_never_reused() {
    use smppd::session::Sequence;
    let mut seq = Sequence::starting_at(MAX_SEQUENCE);
    let outstanding = [1u32, 2];
    assert_eq!(seq.next(|s| outstanding.contains(&s)), MAX_SEQUENCE);
    assert_eq!(seq.next(|s| outstanding.contains(&s)), 3);
}

#[test]
fn pre_encoded_submits_get_this_binds_sequence() {
    let now = t0();
    let mut s = bound(BindMode::Transmitter, 4, now);
    let encoded = Pdu::new(0, sm("34600111222")).to_bytes().unwrap();
    let seq = s.submit_frame(now, 9, &encoded).unwrap();
    let out = sent(&mut s);
    let p = Pdu::decode(&out[0]).unwrap();
    assert_eq!(p.sequence_number, seq);
    assert_eq!(p.body, sm("34600111222"));
    assert_eq!(
        s.submit_frame(now, 10, &encoded[..20]),
        Err(SubmitError::NotAFrame)
    );
    let enquire = Pdu::new(0, Body::EnquireLink).to_bytes().unwrap();
    assert!(matches!(
        s.submit_frame(now, 11, &enquire),
        Err(SubmitError::NotARequest(CommandId::EnquireLink))
    ));
}

#[test]
fn debug_output_never_shows_the_password() {
    let s = Session::new(cfg(BindMode::Transceiver, 1), t0());
    let shown = format!("{s:?}");
    assert!(
        !shown.contains("secret") && shown.contains("<redacted>"),
        "{shown}"
    );
}
