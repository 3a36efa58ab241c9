//! `systemd/smppd.service` as systemd reads it: `systemd-analyze verify` finds nothing to say,
//! and `systemd-analyze security` rates its exposure at 2.0 or below. The unit is checked with
//! its commands pointing at the binary under test (verify wants them to exist). Without
//! `systemd-analyze` on the PATH (`.ci/run` installs it) the test says why and passes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The highest exposure `systemd-analyze security` may report ("OK" in its own words).
const MAX_EXPOSURE: f64 = 2.0;

/// Where the unit runs the binary once installed (rewritten to the built one here).
const INSTALLED: &str = "/usr/local/bin/smppd";

fn analyze(args: &[&str], unit: &Path) -> Option<Output> {
    match Command::new("systemd-analyze")
        .args(args)
        .arg(unit)
        .output()
    {
        Ok(out) => Some(out),
        Err(e) => {
            eprintln!("skipped: systemd-analyze cannot run here ({e})");
            None
        }
    }
}

/// The unit, with its commands on the built binary, in a fresh directory.
fn unit_under_test(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string("systemd/smppd.service").unwrap();
    assert!(
        text.contains(INSTALLED),
        "the unit no longer runs {INSTALLED}"
    );
    let path = dir.join("smppd.service");
    std::fs::write(&path, text.replace(INSTALLED, env!("CARGO_BIN_EXE_smppd"))).unwrap();
    path
}

/// "→ Overall exposure level for smppd.service: 1.1 OK 🙂" → 1.1.
fn exposure(report: &str) -> Option<f64> {
    let line = report
        .lines()
        .find(|l| l.contains("Overall exposure level"))?;
    let (_, rest) = line.rsplit_once(": ")?;
    rest.split_whitespace().next()?.parse().ok()
}

#[test]
fn the_unit_verifies_and_is_hardened() {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_under_test(dir.path());

    let Some(out) = analyze(&["verify", "--man=no"], &unit) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Complaints about other units on this host (a broken package's unit) are not ours.
    let ours: Vec<&str> = stderr.lines().filter(|l| l.contains("smppd")).collect();
    assert!(
        out.status.success() && ours.is_empty(),
        "systemd-analyze verify: {}\n{stderr}",
        out.status
    );

    let Some(out) = analyze(&["security", "--offline=true"], &unit) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("offline") {
        eprintln!("skipped the exposure check: this systemd-analyze has no --offline ({stderr})");
        return;
    }
    let level =
        exposure(&stdout).unwrap_or_else(|| panic!("no exposure level in:\n{stdout}\n{stderr}"));
    eprintln!("systemd-analyze security: exposure {level}");
    assert!(
        level <= MAX_EXPOSURE,
        "exposure {level} above {MAX_EXPOSURE}:\n{stdout}"
    );
}

#[test]
fn the_exposure_line_is_read() {
    let report = "✗ UMask= ...  0.1\n\n→ Overall exposure level for smppd.service: 1.1 OK 🙂\n";
    assert_eq!(exposure(report), Some(1.1));
    assert_eq!(exposure("nothing"), None);
}
