//! How a TLS handshake or session fails, classified once into kinds with stable names and messages
//! that say what to do (docs/TLS-ERRORS.md describes each).
//!
//! rustls reports a failed handshake as an `io::Error` wrapping a `rustls::Error`; [`classify`]
//! turns it, together with what the handshake saw (the certificates the server sent, the first
//! bytes it answered with, how much it sent), into a [`TlsFailure`].

use std::fmt;
use std::io;
use std::path::PathBuf;

use rustls::{AlertDescription, CertificateError, Error as RustlsError, PeerIncompatible};

use super::cert::{clean_bounded, quoted, span_words, CertInfo, CertTime, MAX_SAN_CHARS};
use crate::session::io_words;

/// How many of the certificate's names a mismatch message lists.
const NAMES_SHOWN: usize = 8;

/// The TLS layer could not be set up from the options: a usage error (UNKNOWN), before any
/// connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsSetupError {
    #[error("--ca-file {}: {problem}", path.display())]
    CaFile { path: PathBuf, problem: String },
    #[error("--sni {name:?} is not a valid DNS name or IP address: {problem}")]
    Sni { name: String, problem: String },
    #[error("the host {host:?} cannot be a TLS server name: {problem}")]
    Host { host: String, problem: String },
    #[error("the TLS configuration could not be built: {0}")]
    Config(String),
}

/// Why a TLS handshake failed. [`TlsFailure::kind_name`] is the stable name (the session's
/// `FailureKind`); `Display` is the operator's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The chain does not lead to a trusted authority; `issuer` is the name it stops at.
    Untrusted { issuer: String },
    /// The server's certificate names itself as issuer and is not trusted.
    SelfSigned { subject: String },
    /// A certificate of the chain expired. `leaf` is false for an intermediate.
    Expired {
        subject: String,
        leaf: bool,
        not_after: CertTime,
        now: CertTime,
    },
    /// A certificate of the chain is not valid yet.
    NotYetValid {
        subject: String,
        leaf: bool,
        not_before: CertTime,
        now: CertTime,
    },
    /// The certificate is not valid for the name checked (the URL's host, or `--sni`).
    NameMismatch {
        expected: String,
        presented: Vec<String>,
    },
    /// Another problem with the certificate (bad signature, wrong purpose, bad encoding...).
    BadCertificate { reason: String },
    /// No TLS version or cipher suite both sides speak. `offer` is what the server showed of
    /// its own, when it showed anything.
    NoCommonProtocol {
        what: &'static str,
        offer: Option<String>,
    },
    /// The server ended the handshake with a TLS alert.
    Alert { alert: String, hint: &'static str },
    /// The server answered with bytes that are not TLS.
    NotTls { looks_like: String },
    /// The server broke the TLS protocol.
    Protocol { reason: String },
    /// The deadline passed; `received` bytes had come from the server.
    Timeout { received: u64 },
    /// The server closed the connection during the handshake.
    Closed { received: u64 },
    /// The connection was reset during the handshake.
    Reset,
    /// Another socket error.
    Io(String),
    /// The probe's own fault (a server name the plan should have refused).
    Internal(String),
}

impl TlsFailure {
    /// Every kind name, in the order of docs/TLS-ERRORS.md.
    pub const KIND_NAMES: [&'static str; 15] = [
        "tls_untrusted",
        "tls_self_signed",
        "tls_expired",
        "tls_not_yet_valid",
        "tls_name_mismatch",
        "tls_bad_certificate",
        "tls_no_common_protocol",
        "tls_alert",
        "not_tls",
        "tls_protocol_error",
        "timeout",
        "closed",
        "reset",
        "io",
        "internal",
    ];

