//! Unit tests of the TLS layer: the pure parts (times, certificate reading, server names, CA
//! files, failure classification), and handshakes against a real rustls server over an
//! in-memory stream, with pinned certificate time and paused tokio time.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{AlertDescription, CertificateError, Error as RustlsError, PeerIncompatible};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::Instant;

use super::cert::{clean_bounded, span_words, CertInfo, CertTime, MAX_SANS};
use super::classify::{classify, classify_rustls, server_offer, Seen};
use super::*;

const DAY: Duration = Duration::from_secs(86_400);

fn at(unix: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

// --- times -------------------------------------------------------------------------------

#[test]
fn cert_times_display_as_rfc_3339_in_utc() {
    // Each checked with `date -ud @N +%FT%TZ`.
    for (unix, text) in [
        (0, "1970-01-01T00:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (1_609_459_200, "2021-01-01T00:00:00Z"),
        (1_709_210_096, "2024-02-29T12:34:56Z"),
        (2_208_988_800, "2040-01-01T00:00:00Z"),
        (4_102_444_799, "2099-12-31T23:59:59Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
    ] {
        assert_eq!(CertTime(unix).to_string(), text, "{unix}");
    }
}

#[test]
fn days_left_are_whole_days_rounded_down_and_negative_once_expired() {
    let now = CertTime(1_000_000_000);
    let days = |seconds: i64| CertTime(now.0 + seconds).days_from(now);
    assert_eq!(days(90 * 86_400), 90);
    assert_eq!(days(90 * 86_400 - 1), 89);
    assert_eq!(days(86_399), 0);
    assert_eq!(days(0), 0);
    assert_eq!(days(-1), -1);
    assert_eq!(days(-86_400), -1);
    assert_eq!(days(-86_401), -2);
    assert_eq!(
        CertTime(i64::MAX).days_from(CertTime(i64::MIN)),
        i64::MAX / 86_400
    );
}

#[test]
fn now_is_rounded_up_to_the_second_so_the_time_left_is_never_overstated() {
    assert_eq!(CertTime::from_system(at(100)), CertTime(100));
    let later = at(100) + Duration::from_millis(1);
    assert_eq!(CertTime::from_system(later), CertTime(101));
    assert_eq!(CertTime::from_system(UNIX_EPOCH - DAY), CertTime(-86_400));
    // 90 days from a moment ago: 89 whole days left.
    let made = at(1_000_000_000) + Duration::from_millis(300);
    let not_after = CertTime(1_000_000_000 + 90 * 86_400);
    assert_eq!(
        not_after.days_from(CertTime::from_system(made + Duration::from_millis(5))),
        89
    );
}

#[test]
fn spans_are_in_the_largest_whole_unit() {
    assert_eq!(span_words(0), "0 seconds");
    assert_eq!(span_words(1), "1 second");
    assert_eq!(span_words(59), "59 seconds");
    assert_eq!(span_words(60), "1 minute");
    assert_eq!(span_words(7_200), "2 hours");
    assert_eq!(span_words(86_400), "1 day");
    assert_eq!(span_words(-3 * 86_400 - 5), "3 days");
}

#[test]
fn server_text_loses_control_characters_and_is_cut_at_its_bound() {
    assert_eq!(clean_bounded("a\nb\tc\u{7}d", 100), "a b c d");
    assert_eq!(clean_bounded("abcdef", 3), "abc…");
    assert_eq!(clean_bounded("abc", 3), "abc");
    assert_eq!(clean_bounded("ééé", 2), "éé…");
}

// --- certificates ------------------------------------------------------------------------

/// Made by openssl, not rcgen (tests/fixtures/tls/README.md has the command and its output).
const OPENSSL_FIXTURE: &str = include_str!("../../../tests/fixtures/tls/openssl-self-signed.pem");

fn pem_to_der(pem: &str) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
        .expect("a PEM certificate")
        .to_vec()
}

#[test]
fn a_certificate_made_by_openssl_reads_as_openssl_prints_it() {
    let der = pem_to_der(OPENSSL_FIXTURE);
    let not_before = 1_796_132_798; // notBefore=2026-12-01 13:53:18Z
    let info = CertInfo::from_der(&der, at(not_before)).expect("parses");
    assert_eq!(info.not_before.to_string(), "2026-12-01T13:53:18Z");
    assert_eq!(info.not_after.to_string(), "2036-11-28T13:53:18Z");
    assert_eq!(info.days_left, 3650);
    assert_eq!(
        info.sans,
        [
            "ingest.example",
            "*.ingest.example",
            "192.0.2.7",
            "2001:db8::1"
        ]
    );
    assert!(
        info.subject.starts_with("CN=ingest.example, O="),
        "{info:?}"
    );
    assert!(info.subject.contains("Org"), "{info:?}");
    assert!(info.self_issued());
    assert_eq!(
        info.names_words(2),
        "ingest.example, *.ingest.example and 2 more"
    );
}

#[test]
fn bytes_that_are_not_a_certificate_give_no_info_and_no_panic() {
    let der = pem_to_der(OPENSSL_FIXTURE);
    assert_eq!(CertInfo::from_der(&[], at(0)), None);
    assert_eq!(CertInfo::from_der(b"\x30\x82\xff\xff", at(0)), None);
    for cut in [1, 10, der.len() / 2, der.len() - 1] {
        assert_eq!(
            CertInfo::from_der(der.get(..cut).unwrap_or_default(), at(0)),
            None
        );
    }
}

#[test]
fn a_certificate_with_many_names_keeps_the_first_hundred_and_counts_the_rest() {
    let names: Vec<String> = (0..150).map(|i| format!("n{i}.example")).collect();
    let key = KeyPair::generate().expect("key");
    let cert = CertificateParams::new(names)
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    let info = CertInfo::from_der(cert.der(), SystemTime::now()).expect("parses");
    assert_eq!(info.sans.len(), MAX_SANS);
    assert_eq!(info.sans_left_out, 50);
    assert_eq!(
        info.names_words(1),
        "n0.example and 149 more",
        "the message counts every name"
    );
}

// --- server names ------------------------------------------------------------------------

#[test]
fn an_ip_literal_is_an_ip_server_name_and_anything_else_a_dns_name() {
    for ip in ["127.0.0.1", "::1", "[::1]", "2001:db8::7"] {
        assert!(
            matches!(server_name(ip), Ok(ServerName::IpAddress(_))),
            "{ip}"
        );
    }
    for dns in ["localhost", "ingest.example", "a-b.example."] {
        assert!(
            matches!(server_name(dns), Ok(ServerName::DnsName(_))),
            "{dns}"
        );
    }
    let error = server_name("not a name").expect_err("a space is no DNS name");
    assert!(matches!(error, TlsSetupError::Host { .. }), "{error:?}");
}

#[test]
fn sni_overrides_the_host_and_a_bad_one_is_a_usage_error_naming_it() {
    let config = client_config_without_system_store(&TlsOptions {
        sni: Some("alias.example".into()),
        ..TlsOptions::default()
    })
    .expect("config");
    assert_eq!(
        config.server_name_for("127.0.0.1").expect("name").to_str(),
        "alias.example"
    );
    let error = client_config_without_system_store(&TlsOptions {
        sni: Some("bad name".into()),
        ..TlsOptions::default()
    })
    .expect_err("refused");
    assert!(
        error
            .to_string()
            .starts_with("--sni \"bad name\" is not a valid DNS name"),
        "{error}"
    );
}

// --- CA files ----------------------------------------------------------------------------

fn ca_file_error(path: &Path) -> String {
    client_config_without_system_store(&TlsOptions {
        ca_files: vec![path.to_path_buf()],
        ..TlsOptions::default()
    })
    .expect_err("refused")
    .to_string()
}

#[test]
fn a_bad_ca_file_is_a_usage_error_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.pem");
    assert_eq!(
        ca_file_error(&missing),
        format!(
            "--ca-file {}: cannot read it: no such file or directory",
            missing.display()
        )
    );
    let key_only = dir.path().join("key.pem");
    std::fs::write(&key_only, KeyPair::generate().expect("key").serialize_pem()).expect("write");
    let message = ca_file_error(&key_only);
    assert!(
        message.contains("key.pem: it holds no certificate"),
        "{message}"
    );
    let broken = dir.path().join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    let message = ca_file_error(&broken);
    assert!(
        message.contains("its PEM block 1 cannot be read"),
        "{message}"
    );
    let not_a_cert = dir.path().join("junk.der");
    std::fs::write(&not_a_cert, [0x30, 0x03, 0x02, 0x01, 0x01]).expect("write");
    let message = ca_file_error(&not_a_cert);
    assert!(
        message.contains("not usable as a trust anchor"),
        "{message}"
    );
}

#[test]
fn a_ca_file_may_hold_several_pem_certificates_or_one_der() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (Ca::new("A"), Ca::new("B"));
    let both = dir.path().join("both.pem");
    std::fs::write(&both, format!("{}{}", a.pem, b.pem)).expect("write");
    let der = dir.path().join("a.der");
    std::fs::write(&der, pem_to_der(&a.pem)).expect("write");
    let config = client_config_without_system_store(&TlsOptions {
        ca_files: vec![both, der],
        ..TlsOptions::default()
    })
    .expect("config");
    assert_eq!(config.roots().ca_files, 3);
    assert_eq!(config.roots().source, RootSource::None);
}

