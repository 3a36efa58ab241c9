//! The configuration loader through the library: the example validates, every problem in a file
//! is reported at once with file, key path, position and reason, and each rule of CONFIG.md holds.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use smppd::config::{
    Config, ConfigErrors, Country, MessageIdFormat, OnTimeout, QuietZone, RatePeriod, Scope,
    Secret, Sender,
};
use smppd::text::{Concatenation, DefaultAlphabet, NationalLanguage, Packing};

const HASH_A: &str = "7c43ef5ae21d43ce2743f770c68e24def1a43ee2f416d2438410c8af7af2ff2c";
const HASH_B: &str = "0000000000000000000000000000000000000000000000000000000000000001";

/// `[api]` and `[store]` with only their required keys.
const SERVICE: &str = r#"
[api]
socket = "run/smppd.sock"

[store]
path = "data"
"#;

const CARRIER: &str = r#"
[[carriers]]
name = "c1"
host = "127.0.0.1"
port = 2775
system_id = "smppd"
password = "secret"
binds = { transceiver = 1 }
max_tps = 10
"#;

const ROUTE: &str = r#"
[[routes]]
prefix = "+"
carriers = ["c1"]
"#;

fn account(id: &str, hash: &str) -> String {
    format!(
        r#"
[[accounts]]
id = "{id}"
webhook = {{ url = "http://127.0.0.1:8099/hook", secret = "whsec" }}
tokens = [{{ sha256 = "{hash}", scopes = ["send"] }}]
"#
    )
}

/// A valid config with `extra` appended (more carriers, routes or accounts).
fn minimal(extra: &str) -> String {
    format!("{SERVICE}{CARRIER}{ROUTE}{}{extra}", account("a1", HASH_A))
}

/// Validates `text` as `test.toml` in `dir`, with `env` as the whole environment.
fn load_in(text: &str, dir: &Path, env: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_str(text, Path::new("test.toml"), dir, &|name| {
        env.get(name).cloned()
    })
}

fn load(text: &str) -> Result<Config, ConfigErrors> {
    load_in(text, Path::new("/etc/smppd"), &[])
}

/// The problems as `(line, key path, reason)`.
fn problems(text: &str) -> Vec<(usize, String, String)> {
    match load(text) {
        Ok(_) => panic!("expected problems in:\n{text}"),
        Err(errors) => errors
            .errors()
            .iter()
            .map(|e| {
                assert_eq!(e.file, Path::new("test.toml"));
                (
                    e.location.map_or(0, |l| l.line),
                    e.path.to_string(),
                    e.reason.clone(),
                )
            })
            .collect(),
    }
}

/// The one problem in `text`, as `(key path, reason)`.
fn only_problem(text: &str) -> (String, String) {
    let mut all = problems(text);
    assert_eq!(all.len(), 1, "{all:#?}");
    let (_, path, reason) = all.remove(0);
    (path, reason)
}

/// 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the text"))
        + 1
}

#[test]
fn the_example_config_validates_with_its_documented_defaults() {
    let config = Config::load(Path::new("config/smppd.example.toml")).unwrap();
    assert_eq!(config.file, Path::new("config/smppd.example.toml"));
    // Relative paths are resolved against the file's directory, made absolute.
    assert!(config.api.socket.is_absolute());
    assert!(config.api.socket.ends_with("config/var/smppd.sock"));
    assert!(config.store.path.ends_with("config/var/data"));
    assert_eq!(config.api.tcp, None);
    assert_eq!(config.api.max_batch, 1000);
    assert_eq!(config.api.max_body_bytes, 8 * 1024 * 1024);
    assert_eq!(
        config.admin.listen,
        "127.0.0.1:9464".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(
        config.store.dlr_correlation_ttl,
        Duration::from_secs(72 * 3600)
    );
    assert_eq!(config.store.max_outbox, 1_000_000);
    assert_eq!(config.store.commit_interval, Duration::ZERO);
    assert_eq!(config.store.commit_max_batch, 1000);
    assert!(config.store.accept_journal);
    assert_eq!(config.shutdown.grace, Duration::from_secs(30));

    let sim = config.carrier("sim").unwrap();
    let c = &sim.carrier;
    assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 2775));
    assert_eq!(
        (c.system_id.as_str(), c.password.as_str()),
        ("smppd", "secret")
    );
    assert_eq!(c.binds.transceiver, 2);
    assert_eq!(c.binds.total(), 2);
    assert_eq!(c.interface_version, 0x34);
    assert_eq!(c.window, 64);
    assert_eq!(c.max_tps, 5000);
    assert_eq!(c.enquire_link, Duration::from_secs(30));
    assert_eq!(c.response_timeout, Duration::from_secs(10));
    assert_eq!(c.reconnect_min, Duration::from_secs(1));
    assert_eq!(c.reconnect_max, Duration::from_secs(60));
    assert_eq!(c.throttle_pause, Duration::from_secs(1));
    assert_eq!(c.throttle_retry_for, Duration::from_secs(60));
    assert_eq!(c.password_max, 9);
    assert_eq!(c.max_pdu, smppd::framing::DEFAULT_MAX_PDU);
    assert_eq!(c.tls, None);
    assert_eq!(sim.text, smppd::text::TextProfile::default());
    assert_eq!(sim.message_id_format, MessageIdFormat::Auto);
    assert_eq!(sim.on_timeout, OnTimeout::Report);

    assert_eq!(config.routes.len(), 1);
    assert_eq!(config.routes[0].prefix.as_str(), "+");
    assert_eq!(config.routes[0].carriers, ["sim"]);

    let demo = config.account("demo").unwrap();
    assert_eq!(
        demo.default_sender,
        Some(Sender::Alphanumeric("DEMO".into()))
    );
    assert_eq!(demo.webhook.url, "http://127.0.0.1:8099/smppd");
    assert_eq!(demo.webhook.secret.expose(), "whsec-change-me");
    assert_eq!(demo.webhook.timeout, Duration::from_secs(10));
    assert_eq!(demo.webhook.retry_for, Duration::from_secs(24 * 3600));
    assert_eq!(hex::encode(demo.tokens[0].sha256), HASH_A);
    assert_eq!(
        demo.tokens[0].scopes,
        [Scope::Send, Scope::Read, Scope::Admin]
    );
    let p = &demo.policy;
    let rate = p.rate.unwrap();
    assert_eq!(
        (rate.count.get(), rate.per, rate.burst.get()),
        (100, RatePeriod::Second, 100)
    );
    assert_eq!(p.duplicate_window, Some(Duration::from_secs(3600)));
    assert_eq!(p.daily_quota, Some(50_000));
    assert_eq!(p.max_per_request, 1000);
    assert!(p.unicode);
    assert_eq!((p.countries.as_ref(), p.quiet_hours.as_ref()), (None, None));
    assert_eq!((p.credit, p.bulk_validity), (None, None));
}

