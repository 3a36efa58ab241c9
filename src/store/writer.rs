//! The group-commit writer: one thread owns the write side of the database, takes every queued
//! operation (up to a batch limit), applies them in one write transaction, commits it (one fsync
//! for the whole batch) and then answers every caller. The disk does a few thousand fsyncs per
//! second; batching turns that into hundreds of thousands of durable operations per second with
//! no added wait at low load: whatever arrives while one commit is in progress forms the next
//! batch.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redb::{Database, Durability, WriteTransaction};
use tokio::sync::{mpsc, oneshot};

/// A commit slower than this is logged, with how long applying and committing it took.
const SLOW_COMMIT: Duration = Duration::from_millis(50);

/// At most one slow-commit warning this often; it counts the slow commits since the last.
const SLOW_COMMIT_LOG_EVERY: Duration = Duration::from_secs(10);

/// Why a write did not happen. The operation was not applied (its whole batch was rolled back).
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed (disk full, I/O error, corruption); the message says how.
    #[error("store: {0}")]
    Database(String),
    /// The writer has stopped (shutdown, or it failed earlier).
    #[error("store writer has stopped")]
    Closed,
}

impl StoreError {
    pub(crate) fn db(e: impl std::fmt::Display) -> StoreError {
        StoreError::Database(e.to_string())
    }
}

/// Bounds on one commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitLimits {
    /// Most work in one transaction, in units of the writer's weight (operations, unless the
    /// writer weighs them: an accept counts its messages): keeps a commit's latency bounded
    /// under load.
    pub max_batch: usize,
    /// Operations waiting for the writer; callers wait for room beyond it (backpressure).
    pub queue: usize,
    /// Most operations queued with [`Writer::write`] in one transaction when some were queued
    /// with [`Writer::write_first`]: keeps the commit those wait for short.
    pub max_later: usize,
    /// How long an idle writer gathers operations before it commits the first one (`0`:
    /// commit at once; whatever arrives during a commit forms the next batch anyway). Worth
    /// setting only where an fsync is slow enough that fewer of them matter more than latency.
    pub linger: Duration,
}

impl Default for CommitLimits {
    fn default() -> Self {
        CommitLimits {
            max_batch: 4096,
            queue: 65_536,
            max_later: 256,
            linger: Duration::ZERO,
        }
    }
}

/// Counters of the writer's work, for metrics and benchmarks.
#[derive(Debug, Default)]
pub struct CommitStats {
    commits: AtomicU64,
    operations: AtomicU64,
    failed_commits: AtomicU64,
    commit_nanos: AtomicU64,
    /// Requests the writer has taken off its channel and not yet applied.
    buffered: AtomicU64,
}

impl CommitStats {
    /// Transactions committed.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Operations applied in committed transactions.
    pub fn operations(&self) -> u64 {
        self.operations.load(Ordering::Relaxed)
    }

    /// Transactions that failed (their callers got [`StoreError`]).
    pub fn failed_commits(&self) -> u64 {
        self.failed_commits.load(Ordering::Relaxed)
    }

    /// Total time spent applying and committing.
    pub fn commit_time(&self) -> Duration {
        Duration::from_nanos(self.commit_nanos.load(Ordering::Relaxed))
    }
}

struct Request<Op, Reply> {
    op: Op,
    first: bool,
    reply: oneshot::Sender<Result<Reply, StoreError>>,
}

/// The handle callers use to queue operations.
pub struct Writer<Op, Reply> {
    tx: mpsc::Sender<Request<Op, Reply>>,
    stats: Arc<CommitStats>,
}

impl<Op, Reply> Clone for Writer<Op, Reply> {
    fn clone(&self) -> Self {
        Writer {
            tx: self.tx.clone(),
            stats: self.stats.clone(),
        }
    }
}

impl<Op, Reply> std::fmt::Debug for Writer<Op, Reply> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("commits", &self.stats.commits())
            .finish()
    }
}

