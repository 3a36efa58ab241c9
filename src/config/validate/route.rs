//! `[[routes]]`: which carriers serve which E.164 prefixes.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;

use super::carrier::Carriers;
use super::{Report, Valid};
use crate::config::countries::Country;
use crate::config::error::KeyPath;
use crate::config::number::E164Prefix;
use crate::config::raw::RawRoute;
use crate::config::types::Route;

/// `[[routes]]`.
pub(super) fn routes(
    report: &mut Report,
    path: &KeyPath,
    raw: Option<&[RawRoute]>,
    carriers: &Carriers,
) -> Valid<Vec<Route>> {
    let raw = match raw {
        Some(list) if !list.is_empty() => list,
        _ => {
            report.error(
                path,
                "at least one [[routes]] table is required (prefix = \"+\" is the default route)",
            );
            return None;
        }
    };
    let mut valid = Some(Vec::with_capacity(raw.len()));
    // A country that shares its calling code is routed by numbering-plan data, not by the
    // code, so it is unique as a country; every other route is unique by its prefix.
    let mut first_use: HashMap<String, usize> = HashMap::new();
    for (i, r) in raw.iter().enumerate() {
        let p = path.index(i);
        let (prefix, country) = prefix(report, &p, r);
        if let Some(prefix) = &prefix {
            let (key, what) = match country.filter(|c| c.shares_calling_code()) {
                Some(c) => (
                    format!("country {}", c.alpha2()),
                    format!("country {}", c.alpha2()),
                ),
                None => (prefix.to_string(), format!("prefix {prefix}")),
            };
            if let Some(first) = first_use.get(&key) {
                let at = if country.is_some() {
                    p.key("country")
                } else {
                    p.key("prefix")
                };
                report.error(&at, format!("{what} is already routed by routes[{first}]"));
                valid = None;
            } else {
                first_use.insert(key, i);
            }
        }
        let route = route(report, &p, r, carriers, prefix, country);
        match (route, valid.as_mut()) {
            (Some(r), Some(list)) => list.push(r),
            _ => valid = None,
        }
    }
    valid
}

/// The route's prefix, from `prefix` or `country`, and the country when written as one.
fn prefix(
    report: &mut Report,
    path: &KeyPath,
    raw: &RawRoute,
) -> (Valid<E164Prefix>, Option<Country>) {
    match (raw.prefix.as_deref(), raw.country.as_deref()) {
        (Some(_), Some(_)) => {
            report.error(
                &path.key("country"),
                "give prefix or country, not both (country means its calling code as prefix)",
            );
            (None, None)
        }
        (None, None) => {
            report.error(
                &path.key("prefix"),
                "missing: a route needs prefix = \"+…\" or country = \"XX\"",
            );
            (None, None)
        }
        (Some(text), None) => (
            report.check(&path.key("prefix"), E164Prefix::parse(text)),
            None,
        ),
        (None, Some(code)) => match Country::from_alpha2(code) {
            Some(c) => {
                // A shared calling code (+1, +7, …) is the route's rank; which numbers it
                // takes is decided by numbering-plan data (see `routing`).
                let prefix = E164Prefix::parse(&format!("+{}", c.calling_code()));
                (report.check(&path.key("country"), prefix), Some(c))
            }
            None => {
                report.error(&path.key("country"), unknown_country(code));
                (None, None)
            }
        },
    }
}

/// The rest of one route, given its prefix.
fn route(
    report: &mut Report,
    path: &KeyPath,
    raw: &RawRoute,
    carriers: &Carriers,
    prefix: Valid<E164Prefix>,
    country: Option<Country>,
) -> Valid<Route> {
    let list_path = path.key("carriers");
    let names = report.required(&list_path, raw.carriers.as_ref());
    let mut names_ok = names.is_some();
    if let Some(names) = names {
        if names.is_empty() {
            report.error(&list_path, "must name at least one carrier");
            names_ok = false;
        }
        let mut seen = HashSet::new();
        for (i, name) in names.iter().enumerate() {
            let p = list_path.index(i);
            if !seen.insert(name) {
                report.error(&p, format!("{name:?} is listed twice"));
                names_ok = false;
                continue;
            }
            match carriers.submits.get(name) {
                None => {
                    if carriers.all_named {
                        report.error(&p, format!("{name:?} is not a configured carrier"));
                    }
                    names_ok = false;
                }
                Some(Some(false)) => {
                    report.error(
                        &p,
                        format!(
                            "carrier {name:?} has no transmitter or transceiver bind to send with"
                        ),
                    );
                    names_ok = false;
                }
                Some(_) => {}
            }
        }
    }
    let weights = match (&raw.weights, names) {
        (None, _) => Some(None),
        (Some(w), names) => {
            let p = path.key("weights");
            let mut ok = true;
            if let Some(names) = names
                && w.len() != names.len()
            {
                report.error(
                    &p,
                    format!(
                        "needs one weight per carrier ({}), not {}",
                        names.len(),
                        w.len()
                    ),
                );
                ok = false;
            }
            let mut list = Vec::with_capacity(w.len());
            for (i, &weight) in w.iter().enumerate() {
                match u32::try_from(weight).ok().and_then(NonZeroU32::new) {
                    Some(v) => list.push(v),
                    None => {
                        report.error(
                            &p.index(i),
                            format!("{weight} is not a weight: weights are whole numbers above 0"),
                        );
                        ok = false;
                    }
                }
            }
            ok.then_some(Some(list))
        }
    };
    Some(Route {
        prefix: prefix?,
        country,
        carriers: names.filter(|_| names_ok)?.clone(),
        weights: weights?,
    })
}

/// The reason for a country code the table does not have.
pub(super) fn unknown_country(code: &str) -> String {
    let upper = code.to_ascii_uppercase();
    if upper != code && Country::from_alpha2(&upper).is_some() {
        format!("{code:?} is not an ISO 3166-1 alpha-2 code: write it in upper case, {upper:?}")
    } else {
        format!("{code:?} is not an ISO 3166-1 alpha-2 country code")
    }
}
