//! The `smppd sim` command line: every flag, its default and how its value is read, and the
//! conversion into [`SimConfig`] that reports every problem at once.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::config::{
    DlrIdFormat, DlrMix, IdFormat, ReceiptConfig, SimConfig, TlsConfig, TlsIdentity,
};
use super::faults::Faults;

/// `smppd sim`: a built-in SMSC (SMPP server) for tests, benchmarks and staging.
///
/// Prints `{"listening": "ADDR:PORT", "tls": "ADDR:PORT"|null}` on standard output once it
/// listens, runs until SIGINT or SIGTERM, then unbinds every client and writes the stats file.
#[derive(Clone, Debug, clap::Args)]
pub struct SimArgs {
    /// TCP address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:2775")]
    pub listen: SocketAddr,
    /// Also listen for TLS (1.2 and 1.3) on this address; needs --tls-cert and --tls-key.
    #[arg(long, value_name = "ADDR:PORT", requires_all = ["tls_cert", "tls_key"])]
    pub tls_listen: Option<SocketAddr>,
    /// PEM certificate chain for --tls-listen.
    #[arg(long, value_name = "PEM", requires = "tls_listen")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-listen.
    #[arg(long, value_name = "PEM", requires = "tls_listen")]
    pub tls_key: Option<PathBuf>,
    /// The system_id binds must carry (else ESME_RINVSYSID).
    #[arg(long, default_value = "smppd")]
    pub system_id: String,
    /// The password binds must carry (else ESME_RINVPASWD).
    #[arg(long, default_value = "secret")]
    pub password: String,
    /// The simulator's own system_id in bind_*_resp.
    #[arg(long, default_value = "smppd-sim")]
    pub smsc_system_id: String,
    /// Most binds at once; more get ESME_RBINDFAIL. Default: unlimited.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_binds: Option<u64>,
    /// Most connections at once; more are closed on accept.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Message ids in submit_sm_resp: hex or dec.
    #[arg(long, value_enum, default_value_t = IdFormat::Hex)]
    pub id_format: IdFormat,
    /// Recent message ids remembered for query_sm, cancel_sm and replace_sm.
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub known_ids: u64,
    /// Delay from submit_sm to its delivery receipt (e.g. 500ms, 2s).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
    pub dlr_delay: Duration,
    /// Mix of receipt final states, e.g. delivered=0.9,undeliverable=0.08,expired=0.02 (also
    /// rejected, deleted, unknown, accepted).
    #[arg(long, value_name = "STATE=WEIGHT,...", default_value = "delivered=1", value_parser = mix)]
    pub dlr_mix: DlrMix,
    /// The id's base in receipts: same as submit_sm_resp, hex or dec.
    #[arg(long, value_enum, default_value_t = DlrIdFormat::Same)]
    pub dlr_id_format: DlrIdFormat,
    /// Unanswered deliver_sm per receiver bind.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..))]
    pub dlr_window: u64,
    /// How long a deliver_sm waits for deliver_sm_resp before it is sent again.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    pub dlr_timeout: Duration,
    /// Delay before resending a deliver_sm answered with a temporary error.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration)]
    pub dlr_retry: Duration,
    /// Sends of one deliver_sm before it is given up.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub dlr_max_attempts: u32,
    /// Receipts and injected messages that may wait; more are dropped (and counted).
    #[arg(long, value_name = "N", default_value_t = 500_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_pending_receipts: u64,
    /// Share of submissions answered ESME_RTHROTTLED (0 to 1).
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = fraction)]
    pub throttle_fraction: f64,
    /// Answer ESME_RTHROTTLED to submissions beyond N per second (whole simulator).
    #[arg(long, value_name = "N")]
    pub throttle_above_tps: Option<u32>,
    /// Share of submissions answered with --error-status (0 to 1).
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = fraction)]
    pub error_fraction: f64,
    /// command_status for --error-fraction, hex (0x45) or decimal (69).
    #[arg(long, value_name = "CODE", default_value = "0x45", value_parser = status)]
    pub error_status: u32,
    /// Share of submissions never answered (0 to 1).
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = fraction)]
    pub no_answer_fraction: f64,
    /// Close a connection abruptly when it receives its Nth PDU (binds included).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub drop_after: Option<u64>,
    /// Seed for every random choice, for reproducible runs.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Write statistics as JSON here (every --stats-interval and at exit, atomically).
    #[arg(long, value_name = "PATH")]
    pub stats_file: Option<PathBuf>,
    /// How often the stats file is rewritten.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
    pub stats_interval: Duration,
    /// Append every received submit_sm here as one JSON line.
    #[arg(long, value_name = "PATH")]
    pub submit_log: Option<PathBuf>,
    /// Submit log lines held in memory before new ones are counted as lost.
    #[arg(long, value_name = "N", default_value_t = 65_536, value_parser = clap::value_parser!(u64).range(1..))]
    pub submit_log_buffer: u64,
    /// How long shutdown waits for each unbind_resp.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = duration)]
    pub shutdown_grace: Duration,
    /// Runtime threads: 1 runs everything on one core (current-thread runtime).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub threads: u64,
}

