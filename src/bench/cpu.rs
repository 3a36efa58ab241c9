//! The daemon's CPU time by thread, from `/proc/PID/task/*/stat`: the store writer, the tokio
//! workers and the rest. Divided by the messages accepted it says what each message cost,
//! which is steadier from run to run than a rate on a shared machine.

use std::collections::BTreeMap;

/// Clock ticks per second in `/proc`'s `utime` and `stime` (USER_HZ, 100 on Linux).
const TICKS_PER_S: f64 = 100.0;

/// Which part of the daemon a thread of this name is.
fn part(name: &str) -> &'static str {
    if name.starts_with("smppd-store") {
        "store_writer"
    } else if name.starts_with("tokio-rt-worker") {
        "workers"
    } else {
        "other"
    }
}

/// Seconds of CPU (user and system) each part of process `pid` has used, or `None` when
/// the process is gone.
pub(crate) fn sample(pid: u32) -> Option<BTreeMap<&'static str, f64>> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut parts = BTreeMap::new();
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        if let Some((name, ticks)) = parse_stat(&stat) {
            *parts.entry(part(name)).or_insert(0.0) += ticks as f64 / TICKS_PER_S;
        }
    }
    Some(parts)
}

/// A thread's name and its user plus system ticks from one `stat` line. The name is in
/// parentheses and may hold spaces, so the fields are counted from its closing one.
fn parse_stat(stat: &str) -> Option<(&str, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?;
    let mut fields = stat.get(close + 1..)?.split_whitespace();
    // After the name: state, then fields 4..=13 of proc(5); utime and stime are 14 and 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((name, utime + stime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_with_spaces_in_the_name() {
        let line = "4242 (tokio rt) S 1 2 3 4 5 6 7 8 9 10 250 30 0 0 20 0 3 0 100 0 0";
        assert_eq!(parse_stat(line), Some(("tokio rt", 280)));
    }

    #[test]
    fn reads_this_process() {
        let parts = sample(std::process::id()).unwrap();
        assert!(parts.values().all(|s| *s >= 0.0));
        assert!(!parts.is_empty());
    }

    #[test]
    fn threads_are_grouped_by_name() {
        assert_eq!(part("smppd-store-wri"), "store_writer");
        assert_eq!(part("tokio-rt-worker"), "workers");
        assert_eq!(part("smppd"), "other");
    }
}
