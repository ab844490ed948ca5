//! Trust anchors: the system store, Mozilla's roots compiled in when there is none, and the
//! operator's `--ca-file`s (docs/DECISIONS.md, "RTMPS trusts the system store").
//!
//! The system store is the one bundle file the distribution's ca-certificates package writes
//! (Debian's `/etc/ssl/certs/ca-certificates.crt`, where `update-ca-certificates` also puts the
//! CAs an administrator adds), or `SSL_CERT_FILE`, read once per run and only for rtmps://
//! targets. Without a bundle, the certificate directories (`SSL_CERT_DIR`). Only a machine with
//! neither falls back to the compiled-in roots.

use std::fs;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

use super::failure::TlsSetupError;
use crate::session::io_words;

/// Where distributions keep the bundle of trusted CAs, in the order OpenSSL's probes look.
pub const BUNDLE_FILES: [&str; 5] = [
    // Debian, Ubuntu, Arch, Gentoo, Alpine (ca-certificates)
    "/etc/ssl/certs/ca-certificates.crt",
    // Fedora, RHEL, CentOS
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    // openSUSE
    "/etc/ssl/ca-bundle.pem",
    // Alpine (LibreSSL), the BSDs
    "/etc/ssl/cert.pem",
];

/// A CA file larger than this is refused (the whole Mozilla bundle is about 220 KB).
pub const MAX_CA_FILE: u64 = 16 * 1024 * 1024;

/// Where the trust anchors came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootSource {
    /// The system store: the bundle file or the directories named.
    System(String),
    /// No system store was found: the Mozilla roots compiled into the probe.
    Compiled,
    /// Not loaded (tests and benchmarks that give their own CA only).
    None,
}

/// What the trust store holds, for `-v` and the JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootsInfo {
    pub source: RootSource,
    /// Anchors from the system store or the compiled-in roots.
    pub base: usize,
    /// Certificates of the system store that were not usable as anchors (skipped).
    pub skipped: usize,
    /// Anchors from `--ca-file`.
    pub ca_files: usize,
}

/// Whether [`load`] reads the system store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemStore {
    Load,
    Skip,
}

/// Builds the store: the system's (or the compiled-in roots), then each `--ca-file`.
pub fn load(
    ca_files: &[PathBuf],
    system: SystemStore,
) -> Result<(RootCertStore, RootsInfo), TlsSetupError> {
    let mut store = RootCertStore::empty();
    let mut info = RootsInfo {
        source: RootSource::None,
        base: 0,
        skipped: 0,
        ca_files: 0,
    };
    if system == SystemStore::Load {
        let (certs, source) = system_certs();
        let (added, skipped) = store.add_parsable_certificates(certs);
        if added > 0 {
            info.source = source;
            info.base = added;
            info.skipped = skipped;
        } else {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            info.source = RootSource::Compiled;
            info.base = store.len();
        }
    }
    for path in ca_files {
        for cert in ca_file_certs(path)? {
            store.add(cert).map_err(|e| TlsSetupError::CaFile {
                path: path.clone(),
                problem: format!("a certificate in it is not usable as a trust anchor: {e}"),
            })?;
            info.ca_files += 1;
        }
    }
    Ok((store, info))
}

/// The certificates of the system store, and where they came from (empty when there is none).
///
/// One bundle file: `SSL_CERT_FILE` when it names a file, else the distribution's. Only without
/// a bundle are the certificate directories read (`SSL_CERT_DIR`, else OpenSSL's usual ones),
/// every file of them: OpenSSL looks a directory up lazily, by subject hash, but rustls needs its
/// anchors up front, and reading the 290 entries of Debian's `/etc/ssl/certs` besides the bundle
/// that holds the same certificates cost three times as much (docs/BENCHMARKS.md).
fn system_certs() -> (Vec<CertificateDer<'static>>, RootSource) {
    let from_env = std::env::var_os("SSL_CERT_FILE")
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    let bundle = from_env.or_else(|| BUNDLE_FILES.iter().map(PathBuf::from).find(|p| p.is_file()));
    if let Some(bundle) = bundle {
        let result = rustls_native_certs::load_certs_from_paths(Some(&bundle), None);
        if !result.certs.is_empty() {
            return (
                result.certs,
                RootSource::System(bundle.display().to_string()),
            );
        }
    }
    let result = rustls_native_certs::load_native_certs();
    (
        result.certs,
        RootSource::System("the certificate directories".into()),
    )
}

/// The certificates of one `--ca-file`: PEM (one or more `BEGIN CERTIFICATE` blocks) or a single
/// DER certificate.
pub fn ca_file_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let problem = |problem: String| TlsSetupError::CaFile {
        path: path.to_path_buf(),
        problem,
    };
    let size = fs::metadata(path)
        .map_err(|e| problem(format!("cannot read it: {}", io_words(&e))))?
        .len();
    if size > MAX_CA_FILE {
        return Err(problem(format!(
            "it is {size} bytes, larger than any CA bundle ({MAX_CA_FILE} at most)"
        )));
    }
    let bytes = fs::read(path).map_err(|e| problem(format!("cannot read it: {}", io_words(&e))))?;
    // A DER certificate is one SEQUENCE: 0x30 then a long-form length.
    if bytes.first() == Some(&0x30) {
        return Ok(vec![CertificateDer::from(bytes)]);
    }
    let mut certs = Vec::new();
    for (i, cert) in CertificateDer::pem_slice_iter(&bytes).enumerate() {
        match cert {
            Ok(cert) => certs.push(cert),
            Err(e) => {
                return Err(problem(format!(
                    "its PEM block {} cannot be read: {e}",
                    i + 1
                )))
            }
        }
    }
    if certs.is_empty() {
        return Err(problem(
            "it holds no certificate (no -----BEGIN CERTIFICATE----- block): give the CA's \
             certificate in PEM or DER, not its key or a request"
                .into(),
        ));
    }
    Ok(certs)
}
