//! The whole policy check per message, with every rule on (country allow-list, Unicode
//! permission, quiet hours, duplicate window, rate limit, daily quota, credit), as the
//! acceptor runs it: country from the number, then `PolicyBook::admit`. Also the country
//! lookup alone (a shared calling code goes through numbering-plan data, memoised) and the
//! routing lookup with a country route. Target: ≤ 2 µs per message with all rules on.
//!
//! `cargo bench --bench policy`

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smppd::config::Config;
use smppd::message::{Kind, MessageId};
use smppd::policy::{CountryResolver, Draft, PolicyBook, SavedCounters};
use smppd::routing::RouteTable;
use smppd::text::Encoding;

const CONFIG: &str = r#"
[api]
socket = "api.sock"
[store]
path = "data"
[[carriers]]
name = "sim"
host = "127.0.0.1"
port = 2775
system_id = "smppd"
password = "secret"
binds = { transceiver = 1 }
max_tps = 100000
[[routes]]
prefix = "+"
carriers = ["sim"]
[[routes]]
country = "CA"
carriers = ["sim"]
[[routes]]
prefix = "+34"
carriers = ["sim"]
[[accounts]]
id = "acme"
default_sender = "ACME"
webhook = { url = "http://127.0.0.1:9/hook", secret = "s" }
tokens = [{ sha256 = "0000000000000000000000000000000000000000000000000000000000000000", scopes = ["send"] }]
[accounts.policy]
rate = "1000000000/s"
duplicate_window = "60m"
countries = ["ES", "PT", "FR", "GB", "US", "CA", "DE", "IT"]
quiet_hours = { from = "22:00", to = "08:00", zone = "recipient" }
daily_quota = 1000000000000
credit = 1000000000000
unicode = false
"#;

fn policy(c: &mut Criterion) {
    let config = Config::from_str(CONFIG, Path::new("bench.toml"), Path::new("/"), &|_| None)
        .unwrap_or_else(|e| panic!("{e}"));
    let book = PolicyBook::new(&config, &SavedCounters::default(), jiff::Timestamp::now());
    let rules = book.account("acme").unwrap().clone();
    let routes = RouteTable::new(&config.routes);
    let numbers: Vec<String> = (0..1024)
        .map(|i| match i % 4 {
            0 => format!("+346001{i:05}"),
            1 => format!("+1416555{i:04}"),
            2 => format!("+4474001{i:05}"),
            _ => format!("+3519123{i:04}"),
        })
        .collect();
    let mut group = c.benchmark_group("policy");
    group.throughput(Throughput::Elements(1));

    let mut n = 0u64;
    group.bench_function("admit, all rules on", |b| {
        b.iter(|| {
            n += 1;
            let to = &numbers[(n % 1024) as usize];
            let now = jiff::Timestamp::now();
            let country = book.countries().country_of(&to[1..]);
            let draft = Draft {
                kind: Kind::Bulk,
                to,
                country,
                encoding: Encoding::Gsm7,
                segments: 1,
                due: now,
            };
            // A new text each time: every message is checked against the duplicate window
            // and then claims its own slot.
            let text = n.to_string();
            let id = MessageId(u128::from(n));
            black_box(book.admit(&rules, "acme", &draft, &text, id, now))
        })
    });

    let resolver = CountryResolver::new();
    group.bench_function("country_of, mixed numbers", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % numbers.len();
            black_box(resolver.country_of(&numbers[i][1..]))
        })
    });

    group.bench_function("route lookup with country", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % numbers.len();
            let digits = &numbers[i][1..];
            black_box(routes.lookup_in(digits, resolver.country_of(digits)))
        })
    });
    group.finish();
}

criterion_group!(benches, policy);
criterion_main!(benches);
