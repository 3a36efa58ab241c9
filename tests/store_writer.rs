//! The group-commit writer: callers are answered only after their batch is committed, many
//! callers share one commit, a failure rolls back its whole batch, and what was acknowledged is
//! there after the database is closed and reopened.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use redb::{Database, ReadableDatabase, ReadableTableMetadata, TableDefinition};
use smppd::store::{CommitLimits, StoreError, Writer};

const TABLE: TableDefinition<u64, &[u8]> = TableDefinition::new("records");

fn db_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("store-writer");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// Inserts `(key, value)`; key u64::MAX stands for an operation whose apply fails.
fn insert(txn: &redb::WriteTransaction, (key, value): (u64, Vec<u8>)) -> Result<u64, StoreError> {
    if key == u64::MAX {
        return Err(StoreError::Database("refused on purpose".into()));
    }
    let mut table = txn
        .open_table(TABLE)
        .map_err(|e| StoreError::Database(e.to_string()))?;
    table
        .insert(key, value.as_slice())
        .map_err(|e| StoreError::Database(e.to_string()))?;
    Ok(key)
}

/// Holds the writer inside an operation until released, so that what is queued meanwhile
/// forms the next batch.
struct Gate(Mutex<Option<std::sync::mpsc::Receiver<()>>>);

impl Gate {
    /// The gate, and what releases it.
    fn new() -> (Arc<Gate>, std::sync::mpsc::Sender<()>) {
        let (release, rx) = std::sync::mpsc::channel();
        (Arc::new(Gate(Mutex::new(Some(rx)))), release)
    }

    /// Waits for the release, the first time only.
    fn wait_once(&self) {
        let rx = self.0.lock().unwrap().take();
        if let Some(rx) = rx {
            let _ = rx.recv();
        }
    }
}

