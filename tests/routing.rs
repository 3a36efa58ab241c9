//! Longest-prefix routing over E.164 digits, compiled from the configured routes.

use std::path::Path;

use smppd::config::Config;
use smppd::routing::RouteTable;

fn table(routes: &str) -> RouteTable {
    let mut text = format!(
        "[api]\nsocket = \"s.sock\"\n[store]\npath = \"data\"\n\
         [[accounts]]\nid = \"acme\"\nwebhook = {{ url = \"http://127.0.0.1:1/h\", secret = \"s\" }}\n\
         tokens = [{{ sha256 = \"{}\", scopes = [\"send\"] }}]\n",
        "ab".repeat(32)
    );
    for name in ["a", "b", "c", "d", "fallback"] {
        text.push_str(&format!(
            "[[carriers]]\nname = \"{name}\"\nhost = \"127.0.0.1\"\nport = 2775\nsystem_id = \"x\"\n\
             password = \"p\"\nbinds = {{ transceiver = 1 }}\nmax_tps = 10\n"
        ));
    }
    text.push_str(routes);
    let cfg = Config::from_str(&text, Path::new("t.toml"), Path::new("/"), &|_| None)
        .unwrap_or_else(|e| panic!("{e}"));
    RouteTable::new(&cfg.routes)
}

fn route(t: &RouteTable, digits: &str) -> Option<String> {
    t.lookup(digits).map(|r| r.prefix.to_string())
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
        route(&t, "447911123456").as_deref(),
        Some("+44"),
        "country = GB is +44"
    );
    assert_eq!(route(&t, "").as_deref(), Some("+"));
    let entry = t.lookup("34600111222").unwrap();
    let names: Vec<&str> = entry.carriers.iter().map(|c| &**c).collect();
    assert_eq!(names, ["c", "a"], "failover order as configured");
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
