//! How a TLS handshake or session fails: kinds with stable names and messages that say what to do
//! (docs/ERRORS.md, "TLS", describes each). `classify.rs` decides which.

use std::fmt;
use std::io;
use std::path::PathBuf;

use rustls::{AlertDescription, Error as RustlsError};

use super::cert::{quoted, span_words, CertTime};
use super::classify::alert_name;

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
    /// Every kind name, in the order of docs/ERRORS.md.
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

impl std::error::Error for TlsFailure {}

fn which_cert(leaf: bool, subject: &str) -> String {
    if leaf {
        format!("the certificate ({})", quoted(subject))
    } else {
        format!("the intermediate certificate {}", quoted(subject))
    }
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

impl std::error::Error for TlsSessionFault {}

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
