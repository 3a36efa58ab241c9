//! The accept journal. An accepted batch is made durable by appending it to a file and one
//! fdatasync, shared with every batch that arrived meanwhile, rather than by the database
//! commit, which carries the whole daemon's bookkeeping (dispatch outcomes, receipts, webhook
//! events) and is several times longer. The database takes each batch right after, in its
//! first lane; until it has, the journal's pending map answers reads of those messages, and a
//! restart replays whatever the database had not committed.
//!
//! The journal is a series of segment files beside the database (`<db>.journal.<n>`). A
//! segment is done with once every message in it is in the database and a newer segment is
//! being written; at a clean stop nothing is left. Each message is one frame: its length and
//! CRC-32, then what its policy charged and its record as the database stores it. A frame cut
//! short by a crash, or one whose checksum fails, ends the segment: it was never answered.
//!
//! A segment done with is kept as the spare (`<db>.journal.spare`) and becomes the next one,
//! written over from the start. Writing over blocks a file already has makes each fdatasync a
//! flush of data alone; appending to a file also commits the file system's journal (its size
//! and new blocks), which waits for whatever else is being synced on the disk. A segment's
//! checksums cover its number, so frames left from the file's earlier life never read as its
//! own, and a zero length after the last frame marks where its frames end.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTableMetadata, TableError};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

use super::client_refs;
use super::fresh;
use super::generations::Span;
use super::outbox::{Accepted, CLIENT_REF_TTL_MS};
use super::tables::{DUE, JOURNALED, META};
use super::writer::StoreError;
use crate::message::MessageId;
use crate::policy::Charge;

/// A segment this large is closed and a new one started, so that the old one can go once the
/// database has everything in it.
const SEGMENT_BYTES: u64 = 8 << 20;

/// Most messages journaled and not yet in the database; an accept beyond it waits (the
/// database is the slower of the two, and what waits for it is held in memory).
pub(super) const MAX_PENDING: usize = 16_384;

/// Longest an accept waits for room among the pending messages.
const ROOM_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Most accepts one journal write takes.
const MAX_GROUP: usize = 256;

/// A frame's header: payload length and CRC-32, little-endian.
const HEADER: usize = 8;

/// What a segment starts with. One without it was written by a version before spares: its
/// frames start at once and their checksums cover the payload alone; replay still reads it.
const MAGIC: &[u8; 8] = b"SMPPDJ\x02\n";

/// Written after the last frame: a zero length, where no frame (never empty) can have one.
const END: [u8; HEADER] = [0; HEADER];

/// The name of the spare segment, after the segments' prefix.
const SPARE: &str = "spare";

/// One message handed to the journal.
pub(super) struct Item {
    pub(super) id: MessageId,
    /// `account\0client_ref`, when it has one.
    pub(super) client_ref: Option<String>,
    pub(super) accepted_at_ms: u64,
    /// The message record, as the database stores it.
    pub(super) record: Bytes,
    pub(super) charge: Charge,
}

/// What the policy charged a message, as a frame carries it.
#[derive(Serialize, Deserialize)]
struct Charged {
    segments: u32,
    quota_day: Option<u32>,
    credit_base: Option<u64>,
    duplicate: Option<u128>,
}

impl From<Charge> for Charged {
    fn from(c: Charge) -> Charged {
        Charged {
            segments: c.segments,
            quota_day: c.quota_day,
            credit_base: c.credit_base,
            duplicate: c.duplicate,
        }
    }
}

impl From<Charged> for Charge {
    fn from(c: Charged) -> Charge {
        Charge {
            segments: c.segments,
            quota_day: c.quota_day,
            credit_base: c.credit_base,
            duplicate: c.duplicate,
        }
    }
}

/// A frame's checksum: over the number of its segment (when the segment has [`MAGIC`]) and
/// its payload.
fn checksum(segment: Option<u64>, payload: &[u8]) -> u32 {
    let mut crc = crc32fast::Hasher::new();
    if let Some(n) = segment {
        crc.update(&n.to_le_bytes());
    }
    crc.update(payload);
    crc.finalize()
}

