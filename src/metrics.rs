//! Every Prometheus metric smppd exports: the one place that names them and their label keys
//! (API.md §4), so dashboards and alert rules have one list to follow. Label values come from
//! bounded sets only (carrier, bind index, account, command_status, refusal code, state),
//! never a message id or a number. Hot paths hold pre-registered handles ([`CarrierMetrics`],
//! [`AccountMetrics`], the statics behind [`api_refusal`] and friends); gauges that describe
//! state (binds, queues, quotas, webhook counters) are sampled once a second by the daemon.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Label, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;

use crate::carrier::CarrierSnapshot;
use crate::message::SegmentStatus;
use crate::pdu::CommandStatus;
use crate::session::Outcome;
use crate::webhook::WebhookStats;

/// submit_sm answers per carrier and `command_status` (segments).
pub const SUBMITS: &str = "smppd_submits_total";
/// Messages handed to a carrier (one per dispatch attempt that reached a bind).
pub const MESSAGES_SUBMITTED: &str = "smppd_messages_submitted_total";
/// One submit_sm on the wire to its submit_sm_resp, per carrier.
pub const SUBMIT_SECONDS: &str = "smppd_submit_seconds";
/// From when a message became due (accepted, or released from hold) to its first submit_sm on
/// the wire, first attempts only, per carrier.
pub const INGEST_TO_WIRE_SECONDS: &str = "smppd_ingest_to_wire_seconds";
/// From a segment's submit_sm_resp to its delivery receipt.
pub const SUBMIT_TO_RECEIPT_SECONDS: &str = "smppd_submit_to_receipt_seconds";
/// API answers by HTTP status.
pub const API_RESPONSES: &str = "smppd_api_responses_total";
/// API refusals by code (a batch's refused items each count once).
pub const API_REFUSALS: &str = "smppd_api_refusals_total";
/// Messages accepted (stored) per account.
pub const API_ACCEPTED: &str = "smppd_api_accepted_total";
/// Segments accepted per account.
pub const API_ACCEPTED_SEGMENTS: &str = "smppd_api_accepted_segments_total";
/// POST /v1/messages from request to answer.
pub const API_ACCEPT_SECONDS: &str = "smppd_api_accept_seconds";
/// Messages in the outbox waiting to be sent (due index).
pub const OUTBOX_QUEUED: &str = "smppd_outbox_queued";
/// Messages waiting for a bind in a carrier's queue.
pub const CARRIER_QUEUED: &str = "smppd_carrier_queued";
/// 1 when some bind of the carrier can submit.
pub const CARRIER_UP: &str = "smppd_carrier_up";
/// 1 for the bind's current state (one series per state).
pub const BIND_STATE: &str = "smppd_bind_state";
/// 1 while the bind is bound.
pub const BIND_UP: &str = "smppd_bind_up";
/// Submits outstanding on the bind.
pub const BIND_WINDOW_IN_USE: &str = "smppd_bind_window_in_use";
/// The bind's window size.
pub const BIND_WINDOW: &str = "smppd_bind_window";
/// submit_sm sent on the bind since start.
pub const BIND_SUBMITTED: &str = "smppd_bind_submitted_total";
/// Successful connects of the bind since start (reconnects = connects − 1).
pub const BIND_CONNECTS: &str = "smppd_bind_connects_total";
/// Throttle answers on the bind since start.
pub const BIND_THROTTLES: &str = "smppd_bind_throttles_total";
/// Final receipts stored, by segment status and what became of them.
pub const RECEIPTS: &str = "smppd_receipts_total";
/// Inbound (MO) messages and parts stored.
pub const MO: &str = "smppd_mo_total";
/// Receipts and inbound PDUs kept as unmatched (stored now).
pub const UNMATCHED: &str = "smppd_receipts_unmatched";
/// Receipts parked, waiting for their submission to be recorded.
pub const PARKED: &str = "smppd_receipts_parked";
/// Webhook events acknowledged, per account.
pub const WEBHOOK_DELIVERED: &str = "smppd_webhook_delivered_events_total";
/// Webhook POSTs that failed and will be retried, per account.
pub const WEBHOOK_RETRIES: &str = "smppd_webhook_failed_attempts_total";
/// Webhook events moved to dead letters, per account.
pub const WEBHOOK_DEAD_LETTERS: &str = "smppd_webhook_dead_letters_total";
/// Webhook events waiting to be sent, per account.
pub const WEBHOOK_BACKLOG: &str = "smppd_webhook_backlog";
/// 1 while the account's endpoint is failing and a batch is being retried.
pub const WEBHOOK_RETRYING: &str = "smppd_webhook_retrying";
/// One webhook POST, whatever its result.
pub const WEBHOOK_POST_SECONDS: &str = "smppd_webhook_post_seconds";
/// Store transactions committed.
pub const STORE_COMMITS: &str = "smppd_store_commits_total";
/// Store transactions that failed.
pub const STORE_FAILED_COMMITS: &str = "smppd_store_failed_commits_total";
/// Operations per committed transaction.
pub const STORE_BATCH_SIZE: &str = "smppd_store_commit_batch_size";
/// Applying and committing one transaction (fsync included).
pub const STORE_COMMIT_SECONDS: &str = "smppd_store_commit_seconds";
/// Writing and syncing one group of accepts to the accept journal.
pub const JOURNAL_SYNC_SECONDS: &str = "smppd_journal_sync_seconds";
/// Accepted messages in the journal that the store has not committed yet.
pub const JOURNAL_PENDING: &str = "smppd_journal_pending";
/// Segments counted against today's quota, per account with a quota.
pub const QUOTA_USED: &str = "smppd_account_quota_used";
/// The daily quota, per account with a quota.
pub const QUOTA_LIMIT: &str = "smppd_account_quota_limit";
/// Segments of credit left, per account with credit.
pub const CREDIT_LEFT: &str = "smppd_account_credit_left";
/// The configured credit balance, per account with credit.
pub const CREDIT_BASE: &str = "smppd_account_credit_base";

