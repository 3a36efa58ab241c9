//! Starting and stopping the simulator: the state every connection shares, the TCP and TLS
//! accept loops (a semaphore caps connections), the background tasks (receipt dispatcher,
//! stats file, submit log) and [`SimHandle`], the running simulator's remote control.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rand::SeedableRng;
use rand::rngs::SmallRng;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::config::{IdFormat, SimConfig};
use super::faults::{FaultBoard, Faults, RateWindow};
use super::ids::{MessageBook, first_id};
use super::inject::{InjectError, MoMessage};
use super::receipts::{self, Outbound, Payload, Ready, Scheduler};
use super::stats::{self, Counters, SimStats};
use super::submit_log::SubmitLog;
use super::{connection, tls};
use crate::pdu::Limits;

/// How long a TLS client has to finish its handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What every connection of one simulator shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SimConfig,
    /// Decoding limits: the configured password may be longer than the specification's 8.
    pub(crate) limits: Limits,
    pub(crate) stats: Arc<Counters>,
    pub(crate) faults: FaultBoard,
    pub(crate) rate: RateWindow,
    pub(crate) book: MessageBook,
    pub(crate) ready: Arc<Ready>,
    pub(crate) scheduler: Scheduler,
    /// Taken (and so closed) at shutdown, after the connections have ended.
    pub(crate) submit_log: Mutex<Option<SubmitLog>>,
    /// Cancelled by `disconnect_all`, then replaced so later connections get a fresh one.
    disconnect: Mutex<CancellationToken>,
    /// Stop accepting; bound connections unbind.
    pub(crate) shutdown: CancellationToken,
    /// When the simulator started, on the (pausable) tokio clock and on the wall clock.
    pub(crate) started: Instant,
    started_wall: SystemTime,
    /// Numbers connections, to give each its own random stream from one seed.
    connections: AtomicU64,
    /// The id format receipts use.
    pub(crate) receipt_id_format: IdFormat,
}

impl Shared {
    pub(crate) fn disconnect_token(&self) -> CancellationToken {
        self.disconnect
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn disconnect_all(&self) {
        let mut token = self.disconnect.lock().unwrap_or_else(|e| e.into_inner());
        token.cancel();
        *token = CancellationToken::new();
    }

    /// A random stream for a new connection: reproducible from the seed when one is set.
    pub(crate) fn connection_rng(&self) -> SmallRng {
        let n = self.connections.fetch_add(1, Ordering::Relaxed);
        match self.config.seed {
            // A large odd multiplier spreads neighbouring connection numbers apart.
            Some(seed) => SmallRng::seed_from_u64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            None => SmallRng::from_os_rng(),
        }
    }

    /// Milliseconds since start on the tokio clock.
    pub(crate) fn elapsed_ms(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.started).as_millis() as u64
    }

    /// The wall-clock time `ms` milliseconds after start.
    pub(crate) fn wall(&self, ms: u64) -> SystemTime {
        self.started_wall + Duration::from_millis(ms)
    }
}

/// A running simulator. Dropping it stops everything abruptly; [`SimHandle::shutdown`] stops
/// it cleanly.
#[derive(Debug)]
pub struct SimHandle {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    /// Accept loops and connections.
    tracker: TaskTracker,
    /// Stops the dispatcher and the stats file writer, after the connections.
    stop: CancellationToken,
    background: Vec<JoinHandle<()>>,
    submit_log_writer: Option<JoinHandle<()>>,
}

