//! `smppd serve`: wires the parts together and owns the shutdown tree. The config is loaded
//! and checked first (nothing starts on a bad one); then the store opens, the carriers bind, the
//! dispatcher starts, and the API listens on its Unix socket. SIGHUP reloads the config.
//!
//! SIGTERM or SIGINT drains, within `shutdown.grace`: submissions are refused with 503
//! `shutting_down` and `/readyz` turns 503; the dispatcher withdraws what no bind has started
//! and waits for the windows to be answered and recorded; every bind unbinds; inbound PDUs
//! already received are stored; webhook batches in progress finish; the store closes. Past the
//! grace period, or at a second signal, the daemon stops at once: everything accepted is on
//! disk already, and what was on the wire unanswered is sent again at the next start.

mod control;
mod inbound;
mod ops;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::net::UnixListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::api::{ApiState, router};
use crate::carrier::{Carrier, Inbound};
use crate::config::{Config, EX_USAGE};
use crate::dispatch::Dispatcher;
use crate::ingest::Acceptor;
use crate::policy::PolicyBook;
use crate::store::{CommitLimits, GenerationSpan, GenerationSpans, Outbox};

/// How long the end of a stop waits for the store writer to finish.
const STORE_CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Messages dispatched at once, across carriers.
const DISPATCH_CONCURRENCY: usize = 4096;