/// Label: carrier name.
pub const CARRIER: &str = "carrier";
/// Label: bind index within its carrier.
pub const BIND: &str = "bind";
/// Label: account id.
pub const ACCOUNT: &str = "account";
/// Label: SMPP command_status name (or `no_answer`, `not_sent`).
pub const COMMAND_STATUS: &str = "command_status";
/// Label: refusal code, or HTTP status.
pub const CODE: &str = "code";
/// Label: bind state, or receipt segment status.
pub const STATE: &str = "state";
/// Label: what became of a receipt (`matched`, `parked`, `unmatched`, `repeated`).
pub const OUTCOME: &str = "outcome";

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    // Receipts come minutes or hours after their submit.
    60.0, 300.0, 1800.0, 3600.0, 21600.0, 86400.0,
];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 4096.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder as the process's recorder (once; later calls return the
/// same handle). Handles registered before this are no-ops, so the daemon calls it first.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        // Every gauge is set each second by the sampler: one not set for a while belongs to a
        // carrier, bind or account a reload removed, and must not stay frozen (a carrier
        // removed must not look down forever).
        let builder = PrometheusBuilder::new()
            .idle_timeout(MetricKindMask::GAUGE, Some(Duration::from_secs(30)))
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(STORE_BATCH_SIZE.into()), BATCH_BUCKETS)
            })
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder already installed (a library user's) keeps its place; ours then
        // renders nothing, which is better than failing to start.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The exposition text for GET /metrics.
pub fn render() -> String {
    install().render()
}

/// Housekeeping the exporter needs now and then (histogram buckets drained).
pub fn upkeep() {
    install().run_upkeep();
}

fn status_name(s: CommandStatus) -> &'static str {
    s.name().unwrap_or("other")
}

/// One carrier's latencies measured at its binds, registered when the carrier starts.
#[derive(Debug, Clone)]
pub struct WireMetrics {
    submit: Histogram,
    ingest: Histogram,
}

