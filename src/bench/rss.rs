//! The daemon's memory, from `/proc/PID/status`: the resident set now (`VmRSS`) and the
//! kernel's high-water mark of it (`VmHWM`), in KiB.

/// `(VmRSS, VmHWM)` in KiB, or `None` when the process is gone or the file unreadable.
pub(crate) fn sample(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process() {
        let (rss, hwm) = super::sample(std::process::id()).unwrap();
        assert!(rss > 0 && hwm >= rss);
    }
}
