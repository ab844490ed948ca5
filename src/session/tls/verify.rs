//! The certificate verifier: rustls's own (webpki) verifier, wrapped to record what it refused.
//!
//! With verification on, a refusal fails the handshake as usual; with `--insecure` the handshake
//! goes on, and the refusal is kept so that the report can say what would have failed. Either way
//! the chain the server sent is kept when verification fails, for the message (the issuer a chain
//! stops at, the names a certificate has). Verification uses the time the check was given
//! (`now`), not the clock rustls would read, so a test can pin it.
//!
//! The handshake signatures (TLS 1.2's ServerKeyExchange, TLS 1.3's CertificateVerify) are
//! always checked, also with `--insecure`: they show that the server holds the key of the
//! certificate it sent, which has nothing to do with trusting that certificate.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, Error, SignatureScheme};

/// At most this many certificates of a refused chain are kept (servers send 2 to 4).
pub const MAX_CHAIN: usize = 10;

/// What verification refused: the error and the chain the server sent, leaf first.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub error: Error,
    pub chain: Vec<CertificateDer<'static>>,
}

/// One handshake's verifier (a new one per handshake, so that concurrent sessions sharing a
/// configuration do not share what they saw).
#[derive(Debug)]
pub struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    insecure: bool,
    now: UnixTime,
    refusal: Mutex<Option<Refusal>>,
}

impl RecordingVerifier {
    pub fn new(inner: Arc<WebPkiServerVerifier>, insecure: bool, now: UnixTime) -> Self {
        RecordingVerifier {
            inner,
            insecure,
            now,
            refusal: Mutex::new(None),
        }
    }

    /// What verification refused, if it refused (taken once).
    pub fn take_refusal(&self) -> Option<Refusal> {
        self.refusal.lock().ok().and_then(|mut slot| slot.take())
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            self.now,
        ) {
            Ok(verified) => Ok(verified),
            Err(error) => {
                let chain = std::iter::once(end_entity)
                    .chain(intermediates)
                    .take(MAX_CHAIN)
                    .map(|c| c.clone().into_owned())
                    .collect();
                if let Ok(mut slot) = self.refusal.lock() {
                    *slot = Some(Refusal {
                        error: error.clone(),
                        chain,
                    });
                }
                if self.insecure {
                    Ok(ServerCertVerified::assertion())
                } else {
                    Err(error)
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
