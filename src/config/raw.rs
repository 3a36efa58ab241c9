//! The file as written: a serde mirror of the TOML with `deny_unknown_fields` everywhere.
//!
//! Every key is optional here and integers are `i64` (TOML's own), so that "missing" and "out of
//! range" are reported by the validators with the key path and a reason in the operator's
//! terms, and a missing key is never confused with a wrong one. Fixed word lists (enums) are
//! checked here, where serde knows the position.

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawConfig {
    pub(super) api: Option<RawApi>,
    pub(super) admin: Option<RawAdmin>,
    pub(super) log: Option<RawLog>,
    pub(super) store: Option<RawStore>,
    pub(super) carriers: Option<Vec<RawCarrier>>,
    pub(super) routes: Option<Vec<RawRoute>>,
    pub(super) accounts: Option<Vec<RawAccount>>,
    pub(super) shutdown: Option<RawShutdown>,
}

/// `[api]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawApi {
    pub(super) socket: Option<String>,
    pub(super) tcp: Option<String>,
    pub(super) tls: Option<RawServerTls>,
    pub(super) max_batch: Option<i64>,
    pub(super) max_body_bytes: Option<i64>,
}

/// `[api.tls]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawServerTls {
    pub(super) cert: Option<String>,
    pub(super) key: Option<String>,
}

/// `[admin]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawAdmin {
    pub(super) listen: Option<String>,
}

/// `[shutdown]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawShutdown {
    pub(super) grace: Option<String>,
}

/// `[log]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawLog {
    pub(super) format: Option<RawLogFormat>,
    pub(super) level: Option<String>,
}

/// `log.format`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawLogFormat {
    Text,
    Json,
}

/// `[store]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawStore {
    pub(super) path: Option<String>,
    pub(super) dlr_correlation_ttl: Option<String>,
    pub(super) max_outbox: Option<i64>,
    pub(super) commit_interval: Option<String>,
    pub(super) commit_max_batch: Option<i64>,
    pub(super) accept_journal: Option<bool>,
}

/// A secret: inline, or where to find it.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "a string, { env = \"NAME\" } or { file = \"path\" }"
)]
pub(super) enum RawSecret {
    Inline(String),
    Env(RawEnvSecret),
    File(RawFileSecret),
}

/// `{ env = "NAME" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEnvSecret {
    pub(super) env: String,
}

/// `{ file = "path" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFileSecret {
    pub(super) file: String,
}

/// `[[carriers]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawCarrier {
    pub(super) name: Option<String>,
    pub(super) host: Option<String>,
    pub(super) port: Option<i64>,
    pub(super) system_id: Option<String>,
    pub(super) password: Option<RawSecret>,
    pub(super) password_max: Option<i64>,
    pub(super) system_type: Option<String>,
    pub(super) interface_version: Option<RawInterfaceVersion>,
    pub(super) binds: Option<RawBinds>,
    pub(super) window: Option<i64>,
    pub(super) max_tps: Option<i64>,
    pub(super) enquire_link: Option<String>,
    pub(super) response_timeout: Option<String>,
    pub(super) reconnect: Option<RawReconnect>,
    pub(super) throttle_pause: Option<String>,
    pub(super) throttle_retry_for: Option<String>,
    pub(super) max_pdu: Option<i64>,
    pub(super) tls: Option<RawClientTls>,
    pub(super) data_coding_default: Option<RawDataCoding>,
    pub(super) message_id_format: Option<RawMessageIdFormat>,
    pub(super) concatenation: Option<RawConcatenation>,
    pub(super) packing: Option<RawPacking>,
    pub(super) national_tables: Option<Vec<RawNationalTable>>,
    pub(super) max_segments: Option<i64>,
    pub(super) on_timeout: Option<RawOnTimeout>,
}

/// `interface_version`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(super) enum RawInterfaceVersion {
    #[serde(rename = "3.4")]
    V34,
    #[serde(rename = "5.0")]
    V50,
}

/// `binds = { transmitter, receiver, transceiver }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawBinds {
    pub(super) transmitter: Option<i64>,
    pub(super) receiver: Option<i64>,
    pub(super) transceiver: Option<i64>,
}

/// `reconnect = { min, max }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawReconnect {
    pub(super) min: Option<String>,
    pub(super) max: Option<String>,
}

/// A carrier's `tls = { ca, server_name, client_cert, client_key }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawClientTls {
    pub(super) ca: Option<String>,
    pub(super) server_name: Option<String>,
    pub(super) client_cert: Option<String>,
    pub(super) client_key: Option<String>,
}

/// `data_coding_default`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawDataCoding {
    Gsm7,
    Latin1,
    Ascii,
}

/// `message_id_format`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawMessageIdFormat {
    Hex,
    Dec,
    Auto,
}

/// `concatenation`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawConcatenation {
    Udh8,
    Udh16,
    Sar,
    Payload,
}

/// `packing`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawPacking {
    Unpacked,
    Packed,
}

/// One of `national_tables`: a language code (`"tr"`) or a 3GPP TS 23.038 table id (`1`).
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "a language code such as \"tr\" or a table id from 1 to 13"
)]
pub(super) enum RawNationalTable {
    Code(String),
    Id(i64),
}

/// `on_timeout`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawOnTimeout {
    Report,
    Resend,
}

/// `[[routes]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawRoute {
    pub(super) prefix: Option<String>,
    pub(super) country: Option<String>,
    pub(super) carriers: Option<Vec<String>>,
    pub(super) weights: Option<Vec<i64>>,
}

/// `[[accounts]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawAccount {
    pub(super) id: Option<String>,
    pub(super) default_sender: Option<String>,
    pub(super) webhook: Option<RawWebhook>,
    pub(super) tokens: Option<Vec<RawToken>>,
    pub(super) numbers: Option<Vec<String>>,
    pub(super) policy: Option<RawPolicy>,
}

/// `webhook = { url, secret, timeout, retry_for }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawWebhook {
    pub(super) url: Option<String>,
    pub(super) secret: Option<RawSecret>,
    pub(super) timeout: Option<String>,
    pub(super) retry_for: Option<String>,
}

/// One of `tokens`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawToken {
    pub(super) sha256: Option<String>,
    pub(super) scopes: Option<Vec<RawScope>>,
    pub(super) expires_at: Option<RawTimestamp>,
    pub(super) allow_ips: Option<Vec<String>>,
}

/// A token scope.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawScope {
    Send,
    Read,
    Admin,
}

/// An instant: an RFC 3339 string, or a TOML date-time written without quotes.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "an RFC 3339 date-time such as 2027-01-01T00:00:00Z"
)]
pub(super) enum RawTimestamp {
    Text(String),
    Toml(toml::value::Datetime),
}

/// `[accounts.policy]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawPolicy {
    pub(super) rate: Option<String>,
    pub(super) burst: Option<i64>,
    pub(super) duplicate_window: Option<String>,
    pub(super) countries: Option<Vec<String>>,
    pub(super) quiet_hours: Option<RawQuietHours>,
    pub(super) daily_quota: Option<i64>,
    pub(super) max_per_request: Option<i64>,
    pub(super) unicode: Option<bool>,
    pub(super) credit: Option<i64>,
    pub(super) bulk_validity: Option<String>,
}

/// `quiet_hours = { from, to, zone }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawQuietHours {
    pub(super) from: Option<String>,
    pub(super) to: Option<String>,
    pub(super) zone: Option<String>,
}
