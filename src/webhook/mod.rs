//! Webhooks (API.md §2): each account's events (delivery receipts, inbound messages) are POSTed
//! to the account's URL in batches `{"events":[...]}`, signed with HMAC-SHA256
//! (`X-Smppd-Signature`, see [`verify`]) and time-stamped (`X-Smppd-Timestamp`).
//!
//! Events come from a durable [`EventSource`] and leave it only when the endpoint has answered
//! 2xx ([`EventSource::delivered`]) or when retries (exponential [`Backoff`] with jitter) have
//! run for the webhook's `retry_for` ([`EventSource::dead_letter`]; dead letters are kept, not
//! discarded). Delivery is therefore at least once: a crash between the 2xx and its recording
//! sends the batch again. [`Webhooks`] runs one sender task per account so accounts never wait
//! for each other; [`Webhooks::wake`] tells a sender that its account has new events.

mod account;
mod backoff;
mod client;
mod sender;
mod sign;
mod source;
mod stats;

pub use backoff::Backoff;
pub use client::{Client, ClientError, Delivery};
pub use sender::{BatchLimits, Webhooks};
pub use sign::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify};
pub use source::{EventSource, PendingEvent};
pub use stats::WebhookStats;