#[test]
fn a_file_with_many_mistakes_reports_every_one_with_its_key_and_line() {
    let text = r#"
[api]
socket = "run/smppd.sock"
tcp = "0.0.0.0:8080"
max_batch = 0
colour = "blue"

[store]
dlr_correlation_ttl = "72"

[[carriers]]
name = "c1"
host = "127.0.0.1"
port = 70000
system_id = "a-very-long-system-id"
password = { env = "SMPP_PASSWORD" }
binds = { transceiver = "two" }
max_tps = 10
reconnect = { min = "2m", max = "1m" }
on_timeout = "retry"

[[carriers]]
name = "c1"
host = "127.0.0.1"
port = 2776
system_id = "smppd"
password = "longer-than-8"
binds = { receiver = 1 }
max_tps = 10

[[routes]]
country = "ES"
carriers = ["c1", "ghost"]
weights = [1]

[[routes]]
prefix = "+34"
carriers = ["c1"]

[[accounts]]
id = "acme"
default_sender = "ACME Bank Limited"
webhook = { url = "ftp://example.com/hook", secret = "whsec" }
tokens = [
  { sha256 = "abc", scopes = ["send", "write"], allow_ips = ["10.0.0.1/8"] },
]

[accounts.policy]
rate = "100/d"
countries = ["ES", "QQ"]
quiet_hours = { from = "22:00", to = "08:00", zone = "Mars/Olympus_Mons" }
"#;
    let expected: Vec<(usize, &str, &str)> = vec![
        (
            line_of(text, "tcp ="),
            "api.tcp",
            "[api.tls] (cert, key) is required",
        ),
        (
            line_of(text, "max_batch"),
            "api.max_batch",
            "0 is out of range",
        ),
        (
            line_of(text, "colour"),
            "api.colour",
            "unknown field `colour`",
        ),
        (line_of(text, "[store]"), "store.path", "missing"),
        (
            line_of(text, "dlr_correlation_ttl"),
            "store.dlr_correlation_ttl",
            "not a duration",
        ),
        (
            line_of(text, "port = 70000"),
            "carriers[0].port",
            "70000 is out of range",
        ),
        (
            line_of(text, "a-very-long"),
            "carriers[0].system_id",
            "1 to 15 characters",
        ),
        (
            line_of(text, "SMPP_PASSWORD"),
            "carriers[0].password",
            "environment variable SMPP_PASSWORD is not set",
        ),
        (
            line_of(text, "\"two\""),
            "carriers[0].binds.transceiver",
            "invalid type: string \"two\", expected an integer",
        ),
        (
            line_of(text, "reconnect"),
            "carriers[0].reconnect",
            "min (2m) must not be longer than max (1m)",
        ),
        (
            line_of(text, "on_timeout"),
            "carriers[0].on_timeout",
            "unknown variant `retry`",
        ),
        (
            line_of(text, "port = 2776") - 2,
            "carriers[1].name",
            "already the name of carriers[0]",
        ),
        (
            line_of(text, "longer-than-8"),
            "carriers[1].password",
            "more than 8",
        ),
        (
            line_of(text, "\"ghost\""),
            "routes[0].carriers[1]",
            "\"ghost\" is not a configured carrier",
        ),
        (
            line_of(text, "weights"),
            "routes[0].weights",
            "one weight per carrier (2), not 1",
        ),
        (
            line_of(text, "prefix = \"+34\""),
            "routes[1].prefix",
            "+34 is already routed by routes[0]",
        ),
        (
            line_of(text, "ACME Bank"),
            "accounts[0].default_sender",
            "at most 11 GSM characters",
        ),
        (
            line_of(text, "ftp://"),
            "accounts[0].webhook.url",
            "http:// or https://",
        ),
        (
            line_of(text, "\"abc\""),
            "accounts[0].tokens[0].sha256",
            "64 hexadecimal digits",
        ),
        (
            line_of(text, "\"write\""),
            "accounts[0].tokens[0].scopes[1]",
            "unknown variant `write`",
        ),
        (
            line_of(text, "10.0.0.1/8"),
            "accounts[0].tokens[0].allow_ips[0]",
            "host bits set: the network is 10.0.0.0/8",
        ),
        (
            line_of(text, "100/d"),
            "accounts[0].policy.rate",
            "not a rate",
        ),
        (
            line_of(text, "\"QQ\""),
            "accounts[0].policy.countries[1]",
            "\"QQ\" is not an ISO 3166-1",
        ),
        (
            line_of(text, "Mars/"),
            "accounts[0].policy.quiet_hours.zone",
            "not an IANA time zone",
        ),
    ];
    let found = problems(text);
    let got: Vec<(usize, &str)> = found.iter().map(|(l, p, _)| (*l, p.as_str())).collect();
    let mut want: Vec<(usize, &str)> = expected.iter().map(|(l, p, _)| (*l, *p)).collect();
    want.sort();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    assert_eq!(got_sorted, want, "all problems: {found:#?}");
    // In file order: by line, then column.
    let at: Vec<_> = load(text)
        .unwrap_err()
        .errors()
        .iter()
        .map(|e| e.location.unwrap())
        .collect();
    assert!(at.is_sorted(), "{at:?}");
    for (line, path, fragment) in expected {
        let (_, _, reason) = found
            .iter()
            .find(|(l, p, _)| *l == line && p == path)
            .unwrap();
        assert!(
            reason.contains(fragment),
            "{path}: {reason:?} lacks {fragment:?}"
        );
    }
}