/// Appends one message's frame, for segment number `segment`, to `out`.
fn frame(out: &mut Vec<u8>, item: &Item, segment: u64) -> Result<(), StoreError> {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER]);
    let taken = std::mem::take(out);
    *out = postcard::to_extend(&Charged::from(item.charge), taken).map_err(StoreError::db)?;
    out.extend_from_slice(&item.record);
    let payload = &out[start + HEADER..];
    let len = u32::try_from(payload.len())
        .map_err(|_| StoreError::Database("a journal frame over 4 GiB".into()))?;
    let crc = checksum(Some(segment), payload);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + HEADER].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// The frames of segment number `segment`, given its bytes, each as (charge, record), up to
/// the end mark or the first frame that is cut short or fails its checksum; and how many
/// bytes were left after the last good frame when no end mark followed it (a torn write).
pub(super) fn frames(bytes: &[u8], segment: u64) -> (Vec<(Charge, &[u8])>, usize) {
    let mut out = Vec::new();
    let (mut rest, salt) = match bytes.strip_prefix(MAGIC) {
        Some(rest) => (rest, Some(segment)),
        None => (bytes, None),
    };
    while rest.len() >= HEADER {
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if len == 0 {
            return (out, 0);
        }
        let Some(payload) = rest.get(HEADER..HEADER + len) else {
            break;
        };
        if checksum(salt, payload) != crc {
            break;
        }
        let Ok((charged, record)) = postcard::take_from_bytes::<Charged>(payload) else {
            break;
        };
        out.push((Charge::from(charged), record));
        rest = &rest[HEADER + len..];
    }
    (out, rest.len())
}

/// The journal segments beside `db_path`, oldest first.
pub(super) fn segments(db_path: &Path) -> Result<Vec<(u64, PathBuf)>, StoreError> {
    let (dir, prefix) = naming(db_path);
    let listing = std::fs::read_dir(&dir)
        .map_err(|e| StoreError::Database(format!("cannot list {}: {e}", dir.display())))?;
    let mut found = Vec::new();
    for entry in listing {
        let entry = entry.map_err(StoreError::db)?;
        let name = entry.file_name();
        let Some(n) = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        found.push((n, entry.path()));
    }
    found.sort();
    Ok(found)
}

/// The directory segments live in and their names' prefix.
fn naming(db_path: &Path) -> (PathBuf, String) {
    let dir = match db_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file = db_path
        .file_name()
        .map_or_else(|| "store".into(), |f| f.to_string_lossy().into_owned());
    (dir, format!("{file}.journal."))
}

/// Makes a created or deleted file's name durable.
pub(super) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::Database(format!("cannot sync {}: {e}", dir.display())))
}

/// Deletes replayed segments, once the database has their messages durably.
pub(super) fn remove(db_path: &Path, done: &[(u64, PathBuf)]) -> Result<(), StoreError> {
    for (_, path) in done {
        std::fs::remove_file(path)
            .map_err(|e| StoreError::Database(format!("cannot remove {}: {e}", path.display())))?;
    }
    if !done.is_empty() {
        sync_dir(&naming(db_path).0)?;
    }
    Ok(())
}

/// Messages journaled that the database does not have yet.
#[derive(Default)]
struct Pending {
    records: foldhash::HashMap<u128, Bytes>,
    /// `account\0client_ref` → (id, accepted at): chosen by clients, so hashed with SipHash.
    refs: HashMap<String, (u128, u64)>,
}

struct Shared {
    pending: Mutex<Pending>,
    /// Messages journaled as new since the journal started.
    appended: AtomicU64,
    /// The database's [`JOURNALED`] count when the journal started.
    stored_at_start: u64,
    room: Arc<Semaphore>,
    /// Told when journaled messages reach the database (and so the due index).
    wake: OnceLock<Arc<Notify>>,
}

enum Command {
    Append {
        items: Vec<Item>,
        max_queued: u64,
        reply: oneshot::Sender<Result<Appended, StoreError>>,
    },
    /// These messages of `segment` are in the database, durably.
    Applied {
        segment: u64,
        ids: Vec<u128>,
        refs: Vec<(String, u128)>,
    },
}

/// What became of one journaled batch.
pub(super) struct Appended {
    /// One answer per item, in order.
    pub(super) answers: Vec<Accepted>,
    /// The segment the new ones went to.
    pub(super) segment: u64,
}

/// The handle the outbox appends through. Clones share one journal.
#[derive(Clone)]
pub(super) struct Journal {
    tx: mpsc::Sender<Command>,
    shared: Arc<Shared>,
}