impl WireMetrics {
    /// Handles for `carrier`.
    pub fn new(carrier: &str) -> WireMetrics {
        install();
        WireMetrics {
            submit: histogram!(SUBMIT_SECONDS, CARRIER => carrier.to_owned()),
            ingest: histogram!(INGEST_TO_WIRE_SECONDS, CARRIER => carrier.to_owned()),
        }
    }

    /// A submit_sm answered `took` after it was written.
    pub fn answered(&self, took: Duration) {
        self.submit.record(took.as_secs_f64());
    }

    /// A message's first submit_sm written `waited_ms` after it became due.
    pub fn on_wire(&self, waited_ms: u64) {
        self.ingest.record(waited_ms as f64 / 1000.0);
    }
}

/// A receipt matched its segment `ms` after the segment's submit_sm_resp.
pub fn receipt_latency(ms: u64) {
    static LATENCY: OnceLock<Histogram> = OnceLock::new();
    LATENCY
        .get_or_init(|| {
            install();
            histogram!(SUBMIT_TO_RECEIPT_SECONDS)
        })
        .record(ms as f64 / 1000.0);
}

/// One carrier's submit counters, registered when the dispatcher learns the carrier.
#[derive(Debug, Clone)]
pub struct CarrierMetrics {
    carrier: String,
    accepted: Counter,
    messages: Counter,
}

impl CarrierMetrics {
    /// Handles for `carrier`.
    pub fn new(carrier: &str) -> CarrierMetrics {
        install();
        CarrierMetrics {
            carrier: carrier.to_owned(),
            accepted: counter!(SUBMITS, CARRIER => carrier.to_owned(), COMMAND_STATUS => "ESME_ROK"),
            messages: counter!(MESSAGES_SUBMITTED, CARRIER => carrier.to_owned()),
        }
    }

    /// A message's parts answered with `outcomes`.
    pub fn submitted(&self, outcomes: &[Outcome]) {
        self.messages.increment(1);
        for o in outcomes {
            let status = match o {
                Outcome::Accepted { .. } => {
                    self.accepted.increment(1);
                    continue;
                }
                Outcome::Rejected(s) | Outcome::Throttled(s) => status_name(*s),
                Outcome::Unknown => "no_answer",
                Outcome::NotSent => "not_sent",
            };
            // Refusals are the rare path: a registry lookup is fine there.
            counter!(SUBMITS, CARRIER => self.carrier.clone(), COMMAND_STATUS => status)
                .increment(1);
        }
    }
}

/// One account's accept counters.
#[derive(Debug, Clone)]
pub struct AccountMetrics {
    accepted: Counter,
    segments: Counter,
}

impl AccountMetrics {
    /// Handles for `account`.
    pub fn new(account: &str) -> AccountMetrics {
        install();
        AccountMetrics {
            accepted: counter!(API_ACCEPTED, ACCOUNT => account.to_owned()),
            segments: counter!(API_ACCEPTED_SEGMENTS, ACCOUNT => account.to_owned()),
        }
    }

    /// One message of `segments` stored.
    pub fn accepted(&self, segments: u64) {
        self.accepted.increment(1);
        self.segments.increment(segments);
    }
}

/// The accept counters of `account` (configured accounts only: a bounded set), registered on
/// first use and kept.
pub fn account(account: &str) -> AccountMetrics {
    static ACCOUNTS: OnceLock<dashmap::DashMap<String, AccountMetrics>> = OnceLock::new();
    let map = ACCOUNTS.get_or_init(dashmap::DashMap::new);
    if let Some(m) = map.get(account) {
        return m.clone();
    }
    map.entry(account.to_owned())
        .or_insert_with(|| AccountMetrics::new(account))
        .clone()
}

