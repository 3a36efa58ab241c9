//! The ESME side of one SMPP bind, as a state machine with no I/O and no clock
//! (smpp-reference §9; shape after quinn-proto's connection).
//!
//! A driver feeds it frames ([`Session::handle_frame`]) and the time ([`Session::handle_timeout`]),
//! writes what [`Session::transmit`] hands over, sleeps until [`Session::poll_timeout`], and acts
//! on [`Session::poll_event`]. Callers [`Session::submit`] requests and get each one's
//! [`Outcome`] back as an [`Event::Response`] carrying their token. Everything here is tested
//! with bytes in, bytes out and virtual time.
//!
//! Rules it keeps: sequence numbers 1..=0x7FFFFFFF, wrapping, never reused while outstanding; at
//! most `window` submits outstanding; responses matched by sequence number in any order, with
//! generic_nack completing its request; enquire_link sent when the link is idle and answered in
//! every state; anything not allowed in the current state answered with ESME_RINVBNDSTS; a
//! malformed request answered with its error while the bind stays up. A response that does not
//! come in time makes that request [`Outcome::Unknown`] (it may have been delivered) and sends an
//! enquire_link: only if that goes unanswered too is the link declared dead.

mod config;
mod event;
mod sequence;
mod window;

use std::collections::VecDeque;
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use crate::pdu::{Bind, Body, COctet, CommandId, CommandStatus, List, MessageIdResp, Pdu, Tlv};

pub use config::{BindMode, SessionConfig};
pub use event::{CloseReason, Event, Outcome};
pub use sequence::{MAX_SEQUENCE, Sequence};
use window::{Kind, Pending, Window};

/// Where the bind stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Connected, waiting for the SMSC's outbind before binding.
    AwaitingOutbind,
    /// bind sent, waiting for bind_resp.
    Binding,
    /// Bound in this mode.
    Bound(BindMode),
    /// We sent unbind and wait for unbind_resp; nothing new is sent.
    Unbinding,
    /// The link is over; the transport should be closed.
    Closed,
}

/// Why a submit was not taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// The bind is not bound as a transmitter or transceiver.
    #[error("the bind cannot submit in its current state")]
    NotBound,
    /// `window` submits are already outstanding.
    #[error("the window is full")]
    WindowFull,
    /// The request is not a command the ESME sends for an answer.
    #[error("{0} is not a request this bind submits")]
    NotARequest(CommandId),
    /// The octets given to [`Session::submit_frame`] are not one whole PDU.
    #[error("not one whole PDU (command_length must equal the octets given)")]
    NotAFrame,
    /// The PDU broke a field limit.
    #[error(transparent)]
    Encode(#[from] crate::pdu::EncodeError),
}

/// One bind's protocol state. `Debug` shows sizes, never the octets waiting to be written (a
/// bind PDU carries the password).
pub struct Session {
    cfg: SessionConfig,
    state: State,
    sequence: Sequence,
    window: Window,
    /// Responses and control requests waiting to be written.
    control: BytesMut,
    /// Submits waiting to be written, kept apart so that a link that ends can drop them (they
    /// never left the process) without dropping an answer queued after them.
    submits: BytesMut,
    /// Sequence numbers of the submits in `submits`.
    unsent: Vec<u32>,
    events: VecDeque<Event>,
    last_received: Instant,
    enquire_link: Option<u32>,
    bind_deadline: Option<Instant>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("cfg", &self.cfg)
            .field("state", &self.state)
            .field("in_flight", &self.window.submits())
            .field("pending_output", &self.pending_output())
            .field("events", &self.events.len())
            .field("enquire_link", &self.enquire_link)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session that binds at once (the usual case: smppd dialled the SMSC).
    pub fn new(cfg: SessionConfig, now: Instant) -> Session {
        Session::new_at_sequence(cfg, now, 1)
    }

