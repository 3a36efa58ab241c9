//! What one bind needs to know: credentials, bind type, window and timers.

use std::time::Duration;

use crate::pdu::Limits;

/// The three bind types (smpp-reference §9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindMode {
    /// Sends submits; receives nothing but responses.
    Transmitter,
    /// Receives deliver_sm (receipts, MO); sends no submits.
    Receiver,
    /// Both.
    Transceiver,
}

impl BindMode {
    /// Whether submits may go over this bind.
    pub fn can_submit(self) -> bool {
        self != BindMode::Receiver
    }

    /// Whether the SMSC may deliver over this bind.
    pub fn can_receive(self) -> bool {
        self != BindMode::Transmitter
    }

    /// The name used in metrics, logs and the admin API.
    pub fn as_str(self) -> &'static str {
        match self {
            BindMode::Transmitter => "transmitter",
            BindMode::Receiver => "receiver",
            BindMode::Transceiver => "transceiver",
        }
    }
}

/// Settings of one bind session. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Which bind to ask for.
    pub mode: BindMode,
    /// bind system_id.
    pub system_id: String,
    /// bind password (never logged).
    pub password: String,
    /// bind system_type.
    pub system_type: String,
    /// 0x34 (3.4) or 0x50 (5.0).
    pub interface_version: u8,
    /// bind addr_ton.
    pub addr_ton: u8,
    /// bind addr_npi.
    pub addr_npi: u8,
    /// bind address_range.
    pub address_range: String,
    /// Submits outstanding at once. Control requests (enquire_link, unbind) do not count, so
    /// the link can be probed while the window is full.
    pub window: usize,
    /// Send enquire_link after this long without receiving anything.
    pub enquire_link_interval: Duration,
    /// How long a request may wait for its response.
    pub response_timeout: Duration,
    /// How long the bind may take, from the session's start.
    pub bind_timeout: Duration,
    /// Field limits the carrier bends (password length).
    pub limits: Limits,
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("mode", &self.mode)
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .field("system_type", &self.system_type)
            .field("interface_version", &self.interface_version)
            .field("window", &self.window)
            .field("enquire_link_interval", &self.enquire_link_interval)
            .field("response_timeout", &self.response_timeout)
            .field("bind_timeout", &self.bind_timeout)
            .finish_non_exhaustive()
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            mode: BindMode::Transceiver,
            system_id: String::new(),
            password: String::new(),
            system_type: String::new(),
            interface_version: 0x34,
            addr_ton: 0,
            addr_npi: 0,
            address_range: String::new(),
            window: 64,
            enquire_link_interval: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            bind_timeout: Duration::from_secs(10),
            limits: Limits::default(),
        }
    }
}