    /// The stable name of the kind. The last five are the session's existing kinds, with the
    /// step `tls` saying where they happened.
    pub fn kind_name(&self) -> &'static str {
        match self {
            TlsFailure::Untrusted { .. } => "tls_untrusted",
            TlsFailure::SelfSigned { .. } => "tls_self_signed",
            TlsFailure::Expired { .. } => "tls_expired",
            TlsFailure::NotYetValid { .. } => "tls_not_yet_valid",
            TlsFailure::NameMismatch { .. } => "tls_name_mismatch",
            TlsFailure::BadCertificate { .. } => "tls_bad_certificate",
            TlsFailure::NoCommonProtocol { .. } => "tls_no_common_protocol",
            TlsFailure::Alert { .. } => "tls_alert",
            TlsFailure::NotTls { .. } => "not_tls",
            TlsFailure::Protocol { .. } => "tls_protocol_error",
            TlsFailure::Timeout { .. } => "timeout",
            TlsFailure::Closed { .. } => "closed",
            TlsFailure::Reset => "reset",
            TlsFailure::Io(_) => "io",
            TlsFailure::Internal(_) => "internal",
        }
    }

    /// A failure of certificate verification (what `--insecure` lets through).
    pub fn is_verification(&self) -> bool {
        matches!(
            self,
            TlsFailure::Untrusted { .. }
                | TlsFailure::SelfSigned { .. }
                | TlsFailure::Expired { .. }
                | TlsFailure::NotYetValid { .. }
                | TlsFailure::NameMismatch { .. }
                | TlsFailure::BadCertificate { .. }
        )
    }

    /// For a timeout: what the handshake was waiting for, to follow the session's "timed out
    /// after 1s (--timeout) waiting for ...".
    pub fn waiting_for(&self) -> Option<String> {
        match self {
            TlsFailure::Timeout { received: 0 } => Some(
                "the server's answer to the TLS ClientHello (nothing received: a proxy or load \
                 balancer that accepts connections with no TLS server behind it, or a port that \
                 does not speak TLS, such as plain RTMP waiting for the rest of its handshake; \
                 try rtmp:// there)"
                    .into(),
            ),
            TlsFailure::Timeout { received } => Some(format!(
                "the rest of the server's TLS handshake ({received} bytes received, then it \
                 stalled)"
            )),
            _ => None,
        }
    }
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::Untrusted { issuer } => write!(
                f,
                "the certificate was issued by {}, which is not a trusted authority here: add \
                 that CA's certificate with --ca-file FILE or to the system store \
                 (update-ca-certificates), or, if it is an intermediate, make the server send it \
                 with its own certificate",
                quoted(issuer)
            ),
            TlsFailure::SelfSigned { subject } => write!(
                f,
                "the certificate is self-signed ({}) and not trusted: trust it with --ca-file \
                 FILE (the certificate itself), or check without verification with --insecure",
                quoted(subject)
            ),
            TlsFailure::Expired {
                subject,
                leaf,
                not_after,
                now,
            } => write!(
                f,
                "{} expired on {not_after}, {} ago: renew it on the server{}",
                which_cert(*leaf, subject),
                span_words(now.unix().saturating_sub(not_after.unix())),
                if *leaf {
                    ""
                } else {
                    " (the chain in its certificate file)"
                }
            ),
            TlsFailure::NotYetValid {
                subject,
                leaf,
                not_before,
                now,
            } => write!(
                f,
                "{} is not valid before {not_before}, {} from now: check the clock of this \
                 machine and the certificate installed on the server",
                which_cert(*leaf, subject),
                span_words(not_before.unix().saturating_sub(now.unix()))
            ),
            TlsFailure::NameMismatch {
                expected,
                presented,
            } => {
                let names = if presented.is_empty() {
                    "no names".to_string()
                } else {
                    let mut shown = presented
                        .iter()
                        .take(NAMES_SHOWN)
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ");
                    let more = presented.len().saturating_sub(NAMES_SHOWN);
                    if more > 0 {
                        shown.push_str(&format!(" and {more} more"));
                    }
                    shown
                };
                write!(
                    f,
                    "the certificate is not valid for {}: it names {names}; use one of those \
                     names in the URL (or --sni NAME), or install a certificate for this name",
                    quoted(expected)
                )
            }
            TlsFailure::BadCertificate { reason } => write!(
                f,
                "the certificate was refused: {reason}; install a valid certificate on the server"
            ),
            TlsFailure::NoCommonProtocol { what, offer } => {
                write!(f, "the server and the probe have no TLS {what} in common")?;
                if let Some(offer) = offer {
                    write!(f, " ({offer})")?;
                }
                write!(
                    f,
                    ": the probe speaks TLS 1.2 and 1.3 with current ciphers, as encoders and \
                     browsers do; enable them on the server"
                )
            }
            TlsFailure::Alert { alert, hint } => {
                write!(
                    f,
                    "the server refused the TLS handshake with the alert {alert}"
                )?;
                if hint.is_empty() {
                    write!(f, ": see the server's TLS configuration and error log")
                } else {
                    write!(f, ": {hint}")
                }
            }
            TlsFailure::NotTls { looks_like } => write!(
                f,
                "the server does not speak TLS on this port: it answered the ClientHello with \
                 {looks_like}"
            ),
            TlsFailure::Protocol { reason } => write!(
                f,
                "the server broke the TLS protocol during the handshake: {reason}"
            ),
            TlsFailure::Timeout { .. } => match self.waiting_for() {
                Some(what) => write!(f, "timed out waiting for {what}"),
                None => write!(f, "timed out during the TLS handshake"),
            },
            TlsFailure::Closed { received: 0 } => write!(
                f,
                "the server closed the connection without answering the TLS ClientHello (a TLS \
                 server that serves no certificate for this name, or a proxy without a backend)"
            ),
            TlsFailure::Closed { received } => write!(
                f,
                "the server closed the connection during the TLS handshake ({received} bytes \
                 received)"
            ),
            TlsFailure::Reset => write!(f, "the connection was reset during the TLS handshake"),
            TlsFailure::Io(words) => write!(f, "{words} during the TLS handshake"),
            TlsFailure::Internal(words) => write!(f, "{words}"),
        }
    }
}

