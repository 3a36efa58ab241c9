//! Where the events come from: the durable store the integrator provides, seen through the
//! narrow interface the senders need (read what is waiting, then settle it as delivered or
//! dead-lettered). Events stay in the source until settled, so a restart loses none.

use crate::store::{StoreError, StoreFuture};

/// One event waiting for its account's webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEvent {
    /// The event's position in its account's stream; increases with every new event.
    pub seq: u64,
    /// One JSON object, already serialised; sent as is.
    pub json: bytes::Bytes,
}

/// Durable storage of the events waiting for webhooks.
///
/// An event must be visible to [`pending`](EventSource::pending) only once it is durable, and
/// in seq order: a sender never reads behind the last seq it has settled.
pub trait EventSource: Send + Sync + std::fmt::Debug {
    /// Up to `limit` events of `account` waiting for delivery (not dead-lettered), in seq order,
    /// with seq > `after`.
    fn pending(
        &self,
        account: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<PendingEvent>, StoreError>;

    /// Durably removes events the webhook acknowledged.
    fn delivered(&self, account: &str, seqs: Vec<u64>) -> StoreFuture<'_, ()>;

    /// Durably moves events whose retries ran out to the account's dead letters.
    fn dead_letter(&self, account: &str, seqs: Vec<u64>) -> StoreFuture<'_, ()>;
}