impl<Op: Send + 'static, Reply: Send + 'static> Writer<Op, Reply> {
    /// Starts the writer thread. `apply` runs inside the batch's write transaction for each
    /// operation; an error from it (a database error) rolls the whole batch back and every
    /// caller in it gets [`StoreError`]. Domain outcomes (a duplicate, say) belong in `Reply`.
    /// The thread ends when every handle is dropped, after finishing what was queued.
    pub fn spawn<F>(
        db: Arc<Database>,
        limits: CommitLimits,
        mut apply: F,
    ) -> std::io::Result<(Writer<Op, Reply>, std::thread::JoinHandle<()>)>
    where
        F: FnMut(&WriteTransaction, Op) -> Result<Reply, StoreError> + Send + 'static,
    {
        Self::spawn_batched(
            db,
            limits,
            |_| 1,
            move |txn, ops: Vec<Op>| ops.into_iter().map(|op| apply(txn, op)).collect(),
        )
    }

    /// As [`spawn`](Writer::spawn), with `apply` given the whole batch, in queue order, so it
    /// can set up once what every operation needs (open tables, say). It answers one reply per
    /// operation, in the same order. `weigh` says what an operation counts against
    /// [`CommitLimits::max_batch`].
    pub fn spawn_batched<F>(
        db: Arc<Database>,
        limits: CommitLimits,
        weigh: fn(&Op) -> usize,
        mut apply: F,
    ) -> std::io::Result<(Writer<Op, Reply>, std::thread::JoinHandle<()>)>
    where
        F: FnMut(&WriteTransaction, Vec<Op>) -> Result<Vec<Reply>, StoreError> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::channel::<Request<Op, Reply>>(limits.queue.max(1));
        let stats = Arc::new(CommitStats::default());
        let counters = stats.clone();
        let max_batch = limits.max_batch.max(1);
        let mut lanes = Lanes {
            first: VecDeque::new(),
            later: VecDeque::new(),
            hold: limits.queue.max(max_batch),
            max_batch,
            max_later: limits.max_later.clamp(1, max_batch),
            weigh,
            linger: limits.linger,
            weight: 0,
        };
        let handle = std::thread::Builder::new()
            .name("smppd-store-writer".into())
            .spawn(move || {
                let mut batch = Vec::with_capacity(max_batch);
                let mut slow = SlowCommits::default();
                while lanes.fill(&mut rx, &counters) {
                    lanes.take(&mut batch);
                    counters
                        .buffered
                        .store(lanes.len() as u64, Ordering::Relaxed);
                    commit_batch(&db, &mut batch, &mut apply, &counters, &mut slow);
                }
            })?;
        Ok((Writer { tx, stats }, handle))
    }

    /// Queues `op` and waits until it is committed to disk.
    pub async fn write(&self, op: Op) -> Result<Reply, StoreError> {
        self.queue(op, false).await
    }

    /// As [`write`](Writer::write), ahead of what `write` queued: for operations someone at
    /// the edge is waiting on (a client's submission, an SMSC's window), so that a backlog of
    /// internal bookkeeping does not stand between them and their commit.
    pub async fn write_first(&self, op: Op) -> Result<Reply, StoreError> {
        self.queue(op, true).await
    }

    async fn queue(&self, op: Op, first: bool) -> Result<Reply, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Request { op, first, reply })
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// The writer's counters.
    pub fn stats(&self) -> &CommitStats {
        &self.stats
    }

    /// Operations waiting for the writer.
    pub fn queued(&self) -> usize {
        let buffered = usize::try_from(self.stats.buffered.load(Ordering::Relaxed));
        (self.tx.max_capacity() - self.tx.capacity()).saturating_add(buffered.unwrap_or(usize::MAX))
    }
}

#[derive(Clone, Copy)]
enum Lane {
    First,
    Later,
}

