//! Durable storage. Everything the daemon has promised (accepted messages, their states,
//! receipts and events waiting for a webhook) lives here, in an embedded redb database, and is
//! written by one group-commit writer: callers queue operations, the writer applies everything
//! queued in one transaction with one fsync, then answers each caller. No caller is answered
//! before its operation is on disk. Accepts can be made durable sooner, in an append-only
//! journal the database catches up from (`journal.rs`).

mod backend;
mod client_refs;
mod correlation;
mod events;
mod fresh;
mod generations;
mod journal;
mod ledger;
mod outbox;
mod receipts;
mod tables;
mod writer;

pub use backend::{MessageStore, StoreFuture};
pub use generations::{Span as GenerationSpan, Spans as GenerationSpans};
pub use outbox::{Accepted, CLIENT_REF_TTL_MS, DueCursor, DueMessage, Outbox, Since};
pub use receipts::{
    MAX_PARKED, MO_PARTS_WAIT_MS, MoRecord, PARK_FOR_MS, ReceiptOutcome, ReceiptRecord,
};
pub use writer::{CommitLimits, CommitStats, StoreError, Writer};
