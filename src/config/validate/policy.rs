//! `[accounts.policy]`: an account's limits as plain checked data (the policy engine applies
//! them).

use std::num::NonZeroU32;
use std::time::Duration;

use super::route::unknown_country;
use super::{Report, Valid};
use crate::config::countries::Country;
use crate::config::error::KeyPath;
use crate::config::raw::{RawPolicy, RawQuietHours};
use crate::config::types::{Policy, QuietHours, QuietZone, Rate, RatePeriod};

/// `[accounts.policy]`; an absent table means every default. `max_batch` is `api.max_batch`
/// when that is valid.
pub(super) fn policy(
    report: &mut Report,
    path: &KeyPath,
    raw: Option<&RawPolicy>,
    max_batch: Option<usize>,
) -> Valid<Policy> {
    let empty = RawPolicy::default();
    let raw = raw.unwrap_or(&empty);
    let rate = rate(report, path, raw);
    let duplicate_window = report
        .duration(
            &path.key("duplicate_window"),
            raw.duplicate_window.as_deref(),
            Duration::from_secs(3600),
            true,
        )
        .map(|d| (!d.is_zero()).then_some(d));
    let countries = countries(report, &path.key("countries"), raw.countries.as_deref());
    let quiet_hours = match &raw.quiet_hours {
        None => Some(None),
        Some(q) => quiet_hours(report, &path.key("quiet_hours"), q).map(Some),
    };
    let daily_quota = report.opt_int(&path.key("daily_quota"), raw.daily_quota, 1..=i64::MAX);
    // Judged against a valid api.max_batch only; a wrong one is reported there.
    let per_request_path = path.key("max_per_request");
    let max_per_request =
        match report.opt_int::<usize>(&per_request_path, raw.max_per_request, 1..=i64::MAX) {
            None => None,
            Some(None) => max_batch,
            Some(Some(n)) => match max_batch {
                Some(batch) if n > batch => {
                    report.error(
                        &per_request_path,
                        format!("{n} is more than api.max_batch ({batch})"),
                    );
                    None
                }
                _ => Some(n),
            },
        };
    let credit = report.opt_int(&path.key("credit"), raw.credit, 0..=i64::MAX);
    let bulk_validity = report.opt_duration(
        &path.key("bulk_validity"),
        raw.bulk_validity.as_deref(),
        false,
    );
    Some(Policy {
        rate: rate?,
        duplicate_window: duplicate_window?,
        countries: countries?,
        quiet_hours: quiet_hours?,
        daily_quota: daily_quota?,
        max_per_request: max_per_request?,
        unicode: raw.unicode.unwrap_or(true),
        credit: credit?,
        bulk_validity: bulk_validity?,
    })
}

fn rate(report: &mut Report, path: &KeyPath, raw: &RawPolicy) -> Valid<Option<Rate>> {
    let burst_path = path.key("burst");
    let burst = report.opt_int::<u32>(&burst_path, raw.burst, 1..=i64::from(u32::MAX));
    let Some(text) = raw.rate.as_deref() else {
        if raw.burst.is_some() {
            report.error(&burst_path, "burst needs a rate (rate = \"100/s\")");
            return None;
        }
        return Some(None);
    };
    let (count, per) = report.check(&path.key("rate"), parse_rate(text))?;
    let burst = match burst? {
        Some(b) => NonZeroU32::new(b)?,
        None => {
            // One second's worth, rounded up.
            let secs = per.duration().as_secs();
            let per_second = u64::from(count.get()).div_ceil(secs);
            NonZeroU32::new(u32::try_from(per_second).unwrap_or(u32::MAX))?
        }
    };
    Some(Some(Rate { count, per, burst }))
}

