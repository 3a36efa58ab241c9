//! Every account's rules and counters, built from the config and the counters the store kept.
//! A reload builds a new book that keeps the counters whose rule did not change (today's
//! quota use, the credit balance, the rate limiter's state) and the shared duplicate index.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::country::CountryResolver;
use super::duplicates::{DuplicateIndex, duplicate_key};
use super::meter::{Credit, DailyQuota, RateMeter, day_number};
use super::{Denial, Draft, Verdict, check};
use crate::config::{Account, Config, Policy, QuietZone};
use crate::message::MessageId;

/// Counters read back from the store at start-up.
#[derive(Clone, Debug, Default)]
pub struct SavedCounters {
    /// Account → (day, segments used that day).
    pub usage: HashMap<String, (u32, u64)>,
    /// Account → (configured credit, segments spent from it).
    pub credit: HashMap<String, (u64, u64)>,
}

/// What an admitted message was charged; the store records it with the message, and it is
/// given back if the store does not keep the message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Charge {
    /// Segments charged.
    pub segments: u32,
    /// The quota day they count on, when the account has a quota.
    pub quota_day: Option<u32>,
    /// The credit balance they came from, when the account has credit.
    pub credit_base: Option<u64>,
    /// The duplicate key claimed, when the account suppresses duplicates.
    pub duplicate: Option<u128>,
}

/// An admitted message: when it may leave and what it cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admitted {
    /// When it may leave.
    pub verdict: Verdict,
    /// What was charged.
    pub charge: Charge,
}

/// One account's rules with their counters.
#[derive(Debug)]
pub struct AccountRules {
    /// The configured policy.
    pub policy: Policy,
    /// The rate limiter, when there is a rate.
    pub rate: Option<Arc<RateMeter>>,
    /// Today's quota, when there is one.
    pub quota: Option<Arc<DailyQuota>>,
    /// The credit balance, when there is one.
    pub credit: Option<Arc<Credit>>,
}

/// Every account's rules.
#[derive(Debug)]
pub struct PolicyBook {
    accounts: HashMap<String, Arc<AccountRules>>,
    duplicates: Arc<DuplicateIndex>,
    countries: Arc<CountryResolver>,
}

/// The calendar the quota counts days on: the quiet hours' named zone, else UTC.
fn quota_zone(policy: &Policy) -> TimeZone {
    match policy.quiet_hours.as_ref().map(|q| &q.zone) {
        Some(QuietZone::Named(tz)) => tz.clone(),
        _ => TimeZone::UTC,
    }
}

fn ms(t: Timestamp) -> u64 {
    u64::try_from(t.as_millisecond()).unwrap_or(0)
}

impl PolicyBook {
    /// The book for `config`, with the counters the store kept.
    pub fn new(config: &Config, saved: &SavedCounters, now: Timestamp) -> PolicyBook {
        let accounts = config
            .accounts
            .iter()
            .map(|a| {
                let quota = a.policy.daily_quota.map(|limit| {
                    let zone = quota_zone(&a.policy);
                    let (day, used) = saved.usage.get(&a.id).copied().unwrap_or_default();
                    let used = if day == day_number(now, &zone) {
                        used
                    } else {
                        0
                    };
                    Arc::new(DailyQuota::new(limit, zone, day, used))
                });
                let credit = a.policy.credit.map(|base| {
                    let spent = match saved.credit.get(&a.id) {
                        Some(&(saved_base, spent)) if saved_base == base => spent,
                        _ => 0,
                    };
                    Arc::new(Credit::new(base, spent))
                });
                (a.id.clone(), Arc::new(rules(a, quota, credit, None)))
            })
            .collect();
        PolicyBook {
            accounts,
            duplicates: Arc::new(DuplicateIndex::new()),
            countries: Arc::new(CountryResolver::new()),
        }
    }

