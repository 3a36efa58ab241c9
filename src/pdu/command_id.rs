//! `command_id`: the open set of SMPP command identifiers (smpp-reference §2.1).
//!
//! Unknown identifiers decode as [`CommandId::Other`] so a vendor command never breaks a bind; the
//! session answers it with `generic_nack ESME_RINVCMDID`.

/// Bit 31 of a command_id marks a response.
const RESPONSE_BIT: u32 = 0x8000_0000;

macro_rules! command_ids {
    ($( $(#[$doc:meta])* $variant:ident = $value:literal, $name:literal; )*) => {
        /// An SMPP command identifier; unknown values are kept raw.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum CommandId {
            $( $(#[$doc])* $variant, )*
            /// A value this crate does not know (vendor command or future version).
            Other(u32),
        }

        impl From<u32> for CommandId {
            fn from(raw: u32) -> Self {
                match raw {
                    $( $value => CommandId::$variant, )*
                    other => CommandId::Other(other),
                }
            }
        }

        impl From<CommandId> for u32 {
            fn from(id: CommandId) -> u32 {
                match id {
                    $( CommandId::$variant => $value, )*
                    CommandId::Other(raw) => raw,
                }
            }
        }

        impl CommandId {
            /// The specification's name (`"submit_sm"`), or `None` for an unknown id.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $( CommandId::$variant => Some($name), )*
                    CommandId::Other(_) => None,
                }
            }
        }
    };
}

command_ids! {
    GenericNack = 0x8000_0000, "generic_nack";
    BindReceiver = 0x0000_0001, "bind_receiver";
    BindReceiverResp = 0x8000_0001, "bind_receiver_resp";
    BindTransmitter = 0x0000_0002, "bind_transmitter";
    BindTransmitterResp = 0x8000_0002, "bind_transmitter_resp";
    QuerySm = 0x0000_0003, "query_sm";
    QuerySmResp = 0x8000_0003, "query_sm_resp";
    SubmitSm = 0x0000_0004, "submit_sm";
    SubmitSmResp = 0x8000_0004, "submit_sm_resp";
    DeliverSm = 0x0000_0005, "deliver_sm";
    DeliverSmResp = 0x8000_0005, "deliver_sm_resp";
    Unbind = 0x0000_0006, "unbind";
    UnbindResp = 0x8000_0006, "unbind_resp";
    ReplaceSm = 0x0000_0007, "replace_sm";
    ReplaceSmResp = 0x8000_0007, "replace_sm_resp";
    CancelSm = 0x0000_0008, "cancel_sm";
    CancelSmResp = 0x8000_0008, "cancel_sm_resp";
    BindTransceiver = 0x0000_0009, "bind_transceiver";
    BindTransceiverResp = 0x8000_0009, "bind_transceiver_resp";
    Outbind = 0x0000_000B, "outbind";
    EnquireLink = 0x0000_0015, "enquire_link";
    EnquireLinkResp = 0x8000_0015, "enquire_link_resp";
    SubmitMulti = 0x0000_0021, "submit_multi";
    SubmitMultiResp = 0x8000_0021, "submit_multi_resp";
    AlertNotification = 0x0000_0102, "alert_notification";
    DataSm = 0x0000_0103, "data_sm";
    DataSmResp = 0x8000_0103, "data_sm_resp";
    BroadcastSm = 0x0000_0111, "broadcast_sm";
    BroadcastSmResp = 0x8000_0111, "broadcast_sm_resp";
    QueryBroadcastSm = 0x0000_0112, "query_broadcast_sm";
    QueryBroadcastSmResp = 0x8000_0112, "query_broadcast_sm_resp";
    CancelBroadcastSm = 0x0000_0113, "cancel_broadcast_sm";
    CancelBroadcastSmResp = 0x8000_0113, "cancel_broadcast_sm_resp";
}

impl CommandId {
    /// The raw 32-bit value.
    pub fn raw(self) -> u32 {
        self.into()
    }

    /// Whether bit 31 is set (every response, including generic_nack and unknown responses).
    pub fn is_response(self) -> bool {
        self.raw() & RESPONSE_BIT != 0
    }

    /// The response that answers this request, or `None` for responses and for the two requests
    /// that are never answered (outbind, alert_notification). Unknown requests have none either:
    /// they are answered with generic_nack.
    pub fn response(self) -> Option<CommandId> {
        if self.is_response()
            || matches!(
                self,
                CommandId::Outbind | CommandId::AlertNotification | CommandId::Other(_)
            )
        {
            return None;
        }
        Some(CommandId::from(self.raw() | RESPONSE_BIT))
    }
}

impl std::fmt::Display for CommandId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "command_id 0x{:08X}", self.raw()),
        }
    }
}
