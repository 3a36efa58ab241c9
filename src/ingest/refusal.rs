//! Why a submission is refused, and the one place that maps each reason to its HTTP status,
//! API code and message (API.md §1, refusal table).

use serde::Serialize;

use crate::policy::Denial;

/// A refusal, with what the caller needs to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// Malformed JSON, a wrong type, an unknown or missing field: the message names it.
    #[error("{0}")]
    InvalidRequest(String),
    /// `to` is not an E.164 number.
    #[error("{field}: {reason}")]
    InvalidNumber {
        /// The field (`to`, or `messages[3].to` in a batch).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// `text` is empty.
    #[error("{field}: the text is empty")]
    EmptyText {
        /// The field.
        field: String,
    },
    /// The text needs more segments than allowed, or cannot be written in the chosen encoding.
    #[error("{field}: {reason}")]
    TextTooLong {
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
    /// `from` is not an alphanumeric sender, short code or E.164 number.
    #[error("{field}: {reason}")]
    InvalidSender {
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
    /// The batch has more messages than allowed.
    #[error("the batch has {count} messages; at most {max} are allowed per request")]
    TooManyMessages {
        /// Messages sent.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Missing, unknown or expired token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The token lacks the scope this call needs.
    #[error("the token lacks the {0} scope")]
    Forbidden(&'static str),
    /// The client's address is outside the token's allowed networks.
    #[error("this client address may not use the token")]
    IpNotAllowed,
    /// The destination's country is not on the account's allow-list.
    #[error("{field}: sending to {country} is not allowed for this account")]
    CountryNotAllowed {
        /// The field.
        field: String,
        /// ISO 3166 alpha-2 code, or a phrase when the number has no known country.
        country: String,
    },
    /// The text needs UCS-2 and the account may not send it.
    #[error("{field}: this text needs UCS-2, which this account may not send")]
    UnicodeNotAllowed {
        /// The field.
        field: String,
    },
    /// Same account, destination and text within the duplicate window.
    #[error("the same text was sent to this number within the duplicate window")]
    Duplicate {
        /// The first message's id.
        id: String,
    },
    /// No carrier serves the destination.
    #[error("{field}: no carrier serves this destination")]
    NoRoute {
        /// The field.
        field: String,
    },
    /// The account's rate limit.
    #[error("rate limit reached; retry after {retry_after_s} s")]
    RateLimited {
        /// Seconds until a retry can succeed.
        retry_after_s: u64,
    },
    /// The daily quota is used up.
    #[error("daily quota reached; it resets in {retry_after_s} s")]
    DailyQuotaExceeded {
        /// Seconds until the quota resets.
        retry_after_s: u64,
    },
    /// No credit left.
    #[error("the account has no credit left")]
    CreditExhausted,
    /// The outbox is at its bound; nothing was stored.
    #[error("smppd is at capacity; nothing was stored, retry later")]
    Overloaded,
    /// The daemon is draining before it stops; nothing was stored.
    #[error("smppd is shutting down; nothing was stored, retry shortly (or on another instance)")]
    ShuttingDown,
    /// The requested message does not exist for this account.
    #[error("no such message")]
    NotFound,
}

impl Refusal {
    /// The refusal for a policy denial; `prefix` names the message in a batch
    /// (`messages[3].`).
    pub fn from_denial(d: &Denial, prefix: &str) -> Refusal {
        match d {
            Denial::CountryNotAllowed(country) => Refusal::CountryNotAllowed {
                field: format!("{prefix}to"),
                country: country.map_or_else(
                    || "a number of no known country".to_owned(),
                    |c| c.alpha2().to_owned(),
                ),
            },
            Denial::UnicodeNotAllowed => Refusal::UnicodeNotAllowed {
                field: format!("{prefix}text"),
            },
            Denial::Duplicate(id) => Refusal::Duplicate { id: id.to_string() },
            Denial::RateLimited { retry_after_s } => Refusal::RateLimited {
                retry_after_s: *retry_after_s,
            },
            Denial::DailyQuotaExceeded { retry_after_s } => Refusal::DailyQuotaExceeded {
                retry_after_s: *retry_after_s,
            },
            Denial::CreditExhausted => Refusal::CreditExhausted,
        }
    }
}

/// A refusal as the API sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// HTTP status.
    #[serde(skip)]
    pub status: u16,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human-readable, names the field.
    pub message: String,
    /// Seconds for `Retry-After`, where a retry can succeed.
    #[serde(skip)]
    pub retry_after_s: Option<u64>,
    /// The first message's id, for `duplicate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl From<&Refusal> for ApiError {
    fn from(r: &Refusal) -> ApiError {
        use Refusal::*;
        let (status, code) = match r {
            InvalidRequest(_) => (400, "invalid_request"),
            InvalidNumber { .. } => (400, "invalid_number"),
            EmptyText { .. } => (400, "empty_text"),
            TextTooLong { .. } => (400, "text_too_long"),
            InvalidSender { .. } => (400, "invalid_sender"),
            TooManyMessages { .. } => (400, "too_many_messages"),
            Unauthorized(_) => (401, "unauthorized"),
            Forbidden(_) => (403, "forbidden"),
            IpNotAllowed => (403, "ip_not_allowed"),
            CountryNotAllowed { .. } => (403, "country_not_allowed"),
            UnicodeNotAllowed { .. } => (403, "unicode_not_allowed"),
            Duplicate { .. } => (409, "duplicate"),
            NotFound => (404, "not_found"),
            NoRoute { .. } => (422, "no_route"),
            RateLimited { .. } => (429, "rate_limited"),
            DailyQuotaExceeded { .. } => (429, "daily_quota_exceeded"),
            CreditExhausted => (429, "credit_exhausted"),
            Overloaded => (503, "overloaded"),
            ShuttingDown => (503, "shutting_down"),
        };
        let retry_after_s = match r {
            RateLimited { retry_after_s } | DailyQuotaExceeded { retry_after_s } => {
                Some(*retry_after_s)
            }
            Overloaded => Some(1),
            ShuttingDown => Some(5),
            _ => None,
        };
        ApiError {
            status,
            code,
            message: r.to_string(),
            retry_after_s,
            id: match r {
                Duplicate { id } => Some(id.clone()),
                _ => None,
            },
        }
    }
}
