//! Delivery receipts, read: sorting an inbound deliver_sm or data_sm into a receipt, an MO
//! message or an unreadable receipt ([`Inbound`]), the tolerant receipt-text parser
//! ([`parse_text`]), and the message-id keys that match a receipt to its submission
//! ([`store_key`], [`lookup_keys`]).
//!
//! Pure code over decoded PDUs: no I/O, no async, no clock. The facts are in smpp-reference §6.2
//! (esm_class), §6.6 (message_state) and §7 (receipts and how real SMSCs bend them).
//!
//! ```
//! use smppd::config::MessageIdFormat;
//! use smppd::dlr::{ReceiptState, lookup_keys, parse_text, store_key};
//!
//! // submit_sm_resp gave a hex id; the receipt quotes it in decimal.
//! let stored = store_key("00BC614E", MessageIdFormat::Auto);
//! let fields = parse_text("ID:12345678 SUB:001 DLVRD:001 STAT:DELIVRD ERR:000");
//! let id = fields.id.unwrap_or_default();
//! assert!(lookup_keys(id, MessageIdFormat::Auto).iter().any(|key| key == stored));
//! assert_eq!(fields.stat.map(ReceiptState::from_stat), Some(ReceiptState::Delivered));
//! ```

mod id;
mod receipt;
mod state;
mod text;

pub use id::{Keys, LookupKeys, lookup_keys, store_key};
pub use receipt::{
    Address, ESM_CLASS_MESSAGE_TYPE, Inbound, Mo, Receipt, ReceiptKind, UnparsedReason,
    UnparsedReceipt,
};
pub use state::ReceiptState;
pub use text::{ReceiptText, parse_text};
