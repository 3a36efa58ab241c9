//! The HTTP side of a webhook: one pooled client shared by every account, and one signed POST
//! per attempt, classified as acknowledged (any 2xx) or failed with a reason fit for logs. The
//! reason names the status, the timeout or the connection error, and never the secret or the
//! URL (URLs can carry credentials of their own).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use super::sign::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use crate::config::Webhook;

/// Most of a response body read back: enough for the connection to be reused after a short
/// answer, without letting a receiver make smppd read megabytes it ignores.
const MAX_DRAIN: usize = 64 * 1024;

/// What became of one POST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The endpoint answered 2xx: the whole batch is acknowledged.
    Acknowledged,
    /// Any other answer, or none in time; the text says which, for logs.
    Failed(String),
}

/// The client could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("webhook HTTP client: {0}")]
pub struct ClientError(String);

/// A pooled HTTP client for webhook POSTs; clones share the pool.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
}

impl Client {
    /// A client trusting the system's CA certificates, over HTTP/1.1 or HTTP/2 (by ALPN).
    ///
    /// TLS uses the same rustls and aws-lc-rs provider as the carrier binds, and a missing
    /// system CA bundle leaves `https://` endpoints unverifiable without breaking `http://`.
    pub fn new() -> Result<Client, ClientError> {
        let mut roots = RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            // A malformed system certificate is skipped, not fatal.
            let _ = roots.add(cert);
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut tls = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| ClientError(format!("TLS setup: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            // A redirect would re-send the signed body somewhere the account did not configure.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("smppd/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError(e.without_url().to_string()))?;
        Ok(Client { http })
    }

    /// POSTs `body` (a complete `{"events":[...]}` document) to the account's webhook, signed
    /// and time-stamped now, waiting at most the webhook's timeout for the whole exchange.
    pub async fn post(&self, hook: &Webhook, body: Bytes) -> Delivery {
        let signature = sign(hook.secret.expose().as_bytes(), &body);
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        let request = self
            .http
            .post(hook.url.as_str())
            .timeout(hook.timeout)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(SIGNATURE_HEADER, signature)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .body(body);
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Delivery::Failed(reason(&e, hook.timeout)),
        };
        let status = response.status();
        let mut drained = 0;
        // The answer counts once the status is in; a body cut short only costs the connection.
        while drained < MAX_DRAIN {
            match response.chunk().await {
                Ok(Some(chunk)) => drained += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        if status.is_success() {
            Delivery::Acknowledged
        } else {
            Delivery::Failed(format!("HTTP {status}"))
        }
    }
}

fn reason(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {}", humantime::format_duration(timeout));
    }
    let kind = if e.is_connect() {
        "connect error"
    } else if e.is_builder() {
        "invalid request"
    } else {
        "request error"
    };
    // reqwest's own text is generic ("error sending request"); the cause says what happened.
    let mut text = String::from(kind);
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
