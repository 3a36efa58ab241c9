//! Accepting submissions: each message of an authorised request is routed, costed for its
//! carrier (encoding and segments), given its sender and validity, and the whole request is
//! stored in one durable commit. Only then are the answers (API.md §1) produced. Nothing is
//! sent from here: the dispatcher takes messages from the outbox.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::refusal::Refusal;
use super::request::{Kind, SubmitRequest};
use crate::config::Config;
use crate::message::{Message, MessageId, Segment, Status};
use crate::policy::{Charge, Draft, PolicyBook, SavedCounters};
use crate::routing::RouteTable;
use crate::store::{Accepted, MessageStore, StoreError};
use crate::text::{Encoding, TextError, preview};

/// Validity of an OTP unless the request says otherwise (API.md: OTP default 300 s).
pub const OTP_VALIDITY: Duration = Duration::from_secs(300);

/// Validity of bulk when neither the request nor the account's policy sets one.
pub const BULK_VALIDITY: Duration = Duration::from_secs(48 * 3600);

/// The answer for one accepted message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// The message id.
    pub id: String,
    /// `accepted`, or `held` until `send_at` or the end of quiet hours.
    pub status: &'static str,
    /// Segments the carrier will bill.
    pub segments: usize,
    /// `gsm7`, `ucs2`, `latin1` or `binary`.
    pub encoding: &'static str,
    /// The destination's country, when known.
    pub country: Option<String>,
    /// The carrier it is routed to first.
    pub carrier: String,
}

/// Turns authorised submissions into stored messages.
#[derive(Debug)]
pub struct Acceptor {
    config: Arc<Config>,
    routes: RouteTable,
    policy: PolicyBook,
    outbox: Arc<dyn MessageStore>,
    waker: Option<Arc<tokio::sync::Notify>>,
}

/// A message ready to store, with what it was charged and the answer it will get.
struct Built {
    message: Message,
    charge: Charge,
    answer: Answer,
}

fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Gsm7 => "gsm7",
        Encoding::Ucs2 => "ucs2",
        Encoding::Latin1 => "latin1",
        Encoding::Binary => "binary",
    }
}

fn text_refusal(field: &str, e: &TextError) -> Refusal {
    match e {
        TextError::TooManySegments { .. } | TextError::PayloadTooLong { .. } => {
            Refusal::TextTooLong {
                field: field.to_owned(),
                reason: e.to_string(),
            }
        }
        _ => Refusal::InvalidRequest(format!("{field}: {e}")),
    }
}

impl Acceptor {
    /// An acceptor for `config`, storing into `outbox`, with fresh policy counters.
    pub fn new(config: Arc<Config>, outbox: Arc<dyn MessageStore>) -> Acceptor {
        let policy = PolicyBook::new(&config, &SavedCounters::default(), jiff::Timestamp::now());
        Acceptor::with_policy(config, outbox, policy)
    }

    /// An acceptor for `config` whose policy counters are `policy` (restored from the store).
    pub fn with_policy(
        config: Arc<Config>,
        outbox: Arc<dyn MessageStore>,
        policy: PolicyBook,
    ) -> Acceptor {
        Acceptor {
            routes: RouteTable::new(&config.routes),
            config,
            policy,
            outbox,
            waker: None,
        }
    }

    /// The acceptor for a reloaded config: new rules and routes, the same counters for the
    /// rules that did not change, the same outbox.
    pub fn reloaded(&self, config: Arc<Config>) -> Acceptor {
        Acceptor {
            routes: RouteTable::new(&config.routes),
            policy: self.policy.reload(&config, jiff::Timestamp::now()),
            config,
            outbox: self.outbox.clone(),
            waker: self.waker.clone(),
        }
    }

    /// The config this acceptor follows.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// The policy book (its counters are what metrics report).
    pub fn policy(&self) -> &PolicyBook {
        &self.policy
    }

    /// Most messages one request of `account` may carry.
    pub fn max_per_request(&self, account: &str) -> usize {
        self.policy
            .account(account)
            .map_or(self.config.api.max_batch, |a| a.policy.max_per_request)
    }

    /// Wakes `waker` (the dispatcher) whenever new messages are stored, so they leave at once.
    pub fn with_waker(mut self, waker: Arc<tokio::sync::Notify>) -> Acceptor {
        self.waker = Some(waker);
        self
    }

    /// Accepts every valid message of one request for `account`, in one durable commit. Each
    /// request comes with the prefix that names its fields in errors (`""` for a single
    /// message, `"messages[3]."` in a batch). The answers come back in order.
    pub async fn accept(
        &self,
        account: &str,
        requests: Vec<(String, SubmitRequest)>,
        now: jiff::Timestamp,
    ) -> Result<Vec<Result<Answer, Refusal>>, StoreError> {
        let now_ms = u64::try_from(now.as_millisecond()).unwrap_or(0);
        let mut results: Vec<Result<Answer, Refusal>> = Vec::with_capacity(requests.len());
        // Sized once: a `Message` is large, and growing the vector moved them all each time.
        let mut stored = Vec::with_capacity(requests.len());
        for (prefix, request) in requests {
            // A repeat of a client_ref gets its first answer again and is charged nothing.
            if let Some(r) = &request.client_ref
                && let Some(id) = self.outbox.client_ref(account, r, now_ms)?
            {
                results.push(Ok(self.first_answer(id)?));
                continue;
            }
            match self.build(account, &prefix, request, now) {
                Ok(built) => {
                    results.push(Ok(built.answer));
                    stored.push((results.len() - 1, built.message, built.charge));
                }
                Err(refusal) => results.push(Err(refusal)),
            }
        }
        if stored.is_empty() {
            return Ok(results);
        }
        let charged: Vec<(usize, MessageId, Charge)> =
            stored.iter().map(|(i, m, c)| (*i, m.id, *c)).collect();
        let admissions = stored.into_iter().map(|(_, m, c)| (m, c)).collect();
        let outcomes = match self
            .outbox
            .accept(admissions, self.config.store.max_outbox)
            .await
        {
            Ok(o) => o,
            Err(e) => {
                for (_, id, charge) in &charged {
                    self.give_back(account, *id, charge);
                }
                return Err(e);
            }
        };
        let mut stored_new = false;
        for ((position, id, charge), outcome) in charged.into_iter().zip(outcomes) {
            match outcome {
                Accepted::New(_) => stored_new = true,
                Accepted::Existing(first) => {
                    self.give_back(account, id, &charge);
                    results[position] = Ok(self.first_answer(first)?);
                }
                Accepted::Overloaded => {
                    self.give_back(account, id, &charge);
                    results[position] = Err(Refusal::Overloaded);
                }
            }
        }
        if stored_new && let Some(w) = &self.waker {
            w.notify_one();
        }
        Ok(results)
    }

