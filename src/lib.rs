//! smppd: an SMPP carrier connector daemon.
#![forbid(unsafe_code)]

pub mod text;
