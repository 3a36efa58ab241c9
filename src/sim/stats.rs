//! What the simulator saw: relaxed atomic counters updated by the connections, a serialisable
//! snapshot ([`SimStats`]), and the stats file written atomically (temporary file, then rename).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

use crate::pdu::{CommandId, CommandStatus};

/// Counts keyed by a wire code (command_status or command_id). The common codes have their own
/// atomic; the rest share a locked map, which only rare codes reach. Clients choose these codes,
/// so the map holds at most [`RARE_KEYS`] of them; further ones are counted together as `other`.
#[derive(Debug)]
pub(crate) struct Tally {
    keys: &'static [u32],
    counts: Vec<AtomicU64>,
    others: Mutex<BTreeMap<u32, u64>>,
    name: fn(u32) -> String,
}

impl Tally {
    fn new(keys: &'static [u32], name: fn(u32) -> String) -> Self {
        Tally {
            keys,
            counts: keys.iter().map(|_| AtomicU64::new(0)).collect(),
            others: Mutex::new(BTreeMap::new()),
            name,
        }
    }

    fn statuses() -> Self {
        Tally::new(COMMON_STATUSES, |raw| status_name(CommandStatus::from(raw)))
    }

    pub(crate) fn add(&self, key: u32) {
        match self.keys.iter().position(|&k| k == key) {
            Some(i) => {
                self.counts[i].fetch_add(1, Relaxed);
            }
            None => {
                let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
                let key = if others.len() >= RARE_KEYS && !others.contains_key(&key) {
                    OTHER
                } else {
                    key
                };
                *others.entry(key).or_default() += 1;
            }
        }
    }

    pub(crate) fn add_status(&self, status: CommandStatus) {
        self.add(status.raw());
    }

    fn snapshot(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (key, count) in self.keys.iter().zip(&self.counts) {
            let n = count.load(Relaxed);
            if n > 0 {
                out.insert((self.name)(*key), n);
            }
        }
        let others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        for (key, n) in others.iter() {
            let name = if *key == OTHER {
                "other".to_string()
            } else {
                (self.name)(*key)
            };
            *out.entry(name).or_default() += n;
        }
        out
    }
}

/// Distinct rare codes a [`Tally`] names one by one.
const RARE_KEYS: usize = 64;
/// Where codes beyond [`RARE_KEYS`] are counted. (A client sending this very value lands
/// there too, which only merges it with the overflow.)
const OTHER: u32 = u32::MAX;

/// A status by its specification name, or `0x…` when unknown.
pub(crate) fn status_name(status: CommandStatus) -> String {
    match status.name() {
        Some(name) => name.to_string(),
        None => format!("0x{:08X}", status.raw()),
    }
}

const COMMON_STATUSES: &[u32] = &[
    0x00, // ESME_ROK
    0x58, // ESME_RTHROTTLED
    0x45, // ESME_RSUBMITFAIL
    0x04, // ESME_RINVBNDSTS
    0x05, // ESME_RALYBND
    0x0D, // ESME_RBINDFAIL
    0x0E, // ESME_RINVPASWD
    0x0F, // ESME_RINVSYSID
    0x64, // ESME_RX_T_APPN
    0x65, // ESME_RX_P_APPN
    0x66, // ESME_RX_R_APPN
    0x08, // ESME_RSYSERR
    0x14, // ESME_RMSGQFUL
];

const COMMON_COMMANDS: &[u32] = &[
    0x0000_0004, // submit_sm
    0x0000_0015, // enquire_link
    0x8000_0005, // deliver_sm_resp
    0x0000_0002, // bind_transmitter
    0x0000_0001, // bind_receiver
    0x0000_0009, // bind_transceiver
    0x0000_0006, // unbind
    0x8000_0006, // unbind_resp
    0x0000_0103, // data_sm
    0x0000_0021, // submit_multi
    0x0000_0003, // query_sm
    0x0000_0008, // cancel_sm
    0x0000_0007, // replace_sm
    0x8000_0015, // enquire_link_resp
    0x8000_0000, // generic_nack
];

