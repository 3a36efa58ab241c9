//! `smppd sim`: a built-in SMSC simulator, a real SMPP peer (the server side) for tests,
//! benchmarks and operators' staging.
//!
//! It accepts the three bind types with a configured system_id and password, answers
//! submit_sm (and data_sm, submit_multi, query_sm, cancel_sm, replace_sm) with unique message
//! ids, sends delivery receipts after a delay with a configurable mix of final states, delivers
//! injected MO messages, injects faults (throttling, errors, silence, dropped connections), and
//! counts everything it saw.
//!
//! In-process use (tests of the daemon and the carrier pool):
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use smppd::sim::{Faults, SimConfig, start};
//! let sim = start(SimConfig {
//!     listen: "127.0.0.1:0".parse().unwrap(),
//!     ..SimConfig::default()
//! })
//! .await?;
//! let port = sim.local_addr().port();
//! # let _ = port;
//! sim.set_faults(Faults { throttle_fraction: 0.5, ..Faults::default() }).unwrap();
//! println!("{}", serde_json::to_string(&sim.stats()).unwrap());
//! sim.shutdown().await
//! # }
//! ```
//!
//! Module map: `config` (settings, defaults, validation), `args` (the flags), `cli` (the
//! process), `server` (listeners, shared state, [`SimHandle`]), `tls`, `connection` (one
//! client's I/O loop and delivery window), `handler` (what each PDU gets), `faults`,
//! `receipts` (receipt text and TLVs, scheduling, the ready queue), `inject` (MO messages),
//! `ids` (message ids and the id book), `stats`, `submit_log`, `clock`.

mod args;
mod cli;
mod clock;
mod config;
mod connection;
mod faults;
mod handler;
mod ids;
mod inject;
mod receipts;
mod server;
mod stats;
mod submit_log;
mod tls;

pub use args::SimArgs;
pub use cli::{main, run};
pub use config::{
    DlrIdFormat, DlrMix, FinalState, IdFormat, ReceiptConfig, SimConfig, TlsConfig, TlsIdentity,
};
pub use faults::Faults;
pub use inject::{InjectError, MoMessage};
pub use server::{SimHandle, start};
pub use stats::SimStats;