#[test]
fn the_system_store_or_the_compiled_in_roots_are_loaded_when_asked_for() {
    let config = client_config(&TlsOptions::default()).expect("config");
    let roots = config.roots();
    assert!(roots.base > 50, "{roots:?}");
    match &roots.source {
        RootSource::System(_) | RootSource::Compiled => {}
        RootSource::None => panic!("nothing loaded: {roots:?}"),
    }
}

// --- failure classification ----------------------------------------------------------------

fn cert_info(subject: &str, issuer: &str, not_before: i64, not_after: i64) -> CertInfo {
    CertInfo {
        subject: subject.into(),
        issuer: issuer.into(),
        sans: vec!["localhost".into()],
        sans_left_out: 0,
        not_before: CertTime(not_before),
        not_after: CertTime(not_after),
        days_left: 0,
    }
}

fn seen<'a>(chain: &'a [CertInfo], head: &'a [u8], now: i64) -> Seen<'a> {
    Seen {
        chain,
        head,
        received: u64::try_from(head.len()).unwrap_or(0),
        expected: "localhost",
        now: CertTime(now),
    }
}

fn cert_error(error: CertificateError, chain: &[CertInfo], now: i64) -> TlsFailure {
    classify_rustls(
        &RustlsError::InvalidCertificate(error),
        &seen(chain, &[], now),
    )
}

