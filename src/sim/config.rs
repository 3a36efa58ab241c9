//! The simulator's settings as plain data: what [`super::start`] takes, what the command line
//! ([`super::SimArgs`]) converts into, and the defaults a test gets with `SimConfig::default()`.
//!
//! Everything here is checked once by [`SimConfig::validate`], which reports every problem at
//! once; no other module re-checks a setting.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::faults::Faults;

/// The longest receipt delay or retry delay accepted.
const MAX_DELAY: Duration = Duration::from_secs(365 * 24 * 3600);

/// Everything the simulator needs to run. `Default` gives a simulator that a daemon with the
/// example configuration binds to as-is.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// TCP listener. Port 0 picks an ephemeral port ([`super::SimHandle::local_addr`]).
    /// Default `127.0.0.1:2775`.
    pub listen: SocketAddr,
    /// Optional TLS listener (TLS 1.2 and 1.3 only). Default none.
    pub tls: Option<TlsConfig>,
    /// The system_id a bind must carry, else ESME_RINVSYSID. Default `smppd`.
    pub system_id: String,
    /// The password a bind must carry, else ESME_RINVPASWD. Default `secret`.
    pub password: String,
    /// The simulator's own system_id, sent in bind_*_resp. Default `smppd-sim`.
    pub smsc_system_id: String,
    /// Most binds at once; a bind beyond it gets ESME_RBINDFAIL. Default unlimited.
    pub max_binds: Option<usize>,
    /// Most TCP/TLS connections at once; more are closed as soon as they are accepted (counted
    /// in `connections_refused`). Default 1024.
    pub max_connections: usize,
    /// How submit_sm_resp writes message ids. Default hex.
    pub id_format: IdFormat,
    /// How many recent message ids are remembered for query_sm, cancel_sm and replace_sm; older
    /// ones are answered as unknown, as an SMSC that purged them would. Default 1,000,000.
    pub known_ids: usize,
    /// Delivery receipts.
    pub receipts: ReceiptConfig,
    /// Fault injection at start; changed at run time with [`super::SimHandle::set_faults`].
    pub faults: Faults,
    /// Seed for every random choice (faults, receipt states), for reproducible runs. Default:
    /// from the operating system.
    pub seed: Option<u64>,
    /// Where to write the statistics as JSON, replaced atomically. Default none.
    pub stats_file: Option<PathBuf>,
    /// How often the statistics file is rewritten. Default 1 s.
    pub stats_interval: Duration,
    /// Where to append every received submit_sm as one JSON line. Default none.
    pub submit_log: Option<PathBuf>,
    /// Lines the submit log may hold in memory before new ones are counted as lost
    /// (`submit_log_lost`) instead of stalling a connection. Default 65,536.
    pub submit_log_buffer: usize,
    /// How long shutdown waits for each bind's unbind_resp before closing it. Default 2 s.
    pub shutdown_grace: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 2775)),
            tls: None,
            system_id: "smppd".into(),
            password: "secret".into(),
            smsc_system_id: "smppd-sim".into(),
            max_binds: None,
            max_connections: 1024,
            id_format: IdFormat::Hex,
            known_ids: 1_000_000,
            receipts: ReceiptConfig::default(),
            faults: Faults::default(),
            seed: None,
            stats_file: None,
            stats_interval: Duration::from_secs(1),
            submit_log: None,
            submit_log_buffer: 65_536,
            shutdown_grace: Duration::from_secs(2),
        }
    }
}

