//! One client connection, one task: reads whatever the socket has, answers every whole PDU
//! in it into one buffer and writes that buffer once; sends receipts and injected messages to
//! receiver binds within a window; and ends on unbind, a fault, a framing error, the peer
//! closing, `disconnect_all` or shutdown. What each PDU gets is decided in `handler.rs`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, SystemTime};

use bytes::BytesMut;
use rand::rngs::SmallRng;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;
use tokio_util::codec::Decoder;

use super::config::IdFormat;
use super::faults::Faults;
use super::receipts::{self, Outbound, Payload};
use super::server::Shared;
use super::submit_log::SubmitLog;
use crate::framing::{DEFAULT_MAX_PDU, PduCodec};
use crate::pdu::{Body, CommandStatus, Header, Pdu};

/// Room kept free in the read buffer before each read.
const READ_CHUNK: usize = 64 * 1024;
/// After a burst, a write buffer larger than this is given back.
const WRITE_KEEP: usize = 1024 * 1024;
/// How often timeouts (deliver_sm_resp, unbind_resp) are checked.
const TICK: Duration = Duration::from_millis(250);

/// The bind type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Transmitter,
    Receiver,
    Transceiver,
}

impl Mode {
    pub(crate) fn can_submit(self) -> bool {
        matches!(self, Mode::Transmitter | Mode::Transceiver)
    }

    pub(crate) fn can_receive(self) -> bool {
        matches!(self, Mode::Receiver | Mode::Transceiver)
    }
}

/// Where the session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Connected, not bound.
    Open,
    Bound(Mode),
    /// The simulator sent unbind (shutdown) and waits for unbind_resp.
    Unbinding {
        mode: Mode,
        since: Instant,
    },
}

/// Why a connection ends. All but `Disconnected` flush pending answers first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// unbind answered, or unbind_resp received.
    Unbound,
    /// `drop_after` reached.
    Dropped,
    /// command_length made the stream unreadable.
    Framing,
    /// No unbind_resp within the shutdown grace, or shutdown of an unbound connection.
    Shutdown,
    /// The peer closed or the socket failed.
    PeerClosed,
    /// `disconnect_all`: dropped at once.
    Disconnected,
}

/// A deliver_sm waiting for its answer.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) outbound: Outbound,
    pub(crate) sent: Instant,
}

/// One connection's session state.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) shared: Arc<Shared>,
    pub(crate) peer: SocketAddr,
    pub(crate) state: State,
    pub(crate) rng: SmallRng,
    /// This connection's copy of the fault settings, refreshed when the board's version moves.
    pub(crate) faults: Faults,
    faults_version: u64,
    /// PDUs received, for `drop_after`.
    pub(crate) received: u64,
    next_seq: u32,
    pub(crate) inflight: HashMap<u32, InFlight>,
    /// Answers and deliver_sm for the current batch, written at once.
    pub(crate) wbuf: BytesMut,
    /// Set when the connection is to end after the current batch is flushed.
    pub(crate) close: Option<End>,
    pub(crate) submit_log: Option<SubmitLog>,
    taken: Vec<Outbound>,
    receipt_id_format: IdFormat,
}

/// Serves one connection until it ends.
pub(crate) async fn serve<S>(stream: S, shared: Arc<Shared>, peer: SocketAddr)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    shared.stats.connections_current.fetch_add(1, Relaxed);
    let mut conn = Conn::new(shared.clone(), peer);
    let end = conn.run(stream).await;
    conn.finish(end);
    shared.stats.connections_current.fetch_sub(1, Relaxed);
    tracing::debug!(target: "smppd::sim", %peer, ?end, "connection closed");
}

impl Conn {
    fn new(shared: Arc<Shared>, peer: SocketAddr) -> Conn {
        let faults_version = shared.faults.version();
        let faults = shared.faults.get();
        let submit_log = shared
            .submit_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Conn {
            rng: shared.connection_rng(),
            receipt_id_format: shared.receipt_id_format,
            inflight: HashMap::with_capacity(shared.config.receipts.window),
            shared,
            peer,
            state: State::Open,
            faults,
            faults_version,
            received: 0,
            next_seq: 1,
            wbuf: BytesMut::with_capacity(64 * 1024),
            close: None,
            submit_log,
            taken: Vec::new(),
        }
    }

