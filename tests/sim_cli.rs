//! `smppd sim` through the binary: the listening line, a bind and submissions over TCP, SIGTERM
//! writing the stats file, `--help`, and bad flag values refused with a reason.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use bytes::BytesMut;
use smppd::pdu::{Bind, Body, COctet, List, Octets, Pdu, SubmitSm};

const WAIT: Duration = Duration::from_secs(20);

fn sim(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smppd"));
    cmd.arg("sim").args(args);
    cmd
}

/// Starts the simulator and reads its listening line.
fn spawn(args: &[&str]) -> (Child, serde_json::Value) {
    let mut child = sim(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    (child, value)
}

fn wait(child: &mut Child) -> ExitStatus {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if tokio::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("simulator did not exit in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("smppd-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Writes a PDU and reads the next one, returning (command_id, status, body octets).
fn exchange(stream: &mut TcpStream, pdu: &Pdu<'_>) -> (u32, u32, Vec<u8>) {
    let mut buf = BytesMut::new();
    pdu.encode(&mut buf).unwrap();
    stream.write_all(&buf).unwrap();
    let mut header = [0u8; 16];
    stream.read_exact(&mut header).unwrap();
    let word = |i: usize| u32::from_be_bytes(header[i..i + 4].try_into().unwrap());
    let mut body = vec![0u8; word(0) as usize - 16];
    stream.read_exact(&mut body).unwrap();
    (word(4), word(8), body)
}

#[test]
fn prints_its_address_serves_binds_and_writes_stats_on_sigterm() {
    let stats_file = temp_path("stats.json");
    let (mut child, line) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--stats-file",
        stats_file.to_str().unwrap(),
        "--id-format",
        "dec",
    ]);
    assert!(line["tls"].is_null());
    let addr: std::net::SocketAddr = line["listening"].as_str().unwrap().parse().unwrap();
    assert_ne!(addr.port(), 0);

    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let bind = Bind {
        system_id: COctet::from_str("smppd"),
        password: COctet::from_str("secret"),
        system_type: COctet::EMPTY,
        interface_version: 0x34,
        addr_ton: 0,
        addr_npi: 0,
        address_range: COctet::EMPTY,
        tlvs: List::default(),
    };
    let (id, status, _) = exchange(&mut stream, &Pdu::new(1, Body::BindTransmitter(bind)));
    assert_eq!((id, status), (0x8000_0002, 0));
    for seq in 2..5 {
        let sm = SubmitSm {
            source_addr_ton: 5,
            source_addr: COctet::from_str("ACME"),
            dest_addr_ton: 1,
            dest_addr_npi: 1,
            destination_addr: COctet::from_str("34600111222"),
            short_message: Octets::new(b"hi"),
            ..Default::default()
        };
        let (id, status, body) = exchange(&mut stream, &Pdu::new(seq, Body::SubmitSm(sm)));
        assert_eq!((id, status), (0x8000_0004, 0));
        let message_id = &body[..body.len() - 1];
        assert!(!message_id.is_empty() && message_id.iter().all(u8::is_ascii_digit));
    }

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // The bind is sent unbind; answering is optional, the grace period closes it anyway.
    let status = wait(&mut child);
    assert_eq!(status.code(), Some(0));
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats_file).unwrap()).unwrap();
    assert_eq!(stats["submit_sm_received"], 3);
    assert_eq!(stats["submit_sm_resp"]["ESME_ROK"], 3);
    assert_eq!(stats["binds_ok"], 1);
}

#[test]
fn listens_on_tls_when_given_a_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = temp_path("cert.pem");
    let key = temp_path("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let (mut child, line) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--tls-listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let tls: std::net::SocketAddr = line["tls"].as_str().unwrap().parse().unwrap();
    assert_ne!(tls.port(), 0);
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(wait(&mut child).code(), Some(0));
}

#[test]
fn help_lists_every_flag() {
    let out = sim(&["--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--listen",
        "--tls-listen",
        "--tls-cert",
        "--tls-key",
        "--system-id",
        "--password",
        "--smsc-system-id",
        "--max-binds",
        "--max-connections",
        "--id-format",
        "--known-ids",
        "--dlr-delay",
        "--dlr-mix",
        "--dlr-id-format",
        "--dlr-window",
        "--dlr-timeout",
        "--dlr-retry",
        "--dlr-max-attempts",
        "--max-pending-receipts",
        "--throttle-fraction",
        "--throttle-above-tps",
        "--error-fraction",
        "--error-status",
        "--no-answer-fraction",
        "--drop-after",
        "--seed",
        "--stats-file",
        "--stats-interval",
        "--submit-log",
        "--submit-log-buffer",
        "--shutdown-grace",
        "--threads",
    ] {
        assert!(help.contains(flag), "--help does not list {flag}");
    }
}

#[test]
fn bad_flag_values_exit_non_zero_with_the_reason() {
    for (args, reason) in [
        (&["--throttle-fraction", "2"][..], "between 0 and 1"),
        (&["--dlr-delay", "soon"], "expected e.g. 500ms"),
        (&["--id-format", "base64"], "hex"),
        (&["--error-status", "0x"], "not a status code"),
        (&["--dlr-mix", "delivered=x"], "not a number"),
        (&["--drop-after", "0"], "0"),
        (&["--listen", "nowhere"], "--listen"),
        (
            &[
                "--system-id",
                "a-far-too-long-system-id",
                "--listen",
                "127.0.0.1:0",
            ],
            "system_id",
        ),
    ] {
        let out = sim(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed a listening line");
    }
}
