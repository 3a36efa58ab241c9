//! Interoperability: the carrier pool against an SMSC built on the npm `smpp` package, an SMPP
//! implementation nobody on this team wrote. The test installs the package itself (npm comes
//! with Node) the first time it runs.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use smppd::carrier::{BindCounts, Carrier, CarrierConfig, Outcome};

const PACKAGE: &str = "smpp@0.5.1";

fn node_modules() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("node-smpp");
    if !dir.join("node_modules/smpp/package.json").exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let status = Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(&dir)
            .arg(PACKAGE)
            .status()
            .expect("npm (installed with Node) must be on PATH for the interoperability test");
        assert!(status.success(), "npm install {PACKAGE} failed");
    }
    dir.join("node_modules")
}

struct NodeSmsc {
    child: Child,
    lines: std_mpsc::Receiver<serde_json::Value>,
    port: u16,
}

impl NodeSmsc {
    fn start() -> NodeSmsc {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/node_smsc.js");
        let mut child = Command::new("node")
            .arg(script)
            .env("NODE_PATH", node_modules())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node must be on PATH");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std_mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        let first = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the node SMSC prints its port");
        let port = first["listening"].as_u64().expect("listening line") as u16;
        NodeSmsc { child, lines, port }
    }
}

impl Drop for NodeSmsc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submits_and_receipts_against_node_smpp() {
    let smsc = NodeSmsc::start();
    let mut cfg = CarrierConfig::new("node", "127.0.0.1", smsc.port);
    cfg.system_id = "smppd".into();
    cfg.password = "secret".into();
    cfg.binds = BindCounts {
        transceiver: 1,
        ..BindCounts::default()
    };
    cfg.window = 8;
    let (inbound, receipts) = common::ack_everything();
    let carrier = Carrier::start(cfg, inbound).unwrap();
    common::eventually(Duration::from_secs(30), "the bind", || carrier.is_up()).await;

    let mut ids = Vec::new();
    for i in 0..20 {
        let part = common::submit_sm(&format!("3460011{i:04}"), &format!("hello {i}"), 1);
        let outcomes = carrier.submit(vec![part]).await.unwrap();
        match &outcomes[..] {
            [Outcome::Accepted { message_id }] => {
                ids.push(String::from_utf8(message_id.to_vec()).unwrap())
            }
            other => panic!("submit {i}: {other:?}"),
        }
    }
    // Every message id is the node SMSC's, and every receipt comes back correlated.
    let expected: Vec<String> = (0x5000..0x5000 + 20)
        .map(|n: u32| format!("{n:x}"))
        .collect();
    assert_eq!(ids, expected);
    common::eventually(Duration::from_secs(30), "20 receipts", || {
        receipts.ids().len() == 20
    })
    .await;
    let mut got = receipts.ids();
    got.sort();
    assert_eq!(got, expected);

    // The other side saw each submit with its text, and our acknowledgements of its receipts.
    let mut texts = Vec::new();
    let mut acks = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while (texts.len() < 20 || acks < 20) && tokio::time::Instant::now() < deadline {
        if let Ok(v) = smsc.lines.recv_timeout(Duration::from_millis(200)) {
            if let Some(text) = v["text"].as_str() {
                texts.push(text.to_owned());
            }
            if v.get("receipt_ack").is_some() {
                assert_eq!(v["status"], 0);
                acks += 1;
            }
        }
    }
    assert_eq!(texts.len(), 20);
    assert_eq!(texts[7], "hello 7");
    assert_eq!(acks, 20);
    carrier.shutdown().await;
}