fn parse_rate(text: &str) -> Result<(NonZeroU32, RatePeriod), String> {
    let bad = || format!("{text:?} is not a rate: write a count per s, m or h, such as \"100/s\"");
    let (count, unit) = text.split_once('/').ok_or_else(bad)?;
    let per = match unit.trim() {
        "s" => RatePeriod::Second,
        "m" => RatePeriod::Minute,
        "h" => RatePeriod::Hour,
        _ => return Err(bad()),
    };
    let count = count
        .trim()
        .parse::<NonZeroU32>()
        .map_err(|_| format!("{text:?} is not a rate: the count must be a whole number above 0"))?;
    Ok((count, per))
}

fn countries(
    report: &mut Report,
    path: &KeyPath,
    raw: Option<&[String]>,
) -> Valid<Option<Vec<Country>>> {
    let Some(raw) = raw else {
        return Some(None);
    };
    if raw.is_empty() {
        report.error(
            path,
            "an empty allow-list would refuse every message; remove the key to allow all",
        );
        return None;
    }
    let mut list = Vec::with_capacity(raw.len());
    let mut ok = true;
    for (i, code) in raw.iter().enumerate() {
        let p = path.index(i);
        match Country::from_alpha2(code) {
            None => {
                report.error(&p, unknown_country(code));
                ok = false;
            }
            Some(c) if list.contains(&c) => {
                report.error(&p, format!("{code:?} is listed twice"));
                ok = false;
            }
            Some(c) => list.push(c),
        }
    }
    ok.then_some(Some(list))
}

fn quiet_hours(report: &mut Report, path: &KeyPath, raw: &RawQuietHours) -> Valid<QuietHours> {
    let from_path = path.key("from");
    let from = report
        .required(&from_path, raw.from.as_deref())
        .and_then(|t| report.check(&from_path, parse_clock(t)));
    let to_path = path.key("to");
    let to = report
        .required(&to_path, raw.to.as_deref())
        .and_then(|t| report.check(&to_path, parse_clock(t)));
    let zone_path = path.key("zone");
    let zone = report
        .required(&zone_path, raw.zone.as_deref())
        .and_then(|z| {
            if z == "recipient" {
                return Some(QuietZone::Recipient);
            }
            // The bundled database answers when the machine has no tzdata.
            match jiff::tz::db().get(z) {
                Ok(tz) => Some(QuietZone::Named(tz)),
                Err(_) => {
                    report.error(
                        &zone_path,
                        format!(
                            "{z:?} is not an IANA time zone (such as \"Europe/Madrid\") or \"recipient\""
                        ),
                    );
                    None
                }
            }
        });
    let (from, to) = (from?, to?);
    if from == to {
        report.error(
            path,
            "from and to are the same time: the window would be empty",
        );
        return None;
    }
    Some(QuietHours {
        from,
        to,
        zone: zone?,
    })
}

/// `"HH:MM"`, 00:00 to 23:59.
fn parse_clock(text: &str) -> Result<jiff::civil::Time, String> {
    let bad = || format!("{text:?} is not a time of day: write \"HH:MM\", such as \"22:00\"");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return Err(bad());
    }
    let hour: i8 = h.parse().map_err(|_| bad())?;
    let minute: i8 = m.parse().map_err(|_| bad())?;
    jiff::civil::Time::new(hour, minute, 0, 0).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        let (n, per) = parse_rate("100/s").unwrap();
        assert_eq!((n.get(), per), (100, RatePeriod::Second));
        assert_eq!(parse_rate("5/h").unwrap().1, RatePeriod::Hour);
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("100").is_err());
        assert!(parse_rate("100/d").is_err());
        assert!(parse_rate("-1/m").is_err());
    }

    #[test]
    fn clocks() {
        assert_eq!(
            parse_clock("22:00").unwrap(),
            jiff::civil::Time::new(22, 0, 0, 0).unwrap()
        );
        assert!(parse_clock("24:00").is_err());
        assert!(parse_clock("7:00").is_err());
        assert!(parse_clock("07:60").is_err());
        assert!(parse_clock("+7:00").is_err());
    }
}
