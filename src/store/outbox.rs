//! The outbox: every accepted message's record, an index of what is due in dispatch order (OTP
//! lane first, then by due time), and the `client_ref` index that makes retried submissions
//! idempotent for 24 hours. All writes go through the group-commit writer, so an accepted batch
//! is on disk before anyone is told "accepted".

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, WriteTransaction};

use super::client_refs::{self, ClientRefs};
use super::events;
use super::fresh::{self, FRESH};
use super::generations::Spans;
use super::journal::{self, Journal};
use super::ledger;
use super::receipts::{self, MoRecord, ReceiptOutcome, ReceiptRecord};
use super::tables::{self, DUE, JOURNALED, MESSAGES, Tables};
use super::writer::{CommitLimits, StoreError, Writer};
use crate::message::{Message, MessageId, Status};
use crate::policy::{Charge, SavedCounters};
use tokio::sync::oneshot;

/// Page cache of the database: memory stays bounded however many messages wait.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// How long a `client_ref` makes resubmissions return the first answer.
pub const CLIENT_REF_TTL_MS: u64 = 24 * 3600 * 1000;

/// What the one saving a message knows of its record since reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    /// The record may have changed: a receipt for a part an earlier attempt sent can have
    /// settled it. The save reads it back and keeps what the receipt wrote.
    Read,
    /// The record is as read, due at `due_ms`: a first attempt, so no correlation was ever
    /// recorded for it and no receipt can have found it. The save need not read it back.
    Untouched {
        /// The due time the record was read with.
        due_ms: u64,
    },
    /// The record is as read, and was read as a fresh message (`fresh.rs`): a first attempt
    /// at a message due since it was accepted.
    Fresh,
}

/// A message due to be sent, as a page of the outbox lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueMessage {
    /// The message as stored.
    pub message: Message,
    /// Listed among the fresh messages (due since accepted, never tried) rather than in the
    /// due index: its first attempt is saved with [`Since::Fresh`].
    pub fresh: bool,
}

/// What became of one message handed to [`Outbox::accept`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// Stored; it will be sent.
    New(MessageId),
    /// The same `client_ref` was accepted within 24 h: this is the first message's id, and
    /// nothing new was stored.
    Existing(MessageId),
    /// The outbox is at its bound: nothing was stored.
    Overloaded,
}

enum Op {
    Accept {
        admissions: Vec<(Message, Charge)>,
        max_queued: u64,
    },
    /// Messages the journal has accepted, each with its encoded record: stored without
    /// deciding anything again.
    Stored(Vec<(Message, Charge, Bytes)>),
    Save(Box<Message>, Vec<(u16, String)>, Since),
    Expire {
        before_ms: u64,
        limit: usize,
    },
    ExpireCorrelation {
        before_ms: u64,
        limit: usize,
    },
    ExpireClientRefs {
        before_ms: u64,
        limit: usize,
    },
    ExpireParked {
        before_ms: u64,
    },
    ExpireMo {
        before_ms: u64,
    },
    Receipt(Box<ReceiptRecord>),
    Mo(Box<MoRecord>),
    Delivered(String, Vec<u64>),
    DeadLetter(String, Vec<u64>),
    Replay(String),
    Keep(serde_json::Value),
}

enum Reply {
    Accepted(Vec<Accepted>),
    Saved,
    Expired(usize),
    Receipt(ReceiptOutcome),
    Mo(Option<String>),
    Accounts(Vec<String>),
}

/// The durable outbox. Clones share one database and one writer.
#[derive(Clone)]
pub struct Outbox {
    db: Arc<Database>,
    spans: Spans,
    writer: Writer<Op, Reply>,
    /// Where accepts are made durable first, when the outbox was opened with one.
    journal: Option<Journal>,
    threads: Arc<std::sync::Mutex<Vec<std::thread::JoinHandle<()>>>>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("writer", &self.writer)
            .finish()
    }
}

/// How long a journaled batch the database failed to commit waits before it is tried again.
const STORE_AGAIN: std::time::Duration = std::time::Duration::from_secs(1);

/// Room reserved for a page of due messages at most (a larger limit grows as it must).
const MAX_PAGE_ROOM: usize = 1024;

/// A due index key's length: lane, due time, id.
const DUE_KEY: usize = 25;

