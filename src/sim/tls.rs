//! TLS for the simulator's second listener: the server configuration (TLS 1.2 and 1.3 only,
//! rustls with its default crypto provider) from PEM files or PEM text.

use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, ServerConfig};

use super::config::TlsIdentity;

fn invalid(what: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, what)
}

/// The acceptor for `identity`, or an error naming the file and what is wrong with it.
pub(crate) fn acceptor(identity: &TlsIdentity) -> std::io::Result<TlsAcceptor> {
    let (cert_pem, key_pem, cert_name, key_name) = match identity {
        TlsIdentity::Files { cert, key } => {
            let read = |path: &std::path::Path, what: &str| {
                std::fs::read(path).map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!("cannot read TLS {what} {}: {e}", path.display()),
                    )
                })
            };
            (
                read(cert, "certificate")?,
                read(key, "key")?,
                cert.display().to_string(),
                key.display().to_string(),
            )
        }
        TlsIdentity::Pem { cert, key } => (
            cert.clone().into_bytes(),
            key.clone().into_bytes(),
            "(PEM text)".to_string(),
            "(PEM text)".to_string(),
        ),
    };
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("TLS certificate {cert_name}: {e}")))?;
    if chain.is_empty() {
        return Err(invalid(format!(
            "TLS certificate {cert_name}: no CERTIFICATE block"
        )));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| invalid(format!("TLS key {key_name}: {e}")))?;
    let config = ServerConfig::builder_with_protocol_versions(&[
        &rustls::version::TLS13,
        &rustls::version::TLS12,
    ])
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| invalid(format!("TLS certificate and key do not fit: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
