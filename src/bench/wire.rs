//! The wire side, from `smppd sim --stats-file`: the simulator's own counts of submit_sm and
//! receipts, added up over every file given (a restarted simulator starts counting afresh in
//! a new file).

use std::path::PathBuf;

use serde_json::{Value, json};

/// The counters the report uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Wire {
    /// submit_sm received (a resend counts again).
    pub(crate) submit_sm_received: u64,
    /// submit_sm accepted with a message id.
    pub(crate) submit_sm_accepted: u64,
    /// Receipts the simulator created.
    pub(crate) receipts_scheduled: u64,
    /// Receipts answered deliver_sm_resp ESME_ROK by smppd.
    pub(crate) receipts_acked: u64,
    /// Receipts the simulator gave up.
    pub(crate) receipts_dropped: u64,
}

/// Reads and adds up the files; a missing or unreadable file counts as zeros.
pub(crate) fn read(files: &[PathBuf]) -> Wire {
    let mut w = Wire::default();
    for file in files {
        let Some(v) = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        else {
            continue;
        };
        let n = |k: &str| v[k].as_u64().unwrap_or(0);
        w.submit_sm_received += n("submit_sm_received");
        w.submit_sm_accepted += n("submit_sm_accepted");
        w.receipts_scheduled += n("receipts_scheduled");
        w.receipts_acked += n("receipts_acked");
        w.receipts_dropped += n("receipts_dropped");
    }
    w
}

impl Wire {
    /// The counters as JSON.
    pub(crate) fn json(&self) -> Value {
        json!({
            "submit_sm_received": self.submit_sm_received,
            "submit_sm_accepted": self.submit_sm_accepted,
            "receipts_scheduled": self.receipts_scheduled,
            "receipts_acked": self.receipts_acked,
            "receipts_dropped": self.receipts_dropped,
        })
    }
}