#[test]
fn each_problem_renders_as_file_line_column_key_and_reason() {
    let text = minimal("").replace("max_tps = 10", "max_tps = 10\nspeed = 3");
    let errors = load(&text).unwrap_err();
    let line = line_of(&text, "speed");
    assert_eq!(
        errors.to_string(),
        format!(
            "test.toml:{line}:1: carriers[0].speed: unknown field `speed`, expected one of \
             `name`, `host`, `port`, `system_id`, `password`, `password_max`, `system_type`, \
             `interface_version`, `binds`, `window`, `max_tps`, `enquire_link`, \
             `response_timeout`, `reconnect`, `throttle_pause`, `throttle_retry_for`, `max_pdu`, \
             `tls`, `data_coding_default`, `message_id_format`, `concatenation`, `packing`, \
             `national_tables`, `max_segments`, `on_timeout`"
        )
    );
    let json = serde_json::to_value(&errors).unwrap();
    assert_eq!(json[0]["file"], "test.toml");
    assert_eq!(json[0]["line"], line);
    assert_eq!(json[0]["column"], 1);
    assert_eq!(json[0]["path"], "carriers[0].speed");
}

#[test]
fn an_unknown_key_names_its_line_and_column_even_in_an_inline_table() {
    let text = minimal("").replace(
        "binds = { transceiver = 1 }",
        "binds = { transceiver = 1, trasmitter = 1 }",
    );
    let errors = load(&text).unwrap_err();
    let e = &errors.errors()[0];
    assert_eq!(errors.len(), 1);
    assert_eq!(e.path.to_string(), "carriers[0].binds.trasmitter");
    let at = e.location.unwrap();
    assert_eq!(at.line, line_of(&text, "trasmitter"));
    assert_eq!(at.column, "binds = { transceiver = 1, ".len() + 1);
    assert!(
        e.reason.starts_with("unknown field `trasmitter`"),
        "{}",
        e.reason
    );
}

#[test]
fn a_wrong_type_says_what_was_expected() {
    let (path, reason) = only_problem(&minimal("").replace("port = 2775", "port = \"2775\""));
    assert_eq!(path, "carriers[0].port");
    assert_eq!(reason, "invalid type: string \"2775\", expected an integer");
    let (path, reason) =
        only_problem(&minimal("").replace("carriers = [\"c1\"]", "carriers = \"c1\""));
    assert_eq!(path, "routes[0].carriers");
    assert_eq!(reason, "invalid type: string \"c1\", expected an array");
    let (path, reason) =
        only_problem(&minimal("").replace("binds = { transceiver = 1 }", "binds = 1"));
    assert_eq!(path, "carriers[0].binds");
    assert_eq!(reason, "invalid type: integer `1`, expected a table");
}