/// Binds the listener(s), starts the simulator's tasks and returns at once.
///
/// Fails when the configuration is invalid (every problem in one message), an address cannot
/// be bound, the TLS key material cannot be read, or the submit log cannot be opened.
pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
    if let Err(errors) = config.validate() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            errors.join("; "),
        ));
    }
    let tls_acceptor = match &config.tls {
        Some(t) => Some(tls::acceptor(&t.identity)?),
        None => None,
    };
    let listener = TcpListener::bind(config.listen).await.map_err(|e| {
        std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.listen))
    })?;
    let local_addr = listener.local_addr()?;
    let tls_listener = match &config.tls {
        Some(t) => Some(TcpListener::bind(t.listen).await.map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot listen on {} (TLS): {e}", t.listen),
            )
        })?),
        None => None,
    };
    let tls_addr = tls_listener
        .as_ref()
        .map(TcpListener::local_addr)
        .transpose()?;

    let stats = Arc::new(Counters::new());
    let (submit_log, submit_log_writer) = match &config.submit_log {
        Some(path) => {
            let (log, writer) =
                SubmitLog::open(path.clone(), config.submit_log_buffer, stats.clone()).await?;
            (Some(log), Some(writer))
        }
        None => (None, None),
    };
    let (scheduler, schedule_rx) = Scheduler::new();
    let ready = Arc::new(Ready::new());
    let shared = Arc::new(Shared {
        limits: Limits {
            password_max: (config.password.len() + 1).max(Limits::default().password_max),
        },
        stats: stats.clone(),
        faults: FaultBoard::new(config.faults.clone()),
        rate: RateWindow::new(Instant::now()),
        book: MessageBook::new(first_id(), config.known_ids),
        ready: ready.clone(),
        scheduler,
        submit_log: Mutex::new(submit_log),
        disconnect: Mutex::new(CancellationToken::new()),
        shutdown: CancellationToken::new(),
        started: Instant::now(),
        started_wall: SystemTime::now(),
        connections: AtomicU64::new(0),
        receipt_id_format: config.receipts.id_format.resolve(config.id_format),
        config,
    });

    let stop = CancellationToken::new();
    let mut background = vec![tokio::spawn(receipts::dispatch(
        schedule_rx,
        ready,
        stats,
        shared.config.receipts.max_pending,
        stop.clone(),
    ))];
    if let Some(path) = shared.config.stats_file.clone() {
        background.push(tokio::spawn(write_stats_periodically(
            shared.clone(),
            path,
            stop.clone(),
        )));
    }
    let tracker = TaskTracker::new();
    let limit = Arc::new(Semaphore::new(shared.config.max_connections));
    tracker.spawn(accept_loop(
        listener,
        None,
        shared.clone(),
        tracker.clone(),
        limit.clone(),
    ));
    if let Some(l) = tls_listener {
        tracker.spawn(accept_loop(
            l,
            tls_acceptor,
            shared.clone(),
            tracker.clone(),
            limit,
        ));
    }
    tracing::info!(target: "smppd::sim", %local_addr, ?tls_addr, "simulator listening");
    Ok(SimHandle {
        shared,
        local_addr,
        tls_addr,
        tracker,
        stop,
        background,
        submit_log_writer,
    })
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    tracker: TaskTracker,
    limit: Arc<Semaphore>,
) {
    loop {
        let (tcp, peer) = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            r = listener.accept() => match r {
                Ok(conn) => conn,
                Err(e) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(target: "smppd::sim", error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        shared
            .stats
            .connections_accepted
            .fetch_add(1, Ordering::Relaxed);
        let Ok(permit) = limit.clone().try_acquire_owned() else {
            shared
                .stats
                .connections_refused
                .fetch_add(1, Ordering::Relaxed);
            continue;
        };
        // Answers are flushed once per batch; Nagle would only add latency.
        let _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        let tls = tls.clone();
        tracker.spawn(async move {
            match tls {
                None => connection::serve(tcp, shared, peer).await,
                Some(acceptor) => handshake_and_serve(acceptor, tcp, shared, peer).await,
            }
            drop(permit);
        });
    }
}

async fn handshake_and_serve(
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    shared: Arc<Shared>,
    peer: SocketAddr,
) {
    let disconnect = shared.disconnect_token();
    let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
    let stream = tokio::select! {
        _ = disconnect.cancelled() => return,
        _ = shared.shutdown.cancelled() => return,
        r = handshake => r,
    };
    match stream {
        Ok(Ok(stream)) => connection::serve(stream, shared, peer).await,
        Ok(Err(e)) => {
            shared
                .stats
                .tls_handshakes_failed
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!(target: "smppd::sim", %peer, error = %e, "TLS handshake failed");
        }
        Err(_) => {
            shared
                .stats
                .tls_handshakes_failed
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!(target: "smppd::sim", %peer, "TLS handshake timed out");
        }
    }
}

async fn write_stats_periodically(
    shared: Arc<Shared>,
    path: std::path::PathBuf,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(shared.config.stats_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = stats::write_file(&path, &shared.stats.snapshot()).await {
                    tracing::warn!(target: "smppd::sim", path = %path.display(), error = %e, "cannot write stats file");
                }
            }
        }
    }
}