    /// As [`Session::new`], numbering requests from `first` (tests of the wrap).
    pub fn new_at_sequence(cfg: SessionConfig, now: Instant, first: u32) -> Session {
        let mut s = Session::idle(cfg, now, State::Binding);
        s.sequence = Sequence::starting_at(first);
        s.send_bind(now);
        s
    }

    /// A session on a connection the SMSC opened: it binds when the outbind arrives.
    pub fn awaiting_outbind(cfg: SessionConfig, now: Instant) -> Session {
        let mut s = Session::idle(cfg, now, State::AwaitingOutbind);
        s.bind_deadline = Some(now + s.cfg.bind_timeout);
        s
    }

    fn idle(cfg: SessionConfig, now: Instant, state: State) -> Session {
        Session {
            window: Window::new(cfg.window),
            cfg,
            state,
            sequence: Sequence::default(),
            control: BytesMut::with_capacity(256),
            submits: BytesMut::with_capacity(4096),
            unsent: Vec::new(),
            events: VecDeque::new(),
            last_received: now,
            enquire_link: None,
            bind_deadline: None,
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.cfg
    }

    /// Whether a submit would be taken now.
    pub fn can_submit(&self) -> bool {
        matches!(self.state, State::Bound(mode) if mode.can_submit()) && self.window.has_room()
    }

    /// Submits outstanding.
    pub fn in_flight(&self) -> usize {
        self.window.submits()
    }

    /// The window size.
    pub fn window_size(&self) -> usize {
        self.window.capacity()
    }

    /// Sends a request (submit_sm, data_sm, query_sm, cancel_sm, replace_sm, submit_multi or
    /// a broadcast request). Its answer comes back as [`Event::Response`] with `token`.
    pub fn submit(
        &mut self,
        now: Instant,
        token: u64,
        body: &Body<'_>,
    ) -> Result<u32, SubmitError> {
        let expects = self.admit(body.command_id())?;
        let seq = self.next_sequence();
        let pdu = Pdu {
            command_status: CommandStatus::Ok,
            sequence_number: seq,
            body: body.clone(),
        };
        pdu.encode_with(&mut self.submits, &self.cfg.limits)?;
        self.track_submit(now, token, seq, expects);
        Ok(seq)
    }

    /// As [`Session::submit`] for a request already encoded (once, by whoever built it): the
    /// octets are copied as they are, with this bind's sequence number written in.
    pub fn submit_frame(
        &mut self,
        now: Instant,
        token: u64,
        frame: &[u8],
    ) -> Result<u32, SubmitError> {
        let header = crate::pdu::Header::peek(frame)
            .filter(|h| h.command_length as usize == frame.len())
            .ok_or(SubmitError::NotAFrame)?;
        let expects = self.admit(header.command_id)?;
        let seq = self.next_sequence();
        let at = self.submits.len();
        self.submits.extend_from_slice(frame);
        self.submits[at + 12..at + 16].copy_from_slice(&seq.to_be_bytes());
        self.track_submit(now, token, seq, expects);
        Ok(seq)
    }

    /// Checks that `id` may be submitted now and returns the response it waits for.
    fn admit(&self, id: CommandId) -> Result<CommandId, SubmitError> {
        let expects = match id {
            CommandId::SubmitSm
            | CommandId::DataSm
            | CommandId::QuerySm
            | CommandId::CancelSm
            | CommandId::ReplaceSm
            | CommandId::SubmitMulti
            | CommandId::BroadcastSm
            | CommandId::QueryBroadcastSm
            | CommandId::CancelBroadcastSm => id.response().ok_or(SubmitError::NotARequest(id))?,
            _ => return Err(SubmitError::NotARequest(id)),
        };
        if !matches!(self.state, State::Bound(mode) if mode.can_submit()) {
            return Err(SubmitError::NotBound);
        }
        if !self.window.has_room() {
            return Err(SubmitError::WindowFull);
        }
        Ok(expects)
    }

    fn track_submit(&mut self, now: Instant, token: u64, seq: u32, expects: CommandId) {
        self.window.insert(
            seq,
            Pending {
                kind: Kind::Submit(token),
                expects,
                deadline: now + self.cfg.response_timeout,
            },
        );
        self.unsent.push(seq);
    }

    /// Answers an [`Event::Inbound`] once its consumer has taken it (or refused it).
    pub fn respond(&mut self, sequence_number: u32, command_id: CommandId, status: CommandStatus) {
        if self.state == State::Closed {
            // The SMSC redelivers anything left unanswered on a dead link.
            return;
        }
        let resp = Some(MessageIdResp {
            message_id: COctet::EMPTY,
            tlvs: List::default(),
        });
        let body = match command_id {
            CommandId::DataSm => Body::DataSmResp(resp),
            _ => Body::DeliverSmResp(resp),
        };
        self.send(Pdu {
            command_status: status,
            sequence_number,
            body,
        });
    }

    /// Starts a clean unbind: nothing new is submitted; the link closes on unbind_resp or after
    /// the response timeout. Outstanding submits still get their responses meanwhile.
    pub fn unbind(&mut self, now: Instant) {
        match self.state {
            State::Bound(_) => {
                self.state = State::Unbinding;
                self.send_request(now, Kind::Unbind, Body::Unbind, CommandId::UnbindResp);
            }
            State::Binding | State::AwaitingOutbind => self.close(CloseReason::Unbound),
            State::Unbinding | State::Closed => {}
        }
    }

    /// The transport ended: every outstanding request gets its outcome and the session closes.
    pub fn connection_lost(&mut self) {
        if self.state != State::Closed {
            self.close(CloseReason::ConnectionLost);
        }
    }

    /// Moves the octets waiting to be written into `dst`, answers and control first, so that
    /// everything ready goes out in one write.
    pub fn transmit(&mut self, dst: &mut BytesMut) {
        dst.extend_from_slice(&self.control);
        dst.extend_from_slice(&self.submits);
        self.control.clear();
        self.submits.clear();
        self.unsent.clear();
    }

    /// Octets waiting to be written.
    pub fn pending_output(&self) -> usize {
        self.control.len() + self.submits.len()
    }

    /// The next thing the driver must act on.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let idle = match self.state {
            State::Bound(_) if self.enquire_link.is_none() => {
                Some(self.last_received + self.cfg.enquire_link_interval)
            }
            _ => None,
        };
        [self.window.next_deadline(), idle, self.bind_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    /// Fires whatever is due at `now`: request timeouts, the bind timeout, keep-alive.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == State::Closed {
            return;
        }
        if self.bind_deadline.is_some_and(|d| d <= now) {
            self.close(CloseReason::BindTimeout);
            return;
        }
        let mut probe = false;
        while let Some((_, p)) = self.window.pop_expired(now) {
            match p.kind {
                Kind::Submit(token) => {
                    self.events.push_back(Event::Response {
                        token,
                        outcome: Outcome::Unknown,
                    });
                    probe = true;
                }
                Kind::EnquireLink => {
                    self.close(CloseReason::EnquireLinkTimeout);
                    return;
                }
                Kind::Unbind => {
                    self.close(CloseReason::Unbound);
                    return;
                }
                Kind::Bind => {
                    self.close(CloseReason::BindTimeout);
                    return;
                }
            }
        }
        let idle = now >= self.last_received + self.cfg.enquire_link_interval;
        if matches!(self.state, State::Bound(_)) && self.enquire_link.is_none() && (probe || idle) {
            self.send_enquire_link(now);
        }
    }

    /// Processes one frame from the SMSC (as cut by [`crate::framing::PduCodec`]).
    pub fn handle_frame(&mut self, now: Instant, frame: Bytes) {
        if self.state == State::Closed {
            return;
        }
        self.last_received = now;
        let pdu = match Pdu::decode_with(&frame, &self.cfg.limits) {
            Ok(pdu) => pdu,
            Err(err) => {
                if let Some(reply) = err.reply() {
                    self.send(reply);
                }
                return;
            }
        };
        let id = pdu.command_id();
        if id.is_response() {
            self.handle_response(&frame, pdu);
        } else {
            let seq = pdu.sequence_number;
            self.handle_request(now, seq, id, pdu.body, &frame);
        }
    }

    fn handle_request(
        &mut self,
        now: Instant,
        seq: u32,
        id: CommandId,
        body: Body<'_>,
        frame: &Bytes,
    ) {
        let bound_mode = match self.state {
            State::Bound(mode) => Some(mode),
            _ => None,
        };
        match body {
            Body::EnquireLink => self.send(Pdu::new(seq, Body::EnquireLinkResp)),
            Body::Unbind if bound_mode.is_some() || self.state == State::Unbinding => {
                self.send(Pdu::new(seq, Body::UnbindResp));
                self.close(CloseReason::PeerUnbound);
            }
            Body::DeliverSm(_) | Body::DataSm(_)
                if bound_mode.is_some_and(BindMode::can_receive) =>
            {
                self.events.push_back(Event::Inbound {
                    sequence_number: seq,
                    command_id: id,
                    frame: frame.clone(),
                });
            }
            Body::AlertNotification(_) => {
                if bound_mode.is_some_and(BindMode::can_receive) {
                    self.events.push_back(Event::Alert {
                        frame: frame.clone(),
                    });
                }
            }
            Body::Outbind(_) => {
                if self.state == State::AwaitingOutbind {
                    self.state = State::Binding;
                    self.send_bind(now);
                }
            }
            Body::Other { .. } => {
                self.send(Pdu::generic_nack(seq, CommandStatus::InvalidCommandId));
            }
            _ => self.send(Pdu::rejection(id, seq, CommandStatus::InvalidBindStatus)),
        }
    }

    fn handle_response(&mut self, frame: &Bytes, pdu: Pdu<'_>) {
        let seq = pdu.sequence_number;
        let id = pdu.command_id();
        let Some(pending) = self.window.remove(seq) else {
            // A response to nothing (or to a request that already timed out): never answered.
            return;
        };
        if id != pending.expects && id != CommandId::GenericNack {
            // Not the answer this request waits for: keep waiting for the right one.
            self.window.insert(seq, pending);
            return;
        }
        let status = pdu.command_status;
        match pending.kind {
            Kind::Submit(token) => {
                let outcome = submit_outcome(frame, &pdu);
                self.events.push_back(Event::Response { token, outcome });
            }
            Kind::Bind => self.bind_answered(status, &pdu),
            Kind::EnquireLink => self.enquire_link = None,
            Kind::Unbind => self.close(CloseReason::Unbound),
        }
    }

    fn bind_answered(&mut self, status: CommandStatus, pdu: &Pdu<'_>) {
        self.bind_deadline = None;
        if !status.is_ok() {
            self.close(CloseReason::BindFailed(status));
            return;
        }
        let (system_id, interface_version) = match &pdu.body {
            Body::BindTransmitterResp(Some(r))
            | Body::BindReceiverResp(Some(r))
            | Body::BindTransceiverResp(Some(r)) => (
                r.system_id.to_str_lossy().into_owned(),
                r.tlvs.iter().find_map(|t| match t {
                    Tlv::ScInterfaceVersion(v) => Some(v),
                    _ => None,
                }),
            ),
            _ => (String::new(), None),
        };
        self.state = State::Bound(self.cfg.mode);
        self.events.push_back(Event::Bound {
            system_id,
            interface_version,
        });
    }

    fn send_bind(&mut self, now: Instant) {
        let seq = self.next_sequence();
        let cfg = &self.cfg;
        let bind = Bind {
            system_id: COctet::from_str(&cfg.system_id),
            password: COctet::from_str(&cfg.password),
            system_type: COctet::from_str(&cfg.system_type),
            interface_version: cfg.interface_version,
            addr_ton: cfg.addr_ton,
            addr_npi: cfg.addr_npi,
            address_range: COctet::from_str(&cfg.address_range),
            tlvs: List::default(),
        };
        // A bind that follows an outbind can only be a receiver or transceiver.
        let (body, expects) = match cfg.mode {
            BindMode::Transmitter => (Body::BindTransmitter(bind), CommandId::BindTransmitterResp),
            BindMode::Receiver => (Body::BindReceiver(bind), CommandId::BindReceiverResp),
            BindMode::Transceiver => (Body::BindTransceiver(bind), CommandId::BindTransceiverResp),
        };
        let pdu = Pdu::new(seq, body);
        match pdu.encode_with(&mut self.control, &self.cfg.limits) {
            Ok(()) => {
                self.bind_deadline = Some(now + self.cfg.bind_timeout);
                self.window.insert(
                    seq,
                    Pending {
                        kind: Kind::Bind,
                        expects,
                        deadline: now + self.cfg.bind_timeout,
                    },
                );
            }
            // Credentials over their limits: the SMSC would refuse them the same way.
            Err(_) => self.close(CloseReason::BindFailed(CommandStatus::InvalidPassword)),
        }
    }

    fn send_enquire_link(&mut self, now: Instant) {
        let seq = self.send_request(
            now,
            Kind::EnquireLink,
            Body::EnquireLink,
            CommandId::EnquireLinkResp,
        );
        self.enquire_link = Some(seq);
    }

    fn send_request(
        &mut self,
        now: Instant,
        kind: Kind,
        body: Body<'static>,
        expects: CommandId,
    ) -> u32 {
        let seq = self.next_sequence();
        self.send(Pdu::new(seq, body));
        self.window.insert(
            seq,
            Pending {
                kind,
                expects,
                deadline: now + self.cfg.response_timeout,
            },
        );
        seq
    }

    fn send(&mut self, pdu: Pdu<'_>) {
        // Only header-only and fixed PDUs built here come through this path; they always encode.
        let _ = pdu.encode_with(&mut self.control, &self.cfg.limits);
    }

    fn next_sequence(&mut self) -> u32 {
        let window = &self.window;
        self.sequence.next(|seq| window.contains(seq))
    }

    /// Ends the link: outstanding submits resolve (never written: `NotSent`; written:
    /// `Unknown`), then `Closed`.
    fn close(&mut self, reason: CloseReason) {
        self.state = State::Closed;
        self.bind_deadline = None;
        self.enquire_link = None;
        for (seq, p) in self.window.drain() {
            if let Kind::Submit(token) = p.kind {
                let outcome = if self.unsent.contains(&seq) {
                    Outcome::NotSent
                } else {
                    Outcome::Unknown
                };
                self.events.push_back(Event::Response { token, outcome });
            }
        }
        self.submits.clear();
        self.unsent.clear();
        if reason == CloseReason::EnquireLinkTimeout {
            // A half-open link: say goodbye, best effort, before the transport is closed.
            let seq = self.next_sequence();
            self.send(Pdu::new(seq, Body::Unbind));
        }
        self.events.push_back(Event::Closed(reason));
    }
}

/// Interprets a submit's response (smpp-reference §4, §9.4).
fn submit_outcome(frame: &Bytes, pdu: &Pdu<'_>) -> Outcome {
    let status = pdu.command_status;
    if matches!(
        status,
        CommandStatus::Throttled | CommandStatus::MessageQueueFull
    ) {
        return Outcome::Throttled(status);
    }
    if !status.is_ok() {
        return Outcome::Rejected(status);
    }
    let message_id = match &pdu.body {
        Body::SubmitSmResp(Some(r))
        | Body::DataSmResp(Some(r))
        | Body::BroadcastSmResp(Some(r))
        | Body::QueryBroadcastSmResp(Some(r)) => frame.slice_ref(r.message_id.as_bytes()),
        Body::SubmitMultiResp(Some(r)) => frame.slice_ref(r.message_id.as_bytes()),
        Body::QuerySmResp(Some(r)) => frame.slice_ref(r.message_id.as_bytes()),
        _ => Bytes::new(),
    };
    Outcome::Accepted { message_id }
}
