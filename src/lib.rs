//! smppd: an SMPP carrier connector daemon.
//!
//! Layers, from the wire up (see the README for the map): [`pdu`] is the SMPP codec and
//! [`framing`] cuts a byte stream into PDUs; [`text`] turns UTF-8 into SMPP segments and back;
//! [`session`] is one bind as a state machine without I/O; [`carrier`] keeps a carrier's binds
//! up and moves messages through them; [`dlr`] tells receipts from MO and matches receipts to
//! submissions by message id; [`sim`] is the built-in SMSC simulator; [`config`] reads
//! the TOML configuration into validated types, reporting every problem at once.
#![forbid(unsafe_code)]
#![deny(missing_debug_implementations)]
#![warn(unreachable_pub, missing_docs)]

pub mod api;
pub mod app;
pub mod bench;
pub mod carrier;
pub mod config;
pub mod dispatch;
pub mod dlr;
pub mod framing;
pub mod ingest;
pub mod inspect;
pub mod logging;
pub mod message;
pub mod metrics;
pub mod pdu;
pub mod policy;
pub mod routing;
pub mod session;
pub mod sim;
pub mod store;
pub mod text;
pub mod webhook;