    fn give_back(&self, account: &str, id: MessageId, charge: &Charge) {
        if let Some(rules) = self.policy.account(account) {
            self.policy.give_back(rules, id, charge);
        }
    }

    /// The answer first given for a `client_ref` repeat, rebuilt from the stored message.
    fn first_answer(&self, id: MessageId) -> Result<Answer, StoreError> {
        let m = self
            .outbox
            .get(id)?
            .ok_or_else(|| StoreError::Database(format!("message {id} vanished")))?;
        Ok(Answer {
            id: id.to_string(),
            status: if m.due_ms > m.accepted_at_ms {
                "held"
            } else {
                "accepted"
            },
            segments: m.segments.len(),
            encoding: match m.encoding.as_str() {
                "gsm7" => "gsm7",
                "ucs2" => "ucs2",
                "latin1" => "latin1",
                _ => "binary",
            },
            country: m.country,
            carrier: m.route.first().cloned().unwrap_or_default(),
        })
    }

    fn build(
        &self,
        account_id: &str,
        prefix: &str,
        r: SubmitRequest,
        now: jiff::Timestamp,
    ) -> Result<Built, Refusal> {
        let field = |name: &str| format!("{prefix}{name}");
        let now_ms = u64::try_from(now.as_millisecond()).unwrap_or(0);
        let (account, rules) = self
            .config
            .account(account_id)
            .zip(self.policy.account(account_id))
            .ok_or(Refusal::Unauthorized("unknown account"))?;
        let digits = r.to.digits();
        let country = self.policy.countries().country_of(digits);
        let route = self
            .routes
            .lookup_in(digits, country)
            .ok_or_else(|| Refusal::NoRoute { field: field("to") })?;
        let order = route.order(rand::random::<u64>() % route.total_weight());
        let first = order
            .first()
            .ok_or_else(|| Refusal::NoRoute { field: field("to") })?;
        let carrier = self
            .config
            .carrier(first)
            .ok_or_else(|| Refusal::NoRoute { field: field("to") })?;
        let cost = preview(&r.text, r.encoding, &carrier.text)
            .map_err(|e| text_refusal(&field("text"), &e))?;
        let from = match r.from.as_ref().or(account.default_sender.as_ref()) {
            Some(s) => {
                let (ton, npi, addr) = s.address();
                (ton, npi, addr.to_owned())
            }
            None => {
                return Err(Refusal::InvalidSender {
                    field: field("from"),
                    reason: "required: the account has no default sender".into(),
                });
            }
        };
        let validity = r.validity.unwrap_or(match r.kind {
            Kind::Otp => OTP_VALIDITY,
            Kind::Bulk => account.policy.bulk_validity.unwrap_or(BULK_VALIDITY),
        });
        let due = r.send_at.filter(|t| *t > now).unwrap_or(now);
        let id = MessageId::generate(now_ms);
        let draft = Draft {
            kind: r.kind,
            to: r.to.as_str(),
            country,
            encoding: cost.encoding,
            segments: u32::try_from(cost.segments).unwrap_or(u32::MAX),
            due,
        };
        let admitted = self
            .policy
            .admit(rules, account_id, &draft, &r.text, id, now)
            .map_err(|d| Refusal::from_denial(&d, prefix))?;
        let due_ms = u64::try_from(admitted.verdict.due.as_millisecond()).unwrap_or(now_ms);
        let held = due_ms > now_ms;
        let encoding = encoding_name(cost.encoding);
        let country_code = country.map(|c| c.alpha2().to_owned());
        let message = Message {
            id,
            account: account.id.clone(),
            client_ref: r.client_ref,
            kind: r.kind,
            to: r.to.as_str().to_owned(),
            from,
            text: r.text,
            encoding: encoding.to_owned(),
            dlr: r.dlr,
            validity_s: u32::try_from(validity.as_secs()).unwrap_or(u32::MAX),
            country: country_code.clone(),
            route: order.iter().map(|c| c.to_string()).collect(),
            status: if held { Status::Held } else { Status::Queued },
            segments: vec![Segment::pending(); cost.segments],
            accepted_at_ms: now_ms,
            due_ms,
            submitted_at_ms: None,
            done_at_ms: None,
            attempts: 0,
            reference: None,
        };
        let answer = Answer {
            id: id.to_string(),
            status: if held { "held" } else { "accepted" },
            segments: cost.segments,
            encoding,
            country: country_code,
            carrier: first.to_string(),
        };
        Ok(Built {
            message,
            charge: admitted.charge,
            answer,
        })
    }
}