/// The writer's own queue: requests taken off the channel, in two lanes.
struct Lanes<Op, Reply> {
    first: VecDeque<Request<Op, Reply>>,
    later: VecDeque<Request<Op, Reply>>,
    /// Most requests held here; beyond it they wait in the channel, and callers for room.
    hold: usize,
    max_batch: usize,
    max_later: usize,
    weigh: fn(&Op) -> usize,
    linger: Duration,
    /// The weight of what the lanes hold.
    weight: usize,
}

impl<Op, Reply> Lanes<Op, Reply> {
    fn len(&self) -> usize {
        self.first.len() + self.later.len()
    }

    fn push(&mut self, r: Request<Op, Reply>) {
        self.weight = self.weight.saturating_add((self.weigh)(&r.op));
        if r.first {
            self.first.push_back(r);
        } else {
            self.later.push_back(r);
        }
    }

    /// Takes what the channel holds; waits when there is nothing to do. False once every
    /// handle is gone and nothing is left.
    fn fill(&mut self, rx: &mut mpsc::Receiver<Request<Op, Reply>>, stats: &CommitStats) -> bool {
        if self.len() == 0 {
            match rx.blocking_recv() {
                Some(r) => self.push(r),
                None => return false,
            }
            if !self.linger.is_zero() {
                self.gather(rx);
            }
        }
        while self.len() < self.hold {
            match rx.try_recv() {
                Ok(r) => self.push(r),
                Err(_) => break,
            }
        }
        stats.buffered.store(self.len() as u64, Ordering::Relaxed);
        true
    }

    /// Waits up to the linger time for more operations, or until a whole batch is here.
    fn gather(&mut self, rx: &mut mpsc::Receiver<Request<Op, Reply>>) {
        // Outside any runtime this is the real clock.
        let until = tokio::time::Instant::now() + self.linger;
        while self.len() < self.hold && self.weight < self.max_batch {
            match rx.try_recv() {
                Ok(r) => self.push(r),
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => {
                    let now = tokio::time::Instant::now();
                    if now >= until {
                        break;
                    }
                    std::thread::sleep((until - now).min(Duration::from_micros(200)));
                }
            }
        }
    }

    /// The next batch: the first lane, then the later lane, up to `max_batch` of weight (and
    /// at least one operation). While the first lane has work the later one gets at most
    /// `max_later` places, and always one, so it never starves. Its share (up to a quarter of
    /// the weight) is set aside before the first lane fills the batch, so a stream of large
    /// accepts cannot shrink it to that one.
    fn take(&mut self, batch: &mut Vec<Request<Op, Reply>>) {
        let mut weight = 0;
        if self.first.is_empty() {
            self.take_from(Lane::Later, usize::MAX, self.max_batch, &mut weight, batch);
            return;
        }
        let mut later = Vec::new();
        self.take_from(
            Lane::Later,
            self.max_later,
            self.max_batch / 4,
            &mut weight,
            &mut later,
        );
        self.take_from(Lane::First, usize::MAX, self.max_batch, &mut weight, batch);
        // Room the first lane left over goes to more of the later lane, up to its places.
        let places = self.max_later.saturating_sub(later.len());
        self.take_from(Lane::Later, places, self.max_batch, &mut weight, &mut later);
        batch.append(&mut later);
    }

    /// Moves operations from the front of `lane` into `batch`: at most `most` of them, and
    /// while `weight` stays within `limit` (into an empty `batch` the first always goes).
    fn take_from(
        &mut self,
        lane: Lane,
        most: usize,
        limit: usize,
        weight: &mut usize,
        batch: &mut Vec<Request<Op, Reply>>,
    ) {
        let queue = match lane {
            Lane::First => &mut self.first,
            Lane::Later => &mut self.later,
        };
        let mut taken = 0;
        while taken < most
            && let Some(r) = queue.front()
        {
            let w = (self.weigh)(&r.op);
            if !batch.is_empty() && weight.saturating_add(w) > limit {
                break;
            }
            *weight = weight.saturating_add(w);
            self.weight = self.weight.saturating_sub(w);
            taken += 1;
            batch.extend(queue.pop_front());
        }
    }
}