fn which_cert(leaf: bool, subject: &str) -> String {
    if leaf {
        format!("the certificate ({})", quoted(subject))
    } else {
        format!("the intermediate certificate {}", quoted(subject))
    }
}

/// What the handshake saw, for classifying its failure.
#[derive(Debug, Default)]
pub struct Seen<'a> {
    /// The certificates the server sent, leaf first, when they were recorded.
    pub chain: &'a [CertInfo],
    /// The first bytes the server sent.
    pub head: &'a [u8],
    /// How many bytes the server sent.
    pub received: u64,
    /// The name verified (the host, or `--sni`).
    pub expected: &'a str,
    /// The time verification used.
    pub now: CertTime,
}

/// Classifies the error of a failed handshake.
pub fn classify(error: &io::Error, seen: &Seen<'_>) -> TlsFailure {
    if let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<RustlsError>())
    {
        return classify_rustls(tls, seen);
    }
    match error.kind() {
        io::ErrorKind::TimedOut => TlsFailure::Timeout {
            received: seen.received,
        },
        io::ErrorKind::UnexpectedEof => match not_tls(seen.head) {
            Some(looks_like) => TlsFailure::NotTls { looks_like },
            None => TlsFailure::Closed {
                received: seen.received,
            },
        },
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => TlsFailure::Reset,
        _ => TlsFailure::Io(io_words(error)),
    }
}