macro_rules! stats {
    (
        counters { $( $(#[$cd:meta])* $c:ident, )* }
        tallies { $( $(#[$td:meta])* $t:ident = $make:expr, )* }
    ) => {
        /// The live counters behind [`SimStats`].
        #[derive(Debug)]
        pub(crate) struct Counters {
            $( pub(crate) $c: AtomicU64, )*
            $( pub(crate) $t: Tally, )*
        }

        impl Counters {
            pub(crate) fn new() -> Self {
                Counters {
                    $( $c: AtomicU64::new(0), )*
                    $( $t: $make, )*
                }
            }

            /// A consistent-enough copy: each counter is read once, without a global lock.
            pub(crate) fn snapshot(&self) -> SimStats {
                SimStats {
                    $( $c: self.$c.load(Relaxed), )*
                    $( $t: self.$t.snapshot(), )*
                }
            }
        }

        /// A snapshot of what the simulator saw since it started. Serialises to the JSON of the
        /// stats file; maps are keyed by status or command name and omit zeros.
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct SimStats {
            $( $(#[$cd])* pub $c: u64, )*
            $( $(#[$td])* pub $t: BTreeMap<String, u64>, )*
        }
    };
}

stats! {
    counters {
        /// TCP connections accepted (TLS included).
        connections_accepted,
        /// Connections closed at once because `max_connections` were open.
        connections_refused,
        /// Connections open now.
        connections_current,
        /// TLS handshakes that failed or timed out.
        tls_handshakes_failed,
        /// Successful binds.
        binds_ok,
        /// Binds open now.
        binds_current,
        /// Most binds open at once.
        binds_peak,
        /// submit_sm received on a bind that may submit.
        submit_sm_received,
        /// submit_sm accepted (given a message id).
        submit_sm_accepted,
        /// submit_sm answered ESME_RTHROTTLED by a fault.
        submit_sm_throttled,
        /// submit_sm answered with the injected error status.
        submit_sm_errored,
        /// submit_sm never answered (`no_answer_fraction`).
        submit_sm_unanswered,
        /// Other submissions answered (data_sm, submit_multi).
        other_submissions,
        /// Receipts created for accepted submissions.
        receipts_scheduled,
        /// Receipts waiting for their delay to pass, now.
        receipts_pending,
        /// Receipts and injected messages waiting for a receiver bind (or its window), now.
        receipts_queued,
        /// Receipt deliver_sm written to a bind (resends included).
        receipts_sent,
        /// Receipts answered deliver_sm_resp ESME_ROK.
        receipts_acked,
        /// Receipts sent again after an error answer.
        receipts_retried,
        /// Receipts taken back because their bind closed or timed out before answering.
        receipts_requeued,
        /// Receipts (or injected messages) given up: queue full, attempts exhausted or a
        /// permanent error answer.
        receipts_dropped,
        /// Messages queued by `inject_deliver`.
        mo_injected,
        /// Injected deliver_sm written to a bind (resends included).
        mo_sent,
        /// Injected deliver_sm answered ESME_ROK.
        mo_acked,
        /// enquire_link received.
        enquire_link,
        /// unbind received from clients.
        unbind,
        /// PDUs whose body failed to decode (answered as `DecodeError::reply` says).
        malformed_pdus,
        /// Connections closed because command_length made the stream unreadable.
        framing_errors,
        /// Connections dropped by `drop_after`.
        drops,
        /// Connections dropped by `disconnect_all`.
        disconnects,
        /// Lines written to the submit log.
        submit_log_written,
        /// Lines not written because the submit log fell behind (or could not be written).
        submit_log_lost,
    }
    tallies {
        /// Failed binds by the status they were answered with.
        binds_failed = Tally::statuses(),
        /// submit_sm_resp sent, by status.
        submit_sm_resp = Tally::statuses(),
        /// deliver_sm_resp (or generic_nack for a deliver_sm) received, by status.
        deliver_sm_resp = Tally::statuses(),
        /// Every PDU received that decoded, by command name.
        pdus_received = Tally::new(COMMON_COMMANDS, |raw| {
            let id = CommandId::from(raw);
            id.name().map_or_else(|| format!("0x{raw:08X}"), str::to_string)
        }),
    }
}

impl Counters {
    /// Counts a new bind, unless `max` binds are open already.
    pub(crate) fn try_bind(&self, max: Option<usize>) -> bool {
        let max = max.map_or(u64::MAX, |m| m as u64);
        let ok = self
            .binds_current
            .fetch_update(Relaxed, Relaxed, |n| (n < max).then_some(n + 1));
        match ok {
            Ok(before) => {
                self.binds_peak.fetch_max(before + 1, Relaxed);
                self.binds_ok.fetch_add(1, Relaxed);
                true
            }
            Err(_) => false,
        }
    }

    pub(crate) fn unbound(&self) {
        self.binds_current.fetch_sub(1, Relaxed);
    }
}

/// Writes the snapshot as pretty JSON next to `path`, then renames it over `path`, so a reader
/// never sees half a file.
pub(crate) async fn write_file(path: &Path, stats: &SimStats) -> std::io::Result<()> {
    let mut json = serde_json::to_vec_pretty(stats).map_err(std::io::Error::other)?;
    json.push(b'\n');
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    tokio::fs::write(&tmp, &json).await?;
    tokio::fs::rename(&tmp, path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_name_common_and_rare_codes() {
        let c = Counters::new();
        c.submit_sm_resp.add_status(CommandStatus::Ok);
        c.submit_sm_resp.add_status(CommandStatus::Ok);
        c.submit_sm_resp
            .add_status(CommandStatus::InvalidSourceAddress);
        c.submit_sm_resp.add(0x400);
        let s = c.snapshot();
        assert_eq!(s.submit_sm_resp["ESME_ROK"], 2);
        assert_eq!(s.submit_sm_resp["ESME_RINVSRCADR"], 1);
        assert_eq!(s.submit_sm_resp["0x00000400"], 1);
        assert!(s.deliver_sm_resp.is_empty());
        for code in 0x1000..0x1100 {
            c.deliver_sm_resp.add(code);
        }
        let s = c.snapshot();
        assert_eq!(s.deliver_sm_resp.len(), RARE_KEYS + 1);
        assert_eq!(s.deliver_sm_resp["other"], 0x100 - RARE_KEYS as u64);
    }

    #[test]
    fn bind_cap_and_peak() {
        let c = Counters::new();
        assert!(c.try_bind(Some(2)));
        assert!(c.try_bind(Some(2)));
        assert!(!c.try_bind(Some(2)));
        c.unbound();
        let s = c.snapshot();
        assert_eq!((s.binds_current, s.binds_peak, s.binds_ok), (1, 2, 2));
    }
}