/// Loads `path` and runs the daemon until a signal; the process exit status.
pub fn main(path: &Path) -> ExitCode {
    let config = match Config::load(path) {
        Ok(c) => c,
        Err(errors) => {
            eprintln!("{errors}");
            return ExitCode::from(EX_USAGE);
        }
    };
    crate::logging::init(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("smppd: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(serve(Arc::new(config), path.to_path_buf()));
    // After a drain cut short by its grace period, bind tasks may still be running: they hold
    // nothing that is not on disk, so they are not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!(error = %e, "smppd stopped");
            eprintln!("smppd: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the daemon with a config loaded from `path` until SIGTERM or SIGINT (a second signal
/// exits at once); SIGHUP reloads `path`.
pub async fn serve(config: Arc<Config>, path: std::path::PathBuf) -> Result<(), String> {
    let stop = CancellationToken::new();
    tokio::spawn({
        let stop = stop.clone();
        async move {
            wait_for_signal().await;
            stop.cancel();
            wait_for_signal().await;
            warn!("second signal: exiting at once");
            std::process::exit(1);
        }
    });
    run(config, path, stop).await
}

/// Runs the daemon until `stop` is cancelled, then stops it cleanly. `path` is where reloads
/// read the config from.
pub async fn run(
    config: Arc<Config>,
    path: std::path::PathBuf,
    stop: CancellationToken,
) -> Result<(), String> {
    crate::metrics::install();
    std::fs::create_dir_all(&config.store.path)
        .map_err(|e| format!("cannot create {}: {e}", config.store.path.display()))?;
    let open = if config.store.accept_journal {
        Outbox::open_journaled
    } else {
        Outbox::open_with
    };
    let outbox = open(
        &config.store.path.join("smppd.redb"),
        CommitLimits {
            max_batch: config.store.commit_max_batch,
            linger: config.store.commit_interval,
            ..CommitLimits::default()
        },
        GenerationSpans {
            correlation: GenerationSpan::for_correlation(config.store.dlr_correlation_ttl),
            ..GenerationSpans::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let store: Arc<dyn crate::store::MessageStore> = Arc::new(outbox.clone());

    let (inbound, receipts) = mpsc::channel::<Inbound>(4096);
    let hooks = Arc::new(arc_swap::ArcSwap::from_pointee(control::spawn_webhooks(
        &config, &outbox,
    )?));
    let mut carriers = Vec::new();
    let mut running = control::Carriers::new();
    for settings in &config.carriers {
        let carrier = Carrier::start(settings.carrier.clone(), inbound.clone())
            .map_err(|e| format!("carrier {}: {e}", settings.carrier.name))?;
        let carrier = Arc::new(carrier);
        running.insert(
            settings.carrier.name.clone(),
            (settings.clone(), carrier.clone()),
        );
        carriers.push(carrier);
    }
    let dispatcher = Dispatcher::new(
        store.clone(),
        carriers
            .iter()
            .cloned()
            .zip(config.carriers.iter())
            .collect(),
        DISPATCH_CONCURRENCY,
    );
    let stop_dispatch = CancellationToken::new();
    outbox.wake_when_stored(dispatcher.waker());
    let dispatching = tokio::spawn(dispatcher.clone().run(stop_dispatch.clone()));

    let rates: crate::api::SubmitRates = Arc::default();
    let running_now: ops::Running = Arc::new(arc_swap::ArcSwap::from_pointee(carriers.clone()));
    let policy = restore_policy(&config, &outbox)?;
    let acceptor =
        Acceptor::with_policy(config.clone(), store.clone(), policy).with_waker(dispatcher.waker());
    let state = ApiState::new(acceptor, store.clone());
    let draining = state.draining.clone();
    let control = Arc::new(control::Control {
        path,
        live: state.live.clone(),
        carriers: tokio::sync::Mutex::new(running),
        dispatcher: dispatcher.clone(),
        inbound: inbound.clone(),
        outbox: outbox.clone(),
        hooks: hooks.clone(),
        running: running_now.clone(),
        rates: rates.clone(),
    });
    let desk = Arc::new(inbound::InboundDesk {
        outbox: outbox.clone(),
        live: state.live.clone(),
        hooks: hooks.clone(),
    });
    let close_inbound = CancellationToken::new();
    let taking_inbound = tokio::spawn(desk.run(receipts, close_inbound.clone()));
    drop(inbound);
    let state = Arc::new(state.with_admin(control.clone()));
    tokio::spawn(reload_on_hangup(control.clone(), stop.clone()));
    tokio::spawn(expire_duplicates(
        state.clone(),
        outbox.clone(),
        stop.clone(),
    ));
    tokio::spawn(expire_correlation(
        outbox.clone(),
        config.store.dlr_correlation_ttl,
        hooks.clone(),
        stop.clone(),
    ));
    let view = ops::OpsView {
        carriers: running_now,
        outbox: outbox.clone(),
        hooks: hooks.clone(),
        live: state.live.clone(),
        rates,
        draining: draining.clone(),
    };
    let stop_admin = CancellationToken::new();
    let admin = ops::spawn_admin(config.admin.listen, view.clone(), stop_admin.clone()).await?;
    tokio::spawn(ops::sample(view, stop_admin.clone()));
    let listener = bind_socket(&config.api.socket)?;
    info!(socket = %config.api.socket.display(), carriers = carriers.len(), "smppd is serving");
    let stop_api = CancellationToken::new();
    let api = tokio::spawn({
        let stop = stop_api.clone();
        let app = router(state.clone());
        async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await
        }
    });
    let api_tcp = match &config.api.tcp {
        None => None,
        Some(tcp) => {
            let tls = match &tcp.tls {
                Some(t) => Some(crate::api::tcp::tls_acceptor(&t.cert, &t.key)?),
                None => None,
            };
            let bound = tokio::net::TcpListener::bind(tcp.listen)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", tcp.listen))?;
            let listener = crate::api::tcp::spawn(bound, tls, stop_api.clone())
                .map_err(|e| format!("API TCP listener: {e}"))?;
            info!(listen = %tcp.listen, tls = tcp.tls.is_some(), "API also on TCP");
            let stop = stop_api.clone();
            let app = router(state.clone())
                .into_make_service_with_connect_info::<crate::api::ClientAddr>();
            Some(tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move { stop.cancelled().await })
                    .await
            }))
        }
    };
    let live = state.live.clone();
    drop(state);

    stop.cancelled().await;
    draining.cancel();
    let grace = live.load().acceptor.config().shutdown.grace;
    info!(
        grace = ?grace,
        "draining: submissions refused; finishing the windows in flight"
    );
    let drain = async {
        stop_dispatch.cancel();
        let _ = dispatching.await;
        // The carriers running now, after any reloads.
        let running: Vec<Arc<Carrier>> = control
            .carriers
            .lock()
            .await
            .drain()
            .map(|(_, (_, c))| c)
            .collect();
        for c in &running {
            c.shutdown().await;
        }
        info!(carriers = running.len(), "every bind unbound");
        // Every bind is gone: what they handed over is stored and answered, then the desk
        // stops.
        close_inbound.cancel();
        let _ = taking_inbound.await;
        hooks.load().shutdown().await;
    };
    if tokio::time::timeout(grace, drain).await.is_err() {
        warn!(
            grace = ?grace,
            "the drain outlasted the grace period: stopping now; everything accepted is stored, and what was on the wire unanswered is sent again at the next start"
        );
    }
    stop_api.cancel();
    let _ = api.await;
    if let Some(tcp) = api_tcp {
        let _ = tcp.await;
    }
    // The admin listener answers until the very end, so a scrape sees the drain.
    stop_admin.cancel();
    let _ = admin.await;
    drop((carriers, control, hooks, dispatcher, store, live));
    let _ = std::fs::remove_file(&config.api.socket);
    // The writer finishes when the last handle goes; after a drain cut short, tasks left
    // running still hold one. Every commit is atomic, so not waiting for them loses nothing.
    if tokio::time::timeout(STORE_CLOSE_WAIT, outbox.close())
        .await
        .is_err()
    {
        warn!("the store writer was still in use; stopping without waiting for it");
    }
    info!("stopped");
    Ok(())
}

/// The policy counters as the store kept them: today's quota use, credit spent, and the
/// duplicate window.
fn restore_policy(config: &Config, outbox: &Outbox) -> Result<PolicyBook, String> {
    let now = jiff::Timestamp::now();
    let saved = outbox.counters().map_err(|e| e.to_string())?;
    let policy = PolicyBook::new(config, &saved, now);
    let since = now_ms().saturating_sub(longest_window_ms(config));
    for (key, id, at) in outbox.duplicates(since).map_err(|e| e.to_string())? {
        policy.duplicates().restore(key, id, at);
    }
    Ok(policy)
}

fn now_ms() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0)
}