/// Classifies a rustls error (from the handshake, or what the verifier said).
pub fn classify_rustls(error: &RustlsError, seen: &Seen<'_>) -> TlsFailure {
    match error {
        RustlsError::InvalidCertificate(cert) => classify_certificate(cert, seen),
        RustlsError::NoCertificatesPresented => TlsFailure::BadCertificate {
            reason: "the server sent no certificate".into(),
        },
        RustlsError::AlertReceived(alert) => classify_alert(*alert, seen),
        RustlsError::PeerIncompatible(why) => match why {
            PeerIncompatible::NoCipherSuitesInCommon => TlsFailure::NoCommonProtocol {
                what: "cipher suite",
                offer: server_offer(seen.head),
            },
            PeerIncompatible::NoKxGroupsInCommon => TlsFailure::NoCommonProtocol {
                what: "key exchange group",
                offer: server_offer(seen.head),
            },
            PeerIncompatible::NoSignatureSchemesInCommon => TlsFailure::NoCommonProtocol {
                what: "signature scheme",
                offer: server_offer(seen.head),
            },
            PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::SupportedVersionsExtensionRequired => {
                TlsFailure::NoCommonProtocol {
                    what: "version",
                    offer: server_offer(seen.head),
                }
            }
            other => TlsFailure::Protocol {
                reason: format!("{:?}", other),
            },
        },
        RustlsError::InvalidMessage(_) => match not_tls(seen.head) {
            Some(looks_like) => TlsFailure::NotTls { looks_like },
            None => match server_offer(seen.head) {
                // A ServerHello of TLS 1.1 or older does not parse as rustls expects.
                Some(offer) => TlsFailure::NoCommonProtocol {
                    what: "version",
                    offer: Some(offer),
                },
                None => TlsFailure::Protocol {
                    reason: error.to_string(),
                },
            },
        },
        other => TlsFailure::Protocol {
            reason: other.to_string(),
        },
    }
}

fn classify_certificate(error: &CertificateError, seen: &Seen<'_>) -> TlsFailure {
    let leaf = seen.chain.first();
    match error {
        CertificateError::UnknownIssuer => match leaf {
            Some(leaf) if leaf.self_issued() => TlsFailure::SelfSigned {
                subject: leaf.subject.clone(),
            },
            _ => TlsFailure::Untrusted {
                issuer: seen
                    .chain
                    .last()
                    .map(|top| top.issuer.clone())
                    .unwrap_or_else(|| "an unknown issuer".into()),
            },
        },
        CertificateError::ExpiredContext { time, not_after } => {
            expired(seen, to_cert_time(not_after), to_cert_time(time))
        }
        CertificateError::Expired => {
            let earliest = seen
                .chain
                .iter()
                .map(|c| c.not_after)
                .min()
                .unwrap_or(seen.now);
            expired(seen, earliest, seen.now)
        }
        CertificateError::NotValidYetContext { time, not_before } => {
            not_yet_valid(seen, to_cert_time(not_before), to_cert_time(time))
        }
        CertificateError::NotValidYet => {
            let latest = seen
                .chain
                .iter()
                .map(|c| c.not_before)
                .max()
                .unwrap_or(seen.now);
            not_yet_valid(seen, latest, seen.now)
        }
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => TlsFailure::NameMismatch {
            expected: clean_bounded(&expected.to_str(), MAX_SAN_CHARS),
            // The names as x509-parser read them from the leaf; rustls's own list is
            // debug-formatted (`DnsName("a.example")`), so it is only the fallback.
            presented: match leaf {
                Some(leaf) => leaf.sans.clone(),
                None => presented
                    .iter()
                    .take(super::cert::MAX_SANS)
                    .map(|name| clean_bounded(unwrap_debug_name(name), MAX_SAN_CHARS))
                    .collect(),
            },
        },
        CertificateError::NotValidForName => TlsFailure::NameMismatch {
            expected: seen.expected.to_string(),
            presented: leaf.map(|l| l.sans.clone()).unwrap_or_default(),
        },
        CertificateError::BadSignature => TlsFailure::BadCertificate {
            reason: "a certificate of the chain is not signed by its issuer's key".into(),
        },
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            TlsFailure::BadCertificate {
                reason: "the certificate is not for TLS servers (its extended key usage lacks \
                         serverAuth)"
                    .into(),
            }
        }
        CertificateError::BadEncoding => TlsFailure::BadCertificate {
            reason: "a certificate of the chain is not valid DER".into(),
        },
        CertificateError::Revoked => TlsFailure::BadCertificate {
            reason: "the certificate has been revoked".into(),
        },
        CertificateError::UnhandledCriticalExtension => TlsFailure::BadCertificate {
            reason: "a certificate carries a critical extension the probe does not know".into(),
        },
        other => TlsFailure::BadCertificate {
            reason: clean_bounded(&format!("{other:?}"), 200),
        },
    }
}

