//! The binaries as black boxes: `smppd sim` and `smppd serve` as child processes (killed when
//! their guard drops), and HTTP/1.1 over the daemon's Unix socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_smppd");

/// A child process, killed and reaped on drop.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends `sig` (`-TERM`, `-HUP`, …) to `p`.
pub fn signal(p: &Proc, sig: &str) {
    Command::new("kill")
        .args([sig, &p.0.id().to_string()])
        .status()
        .unwrap();
}

/// Waits (up to 30 s) for `p` to exit; its exit code.
pub fn wait_exit(p: &mut Proc) -> Option<i32> {
    for _ in 0..600 {
        if let Some(status) = p.0.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the process did not exit");
}

/// A fresh directory for one test. Short: a Unix socket path must stay under 108 bytes.
pub fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("smppd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `smppd sim` on a free port, logging submits to `dir/submits.jsonl` and its counters to
/// `dir/stats.json`; receipts an hour later unless `extra` says otherwise.
pub fn start_sim(dir: &Path, extra: &[&str]) -> (Proc, u16) {
    let mut child = Command::new(BIN)
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--stats-interval",
            "100ms",
        ])
        .args(if extra.contains(&"--dlr-delay") {
            &[][..]
        } else {
            &["--dlr-delay", "1h"][..]
        })
        .args(extra)
        .arg("--submit-log")
        .arg(dir.join("submits.jsonl"))
        .arg("--stats-file")
        .arg(dir.join("stats.json"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    let port = v["listening"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (Proc(child), port)
}

/// One counter from the sim's stats file (0 before the first write).
pub fn sim_stat(dir: &Path, key: &str) -> u64 {
    std::fs::read_to_string(dir.join("stats.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v[key].as_u64())
        .unwrap_or(0)
}

/// `smppd serve --config config`, once its socket (`api.sock` beside the config) answers.
pub fn start_serve(config: &Path) -> Proc {
    // Owned by the guard at once, so a failed start still kills and reaps it.
    let child = Proc(
        Command::new(BIN)
            .args(["serve", "--config"])
            .arg(config)
            .env("SMPPD_LOG", "error")
            .spawn()
            .unwrap(),
    );
    wait_for_socket(child, config)
}

/// As [`start_serve`], logging as the config says (no `SMPPD_LOG`) into the file `log`.
pub fn start_serve_logged(config: &Path, log: &Path) -> Proc {
    let child = Proc(
        Command::new(BIN)
            .args(["serve", "--config"])
            .arg(config)
            .env_remove("SMPPD_LOG")
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_for_socket(child, config)
}

fn wait_for_socket(child: Proc, config: &Path) -> Proc {
    let socket = config.parent().unwrap().join("api.sock");
    for _ in 0..600 {
        if UnixStream::connect(&socket).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("smppd serve did not open its socket");
}

/// A free TCP port on the loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTP answer: status, JSON body (null when none) and the raw header block.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub json: serde_json::Value,
    pub headers: String,
}

impl Answer {
    /// A header's value (names compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// One HTTP/1.1 request over the Unix socket with `token`.
pub fn request(
    socket: &Path,
    token: &str,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<Answer> {
    let mut s = UnixStream::connect(socket)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: smppd\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    s.read_to_string(&mut response)?;
    let status = response
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let (headers, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    Ok(Answer {
        status,
        json: serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
        headers: headers.to_owned(),
    })
}

/// Polls `check` every 50 ms for up to 30 s.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..600 {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for: {what}");
}