#[test]
fn a_syntax_error_is_reported_with_its_line() {
    let text = "[api]\nsocket = \"x\"\nmax_batch = = 3\n";
    let errors = load(text).unwrap_err();
    let e = &errors.errors()[0];
    assert_eq!(e.location.unwrap().line, 3);
    assert!(e.reason.starts_with("not valid TOML"), "{}", e.reason);
    assert!(e.path.segments().is_empty());
}

#[test]
fn missing_sections_and_keys_are_named() {
    let all = problems("");
    let paths: Vec<&str> = all.iter().map(|(_, p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["accounts", "api.socket", "carriers", "routes", "store.path"]
    );
    let (path, reason) = only_problem(&minimal("").replace("host = \"127.0.0.1\"\n", ""));
    assert_eq!(path, "carriers[0].host");
    assert_eq!(reason, "missing (this key is required)");
}

#[test]
fn the_log_section_is_optional_and_its_level_is_a_checked_filter() {
    use smppd::config::{Log, LogFormat};
    let example = Config::load(Path::new("config/smppd.example.toml")).unwrap();
    let default = Log {
        format: LogFormat::Text,
        level: "info".into(),
    };
    assert_eq!(example.log, default);
    assert_eq!(load(&minimal("")).unwrap().log, default);

    let json = "\n[log]\nformat = \"json\"\nlevel = \"warn,smppd::carrier=debug\"\n";
    let log = load(&minimal(json)).unwrap().log;
    assert_eq!(log.format, LogFormat::Json);
    assert_eq!(log.level, "warn,smppd::carrier=debug");

    // A bare word would be read as a target and silence everything else: refused.
    let (path, reason) = only_problem(&minimal("\n[log]\nlevel = \"verbose\"\n"));
    assert_eq!(path, "log.level");
    assert!(reason.contains("\"verbose\" is not a level"), "{reason}");
    let (path, reason) = only_problem(&minimal("\n[log]\nlevel = \"info,smppd=loud\"\n"));
    assert_eq!(path, "log.level");
    assert!(reason.contains("not a valid filter directive"), "{reason}");
    let (path, _) = only_problem(&minimal("\n[log]\nlevel = \"\"\n"));
    assert_eq!(path, "log.level");
    let (path, reason) = only_problem(&minimal("\n[log]\nformat = \"xml\"\n"));
    assert_eq!(path, "log.format");
    assert!(reason.contains("expected `text` or `json`"), "{reason}");
    let (path, reason) = only_problem(&minimal("\n[log]\ncolour = true\n"));
    assert_eq!(path, "log.colour");
    assert!(reason.contains("unknown field"), "{reason}");
}

#[test]
fn secrets_come_inline_from_the_environment_or_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/hook"), "from-file\n").unwrap();
    let text = minimal("")
        .replace("password = \"secret\"", "password = { env = \"SMPP_PW\" }")
        .replace("secret = \"whsec\"", "secret = { file = \"secrets/hook\" }");
    let config = load_in(&text, dir.path(), &[("SMPP_PW", "pw-env")]).unwrap();
    assert_eq!(config.carriers[0].carrier.password, "pw-env");
    // One trailing newline is not part of the secret.
    assert_eq!(config.accounts[0].webhook.secret.expose(), "from-file");
    // Neither Debug shows a secret.
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("pw-env") && !shown.contains("from-file"),
        "{shown}"
    );
    assert_eq!(format!("{:?}", Secret::new("x")), "Secret(<redacted>)");

    // A missing variable and an unreadable file each name their key.
    let errors = load_in(&text, Path::new("/nonexistent-dir"), &[]).unwrap_err();
    let got: Vec<(String, &str)> = errors
        .errors()
        .iter()
        .map(|e| (e.path.to_string(), e.reason.as_str()))
        .collect();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0].0, "carriers[0].password");
    assert_eq!(got[0].1, "environment variable SMPP_PW is not set");
    assert_eq!(got[1].0, "accounts[0].webhook.secret");
    assert!(
        got[1]
            .1
            .starts_with("cannot read secret file /nonexistent-dir/secrets/hook"),
        "{}",
        got[1].1
    );
}

#[test]
fn a_secret_must_be_one_of_the_three_forms() {
    let (path, reason) = only_problem(&minimal("").replace(
        "password = \"secret\"",
        "password = { env = \"A\", file = \"b\" }",
    ));
    assert_eq!(path, "carriers[0].password");
    assert_eq!(
        reason,
        "a string, { env = \"NAME\" } or { file = \"path\" }"
    );
}