/// Where the last page stopped in each lane, in the due index and among the fresh messages
/// (two cursors a lane), so that the next page can go on from there rather than pass over,
/// again, every message still being dispatched from the pages before. What sits behind it (a message passed over while its carrier was
/// down, one whose outcome could not be saved, one committed after others due later or in
/// the same millisecond) is found once the cursor is [reset](DueCursor::reset), which the
/// dispatcher does at least once a tick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DueCursor {
    after: [Option<[u8; DUE_KEY]>; 2],
    fresh_after: [Option<[u8; fresh::PLACE]>; 2],
}

impl DueCursor {
    /// The next page starts from the head of each lane.
    pub fn reset(&mut self) {
        *self = DueCursor::default();
    }
}

fn due_key(m: &Message) -> [u8; DUE_KEY] {
    due_key_at(m, m.due_ms)
}

/// The message's place in the due index had it been due at `due_ms`.
fn due_key_at(m: &Message, due_ms: u64) -> [u8; DUE_KEY] {
    let mut k = [0u8; DUE_KEY];
    k[0] = m.lane();
    k[1..9].copy_from_slice(&due_ms.to_be_bytes());
    k[9..].copy_from_slice(&m.id.0.to_be_bytes());
    k
}

fn ref_key(account: &str, client_ref: &str) -> String {
    format!("{account}\0{client_ref}")
}

fn now_ms() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0)
}

fn decode(bytes: &[u8]) -> Result<Message, StoreError> {
    postcard::from_bytes(bytes).map_err(StoreError::db)
}

impl Outbox {
    /// Opens (or creates) the store at `path` and starts its writer.
    pub fn open(path: &Path, limits: CommitLimits) -> Result<Outbox, StoreError> {
        Outbox::open_with(path, limits, Spans::default())
    }

    /// [`open`](Self::open), with generations of these spans for the tables that expire by
    /// age (an entry outlives its cutoff by up to one span).
    pub fn open_with(
        path: &Path,
        limits: CommitLimits,
        spans: Spans,
    ) -> Result<Outbox, StoreError> {
        Outbox::open_inner(path, limits, spans, false)
    }

    /// [`open_with`](Self::open_with), with an accept journal beside the database: an accept
    /// is answered once it is in the journal (an append and an fdatasync) rather than once
    /// the database has committed it, which it does moments later. Until then the message is
    /// found by [`get`](Self::get) and [`client_ref`](Self::client_ref) but not yet listed as
    /// due. What the journal holds and the database does not is replayed here first.
    pub fn open_journaled(
        path: &Path,
        limits: CommitLimits,
        spans: Spans,
    ) -> Result<Outbox, StoreError> {
        Outbox::open_inner(path, limits, spans, true)
    }

    fn open_inner(
        path: &Path,
        limits: CommitLimits,
        spans: Spans,
        journaled: bool,
    ) -> Result<Outbox, StoreError> {
        // redb caches up to 1 GiB of pages by default, which would make memory grow with the
        // queue; the outbox is read a page at a time, so a small cache serves it.
        let db = Arc::new(
            Database::builder()
                .set_cache_size(CACHE_BYTES)
                .create(path)
                .map_err(|e| {
                    StoreError::Database(format!("cannot open {}: {e}", path.display()))
                })?,
        );
        // Create the tables up front so readers never meet a missing one.
        let txn = db.begin_write().map_err(StoreError::db)?;
        tables::check_layout(&txn)
            .map_err(|e| StoreError::Database(format!("cannot open {}: {e}", path.display())))?;
        drop(Tables::open(&txn, 0, spans, now_ms())?);
        ClientRefs::note_legacy(&txn, now_ms())?;
        events::count_once(&txn)?;
        txn.commit().map_err(StoreError::db)?;
        // Also without a journal now: a daemon started without one after running with one
        // would otherwise leave accepted messages behind.
        let next = replay(&db, path, spans)?;
        let mut seq = events::last_seq(&db.begin_read().map_err(StoreError::db)?)?;
        let (writer, thread) = Writer::spawn_batched(db.clone(), limits, weigh, move |txn, ops| {
            apply_batch(txn, ops, &mut seq, spans)
        })
        .map_err(StoreError::db)?;
        let mut threads = vec![thread];
        let journal = if journaled {
            let (journal, thread) = Journal::start(path, next, db.clone(), spans.client_refs)?;
            threads.push(thread);
            Some(journal)
        } else {
            None
        };
        Ok(Outbox {
            db,
            spans,
            writer,
            journal,
            threads: Arc::new(std::sync::Mutex::new(threads)),
        })
    }

    /// Notifies `waker` whenever journaled messages reach the database, where the dispatcher
    /// finds them (without a journal they are there when the accept returns).
    pub fn wake_when_stored(&self, waker: Arc<tokio::sync::Notify>) {
        if let Some(j) = &self.journal {
            j.wake_when_stored(waker);
        }
    }

