//! The shipped dashboard and alert rules use only metrics smppd exports: every `smppd_*` name in
//! `deploy/` is one `src/metrics.rs` declares (histogram series suffixes aside).

use std::collections::BTreeSet;

/// Every `smppd_…` word in `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("smppd_"))
        .map(str::to_owned)
        .collect()
}

fn exported() -> BTreeSet<String> {
    let source = std::fs::read_to_string("src/metrics.rs").unwrap();
    source
        .lines()
        .filter(|l| l.starts_with("pub const "))
        .filter_map(|l| l.split('"').nth(1))
        .filter(|n| n.starts_with("smppd_"))
        .map(str::to_owned)
        .collect()
}

fn check(file: &str) {
    let known = exported();
    assert!(known.len() > 20, "{known:?}");
    let used = metric_names(&std::fs::read_to_string(file).unwrap());
    assert!(!used.is_empty(), "{file} names no metric");
    let unknown: Vec<&String> = used
        .iter()
        .filter(|n| {
            let base = ["_bucket", "_count", "_sum"]
                .iter()
                .find_map(|s| n.strip_suffix(s))
                .unwrap_or(n);
            !known.contains(base) && !known.contains(n.as_str())
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "{file} uses unknown metrics: {unknown:?}"
    );
}

#[test]
fn the_dashboard_uses_only_exported_metrics() {
    check("deploy/grafana/smppd.json");
}

#[test]
fn the_alert_rules_use_only_exported_metrics() {
    check("deploy/prometheus/alerts.yml");
}
