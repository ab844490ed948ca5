//! Which [`TlsFailure`] a failed handshake is. rustls reports it as an `io::Error` wrapping a
//! `rustls::Error`; [`classify`] turns that, with what the handshake saw (the certificates the
//! server sent, the first bytes it answered with, how much it sent), into a kind and a message.

use std::io;

use rustls::{AlertDescription, CertificateError, Error as RustlsError, PeerIncompatible};

use super::cert::{clean_bounded, CertInfo, CertTime, MAX_SANS, MAX_SAN_CHARS};
use super::failure::TlsFailure;
use crate::session::io_words;

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
                    .take(MAX_SANS)
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
