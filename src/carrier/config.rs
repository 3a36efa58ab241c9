//! One carrier's settings, as validated types (the config loader builds them; nothing here
//! parses files).

use std::path::PathBuf;
use std::time::Duration;

use crate::pdu::Limits;
use crate::session::{BindMode, SessionConfig};

/// How many binds of each type to keep up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BindCounts {
    /// bind_transmitter sessions.
    pub transmitter: usize,
    /// bind_receiver sessions.
    pub receiver: usize,
    /// bind_transceiver sessions.
    pub transceiver: usize,
}

impl BindCounts {
    /// Every bind as its mode, in a stable order (ids are positions in this list).
    pub fn modes(&self) -> Vec<BindMode> {
        std::iter::repeat_n(BindMode::Transmitter, self.transmitter)
            .chain(std::iter::repeat_n(BindMode::Receiver, self.receiver))
            .chain(std::iter::repeat_n(BindMode::Transceiver, self.transceiver))
            .collect()
    }

    /// Binds in all.
    pub fn total(&self) -> usize {
        self.transmitter + self.receiver + self.transceiver
    }
}

/// TLS towards the SMSC: TLS 1.2 or 1.3 only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM file of CA certificates to trust instead of the system roots.
    pub ca: Option<PathBuf>,
    /// Name to send as SNI and to verify; defaults to the host.
    pub server_name: Option<String>,
    /// PEM certificate chain and key to present, for carriers that ask for a client certificate.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

/// Settings of one carrier. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct CarrierConfig {
    /// Name in logs, metrics and routes.
    pub name: String,
    /// SMSC host name or address.
    pub host: String,
    /// SMSC port.
    pub port: u16,
    /// TLS, when the carrier speaks SMPP over TLS.
    pub tls: Option<TlsSettings>,
    /// bind system_id.
    pub system_id: String,
    /// bind password.
    pub password: String,
    /// bind system_type.
    pub system_type: String,
    /// 0x34 or 0x50.
    pub interface_version: u8,
    /// Binds of each type.
    pub binds: BindCounts,
    /// Outstanding submits per bind.
    pub window: usize,
    /// Submits per second for the whole carrier, shared by its binds.
    pub max_tps: u32,
    /// enquire_link after this much silence.
    pub enquire_link: Duration,
    /// Time a request may wait for its response (also the connect and bind limit).
    pub response_timeout: Duration,
    /// First reconnect delay.
    pub reconnect_min: Duration,
    /// Longest reconnect delay.
    pub reconnect_max: Duration,
    /// How long a bind pauses after ESME_RTHROTTLED / ESME_RMSGQFUL.
    pub throttle_pause: Duration,
    /// How long a throttled part keeps being retried before it is reported as throttled.
    pub throttle_retry_for: Duration,
    /// Password size limit, terminator included (9 by the specification).
    pub password_max: usize,
    /// Largest PDU accepted from the SMSC.
    pub max_pdu: u32,
}

impl std::fmt::Debug for CarrierConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarrierConfig")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .field("system_type", &self.system_type)
            .field("interface_version", &self.interface_version)
            .field("binds", &self.binds)
            .field("window", &self.window)
            .field("max_tps", &self.max_tps)
            .field("enquire_link", &self.enquire_link)
            .field("response_timeout", &self.response_timeout)
            .field("reconnect_min", &self.reconnect_min)
            .field("reconnect_max", &self.reconnect_max)
            .field("throttle_pause", &self.throttle_pause)
            .field("throttle_retry_for", &self.throttle_retry_for)
            .field("password_max", &self.password_max)
            .field("max_pdu", &self.max_pdu)
            .finish()
    }
}

impl CarrierConfig {
    /// Sensible settings for a carrier at `host:port` (tests and examples start from here).
    pub fn new(name: &str, host: &str, port: u16) -> Self {
        CarrierConfig {
            name: name.into(),
            host: host.into(),
            port,
            tls: None,
            system_id: String::new(),
            password: String::new(),
            system_type: String::new(),
            interface_version: 0x34,
            binds: BindCounts {
                transceiver: 1,
                ..BindCounts::default()
            },
            window: 64,
            max_tps: 1000,
            enquire_link: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(60),
            throttle_pause: Duration::from_secs(1),
            throttle_retry_for: Duration::from_secs(60),
            password_max: 9,
            max_pdu: crate::framing::DEFAULT_MAX_PDU,
        }
    }

    pub(crate) fn session(&self, mode: BindMode) -> SessionConfig {
        SessionConfig {
            mode,
            system_id: self.system_id.clone(),
            password: self.password.clone(),
            system_type: self.system_type.clone(),
            interface_version: self.interface_version,
            window: self.window,
            enquire_link_interval: self.enquire_link,
            response_timeout: self.response_timeout,
            bind_timeout: self.response_timeout,
            limits: Limits {
                password_max: self.password_max,
            },
            ..SessionConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let mut cfg = CarrierConfig::new("c", "h", 1);
        cfg.password = "hunter2".into();
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("<redacted>"),
            "{shown}"
        );
    }
}