#[test]
fn a_non_loopback_tcp_listener_needs_tls() {
    let open = minimal("").replace(
        "socket = \"run/smppd.sock\"",
        "socket = \"run/smppd.sock\"\ntcp = \"0.0.0.0:8443\"",
    );
    let (path, reason) = only_problem(&open);
    assert_eq!(path, "api.tcp");
    assert!(reason.contains("not a loopback address"), "{reason}");

    // Loopback, v4 and v6, needs none.
    for addr in ["127.0.0.1:8080", "[::1]:8080"] {
        let text = open.replace("0.0.0.0:8443", addr);
        let config = load(&text).unwrap();
        assert_eq!(
            config.api.tcp.unwrap().listen,
            addr.parse::<SocketAddr>().unwrap()
        );
    }

    // With [api.tls] naming readable PEM files, it is accepted.
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(dir.path().join("api.crt"), certified.cert.pem()).unwrap();
    std::fs::write(
        dir.path().join("api.key"),
        certified.signing_key.serialize_pem(),
    )
    .unwrap();
    let tls = open.replace(
        "[store]",
        "[api.tls]\ncert = \"api.crt\"\nkey = \"api.key\"\n\n[store]",
    );
    let config = load_in(&tls, dir.path(), &[]).unwrap();
    let tcp = config.api.tcp.unwrap();
    let server = tcp.tls.unwrap();
    assert_eq!(server.cert, dir.path().join("api.crt"));
    assert_eq!(server.key, dir.path().join("api.key"));

    // Files that are not what they claim are refused at load.
    let swapped = tls
        .replace("api.crt", "TMP")
        .replace("api.key", "api.crt")
        .replace("TMP", "api.key");
    let errors = load_in(&swapped, dir.path(), &[]).unwrap_err();
    let paths: Vec<String> = errors.errors().iter().map(|e| e.path.to_string()).collect();
    assert_eq!(paths, ["api.tls.cert", "api.tls.key"]);
}

#[test]
fn a_route_to_an_unknown_carrier_is_refused() {
    let text = minimal("[[routes]]\nprefix = \"+34\"\ncarriers = [\"c1\", \"nope\"]\n");
    let (path, reason) = only_problem(&text);
    assert_eq!(path, "routes[1].carriers[1]");
    assert_eq!(reason, "\"nope\" is not a configured carrier");
}

#[test]
fn a_route_needs_a_carrier_that_can_send() {
    let extra = CARRIER
        .replace("name = \"c1\"", "name = \"rx\"")
        .replace("transceiver = 1", "receiver = 1");
    let text = minimal(&format!(
        "{extra}\n[[routes]]\nprefix = \"+34\"\ncarriers = [\"rx\"]\n"
    ));
    let (path, reason) = only_problem(&text);
    assert_eq!(path, "routes[1].carriers[0]");
    assert!(
        reason.contains("no transmitter or transceiver bind"),
        "{reason}"
    );
}

#[test]
fn country_routes_use_the_calling_code() {
    let text = minimal("[[routes]]\ncountry = \"GB\"\ncarriers = [\"c1\"]\n");
    let config = load(&text).unwrap();
    let gb = &config.routes[1];
    assert_eq!(gb.prefix.as_str(), "+44");
    assert_eq!(gb.country, Country::from_alpha2("GB"));

    // Countries that share a calling code are told apart by numbering-plan data, so US and
    // CA are two routes; the same country twice is still one too many.
    let both = minimal(
        "[[routes]]\ncountry = \"US\"\ncarriers = [\"c1\"]\n[[routes]]\ncountry = \"CA\"\ncarriers = [\"c1\"]\n",
    );
    assert_eq!(load(&both).unwrap().routes.len(), 3);
    let twice = minimal(
        "[[routes]]\ncountry = \"US\"\ncarriers = [\"c1\"]\n[[routes]]\ncountry = \"US\"\ncarriers = [\"c1\"]\n",
    );
    assert_eq!(
        only_problem(&twice),
        (
            "routes[2].country".to_string(),
            "country US is already routed by routes[1]".to_string()
        )
    );
    let (path, reason) = only_problem(&minimal(
        "[[routes]]\ncountry = \"gb\"\ncarriers = [\"c1\"]\n",
    ));
    assert_eq!(path, "routes[1].country");
    assert!(reason.contains("upper case, \"GB\""), "{reason}");
    let (path, _) = only_problem(&minimal(
        "[[routes]]\ncountry = \"ES\"\nprefix = \"+34\"\ncarriers = [\"c1\"]\n",
    ));
    assert_eq!(path, "routes[1].country");
}

#[test]
fn route_prefixes_and_weights_are_checked() {
    let config = load(&minimal(
        "[[routes]]\nprefix = \"+3460\"\ncarriers = [\"c1\"]\nweights = [5]\n",
    ))
    .unwrap();
    assert_eq!(
        config.routes[1].weights,
        Some(vec![NonZeroU32::new(5).unwrap()])
    );
    for (prefix, fragment) in [
        ("34", "must start with +"),
        ("+34a", "only digits"),
        ("+1234567890123456", "at most 15 digits"),
    ] {
        let (path, reason) = only_problem(&minimal(&format!(
            "[[routes]]\nprefix = \"{prefix}\"\ncarriers = [\"c1\"]\n"
        )));
        assert_eq!(path, "routes[1].prefix");
        assert!(reason.contains(fragment), "{reason}");
    }
    let (path, reason) = only_problem(&minimal(
        "[[routes]]\nprefix = \"+34\"\ncarriers = [\"c1\"]\nweights = [0]\n",
    ));
    assert_eq!(path, "routes[1].weights[0]");
    assert!(reason.contains("above 0"), "{reason}");
}