fn unix(seconds: i64) -> rustls::pki_types::UnixTime {
    rustls::pki_types::UnixTime::since_unix_epoch(Duration::from_secs(
        u64::try_from(seconds).unwrap_or(0),
    ))
}

#[test]
fn an_unknown_issuer_is_self_signed_when_the_leaf_issued_itself_and_untrusted_otherwise() {
    let own = [cert_info("CN=a", "CN=a", 0, 10)];
    assert_eq!(
        cert_error(CertificateError::UnknownIssuer, &own, 5),
        TlsFailure::SelfSigned {
            subject: "CN=a".into()
        }
    );
    let chain = [
        cert_info("CN=a", "CN=Mid", 0, 10),
        cert_info("CN=Mid", "CN=Private Root", 0, 10),
    ];
    let failure = cert_error(CertificateError::UnknownIssuer, &chain, 5);
    assert_eq!(failure.kind_name(), "tls_untrusted");
    assert!(
        failure
            .to_string()
            .starts_with("the certificate was issued by \"CN=Private Root\", which is not"),
        "{failure}"
    );
    // A chain that ends in an untrusted self-signed root is untrusted, not self-signed.
    let rooted = [
        cert_info("CN=a", "CN=Root", 0, 10),
        cert_info("CN=Root", "CN=Root", 0, 10),
    ];
    assert_eq!(
        cert_error(CertificateError::UnknownIssuer, &rooted, 5).kind_name(),
        "tls_untrusted"
    );
}