impl SimHandle {
    /// The TCP listener's address (the real port when the configuration asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The TLS listener's address, when TLS is configured.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// What the simulator saw so far.
    pub fn stats(&self) -> SimStats {
        self.shared.stats.snapshot()
    }

    /// The fault injection in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Changes fault injection; connections apply it from their next batch of PDUs. Invalid
    /// settings (a fraction outside [0, 1], …) are refused with every problem listed.
    pub fn set_faults(&self, faults: Faults) -> Result<(), Vec<String>> {
        faults.validate()?;
        self.shared.faults.set(faults);
        Ok(())
    }

    /// Drops every connection at once, without unbind (for reconnect tests). Receipts they had
    /// sent but not seen answered are queued again.
    pub fn disconnect_all(&self) {
        self.shared.disconnect_all();
    }

    /// Queues an MO deliver_sm for a receiver bind (RX or TRX) of `system_id`. It waits, like
    /// receipts, until such a bind is connected and has room in its window.
    pub fn inject_deliver(&self, system_id: &str, message: MoMessage) -> Result<(), InjectError> {
        if system_id != self.shared.config.system_id {
            return Err(InjectError::UnknownSystemId(system_id.to_string()));
        }
        let pdu = message.encode()?;
        let s = &self.shared.stats;
        let waiting = s.receipts_pending.load(Ordering::Relaxed) as usize + self.shared.ready.len();
        if waiting >= self.shared.config.receipts.max_pending {
            s.receipts_dropped.fetch_add(1, Ordering::Relaxed);
            return Err(InjectError::QueueFull);
        }
        s.mo_injected.fetch_add(1, Ordering::Relaxed);
        self.shared
            .ready
            .push_back([Outbound::new(Payload::Mo(pdu))], s);
        Ok(())
    }

    /// Stops cleanly: stops listening, sends unbind on every bind and waits up to the
    /// configured grace for the answers, closes every connection, then flushes the submit log
    /// and writes the stats file a last time. Fails only if that last write fails.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        self.shared.shutdown.cancel();
        self.tracker.close();
        // The grace covers unbind_resp; the extra second covers the binds' timer granularity.
        let grace = self.shared.config.shutdown_grace + Duration::from_secs(1);
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            self.shared.disconnect_all();
            let _ = tokio::time::timeout(Duration::from_secs(5), self.tracker.wait()).await;
        }
        self.stop.cancel();
        for task in self.background.drain(..) {
            let _ = task.await;
        }
        // Closing the last sender lets the writer drain its channel and flush.
        drop(
            self.shared
                .submit_log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(),
        );
        if let Some(writer) = self.submit_log_writer.take() {
            let _ = writer.await;
        }
        match &self.shared.config.stats_file {
            Some(path) => stats::write_file(path, &self.shared.stats.snapshot()).await,
            None => Ok(()),
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shared.shutdown.cancel();
        self.shared.disconnect_all();
        self.stop.cancel();
    }
}