fn duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (expected e.g. 500ms, 2s, 1m)"))
}

fn mix(s: &str) -> Result<DlrMix, String> {
    s.parse()
}

fn fraction(s: &str) -> Result<f64, String> {
    let f: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&f) {
        Ok(f)
    } else {
        Err(format!("{f} is not between 0 and 1"))
    }
}

fn status(s: &str) -> Result<u32, String> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => s.parse(),
    };
    match parsed {
        Ok(0) => Err("0 is ESME_ROK, not an error".into()),
        Ok(code) => Ok(code),
        Err(_) => Err(format!("{s:?} is not a status code (e.g. 0x45 or 69)")),
    }
}

impl TryFrom<SimArgs> for SimConfig {
    type Error = Vec<String>;

    /// The configuration the flags describe, or every problem with them.
    fn try_from(a: SimArgs) -> Result<SimConfig, Vec<String>> {
        let usize_of = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let tls = match (a.tls_listen, a.tls_cert, a.tls_key) {
            (Some(listen), Some(cert), Some(key)) => Some(TlsConfig {
                listen,
                identity: TlsIdentity::Files { cert, key },
            }),
            (None, None, None) => None,
            _ => {
                return Err(vec![
                    "--tls-listen, --tls-cert and --tls-key go together".into(),
                ]);
            }
        };
        let config = SimConfig {
            listen: a.listen,
            tls,
            system_id: a.system_id,
            password: a.password,
            smsc_system_id: a.smsc_system_id,
            max_binds: a.max_binds.map(usize_of),
            max_connections: usize_of(a.max_connections),
            id_format: a.id_format,
            known_ids: usize_of(a.known_ids),
            receipts: ReceiptConfig {
                delay: a.dlr_delay,
                mix: a.dlr_mix,
                id_format: a.dlr_id_format,
                window: usize_of(a.dlr_window),
                response_timeout: a.dlr_timeout,
                retry_delay: a.dlr_retry,
                max_attempts: a.dlr_max_attempts,
                max_pending: usize_of(a.max_pending_receipts),
            },
            faults: Faults {
                throttle_fraction: a.throttle_fraction,
                throttle_above_tps: a.throttle_above_tps,
                error_fraction: a.error_fraction,
                error_status: a.error_status,
                no_answer_fraction: a.no_answer_fraction,
                drop_after: a.drop_after,
            },
            seed: a.seed,
            stats_file: a.stats_file,
            stats_interval: a.stats_interval,
            submit_log: a.submit_log,
            submit_log_buffer: usize_of(a.submit_log_buffer),
            shutdown_grace: a.shutdown_grace,
        };
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimArgs,
    }

    fn parse(args: &[&str]) -> Result<SimConfig, String> {
        let cli = Cli::try_parse_from(std::iter::once("sim").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        SimConfig::try_from(cli.sim).map_err(|e| e.join("; "))
    }

    #[test]
    fn defaults_match_the_library_defaults() {
        assert_eq!(parse(&[]).unwrap(), SimConfig::default());
    }

    #[test]
    fn flags_reach_the_configuration() {
        let c = parse(&[
            "--listen",
            "127.0.0.1:0",
            "--dlr-delay",
            "250ms",
            "--id-format",
            "dec",
            "--dlr-id-format",
            "hex",
            "--error-status",
            "0x58",
            "--error-fraction",
            "0.5",
            "--dlr-mix",
            "delivered=3,expired=1",
            "--drop-after",
            "7",
            "--max-binds",
            "2",
        ])
        .unwrap();
        assert_eq!(c.listen.port(), 0);
        assert_eq!(c.receipts.delay, Duration::from_millis(250));
        assert_eq!(c.id_format, IdFormat::Dec);
        assert_eq!(c.receipts.id_format, DlrIdFormat::Hex);
        assert_eq!(c.faults.error_status, 0x58);
        assert_eq!(c.faults.error_fraction, 0.5);
        assert_eq!(c.receipts.mix.to_string(), "delivered=0.75,expired=0.25");
        assert_eq!(c.faults.drop_after, Some(7));
        assert_eq!(c.max_binds, Some(2));
        assert_eq!(
            parse(&["--error-status", "69"])
                .unwrap()
                .faults
                .error_status,
            0x45
        );
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        for (args, needle) in [
            (&["--throttle-fraction", "1.5"][..], "between 0 and 1"),
            (&["--dlr-delay", "soon"], "500ms"),
            (&["--error-status", "0"], "ESME_ROK"),
            (&["--dlr-mix", "lost=1"], "unknown state"),
            (&["--tls-listen", "127.0.0.1:0"], "--tls-cert"),
            (&["--system-id", "a-very-long-system-id"], "system_id"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }
}