/// `DnsName("a.example")` or `IpAddress(192.0.2.1)` as rustls writes them -> the name.
fn unwrap_debug_name(name: &str) -> &str {
    let inner = name
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(name);
    inner
        .strip_prefix('"')
        .and_then(|i| i.strip_suffix('"'))
        .unwrap_or(inner)
}

fn to_cert_time(time: &rustls::pki_types::UnixTime) -> CertTime {
    CertTime(i64::try_from(time.as_secs()).unwrap_or(i64::MAX))
}

/// The certificate with that `not_after` (the leaf if it is the one), for the message.
fn expired(seen: &Seen<'_>, not_after: CertTime, now: CertTime) -> TlsFailure {
    let (subject, leaf) = find_cert(seen, |c| c.not_after == not_after);
    TlsFailure::Expired {
        subject,
        leaf,
        not_after,
        now,
    }
}

fn not_yet_valid(seen: &Seen<'_>, not_before: CertTime, now: CertTime) -> TlsFailure {
    let (subject, leaf) = find_cert(seen, |c| c.not_before == not_before);
    TlsFailure::NotYetValid {
        subject,
        leaf,
        not_before,
        now,
    }
}

fn find_cert(seen: &Seen<'_>, matches: impl Fn(&CertInfo) -> bool) -> (String, bool) {
    match seen.chain.iter().position(matches) {
        Some(i) => (
            seen.chain
                .get(i)
                .map(|c| c.subject.clone())
                .unwrap_or_default(),
            i == 0,
        ),
        None => (
            seen.chain
                .first()
                .map(|c| c.subject.clone())
                .unwrap_or_default(),
            true,
        ),
    }
}

fn classify_alert(alert: AlertDescription, seen: &Seen<'_>) -> TlsFailure {
    let code = u8::from(alert);
    match code {
        // protocol_version, insufficient_security: the server wants what we do not speak.
        70 => TlsFailure::NoCommonProtocol {
            what: "version",
            offer: Some(match record_version(seen.head) {
                Some(v) if v < 0x0303 => format!(
                    "it answered with a protocol_version alert in a {} record: it speaks {} or \
                     older",
                    version_name(v),
                    version_name(v)
                ),
                // OpenSSL answers in a record of the version the ClientHello's record had.
                _ => "it answered our offer of TLS 1.2 and 1.3 with a protocol_version alert: it \
                      speaks only older versions, such as TLS 1.0 or 1.1"
                    .into(),
            }),
        },
        71 => TlsFailure::NoCommonProtocol {
            what: "cipher suite strong enough for it",
            offer: Some("it answered with an insufficient_security alert".into()),
        },
        _ => TlsFailure::Alert {
            alert: alert_name(code),
            hint: alert_hint(code),
        },
    }
}

/// The alert's name as RFC 8446 and RFC 5246 write it.
pub fn alert_name(code: u8) -> String {
    let name = match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => return format!("unknown ({code})"),
    };
    name.to_string()
}

fn alert_hint(code: u8) -> &'static str {
    match code {
        40 => {
            "the server found nothing acceptable in the ClientHello (often no cipher suite in \
               common, or it wants a client certificate, which the probe does not send)"
        }
        41 | 42 | 116 => "the server wants a client certificate, which the probe does not send",
        49 => "the server refuses this client (an access rule on the server)",
        80 => "the server's TLS layer failed: see its error log",
        112 => {
            "the server has no certificate for the name sent (SNI): check the host in the URL, \
             or give the name the server expects with --sni NAME"
        }
        120 => "the server wants an application protocol (ALPN) that the probe does not offer",
        _ => "",
    }
}

