//! The TLS layer of rtmps://: a rustls client (the `ring` provider) over any
//! `AsyncRead + AsyncWrite`, with verification on by default, a report of what the server showed
//! (version, cipher, certificate, days left), and failures classified into kinds that say what to
//! do (docs/ERRORS.md, "TLS").
//!
//! Build the configuration once per run with [`client_config`] (it reads the system trust store,
//! a few milliseconds: only for rtmps:// targets), then run [`handshake`] on each connection
//! after `tcp_connect`, as the `tls` step:
//!
//! ```no_run
//! # async fn demo(tcp: tokio::net::TcpStream) -> Result<(), Box<dyn std::error::Error>> {
//! use rtmp_probe::session::tls::{client_config, handshake, TlsOptions};
//! let config = client_config(&TlsOptions::default())?;
//! let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
//! let (stream, info) = handshake(tcp, &config, "ingest.example", deadline).await?;
//! println!("{} {} {} days left", info.version, info.cipher, info.leaf.map_or(0, |l| l.days_left));
//! # drop(stream); Ok(()) }
//! ```
//!
//! Decisions (docs/DECISIONS.md): no ALPN is offered (encoders offer none, and a server that
//! insists on one it does not know would refuse); session resumption is off, so that every check
//! sees and verifies the certificate; the handshake signatures are checked even with `--insecure`.

pub mod cert;
mod classify;
pub mod failure;
pub mod roots;
mod stream;
mod verify;

#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::pki_types::{ServerName, UnixTime};
use rustls::{ClientConfig, ProtocolVersion};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

pub use cert::{CertInfo, CertTime};
pub use failure::{TlsFailure, TlsSessionFault, TlsSetupError};
pub use roots::{RootSource, RootsInfo};
pub use stream::Observed;

use classify::Seen;
use roots::SystemStore;
use verify::RecordingVerifier;

/// The TLS stream a session reads and writes after the `tls` step.
pub type TlsStream<S> = tokio_rustls::client::TlsStream<Observed<S>>;

/// The options of the TLS layer, from the command line (or the exporter's module).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `--sni NAME`: the name sent in the ClientHello and verified, instead of the URL's host.
    pub sni: Option<String>,
    /// `--ca-file FILE` (repeatable): trust anchors added to the system store.
    pub ca_files: Vec<PathBuf>,
    /// `--insecure`: go on whatever verification says (and report what it said).
    pub insecure: bool,
}

/// A client configuration built once per run and shared by every handshake of it.
#[derive(Debug)]
pub struct TlsConfig {
    base: ClientConfig,
    webpki: Arc<WebPkiServerVerifier>,
    insecure: bool,
    sni: Option<ServerName<'static>>,
    roots: RootsInfo,
}

impl TlsConfig {
    /// Where the trust anchors came from and how many there are.
    pub fn roots(&self) -> &RootsInfo {
        &self.roots
    }

    pub fn insecure(&self) -> bool {
        self.insecure
    }

    /// The name a handshake with `host` sends and verifies.
    pub fn server_name_for(&self, host: &str) -> Result<ServerName<'static>, TlsSetupError> {
        match &self.sni {
            Some(name) => Ok(name.clone()),
            None => server_name(host),
        }
    }
}

/// Builds the configuration: loads the system trust store (or the compiled-in roots where there
/// is none), adds each `--ca-file`, checks `--sni`. A bad `--ca-file` or `--sni` is a usage
/// error naming it.
pub fn client_config(options: &TlsOptions) -> Result<Arc<TlsConfig>, TlsSetupError> {
    build_config(options, SystemStore::Load)
}

/// [`client_config`] without the system store: only the `--ca-file`s are trusted. For tests and
/// benchmarks that must not depend on the machine's store.
pub fn client_config_without_system_store(
    options: &TlsOptions,
) -> Result<Arc<TlsConfig>, TlsSetupError> {
    build_config(options, SystemStore::Skip)
}

fn build_config(
    options: &TlsOptions,
    system: SystemStore,
) -> Result<Arc<TlsConfig>, TlsSetupError> {
    let sni = match &options.sni {
        Some(name) => Some(server_name(name).map_err(|e| match e {
            TlsSetupError::Host { problem, .. } => TlsSetupError::Sni {
                name: name.clone(),
                problem,
            },
            other => other,
        })?),
        None => None,
    };
    let (store, roots) = roots::load(&options.ca_files, system)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let webpki = if store.is_empty() {
        // No system store asked for and no --ca-file (tests): rustls refuses an empty store,
        // so the compiled-in roots stand in.
        let mut fallback = rustls::RootCertStore::empty();
        fallback.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        WebPkiServerVerifier::builder_with_provider(Arc::new(fallback), provider.clone())
    } else {
        WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
    }
    .build()
    .map_err(|e| TlsSetupError::Config(e.to_string()))?;
    let mut base = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(webpki.clone())
        .with_no_client_auth();
    // Every check must see the certificate: a resumed session would skip it.
    base.resumption = Resumption::disabled();
    Ok(Arc::new(TlsConfig {
        base,
        webpki,
        insecure: options.insecure,
        sni,
        roots,
    }))
}

/// The TLS server name for a host: an IP address (sent as no SNI, verified against the
/// certificate's IP names) or a DNS name (sent as SNI and verified). Brackets around an IPv6
/// address are allowed.
pub fn server_name(host: &str) -> Result<ServerName<'static>, TlsSetupError> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(ServerName::IpAddress(ip.into()));
    }
    ServerName::try_from(bare.to_string()).map_err(|e| TlsSetupError::Host {
        host: host.to_string(),
        problem: e.to_string(),
    })
}