struct Fixed {
    accept_latency: Histogram,
    ok: Counter,
    accepted: Counter,
    multi: Counter,
    commits: Counter,
    failed_commits: Counter,
    batch: Histogram,
    commit_latency: Histogram,
    journal_sync: Histogram,
    journal_pending: Gauge,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        install();
        Fixed {
            accept_latency: histogram!(API_ACCEPT_SECONDS),
            ok: counter!(API_RESPONSES, CODE => "200"),
            accepted: counter!(API_RESPONSES, CODE => "202"),
            multi: counter!(API_RESPONSES, CODE => "207"),
            commits: counter!(STORE_COMMITS),
            failed_commits: counter!(STORE_FAILED_COMMITS),
            batch: histogram!(STORE_BATCH_SIZE),
            commit_latency: histogram!(STORE_COMMIT_SECONDS),
            journal_sync: histogram!(JOURNAL_SYNC_SECONDS),
            journal_pending: gauge!(JOURNAL_PENDING),
        }
    })
}

/// A request refused with HTTP `status` and `code`.
pub fn api_refusal(status: u16, code: &'static str) {
    counter!(API_REFUSALS, CODE => code).increment(1);
    api_response(status);
}

/// A refused item of a batch.
pub fn api_refused_item(code: &'static str) {
    counter!(API_REFUSALS, CODE => code).increment(1);
}

/// An API answer with HTTP `status`.
pub fn api_response(status: u16) {
    let f = fixed();
    match status {
        200 => f.ok.increment(1),
        202 => f.accepted.increment(1),
        207 => f.multi.increment(1),
        // Other statuses come from a small fixed set of refusal and error answers.
        other => counter!(API_RESPONSES, CODE => other.to_string()).increment(1),
    }
}

/// POST /v1/messages took `took`.
pub fn api_accept_latency(took: Duration) {
    fixed().accept_latency.record(took.as_secs_f64());
}

/// A store transaction of `operations` committed (`ok`) or failed after `took`.
pub fn store_commit(operations: u64, ok: bool, took: Duration) {
    let f = fixed();
    if ok {
        f.commits.increment(1);
        f.batch.record(operations as f64);
    } else {
        f.failed_commits.increment(1);
    }
    f.commit_latency.record(took.as_secs_f64());
}

/// A group of accepts written and synced to the journal in `took`; `pending` messages are
/// journaled and not yet committed by the store.
pub fn journal_sync(took: Duration, pending: usize) {
    let f = fixed();
    f.journal_sync.record(took.as_secs_f64());
    f.journal_pending.set(pending as f64);
}

/// `pending` journaled messages are not yet committed by the store.
pub fn journal_pending(pending: usize) {
    fixed().journal_pending.set(pending as f64);
}

/// A final receipt with segment status `status` stored as `outcome`.
pub fn receipt(status: SegmentStatus, outcome: &'static str) {
    const STATES: [&str; 4] = ["delivered", "expired", "undeliverable", "other"];
    const OUTCOMES: [&str; 4] = ["matched", "unmatched", "parked", "repeated"];
    // One handle per pair, registered on its first receipt (so no pair shows before it
    // happens): a labelled `counter!` looks its key up in the registry on every call, which
    // was ~2 % of the tokio workers at 10 k receipts/s.
    static HANDLES: [[OnceLock<Counter>; 4]; 4] = [const { [const { OnceLock::new() }; 4] }; 4];
    let state = match status {
        SegmentStatus::Delivered => 0,
        SegmentStatus::Expired => 1,
        SegmentStatus::Undeliverable => 2,
        _ => 3,
    };
    let Some(o) = OUTCOMES.iter().position(|o| *o == outcome) else {
        counter!(RECEIPTS, STATE => STATES[state], OUTCOME => outcome).increment(1);
        return;
    };
    HANDLES[state][o]
        .get_or_init(|| {
            install();
            counter!(RECEIPTS, STATE => STATES[state], OUTCOME => OUTCOMES[o])
        })
        .increment(1);
}

/// An inbound message or part stored.
pub fn mo() {
    counter!(MO).increment(1);
}

/// The webhook POST latency handle for `account`.
pub fn webhook_post(account: &str) -> Histogram {
    install();
    histogram!(WEBHOOK_POST_SECONDS, ACCOUNT => account.to_owned())
}

const BIND_STATES: &[&str] = &[
    "backoff",
    "connecting",
    "binding",
    "bound",
    "throttled",
    "unbinding",
    "stopped",
];

