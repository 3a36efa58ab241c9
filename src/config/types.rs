//! The validated configuration: what the rest of the daemon reads. Every value here has been
//! checked once, by [`super::validate`]; no other code reads the raw file. Defaults named in the
//! field docs apply only when the key is absent; `config/smppd.example.toml` lists them too.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;

use super::countries::Country;
use super::number::{E164Prefix, Sender};
use super::secret::Secret;
use crate::carrier::CarrierConfig;
use crate::text::TextProfile;

/// A whole, valid configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from (for reloads and messages).
    pub file: PathBuf,
    /// `[api]`: the submission API's listeners.
    pub api: Api,
    /// `[admin]`: metrics and health.
    pub admin: Admin,
    /// `[log]`: how the daemon logs.
    pub log: Log,
    /// `[store]`: the durable store.
    pub store: Store,
    /// `[[carriers]]`, in file order; names are unique.
    pub carriers: Vec<CarrierSettings>,
    /// `[[routes]]`, in file order; prefixes are unique.
    pub routes: Vec<Route>,
    /// `[[accounts]]`, in file order; ids, token hashes and inbound numbers are unique.
    pub accounts: Vec<Account>,
    /// `[shutdown]`: how SIGTERM drains.
    pub shutdown: Shutdown,
}

impl Config {
    /// The carrier named `name`.
    pub fn carrier(&self, name: &str) -> Option<&CarrierSettings> {
        self.carriers.iter().find(|c| c.carrier.name == name)
    }

    /// The account with id `id`.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

/// `[api]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    /// Unix socket (mode 0660), resolved against the config file's directory.
    pub socket: PathBuf,
    /// Optional TCP listener; on a non-loopback address it always has TLS.
    pub tcp: Option<ApiTcp>,
    /// Most messages in one `POST /v1/messages` batch. Default 1000.
    pub max_batch: usize,
    /// Largest request body accepted, in bytes. Default 8 MiB (a full batch of long texts fits).
    pub max_body_bytes: usize,
}

/// The API's TCP listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTcp {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Server certificate and key (`[api.tls]`); required unless `listen` is loopback.
    pub tls: Option<ServerTls>,
}

/// A server's TLS identity (PEM files, checked readable at load).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerTls {
    /// Certificate chain, leaf first.
    pub cert: PathBuf,
    /// Private key.
    pub key: PathBuf,
}

/// `[admin]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admin {
    /// `/metrics`, `/healthz`, `/readyz`. Default `127.0.0.1:9464`.
    pub listen: SocketAddr,
}

/// `[shutdown]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shutdown {
    /// The longest a SIGTERM drain may take (windows answered, binds unbound, webhook batches
    /// flushed); past it the store is closed and the daemon exits anyway, losing nothing
    /// accepted. Default 30 s.
    pub grace: Duration,
}

/// `[log]`. Read once at start-up: a reload reports a change here as needing a restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Log {
    /// How each line is written to standard error. Default text.
    pub format: LogFormat,
    /// An `EnvFilter` directive string (`"info"`, `"info,smppd::carrier=debug"`), checked at
    /// load; the `SMPPD_LOG` environment variable overrides it. Default `info`.
    pub level: String,
}

/// `log.format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines, one per event, with the spans in front.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `[store]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    /// Directory of the embedded store, resolved against the config file's directory.
    pub path: PathBuf,
    /// How long a carrier message id is kept to match its delivery receipt. Default 72 h.
    pub dlr_correlation_ttl: Duration,
    /// Messages the outbox may hold; at the bound new submissions are refused with 503
    /// `overloaded` and nothing is stored. Default 1,000,000.
    pub max_outbox: u64,
    /// Group commit: how long an idle writer gathers records before one durable commit.
    /// Default 0 (commit at once; what arrives during a commit forms the next one).
    pub commit_interval: Duration,
    /// Group commit: most records in one commit (it commits early when reached). Default 1000.
    pub commit_max_batch: usize,
    /// Answer an accept once it is in the accept journal (an append and an fdatasync of its
    /// own) instead of once the store has committed it. Default true: lower accept latency,
    /// for about a twelfth of the peak end-to-end rate (BENCHMARKS.md, sixth round).
    pub accept_journal: bool,
}

/// One carrier: the pool's settings, its text profile and what the dispatcher does with it.
#[derive(Clone, PartialEq, Eq)]
pub struct CarrierSettings {
    /// Binds, credentials, window, rate, timers (what [`crate::carrier::Carrier`] takes).
    pub carrier: CarrierConfig,
    /// How text is encoded and split for this carrier.
    pub text: TextProfile,
    /// How the carrier writes message ids in submit_sm_resp and in receipts. Default `auto`.
    pub message_id_format: MessageIdFormat,
    /// What the dispatcher does when a submit's outcome is unknown. Default `report`.
    pub on_timeout: OnTimeout,
}

/// Shows everything but the bind password ([`CarrierConfig`]'s own `Debug` would print it).
impl std::fmt::Debug for CarrierSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut carrier = self.carrier.clone();
        carrier.password = "<redacted>".into();
        f.debug_struct("CarrierSettings")
            .field("carrier", &carrier)
            .field("text", &self.text)
            .field("message_id_format", &self.message_id_format)
            .field("on_timeout", &self.on_timeout)
            .finish()
    }
}