    /// The book for a reloaded `config`: counters of unchanged rules carry over.
    pub fn reload(&self, config: &Config, now: Timestamp) -> PolicyBook {
        let accounts = config
            .accounts
            .iter()
            .map(|a| {
                let old = self.accounts.get(&a.id);
                let quota = a.policy.daily_quota.map(|limit| {
                    let zone = quota_zone(&a.policy);
                    match old.and_then(|o| o.quota.as_ref().map(|q| (q, quota_zone(&o.policy)))) {
                        Some((q, was)) if q.limit() == limit && was == zone => q.clone(),
                        Some((q, _)) => {
                            let (_, used) = q.used(now);
                            Arc::new(DailyQuota::new(
                                limit,
                                zone.clone(),
                                day_number(now, &zone),
                                used,
                            ))
                        }
                        None => Arc::new(DailyQuota::new(limit, zone, 0, 0)),
                    }
                });
                let credit =
                    a.policy
                        .credit
                        .map(|base| match old.and_then(|o| o.credit.as_ref()) {
                            Some(c) if c.base() == base => c.clone(),
                            _ => Arc::new(Credit::new(base, 0)),
                        });
                let rate = old
                    .and_then(|o| o.rate.as_ref())
                    .filter(|r| Some(r.rate()) == a.policy.rate)
                    .cloned();
                (a.id.clone(), Arc::new(rules(a, quota, credit, rate)))
            })
            .collect();
        PolicyBook {
            accounts,
            duplicates: self.duplicates.clone(),
            countries: self.countries.clone(),
        }
    }

    /// An account's rules.
    pub fn account(&self, id: &str) -> Option<&Arc<AccountRules>> {
        self.accounts.get(id)
    }

    /// The duplicate index (shared by every book built from this one).
    pub fn duplicates(&self) -> &DuplicateIndex {
        &self.duplicates
    }

    /// The country resolver (shared likewise).
    pub fn countries(&self) -> &CountryResolver {
        &self.countries
    }

    /// Runs every rule for message `id` of `account` with text `text`, and charges it.
    pub fn admit(
        &self,
        account: &AccountRules,
        account_id: &str,
        draft: &Draft<'_>,
        text: &str,
        id: MessageId,
        now: Timestamp,
    ) -> Result<Admitted, Denial> {
        let verdict = check(draft, &account.policy)?;
        let mut charge = Charge {
            segments: draft.segments,
            ..Charge::default()
        };
        if let Some(window) = account.policy.duplicate_window {
            let key = duplicate_key(account_id, draft.to, text);
            let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
            self.duplicates
                .claim(key, id, ms(now), window_ms)
                .map_err(Denial::Duplicate)?;
            charge.duplicate = Some(key);
        }
        let counted = (|| {
            if let Some(rate) = &account.rate {
                rate.take(draft.segments)?;
            }
            if let Some(quota) = &account.quota {
                charge.quota_day = Some(quota.take(u64::from(draft.segments), now)?);
            }
            if let Some(credit) = &account.credit {
                credit.take(u64::from(draft.segments))?;
                charge.credit_base = Some(credit.base());
            }
            Ok(())
        })();
        match counted {
            Ok(()) => Ok(Admitted { verdict, charge }),
            Err(denial) => {
                self.give_back(account, id, &charge);
                Err(denial)
            }
        }
    }

    /// Gives back what message `id` was charged, when the store did not keep it. (A rate
    /// limiter cannot give back; the slot it took is refilled with time.)
    pub fn give_back(&self, account: &AccountRules, id: MessageId, charge: &Charge) {
        if let Some(key) = charge.duplicate {
            self.duplicates.release(key, id);
        }
        if let (Some(day), Some(quota)) = (charge.quota_day, &account.quota) {
            quota.give_back(u64::from(charge.segments), day);
        }
        if let (Some(base), Some(credit)) = (charge.credit_base, &account.credit)
            && credit.base() == base
        {
            credit.give_back(u64::from(charge.segments));
        }
    }
}

fn rules(
    a: &Account,
    quota: Option<Arc<DailyQuota>>,
    credit: Option<Arc<Credit>>,
    rate: Option<Arc<RateMeter>>,
) -> AccountRules {
    AccountRules {
        rate: rate.or_else(|| a.policy.rate.map(|r| Arc::new(RateMeter::new(r)))),
        quota,
        credit,
        policy: a.policy.clone(),
    }
}
