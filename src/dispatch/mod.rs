//! Dispatch: takes due messages from the outbox (OTP lane first), sends each one's pending
//! segments to the first carrier of its route that has a bind up (failing over down the route),
//! records every outcome durably, and schedules retries with backoff. A message whose route has
//! no bind up waits on disk without using an attempt. Memory stays bounded: the outbox is read a
//! page at a time and at most `concurrency` messages are in flight, however many are queued.
//! (Known limit: the due index is one queue, so a full page of messages for down carriers delays
//! the messages behind it by a tick; per-carrier queues would remove that.)

mod encode;
mod outcome;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

pub use encode::{EncodeError, encode, relative_validity};
pub use outcome::{MAX_ATTEMPTS, Next, is_temporary, record, settle};

use crate::carrier::Carrier;
use crate::config::{CarrierSettings, MessageIdFormat, OnTimeout};
use crate::message::{Message, MessageId, SegmentStatus};
use crate::store::{DueCursor, DueMessage, MessageStore, Since};
use crate::text::{ReferenceAllocator, TextError, TextProfile};

/// Messages read from the outbox per round.
const PAGE: usize = 512;

/// How often the outbox is looked at when nobody says something new arrived (held messages
/// and retries come due by time).
const TICK: Duration = Duration::from_millis(100);

struct Route {
    carrier: Arc<Carrier>,
    text: TextProfile,
    on_timeout: OnTimeout,
    id_format: MessageIdFormat,
    metrics: crate::metrics::CarrierMetrics,
}

/// The keys receipts for the segments just sent will be matched by.
fn correlation_keys(
    message: &Message,
    sent: &[usize],
    format: MessageIdFormat,
) -> Vec<(u16, String)> {
    sent.iter()
        .filter_map(|&i| {
            let id = message.segments.get(i)?.carrier_message_id.as_deref()?;
            let key = crate::dlr::store_key(id, format);
            (!key.is_empty()).then(|| (u16::try_from(i).ok(), key))
        })
        .filter_map(|(i, key)| Some((i?, key)))
        .collect()
}

fn routes(carriers: Vec<(Arc<Carrier>, &CarrierSettings)>) -> HashMap<String, Route> {
    carriers
        .into_iter()
        .map(|(carrier, s)| {
            (
                s.carrier.name.clone(),
                Route {
                    metrics: crate::metrics::CarrierMetrics::new(&s.carrier.name),
                    carrier,
                    text: s.text.clone(),
                    on_timeout: s.on_timeout,
                    id_format: s.message_id_format,
                },
            )
        })
        .collect()
}

/// Moves messages from the outbox to the carriers.
pub struct Dispatcher {
    outbox: Arc<dyn MessageStore>,
    /// Swapped whole on a reload; a dispatch in progress keeps the map it started with.
    carriers: arc_swap::ArcSwap<HashMap<String, Route>>,
    wake: Arc<Notify>,
    references: Mutex<ReferenceAllocator>,
    /// Dispatched messages whose outcome is saved. They stay in the run loop's in-flight set
    /// until the next page: a page read from a snapshot taken before their save still lists
    /// them as due, and must not send them again.
    done: Mutex<Vec<MessageId>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("carriers", &self.carriers.load().keys().collect::<Vec<_>>())
            .field("available", &self.permits.available_permits())
            .finish()
    }
}

fn now_ms() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0)
}

/// Delay before the next attempt: 1 s doubling to 5 min, with jitter.
fn backoff(attempts: u32) -> Duration {
    let base = Duration::from_secs(1)
        .saturating_mul(1u32 << attempts.saturating_sub(1).min(9))
        .min(Duration::from_secs(300));
    base.mul_f64(rand::random_range(0.5..=1.0))
}

impl Dispatcher {
    /// A dispatcher over running carriers and their settings; at most `concurrency` messages
    /// are in flight at once.
    pub fn new(
        outbox: Arc<dyn MessageStore>,
        carriers: Vec<(Arc<Carrier>, &CarrierSettings)>,
        concurrency: usize,
    ) -> Arc<Dispatcher> {
        Arc::new(Dispatcher {
            outbox,
            carriers: arc_swap::ArcSwap::from_pointee(routes(carriers)),
            wake: Arc::new(Notify::new()),
            references: Mutex::new(ReferenceAllocator::new(100_000)),
            done: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        })
    }