#[test]
fn a_token_hash_may_belong_to_one_account_only() {
    let text = minimal(&account("a2", &HASH_A.to_uppercase()));
    let (path, reason) = only_problem(&text);
    assert_eq!(path, "accounts[1].tokens[0].sha256");
    assert_eq!(
        reason,
        "the same token hash is already used at accounts[0].tokens[0].sha256"
    );
    // Different hashes are fine.
    let config = load(&minimal(&account("a2", HASH_B))).unwrap();
    assert_eq!(config.accounts.len(), 2);
    // So are ids.
    let (path, _) = only_problem(&minimal(&account("a1", HASH_B)));
    assert_eq!(path, "accounts[1].id");
}

#[test]
fn allow_ips_are_cidr_networks() {
    let with = |nets: &str| {
        minimal("").replace(
            "scopes = [\"send\"] }",
            &format!("scopes = [\"send\"], allow_ips = [{nets}] }}"),
        )
    };
    let config = load(&with("\"10.0.0.0/8\", \"2001:db8::/32\"")).unwrap();
    let nets: Vec<String> = config.accounts[0].tokens[0]
        .allow_ips
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(nets, ["10.0.0.0/8", "2001:db8::/32"]);
    let all = problems(&with("\"10.0.0.0/33\", \"192.168.1.1\", \"10.1.2.3/16\""));
    let got: Vec<(&str, &str)> = all
        .iter()
        .map(|(_, p, r)| (p.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "accounts[0].tokens[0].allow_ips[0]",
                "\"10.0.0.0/33\" is not a network in CIDR form, such as \"10.0.0.0/8\" or \"2001:db8::/32\""
            ),
            (
                "accounts[0].tokens[0].allow_ips[1]",
                "\"192.168.1.1\" is an address, not a network: write 192.168.1.1/32 (or /128 for IPv6)"
            ),
            (
                "accounts[0].tokens[0].allow_ips[2]",
                "\"10.1.2.3/16\" has host bits set: the network is 10.1.0.0/16"
            ),
        ]
    );
}

#[test]
fn quiet_hours_zones_are_iana_names_or_recipient() {
    let with = |zone: &str| {
        minimal(&format!(
            "\n[accounts.policy]\nquiet_hours = {{ from = \"22:00\", to = \"08:00\", zone = \"{zone}\" }}\n"
        ))
    };
    let config = load(&with("Europe/Madrid")).unwrap();
    let q = config.accounts[0].policy.quiet_hours.clone().unwrap();
    assert_eq!(q.from, jiff::civil::Time::new(22, 0, 0, 0).unwrap());
    assert_eq!(q.to, jiff::civil::Time::new(8, 0, 0, 0).unwrap());
    match q.zone {
        QuietZone::Named(tz) => assert_eq!(tz.iana_name(), Some("Europe/Madrid")),
        other => panic!("{other:?}"),
    }
    let config = load(&with("recipient")).unwrap();
    assert_eq!(
        config.accounts[0].policy.quiet_hours.as_ref().unwrap().zone,
        QuietZone::Recipient
    );
    let (path, reason) = only_problem(&with("Europe/Atlantis"));
    assert_eq!(path, "accounts[0].policy.quiet_hours.zone");
    assert_eq!(
        reason,
        "\"Europe/Atlantis\" is not an IANA time zone (such as \"Europe/Madrid\") or \"recipient\""
    );
}

#[test]
fn policy_values_and_limits() {
    let text = minimal(
        r#"
[accounts.policy]
rate = "100/m"
duplicate_window = "0s"
countries = ["ES", "PT"]
daily_quota = 10
max_per_request = 50
unicode = false
credit = 0
bulk_validity = "48h"
"#,
    );
    let p = load(&text).unwrap().accounts[0].policy.clone();
    let rate = p.rate.unwrap();
    // One second's worth of 100 a minute, rounded up.
    assert_eq!(
        (rate.count.get(), rate.per, rate.burst.get()),
        (100, RatePeriod::Minute, 2)
    );
    assert_eq!(p.duplicate_window, None);
    let countries: Vec<&str> = p.countries.unwrap().iter().map(|c| c.alpha2()).collect();
    assert_eq!(countries, ["ES", "PT"]);
    assert_eq!(
        (p.daily_quota, p.max_per_request, p.unicode),
        (Some(10), 50, false)
    );
    assert_eq!(
        (p.credit, p.bulk_validity),
        (Some(0), Some(Duration::from_secs(48 * 3600)))
    );

    let (path, reason) = only_problem(&minimal("\n[accounts.policy]\nmax_per_request = 1001\n"));
    assert_eq!(path, "accounts[0].policy.max_per_request");
    assert_eq!(reason, "1001 is more than api.max_batch (1000)");
    let (path, reason) = only_problem(&minimal("\n[accounts.policy]\nburst = 5\n"));
    assert_eq!(path, "accounts[0].policy.burst");
    assert!(reason.contains("needs a rate"), "{reason}");
}

