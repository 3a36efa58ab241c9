//! The `smppd` command line: a thin layer over the library.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use smppd::inspect;
use smppd::pdu::Limits;

/// The daemon allocates many small, short-lived buffers per message (store records, PDUs,
/// HTTP bodies, JSON), most of them freed on another thread than the one that made them. With
/// glibc's allocator malloc and free took about a third of its CPU under load; jemalloc beat
/// mimalloc by 7–14 % end to end (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Hands jemalloc's purging of unused pages to its own background threads, so that no
/// request's allocation pays for returning memory to the kernel (end to end about a tenth
/// faster in five alternating pairs, BENCHMARKS.md). The daemon works without them, only slower, so a failure is a
/// warning.
fn purge_in_background() {
    if let Err(error) = tikv_jemalloc_ctl::background_thread::write(true) {
        eprintln!("smppd: warning: jemalloc's background threads did not start ({error})");
    }
}

#[derive(Debug, Parser)]
#[command(name = "smppd", version, about = "SMPP carrier connector daemon")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print SMPP PDUs given as hex (from a capture) as one JSON object per line.
    ///
    /// Several PDUs may follow each other. Exit status 1 if any PDU is malformed.
    Decode {
        /// Hex of one or more PDUs (spaces allowed), or `-` to read hex from standard input.
        #[arg(required = true)]
        hex: Vec<String>,
        /// Largest bind password accepted, terminator included (the specification says 9).
        #[arg(long, default_value_t = 9)]
        password_max: usize,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
    },
    /// Run the daemon: the submission API on its Unix socket, the outbox, the carrier binds.
    Serve {
        /// The configuration file (TOML).
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Run the built-in SMSC simulator (SMPP server) until SIGINT or SIGTERM.
    Sim(Box<smppd::sim::SimArgs>),
    /// Load a running daemon end to end (submissions, wire, webhook) and report as JSON.
    Bench(Box<smppd::bench::BenchArgs>),
    /// Validate a configuration file and exit: 0 when valid, 64 with every problem, one per
    /// line (`FILE:LINE:COLUMN: key.path: reason`) on standard error.
    CheckConfig {
        /// The configuration file (TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// Print the problems as a JSON array on standard output instead (`[]` when valid).
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Decode {
            hex,
            password_max,
            pretty,
        } => decode(&hex, password_max, pretty),
        Command::Serve { config } => {
            purge_in_background();
            smppd::app::main(&config)
        }
        Command::Sim(args) => smppd::sim::main(*args),
        Command::Bench(args) => smppd::bench::main(*args),
        Command::CheckConfig { config, json } => ExitCode::from(smppd::config::check_config(
            &config,
            json,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        )),
    }
}

fn decode(args: &[String], password_max: usize, pretty: bool) -> ExitCode {
    let input = if args == ["-"] {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("smppd decode: cannot read standard input: {e}");
            return ExitCode::from(2);
        }
        text
    } else {
        args.join(" ")
    };
    let limits = Limits { password_max };
    let (values, clean) = inspect::decode_hex(&input, &limits);
    let mut out = std::io::stdout().lock();
    for v in &values {
        let line = if pretty {
            serde_json::to_string_pretty(v)
        } else {
            serde_json::to_string(v)
        };
        // A closed pipe (`| head`) is not an error worth a panic.
        if writeln!(out, "{}", line.unwrap_or_default()).is_err() {
            break;
        }
    }
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
