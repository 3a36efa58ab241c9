//! Mandatory-field identities and the borrowed value types that PDU bodies are made of.
//!
//! [`Field`] names every mandatory field so an error can say which one failed and map to the
//! status code the spec reserves for it. [`COctet`] and [`Octets`] borrow from the frame: decoding
//! never copies a string.

use serde::{Serialize, Serializer};

use super::status::CommandStatus;

macro_rules! fields {
    ($( $variant:ident, $name:literal => $status:ident; )*) => {
        /// A mandatory PDU field, named as in the specification.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Field { $( $variant, )* }

        impl Field {
            /// The specification's snake_case name, as used in JSON output and error messages.
            pub fn name(self) -> &'static str {
                match self { $( Field::$variant => $name, )* }
            }

            /// The status a peer is answered with when this field is invalid.
            pub fn status(self) -> CommandStatus {
                match self { $( Field::$variant => CommandStatus::$status, )* }
            }
        }
    };
}

fields! {
    SystemId, "system_id" => InvalidSystemId;
    Password, "password" => InvalidPassword;
    SystemType, "system_type" => InvalidSystemType;
    InterfaceVersion, "interface_version" => BindFailed;
    AddrTon, "addr_ton" => BindFailed;
    AddrNpi, "addr_npi" => BindFailed;
    AddressRange, "address_range" => BindFailed;
    ServiceType, "service_type" => InvalidServiceType;
    SourceAddrTon, "source_addr_ton" => InvalidSourceTon;
    SourceAddrNpi, "source_addr_npi" => InvalidSourceNpi;
    SourceAddr, "source_addr" => InvalidSourceAddress;
    DestAddrTon, "dest_addr_ton" => InvalidDestinationTon;
    DestAddrNpi, "dest_addr_npi" => InvalidDestinationNpi;
    DestinationAddr, "destination_addr" => InvalidDestinationAddress;
    EsmeAddrTon, "esme_addr_ton" => InvalidDestinationTon;
    EsmeAddrNpi, "esme_addr_npi" => InvalidDestinationNpi;
    EsmeAddr, "esme_addr" => InvalidDestinationAddress;
    EsmClass, "esm_class" => InvalidEsmClass;
    ProtocolId, "protocol_id" => SubmitFailed;
    PriorityFlag, "priority_flag" => InvalidPriorityFlag;
    ScheduleDeliveryTime, "schedule_delivery_time" => InvalidScheduledDeliveryTime;
    ValidityPeriod, "validity_period" => InvalidValidityPeriod;
    RegisteredDelivery, "registered_delivery" => InvalidRegisteredDelivery;
    ReplaceIfPresentFlag, "replace_if_present_flag" => InvalidReplaceIfPresentFlag;
    DataCoding, "data_coding" => InvalidDataCoding;
    SmDefaultMsgId, "sm_default_msg_id" => InvalidDefaultMessageId;
    ShortMessage, "short_message" => InvalidMessageLength;
    NumberOfDests, "number_of_dests" => InvalidNumberOfDestinations;
    DestFlag, "dest_flag" => InvalidDestinationFlag;
    DlName, "dl_name" => InvalidDistributionListName;
    NoUnsuccess, "no_unsuccess" => SystemError;
    ErrorStatusCode, "error_status_code" => SystemError;
    MessageId, "message_id" => InvalidMessageId;
    FinalDate, "final_date" => QueryFailed;
    MessageState, "message_state" => QueryFailed;
    ErrorCode, "error_code" => QueryFailed;
    BroadcastEndTime, "broadcast_end_time" => InvalidTlvValue;
}

/// A C-Octet String's content, borrowed from the frame, without its NUL terminator.
///
/// The specification says ASCII, but carriers send whatever they like, so the bytes are kept as
/// they came; [`COctet::to_str_lossy`] is for display.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct COctet<'a>(&'a [u8]);

impl<'a> COctet<'a> {
    /// Wraps bytes; limits and interior NULs are checked when the PDU is encoded.
    pub const fn new(bytes: &'a [u8]) -> Self {
        COctet(bytes)
    }

    /// Wraps a string; limits are checked when the PDU is encoded.
    pub const fn from_str(text: &'a str) -> Self {
        COctet(text.as_bytes())
    }

    /// The empty string (a single NUL on the wire).
    pub const EMPTY: COctet<'static> = COctet(b"");

    /// The content, without the terminator.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// Number of content octets (the terminator not counted).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The content as text, replacing invalid UTF-8.
    pub fn to_str_lossy(&self) -> std::borrow::Cow<'a, str> {
        String::from_utf8_lossy(self.0)
    }
}

impl std::fmt::Debug for COctet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_str_lossy())
    }
}

impl Serialize for COctet<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_str_lossy())
    }
}

/// An Octet String borrowed from the frame (short_message, binary TLV values). Serialised as hex.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Octets<'a>(&'a [u8]);

impl<'a> Octets<'a> {
    /// Wraps bytes; length limits are checked when the PDU is encoded.
    pub const fn new(bytes: &'a [u8]) -> Self {
        Octets(bytes)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// Number of octets.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no octets.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Octets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl Serialize for Octets<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}