fn count(db: &Database) -> u64 {
    let txn = db.begin_read().unwrap();
    match txn.open_table(TABLE) {
        Ok(t) => t.len().unwrap(),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_share_commits_and_survive_a_reopen() {
    let path = db_path("share");
    let db = Arc::new(Database::create(&path).unwrap());
    let (writer, thread) = Writer::spawn(db.clone(), CommitLimits::default(), insert).unwrap();
    let tasks: Vec<_> = (0..2000u64)
        .map(|k| {
            let writer = writer.clone();
            tokio::spawn(async move { writer.write((k, vec![7; 100])).await })
        })
        .collect();
    for (k, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap().unwrap(), k as u64);
    }
    let stats = writer.stats();
    assert_eq!(stats.operations(), 2000);
    assert!(
        stats.commits() < 2000,
        "{} commits for 2000 operations: no group commit",
        stats.commits()
    );
    assert_eq!(count(&db), 2000, "every acknowledged write is readable");
    drop(writer);
    thread.join().unwrap();
    drop(db);
    let reopened = Database::create(&path).unwrap();
    assert_eq!(count(&reopened), 2000, "and still there after a reopen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_rolls_back_its_whole_batch_and_the_writer_goes_on() {
    let path = db_path("rollback");
    let db = Arc::new(Database::create(&path).unwrap());
    // The first operation holds the writer until three more are queued, so that those three
    // form the next batch together.
    let (hold, release) = Gate::new();
    let (writer, _thread) = Writer::spawn(
        db.clone(),
        CommitLimits::default(),
        move |txn, op: (u64, Vec<u8>)| {
            if op.0 == 0 {
                hold.wait_once();
            }
            insert(txn, op)
        },
    )
    .unwrap();
    let first = tokio::spawn({
        let w = writer.clone();
        async move { w.write((0, b"held".to_vec())).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let batch: Vec<_> = [1u64, u64::MAX, 3]
        .into_iter()
        .map(|k| {
            let w = writer.clone();
            tokio::spawn(async move { w.write((k, b"x".to_vec())).await })
        })
        .collect();
    while writer.queued() < 3 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    release.send(()).unwrap();
    assert_eq!(first.await.unwrap().unwrap(), 0);
    for t in batch {
        let err = t.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("refused on purpose"), "{err}");
    }
    assert_eq!(count(&db), 1, "nothing of the failed batch was written");
    assert_eq!(writer.stats().failed_commits(), 1);
    // The writer carries on with the next batch.
    assert_eq!(writer.write((4, b"after".to_vec())).await.unwrap(), 4);
    assert_eq!(count(&db), 2);
}

#[tokio::test]
async fn the_writer_stops_when_its_handles_are_gone() {
    let path = db_path("stop");
    let db = Arc::new(Database::create(&path).unwrap());
    let (writer, thread) = Writer::spawn(db, CommitLimits::default(), insert).unwrap();
    writer.write((1, vec![1])).await.unwrap();
    drop(writer);
    tokio::task::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_first_goes_ahead_of_queued_writes_which_still_get_their_turn() {
    let path = db_path("lanes");
    let db = Arc::new(Database::create(&path).unwrap());
    let (hold, release) = Gate::new();
    let applied = Arc::new(Mutex::new(Vec::new()));
    let order = applied.clone();
    let limits = CommitLimits {
        max_later: 1,
        ..CommitLimits::default()
    };
    let (writer, _thread) = Writer::spawn(db.clone(), limits, move |txn, op: (u64, Vec<u8>)| {
        if op.0 == 0 {
            hold.wait_once();
        }
        order.lock().unwrap().push(op.0);
        insert(txn, op)
    })
    .unwrap();
    let held = tokio::spawn({
        let w = writer.clone();
        async move { w.write((0, b"held".to_vec())).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let mut later = Vec::new();
    for k in 1..=3u64 {
        let w = writer.clone();
        later.push(tokio::spawn(
            async move { w.write((k, b"x".to_vec())).await },
        ));
        while writer.queued() < k as usize {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    let first = tokio::spawn({
        let w = writer.clone();
        async move { w.write_first((10, b"first".to_vec())).await }
    });
    while writer.queued() < 4 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    release.send(()).unwrap();
    assert_eq!(held.await.unwrap().unwrap(), 0);
    assert_eq!(first.await.unwrap().unwrap(), 10);
    for (k, t) in later.into_iter().enumerate() {
        assert_eq!(t.await.unwrap().unwrap(), k as u64 + 1);
    }
    assert_eq!(
        *applied.lock().unwrap(),
        [0, 10, 1, 2, 3],
        "the first lane went ahead; the later lane kept its order"
    );
    // Commits: [0], then [10, 1] (max_later = 1 beside first-lane work), then [2, 3]
    // (with the first lane empty, the later lane fills a whole batch).
    assert_eq!(writer.stats().commits(), 3);
    assert_eq!(count(&db), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heavy_first_lane_work_leaves_the_later_lane_its_share() {
    let db = Arc::new(Database::create(db_path("share-later")).unwrap());
    let (hold, release) = Gate::new();
    let batches = Arc::new(Mutex::new(Vec::new()));
    let log = batches.clone();
    let limits = CommitLimits {
        max_batch: 100,
        ..CommitLimits::default()
    };
    // An operation is (key, weight); key 0 holds the writer until the rest are queued.
    let (writer, _thread) = Writer::spawn_batched(
        db,
        limits,
        |op: &(u64, usize)| op.1,
        move |txn, ops: Vec<(u64, usize)>| {
            if ops.first().is_some_and(|op| op.0 == 0) {
                hold.wait_once();
            }
            log.lock()
                .unwrap()
                .push(ops.iter().map(|op| op.0).collect::<Vec<_>>());
            ops.into_iter()
                .map(|(k, _)| insert(txn, (k, b"x".to_vec())))
                .collect()
        },
    )
    .unwrap();
    let held = tokio::spawn({
        let w = writer.clone();
        async move { w.write((0, 1)).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    // Five small later writes, then two accepts each the whole batch's weight, queued one
    // after the other so their order is known.
    let mut tasks = Vec::new();
    let ops = (1..=5u64)
        .map(|k| (k, 1, false))
        .chain([(10, 100, true), (11, 100, true)]);
    for (n, (k, weight, first)) in ops.enumerate() {
        let w = writer.clone();
        tasks.push(tokio::spawn(async move {
            if first {
                w.write_first((k, weight)).await
            } else {
                w.write((k, weight)).await
            }
        }));
        while writer.queued() <= n {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    release.send(()).unwrap();
    held.await.unwrap().unwrap();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(
        *batches.lock().unwrap(),
        [vec![0], vec![10, 1, 2, 3, 4, 5], vec![11]],
        "the later lane's five went with the first accept, not one per commit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_writer_with_a_linger_gathers_writes_into_one_commit() {
    let path = db_path("linger");
    let db = Arc::new(Database::create(&path).unwrap());
    let limits = CommitLimits {
        linger: std::time::Duration::from_secs(2),
        ..CommitLimits::default()
    };
    let (writer, _thread) = Writer::spawn(db.clone(), limits, insert).unwrap();
    let early = tokio::spawn({
        let w = writer.clone();
        async move { w.write((1, b"early".to_vec())).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        writer.stats().commits(),
        0,
        "the first write waits for company"
    );
    assert_eq!(writer.write((2, b"late".to_vec())).await.unwrap(), 2);
    assert_eq!(early.await.unwrap().unwrap(), 1);
    assert_eq!(writer.stats().commits(), 1, "both went in one commit");
    assert_eq!(count(&db), 2);
}