#[test]
fn expiry_names_the_certificate_its_date_and_how_long_ago() {
    let jan_2021 = 1_609_459_200;
    let chain = [
        cert_info("CN=leaf", "CN=Mid", 0, jan_2021 + 400 * 86_400),
        cert_info("CN=Mid", "CN=Root", 0, jan_2021),
    ];
    let now = jan_2021 + 3 * 86_400 + 7;
    let failure = cert_error(
        CertificateError::ExpiredContext {
            time: unix(now),
            not_after: unix(jan_2021),
        },
        &chain,
        now,
    );
    assert_eq!(failure.kind_name(), "tls_expired");
    assert_eq!(
        failure.to_string(),
        "the intermediate certificate \"CN=Mid\" expired on 2021-01-01T00:00:00Z, 3 days ago: \
         renew it on the server (the chain in its certificate file)"
    );
    let leaf_expired = cert_error(
        CertificateError::ExpiredContext {
            time: unix(now + 400 * 86_400),
            not_after: unix(jan_2021 + 400 * 86_400),
        },
        &chain,
        now,
    );
    assert_eq!(
        leaf_expired.to_string(),
        "the certificate (\"CN=leaf\") expired on 2022-02-05T00:00:00Z, 3 days ago: renew it \
         on the server"
    );
    // Without rustls's context: the earliest expiry of the chain.
    assert_eq!(cert_error(CertificateError::Expired, &chain, now), failure);
}

#[test]
fn not_yet_valid_names_the_date_and_points_at_the_clock() {
    let chain = [cert_info(
        "CN=leaf",
        "CN=Root",
        2_208_988_800,
        2_240_611_200,
    )];
    let now = 2_208_988_800 - 2 * 3600;
    let failure = cert_error(
        CertificateError::NotValidYetContext {
            time: unix(now),
            not_before: unix(2_208_988_800),
        },
        &chain,
        now,
    );
    assert_eq!(failure.kind_name(), "tls_not_yet_valid");
    assert_eq!(
        failure.to_string(),
        "the certificate (\"CN=leaf\") is not valid before 2040-01-01T00:00:00Z, 2 hours from \
         now: check the clock of this machine and the certificate installed on the server"
    );
}

#[test]
fn a_name_mismatch_lists_the_names_from_the_certificate_or_from_rustls() {
    let presented = vec![
        "DnsName(\"a.example\")".to_string(),
        "IpAddress(192.0.2.1)".to_string(),
    ];
    let error = CertificateError::NotValidForNameContext {
        expected: ServerName::try_from("localhost").expect("name"),
        presented,
    };
    assert_eq!(
        cert_error(error, &[], 0),
        TlsFailure::NameMismatch {
            expected: "localhost".into(),
            presented: vec!["a.example".into(), "192.0.2.1".into()],
        }
    );
    let many = TlsFailure::NameMismatch {
        expected: "x".into(),
        presented: (0..10).map(|i| format!("n{i}")).collect(),
    };
    assert!(
        many.to_string()
            .contains("it names n0, n1, n2, n3, n4, n5, n6, n7 and 2 more;"),
        "{many}"
    );
}

#[test]
fn other_certificate_problems_are_bad_certificate_with_the_reason() {
    let failure = cert_error(CertificateError::BadSignature, &[], 0);
    assert_eq!(failure.kind_name(), "tls_bad_certificate");
    assert!(
        failure.to_string().contains("not signed by its issuer"),
        "{failure}"
    );
    let purpose = cert_error(CertificateError::InvalidPurpose, &[], 0);
    assert!(purpose.to_string().contains("serverAuth"), "{purpose}");
    assert!(purpose.is_verification());
}

