//! One bind's task: connect (TCP or TLS), bind, move submits through the session's window as
//! fast as the carrier allows, hand inbound messages to their consumer, and reconnect with
//! backoff when the link ends. It runs inside its `bind` span (carrier, bind, mode), so its log
//! lines name only what happened.
//!
//! The read side is polled in the task's own loop; writes go to a separate writer task through a
//! small bounded channel, so reading never waits behind a slow write, and everything the session
//! has ready goes out as one buffer.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use tokio::io::{AsyncWriteExt, WriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::FramedRead;
use tracing::{debug, info, warn};

use super::Shared;
use super::backoff::Backoff;
use super::inbound::Inbound;
use super::job::Job;
use super::pacer::Pacer;
use super::status::{BindState, BindStatus};
use super::transport::Transport;
use crate::framing::PduCodec;
use crate::pdu::{CommandId, CommandStatus, Limits, Pdu};
use crate::session::{CloseReason, Event, Outcome, Session, State};

/// Buffers queued for the writer task; the driver stops taking new work while they are queued.
const WRITE_QUEUE: usize = 4;

/// Frames (or jobs) taken in one go when more are already waiting, so that the answers to a
/// burst leave in one write.
const BURST: usize = 256;

/// Messages a bind takes from the carrier's queue in one turn.
const TAKE_AT_ONCE: usize = 8;

/// Output at which writing goes ahead of taking more input. Below it, output is written only
/// once no input is ready: one write (one loopback send, a wake-up of the SMSC's reader) per
/// burst instead of one per job or per response batch. Small enough that answers to the SMSC's
/// deliver_sm (whose window waits on them) do not sit behind a long burst of input: 64 KiB
/// measured a few per cent fewer messages a second end to end (two runs each, within the noise).
const FLUSH_AT: usize = 8 * 1024;

fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Runs one bind until shutdown.
pub(crate) async fn run(shared: Arc<Shared>, status: Arc<BindStatus>) {
    let cfg = &shared.cfg;
    let mut backoff = Backoff::new(cfg.reconnect_min, cfg.reconnect_max);
    while !shared.shutdown.is_cancelled() {
        status.set_state(BindState::Connecting);
        let connected = tokio::select! {
            r = shared.connector.connect() => r,
            _ = shared.shutdown.cancelled() => break,
        };
        match connected {
            Ok(transport) => {
                status.count_connect();
                if Connection::new(&shared, &status).run(transport).await {
                    backoff.reset();
                }
            }
            Err(e) => {
                warn!(error = %e, "connect failed");
                status.set_error(format!("connect to {}:{}: {e}", cfg.host, cfg.port));
            }
        }
        if shared.shutdown.is_cancelled() {
            break;
        }
        status.set_state(BindState::Backoff);
        let delay = backoff.next_delay();
        debug!(?delay, "reconnecting after backoff");
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shared.shutdown.cancelled() => break,
        }
    }
    status.set_state(BindState::Stopped);
}

/// The state of one TCP/TLS connection's life.
struct Connection<'a> {
    shared: &'a Shared,
    status: &'a BindStatus,
    session: Session,
    /// Jobs taken by this bind, by token.
    jobs: HashMap<u64, Job>,
    /// Jobs whose next part may be sent; throttled ones go back to the front.
    ready: VecDeque<u64>,
    next_token: u64,
    pacer: Pacer,
    out: BytesMut,
    bound: bool,
}

type Ack = std::pin::Pin<Box<dyn Future<Output = (u32, CommandId, CommandStatus)> + Send>>;

impl<'a> Connection<'a> {
    fn new(shared: &'a Shared, status: &'a BindStatus) -> Self {
        let session = Session::new(shared.cfg.session(status.mode), now());
        status.set_state(BindState::Binding);
        Connection {
            shared,
            status,
            session,
            jobs: HashMap::new(),
            ready: VecDeque::new(),
            next_token: 0,
            pacer: Pacer::new(shared.bind_share()),
            out: BytesMut::new(),
            bound: false,
        }
    }