/// The last value seen of each sampled count. A carrier or webhook sender restarted by a
/// reload counts from zero again; exporting increments (not `absolute`, which keeps the
/// maximum) keeps the exported counter moving instead of stalling until the old value.
#[derive(Debug, Default)]
pub struct Sampled {
    last: HashMap<(&'static str, String, usize), u64>,
}

impl Sampled {
    fn add(&mut self, counter: Counter, key: (&'static str, String, usize), now: u64) {
        let before = self.last.insert(key, now).unwrap_or(0);
        counter.increment(if now >= before { now - before } else { now });
    }
}

/// Sets the carrier and bind gauges from snapshots.
pub fn sample_carriers(sampled: &mut Sampled, snapshots: &[CarrierSnapshot]) {
    for c in snapshots {
        let carrier = c.name.clone();
        gauge!(CARRIER_QUEUED, CARRIER => carrier.clone()).set(c.queued as f64);
        let up = c
            .binds
            .iter()
            .any(|b| b.state == crate::carrier::BindState::Bound);
        gauge!(CARRIER_UP, CARRIER => carrier.clone()).set(f64::from(u8::from(up)));
        for b in &c.binds {
            let labels = [
                Label::new(CARRIER, carrier.clone()),
                Label::new(BIND, b.id.to_string()),
            ];
            let state = serde_json::to_value(b.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            for s in BIND_STATES {
                let mut l = labels.to_vec();
                l.push(Label::new(STATE, *s));
                gauge!(BIND_STATE, l).set(f64::from(u8::from(state == *s)));
            }
            let bound = b.state == crate::carrier::BindState::Bound;
            gauge!(BIND_UP, labels.to_vec()).set(f64::from(u8::from(bound)));
            gauge!(BIND_WINDOW_IN_USE, labels.to_vec()).set(b.in_flight as f64);
            gauge!(BIND_WINDOW, labels.to_vec()).set(b.window as f64);
            for (name, now) in [
                (BIND_SUBMITTED, b.submitted),
                (BIND_CONNECTS, b.connects),
                (BIND_THROTTLES, b.throttles),
            ] {
                let key = (name, carrier.clone(), b.id);
                sampled.add(counter!(name, labels.to_vec()), key, now);
            }
        }
    }
}

/// Sets the outbox and receipt gauges.
pub fn sample_store(queued: u64, parked: u64, unmatched: u64) {
    gauge!(OUTBOX_QUEUED).set(queued as f64);
    gauge!(PARKED).set(parked as f64);
    gauge!(UNMATCHED).set(unmatched as f64);
}

/// Sets one account's webhook counters and backlog.
pub fn sample_webhook(sampled: &mut Sampled, stats: &WebhookStats, backlog: u64) {
    let account = stats.account.clone();
    for (name, now) in [
        (WEBHOOK_DELIVERED, stats.delivered_events),
        (WEBHOOK_RETRIES, stats.failed_attempts),
        (WEBHOOK_DEAD_LETTERS, stats.dead_lettered_events),
    ] {
        let key = (name, account.clone(), 0);
        sampled.add(counter!(name, ACCOUNT => account.clone()), key, now);
    }
    gauge!(WEBHOOK_BACKLOG, ACCOUNT => account.clone()).set(backlog as f64);
    gauge!(WEBHOOK_RETRYING, ACCOUNT => account)
        .set(f64::from(u8::from(stats.retrying_since.is_some())));
}

/// Sets one account's quota (used, limit) and credit (left, base), where it has them.
pub fn sample_account(account: &str, quota: Option<(u64, u64)>, credit: Option<(u64, u64)>) {
    if let Some((used, limit)) = quota {
        gauge!(QUOTA_USED, ACCOUNT => account.to_owned()).set(used as f64);
        gauge!(QUOTA_LIMIT, ACCOUNT => account.to_owned()).set(limit as f64);
    }
    if let Some((left, base)) = credit {
        gauge!(CREDIT_LEFT, ACCOUNT => account.to_owned()).set(left as f64);
        gauge!(CREDIT_BASE, ACCOUNT => account.to_owned()).set(base as f64);
    }
}
