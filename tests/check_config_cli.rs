//! `smppd check-config` through the binary: the summary line and exit 0 for a valid file, every
//! problem on standard error (or as JSON) and exit 64 for a bad one, secrets from the
//! environment the daemon is started with.

use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn check_config(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smppd"));
    cmd.arg("check-config").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The example with `from` replaced by `to`, written into `dir` as `smppd.toml`.
fn write_variant(dir: &Path, from: &str, to: &str) -> String {
    let example = std::fs::read_to_string("config/smppd.example.toml").unwrap();
    assert!(example.contains(from), "{from}");
    let path = dir.join("smppd.toml");
    std::fs::write(&path, example.replace(from, to)).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_valid_file_prints_a_summary_and_exits_0() {
    let run = check_config(&["--config", "config/smppd.example.toml"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "ok: config/smppd.example.toml (1 carriers, 1 routes, 1 accounts)\n"
    );
    assert_eq!(run.stderr, "");

    let run = check_config(&["--config", "config/smppd.example.toml", "--json"], &[]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "[]\n"));
}

#[test]
fn a_bad_file_prints_every_problem_and_exits_64() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_variant(
        dir.path(),
        "max_tps = 5000",
        "max_tps = 0\nwindow = \"wide\"\nspeed = 1",
    );
    let run = check_config(&["--config", &file], &[]);
    assert_eq!(run.code, 64);
    assert_eq!(run.stdout, "");
    let lines: Vec<&str> = run.stderr.lines().collect();
    let example = std::fs::read_to_string(&file).unwrap();
    let line = |needle: &str| example.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    assert_eq!(
        lines,
        [
            format!(
                "{file}:{}:1: carriers[0].max_tps: 0 is out of range: it must be from 1 to 1000000",
                line("max_tps")
            ),
            format!(
                "{file}:{}:10: carriers[0].window: invalid type: string \"wide\", expected an integer",
                line("window")
            ),
            format!(
                "{file}:{}:1: carriers[0].speed: unknown field `speed`, expected one of `name`, \
                 `host`, `port`, `system_id`, `password`, `password_max`, `system_type`, \
                 `interface_version`, `binds`, `window`, `max_tps`, `enquire_link`, \
                 `response_timeout`, `reconnect`, `throttle_pause`, `throttle_retry_for`, \
                 `max_pdu`, `tls`, `data_coding_default`, `message_id_format`, `concatenation`, \
                 `packing`, `national_tables`, `max_segments`, `on_timeout`",
                line("speed")
            ),
        ]
    );
}

#[test]
fn json_lists_the_problems_for_tools() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_variant(dir.path(), "prefix = \"+\"", "prefix = \"34\"");
    let run = check_config(&["--config", &file, "--json"], &[]);
    assert_eq!(run.code, 64);
    assert_eq!(run.stderr, "");
    let problems: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let problems = problems.as_array().unwrap();
    assert_eq!(problems.len(), 1);
    let p = &problems[0];
    assert_eq!(p["file"], file.as_str());
    assert_eq!(p["path"], "routes[0].prefix");
    assert!(p["line"].as_u64().unwrap() > 1);
    assert_eq!(p["column"], 1);
    assert!(p["reason"].as_str().unwrap().contains("must start with +"));
}

#[test]
fn a_bad_log_level_names_log_level() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_variant(dir.path(), "# level = \"info\"", "level = \"chatty\"");
    let run = check_config(&["--config", &file], &[]);
    assert_eq!(run.code, 64, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("{file}:"))
            && lines[0].contains(": log.level: \"chatty\" is not a level"),
        "{}",
        lines[0]
    );
}

#[test]
fn secrets_come_from_the_environment_the_daemon_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_variant(
        dir.path(),
        "password = \"secret\"",
        "password = { env = \"SMPPD_TEST_SIM_PASSWORD\" }",
    );
    let run = check_config(
        &["--config", &file],
        &[("SMPPD_TEST_SIM_PASSWORD", "secret")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("ok: "), "{}", run.stdout);

    let run = check_config(&["--config", &file], &[]);
    assert_eq!(run.code, 64);
    assert!(
        run.stderr.trim_end().ends_with(
            "carriers[0].password: environment variable SMPPD_TEST_SIM_PASSWORD is not set"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_file_is_a_problem_too() {
    let run = check_config(&["--config", "no/such/smppd.toml"], &[]);
    assert_eq!(run.code, 64);
    assert!(
        run.stderr
            .starts_with("no/such/smppd.toml: cannot read the file:"),
        "{}",
        run.stderr
    );
}