fn longest_window_ms(config: &Config) -> u64 {
    config
        .accounts
        .iter()
        .filter_map(|a| a.policy.duplicate_window)
        .max()
        .map_or(0, |w| u64::try_from(w.as_millis()).unwrap_or(u64::MAX))
}

/// Forgets duplicate-window entries older than the longest window, in memory and on disk, and
/// `client_ref`s past their day.
async fn expire_duplicates(state: Arc<ApiState>, outbox: Outbox, stop: CancellationToken) {
    const BATCH: usize = 10_000;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
        }
        let window = longest_window_ms(state.live.load().acceptor.config());
        let before = now_ms().saturating_sub(window);
        state
            .live
            .load()
            .acceptor
            .policy()
            .duplicates()
            .expire(before);
        // A batch at a time, so that no one commit holds the writer long.
        while let Ok(n) = outbox.expire_duplicates(before, BATCH).await
            && n >= BATCH
        {}
        let refs_before = now_ms().saturating_sub(crate::store::CLIENT_REF_TTL_MS);
        while let Ok(n) = outbox.expire_client_refs(refs_before, BATCH).await
            && n >= BATCH
        {}
    }
}

/// Reloads the config on every SIGHUP.
async fn reload_on_hangup(control: Arc<control::Control>, stop: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangup) = signal(SignalKind::hangup()) else {
        warn!("no SIGHUP handler: reload with POST /v1/admin/reload");
        return;
    };
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = hangup.recv() => {}
        }
        info!("SIGHUP: reloading the config");
        if let Err(errors) = control.apply().await {
            for e in &errors {
                error!(error = %e, "reload refused; the running config stays");
            }
        }
    }
}

/// Forgets receipt correlations older than `ttl` (`store.dlr_correlation_ttl`), and keeps
/// receipts parked for longer than [`crate::store::PARK_FOR_MS`] as unmatched, and delivers
/// MO messages whose missing parts never came, marked incomplete.
async fn expire_correlation(
    outbox: Outbox,
    ttl: std::time::Duration,
    hooks: Arc<arc_swap::ArcSwap<crate::webhook::Webhooks>>,
    stop: CancellationToken,
) {
    const BATCH: usize = 10_000;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
        }
        let before = now_ms().saturating_sub(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
        // A batch at a time, so that no one commit holds the writer long.
        while let Ok(n) = outbox.expire_correlation(before, BATCH).await
            && n >= BATCH
        {}
        match outbox
            .expire_parked(now_ms().saturating_sub(crate::store::PARK_FOR_MS))
            .await
        {
            Ok(0) => {}
            Ok(n) => warn!(
                receipts = n,
                "receipts never matched a submission; kept as unmatched"
            ),
            Err(e) => error!(error = %e, "cannot expire parked receipts"),
        }
        match outbox
            .expire_mo(now_ms().saturating_sub(crate::store::MO_PARTS_WAIT_MS))
            .await
        {
            Ok(accounts) => {
                for a in &accounts {
                    warn!(account = %a, "an MO's missing parts never came; delivered incomplete");
                    hooks.load().wake(a);
                }
            }
            Err(e) => error!(error = %e, "cannot expire MO parts"),
        }
    }
}

fn bind_socket(path: &Path) -> Result<UnixListener, String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // A socket file left by a previous run that is not listening any more is stale.
    if path.exists() && std::os::unix::net::UnixStream::connect(path).is_err() {
        let _ = std::fs::remove_file(path);
    }
    let listener = UnixListener::bind(path)
        .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
        .map_err(|e| format!("cannot set the mode of {}: {e}", path.display()))?;
    Ok(listener)
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers the daemon can only be killed; run until then.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