#[test]
fn relative_paths_resolve_against_the_config_files_directory() {
    let dir = tempfile::tempdir().unwrap();
    let conf_dir = dir.path().join("etc");
    std::fs::create_dir(&conf_dir).unwrap();
    std::fs::write(conf_dir.join("pw"), "file-pw").unwrap();
    let text = minimal("")
        .replace("path = \"data\"", "path = \"../var/lib/smppd\"")
        .replace("password = \"secret\"", "password = { file = \"pw\" }");
    let file = conf_dir.join("smppd.toml");
    std::fs::write(&file, &text).unwrap();
    let config = Config::load(&file).unwrap();
    assert_eq!(config.api.socket, conf_dir.join("run/smppd.sock"));
    assert_eq!(config.store.path, conf_dir.join("../var/lib/smppd"));
    assert_eq!(config.carriers[0].carrier.password, "file-pw");
    // Absolute paths stay as written.
    let abs = text.replace("path = \"../var/lib/smppd\"", "path = \"/srv/smppd\"");
    std::fs::write(&file, abs).unwrap();
    assert_eq!(
        Config::load(&file).unwrap().store.path,
        PathBuf::from("/srv/smppd")
    );
}

#[test]
fn every_carrier_key_reaches_the_carrier_and_text_settings() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["smsc.example".into()]).unwrap();
    std::fs::write(dir.path().join("ca.pem"), certified.cert.pem()).unwrap();
    std::fs::write(dir.path().join("me.crt"), certified.cert.pem()).unwrap();
    std::fs::write(
        dir.path().join("me.key"),
        certified.signing_key.serialize_pem(),
    )
    .unwrap();
    let carrier = r#"
[[carriers]]
name = "full"
host = "10.1.2.3"
port = 3550
system_id = "acct"
password = "a-longer-password"
password_max = 20
system_type = "VMA"
interface_version = "5.0"
binds = { transmitter = 2, receiver = 1 }
window = 10
max_tps = 200
enquire_link = "15s"
response_timeout = "5s"
reconnect = { min = "500ms", max = "2m" }
throttle_pause = "3s"
throttle_retry_for = "0s"
max_pdu = 4096
tls = { ca = "ca.pem", server_name = "smsc.example", client_cert = "me.crt", client_key = "me.key" }
data_coding_default = "gsm7"
message_id_format = "dec"
concatenation = "udh16"
packing = "packed"
national_tables = ["tr", 3]
max_segments = 4
on_timeout = "resend"
"#;
    let config = load_in(&minimal(carrier), dir.path(), &[]).unwrap();
    let s = config.carrier("full").unwrap();
    let c = &s.carrier;
    assert_eq!((c.host.as_str(), c.port), ("10.1.2.3", 3550));
    assert_eq!(c.password, "a-longer-password");
    assert_eq!(c.password_max, 21, "CarrierConfig counts the terminator");
    assert_eq!((c.system_type.as_str(), c.interface_version), ("VMA", 0x50));
    assert_eq!(
        (c.binds.transmitter, c.binds.receiver, c.binds.transceiver),
        (2, 1, 0)
    );
    assert_eq!((c.window, c.max_tps), (10, 200));
    assert_eq!(c.enquire_link, Duration::from_secs(15));
    assert_eq!(c.response_timeout, Duration::from_secs(5));
    assert_eq!(c.reconnect_min, Duration::from_millis(500));
    assert_eq!(c.reconnect_max, Duration::from_secs(120));
    assert_eq!(c.throttle_pause, Duration::from_secs(3));
    assert_eq!(c.throttle_retry_for, Duration::ZERO);
    assert_eq!(c.max_pdu, 4096);
    let tls = c.tls.as_ref().unwrap();
    assert_eq!(tls.ca, Some(dir.path().join("ca.pem")));
    assert_eq!(tls.server_name.as_deref(), Some("smsc.example"));
    assert_eq!(
        tls.client_cert,
        Some((dir.path().join("me.crt"), dir.path().join("me.key")))
    );
    assert_eq!(s.text.default_alphabet, DefaultAlphabet::Gsm7);
    assert_eq!(s.text.concatenation, Concatenation::Udh16);
    assert_eq!(s.text.packing, Packing::Packed);
    assert_eq!(
        s.text.national_languages,
        [NationalLanguage::Turkish, NationalLanguage::Portuguese]
    );
    assert_eq!(s.text.max_segments, 4);
    assert_eq!(s.message_id_format, MessageIdFormat::Dec);
    assert_eq!(s.on_timeout, OnTimeout::Resend);
    assert!(!format!("{s:?}").contains("a-longer-password"));
}

