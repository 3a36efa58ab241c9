//! The submit log: every received submit_sm as one JSON line, written by its own task through a
//! bounded channel so a slow disk never stalls a bind.
//!
//! When the channel is full (the writer fell behind), a line is dropped and counted in
//! `submit_log_lost`; lines that cannot be written (disk error) are counted there too.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use super::clock;
use super::stats::Counters;
use crate::pdu::{CommandStatus, Pdu};

/// The connections' side of the log.
#[derive(Debug, Clone)]
pub(crate) struct SubmitLog {
    tx: mpsc::Sender<String>,
    stats: Arc<Counters>,
}

impl SubmitLog {
    /// Opens (appends to) `path` and starts the writer task, which ends when every [`SubmitLog`]
    /// clone is dropped, after writing and flushing what it holds.
    pub(crate) async fn open(
        path: PathBuf,
        capacity: usize,
        stats: Arc<Counters>,
    ) -> std::io::Result<(SubmitLog, tokio::task::JoinHandle<()>)> {
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await
            .map_err(|e| {
                std::io::Error::new(e.kind(), format!("submit log {}: {e}", path.display()))
            })?;
        let (tx, rx) = mpsc::channel(capacity);
        let writer = tokio::spawn(write_lines(file, rx, stats.clone()));
        Ok((SubmitLog { tx, stats }, writer))
    }

    /// Queues one line for a received submit_sm: its JSON, the answer given and, when accepted,
    /// the message id. `answer` is `None` when the submission is left unanswered.
    pub(crate) fn record(
        &self,
        pdu: &Pdu<'_>,
        message_id: Option<&[u8]>,
        answer: Option<CommandStatus>,
    ) {
        let line = serde_json::json!({
            "timestamp": clock::rfc3339_millis(SystemTime::now()),
            "message_id": message_id.map(String::from_utf8_lossy),
            "answer": answer.map(super::stats::status_name),
            "pdu": pdu.to_json(),
        });
        let mut text = line.to_string();
        text.push('\n');
        if self.tx.try_send(text).is_err() {
            self.stats.submit_log_lost.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn write_lines(file: tokio::fs::File, mut rx: mpsc::Receiver<String>, stats: Arc<Counters>) {
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut batch = Vec::with_capacity(1024);
    let mut failed = false;
    while rx.recv_many(&mut batch, 1024).await > 0 {
        let n = batch.len() as u64;
        let mut ok = !failed;
        for line in batch.drain(..) {
            if ok && out.write_all(line.as_bytes()).await.is_err() {
                ok = false;
            }
        }
        if ok && out.flush().await.is_err() {
            ok = false;
        }
        if ok {
            stats.submit_log_written.fetch_add(n, Ordering::Relaxed);
        } else {
            if !failed {
                tracing::warn!(target: "smppd::sim", "submit log write failed; further lines are counted as lost");
            }
            failed = true;
            stats.submit_log_lost.fetch_add(n, Ordering::Relaxed);
        }
    }
    let _ = out.flush().await;
}