    async fn run<S>(&mut self, mut stream: S) -> End
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let disconnect = self.shared.disconnect_token();
        let shutdown = self.shared.shutdown.clone();
        let mut codec = PduCodec::new(DEFAULT_MAX_PDU, self.shared.limits);
        let mut rbuf = BytesMut::with_capacity(READ_CHUNK);
        let ready = self.shared.ready.clone();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.pull_outbound(Instant::now());
            if !self.wbuf.is_empty() {
                tokio::select! {
                    biased;
                    _ = disconnect.cancelled() => return End::Disconnected,
                    r = stream.write_all(&self.wbuf) => if r.is_err() {
                        return End::PeerClosed;
                    },
                }
                self.wbuf.clear();
                if self.wbuf.capacity() > WRITE_KEEP {
                    self.wbuf = BytesMut::with_capacity(64 * 1024);
                }
            }
            if let Some(end) = self.close {
                let _ = tokio::time::timeout(Duration::from_secs(1), stream.shutdown()).await;
                return end;
            }
            if rbuf.capacity() - rbuf.len() < READ_CHUNK / 4 {
                rbuf.reserve(READ_CHUNK);
            }
            let notified = ready.notify.notified();
            let can_take = self.can_take();
            let unbinding = matches!(self.state, State::Unbinding { .. });
            tokio::select! {
                biased;
                _ = disconnect.cancelled() => return End::Disconnected,
                _ = shutdown.cancelled(), if !unbinding => self.begin_unbind(),
                r = stream.read_buf(&mut rbuf) => match r {
                    Ok(0) | Err(_) => return End::PeerClosed,
                    Ok(_) => self.on_bytes(&mut codec, &mut rbuf),
                },
                _ = notified, if can_take => {}
                _ = tick.tick() => self.on_tick(Instant::now()),
            }
        }
    }

    /// Answers every whole PDU in `rbuf`.
    fn on_bytes(&mut self, codec: &mut PduCodec, rbuf: &mut BytesMut) {
        let version = self.shared.faults.version();
        if version != self.faults_version {
            self.faults_version = version;
            self.faults = self.shared.faults.get();
        }
        let now = Instant::now();
        loop {
            match codec.decode(rbuf) {
                Ok(Some(frame)) => {
                    self.on_frame(&frame, now);
                    if self.close.is_some() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    // The stream cannot be cut any more: say why, then close (reference §9.2).
                    self.shared.stats.framing_errors.fetch_add(1, Relaxed);
                    tracing::debug!(target: "smppd::sim", peer = %self.peer, error = %e, "framing error");
                    let seq = Header::peek(rbuf).map_or(0, |h| h.sequence_number);
                    self.put(&Pdu::generic_nack(seq, CommandStatus::InvalidCommandLength));
                    self.close = Some(End::Framing);
                    return;
                }
            }
        }
    }

    fn mode(&self) -> Option<Mode> {
        match self.state {
            State::Bound(mode) | State::Unbinding { mode, .. } => Some(mode),
            State::Open => None,
        }
    }

    /// Whether this bind may be sent deliver_sm now.
    fn can_take(&self) -> bool {
        matches!(self.state, State::Bound(m) if m.can_receive())
            && self.inflight.len() < self.shared.config.receipts.window
    }

    /// Moves ready messages into this bind's window and encodes them.
    fn pull_outbound(&mut self, now: Instant) {
        if !self.can_take() || self.shared.ready.len() == 0 {
            return;
        }
        let room = self.shared.config.receipts.window - self.inflight.len();
        let mut taken = std::mem::take(&mut self.taken);
        self.shared.ready.take(room, &mut taken, &self.shared.stats);
        for outbound in taken.drain(..) {
            self.send(outbound, now);
        }
        self.taken = taken;
    }

    fn send(&mut self, mut outbound: Outbound, now: Instant) {
        let seq = self.next_seq;
        // Sequence numbers run 1..=0x7FFFFFFF and wrap to 1 (reference §1).
        self.next_seq = if seq >= 0x7FFF_FFFF { 1 } else { seq + 1 };
        outbound.attempts += 1;
        let stats = &self.shared.stats;
        match &outbound.payload {
            Payload::Receipt(r) => {
                let mut r = *r;
                if self.shared.book.get(r.id).is_some_and(|e| e.cancelled) {
                    r.state = super::config::FinalState::Deleted;
                }
                let done = SystemTime::now();
                if let Err(e) =
                    receipts::encode_receipt(&r, seq, self.receipt_id_format, done, &mut self.wbuf)
                {
                    // Cannot happen for receipts built from a decoded submit_sm; count, don't panic.
                    tracing::error!(target: "smppd::sim", error = %e, "receipt does not encode");
                    stats.receipts_dropped.fetch_add(1, Relaxed);
                    return;
                }
                stats.receipts_sent.fetch_add(1, Relaxed);
            }
            Payload::Mo(pdu) => {
                receipts::encode_mo(pdu, seq, &mut self.wbuf);
                stats.mo_sent.fetch_add(1, Relaxed);
            }
        }
        self.inflight.insert(
            seq,
            InFlight {
                outbound,
                sent: now,
            },
        );
    }

    /// A deliver_sm_resp (or generic_nack) for one of this bind's deliver_sm.
    pub(crate) fn on_delivery_answer(&mut self, seq: u32, status: CommandStatus) {
        let Some(flight) = self.inflight.remove(&seq) else {
            return;
        };
        let stats = &self.shared.stats;
        stats.deliver_sm_resp.add_status(status);
        let is_receipt = matches!(flight.outbound.payload, Payload::Receipt(_));
        if status.is_ok() {
            let acked = if is_receipt {
                &stats.receipts_acked
            } else {
                &stats.mo_acked
            };
            acked.fetch_add(1, Relaxed);
            return;
        }
        // The ESME refused it for good: a real SMSC would not retry either.
        if matches!(
            status,
            CommandStatus::ReceiverPermanentAppError | CommandStatus::ReceiverRejectMessage
        ) {
            stats.receipts_dropped.fetch_add(1, Relaxed);
            return;
        }
        let r = &self.shared.config.receipts;
        if flight.outbound.attempts >= r.max_attempts
            || !self
                .shared
                .scheduler
                .schedule(flight.outbound, r.retry_delay)
        {
            stats.receipts_dropped.fetch_add(1, Relaxed);
        } else {
            stats.receipts_retried.fetch_add(1, Relaxed);
        }
    }

    fn on_tick(&mut self, now: Instant) {
        let timeout = self.shared.config.receipts.response_timeout;
        if self
            .inflight
            .values()
            .any(|f| now.saturating_duration_since(f.sent) >= timeout)
        {
            let expired: Vec<u32> = self
                .inflight
                .iter()
                .filter(|(_, f)| now.saturating_duration_since(f.sent) >= timeout)
                .map(|(seq, _)| *seq)
                .collect();
            let mut back = Vec::with_capacity(expired.len());
            for seq in expired {
                if let Some(f) = self.inflight.remove(&seq) {
                    back.push(f.outbound);
                }
            }
            self.give_back(back);
        }
        if let State::Unbinding { since, .. } = self.state
            && now.saturating_duration_since(since) >= self.shared.config.shutdown_grace
        {
            self.close = Some(End::Shutdown);
        }
    }

    /// Re-queues unanswered messages (front of the queue), or drops those out of attempts.
    fn give_back(&self, back: Vec<Outbound>) {
        let stats = &self.shared.stats;
        let max = self.shared.config.receipts.max_attempts;
        let (keep, spent): (Vec<_>, Vec<_>) = back.into_iter().partition(|o| o.attempts < max);
        stats
            .receipts_dropped
            .fetch_add(spent.len() as u64, Relaxed);
        stats
            .receipts_requeued
            .fetch_add(keep.len() as u64, Relaxed);
        self.shared.ready.push_front(keep, stats);
    }

    /// Shutdown: unbind a bound session, close an unbound one.
    fn begin_unbind(&mut self) {
        match self.state {
            State::Bound(mode) => {
                let seq = self.next_seq;
                self.next_seq = if seq >= 0x7FFF_FFFF { 1 } else { seq + 1 };
                self.put(&Pdu::new(seq, Body::Unbind));
                self.state = State::Unbinding {
                    mode,
                    since: Instant::now(),
                };
            }
            State::Open => self.close = Some(End::Shutdown),
            State::Unbinding { .. } => {}
        }
    }

    /// Releases the bind (the binds_current gauge) once, when the session stops being bound.
    pub(crate) fn release_bind(&mut self) {
        if self.mode().is_some() {
            self.shared.stats.unbound();
        }
        self.state = State::Open;
    }

    fn finish(&mut self, end: End) {
        self.release_bind();
        let mut back: Vec<(u32, InFlight)> = self.inflight.drain().collect();
        back.sort_by_key(|(seq, _)| *seq);
        self.give_back(back.into_iter().map(|(_, f)| f.outbound).collect());
        let stats = &self.shared.stats;
        if end == End::Disconnected {
            stats.disconnects.fetch_add(1, Relaxed);
        }
    }

    /// Appends a PDU to this batch's answers.
    pub(crate) fn put(&mut self, pdu: &Pdu<'_>) {
        if let Err(e) = pdu.encode_with(&mut self.wbuf, &self.shared.limits) {
            // Every answer is built from values within their limits; an error is a bug here,
            // reported rather than sent half-made (encode leaves the buffer as it was).
            tracing::error!(target: "smppd::sim", error = %e, command = %pdu.command_id(), "answer does not encode");
        }
    }
}