#[test]
fn carrier_rules_each_name_their_key() {
    let cases = [
        (
            "binds = { transceiver = 1 }",
            "binds = { receiver = 0 }",
            "carriers[0].binds",
            "at least one bind",
        ),
        (
            "max_tps = 10",
            "max_tps = 0",
            "carriers[0].max_tps",
            "0 is out of range",
        ),
        (
            "max_tps = 10",
            "max_tps = 10\nwindow = 0",
            "carriers[0].window",
            "0 is out of range",
        ),
        (
            "max_tps = 10",
            "max_tps = 10\nenquire_link = \"0s\"",
            "carriers[0].enquire_link",
            "longer than 0s",
        ),
        (
            "max_tps = 10",
            "max_tps = 10\ninterface_version = \"4.0\"",
            "carriers[0].interface_version",
            "unknown variant `4.0`",
        ),
        (
            "max_tps = 10",
            "max_tps = 10\nnational_tables = [\"tr\", \"tr\"]",
            "carriers[0].national_tables[1]",
            "listed twice",
        ),
        (
            "max_tps = 10",
            "max_tps = 10\nnational_tables = [14]",
            "carriers[0].national_tables[0]",
            "not a 3GPP TS 23.038 national table",
        ),
        (
            "max_tps = 10",
            "max_tps = 10\nnational_tables = [\"es\"]\nconcatenation = \"payload\"",
            "carriers[0].national_tables",
            "udh8",
        ),
        (
            "max_tps = 10",
            "max_tps = 10\nnational_tables = [\"es\"]\ndata_coding_default = \"latin1\"",
            "carriers[0].national_tables",
            "gsm7",
        ),
        (
            "max_tps = 10",
            "max_tps = 10\nmax_segments = 256",
            "carriers[0].max_segments",
            "from 1 to 255",
        ),
        (
            "max_tps = 10",
            "max_tps = 10\ntls = { client_cert = \"x.crt\" }",
            "carriers[0].tls.client_key",
            "needs its client_key",
        ),
        (
            "max_tps = 10",
            "max_tps = 10\ntls = { ca = \"missing.pem\" }",
            "carriers[0].tls.ca",
            "cannot read certificate file",
        ),
        (
            "system_id = \"smppd\"",
            "system_id = \"\"",
            "carriers[0].system_id",
            "1 to 15 characters",
        ),
        (
            "host = \"127.0.0.1\"",
            "host = \"\"",
            "carriers[0].host",
            "not a host name",
        ),
    ];
    for (from, to, path, fragment) in cases {
        let text = minimal("").replace(from, to);
        assert_ne!(text, minimal(""), "{from}");
        let (got_path, reason) = only_problem(&text);
        assert_eq!(got_path, path, "{to}");
        assert!(
            reason.contains(fragment),
            "{path}: {reason:?} lacks {fragment:?}"
        );
    }
}

#[test]
fn accounts_senders_numbers_and_webhooks() {
    let extra = r#"
[[accounts]]
id = "a2"
default_sender = "+34600111222"
webhook = { url = "https://hooks.example.com/smppd", secret = { env = "HOOK" }, timeout = "3s", retry_for = "1h" }
tokens = [{ sha256 = "0000000000000000000000000000000000000000000000000000000000000001", scopes = ["admin", "send"], expires_at = 2027-01-01T00:00:00Z }]
numbers = ["12345", "+34600000000"]
"#;
    let config = load_in(&minimal(extra), Path::new("/etc/smppd"), &[("HOOK", "h")]).unwrap();
    let a = config.account("a2").unwrap();
    assert_eq!(a.default_sender, Some(Sender::E164("+34600111222".into())));
    assert_eq!(a.webhook.secret.expose(), "h");
    assert_eq!(a.webhook.timeout, Duration::from_secs(3));
    assert_eq!(a.webhook.retry_for, Duration::from_secs(3600));
    assert_eq!(a.tokens[0].scopes, [Scope::Send, Scope::Admin]);
    assert_eq!(
        a.tokens[0].expires_at,
        Some("2027-01-01T00:00:00Z".parse().unwrap())
    );
    assert_eq!(a.numbers, ["12345", "+34600000000"]);

    // A number owned twice.
    let twice = format!(
        "{extra}{}",
        account("a3", HASH_B).replace(
            "[[accounts]]\nid = \"a3\"",
            "[[accounts]]\nid = \"a3\"\nnumbers = [\"12345\"]",
        )
    );
    let twice = twice.replacen(
        "0000000000000000000000000000000000000000000000000000000000000001",
        "0000000000000000000000000000000000000000000000000000000000000002",
        1,
    );
    let (path, reason) = only_problem(&minimal(&twice).replace("{ env = \"HOOK\" }", "\"h\""));
    assert_eq!(path, "accounts[2].numbers[0]");
    assert!(
        reason.contains("already belongs to accounts[1].numbers[0]"),
        "{reason}"
    );
}

#[test]
fn the_drain_grace_period_is_a_bounded_duration() {
    let config = load(&minimal("[shutdown]\ngrace = \"5s\"\n")).unwrap();
    assert_eq!(config.shutdown.grace, Duration::from_secs(5));
    let (path, reason) = only_problem(&minimal("[shutdown]\ngrace = \"2h\"\n"));
    assert_eq!(
        (path.as_str(), reason.as_str()),
        ("shutdown.grace", "must be at most 1h")
    );
    let (path, _) = only_problem(&minimal("[shutdown]\ngrace = \"soon\"\n"));
    assert_eq!(path, "shutdown.grace");
    let (path, _) = only_problem(&minimal("[shutdown]\nwait = \"5s\"\n"));
    assert_eq!(path, "shutdown.wait");
}