impl Journal {
    /// Starts the journal thread, writing segments beside `db_path` from number `next` on.
    /// `db` is read for the outbox's depth and for `client_ref`s the database already has.
    pub(super) fn start(
        db_path: &Path,
        next: u64,
        db: Arc<Database>,
        refs_span: Span,
    ) -> Result<(Journal, std::thread::JoinHandle<()>), StoreError> {
        Journal::start_sized(db_path, next, db, refs_span, SEGMENT_BYTES)
    }

    /// [`start`](Journal::start), closing segments at `segment_bytes`.
    fn start_sized(
        db_path: &Path,
        next: u64,
        db: Arc<Database>,
        refs_span: Span,
        segment_bytes: u64,
    ) -> Result<(Journal, std::thread::JoinHandle<()>), StoreError> {
        let (dir, prefix) = naming(db_path);
        let stored_at_start = stored(&db.begin_read().map_err(StoreError::db)?)?;
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            appended: AtomicU64::new(0),
            stored_at_start,
            room: Arc::new(Semaphore::new(MAX_PENDING)),
            wake: OnceLock::new(),
        });
        let mut log = Log {
            dir,
            prefix,
            file: None,
            segment: next,
            size: 0,
            segment_bytes,
            spare: None,
            outstanding: BTreeMap::new(),
            broken: None,
            db,
            refs_span,
            shared: shared.clone(),
        };
        log.remove_leftover_spare();
        log.start_segment()?;
        let (tx, rx) = mpsc::channel(4096);
        let thread = std::thread::Builder::new()
            .name("smppd-journal".into())
            .spawn(move || log.run(rx))
            .map_err(StoreError::db)?;
        Ok((Journal { tx, shared }, thread))
    }

    /// Room for `n` more pending messages; held until they are in the database. An error when
    /// there is none for [`ROOM_WAIT`]: the database is failing or far behind, and the caller
    /// is better told than left waiting.
    pub(super) async fn room(&self, n: usize) -> Result<OwnedSemaphorePermit, StoreError> {
        let n = u32::try_from(n.clamp(1, MAX_PENDING)).unwrap_or(1);
        let wait = self.shared.room.clone().acquire_many_owned(n);
        match tokio::time::timeout(ROOM_WAIT, wait).await {
            Ok(permit) => permit.map_err(|_| StoreError::Closed),
            Err(_) => Err(StoreError::Database(format!(
                "{MAX_PENDING} accepted messages have waited over {}s for the store to commit them",
                ROOM_WAIT.as_secs()
            ))),
        }
    }

    /// Journals the items durably, deciding for each whether it is new, a `client_ref`
    /// repeat, or over `max_queued`.
    pub(super) async fn append(
        &self,
        items: Vec<Item>,
        max_queued: u64,
    ) -> Result<Appended, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Command::Append {
                items,
                max_queued,
                reply,
            })
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Says that these messages of `segment` are in the database, durably: they leave the
    /// pending map and no longer hold their segment.
    pub(super) async fn applied(&self, segment: u64, ids: Vec<u128>, refs: Vec<(String, u128)>) {
        let _ = self.tx.send(Command::Applied { segment, ids, refs }).await;
        if let Some(w) = self.shared.wake.get() {
            w.notify_one();
        }
    }

    /// Notifies `waker` whenever journaled messages reach the database.
    pub(super) fn wake_when_stored(&self, waker: Arc<Notify>) {
        let _ = self.shared.wake.set(waker);
    }

    /// The record of a pending message.
    pub(super) fn record(&self, id: MessageId) -> Option<Bytes> {
        let pending = self.shared.pending.lock().ok()?;
        pending.records.get(&id.0).cloned()
    }

    /// The pending message first accepted for `key` (`account\0client_ref`), with when.
    pub(super) fn client_ref(&self, key: &str) -> Option<(u128, u64)> {
        let pending = self.shared.pending.lock().ok()?;
        pending.refs.get(key).copied()
    }

    /// How many journaled messages the database snapshot `txn` does not have. Exact where
    /// the pending map is not: a message stays in that map for a moment after the database
    /// has it.
    pub(super) fn not_in(&self, txn: &ReadTransaction) -> Result<u64, StoreError> {
        Ok(self.shared.not_in(stored(txn)?))
    }
}

impl Shared {
    /// [`Journal::not_in`], given the snapshot's [`JOURNALED`] count.
    fn not_in(&self, stored: u64) -> u64 {
        let appended = self.appended.load(Ordering::Acquire);
        appended.saturating_sub(stored.saturating_sub(self.stored_at_start))
    }
}

