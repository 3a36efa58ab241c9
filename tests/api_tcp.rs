//! The API over TCP: plain on loopback, TLS when configured (a self-signed certificate made
//! here), and the token's client networks checked against the TCP peer.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use smppd::config::Config;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_util::sync::CancellationToken;

fn sha(t: &str) -> String {
    hex::encode(Sha256::digest(t.as_bytes()))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts a daemon whose API also listens on TCP; returns its address.
async fn daemon(dir: &Path, tls: Option<(&Path, &Path)>, stop: &CancellationToken) -> u16 {
    let port = free_port();
    let tls = tls.map_or(String::new(), |(c, k)| {
        format!(
            "[api.tls]\ncert = \"{}\"\nkey = \"{}\"\n",
            c.display(),
            k.display()
        )
    });
    let text = format!(
        r#"
[api]
socket = "api.sock"
tcp = "127.0.0.1:{port}"
{tls}
[admin]
listen = "127.0.0.1:0"
[store]
path = "data"
[[carriers]]
name = "sim"
host = "127.0.0.1"
port = {dead}
system_id = "smppd"
password = "secret"
binds = {{ transceiver = 1 }}
max_tps = 10
[[routes]]
prefix = "+"
carriers = ["sim"]
[[accounts]]
id = "acme"
default_sender = "ACME"
webhook = {{ url = "http://127.0.0.1:9/h", secret = "s" }}
tokens = [
  {{ sha256 = "{open}", scopes = ["send"] }},
  {{ sha256 = "{fenced}", scopes = ["send"], allow_ips = ["10.0.0.0/8"] }},
]
"#,
        dead = free_port(),
        open = sha("open-token"),
        fenced = sha("fenced-token"),
    );
    let cfg = Arc::new(
        Config::from_str(&text, &dir.join("t.toml"), dir, &|_| None)
            .unwrap_or_else(|e| panic!("{e}")),
    );
    tokio::spawn(smppd::app::run(cfg, dir.join("t.toml"), stop.clone()));
    for _ in 0..400 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return port;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the API did not listen on TCP");
}

async fn post<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, token: &str) -> (u16, String) {
    let body = r#"{"to": "+34600111222", "text": "over tcp"}"#;
    let req = format!(
        "POST /v1/messages HTTP/1.1\r\nHost: smppd\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    // A TLS peer may close without close_notify after `Connection: close`; what was read counts.
    let _ = s.read_to_string(&mut out).await;
    let status = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, out)
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("smppd-tcp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_tcp_on_loopback_checks_client_networks() {
    let dir = tempdir("plain");
    let stop = CancellationToken::new();
    let port = daemon(&dir, None, &stop).await;
    let (status, body) = post(
        TcpStream::connect(("127.0.0.1", port)).await.unwrap(),
        "open-token",
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = post(
        TcpStream::connect(("127.0.0.1", port)).await.unwrap(),
        "fenced-token",
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("ip_not_allowed"), "{body}");
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_when_configured() {
    let dir = tempdir("tls");
    let key = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, key.cert.pem()).unwrap();
    std::fs::write(&key_path, key.signing_key.serialize_pem()).unwrap();
    let stop = CancellationToken::new();
    let port = daemon(&dir, Some((&cert_path, &key_path)), &stop).await;

    let mut roots = RootCertStore::empty();
    roots.add(key.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let tls = connector
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .expect("TLS handshake with the API");
    let (status, body) = post(tls, "open-token").await;
    assert_eq!(status, 202, "{body}");
    // Plain HTTP on the TLS port gets nothing.
    let (status, _) = post(
        TcpStream::connect(("127.0.0.1", port)).await.unwrap(),
        "open-token",
    )
    .await;
    assert_eq!(status, 0);
    stop.cancel();
}