    /// Sends through these carriers from now on (a config reload).
    pub fn set_carriers(&self, carriers: Vec<(Arc<Carrier>, &CarrierSettings)>) {
        self.carriers.store(Arc::new(routes(carriers)));
    }

    /// Notified when new messages are accepted, so they leave without waiting for a tick.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Runs until `shutdown`; then withdraws the messages no bind has started and waits for
    /// the rest to be answered and recorded.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let tasks = tokio_util::task::TaskTracker::new();
        // Only this loop reads and writes it: no lock. Every due entry a page passes over is
        // looked up here, so it hashes with foldhash rather than SipHash (ids are not chosen
        // by anyone who could aim at its collisions).
        let mut in_flight: foldhash::HashSet<MessageId> = foldhash::HashSet::default();
        // Back-to-back full pages go on from where the last one stopped; at least once a tick a
        // page starts from the head again.
        let mut cursor = DueCursor::default();
        let mut from_head = tokio::time::Instant::now();
        while !shutdown.is_cancelled() {
            // Saved before the page below is read, so that page no longer lists them.
            if let Ok(mut finished) = self.done.lock() {
                for id in finished.drain(..) {
                    in_flight.remove(&id);
                }
            }
            // Messages in flight stay in the due index until their outcome is saved; paging
            // past them keeps a page from filling with work already under way.
            let skip = |id| in_flight.contains(&id);
            let due = match self.outbox.due_from(now_ms(), PAGE, &skip, &mut cursor) {
                Ok(due) => due,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the outbox");
                    Vec::new()
                }
            };
            let full = due.len() >= PAGE;
            let mut started = 0;
            for DueMessage { message, fresh } in due {
                // No bind up anywhere on its route: it waits on disk, costing no attempt.
                if !self.route_up(&message) {
                    continue;
                }
                if !in_flight.insert(message.id) {
                    continue;
                }
                let permit = tokio::select! {
                    p = self.permits.clone().acquire_owned() => p,
                    _ = shutdown.cancelled() => break,
                };
                let Ok(permit) = permit else { break };
                started += 1;
                let me = self.clone();
                let stop = shutdown.clone();
                tasks.spawn(async move {
                    let id = message.id;
                    me.dispatch(message, fresh, &stop).await;
                    if let Ok(mut d) = me.done.lock() {
                        d.push(id);
                    }
                    drop(permit);
                });
            }
            // The next page starts from the head, to find what came due behind the cursor: when
            // the index's end was reached; when nothing could start (a full page for carriers
            // that are down waits a tick, as it would without a cursor); and once a tick
            // anyway, so that an OTP passed over while its carrier was down goes out as soon as
            // the carrier is back, not after the bulk backlog of the others.
            if !full || started == 0 || from_head.elapsed() >= TICK {
                cursor.reset();
                from_head = tokio::time::Instant::now();
            }
            if started == 0 {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(TICK) => {}
                    _ = shutdown.cancelled() => {}
                }
            }
        }
        tasks.close();
        tasks.wait().await;
    }

    /// Whether some carrier of the message's route can take it now.
    fn route_up(&self, message: &Message) -> bool {
        let carriers = self.carriers.load();
        message
            .route
            .iter()
            .any(|name| carriers.get(name).is_some_and(|r| r.carrier.is_up()))
    }

    /// One attempt at one message (`fresh`: as the outbox listed it), recorded durably
    /// whatever happens; unless `stop` withdrew it before any part was sent, when it stays on
    /// disk as it was.
    async fn dispatch(&self, mut message: Message, fresh: bool, stop: &CancellationToken) {
        message.attempts += 1;
        // Before its first save no correlation exists, so no receipt can touch the record
        // while this copy is out: the save need not read it back.
        let since = match (message.attempts, fresh) {
            (1, true) => Since::Fresh,
            (1, false) => Since::Untouched {
                due_ms: message.due_ms,
            },
            _ => Since::Read,
        };
        let mut next = None;
        if !message
            .segments
            .iter()
            .any(|s| s.status == SegmentStatus::Pending)
        {
            // Nothing left to send (a record written before its status was): settle it.
            next = Some(settle(&mut message, now_ms(), false));
        }
        let carriers = self.carriers.load_full();
        let mut correlate = Vec::new();
        for name in message.route.clone() {
            if next.is_some() {
                break;
            }
            let Some(route) = carriers.get(&name) else {
                continue;
            };
            let Some((pending, parts)) = self.parts_for(&mut message, route) else {
                continue;
            };
            // The first attempt's wait since due is the ingest-to-wire latency.
            let due = (message.attempts == 1).then_some(message.due_ms);
            match route.carrier.submit_until(parts, due, stop).await {
                Ok(outcomes) => {
                    route.metrics.submitted(&outcomes);
                    next = Some(record(
                        &mut message,
                        &name,
                        &pending,
                        &outcomes,
                        route.on_timeout,
                        now_ms(),
                    ));
                    correlate = correlation_keys(&message, &pending, route.id_format);
                    break;
                }
                Err(crate::carrier::SubmitError::Withdrawn(_)) => return,
                // No bind up there: the next carrier of the route takes it.
                Err(_) => continue,
            }
        }
        let now = now_ms();
        let next = next.unwrap_or_else(|| settle(&mut message, now, true));
        if next == Next::Retry {
            let delay = u64::try_from(backoff(message.attempts).as_millis()).unwrap_or(u64::MAX);
            message.due_ms = now.saturating_add(delay);
        }
        if let Err(e) = self.outbox.save(message, correlate, since).await {
            // The record stays as it was on disk: the message is listed as due again and sent
            // again, never lost.
            tracing::error!(error = %e, "cannot record a dispatch outcome");
        }
    }

    /// The pending segments and their frames for this carrier, or `None` when the carrier
    /// cannot take the message as it stands.
    fn parts_for(&self, message: &mut Message, route: &Route) -> Option<(Vec<usize>, Vec<Bytes>)> {
        // Only concatenated parts carry a reference: a single-part message (most of them) takes
        // none from the shared allocator, whose lock and per-destination entry cost more than
        // the encoding. 0 stands in, unused by a single part.
        let single = message.reference.is_none() && message.segments.len() <= 1;
        let reference = match message.reference {
            Some(r) => r,
            None if single => 0,
            None => self.reference(message, route)?,
        };
        let mut frames = self.frames(message, route, reference)?;
        if single && frames.len() > 1 {
            // This carrier splits what another would send whole: it needs a reference after all.
            let reference = self.reference(message, route)?;
            frames = self.frames(message, route, reference)?;
        }
        if frames.len() != message.segments.len() {
            // Another carrier splits differently: fine before anything was sent, not after.
            if message
                .segments
                .iter()
                .any(|s| s.status != SegmentStatus::Pending)
            {
                return None;
            }
            message.segments = vec![crate::message::Segment::pending(); frames.len()];
        }
        let pending: Vec<usize> = message
            .segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status == SegmentStatus::Pending)
            .map(|(i, _)| i)
            .collect();
        let parts = pending.iter().map(|&i| frames[i].clone()).collect();
        Some((pending, parts))
    }

    /// A new concatenation reference for the message, kept in it so retries reuse it.
    fn reference(&self, message: &mut Message, route: &Route) -> Option<u16> {
        let r = self
            .references
            .lock()
            .ok()?
            .next(&message.to, route.text.reference_width());
        message.reference = Some(r);
        Some(r)
    }

    /// The message's frames for this carrier, or `None` (logged) when it cannot be encoded.
    fn frames(&self, message: &Message, route: &Route, reference: u16) -> Option<Vec<Bytes>> {
        match encode(message, &route.text, reference) {
            Ok(f) => Some(f),
            Err(e) => {
                // The error may quote a character of the text: only its kind goes to the log.
                tracing::warn!(
                    id = %message.id,
                    to = %crate::logging::mask::phone(&message.to),
                    error = %loggable(&e),
                    "cannot encode for this carrier"
                );
                None
            }
        }
    }
}

/// `e` as a log may show it: an unmappable character is named by position, not quoted, so no
/// part of the message text reaches the log.
fn loggable(e: &EncodeError) -> String {
    match e {
        EncodeError::Text(TextError::Unmappable {
            position, alphabet, ..
        }) => format!("the character at position {position} has no mapping in {alphabet}"),
        other => other.to_string(),
    }
}