/// The slow-commit warning, at most once per [`SLOW_COMMIT_LOG_EVERY`]: a disk that is slow all
/// the time would otherwise log every commit.
#[derive(Debug, Default)]
struct SlowCommits {
    last_logged: Option<tokio::time::Instant>,
    /// Slow commits since the last warning, not logged one by one.
    since: u64,
}

impl SlowCommits {
    fn note(&mut self, operations: u64, applied: Duration, took: Duration) {
        self.since += 1;
        // Outside any runtime this is the real clock.
        let now = tokio::time::Instant::now();
        if self
            .last_logged
            .is_some_and(|at| now.duration_since(at) < SLOW_COMMIT_LOG_EVERY)
        {
            return;
        }
        // Nearly always the disk: on a virtual disk an fdatasync now and then takes 50-400 ms,
        // and every caller in the batch (and the next) waits for it. `apply_ms` (opening the
        // transaction and applying its operations) is the daemon's own part.
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        tracing::warn!(
            operations,
            apply_ms = ms(applied),
            write_and_sync_ms = ms(took.saturating_sub(applied)),
            slow_commits = self.since,
            "slow store commit"
        );
        self.last_logged = Some(now);
        self.since = 0;
    }
}

fn commit_batch<Op, Reply, F>(
    db: &Database,
    batch: &mut Vec<Request<Op, Reply>>,
    apply: &mut F,
    stats: &CommitStats,
    slow: &mut SlowCommits,
) where
    F: FnMut(&WriteTransaction, Vec<Op>) -> Result<Vec<Reply>, StoreError>,
{
    // Outside any runtime this is the real clock, which is what a commit latency is.
    let started = tokio::time::Instant::now();
    let n = batch.len() as u64;
    let (ops, waiting): (Vec<Op>, Vec<_>) = batch.drain(..).map(|r| (r.op, r.reply)).unzip();
    let mut applied = Duration::ZERO;
    let result: Result<Vec<Reply>, StoreError> = (|| {
        let mut txn = db.begin_write().map_err(StoreError::db)?;
        txn.set_durability(Durability::Immediate)
            .map_err(StoreError::db)?;
        let replies = apply(&txn, ops)?;
        applied = started.elapsed();
        if replies.len() != waiting.len() {
            // Committing would leave some caller unanswered about a write that happened.
            return Err(StoreError::Database(format!(
                "{} replies for {} operations",
                replies.len(),
                waiting.len()
            )));
        }
        txn.commit().map_err(StoreError::db)?;
        Ok(replies)
    })();
    let ok = result.is_ok();
    match result {
        Ok(replies) => {
            stats.commits.fetch_add(1, Ordering::Relaxed);
            stats.operations.fetch_add(n, Ordering::Relaxed);
            for (reply, value) in waiting.into_iter().zip(replies) {
                let _ = reply.send(Ok(value));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, operations = n, "store commit failed");
            stats.failed_commits.fetch_add(1, Ordering::Relaxed);
            for reply in waiting {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
    let took = started.elapsed();
    if ok && took > SLOW_COMMIT {
        slow.note(n, applied, took);
    }
    crate::metrics::store_commit(n, ok, took);
    let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
    stats.commit_nanos.fetch_add(nanos, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slow_commits_are_logged_at_most_once_per_period_and_counted_between() {
        let mut slow = SlowCommits::default();
        let (applied, took) = (Duration::from_millis(1), Duration::from_millis(80));
        slow.note(10, applied, took);
        let first = slow.last_logged.expect("the first is logged");
        assert_eq!(slow.since, 0);
        slow.note(10, applied, took);
        slow.note(10, applied, took);
        assert_eq!(slow.since, 2, "counted, not logged");
        assert_eq!(slow.last_logged, Some(first));
        tokio::time::advance(SLOW_COMMIT_LOG_EVERY).await;
        slow.note(10, applied, took);
        assert_eq!(slow.since, 0, "logged with the count, which starts again");
        assert!(slow.last_logged.is_some_and(|at| at > first));
    }
}