/// The snapshot's count of messages taken from the journal, ever.
fn stored(txn: &ReadTransaction) -> Result<u64, StoreError> {
    let meta = match txn.open_table(META) {
        Ok(meta) => meta,
        Err(TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(StoreError::db(e)),
    };
    Ok(meta
        .get(JOURNALED)
        .map_err(StoreError::db)?
        .map_or(0, |v| v.value()))
}

/// The journal thread's state.
struct Log {
    dir: PathBuf,
    prefix: String,
    file: Option<File>,
    segment: u64,
    /// Where the next frame goes in the segment.
    size: u64,
    /// A segment this large is closed.
    segment_bytes: u64,
    /// A segment done with, to be written over as the next one.
    spare: Option<File>,
    /// Messages per segment not yet in the database.
    outstanding: BTreeMap<u64, usize>,
    /// Set by a failed write or sync: what the file holds is then unknown, so nothing more is
    /// answered as durable until a restart replays it.
    broken: Option<String>,
    db: Arc<Database>,
    refs_span: Span,
    shared: Arc<Shared>,
}

impl Log {
    fn path(&self, segment: u64) -> PathBuf {
        self.dir.join(format!("{}{segment}", self.prefix))
    }

    fn spare_path(&self) -> PathBuf {
        self.dir.join(format!("{}{SPARE}", self.prefix))
    }

    /// Removes the spare a previous run left. It is not taken up: segment numbers start again
    /// after a restart, so its old frames could carry the number of a segment to come.
    fn remove_leftover_spare(&self) {
        let _ = std::fs::remove_file(self.spare_path());
    }

    /// Starts segment `self.segment`: the spare, renamed, when there is one; else a new file.
    fn start_segment(&mut self) -> Result<(), StoreError> {
        let path = self.path(self.segment);
        let cannot = |e: std::io::Error| {
            StoreError::Database(format!("cannot start {}: {e}", path.display()))
        };
        let spare = self.spare.take().and_then(|spare| {
            match std::fs::rename(self.spare_path(), &path) {
                Ok(()) => Some(spare),
                Err(e) => {
                    // Moved or removed from under the journal: a new file serves as well.
                    tracing::warn!(error = %e, "cannot take the spare journal segment");
                    None
                }
            }
        });
        let file = match spare {
            Some(spare) => spare,
            None => OpenOptions::new()
                .create_new(true)
                .write(true)
                .open(&path)
                .map_err(cannot)?,
        };
        // Synced with the first frames; until then no frame here has this segment's checksum.
        file.write_all_at(&[&MAGIC[..], &END].concat(), 0)
            .map_err(cannot)?;
        sync_dir(&self.dir)?;
        self.file = Some(file);
        self.size = MAGIC.len() as u64;
        Ok(())
    }

    fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        let mut buf = Vec::new();
        let mut group = Vec::new();
        while let Some(first) = rx.blocking_recv() {
            self.take(first, &mut group);
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(c) => self.take(c, &mut group),
                    Err(_) => break,
                }
            }
            if !group.is_empty() {
                self.append(&mut group, &mut buf);
            }
        }
        // Every handle is gone: what the database has, the journal need not keep.
        if self.outstanding.values().all(|&n| n == 0) {
            let _ = std::fs::remove_file(self.path(self.segment));
            if self.spare.take().is_some() {
                let _ = std::fs::remove_file(self.spare_path());
            }
            let _ = sync_dir(&self.dir);
        }
    }

    fn take(&mut self, command: Command, group: &mut Vec<(Vec<Item>, u64, Reply)>) {
        match command {
            Command::Append {
                items,
                max_queued,
                reply,
            } => group.push((items, max_queued, reply)),
            Command::Applied { segment, ids, refs } => self.applied(segment, &ids, &refs),
        }
    }

    fn applied(&mut self, segment: u64, ids: &[u128], refs: &[(String, u128)]) {
        if let Ok(mut p) = self.shared.pending.lock() {
            for id in ids {
                p.records.remove(id);
            }
            for (key, id) in refs {
                // Another message holds the key only if this one's ref had expired: it keeps
                // its own entry.
                if p.refs.get(key).is_some_and(|(holder, _)| holder == id) {
                    p.refs.remove(key);
                }
            }
            crate::metrics::journal_pending(p.records.len());
        }
        let left = self.outstanding.entry(segment).or_default();
        *left = left.saturating_sub(ids.len());
        if *left == 0 {
            self.outstanding.remove(&segment);
            if segment != self.segment {
                self.retire(segment);
            }
        }
    }

    fn append(&mut self, group: &mut Vec<(Vec<Item>, u64, Reply)>, buf: &mut Vec<u8>) {
        if let Some(why) = &self.broken {
            let e = StoreError::Database(format!("the accept journal failed earlier: {why}"));
            for (_, _, reply) in group.drain(..) {
                let _ = reply.send(Err(e.clone()));
            }
            return;
        }
        buf.clear();
        // Outside any runtime this is the real clock.
        let started = tokio::time::Instant::now();
        let decided = self.decide(group, buf);
        let written = decided.and_then(|answers| {
            if buf.is_empty() {
                // Nothing new: repeats and refusals need nothing made durable.
                return Ok(answers);
            }
            let file = self.file.as_mut().ok_or(StoreError::Closed)?;
            let size = self.size;
            buf.extend_from_slice(&END);
            file.write_all_at(buf, size)
                .and_then(|()| file.sync_data())
                .map_err(|e| {
                    // Best effort: what did reach the file must not be replayed as accepted.
                    let _ = file.set_len(size);
                    let why = format!("journal write: {e}");
                    tracing::error!(error = %e, "the accept journal cannot write; accepts fail until a restart");
                    self.broken = Some(why.clone());
                    StoreError::Database(why)
                })?;
            Ok(answers)
        });
        match written {
            Ok(answers) => {
                self.size += buf.len().saturating_sub(HEADER) as u64;
                let mut new = 0;
                let mut pending = 0;
                if let Ok(mut p) = self.shared.pending.lock() {
                    for ((items, _, _), answers) in group.iter().zip(&answers) {
                        for (item, answer) in items.iter().zip(answers) {
                            if *answer != Accepted::New(item.id) {
                                continue;
                            }
                            new += 1;
                            p.records.insert(item.id.0, item.record.clone());
                            if let Some(key) = &item.client_ref {
                                p.refs.insert(key.clone(), (item.id.0, item.accepted_at_ms));
                            }
                        }
                    }
                    pending = p.records.len();
                }
                self.shared
                    .appended
                    .fetch_add(new as u64, Ordering::Release);
                if !buf.is_empty() {
                    crate::metrics::journal_sync(started.elapsed(), pending);
                }
                if new > 0 {
                    *self.outstanding.entry(self.segment).or_default() += new;
                }
                for ((_, _, reply), answers) in group.drain(..).zip(answers) {
                    let _ = reply.send(Ok(Appended {
                        answers,
                        segment: self.segment,
                    }));
                }
                if self.size >= self.segment_bytes {
                    self.rotate();
                }
            }
            Err(e) => {
                for (_, _, reply) in group.drain(..) {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }

    /// Each item's answer, with the frames of the new ones written to `buf`. A `client_ref`
    /// is looked up among the pending messages (this group's included) and then in a
    /// snapshot of the database taken after every `Applied` before it was handled, so a ref
    /// that left the pending map is in the snapshot.
    fn decide(
        &self,
        group: &[(Vec<Item>, u64, Reply)],
        buf: &mut Vec<u8>,
    ) -> Result<Vec<Vec<Accepted>>, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        let due = txn
            .open_table(DUE)
            .map_err(StoreError::db)?
            .len()
            .map_err(StoreError::db)?;
        let fresh = fresh::count(&txn)?;
        let mut queued = due
            .saturating_add(fresh)
            .saturating_add(self.shared.not_in(stored(&txn)?));
        let pending = self.shared.pending.lock().map_err(StoreError::db)?;
        let mut group_refs: HashMap<&str, (u128, u64)> = HashMap::new();
        let mut out = Vec::with_capacity(group.len());
        for (items, max_queued, _) in group {
            let mut answers = Vec::with_capacity(items.len());
            for item in items {
                if let Some(key) = &item.client_ref {
                    let known = match group_refs.get(key.as_str()).or(pending.refs.get(key)) {
                        Some(&found) => Some(found),
                        None => client_refs::read(&txn, key, item.accepted_at_ms, self.refs_span)?,
                    };
                    if let Some((id, at)) = known
                        && item.accepted_at_ms.saturating_sub(at) < CLIENT_REF_TTL_MS
                    {
                        answers.push(Accepted::Existing(MessageId(id)));
                        continue;
                    }
                }
                if queued >= *max_queued {
                    answers.push(Accepted::Overloaded);
                    continue;
                }
                frame(buf, item, self.segment)?;
                queued += 1;
                if let Some(key) = &item.client_ref {
                    group_refs.insert(key, (item.id.0, item.accepted_at_ms));
                }
                answers.push(Accepted::New(item.id));
            }
            out.push(answers);
        }
        Ok(out)
    }

    /// Starts the next segment; the one closed goes as soon as the database has all of it.
    fn rotate(&mut self) {
        let closed = self.segment;
        self.segment += 1;
        if let Err(e) = self.start_segment() {
            tracing::error!(error = %e, "cannot start a journal segment; accepts fail until a restart");
            self.broken = Some(e.to_string());
            return;
        }
        if !self.outstanding.contains_key(&closed) {
            self.retire(closed);
        }
    }

    /// Done with a segment the database has all of: it becomes the spare when there is none,
    /// else it is deleted. One a crash leaves under its own name (the rename or the removal
    /// was not yet durable) is replayed at start, which skips what the database has.
    fn retire(&mut self, segment: u64) {
        let path = self.path(segment);
        if self.spare.is_none() {
            let kept = OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|file| std::fs::rename(&path, self.spare_path()).map(|()| file));
            match kept {
                Ok(file) => {
                    // Made durable at once, as a removal is: replay would skip every message
                    // of a segment come back, but only while the database keeps them.
                    if let Err(e) = sync_dir(&self.dir) {
                        tracing::warn!(error = %e, "cannot sync the journal's directory");
                    }
                    self.spare = Some(file);
                    return;
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot keep a journal segment as the spare");
                }
            }
        }
        let removed = std::fs::remove_file(&path)
            .map_err(|e| StoreError::Database(e.to_string()))
            .and_then(|()| sync_dir(&self.dir));
        if let Err(e) = removed {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove a journal segment");
        }
    }
}

