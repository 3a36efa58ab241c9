//! Quiet hours: when a bulk message would arrive inside its account's quiet window, on the
//! account's clock or the recipient's, it is held until the window ends.

use std::sync::LazyLock;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, ZonedDateTime};

use super::zones::COUNTRY_ZONES;
use crate::config::{Country, QuietHours, QuietZone};

/// Every country's zone, loaded once from the bundled database (a lookup by name costs more
/// than the rest of the policy check).
static ZONES: LazyLock<Vec<TimeZone>> = LazyLock::new(|| {
    COUNTRY_ZONES
        .iter()
        .map(|(_, name)| jiff::tz::db().get(name).unwrap_or(TimeZone::UTC))
        .collect()
});

/// The zone most of `country`'s people live in; UTC for a country without one.
pub fn zone_of(country: Country) -> TimeZone {
    COUNTRY_ZONES
        .binary_search_by(|(code, _)| (*code).cmp(country.alpha2()))
        .ok()
        .and_then(|i| ZONES.get(i).cloned())
        .unwrap_or(TimeZone::UTC)
}

/// Whether `t` falls in the window `[from, to)`, which spans midnight when `from > to`.
fn inside(t: Time, from: Time, to: Time) -> bool {
    if from <= to {
        from <= t && t < to
    } else {
        t >= from || t < to
    }
}

/// When a bulk message due at `due` may leave: `due` itself outside quiet hours, else the end
/// of the window it falls in. `country` picks the clock when the zone is the recipient's (UTC
/// when unknown).
pub fn release_time(quiet: &QuietHours, country: Option<Country>, due: Timestamp) -> Timestamp {
    let zone = match &quiet.zone {
        QuietZone::Named(tz) => tz.clone(),
        QuietZone::Recipient => country.map_or(TimeZone::UTC, zone_of),
    };
    let local: ZonedDateTime = due.to_zoned_datetime(zone);
    if quiet.from == quiet.to || !inside(local.time(), quiet.from, quiet.to) {
        return due;
    }
    // Past midnight in a window that spans it, the window ends today; before midnight, it
    // ends tomorrow.
    let day = if local.time() >= quiet.from && quiet.from > quiet.to {
        local.date().checked_add(1.day()).unwrap_or(local.date())
    } else {
        local.date()
    };
    day.to_datetime(quiet.to)
        .to_zoned_datetime(local.time_zone().clone())
        .map(|z| z.timestamp())
        .unwrap_or(due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn madrid(from: Time, to: Time) -> QuietHours {
        QuietHours {
            from,
            to,
            zone: QuietZone::Named(jiff::tz::db().get("Europe/Madrid").unwrap()),
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_window_across_midnight_holds_until_the_morning() {
        let q = madrid(time(22, 0, 0, 0), time(8, 0, 0, 0));
        // 23:30 in Madrid (CET, UTC+1) → 08:00 next day = 07:00Z.
        assert_eq!(
            release_time(&q, None, ts("2026-11-24T22:30:00Z")),
            ts("2026-11-25T07:00:00Z")
        );
        // 03:00 local → 08:00 the same day.
        assert_eq!(
            release_time(&q, None, ts("2026-11-25T02:00:00Z")),
            ts("2026-11-25T07:00:00Z")
        );
        // Noon is outside.
        let noon = ts("2026-11-25T11:00:00Z");
        assert_eq!(release_time(&q, None, noon), noon);
        // The end is exclusive: 08:00 sharp goes.
        let eight = ts("2026-11-25T07:00:00Z");
        assert_eq!(release_time(&q, None, eight), eight);
    }

    #[test]
    fn a_daytime_window_ends_the_same_day() {
        let q = madrid(time(13, 0, 0, 0), time(15, 0, 0, 0));
        assert_eq!(
            release_time(&q, None, ts("2026-07-01T11:30:00Z")),
            ts("2026-07-01T13:00:00Z")
        );
    }

    #[test]
    fn the_recipient_clock_follows_the_destination_country() {
        let q = QuietHours {
            from: time(22, 0, 0, 0),
            to: time(8, 0, 0, 0),
            zone: QuietZone::Recipient,
        };
        let at = ts("2026-11-24T23:00:00Z");
        // 23:00Z is 00:00 in Madrid (quiet) and 18:00 in New York (not quiet).
        let es = Country::from_alpha2("ES");
        let us = Country::from_alpha2("US");
        assert_eq!(release_time(&q, es, at), ts("2026-11-25T07:00:00Z"));
        assert_eq!(release_time(&q, us, at), at);
    }

    #[test]
    fn every_country_zone_is_in_the_bundled_database() {
        for (code, zone) in COUNTRY_ZONES.iter() {
            assert!(jiff::tz::db().get(zone).is_ok(), "{code}: {zone}");
        }
        assert!(COUNTRY_ZONES.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