    /// Finishes every queued write and closes the database. Returns once the file is released,
    /// which is when every clone of this outbox has been dropped or closed.
    pub async fn close(self) {
        let threads = self
            .threads
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        drop(self);
        for thread in threads {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }

    /// Stores a batch durably, in one commit with whatever else is being written. Each message
    /// is new, an idempotent repeat of its `client_ref`, or refused because the outbox holds
    /// `max_queued` messages already.
    pub async fn accept(
        &self,
        messages: Vec<Message>,
        max_queued: u64,
    ) -> Result<Vec<Accepted>, StoreError> {
        let admissions = messages
            .into_iter()
            .map(|m| (m, Charge::default()))
            .collect();
        self.accept_charged(admissions, max_queued).await
    }

    /// [`accept`](Self::accept), recording with each new message what the policy charged it
    /// (quota, credit, duplicate window) in the same commit.
    pub async fn accept_charged(
        &self,
        admissions: Vec<(Message, Charge)>,
        max_queued: u64,
    ) -> Result<Vec<Accepted>, StoreError> {
        if let Some(journal) = &self.journal {
            return self.accept_journaled(journal, admissions, max_queued).await;
        }
        match self
            .writer
            .write_first(Op::Accept {
                admissions,
                max_queued,
            })
            .await?
        {
            Reply::Accepted(a) => Ok(a),
            _ => Err(StoreError::Database("unexpected reply".into())),
        }
    }

    /// An accept through the journal: answered once journaled; the database takes the new
    /// messages in the background, and the journal keeps them until it has.
    async fn accept_journaled(
        &self,
        journal: &Journal,
        admissions: Vec<(Message, Charge)>,
        max_queued: u64,
    ) -> Result<Vec<Accepted>, StoreError> {
        let room = journal.room(admissions.len()).await?;
        let mut items = Vec::with_capacity(admissions.len());
        // Encoded here, on the caller's thread, once for the journal, the pending map and
        // the database alike.
        for (m, charge) in &admissions {
            items.push(journal::Item {
                id: m.id,
                client_ref: m.client_ref.as_deref().map(|r| ref_key(&m.account, r)),
                accepted_at_ms: m.accepted_at_ms,
                record: Bytes::from(postcard::to_stdvec(m).map_err(StoreError::db)?),
                charge: *charge,
            });
        }
        // From the append on, a task of its own: a caller that goes away (a client that hangs
        // up) must not leave a journaled message that the database never takes.
        let (answer, answered) = oneshot::channel();
        let (writer, journal) = (self.writer.clone(), journal.clone());
        tokio::spawn(async move {
            let records: Vec<Bytes> = items.iter().map(|i| i.record.clone()).collect();
            let appended = match journal.append(items, max_queued).await {
                Ok(appended) => appended,
                Err(e) => {
                    let _ = answer.send(Err(e));
                    return;
                }
            };
            let new: Vec<(Message, Charge, Bytes)> = admissions
                .into_iter()
                .zip(records)
                .zip(&appended.answers)
                .filter(|(((m, _), _), answer)| **answer == Accepted::New(m.id))
                .map(|(((m, charge), record), _)| (m, charge, record))
                .collect();
            let _ = answer.send(Ok(appended.answers));
            if !new.is_empty() {
                store_journaled(&writer, &journal, appended.segment, new).await;
            }
            drop(room);
        });
        answered.await.map_err(|_| StoreError::Closed)?
    }

    /// Forgets up to `limit` duplicate-window entries older than `before_ms`; how many went.
    pub async fn expire_duplicates(
        &self,
        before_ms: u64,
        limit: usize,
    ) -> Result<usize, StoreError> {
        self.counted(Op::Expire { before_ms, limit }).await
    }

    /// Runs an operation that answers with a count (of entries expired, or replayed).
    async fn counted(&self, op: Op) -> Result<usize, StoreError> {
        match self.writer.write(op).await? {
            Reply::Expired(n) => Ok(n),
            _ => Err(StoreError::Database("unexpected reply".into())),
        }
    }

    /// The policy counters as stored (quota use, credit spent).
    pub fn counters(&self) -> Result<SavedCounters, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        ledger::counters(&txn)
    }

