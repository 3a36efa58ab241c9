//! Account policy: the rules every message passes before it is stored (country allow-list,
//! Unicode permission, quiet hours, duplicates, rate limit, daily quota, credit), in one pass.
//!
//! [`check`] is the pure part: given the message and the account's policy, it refuses or
//! says when the message may leave. [`PolicyBook::admit`] adds the counted rules and charges
//! them; whatever the store then does not keep is given back with [`PolicyBook::give_back`],
//! so a refused message costs nothing and an accepted one is charged once.

mod book;
mod country;
mod duplicates;
mod meter;
mod quiet;
mod zones;

pub use book::{AccountRules, Admitted, Charge, PolicyBook, SavedCounters};
pub use country::CountryResolver;
pub use duplicates::{DuplicateIndex, duplicate_key};
pub use meter::{Credit, DailyQuota, RateMeter, day_number};
pub use quiet::{release_time, zone_of};

use jiff::Timestamp;

use crate::config::{Country, Policy};
use crate::message::{Kind, MessageId};
use crate::text::Encoding;

/// Why the policy refuses a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denial {
    /// The destination's country (`None`: no country has such a number) is not allowed.
    CountryNotAllowed(Option<Country>),
    /// The text needs UCS-2 and the account may not send it.
    UnicodeNotAllowed,
    /// The same text went to the same number within the window: the first message's id.
    Duplicate(MessageId),
    /// Over the rate limit.
    RateLimited {
        /// Seconds until a retry can succeed.
        retry_after_s: u64,
    },
    /// Today's quota is used up.
    DailyQuotaExceeded {
        /// Seconds until midnight in the account's zone.
        retry_after_s: u64,
    },
    /// No credit left.
    CreditExhausted,
}

/// What the policy needs to know about a message.
#[derive(Clone, Copy, Debug)]
pub struct Draft<'a> {
    /// OTP or bulk.
    pub kind: Kind,
    /// Destination, E.164 with `+` (part of the duplicate key).
    pub to: &'a str,
    /// The destination's country.
    pub country: Option<Country>,
    /// The encoding the text will be sent in.
    pub encoding: Encoding,
    /// Segments it costs.
    pub segments: u32,
    /// When it is due: now, or its `send_at`.
    pub due: Timestamp,
}

/// When an allowed message may leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Not before this.
    pub due: Timestamp,
    /// Whether quiet hours moved it.
    pub quiet: bool,
}

/// The rules that need no counter: country, Unicode and quiet hours (OTP ignores them).
pub fn check(draft: &Draft<'_>, policy: &Policy) -> Result<Verdict, Denial> {
    if let Some(allowed) = &policy.countries
        && !draft.country.is_some_and(|c| allowed.contains(&c))
    {
        return Err(Denial::CountryNotAllowed(draft.country));
    }
    if draft.encoding == Encoding::Ucs2 && !policy.unicode {
        return Err(Denial::UnicodeNotAllowed);
    }
    let due = match (&policy.quiet_hours, draft.kind) {
        (Some(quiet), Kind::Bulk) => release_time(quiet, draft.country, draft.due),
        _ => draft.due,
    };
    Ok(Verdict {
        due,
        quiet: due != draft.due,
    })
}
