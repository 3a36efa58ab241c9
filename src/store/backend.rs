//! The storage interface the daemon is written against, so that a shared backend (for a fleet
//! of smppd instances) can stand where the embedded outbox stands today. Writes return only once
//! durable; reads see every acknowledged write.

use std::future::Future;
use std::pin::Pin;

use super::outbox::{Accepted, DueCursor, DueMessage, Outbox, Since};
use super::writer::StoreError;
use crate::message::{Message, MessageId};
use crate::policy::Charge;

/// A boxed future, so the trait can be used as `dyn MessageStore`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where accepted messages live until they are final.
pub trait MessageStore: Send + Sync + std::fmt::Debug {
    /// Stores a batch durably: each message new, an idempotent `client_ref` repeat, or refused
    /// at the bound (`max_queued` messages waiting to be sent). What the policy charged each
    /// new message is recorded in the same commit.
    fn accept(
        &self,
        admissions: Vec<(Message, Charge)>,
        max_queued: u64,
    ) -> StoreFuture<'_, Vec<Accepted>>;

    /// The message first accepted for `client_ref` of `account` within 24 h of `now_ms`.
    fn client_ref(
        &self,
        account: &str,
        client_ref: &str,
        now_ms: u64,
    ) -> Result<Option<MessageId>, StoreError>;

    /// Writes a message's new state durably (held and queued ones are due at `due_ms`);
    /// `correlate` lists (segment, normalised carrier id) pairs receipts will be matched by;
    /// `since` says whether the record can have changed since the caller read it.
    fn save(
        &self,
        message: Message,
        correlate: Vec<(u16, String)>,
        since: Since,
    ) -> StoreFuture<'_, ()>;

    /// The message with this id.
    fn get(&self, id: MessageId) -> Result<Option<Message>, StoreError>;

    /// Up to `limit` messages due at `now_ms`, OTP before bulk, earliest first. An accepted
    /// message can be missing for a moment after its accept returns, while a journal holds it
    /// and the database does not yet; whoever dispatches is woken when it arrives.
    fn due(&self, now_ms: u64, limit: usize) -> Result<Vec<Message>, StoreError>;

    /// As [`due`](MessageStore::due), passing over the messages `skip` names (those already
    /// being dispatched) without reading their records or counting them against `limit`.
    fn due_except(
        &self,
        now_ms: u64,
        limit: usize,
        skip: &dyn Fn(MessageId) -> bool,
    ) -> Result<Vec<Message>, StoreError> {
        let mut due = self.due(now_ms, limit)?;
        due.retain(|m| !skip(m.id));
        Ok(due)
    }

    /// As [`due_except`](MessageStore::due_except), going on from where `cursor` says the
    /// last page stopped, and moving it; each message says whether it was listed as fresh. A
    /// backend without cursors reads from the head each time (what `skip` names costs it
    /// more, nothing else).
    fn due_from(
        &self,
        now_ms: u64,
        limit: usize,
        skip: &dyn Fn(MessageId) -> bool,
        cursor: &mut DueCursor,
    ) -> Result<Vec<DueMessage>, StoreError> {
        cursor.reset();
        let page = self.due_except(now_ms, limit, skip)?;
        Ok(page
            .into_iter()
            .map(|message| DueMessage {
                message,
                fresh: false,
            })
            .collect())
    }

    /// Messages waiting to be sent.
    fn queued(&self) -> Result<u64, StoreError>;
}

impl MessageStore for Outbox {
    fn accept(
        &self,
        admissions: Vec<(Message, Charge)>,
        max_queued: u64,
    ) -> StoreFuture<'_, Vec<Accepted>> {
        Box::pin(Outbox::accept_charged(self, admissions, max_queued))
    }

    fn client_ref(
        &self,
        account: &str,
        client_ref: &str,
        now_ms: u64,
    ) -> Result<Option<MessageId>, StoreError> {
        Outbox::client_ref(self, account, client_ref, now_ms)
    }

    fn save(
        &self,
        message: Message,
        correlate: Vec<(u16, String)>,
        since: Since,
    ) -> StoreFuture<'_, ()> {
        Box::pin(Outbox::save_correlated(self, message, correlate, since))
    }

    fn get(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
        Outbox::get(self, id)
    }

    fn due(&self, now_ms: u64, limit: usize) -> Result<Vec<Message>, StoreError> {
        Outbox::due(self, now_ms, limit)
    }

    fn due_except(
        &self,
        now_ms: u64,
        limit: usize,
        skip: &dyn Fn(MessageId) -> bool,
    ) -> Result<Vec<Message>, StoreError> {
        Outbox::due_except(self, now_ms, limit, skip)
    }

    fn due_from(
        &self,
        now_ms: u64,
        limit: usize,
        skip: &dyn Fn(MessageId) -> bool,
        cursor: &mut DueCursor,
    ) -> Result<Vec<DueMessage>, StoreError> {
        Outbox::due_from(self, now_ms, limit, skip, cursor)
    }

    fn queued(&self) -> Result<u64, StoreError> {
        Outbox::queued(self)
    }
}