type Reply = oneshot::Sender<Result<Appended, StoreError>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn item(record: &[u8]) -> Item {
        Item {
            id: MessageId(7),
            client_ref: None,
            accepted_at_ms: 1,
            record: Bytes::copy_from_slice(record),
            charge: Charge {
                segments: 2,
                quota_day: Some(20_000),
                credit_base: None,
                duplicate: Some(u128::MAX),
            },
        }
    }

    /// A segment's bytes: its start, then a frame of segment `number` per record.
    fn segment_of(number: u64, records: &[&[u8]]) -> Vec<u8> {
        let mut buf = MAGIC.to_vec();
        for r in records {
            frame(&mut buf, &item(r), number).unwrap();
        }
        buf
    }

    #[test]
    fn frames_read_back_what_was_written_and_stop_at_a_torn_or_corrupt_one() {
        let mut buf = segment_of(3, &[b"first", b"second"]);
        let whole = buf.len();
        frame(&mut buf, &item(b"third, cut short"), 3).unwrap();
        buf.truncate(buf.len() - 3);
        let (read, left) = frames(&buf, 3);
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].1, b"first");
        assert_eq!(read[1].1, b"second");
        assert_eq!(read[0].0, item(b"").charge);
        assert_eq!(left, buf.len() - whole);

        let mut corrupt = buf[..whole].to_vec();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 1;
        let (read, left) = frames(&corrupt, 3);
        assert_eq!(
            read.len(),
            1,
            "the frame whose checksum fails ends the segment"
        );
        assert!(left > 0);
    }

    #[test]
    fn the_end_mark_ends_a_segment_cleanly_and_older_frames_after_it_are_not_read() {
        // A spare written over: the new segment's frames and end mark, then what is left of
        // its earlier life as segment 1.
        let old = segment_of(1, &[b"old one", b"old two", b"old three"]);
        let mut reused = segment_of(4, &[b"new"]);
        reused.extend_from_slice(&END);
        let cut = reused.len();
        reused.extend_from_slice(&old[cut..]);
        let (read, left) = frames(&reused, 4);
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].1, b"new");
        assert_eq!(left, 0, "an end mark is no torn frame");

        // Without the end mark (a crash tore the write that was to put it there), the old
        // frames carry another segment's number in their checksums: none is read as this one's.
        let mut torn = segment_of(4, &[b"new"]);
        let at = torn.len();
        torn.extend_from_slice(&segment_of(1, &[b"stale frame lined up"])[MAGIC.len()..]);
        let (read, left) = frames(&torn, 4);
        assert_eq!(read.len(), 1);
        assert_eq!(left, torn.len() - at);
        assert_eq!(frames(&segment_of(1, &[b"x"]), 2).0.len(), 0);
    }

    #[test]
    fn a_segment_written_before_spares_is_still_read() {
        // No MAGIC, and checksums over the payload alone.
        let mut buf = Vec::new();
        for record in [&b"one"[..], b"two"] {
            let mut payload = postcard::to_stdvec(&Charged::from(item(b"").charge)).unwrap();
            payload.extend_from_slice(record);
            buf.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_le_bytes());
            buf.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
            buf.extend_from_slice(&payload);
        }
        let (read, left) = frames(&buf, 9);
        assert_eq!(
            read.iter().map(|f| f.1).collect::<Vec<_>>(),
            [b"one", b"two"]
        );
        assert_eq!(left, 0);
    }

    #[tokio::test]
    async fn a_segment_done_with_becomes_the_spare_and_the_next_segment_is_written_over_it() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smppd.redb");
        let db = Arc::new(Database::create(&path).unwrap());
        let txn = db.begin_write().unwrap();
        txn.open_table(DUE).unwrap();
        txn.commit().unwrap();
        let span = crate::store::GenerationSpans::default().client_refs;
        // Segments close at 2 KiB: a 1 KiB record fills one in two appends.
        let (journal, thread) = Journal::start_sized(&path, 0, db, span, 2048).unwrap();
        let record = vec![b'r'; 1024];
        let mut next_id = 0;
        let mut append = async |n: usize| {
            let items = (0..n)
                .map(|_| {
                    next_id += 1;
                    Item {
                        id: MessageId(next_id),
                        ..item(&record)
                    }
                })
                .collect();
            journal.append(items, u64::MAX).await.unwrap()
        };
        let seg = |n: u64| dir.path().join(format!("smppd.redb.journal.{n}"));
        let spare = dir.path().join("smppd.redb.journal.spare");

        // An answer comes before the segment it filled is closed; the journal thread takes
        // commands in order, so what a command did shows once the next append is answered.
        assert_eq!(append(2).await.segment, 0);
        let inode = std::fs::metadata(seg(0)).unwrap().ino();
        journal.applied(0, vec![1, 2], Vec::new()).await;
        assert_eq!(append(1).await.segment, 1, "segment 0 was full");
        assert!(!seg(0).exists());
        assert_eq!(std::fs::metadata(&spare).unwrap().ino(), inode);

        assert_eq!(append(1).await.segment, 1);
        assert_eq!(append(1).await.segment, 2, "segment 1 was full");
        assert!(!spare.exists(), "the spare was renamed");
        assert_eq!(std::fs::metadata(seg(2)).unwrap().ino(), inode);
        let bytes = std::fs::read(seg(2)).unwrap();
        assert!(bytes.len() > 2048, "the spare keeps its length");
        let (read, left) = frames(&bytes, 2);
        assert_eq!(
            read.len(),
            1,
            "only what segment 2 was given is read from it"
        );
        assert_eq!(left, 0);

        // A spare someone removed: the next segment is a new file, and accepts go on.
        journal.applied(1, vec![3, 4], Vec::new()).await;
        assert_eq!(
            append(0).await.segment,
            2,
            "nothing to write: nothing closed"
        );
        std::fs::remove_file(&spare).expect("segment 1 became the spare");
        assert_eq!(append(1).await.segment, 2);
        assert_eq!(append(1).await.segment, 3, "segment 2 was full");
        assert!(seg(3).exists());

        drop(journal);
        thread.join().unwrap();
        // Segments 2 and 3 hold messages the database never took: a crash, as far as the
        // journal knows, so nothing is removed.
        assert!(seg(2).exists() && seg(3).exists());
    }

    #[test]
    fn segments_are_listed_oldest_first_and_other_files_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("smppd.redb");
        for name in [
            "smppd.redb.journal.10",
            "smppd.redb.journal.2",
            "smppd.redb",
            "smppd.redb.journal.x",
            "other.journal.1",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let found: Vec<u64> = segments(&db).unwrap().into_iter().map(|s| s.0).collect();
        assert_eq!(found, vec![2, 10]);
    }
}