    /// Duplicate-window entries accepted since `since_ms`: (key, first id, accepted at).
    pub fn duplicates(&self, since_ms: u64) -> Result<Vec<(u128, MessageId, u64)>, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        ledger::duplicates(&txn, since_ms)
    }

    /// The message first accepted for `client_ref` of `account` within 24 h of `now_ms`.
    pub fn client_ref(
        &self,
        account: &str,
        client_ref: &str,
        now_ms: u64,
    ) -> Result<Option<MessageId>, StoreError> {
        let key = ref_key(account, client_ref);
        // The pending map first: a message that leaves it is in the database by then.
        if let Some((id, at)) = self.journal.as_ref().and_then(|j| j.client_ref(&key))
            && now_ms.saturating_sub(at) < CLIENT_REF_TTL_MS
        {
            return Ok(Some(MessageId(id)));
        }
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        let found = client_refs::read(&txn, &key, now_ms, self.spans.client_refs)?;
        Ok(found.map(|(id, _)| MessageId(id)))
    }

    /// Writes a message's new state and moves it in the due index: held and queued messages
    /// are due at `due_ms`; any other status leaves the index (a fresh message leaves the
    /// fresh list whatever its new state).
    pub async fn save(&self, message: Message) -> Result<(), StoreError> {
        self.save_correlated(message, Vec::new(), Since::Read).await
    }

    /// [`save`](Self::save), recording for each `(segment, key)` that receipts for the
    /// segment's carrier with that normalised id belong to it; a receipt parked for such a key
    /// is applied in the same commit. A segment a receipt already settled keeps its state
    /// (`since` says whether one can have).
    pub async fn save_correlated(
        &self,
        message: Message,
        keys: Vec<(u16, String)>,
        since: Since,
    ) -> Result<(), StoreError> {
        self.writer
            .write(Op::Save(Box::new(message), keys, since))
            .await
            .map(|_| ())
    }

    /// Applies a receipt durably (with its webhook events).
    pub async fn receipt(&self, r: ReceiptRecord) -> Result<ReceiptOutcome, StoreError> {
        match self.writer.write_first(Op::Receipt(Box::new(r))).await? {
            Reply::Receipt(o) => Ok(o),
            _ => Err(StoreError::Database("unexpected reply".into())),
        }
    }

    /// Stores an MO message or part durably; the account that got an `mo` event.
    pub async fn mo(&self, r: MoRecord) -> Result<Option<String>, StoreError> {
        match self.writer.write_first(Op::Mo(Box::new(r))).await? {
            Reply::Mo(a) => Ok(a),
            _ => Err(StoreError::Database("unexpected reply".into())),
        }
    }

    /// Keeps an inbound PDU no one can take (unreadable, or for no one) for an operator.
    pub async fn keep_unmatched(&self, what: serde_json::Value) -> Result<(), StoreError> {
        self.writer.write_first(Op::Keep(what)).await.map(|_| ())
    }

    /// Forgets correlations recorded before `before_ms`, at most `limit` (a generation at a
    /// time: an entry can match for up to a generation past it); how many went.
    pub async fn expire_correlation(
        &self,
        before_ms: u64,
        limit: usize,
    ) -> Result<usize, StoreError> {
        self.counted(Op::ExpireCorrelation { before_ms, limit })
            .await
    }

    /// Forgets the `client_ref`s accepted before `before_ms`, at most `limit` (a day-long
    /// generation at a time: a ref can answer for up to a day past it); how many went.
    pub async fn expire_client_refs(
        &self,
        before_ms: u64,
        limit: usize,
    ) -> Result<usize, StoreError> {
        self.counted(Op::ExpireClientRefs { before_ms, limit })
            .await
    }

    /// Keeps receipts parked before `before_ms` as unmatched; how many.
    pub async fn expire_parked(&self, before_ms: u64) -> Result<usize, StoreError> {
        self.counted(Op::ExpireParked { before_ms }).await
    }

    /// Delivers, marked incomplete, MO messages whose parts have waited since before
    /// `before_ms`; the accounts that got events.
    pub async fn expire_mo(&self, before_ms: u64) -> Result<Vec<String>, StoreError> {
        match self.writer.write(Op::ExpireMo { before_ms }).await? {
            Reply::Accounts(a) => Ok(a),
            _ => Err(StoreError::Database("unexpected reply".into())),
        }
    }

    /// Puts `account`'s dead letters back in its webhook queue; how many.
    pub async fn replay(&self, account: &str) -> Result<usize, StoreError> {
        self.counted(Op::Replay(account.to_owned())).await
    }

    /// `account`'s dead letters (at most `limit`).
    pub fn dead_letters(
        &self,
        account: &str,
        limit: usize,
    ) -> Result<Vec<crate::webhook::PendingEvent>, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        events::dead_letters(&txn, account, limit)
    }

    /// Events waiting for `account`'s webhook.
    pub fn backlog(&self, account: &str) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        events::backlog(&txn, account)
    }

    /// Receipts and inbound messages no one could take (at most `limit`).
    pub fn unmatched(&self, limit: usize) -> Result<Vec<serde_json::Value>, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        receipts::unmatched(&txn, limit)
    }

    /// How many receipts and inbound messages are kept as unmatched.
    pub fn unmatched_count(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        receipts::unmatched_count(&txn)
    }

    /// Receipts parked, waiting for their submission to be recorded.
    pub fn parked(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        receipts::parked(&txn)
    }

    /// The message with this id.
    pub fn get(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
        // The pending map first: a message that leaves it is in the database by then.
        if let Some(record) = self.journal.as_ref().and_then(|j| j.record(id)) {
            return decode(&record).map(Some);
        }
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        let table = txn.open_table(MESSAGES).map_err(StoreError::db)?;
        match table.get(id.0).map_err(StoreError::db)? {
            Some(v) => decode(v.value()).map(Some),
            None => Ok(None),
        }
    }

    /// Up to `limit` messages due at `now_ms`, OTP before bulk, earliest first. What a crash
    /// interrupted is here again after a restart: the index is on disk.
    pub fn due(&self, now_ms: u64, limit: usize) -> Result<Vec<Message>, StoreError> {
        self.due_except(now_ms, limit, &|_| false)
    }

    /// As [`due`](Outbox::due), passing over the ids `skip` names before their records are
    /// read, so messages being dispatched neither cost a decode nor fill the page.
    pub fn due_except(
        &self,
        now_ms: u64,
        limit: usize,
        skip: &dyn Fn(MessageId) -> bool,
    ) -> Result<Vec<Message>, StoreError> {
        let page = self.due_from(now_ms, limit, skip, &mut DueCursor::default())?;
        Ok(page.into_iter().map(|d| d.message).collect())
    }

    /// As [`due_except`](Outbox::due_except), each lane read from after where `cursor` says
    /// the last page stopped in it; `cursor` is moved to where this page stops.
    pub fn due_from(
        &self,
        now_ms: u64,
        limit: usize,
        skip: &dyn Fn(MessageId) -> bool,
        cursor: &mut DueCursor,
    ) -> Result<Vec<DueMessage>, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        let due = txn.open_table(DUE).map_err(StoreError::db)?;
        let fresh = txn.open_table(FRESH).map_err(StoreError::db)?;
        let messages = txn.open_table(MESSAGES).map_err(StoreError::db)?;
        // Grown one push at a time, a page of 512 was copied at every doubling, and its large
        // blocks sent the allocator down its slow path.
        let mut out = Vec::with_capacity(limit.min(MAX_PAGE_ROOM));
        for (lane, (after, fresh_after)) in
            (0u8..).zip(cursor.after.iter_mut().zip(cursor.fresh_after.iter_mut()))
        {
            let mut end = [0xFFu8; DUE_KEY];
            end[0] = lane;
            end[1..9].copy_from_slice(&now_ms.to_be_bytes());
            let first = [lane];
            let resume = *after;
            let start = match &resume {
                Some(k) => Bound::Excluded(&k[..]),
                None => Bound::Included(&first[..]),
            };
            // The clock stepped back past where the last page stopped: nothing in the index
            // is due after it (the short page this makes resets the cursor).
            let indexed = if resume.is_some_and(|k| k > end) {
                None
            } else {
                Some(
                    due.range::<&[u8]>((start, Bound::Included(&end[..])))
                        .map_err(StoreError::db)?,
                )
            };
            let mut indexed = indexed
                .into_iter()
                .flatten()
                .filter_map(|entry| match entry {
                    // A key of another length is no message's: passed over.
                    Ok((key, _)) => <[u8; DUE_KEY]>::try_from(key.value()).ok().map(Ok),
                    Err(e) => Some(Err(StoreError::db(e))),
                })
                .peekable();
            let mut fresh = fresh::places(&fresh, lane, now_ms, *fresh_after)?.peekable();
            // The index (held messages come due, retries) by due time and the fresh messages
            // by the time they were accepted, which is when they were due, merged.
            loop {
                let from_index = match (indexed.peek(), fresh.peek()) {
                    (None, None) => break,
                    (Some(Ok(k)), Some(Ok(place))) => k <= place,
                    (Some(_), _) => true,
                    (None, Some(_)) => false,
                };
                if out.len() >= limit {
                    return Ok(out);
                }
                let next = if from_index {
                    indexed.next()
                } else {
                    fresh.next()
                };
                let Some(key) = next.transpose()? else { break };
                if from_index {
                    *after = Some(key);
                } else {
                    *fresh_after = Some(key);
                }
                let id = u128::from_be_bytes(key[9..].try_into().unwrap_or([0; 16]));
                if skip(MessageId(id)) {
                    continue;
                }
                let Some(v) = messages.get(id).map_err(StoreError::db)? else {
                    continue;
                };
                let message = decode(v.value())?;
                // A fresh message whose first attempt is saved is off the list in that
                // commit; were it not, sending it twice would be worse than this check.
                if from_index || message.attempts == 0 {
                    out.push(DueMessage {
                        message,
                        fresh: !from_index,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Messages waiting to be sent (the outbox's depth, compared with its bound), journaled
    /// ones the database does not have yet included.
    pub fn queued(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        let due = txn.open_table(DUE).map_err(StoreError::db)?;
        let journaled = match &self.journal {
            Some(j) => j.not_in(&txn)?,
            None => 0,
        };
        Ok(due.len().map_err(StoreError::db)? + fresh::count(&txn)? + journaled)
    }

    /// The writer's counters.
    pub fn stats(&self) -> &super::CommitStats {
        self.writer.stats()
    }
}

/// What an operation counts against a commit's bound: about how many records it writes.
fn weigh(op: &Op) -> usize {
    match op {
        Op::Accept { admissions, .. } => admissions.len().max(1),
        Op::Stored(stored) => stored.len().max(1),
        Op::Delivered(_, seqs) | Op::DeadLetter(_, seqs) => seqs.len().max(1),
        _ => 1,
    }
}

/// Stores messages the journal has (`segment`) in the database, trying again every
/// [`STORE_AGAIN`] while the database fails; then tells the journal, which lets them go.
async fn store_journaled(
    writer: &Writer<Op, Reply>,
    journal: &Journal,
    segment: u64,
    new: Vec<(Message, Charge, Bytes)>,
) {
    let ids: Vec<u128> = new.iter().map(|(m, _, _)| m.id.0).collect();
    let refs: Vec<(String, u128)> = new
        .iter()
        .filter_map(|(m, _, _)| Some((ref_key(&m.account, m.client_ref.as_deref()?), m.id.0)))
        .collect();
    // Kept to build the operation again should a commit fail: records are cheap to keep
    // (shared) where messages would have to be cloned.
    let again: Vec<(Bytes, Charge)> = new.iter().map(|(_, c, r)| (r.clone(), *c)).collect();
    let mut op = Op::Stored(new);
    loop {
        match writer.write_first(op).await {
            Ok(_) => {
                journal.applied(segment, ids, refs).await;
                return;
            }
            // Stopping: the journal keeps them, and the next start replays them.
            Err(StoreError::Closed) => return,
            Err(e) => {
                tracing::error!(
                    error = %e,
                    messages = ids.len(),
                    "cannot store journaled messages; trying again in a second"
                );
                tokio::time::sleep(STORE_AGAIN).await;
                let rebuilt: Result<Vec<_>, StoreError> = again
                    .iter()
                    .map(|(r, c)| Ok((decode(r)?, *c, r.clone())))
                    .collect();
                match rebuilt {
                    Ok(stored) => op = Op::Stored(stored),
                    Err(_) => return,
                }
            }
        }
    }
}

/// Applies one batch through tables opened once for all of it. The event sequence moves on
/// as the tables close, before the commit: a failed batch leaves a gap in the numbers, which
/// the sender does not mind (it reads forward).
fn apply_batch(
    txn: &WriteTransaction,
    ops: Vec<Op>,
    seq: &mut u64,
    spans: Spans,
) -> Result<Vec<Reply>, StoreError> {
    let mut t = Tables::open(txn, *seq, spans, now_ms())?;
    let replies = ops
        .into_iter()
        .map(|op| apply(&mut t, op))
        .collect::<Result<Vec<_>, _>>()?;
    *seq = t.close()?;
    Ok(replies)
}

fn apply(t: &mut Tables<'_>, op: Op) -> Result<Reply, StoreError> {
    match op {
        Op::Accept {
            admissions,
            max_queued,
        } => accept(t, admissions, max_queued).map(Reply::Accepted),
        Op::Stored(stored) => {
            let mut tally = ledger::Tally::default();
            for (m, charge, record) in &stored {
                store_new(t, &mut tally, m, charge, record)?;
            }
            tally.write(t)?;
            let before = t.meta.get(JOURNALED).map_err(StoreError::db)?;
            let total = before.map_or(0, |v| v.value()) + stored.len() as u64;
            t.meta.insert(JOURNALED, total).map_err(StoreError::db)?;
            Ok(Reply::Saved)
        }
        Op::Save(m, keys, since) => save(t, *m, &keys, since).map(|()| Reply::Saved),
        Op::ExpireCorrelation { before_ms, limit } => {
            t.correlation.expire(before_ms, limit).map(Reply::Expired)
        }
        Op::ExpireParked { before_ms } => receipts::expire_parked(t, before_ms).map(Reply::Expired),
        Op::ExpireClientRefs { before_ms, limit } => {
            let Tables {
                client_refs, meta, ..
            } = t;
            client_refs
                .expire(before_ms, limit, meta)
                .map(Reply::Expired)
        }
        Op::ExpireMo { before_ms } => receipts::expire_mo(t, before_ms).map(Reply::Accounts),
        Op::Receipt(r) => receipts::receipt(t, &r, load, write_record).map(Reply::Receipt),
        Op::Mo(r) => receipts::mo(t, &r).map(Reply::Mo),
        Op::Delivered(account, seqs) => events::delivered(t, &account, seqs).map(|()| Reply::Saved),
        Op::DeadLetter(account, seqs) => {
            events::dead_letter(t, &account, &seqs).map(|()| Reply::Saved)
        }
        Op::Replay(account) => events::replay(t, &account).map(Reply::Expired),
        Op::Keep(what) => receipts::keep_unmatched(t, &what).map(|_| Reply::Saved),
        Op::Expire { before_ms, limit } => ledger::expire(t, before_ms, limit).map(Reply::Expired),
    }
}

fn accept(
    t: &mut Tables<'_>,
    admissions: Vec<(Message, Charge)>,
    max_queued: u64,
) -> Result<Vec<Accepted>, StoreError> {
    let mut queued = t.queued()?;
    let mut out = Vec::with_capacity(admissions.len());
    let mut tally = ledger::Tally::default();
    for (m, charge) in admissions {
        let key = m.client_ref.as_deref().map(|r| ref_key(&m.account, r));
        if let Some(key) = &key
            && let Some((id, at)) = t.client_refs.get(key)?
            && m.accepted_at_ms.saturating_sub(at) < CLIENT_REF_TTL_MS
        {
            out.push(Accepted::Existing(MessageId(id)));
            continue;
        }
        if queued >= max_queued {
            out.push(Accepted::Overloaded);
            continue;
        }
        let mut buf = std::mem::take(&mut t.scratch);
        buf.clear();
        let buf = postcard::to_extend(&m, buf).map_err(StoreError::db)?;
        let stored = store_new(t, &mut tally, &m, &charge, &buf);
        t.scratch = buf;
        stored?;
        queued += 1;
        out.push(Accepted::New(m.id));
    }
    tally.write(t)?;
    Ok(out)
}

/// Stores a new message: its record (`record`, encoded), its place on the fresh list or in the
/// due index, its `client_ref` and what it was charged.
fn store_new(
    t: &mut Tables<'_>,
    tally: &mut ledger::Tally,
    m: &Message,
    charge: &Charge,
    record: &[u8],
) -> Result<(), StoreError> {
    t.messages.insert(m.id.0, record).map_err(StoreError::db)?;
    if fresh::is_fresh(m) {
        t.fresh_changes.add(m);
    } else {
        t.due.insert(&due_key(m)[..], ()).map_err(StoreError::db)?;
    }
    if let Some(r) = &m.client_ref {
        t.client_refs
            .insert(&ref_key(&m.account, r), (m.id.0, m.accepted_at_ms))?;
    }
    ledger::charge(t, tally, m, charge)
}

/// Stores what the journal segments beside `path` hold and the database does not (a crash
/// came between the two), in one durable commit, then deletes the segments. The number the
/// next segment takes.
fn replay(db: &Database, path: &Path, spans: Spans) -> Result<u64, StoreError> {
    let segments = journal::segments(path)?;
    let Some(&(last, _)) = segments.last() else {
        return Ok(0);
    };
    let txn = db.begin_write().map_err(StoreError::db)?;
    // Replaying gives out no event numbers, so the sequence passed (and written back only
    // when it moved) does not matter.
    let mut t = Tables::open(&txn, 0, spans, now_ms())?;
    let mut tally = ledger::Tally::default();
    let (mut replayed, mut present) = (0usize, 0usize);
    for (number, segment) in &segments {
        let bytes = std::fs::read(segment)
            .map_err(|e| StoreError::Database(format!("cannot read {}: {e}", segment.display())))?;
        let (frames, torn) = journal::frames(&bytes, *number);
        if torn > 0 {
            // Cut short by a crash while it was written: never answered as accepted. In a
            // segment written over, what follows is the rest of its earlier life.
            tracing::warn!(path = %segment.display(), bytes = torn, "a journal segment ends in an incomplete frame (or one left from its earlier life); ignored");
        }
        for (charge, record) in frames {
            let m = decode(record)?;
            if t.messages.get(m.id.0).map_err(StoreError::db)?.is_some() {
                present += 1;
                continue;
            }
            store_new(&mut t, &mut tally, &m, &charge, record)?;
            replayed += 1;
        }
    }
    tally.write(&mut t)?;
    t.close()?;
    txn.commit().map_err(StoreError::db)?;
    journal::remove(path, &segments)?;
    if replayed > 0 {
        tracing::info!(
            replayed,
            already_stored = present,
            "accepted messages replayed from the journal"
        );
    }
    Ok(last + 1)
}

fn load(t: &Tables<'_>, id: MessageId) -> Result<Option<Message>, StoreError> {
    let found = t.messages.get(id.0).map_err(StoreError::db)?;
    found.map(|v| decode(v.value())).transpose()
}

/// Writes a message record, encoded into the batch's one buffer (no allocation per record).
fn write_record(t: &mut Tables<'_>, m: &Message) -> Result<(), StoreError> {
    let mut buf = std::mem::take(&mut t.scratch);
    buf.clear();
    let buf = postcard::to_extend(m, buf).map_err(StoreError::db)?;
    t.messages
        .insert(m.id.0, buf.as_slice())
        .map_err(StoreError::db)?;
    t.scratch = buf;
    Ok(())
}

fn save(
    t: &mut Tables<'_>,
    mut m: Message,
    keys: &[(u16, String)],
    since: Since,
) -> Result<(), StoreError> {
    let now_ms = now_ms();
    match since {
        // Reading the record back (a B-tree lookup and a decode) was a tenth of the writer's
        // time; on a first attempt it can only return what the caller read.
        Since::Untouched { due_ms } => {
            t.due
                .remove(&due_key_at(&m, due_ms)[..])
                .map_err(StoreError::db)?;
            // Stored due when it was accepted: fresh, unless a version before fresh
            // messages stored it.
            if due_ms <= m.accepted_at_ms {
                t.fresh_changes.remove(&m);
            }
        }
        Since::Fresh => t.fresh_changes.remove(&m),
        Since::Read => {
            if let Some(old) = load(t, m.id)? {
                if fresh::is_fresh(&old) {
                    t.fresh_changes.remove(&old);
                }
                t.due.remove(&due_key(&old)[..]).map_err(StoreError::db)?;
                // A receipt may have settled a segment while this copy was out being
                // dispatched.
                for (new, was) in m.segments.iter_mut().zip(&old.segments) {
                    if was.status.is_receipted() && new.carrier_message_id == was.carrier_message_id
                    {
                        *new = was.clone();
                    }
                }
                m.settle_receipts(now_ms);
            }
        }
    }
    if !keys.is_empty() {
        receipts::correlate(t, &mut m, keys, now_ms)?;
    }
    write_record(t, &m)?;
    // Only messages waiting to be sent are due; a submitted one waits for its receipt instead.
    if matches!(m.status, Status::Held | Status::Queued) {
        t.due.insert(&due_key(&m)[..], ()).map_err(StoreError::db)?;
    }
    Ok(())
}

impl crate::webhook::EventSource for Outbox {
    fn pending(
        &self,
        account: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<crate::webhook::PendingEvent>, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        events::pending(&txn, account, after, limit)
    }

    fn delivered(&self, account: &str, seqs: Vec<u64>) -> super::StoreFuture<'_, ()> {
        let op = Op::Delivered(account.to_owned(), seqs);
        Box::pin(async move { self.writer.write(op).await.map(|_| ()) })
    }

    fn dead_letter(&self, account: &str, seqs: Vec<u64>) -> super::StoreFuture<'_, ()> {
        let op = Op::DeadLetter(account.to_owned(), seqs);
        Box::pin(async move { self.writer.write(op).await.map(|_| ()) })
    }
}