impl SimConfig {
    /// Every problem with the settings, or `Ok` when the simulator can start with them.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        // The wire sizes are C(16) and C(9) terminator included; longer passwords are accepted
        // because the decoder is given a larger limit, as carriers that demand them do.
        for (name, value, max) in [
            ("system_id", &self.system_id, 15),
            ("smsc_system_id", &self.smsc_system_id, 15),
        ] {
            if value.len() > max || value.contains('\0') {
                errors.push(format!(
                    "{name} {value:?} must be at most {max} octets without NUL"
                ));
            }
        }
        if self.password.len() > 64 || self.password.contains('\0') {
            errors.push("password must be at most 64 octets without NUL".into());
        }
        if self.max_binds == Some(0) {
            errors.push("max_binds must be at least 1".into());
        }
        if self.max_connections == 0 {
            errors.push("max_connections must be at least 1".into());
        }
        if self.known_ids == 0 {
            errors.push("known_ids must be at least 1".into());
        }
        if self.stats_interval.is_zero() {
            errors.push("stats_interval must be above zero".into());
        }
        if self.submit_log_buffer == 0 {
            errors.push("submit_log_buffer must be at least 1".into());
        }
        let r = &self.receipts;
        if r.window == 0 {
            errors.push("receipts.window must be at least 1".into());
        }
        if r.max_pending == 0 {
            errors.push("receipts.max_pending must be at least 1".into());
        }
        if r.max_attempts == 0 {
            errors.push("receipts.max_attempts must be at least 1".into());
        }
        // The timer wheel holding receipts reaches about two years; a year is plenty.
        for (name, d) in [
            ("receipts.delay", r.delay),
            ("receipts.retry_delay", r.retry_delay),
        ] {
            if d > MAX_DELAY {
                errors.push(format!("{name} must be at most 365 days"));
            }
        }
        if r.response_timeout.is_zero() {
            errors.push("receipts.response_timeout must be above zero".into());
        }
        if let Err(e) = self.faults.validate() {
            errors.extend(e);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The TLS listener and its key material.
#[derive(Clone, Debug, PartialEq)]
pub struct TlsConfig {
    /// Address to listen on; port 0 picks an ephemeral port.
    pub listen: SocketAddr,
    /// Certificate chain and private key.
    pub identity: TlsIdentity,
}

/// Where the certificate chain and private key come from (PEM).
#[derive(Clone, PartialEq)]
pub enum TlsIdentity {
    /// PEM files on disk.
    Files {
        /// Certificate chain, leaf first.
        cert: PathBuf,
        /// Private key (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
    },
    /// PEM text in memory (tests make a self-signed pair on the fly).
    Pem {
        /// Certificate chain, leaf first.
        cert: String,
        /// Private key.
        key: String,
    },
}

impl std::fmt::Debug for TlsIdentity {
    /// Never prints key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsIdentity::Files { cert, key } => f
                .debug_struct("Files")
                .field("cert", cert)
                .field("key", key)
                .finish(),
            TlsIdentity::Pem { .. } => f.write_str("Pem { .. }"),
        }
    }
}

/// How a message id is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum IdFormat {
    /// Lower-case hexadecimal, no leading zeros (`18c5a3f21b40000`).
    #[default]
    Hex,
    /// Decimal (`111762412345600000`).
    Dec,
}

/// How the receipt writes the id it refers to, relative to submit_sm_resp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DlrIdFormat {
    /// As in submit_sm_resp.
    #[default]
    Same,
    /// Always hexadecimal.
    Hex,
    /// Always decimal (real carriers answer hex and receipt in decimal, or the reverse).
    Dec,
}

impl DlrIdFormat {
    /// The format used in receipts when submit_sm_resp uses `submit`.
    pub fn resolve(self, submit: IdFormat) -> IdFormat {
        match self {
            DlrIdFormat::Same => submit,
            DlrIdFormat::Hex => IdFormat::Hex,
            DlrIdFormat::Dec => IdFormat::Dec,
        }
    }
}

/// Delivery receipts: when, how they look, and how hard the simulator tries to deliver them.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiptConfig {
    /// Time from submit_sm to its receipt. Default 1 s.
    pub delay: Duration,
    /// The mix of final states. Default all delivered.
    pub mix: DlrMix,
    /// The id's base in receipts (text and receipted_message_id). Default as submit_sm_resp.
    pub id_format: DlrIdFormat,
    /// Unacknowledged deliver_sm per receiver bind; more wait in the queue. Default 64.
    pub window: usize,
    /// How long a deliver_sm may wait for its deliver_sm_resp before it is taken back and sent
    /// again (as a real SMSC redelivers). Default 30 s.
    pub response_timeout: Duration,
    /// Delay before a deliver_sm answered with a temporary error (ESME_RX_T_APPN, …) is sent
    /// again. Default 5 s.
    pub retry_delay: Duration,
    /// Sends of one deliver_sm before it is given up (counted in `receipts_dropped`). Default 5.
    pub max_attempts: u32,
    /// Receipts and injected messages that may wait (scheduled or for a receiver bind); beyond it
    /// new ones are dropped and counted in `receipts_dropped`. Default 500,000.
    pub max_pending: usize,
}

impl Default for ReceiptConfig {
    fn default() -> Self {
        ReceiptConfig {
            delay: Duration::from_secs(1),
            mix: DlrMix::default(),
            id_format: DlrIdFormat::Same,
            window: 64,
            response_timeout: Duration::from_secs(30),
            retry_delay: Duration::from_secs(5),
            max_attempts: 5,
            max_pending: 500_000,
        }
    }
}

/// A final state a receipt can report (smpp-reference §6.6, §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FinalState {
    /// DELIVRD.
    Delivered,
    /// UNDELIV.
    Undeliverable,
    /// EXPIRED.
    Expired,
    /// REJECTD.
    Rejected,
    /// DELETED.
    Deleted,
    /// UNKNOWN.
    Unknown,
    /// ACCEPTD.
    Accepted,
}

