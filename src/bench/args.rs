//! The `smppd bench` command line: what load to generate, where the daemon, the simulator's
//! stats and the webhook receiver are, and how long to wait for the stragglers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `smppd bench`: submits a configurable mix of messages to a running daemon over its Unix
/// socket, receives the webhook events, and prints one JSON report (exit 1 when some message
/// is not accounted for).
#[derive(Clone, Debug, clap::Args)]
pub struct BenchArgs {
    /// The daemon's API socket.
    #[arg(long, value_name = "PATH")]
    pub socket: PathBuf,
    /// Bearer token with scopes `send` and `read`.
    #[arg(long)]
    pub token: String,
    /// Messages to submit; the run ends when all are submitted (or at --duration).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub messages: u64,
    /// Stop submitting after this long even if --messages are not all sent.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub duration: Option<Duration>,
    /// Messages per second to submit; 0 submits as fast as the daemon accepts.
    #[arg(long, value_name = "N", default_value_t = 0.0)]
    pub rate: f64,
    /// Requests in flight at once, each on its own connection.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub concurrency: u64,
    /// Messages per request: 1 sends single messages, more sends `{"messages": [...]}` batches.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch: u64,
    /// Share of messages of kind `otp` (the rest are `bulk`).
    #[arg(long, value_name = "F", default_value_t = 0.3, value_parser = fraction)]
    pub otp: f64,
    /// Share of messages whose text needs UCS-2.
    #[arg(long, value_name = "F", default_value_t = 0.2, value_parser = fraction)]
    pub ucs2: f64,
    /// Share of messages long enough to need two segments.
    #[arg(long, value_name = "F", default_value_t = 0.1, value_parser = fraction)]
    pub multipart: f64,
    /// Where the webhook receiver listens (the daemon's account webhook must point at
    /// `http://ADDR/hook`).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8099")]
    pub webhook_listen: SocketAddr,
    /// The account's webhook secret: when given, every batch's signature is checked.
    #[arg(long)]
    pub webhook_secret: Option<String>,
    /// `smppd sim --stats-file` to read the wire counters from; repeat it for a simulator that
    /// was restarted with a new file (the counts are added up).
    #[arg(long, value_name = "PATH")]
    pub sim_stats: Vec<PathBuf>,
    /// The daemon's pid, to sample its memory (VmRSS, VmHWM) during the run.
    #[arg(long, value_name = "PID")]
    pub daemon_pid: Option<u32>,
    /// After the last submission, how long to wait for every final receipt at the webhook.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = duration)]
    pub drain_timeout: Duration,
    /// Stop waiting for receipts sooner when none has arrived for this long (the rest are
    /// counted as missing).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    pub idle_timeout: Duration,
    /// Messages read back with GET /v1/messages/{id} for the accept-to-wire latency.
    #[arg(long, value_name = "N", default_value_t = 2_000)]
    pub wire_sample: u64,
    /// Exit 0 also when the only messages without a final receipt are ones whose receipt the
    /// simulator itself lost (it drops pending receipts when it is stopped): for runs that stop
    /// the simulator on purpose.
    #[arg(long)]
    pub allow_carrier_losses: bool,
    /// A directory on the disk of the daemon's store: a 4 KiB write and fdatasync there every
    /// 10 ms during the run, timed, so the report shows the disk stalls every commit waited
    /// for (`disk_probe`).
    #[arg(long, value_name = "DIR")]
    pub disk_probe: Option<PathBuf>,
    /// Destination numbers start with this (E.164, the daemon must route it).
    #[arg(long, default_value = "+34600")]
    pub prefix: String,
}

fn duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (expected e.g. 500ms, 2s, 1m)"))
}

fn fraction(s: &str) -> Result<f64, String> {
    let f: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&f) {
        Ok(f)
    } else {
        Err(format!("{f} is not between 0 and 1"))
    }
}