#[test]
fn a_protocol_version_alert_is_no_common_protocol_with_what_the_record_shows() {
    let alert = RustlsError::AlertReceived(AlertDescription::ProtocolVersion);
    let old_record = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];
    let failure = classify_rustls(&alert, &seen(&[], &old_record, 0));
    assert_eq!(failure.kind_name(), "tls_no_common_protocol");
    assert!(
        failure
            .to_string()
            .contains("in a TLS 1.0 record: it speaks TLS 1.0 or older"),
        "{failure}"
    );
    // OpenSSL's alert comes in a TLS 1.2 record (seen from nginx with ssl_protocols TLSv1.1).
    let openssl = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46];
    let failure = classify_rustls(&alert, &seen(&[], &openssl, 0));
    assert!(
        failure.to_string().contains("such as TLS 1.0 or 1.1"),
        "{failure}"
    );
    let no_cipher = RustlsError::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon);
    assert_eq!(
        classify_rustls(&no_cipher, &seen(&[], &[], 0)),
        TlsFailure::NoCommonProtocol {
            what: "cipher suite",
            offer: None
        }
    );
}

#[test]
fn a_server_hello_for_an_old_version_is_named() {
    // Record header (handshake, TLS 1.0 record, length), ServerHello, length, version 3.2.
    let hello = [
        0x16, 0x03, 0x01, 0x00, 0x4a, 0x02, 0x00, 0x00, 0x46, 0x03, 0x02,
    ];
    assert_eq!(
        server_offer(&hello).as_deref(),
        Some("it chose TLS 1.1 in its ServerHello: it speaks TLS 1.1 or older")
    );
    let modern = [
        0x16, 0x03, 0x03, 0x00, 0x4a, 0x02, 0x00, 0x00, 0x46, 0x03, 0x03,
    ];
    assert_eq!(server_offer(&modern), None);
    assert_eq!(server_offer(&hello[..9]), None, "too short to say");
}

#[test]
fn other_alerts_keep_their_rfc_name_and_a_hint() {
    let cases = [
        (
            AlertDescription::HandshakeFailure,
            "handshake_failure",
            "cipher suite",
        ),
        (
            AlertDescription::UnrecognisedName,
            "unrecognized_name",
            "--sni NAME",
        ),
        (
            AlertDescription::CertificateRequired,
            "certificate_required",
            "client certificate",
        ),
        (
            AlertDescription::InternalError,
            "internal_error",
            "error log",
        ),
        (
            AlertDescription::Unknown(201),
            "unknown (201)",
            "TLS configuration",
        ),
    ];
    for (alert, name, hint) in cases {
        let failure = classify_rustls(&RustlsError::AlertReceived(alert), &seen(&[], &[], 0));
        assert_eq!(failure.kind_name(), "tls_alert");
        let message = failure.to_string();
        assert!(message.contains(&format!("the alert {name}")), "{message}");
        assert!(message.contains(hint), "{message}");
    }
}

#[test]
fn bytes_that_cannot_start_a_tls_record_say_what_they_look_like() {
    let corrupt = RustlsError::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
    let rtmp = [3u8, 0, 0, 0, 0, 0, 0, 0];
    let failure = classify_rustls(&corrupt, &seen(&[], &rtmp, 0));
    assert_eq!(failure.kind_name(), "not_tls");
    assert!(
        failure.to_string().contains("plain RTMP, use rtmp://"),
        "{failure}"
    );
    let http = classify_rustls(&corrupt, &seen(&[], b"HTTP/1.1 400 Bad", 0));
    assert!(http.to_string().contains("speaks HTTP"), "{http}");
    let junk = classify_rustls(&corrupt, &seen(&[], &[0xff, 0xfe], 0));
    assert!(junk.to_string().contains("(ff fe...)"), "{junk}");
}

