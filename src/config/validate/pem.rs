//! TLS files named in the config are opened at load, so `check-config` catches a wrong path or
//! a file of the wrong kind before the daemon needs it.

use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Whether `path` holds at least one PEM certificate (a chain, or a CA bundle).
pub(super) fn certificates(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let mut count = 0;
    for cert in CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read certificate file {shown}: {e}"))?
    {
        cert.map_err(|e| format!("bad certificate in {shown}: {e}"))?;
        count += 1;
    }
    if count == 0 {
        return Err(format!(
            "no certificate in {shown} (expected PEM \"BEGIN CERTIFICATE\")"
        ));
    }
    Ok(())
}

/// Whether `path` holds a PEM private key (PKCS#8, PKCS#1 or SEC1).
pub(super) fn private_key(path: &Path) -> Result<(), String> {
    PrivateKeyDer::from_pem_file(path)
        .map(drop)
        .map_err(|e| format!("no usable private key in {}: {e}", path.display()))
}