/// The record-layer version of the first record the server sent.
fn record_version(head: &[u8]) -> Option<u16> {
    let bytes = head.get(1..3)?;
    Some(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]))
}

fn version_name(version: u16) -> String {
    match version {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("version 0x{other:04x}"),
    }
}

/// What the server's own first handshake record shows of its versions: a ServerHello for
/// TLS 1.1 or older. `None` when it shows nothing useful.
pub fn server_offer(head: &[u8]) -> Option<String> {
    // Record: type 22 (handshake), version, length; then handshake type 2 (ServerHello), a
    // 3-byte length and the server's version.
    if head.first() != Some(&22) || head.get(5) != Some(&2) {
        return None;
    }
    let version = u16::from_be_bytes([*head.get(9)?, *head.get(10)?]);
    (version < 0x0303).then(|| {
        format!(
            "it chose {} in its ServerHello: it speaks {} or older",
            version_name(version),
            version_name(version)
        )
    })
}

/// When the first bytes cannot start a TLS record, what they look like.
pub fn not_tls(head: &[u8]) -> Option<String> {
    let first = *head.first()?;
    if (20..=23).contains(&first) {
        return None;
    }
    let looks_like = if first == 3 && head.len() > 1 {
        "an RTMP handshake (S0 = 3): this port speaks plain RTMP, use rtmp:// for it".into()
    } else if head.starts_with(b"HTTP/") {
        "an HTTP response: this port speaks HTTP".into()
    } else if head.starts_with(b"SSH-") {
        "an SSH banner: this port speaks SSH".into()
    } else {
        let hex = head
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ");
        format!("bytes that are not TLS ({hex}...)")
    };
    Some(looks_like)
}

/// A fault of an established TLS session, for the session's steps after `tls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSessionFault {
    /// The server sent close_notify: it ended the session on purpose. A read from the
    /// [`super::TlsStream`] returning 0 bytes means this (rustls reports EOF only after a
    /// close_notify).
    CloseNotify,
    /// The connection ended without close_notify: the TLS session was cut short.
    Truncated,
    /// The server sent a fatal alert.
    Alert(String),
    /// The server broke the protocol (a bad record, a MAC that does not verify...).
    Protocol(String),
}

impl TlsSessionFault {
    /// What an `io::Error` from reading or writing the [`super::TlsStream`] means, when it is a
    /// TLS matter; `None` for plain socket errors (reset, ...), which mean what they mean
    /// without TLS.
    pub fn from_io(error: &io::Error) -> Option<TlsSessionFault> {
        if let Some(tls) = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<RustlsError>())
        {
            return Some(match tls {
                RustlsError::AlertReceived(AlertDescription::CloseNotify) => {
                    TlsSessionFault::CloseNotify
                }
                RustlsError::AlertReceived(alert) => {
                    TlsSessionFault::Alert(alert_name(u8::from(*alert)))
                }
                other => TlsSessionFault::Protocol(other.to_string()),
            });
        }
        (error.kind() == io::ErrorKind::UnexpectedEof).then_some(TlsSessionFault::Truncated)
    }

    /// The stable kind name: a close_notify is an ordinary `closed`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            TlsSessionFault::CloseNotify => "closed",
            TlsSessionFault::Truncated => "tls_truncated",
            TlsSessionFault::Alert(_) => "tls_alert",
            TlsSessionFault::Protocol(_) => "tls_protocol_error",
        }
    }
}

impl fmt::Display for TlsSessionFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsSessionFault::CloseNotify => {
                write!(f, "the server ended the TLS session (close_notify)")
            }
            TlsSessionFault::Truncated => write!(
                f,
                "the connection ended without a TLS close_notify (the session was cut short: a \
                 crashed server or a proxy that dropped the connection)"
            ),
            TlsSessionFault::Alert(name) => {
                write!(f, "the server ended the TLS session with the alert {name}")
            }
            TlsSessionFault::Protocol(reason) => {
                write!(f, "the server broke the TLS protocol: {reason}")
            }
        }
    }
}