    /// Drives the connection until the link ends; returns whether it ever bound.
    async fn run(mut self, transport: Transport) -> bool {
        let limits = Limits {
            password_max: self.shared.cfg.password_max,
        };
        let (rd, wr) = tokio::io::split(transport);
        let mut frames = FramedRead::new(rd, PduCodec::new(self.shared.cfg.max_pdu, limits));
        let (wtx, wrx) = mpsc::channel::<BytesMut>(WRITE_QUEUE);
        let writer = tokio::spawn(write_loop(wr, wrx));
        let mut acks: FuturesUnordered<Ack> = FuturesUnordered::new();
        let mut unbinding = false;
        let mut queue_closed = false;
        let reason = loop {
            // Events first: an answer handled here may put a part back in `ready`, and the pump
            // after it must see that part, or its wake-up time would be lost.
            if let Some(reason) = self.drain_events(&mut acks) {
                break reason;
            }
            let wake = self.pump();
            self.status.set_in_flight(self.session.in_flight());
            if self.session.pending_output() > 0 {
                self.session.transmit(&mut self.out);
            }
            let deadline = [self.session.poll_timeout(), wake]
                .into_iter()
                .flatten()
                .min();
            let take_jobs = !unbinding && !queue_closed && self.wants_jobs();
            tokio::select! {
                biased;
                _ = self.shared.shutdown.cancelled(), if !unbinding => {
                    unbinding = true;
                    self.status.set_state(BindState::Unbinding);
                    self.session.unbind(now());
                }
                // Output waits while input is ready (below), so a burst leaves in one write;
                // past FLUSH_AT it goes first, so a steady stream cannot hold it back.
                permit = wtx.reserve(), if self.out.len() >= FLUSH_AT => match permit {
                    Ok(permit) => permit.send(self.out.split()),
                    Err(_) => self.session.connection_lost(),
                },
                frame = frames.next() => {
                    self.on_frame(frame);
                    for _ in 0..BURST {
                        match frames.next().now_or_never() {
                            Some(frame) => self.on_frame(frame),
                            None => break,
                        }
                    }
                }
                Some((seq, id, status)) = acks.next(), if !acks.is_empty() => {
                    self.session.respond(seq, id, status);
                }
                job = self.shared.jobs.recv(), if take_jobs => match job {
                    Ok(job) => {
                        self.take(job);
                        // A few more if they are waiting, not the whole queue: other binds
                        // with room should get their turn.
                        for _ in 1..TAKE_AT_ONCE {
                            if !self.wants_jobs() {
                                break;
                            }
                            match self.shared.jobs.try_recv() {
                                Ok(job) => self.take(job),
                                Err(_) => break,
                            }
                        }
                    }
                    Err(_) => queue_closed = true,
                },
                // Nothing else is ready: what the turns since the last write produced goes out.
                permit = wtx.reserve(), if !self.out.is_empty() => match permit {
                    Ok(permit) => permit.send(self.out.split()),
                    Err(_) => self.session.connection_lost(),
                },
                _ = sleep_until(deadline), if deadline.is_some() => {
                    self.session.handle_timeout(now());
                }
            }
        };
        // Let the writer send what is left (a goodbye unbind, answers) before the socket closes.
        if self.session.pending_output() > 0 {
            self.session.transmit(&mut self.out);
        }
        if !self.out.is_empty() {
            let _ = wtx.try_send(self.out.split());
        }
        drop(wtx);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), writer).await;
        self.finish(reason);
        self.bound
    }

    /// Whether this bind should take another message: only when it could send it at once, so a
    /// paused or full bind leaves work to the others.
    fn wants_jobs(&self) -> bool {
        self.session.can_submit()
            && self.jobs.len() < self.session.window_size()
            && self.pacer.wait_until(now()).is_none()
            && self.out.len() < 256 * 1024
    }

    fn take(&mut self, job: Job) {
        let token = self.next_token;
        self.next_token += 1;
        self.jobs.insert(token, job);
        self.ready.push_back(token);
    }

    fn on_frame(&mut self, frame: Option<Result<bytes::Bytes, crate::framing::FrameError>>) {
        match frame {
            Some(Ok(frame)) => self.session.handle_frame(now(), frame),
            Some(Err(e)) => {
                warn!(error = %e, "framing lost");
                self.status.set_error(format!("framing: {e}"));
                // The stream can no longer be cut: say why, best effort, and close.
                let nack = Pdu::generic_nack(0, CommandStatus::InvalidCommandLength);
                let _ = nack.encode(&mut self.out);
                self.session.connection_lost();
            }
            None => self.session.connection_lost(),
        }
    }

    /// Sends every ready part the window, the pause, the bind's pace and the carrier's rate
    /// allow. Returns when to try again if something is holding parts back.
    fn pump(&mut self) -> Option<Instant> {
        let now = now();
        if self.bound {
            let state = if self.pacer.is_paused(now) {
                BindState::Throttled
            } else if self.session.state() == State::Unbinding {
                BindState::Unbinding
            } else {
                BindState::Bound
            };
            self.status.set_state(state);
        }
        while self.session.can_submit() {
            let &token = self.ready.front()?;
            if let Some(t) = self.pacer.wait_until(now) {
                return Some(t);
            }
            if let Err(not_until) = self.shared.limiter.check() {
                let wait =
                    not_until.wait_time_from(governor::clock::Clock::now(&self.shared.clock));
                return Some(now + wait);
            }
            self.ready.pop_front();
            let Some(job) = self.jobs.get(&token) else {
                continue;
            };
            if !job.may_send() {
                // The caller gave up or withdrew it before anything was sent: nothing to do.
                self.jobs.remove(&token);
                continue;
            }
            match self.session.submit_frame(now, token, job.next_part()) {
                Ok(_) => {
                    self.status.count_submit();
                    self.pacer.sent(now);
                    if let Some(job) = self.jobs.get_mut(&token)
                        && let Some(waited) = job.sent(now, epoch_ms)
                    {
                        self.shared.wire.on_wire(waited);
                    }
                }
                Err(e) => {
                    warn!(error = %e, "part refused before sending");
                    self.resolve(token, Outcome::Rejected(CommandStatus::SystemError), now);
                }
            }
        }
        None
    }

    /// Acts on what the session reported; returns the close reason once the link has ended.
    fn drain_events(&mut self, acks: &mut FuturesUnordered<Ack>) -> Option<CloseReason> {
        let mut closed = None;
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::Bound { system_id, .. } => {
                    info!(smsc = %system_id, "bound");
                    self.bound = true;
                    self.status.set_state(BindState::Bound);
                }
                Event::Response { token, outcome } => self.resolve(token, outcome, now()),
                Event::Inbound {
                    sequence_number,
                    command_id,
                    frame,
                } => {
                    let (tx, rx) = oneshot::channel();
                    let inbound = Inbound {
                        carrier: self.shared.name.clone(),
                        bind: self.status.id,
                        command_id,
                        frame,
                        ack: tx,
                    };
                    match self.shared.inbound.try_send(inbound) {
                        Ok(()) => acks.push(Box::pin(async move {
                            let status =
                                rx.await.unwrap_or(CommandStatus::ReceiverTemporaryAppError);
                            (sequence_number, command_id, status)
                        })),
                        // The consumer is full or gone: the SMSC keeps the message and retries.
                        Err(_) => self.session.respond(
                            sequence_number,
                            command_id,
                            CommandStatus::ReceiverTemporaryAppError,
                        ),
                    }
                }
                Event::Alert { .. } => {
                    info!("alert_notification");
                }
                Event::Closed(reason) => closed = Some(reason),
            }
        }
        closed
    }

    /// Records one part's outcome and moves its job on.
    fn resolve(&mut self, token: u64, outcome: Outcome, now: Instant) {
        let Some(job) = self.jobs.get_mut(&token) else {
            return;
        };
        if matches!(
            outcome,
            Outcome::Accepted { .. } | Outcome::Rejected(_) | Outcome::Throttled(_)
        ) && let Some(took) = job.answered(now)
        {
            self.shared.wire.answered(took);
        }
        match outcome {
            Outcome::Accepted { .. } => {
                self.pacer.accepted(now);
                self.status.set_rate(self.pacer.rate());
                job.record(outcome);
                if job.is_done() {
                    self.complete(token);
                } else {
                    self.ready.push_back(token);
                }
            }
            Outcome::Throttled(status) => {
                self.status.count_throttle();
                let retry = job.throttled(now, self.shared.cfg.throttle_retry_for);
                if !retry {
                    job.record(Outcome::Throttled(status));
                }
                let was_paused = self.pacer.is_paused(now);
                self.pacer.throttled(now, self.shared.cfg.throttle_pause);
                self.status.set_rate(self.pacer.rate());
                if !was_paused {
                    self.hand_back_unstarted();
                }
                if retry {
                    // Retried first, so this message's later parts stay behind it.
                    self.ready.push_front(token);
                } else {
                    self.complete(token);
                }
            }
            Outcome::NotSent => {
                // It never left: another bind (or this one, reconnected) may send it.
                if let Some(job) = self.jobs.remove(&token) {
                    self.shared.requeue(job);
                }
            }
            Outcome::Rejected(_) | Outcome::Unknown => {
                job.record(outcome);
                self.complete(token);
            }
        }
    }

    /// The bind is paused: messages it took but has not started go back to the carrier's queue
    /// for binds that can send now.
    fn hand_back_unstarted(&mut self) {
        let shared = self.shared;
        let jobs = &mut self.jobs;
        self.ready.retain(|token| match jobs.get(token) {
            Some(job) if !job.started() => {
                if let Some(job) = jobs.remove(token) {
                    shared.requeue(job);
                }
                false
            }
            _ => true,
        });
    }

    fn complete(&mut self, token: u64) {
        if let Some(job) = self.jobs.remove(&token) {
            job.finish();
        }
    }

    /// The link is over: jobs not yet started go back to the carrier's queue.
    fn finish(&mut self, reason: CloseReason) {
        match reason {
            CloseReason::BindFailed(status) => {
                warn!(%status, "bind refused");
                self.status.set_error(format!("bind refused: {status}"));
            }
            CloseReason::Unbound => {}
            other => {
                if self.bound {
                    warn!(reason = ?other, "link lost");
                }
                self.status.set_error(format!("link ended: {other:?}"));
            }
        }
        self.status.set_in_flight(0);
        for (_, job) in self.jobs.drain() {
            self.shared.requeue(job);
        }
        self.ready.clear();
    }
}

fn epoch_ms() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0)
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(d) = deadline {
        tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await;
    }
}

async fn write_loop(mut wr: WriteHalf<Transport>, mut rx: mpsc::Receiver<BytesMut>) {
    while let Some(mut buf) = rx.recv().await {
        // One turn of the scheduler first: answers released together (a store commit acks many
        // receipts, each waking the driver) then leave in this write, not one send each.
        tokio::task::yield_now().await;
        while let Ok(more) = rx.try_recv() {
            buf.extend_from_slice(&more);
        }
        if wr.write_all(&buf).await.is_err() || wr.flush().await.is_err() {
            return;
        }
    }
    let _ = wr.shutdown().await;
}
