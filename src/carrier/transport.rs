//! The byte stream under a bind: plain TCP or TLS 1.2/1.3 (tokio-rustls), opened with a timeout.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use super::config::{CarrierConfig, TlsSettings};

/// A connected stream to the SMSC.
#[derive(Debug)]
pub enum Transport {
    /// Plain TCP.
    Tcp(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

/// How to open connections to one carrier (the TLS setup is built once).
#[derive(Clone)]
pub struct Connector {
    host: String,
    port: u16,
    timeout: Duration,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Connector {
    /// Prepares TLS (roots, client certificate, SNI) from the carrier's settings.
    pub fn new(cfg: &CarrierConfig) -> Result<Connector, String> {
        let tls = match &cfg.tls {
            None => None,
            Some(t) => {
                let name = t.server_name.clone().unwrap_or_else(|| cfg.host.clone());
                let server_name = ServerName::try_from(name.clone())
                    .map_err(|e| format!("TLS server name {name:?}: {e}"))?;
                Some((TlsConnector::from(Arc::new(client_config(t)?)), server_name))
            }
        };
        Ok(Connector {
            host: cfg.host.clone(),
            port: cfg.port,
            timeout: cfg.response_timeout,
            tls,
        })
    }

    /// Opens TCP (and TLS), within the carrier's response timeout.
    pub async fn connect(&self) -> io::Result<Transport> {
        let open = async {
            let tcp = TcpStream::connect((self.host.as_str(), self.port)).await?;
            // PDUs are written whole and batched; waiting to coalesce only adds latency.
            tcp.set_nodelay(true)?;
            match &self.tls {
                None => Ok(Transport::Tcp(tcp)),
                Some((connector, name)) => {
                    let tls = connector.connect(name.clone(), tcp).await?;
                    Ok(Transport::Tls(Box::new(tls)))
                }
            }
        };
        tokio::time::timeout(self.timeout, open)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))?
    }
}

fn client_config(t: &TlsSettings) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    match &t.ca {
        Some(path) => {
            for cert in CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("TLS CA file {}: {e}", path.display()))?
            {
                let cert = cert.map_err(|e| format!("TLS CA file {}: {e}", path.display()))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("TLS CA file {}: {e}", path.display()))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                // A malformed system certificate is skipped, not fatal.
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots);
    match &t.client_cert {
        None => Ok(builder.with_no_client_auth()),
        Some((chain, key)) => {
            let certs = CertificateDer::pem_file_iter(chain)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("TLS client certificate {}: {e}", chain.display()))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("TLS client key {}: {e}", key.display()))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| format!("TLS client certificate: {e}"))
        }
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
