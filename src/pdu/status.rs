//! `command_status`: the open set of SMPP status codes (smpp-reference §4).
//!
//! Unknown codes (vendor range 0x400–0x4FF, legacy codes) are kept as [`CommandStatus::Other`] and
//! never fail a decode.

macro_rules! statuses {
    ($( $variant:ident = $value:literal, $name:literal; )*) => {
        /// An SMPP command_status; unknown values are kept raw.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum CommandStatus {
            $( $variant, )*
            /// A code this crate does not know, such as a vendor-specific error.
            Other(u32),
        }

        impl From<u32> for CommandStatus {
            fn from(raw: u32) -> Self {
                match raw {
                    $( $value => CommandStatus::$variant, )*
                    other => CommandStatus::Other(other),
                }
            }
        }

        impl From<CommandStatus> for u32 {
            fn from(status: CommandStatus) -> u32 {
                match status {
                    $( CommandStatus::$variant => $value, )*
                    CommandStatus::Other(raw) => raw,
                }
            }
        }

        impl CommandStatus {
            /// The specification's name (`"ESME_RTHROTTLED"`), or `None` for an unknown code.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $( CommandStatus::$variant => Some($name), )*
                    CommandStatus::Other(_) => None,
                }
            }
        }
    };
}

statuses! {
    Ok = 0x00, "ESME_ROK";
    InvalidMessageLength = 0x01, "ESME_RINVMSGLEN";
    InvalidCommandLength = 0x02, "ESME_RINVCMDLEN";
    InvalidCommandId = 0x03, "ESME_RINVCMDID";
    InvalidBindStatus = 0x04, "ESME_RINVBNDSTS";
    AlreadyBound = 0x05, "ESME_RALYBND";
    InvalidPriorityFlag = 0x06, "ESME_RINVPRTFLG";
    InvalidRegisteredDelivery = 0x07, "ESME_RINVREGDLVFLG";
    SystemError = 0x08, "ESME_RSYSERR";
    InvalidSourceAddress = 0x0A, "ESME_RINVSRCADR";
    InvalidDestinationAddress = 0x0B, "ESME_RINVDSTADR";
    InvalidMessageId = 0x0C, "ESME_RINVMSGID";
    BindFailed = 0x0D, "ESME_RBINDFAIL";
    InvalidPassword = 0x0E, "ESME_RINVPASWD";
    InvalidSystemId = 0x0F, "ESME_RINVSYSID";
    CancelFailed = 0x11, "ESME_RCANCELFAIL";
    ReplaceFailed = 0x13, "ESME_RREPLACEFAIL";
    MessageQueueFull = 0x14, "ESME_RMSGQFUL";
    InvalidServiceType = 0x15, "ESME_RINVSERTYP";
    InvalidNumberOfDestinations = 0x33, "ESME_RINVNUMDESTS";
    InvalidDistributionListName = 0x34, "ESME_RINVDLNAME";
    InvalidDestinationFlag = 0x40, "ESME_RINVDESTFLAG";
    InvalidSubmitWithReplace = 0x42, "ESME_RINVSUBREP";
    InvalidEsmClass = 0x43, "ESME_RINVESMCLASS";
    CannotSubmitToDistributionList = 0x44, "ESME_RCNTSUBDL";
    SubmitFailed = 0x45, "ESME_RSUBMITFAIL";
    InvalidSourceTon = 0x48, "ESME_RINVSRCTON";
    InvalidSourceNpi = 0x49, "ESME_RINVSRCNPI";
    InvalidDestinationTon = 0x50, "ESME_RINVDSTTON";
    InvalidDestinationNpi = 0x51, "ESME_RINVDSTNPI";
    InvalidSystemType = 0x53, "ESME_RINVSYSTYP";
    InvalidReplaceIfPresentFlag = 0x54, "ESME_RINVREPFLAG";
    InvalidNumberOfMessages = 0x55, "ESME_RINVNUMMSGS";
    Throttled = 0x58, "ESME_RTHROTTLED";
    InvalidScheduledDeliveryTime = 0x61, "ESME_RINVSCHED";
    InvalidValidityPeriod = 0x62, "ESME_RINVEXPIRY";
    InvalidDefaultMessageId = 0x63, "ESME_RINVDFTMSGID";
    ReceiverTemporaryAppError = 0x64, "ESME_RX_T_APPN";
    ReceiverPermanentAppError = 0x65, "ESME_RX_P_APPN";
    ReceiverRejectMessage = 0x66, "ESME_RX_R_APPN";
    QueryFailed = 0x67, "ESME_RQUERYFAIL";
    InvalidTlvStream = 0xC0, "ESME_RINVTLVSTREAM";
    TlvNotAllowed = 0xC1, "ESME_RTLVNOTALLWD";
    InvalidTlvLength = 0xC2, "ESME_RINVTLVLEN";
    MissingTlv = 0xC3, "ESME_RMISSINGTLV";
    InvalidTlvValue = 0xC4, "ESME_RINVTLVVAL";
    DeliveryFailure = 0xFE, "ESME_RDELIVERYFAILURE";
    UnknownError = 0xFF, "ESME_RUNKNOWNERR";
    ServiceTypeUnauthorised = 0x100, "ESME_RSERTYPUNAUTH";
    Prohibited = 0x101, "ESME_RPROHIBITED";
    ServiceTypeUnavailable = 0x102, "ESME_RSERTYPUNAVAIL";
    ServiceTypeDenied = 0x103, "ESME_RSERTYPDENIED";
    InvalidDataCoding = 0x104, "ESME_RINVDCS";
    InvalidSourceAddrSubunit = 0x105, "ESME_RINVSRCADDRSUBUNIT";
    InvalidDestAddrSubunit = 0x106, "ESME_RINVDSTADDRSUBUNIT";
    InvalidBroadcastFrequencyInterval = 0x107, "ESME_RINVBCASTFREQINT";
    InvalidBroadcastAliasName = 0x108, "ESME_RINVBCASTALIAS_NAME";
    InvalidBroadcastAreaFormat = 0x109, "ESME_RINVBCASTAREAFMT";
    InvalidNumberOfBroadcastAreas = 0x10A, "ESME_RINVNUMBCAST_AREAS";
    InvalidBroadcastContentType = 0x10B, "ESME_RINVBCASTCNTTYPE";
    InvalidBroadcastMessageClass = 0x10C, "ESME_RINVBCASTMSGCLASS";
    BroadcastFailed = 0x10D, "ESME_RBCASTFAIL";
    BroadcastQueryFailed = 0x10E, "ESME_RBCASTQUERYFAIL";
    BroadcastCancelFailed = 0x10F, "ESME_RBCASTCANCELFAIL";
    InvalidBroadcastRepNum = 0x110, "ESME_RINVBCAST_REP";
    InvalidBroadcastServiceGroup = 0x111, "ESME_RINVBCASTSRVGRP";
    InvalidBroadcastChannelIndicator = 0x112, "ESME_RINVBCASTCHANIND";
}

impl CommandStatus {
    /// The raw 32-bit value.
    pub fn raw(self) -> u32 {
        self.into()
    }

    /// `true` for `ESME_ROK`.
    pub fn is_ok(self) -> bool {
        self == CommandStatus::Ok
    }
}

impl std::fmt::Display for CommandStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} (0x{:08X})", self.raw()),
            None => write!(f, "command_status 0x{:08X}", self.raw()),
        }
    }
}