#[test]
fn socket_errors_of_the_handshake_are_timeout_closed_reset_or_io() {
    let s = seen(&[], &[], 0);
    let error = |kind| io::Error::new(kind, "x");
    assert_eq!(
        classify(&error(io::ErrorKind::TimedOut), &s),
        TlsFailure::Timeout { received: 0 }
    );
    assert_eq!(
        classify(&error(io::ErrorKind::UnexpectedEof), &s),
        TlsFailure::Closed { received: 0 }
    );
    assert_eq!(
        classify(&error(io::ErrorKind::ConnectionReset), &s),
        TlsFailure::Reset
    );
    assert_eq!(
        classify(&error(io::ErrorKind::PermissionDenied), &s).kind_name(),
        "io"
    );
    let rtmp = [3u8, 1, 2, 3];
    assert_eq!(
        classify(&error(io::ErrorKind::UnexpectedEof), &seen(&[], &rtmp, 0)).kind_name(),
        "not_tls"
    );
    let wrapped = io::Error::new(
        io::ErrorKind::InvalidData,
        RustlsError::AlertReceived(AlertDescription::AccessDenied),
    );
    assert_eq!(classify(&wrapped, &s).kind_name(), "tls_alert");
}

#[test]
fn every_kind_name_is_listed_once() {
    let samples = [
        TlsFailure::Untrusted { issuer: "x".into() },
        TlsFailure::SelfSigned {
            subject: "x".into(),
        },
        cert_error(CertificateError::Expired, &[], 0),
        cert_error(CertificateError::NotValidYet, &[], 0),
        TlsFailure::NameMismatch {
            expected: "x".into(),
            presented: vec![],
        },
        TlsFailure::BadCertificate { reason: "x".into() },
        TlsFailure::NoCommonProtocol {
            what: "version",
            offer: None,
        },
        TlsFailure::Alert {
            alert: "x".into(),
            hint: "",
        },
        TlsFailure::NotTls {
            looks_like: "x".into(),
        },
        TlsFailure::Protocol { reason: "x".into() },
        TlsFailure::Timeout { received: 3 },
        TlsFailure::Closed { received: 3 },
        TlsFailure::Reset,
        TlsFailure::Io("x".into()),
        TlsFailure::Internal("x".into()),
    ];
    let names: Vec<&str> = samples.iter().map(TlsFailure::kind_name).collect();
    assert_eq!(names, TlsFailure::KIND_NAMES);
    for failure in &samples {
        assert!(!failure.to_string().is_empty());
    }
}

#[test]
fn session_faults_tell_close_notify_from_truncation() {
    let eof = io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "peer closed connection without sending TLS close_notify",
    );
    assert_eq!(
        TlsSessionFault::from_io(&eof),
        Some(TlsSessionFault::Truncated)
    );
    assert_eq!(TlsSessionFault::Truncated.kind_name(), "tls_truncated");
    assert_eq!(TlsSessionFault::CloseNotify.kind_name(), "closed");
    let alert = io::Error::new(
        io::ErrorKind::InvalidData,
        RustlsError::AlertReceived(AlertDescription::InternalError),
    );
    assert_eq!(
        TlsSessionFault::from_io(&alert),
        Some(TlsSessionFault::Alert("internal_error".into()))
    );
    let reset = io::Error::new(io::ErrorKind::ConnectionReset, "reset");
    assert_eq!(TlsSessionFault::from_io(&reset), None);
}

// --- handshakes against a rustls server in memory ------------------------------------------

struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, name);
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        params.not_before = (SystemTime::now() - 400 * DAY).into();
        params.not_after = (SystemTime::now() + 4000 * DAY).into();
        let pem = params.self_signed(&key).expect("CA cert").pem();
        Ca {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// A rustls server config with a leaf for `names`, valid `from`..`until`.
    fn server(&self, names: &[&str], from: SystemTime, until: SystemTime) -> rustls::ServerConfig {
        let key = KeyPair::generate().expect("leaf key");
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("params");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.not_before = from.into();
        params.not_after = until.into();
        let cert = params.signed_by(&key, &self.issuer).expect("leaf");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .expect("server config")
    }

    fn client(&self, dir: &Path, sni: Option<&str>) -> Arc<TlsConfig> {
        let file = dir.join("ca.pem");
        std::fs::write(&file, &self.pem).expect("write the CA");
        client_config_without_system_store(&TlsOptions {
            sni: sni.map(str::to_string),
            ca_files: vec![file],
            insecure: false,
        })
        .expect("client config")
    }
}

/// A rustls server on one end of an in-memory pipe: it accepts, reports the SNI it got, sends
/// `reply`, then ends as `end` says.
#[derive(Clone, Copy)]
enum End {
    CloseNotify,
    Truncate,
}

fn serve(
    server: rustls::ServerConfig,
    io: DuplexStream,
    reply: &'static [u8],
    end: End,
) -> tokio::task::JoinHandle<Option<Option<String>>> {
    tokio::spawn(async move {
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let mut tls = acceptor.accept(io).await.ok()?;
        let sni = tls.get_ref().1.server_name().map(str::to_string);
        tls.write_all(reply).await.ok()?;
        tls.flush().await.ok()?;
        match end {
            End::CloseNotify => {
                let _ = tls.shutdown().await;
                // Keep the pipe open until the client has read the close_notify.
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            End::Truncate => drop(tls),
        }
        Some(sni)
    })
}

fn now_plus(days: u32) -> SystemTime {
    SystemTime::now() + days * DAY
}

#[tokio::test]
async fn the_server_gets_the_host_as_sni_none_for_an_ip_and_the_sni_option_instead() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::new("unit CA");
    let names = ["localhost", "127.0.0.1", "alias.example"];
    let window = (now_plus(0) - DAY, now_plus(30));
    for (host, sni, expected) in [
        ("localhost", None, Some("localhost")),
        ("127.0.0.1", None, None),
        ("127.0.0.1", Some("alias.example"), Some("alias.example")),
    ] {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let server = serve(
            ca.server(&names, window.0, window.1),
            server_io,
            b"",
            End::Truncate,
        );
        let config = ca.client(dir.path(), sni);
        let deadline = Instant::now() + Duration::from_secs(5);
        let (tls, info) = handshake(client_io, &config, host, deadline)
            .await
            .unwrap_or_else(|f| panic!("{host}: {f}"));
        assert_eq!(info.sni.as_deref(), expected, "{host}");
        // The client stays until the server has finished its side (its tickets).
        let seen = server
            .await
            .expect("server task")
            .expect("server handshake");
        drop(tls);
        assert_eq!(
            seen.as_deref(),
            expected,
            "what the server received for {host}"
        );
    }
}

#[tokio::test]
async fn verification_uses_the_time_the_check_gives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::new("unit CA");
    let (from, until) = (now_plus(0) - DAY, now_plus(30));
    let config = ca.client(dir.path(), None);
    // Certificate times are whole seconds, cut down.
    let until_unix = CertTime(
        i64::try_from(
            until
                .duration_since(UNIX_EPOCH)
                .expect("after 1970")
                .as_secs(),
        )
        .expect("fits"),
    );
    for (now, kind) in [
        (until + 2 * DAY, "tls_expired"),
        (from - 3 * DAY, "tls_not_yet_valid"),
    ] {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let _server = serve(
            ca.server(&["localhost"], from, until),
            server_io,
            b"",
            End::Truncate,
        );
        let deadline = Instant::now() + Duration::from_secs(5);
        let failure = handshake_at(client_io, &config, "localhost", deadline, now)
            .await
            .expect_err("refused");
        assert_eq!(failure.kind_name(), kind, "{failure}");
        if kind == "tls_expired" {
            let message = failure.to_string();
            assert!(message.contains(&until_unix.to_string()), "{message}");
            assert!(message.contains("2 days ago"), "{message}");
        }
    }
}

