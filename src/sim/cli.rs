//! `smppd sim` as a process: builds the runtime (one thread unless `--threads` says more),
//! starts the simulator, prints the listening line, and on SIGINT or SIGTERM shuts down cleanly
//! and exits 0.

use std::io::Write;
use std::process::ExitCode;

use tokio::signal::unix::{SignalKind, signal};

use super::args::SimArgs;
use super::config::SimConfig;
use super::server::start;

/// Exit status for a bad flag value (BSD `EX_USAGE`).
const EXIT_USAGE: u8 = 64;

/// Runs the simulator until SIGINT or SIGTERM, on the current runtime.
///
/// Prints one JSON line on standard output once listening:
/// `{"listening": "127.0.0.1:2775", "tls": null}` (`tls` holds the TLS address when enabled).
/// Exit status: 0 after a clean shutdown, 64 for invalid settings, 1 when the simulator cannot
/// start (address in use, unreadable key…) or the final stats file cannot be written.
pub async fn run(args: SimArgs) -> ExitCode {
    let config = match SimConfig::try_from(args) {
        Ok(config) => config,
        Err(errors) => {
            for e in errors {
                eprintln!("smppd sim: {e}");
            }
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // Handlers go in before the listening line, so a signal sent right after it is caught.
    let (mut interrupt, mut terminate) = match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(i), Ok(t)) => (i, t),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("smppd sim: cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let handle = match start(config).await {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("smppd sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let line = serde_json::json!({
        "listening": handle.local_addr().to_string(),
        "tls": handle.tls_addr().map(|a| a.to_string()),
    });
    {
        let mut out = std::io::stdout().lock();
        // A closed stdout must not stop the simulator; the address is also in the logs.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!(target: "smppd::sim", "signal received, shutting down");
    match handle.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("smppd sim: cannot write the stats file: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the runtime `--threads` asks for, sets up logging to standard error (`RUST_LOG`,
/// default `warn`) and runs [`run`] on it. What `smppd sim` calls.
pub fn main(args: SimArgs) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads as usize)
            .enable_all()
            .build()
    };
    match runtime {
        Ok(rt) => rt.block_on(run(args)),
        Err(e) => {
            eprintln!("smppd sim: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}