/// How a carrier writes message ids (receipts are matched to submits by id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageIdFormat {
    /// Hexadecimal in both places.
    Hex,
    /// Decimal in both places.
    Dec,
    /// Either, possibly different in submit_sm_resp and receipts: both sides are normalised.
    Auto,
}

/// What happens to a message whose submit_sm got no answer (the SMSC may have it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OnTimeout {
    /// Mark it failed and tell the account: never a duplicate, possibly a loss.
    Report,
    /// Send it again: never a loss, possibly a duplicate.
    Resend,
}

/// `[[routes]]`: destinations under a prefix go to these carriers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The prefix (from `prefix`, or from `country`'s calling code).
    pub prefix: E164Prefix,
    /// The country it was written as, when written as `country = "ES"`.
    pub country: Option<Country>,
    /// Carrier names, in failover order; each is a configured carrier that can submit.
    pub carriers: Vec<String>,
    /// When present, one weight per carrier: traffic is shared in these proportions instead
    /// of strict failover.
    pub weights: Option<Vec<NonZeroU32>>,
}

/// `[[accounts]]`: a tenant of the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Unique id (logs, metrics, stored messages).
    pub id: String,
    /// Sender used when a message names none; without it, `from` is required.
    pub default_sender: Option<Sender>,
    /// Where delivery receipts and inbound messages go.
    pub webhook: Webhook,
    /// Bearer tokens, by hash.
    pub tokens: Vec<Token>,
    /// Short codes and numbers whose inbound messages belong to this account.
    pub numbers: Vec<String>,
    /// `[accounts.policy]`.
    pub policy: Policy,
}

/// An account's webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    /// `http://` or `https://` URL.
    pub url: String,
    /// HMAC-SHA256 key for `X-Smppd-Signature`.
    pub secret: Secret,
    /// How long one POST may take before it counts as failed. Default 10 s.
    pub timeout: Duration,
    /// How long failed events keep being retried before they are dead-lettered (kept, and
    /// replayable by an admin call). Default 24 h.
    pub retry_for: Duration,
}

/// A bearer token, by its hash (the token itself is never in the config).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// SHA-256 of the token.
    pub sha256: [u8; 32],
    /// What it may do; never empty, no repeats, in the order `send`, `read`, `admin`.
    pub scopes: Vec<Scope>,
    /// Refused from this instant on.
    pub expires_at: Option<jiff::Timestamp>,
    /// TCP clients must come from one of these networks; empty = any.
    pub allow_ips: Vec<IpNet>,
}

/// A token scope (API.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Submit messages.
    Send,
    /// Read message status.
    Read,
    /// Carriers, reload.
    Admin,
}

/// `[accounts.policy]`: plain checked data; the policy engine applies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Submission rate limit; absent = unlimited.
    pub rate: Option<Rate>,
    /// Same destination and text within this window is refused as `duplicate`.
    /// Default 60 min; `None` when written as `"0s"` (disabled).
    pub duplicate_window: Option<Duration>,
    /// Destination countries allowed; absent = all.
    pub countries: Option<Vec<Country>>,
    /// Bulk messages are held during these hours.
    pub quiet_hours: Option<QuietHours>,
    /// Segments per day, resetting at midnight in the quiet hours' named zone (UTC when there is
    /// none or it is `recipient`); absent = unlimited.
    pub daily_quota: Option<u64>,
    /// Most messages per request; at most `api.max_batch`. Default `api.max_batch`.
    pub max_per_request: usize,
    /// Whether UCS-2 texts are accepted (else `unicode_not_allowed`). Default true.
    pub unicode: bool,
    /// Segments this account may still send; absent = unlimited.
    pub credit: Option<u64>,
    /// Validity of bulk messages that name none; absent = the carrier's default.
    pub bulk_validity: Option<Duration>,
}

/// A rate limit with its burst.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Messages per `per`.
    pub count: NonZeroU32,
    /// The period `count` is counted over.
    pub per: RatePeriod,
    /// Messages that may go at once after a quiet spell. Default one second's worth
    /// (rounded up).
    pub burst: NonZeroU32,
}

/// The period of a [`Rate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RatePeriod {
    /// `/s`.
    Second,
    /// `/m`.
    Minute,
    /// `/h`.
    Hour,
}

impl RatePeriod {
    /// The period's length.
    pub fn duration(self) -> Duration {
        Duration::from_secs(match self {
            RatePeriod::Second => 1,
            RatePeriod::Minute => 60,
            RatePeriod::Hour => 3600,
        })
    }
}

/// Hours during which bulk messages are held (OTP ignores them). `from` is inclusive, `to`
/// exclusive; `from` after `to` spans midnight (22:00 to 08:00).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuietHours {
    /// Start, inclusive.
    pub from: jiff::civil::Time,
    /// End, exclusive.
    pub to: jiff::civil::Time,
    /// The clock they are read on.
    pub zone: QuietZone,
}

/// Whose clock quiet hours follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuietZone {
    /// The recipient's, from the destination number.
    Recipient,
    /// One IANA zone for every recipient.
    Named(jiff::tz::TimeZone),
}