#[tokio::test]
async fn a_read_after_close_notify_is_the_end_and_a_cut_without_it_is_truncation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::new("unit CA");
    let config = ca.client(dir.path(), None);
    for end in [End::CloseNotify, End::Truncate] {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let server = ca.server(&["localhost"], now_plus(0) - DAY, now_plus(30));
        let _server = serve(server, server_io, b"S0S1", end);
        let deadline = Instant::now() + Duration::from_secs(5);
        let (mut tls, _) = handshake(client_io, &config, "localhost", deadline)
            .await
            .expect("handshake");
        let mut reply = [0u8; 4];
        tls.read_exact(&mut reply).await.expect("the reply");
        assert_eq!(&reply, b"S0S1");
        let mut more = [0u8; 16];
        match (end, tls.read(&mut more).await) {
            (End::CloseNotify, Ok(0)) => {}
            (End::Truncate, Err(e)) => {
                assert_eq!(
                    TlsSessionFault::from_io(&e),
                    Some(TlsSessionFault::Truncated)
                );
                assert!(TlsSessionFault::Truncated
                    .to_string()
                    .contains("close_notify"));
            }
            (_, other) => panic!("unexpected read result {other:?}"),
        }
    }
}

/// A handshake with `localhost` over `client_io` that must fail, with the default options.
async fn refused(client_io: DuplexStream, deadline: Instant) -> TlsFailure {
    let config = client_config_without_system_store(&TlsOptions::default()).expect("config");
    handshake(client_io, &config, "localhost", deadline)
        .await
        .expect_err("the handshake fails")
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_times_out_exactly_at_the_deadline() {
    let (client_io, _server_io) = tokio::io::duplex(64 * 1024);
    let started = Instant::now();
    let failure = refused(client_io, started + Duration::from_secs(7)).await;
    assert_eq!(failure, TlsFailure::Timeout { received: 0 });
    assert_eq!(started.elapsed(), Duration::from_secs(7));
}

#[tokio::test(start_paused = true)]
async fn a_server_that_trickles_its_answer_still_meets_the_deadline() {
    let (client_io, mut server_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let mut hello = [0u8; 5];
        let _ = server_io.read_exact(&mut hello).await;
        // A plausible record header, then one byte every 100 ms.
        for byte in [0x16u8, 0x03, 0x03, 0x40, 0x00]
            .into_iter()
            .chain(std::iter::repeat(0))
        {
            if server_io.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let started = Instant::now();
    let failure = refused(client_io, started + Duration::from_secs(2)).await;
    assert_eq!(failure.kind_name(), "timeout");
    assert!(matches!(failure, TlsFailure::Timeout { received } if received >= 19));
    assert!(
        started.elapsed() <= Duration::from_millis(2_100),
        "{:?}",
        started.elapsed()
    );
    assert!(failure.to_string().contains("then it stalled"), "{failure}");
}

#[tokio::test]
async fn a_server_that_answers_with_rtmp_bytes_is_not_tls() {
    let (client_io, mut server_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let mut hello = [0u8; 5];
        let _ = server_io.read_exact(&mut hello).await;
        // S0 (version 3) and the start of S1, as an RTMP server that answers C0 at once.
        let _ = server_io.write_all(&[3u8; 1537]).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let failure = refused(client_io, Instant::now() + Duration::from_secs(5)).await;
    assert_eq!(failure.kind_name(), "not_tls", "{failure}");
    assert!(failure.to_string().contains("plain RTMP"), "{failure}");
}

#[test]
fn the_configuration_is_shared_across_threads_and_the_handshake_can_be_spawned() {
    fn shared<T: Send + Sync>(_: &T) {}
    fn spawnable<T: Send>(_: &T) {}
    let config = client_config_without_system_store(&TlsOptions::default()).expect("config");
    shared(&config);
    let (client_io, _server_io) = tokio::io::duplex(16);
    let future = handshake(client_io, &config, "localhost", Instant::now());
    spawnable(&future);
}