impl FinalState {
    /// Every state, in the order their names are listed in messages.
    pub const ALL: [FinalState; 7] = [
        FinalState::Delivered,
        FinalState::Undeliverable,
        FinalState::Expired,
        FinalState::Rejected,
        FinalState::Deleted,
        FinalState::Unknown,
        FinalState::Accepted,
    ];

    /// The name used in `--dlr-mix`.
    pub fn name(self) -> &'static str {
        match self {
            FinalState::Delivered => "delivered",
            FinalState::Undeliverable => "undeliverable",
            FinalState::Expired => "expired",
            FinalState::Rejected => "rejected",
            FinalState::Deleted => "deleted",
            FinalState::Unknown => "unknown",
            FinalState::Accepted => "accepted",
        }
    }
}

/// The share of each final state among receipts, e.g.
/// `delivered=0.9,undeliverable=0.08,expired=0.02`. Weights need not add up to 1; each state's
/// share is its weight over the sum.
#[derive(Clone, Debug, PartialEq)]
pub struct DlrMix {
    /// States with positive weights, and the running sum up to and including each.
    cumulative: Vec<(FinalState, f64)>,
}

impl Default for DlrMix {
    /// All delivered.
    fn default() -> Self {
        DlrMix {
            cumulative: vec![(FinalState::Delivered, 1.0)],
        }
    }
}

impl DlrMix {
    /// A mix from (state, weight) pairs. Weights must be finite and non-negative, and one must
    /// be positive.
    pub fn new(weights: &[(FinalState, f64)]) -> Result<DlrMix, String> {
        let mut total = 0.0;
        let mut cumulative = Vec::new();
        for &(state, w) in weights {
            if !w.is_finite() || w < 0.0 {
                return Err(format!("weight of {} must be a number ≥ 0", state.name()));
            }
            if w > 0.0 {
                total += w;
                cumulative.push((state, total));
            }
        }
        if total <= 0.0 {
            return Err("at least one state needs a weight above 0".into());
        }
        for entry in &mut cumulative {
            entry.1 /= total;
        }
        Ok(DlrMix { cumulative })
    }

    /// The state for a uniform draw `u` in [0, 1).
    pub fn pick(&self, u: f64) -> FinalState {
        self.cumulative
            .iter()
            .find(|(_, upto)| u < *upto)
            .or(self.cumulative.last())
            .map_or(FinalState::Delivered, |(s, _)| *s)
    }

    /// Whether every receipt is DELIVRD (the random draw can be skipped).
    pub fn is_all_delivered(&self) -> bool {
        matches!(self.cumulative.as_slice(), [(FinalState::Delivered, _)])
    }
}

impl FromStr for DlrMix {
    type Err = String;

    fn from_str(s: &str) -> Result<DlrMix, String> {
        let mut weights = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not STATE=WEIGHT"))?;
            let state = FinalState::ALL
                .into_iter()
                .find(|st| st.name().eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    let names: Vec<_> = FinalState::ALL.iter().map(|s| s.name()).collect();
                    format!(
                        "unknown state {name:?}; expected one of {}",
                        names.join(", ")
                    )
                })?;
            let weight: f64 = weight
                .trim()
                .parse()
                .map_err(|_| format!("weight {weight:?} of {name} is not a number"))?;
            weights.push((state, weight));
        }
        DlrMix::new(&weights)
    }
}

impl std::fmt::Display for DlrMix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut previous = 0.0;
        for (i, (state, upto)) in self.cumulative.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}={}", state.name(), upto - previous)?;
            previous = *upto;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_parses_and_picks_by_share() {
        let mix: DlrMix = "delivered=0.9, undeliverable=0.08,expired=0.02"
            .parse()
            .unwrap();
        assert_eq!(mix.pick(0.0), FinalState::Delivered);
        assert_eq!(mix.pick(0.899), FinalState::Delivered);
        assert_eq!(mix.pick(0.95), FinalState::Undeliverable);
        assert_eq!(mix.pick(0.99), FinalState::Expired);
        assert!(!mix.is_all_delivered());
        assert!(DlrMix::default().is_all_delivered());
    }

    #[test]
    fn mix_refuses_nonsense() {
        assert!("delivered".parse::<DlrMix>().is_err());
        assert!("sent=1".parse::<DlrMix>().is_err());
        assert!("delivered=-1".parse::<DlrMix>().is_err());
        assert!("delivered=0".parse::<DlrMix>().is_err());
    }

    #[test]
    fn defaults_are_valid_and_bad_values_are_all_reported() {
        assert_eq!(SimConfig::default().validate(), Ok(()));
        let bad = SimConfig {
            system_id: "a-system-id-that-is-too-long".into(),
            max_connections: 0,
            ..SimConfig::default()
        };
        assert_eq!(bad.validate().unwrap_err().len(), 2);
    }
}