/// What the TLS step learned: what was negotiated and what the certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// `TLS 1.3` or `TLS 1.2`.
    pub version: &'static str,
    /// The IANA name of the cipher suite, e.g. `TLS_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// The application protocol the server chose (none: the probe offers none).
    pub alpn: Option<String>,
    /// The name sent as SNI (none for an IP address).
    pub sni: Option<String>,
    /// The name the certificate was verified against.
    pub verified_name: String,
    /// Verification passed. False only with `--insecure`, and then `verification_error` says why.
    pub verified: bool,
    /// The server's certificate; `None` only if it cannot be parsed (possible with `--insecure`).
    pub leaf: Option<CertInfo>,
    /// How many certificates the server sent.
    pub chain_len: usize,
    /// The earliest `not_after` over the certificates the server sent (blackbox_exporter's
    /// `probe_ssl_earliest_cert_expiry`).
    pub chain_earliest_expiry: Option<CertTime>,
    /// With `--insecure`: the failure verification would have been.
    pub verification_error: Option<TlsFailure>,
}

impl TlsInfo {
    /// Whole days until the earliest expiry in the chain (the `cert_days` metric).
    pub fn days_left(&self, now: SystemTime) -> Option<i64> {
        self.chain_earliest_expiry
            .map(|t| t.days_from(CertTime::from_system(now)))
    }
}

/// The `tls` step: a TLS handshake over `stream` with `host` (or `--sni`), ended by `deadline`
/// whatever the server does. Verification uses the current time.
pub async fn handshake<S>(
    stream: S,
    config: &TlsConfig,
    host: &str,
    deadline: Instant,
) -> Result<(TlsStream<S>, TlsInfo), TlsFailure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    handshake_at(stream, config, host, deadline, SystemTime::now()).await
}

/// [`handshake`] with the time that verification and the days left use.
pub async fn handshake_at<S>(
    stream: S,
    config: &TlsConfig,
    host: &str,
    deadline: Instant,
    now: SystemTime,
) -> Result<(TlsStream<S>, TlsInfo), TlsFailure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let name = config
        .server_name_for(host)
        .map_err(|e| TlsFailure::Internal(e.to_string()))?;
    let verified_name = name.to_str().into_owned();
    let unix_now = UnixTime::since_unix_epoch(now.duration_since(UNIX_EPOCH).unwrap_or_default());
    let verifier = Arc::new(RecordingVerifier::new(
        config.webpki.clone(),
        config.insecure,
        unix_now,
    ));
    let mut client = config.base.clone();
    client
        .dangerous()
        .set_certificate_verifier(verifier.clone());
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let sni = match &name {
        ServerName::DnsName(dns) => Some(dns.as_ref().to_string()),
        _ => None,
    };

    match connector
        .connect(name, Observed::new(stream, deadline))
        .into_fallible()
        .await
    {
        Ok(mut tls) => {
            tls.get_mut().0.handshake_done();
            let refusal = verifier.take_refusal();
            let (_, conn) = tls.get_ref();
            let certs = conn.peer_certificates().unwrap_or_default();
            let chain: Vec<CertInfo> = certs
                .iter()
                .take(verify::MAX_CHAIN)
                .filter_map(|c| CertInfo::from_der(c, now))
                .collect();
            let verification_error = refusal.map(|r| {
                classify::classify_rustls(
                    &r.error,
                    &Seen {
                        chain: &chain,
                        expected: &verified_name,
                        now: CertTime::from_system(now),
                        ..Seen::default()
                    },
                )
            });
            let info = TlsInfo {
                version: version_name(conn.protocol_version()),
                cipher: conn
                    .negotiated_cipher_suite()
                    .map(|s| cipher_name(s.suite()))
                    .unwrap_or_else(|| "unknown".into()),
                alpn: conn
                    .alpn_protocol()
                    .map(|p| cert::clean_bounded(&String::from_utf8_lossy(p), 64)),
                sni,
                verified_name,
                verified: verification_error.is_none(),
                leaf: certs.first().and_then(|c| CertInfo::from_der(c, now)),
                chain_len: certs.len(),
                chain_earliest_expiry: chain.iter().map(|c| c.not_after).min(),
                verification_error,
            };
            Ok((tls, info))
        }
        Err((error, io)) => {
            let chain: Vec<CertInfo> = verifier
                .take_refusal()
                .map(|r| {
                    r.chain
                        .iter()
                        .filter_map(|c| CertInfo::from_der(c, now))
                        .collect()
                })
                .unwrap_or_default();
            Err(classify::classify(
                &error,
                &Seen {
                    chain: &chain,
                    head: io.head(),
                    received: io.received(),
                    expected: &verified_name,
                    now: CertTime::from_system(now),
                },
            ))
        }
    }
}

fn version_name(version: Option<ProtocolVersion>) -> &'static str {
    match version {
        Some(ProtocolVersion::TLSv1_3) => "TLS 1.3",
        Some(ProtocolVersion::TLSv1_2) => "TLS 1.2",
        _ => "unknown",
    }
}

/// The IANA name: rustls writes TLS 1.3 suites as `TLS13_...`, IANA (and blackbox_exporter's
/// `probe_tls_cipher_info`) as `TLS_...`.
fn cipher_name(suite: rustls::CipherSuite) -> String {
    match suite.as_str() {
        Some(name) => match name.strip_prefix("TLS13_") {
            Some(rest) => format!("TLS_{rest}"),
            None => name.to_string(),
        },
        None => format!("0x{:04x}", u16::from(suite)),
    }
}
