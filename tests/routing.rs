//! Longest-prefix routing over E.164 digits, compiled from the configured routes.

mod common;

use std::path::Path;

use common::cfg;
use smppd::policy::CountryResolver;
use smppd::routing::RouteTable;

fn table(routes: &str) -> RouteTable {
    let mut text = cfg::service("", "");
    for name in ["a", "b", "c", "d", "fallback"] {
        text.push_str(&cfg::carrier(name, 2775, 1));
    }
    text.push_str(&cfg::account("acme", None, &[("t", "\"send\"")], ""));
    text.push_str(routes);
    RouteTable::new(&cfg::load(&text, Path::new("/")).routes)
}

fn route(t: &RouteTable, digits: &str) -> Option<String> {
    let country = CountryResolver::new().country_of(digits);
    t.lookup_in(digits, country).map(|r| r.prefix.to_string())
}

/// The first carrier of the route for `digits`, with its country from numbering-plan data.
fn carrier(t: &RouteTable, digits: &str) -> Option<String> {
    let country = CountryResolver::new().country_of(digits);
    t.lookup_in(digits, country)
        .map(|r| r.carriers[0].to_string())
}

#[test]
fn the_longest_prefix_wins() {
    let t = table(
        r#"
[[routes]]
prefix = "+"
carriers = ["fallback"]
[[routes]]
prefix = "+34"
carriers = ["a"]
[[routes]]
prefix = "+346"
carriers = ["b"]
[[routes]]
prefix = "+3460"
carriers = ["c", "a"]
[[routes]]
prefix = "+1242"
carriers = ["d"]
[[routes]]
country = "GB"
carriers = ["b"]
"#,
    );
    assert_eq!(t.len(), 6);
    assert_eq!(route(&t, "34600111222").as_deref(), Some("+3460"));
    assert_eq!(route(&t, "34610111222").as_deref(), Some("+346"));
    assert_eq!(route(&t, "34710111222").as_deref(), Some("+34"));
    assert_eq!(
        route(&t, "12425550100").as_deref(),
        Some("+1242"),
        "the Bahamas inside +1"
    );
    assert_eq!(
        route(&t, "14155550100").as_deref(),
        Some("+"),
        "the rest of +1 falls back"
    );
    assert_eq!(
        carrier(&t, "447400123456").as_deref(),
        Some("b"),
        "country = GB takes British numbers"
    );
    assert_eq!(
        carrier(&t, "447911123456").as_deref(),
        Some("fallback"),
        "a Guernsey number in +44 is not British"
    );
    assert_eq!(route(&t, "").as_deref(), Some("+"));
    let entry = t.lookup("34600111222").unwrap();
    let names: Vec<&str> = entry.carriers.iter().map(|c| &**c).collect();
    assert_eq!(names, ["c", "a"], "failover order as configured");
}

#[test]
fn countries_sharing_a_calling_code_are_told_apart_and_longer_prefixes_still_win() {
    let t = table(
        r#"
[[routes]]
prefix = "+"
carriers = ["fallback"]
[[routes]]
prefix = "+1"
carriers = ["a"]
[[routes]]
country = "BS"
carriers = ["b"]
[[routes]]
country = "CA"
carriers = ["c"]
[[routes]]
prefix = "+1416"
carriers = ["d"]
[[routes]]
country = "ES"
carriers = ["b"]
"#,
    );
    assert_eq!(carrier(&t, "12423456789").as_deref(), Some("b"), "Bahamas");
    assert_eq!(carrier(&t, "15145550123").as_deref(), Some("c"), "Montreal");
    assert_eq!(
        carrier(&t, "14165550123").as_deref(),
        Some("d"),
        "Toronto: +1416 is longer than the country's +1"
    );
    assert_eq!(
        carrier(&t, "12125550123").as_deref(),
        Some("a"),
        "New York: +1"
    );
    assert_eq!(
        carrier(&t, "34600111222").as_deref(),
        Some("b"),
        "ES is +34"
    );
    assert_eq!(carrier(&t, "4915112345678").as_deref(), Some("fallback"));
}

#[test]
fn no_default_route_means_no_route() {
    let t = table("[[routes]]\nprefix = \"+34\"\ncarriers = [\"a\"]\n");
    assert!(t.lookup("447911123456").is_none());
    assert!(t.lookup("34600111222").is_some());
}

#[test]
fn weights_pick_the_first_carrier_and_the_rest_fail_over() {
    let t = table(
        "[[routes]]\nprefix = \"+\"\ncarriers = [\"a\", \"b\", \"c\"]\nweights = [70, 20, 10]\n",
    );
    let e = t.lookup("34600111222").unwrap();
    assert_eq!(e.total_weight(), 100);
    let first = |draw| e.order(draw)[0].to_string();
    assert_eq!(first(0), "a");
    assert_eq!(first(69), "a");
    assert_eq!(first(70), "b");
    assert_eq!(first(89), "b");
    assert_eq!(first(90), "c");
    let order: Vec<String> = e.order(95).iter().map(|c| c.to_string()).collect();
    assert_eq!(order, ["c", "a", "b"]);
    // Over every draw the shares are exactly the weights.
    let mut counts = std::collections::HashMap::new();
    for draw in 0..100 {
        *counts.entry(first(draw)).or_insert(0) += 1;
    }
    assert_eq!((counts["a"], counts["b"], counts["c"]), (70, 20, 10));
}
