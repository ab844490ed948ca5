//! RTMPS's TLS layer against real TLS: nginx's stream module terminating TLS in front of
//! nginx-rtmp, with certificates the tests make (tests/support/tls.rs), and a silent and a
//! closing listener in threads of the test. Each test calls the library's
//! `rtmp_probe::session::tls::handshake` over a real `tokio::net::TcpStream`, and asserts the
//! result, the kind, the message and that it ended within its deadline.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rtmp_probe::session::tls::{
    self, client_config, client_config_without_system_store, TlsConfig, TlsFailure, TlsInfo,
    TlsOptions, TlsSessionFault, TlsStream,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::support::nginx::Nginx;
use crate::support::tls::{
    closing_listener, silent_listener, Case, Listener, Pki, TlsFront, TlsRig, CA_NAME,
    EXPIRED_NOT_AFTER, NOT_YET_VALID_NOT_BEFORE,
};

/// The deadline of every handshake here; a run must end by it (plus the time to notice).
const BUDGET: Duration = Duration::from_secs(3);
/// What "ends by the deadline" allows past it: the scheduler, not the server.
const SLACK: Duration = Duration::from_millis(300);

/// Trusts the test CA only (not the machine's store).
fn with_ca(rig: &TlsRig) -> Arc<TlsConfig> {
    client_config_without_system_store(&TlsOptions {
        ca_files: vec![rig.pki.ca_file()],
        ..TlsOptions::default()
    })
    .expect("a client configuration with the test CA")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

type Handshake = Result<(TlsStream<TcpStream>, TlsInfo), TlsFailure>;

/// Connects to 127.0.0.1:port and runs the TLS step for `host` under [`BUDGET`]; asserts it
/// ended by its deadline, and gives its result and how long it took.
async fn tls_step(port: u16, host: &str, config: &TlsConfig) -> (Handshake, Duration) {
    tls_step_within(port, host, config, BUDGET).await
}

/// A deadline for the tests that wait for it to pass.
const SHORT: Duration = Duration::from_millis(800);

async fn tls_step_within(
    port: u16,
    host: &str,
    config: &TlsConfig,
    budget: Duration,
) -> (Handshake, Duration) {
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to the loopback port");
    let started = Instant::now();
    let result = tls::handshake(tcp, config, host, started + budget).await;
    let took = started.elapsed();
    assert!(
        took <= budget + SLACK,
        "the TLS step took {took:?}, past its deadline of {budget:?}"
    );
    (result, took)
}

fn failure(result: Handshake) -> TlsFailure {
    match result {
        Ok((_, info)) => panic!("the handshake succeeded: {info:?}"),
        Err(failure) => failure,
    }
}

fn success(result: Handshake) -> (TlsStream<TcpStream>, TlsInfo) {
    match result {
        Ok(ok) => ok,
        Err(failure) => panic!("the handshake failed: {} ({failure})", failure.kind_name()),
    }
}

/// C0+C1 through the TLS stream, and S0+S1 back from nginx-rtmp behind the front.
async fn rtmp_handshake_through(stream: &mut TlsStream<TcpStream>) {
    let mut c0c1 = vec![0u8; 1537];
    if let Some(c0) = c0c1.first_mut() {
        *c0 = 3;
    }
    stream.write_all(&c0c1).await.expect("send C0+C1 over TLS");
    stream.flush().await.expect("flush");
    let mut s0s1 = vec![0u8; 1537];
    tokio::time::timeout(BUDGET, stream.read_exact(&mut s0s1))
        .await
        .expect("S0+S1 within the budget")
        .expect("read S0+S1 over TLS");
    assert_eq!(s0s1.first(), Some(&3), "S0 from nginx-rtmp is version 3");
}

#[test]
fn a_good_certificate_with_its_ca_file_is_verified_and_reported_and_carries_rtmp() {
    let rig = TlsRig::start();
    let config = with_ca(&rig);
    runtime().block_on(async {
        let port = rig.front.cert_port(Case::Good);
        let (result, _) = tls_step(port, "localhost", &config).await;
        let (mut stream, info) = success(result);
        assert!(
            info.version == "TLS 1.3" || info.version == "TLS 1.2",
            "{info:?}"
        );
        assert!(info.cipher.starts_with("TLS_"), "an IANA name: {info:?}");
        assert_eq!(info.sni.as_deref(), Some("localhost"));
        assert_eq!(info.verified_name, "localhost");
        assert!(info.verified);
        assert_eq!(info.verification_error, None);
        assert_eq!(info.alpn, None, "the probe offers no ALPN");
        assert_eq!(info.chain_len, 1);
        let leaf = info.leaf.clone().expect("the leaf is parsed");
        assert_eq!(leaf.sans, ["localhost", "127.0.0.1"]);
        assert!(leaf.subject.contains("CN=localhost"), "{leaf:?}");
        assert!(leaf.issuer.contains(CA_NAME), "{leaf:?}");
        // Valid for 90 days from when the PKI was made, a moment ago: 89 whole days left.
        assert_eq!(leaf.days_left, 89, "{leaf:?}");
        assert_eq!(info.chain_earliest_expiry, Some(leaf.not_after));
        assert_eq!(info.days_left(SystemTime::now()), Some(89));
        rtmp_handshake_through(&mut stream).await;
    });
}

/// What SNI the server received is checked in the unit tests (a rustls server reports it);
/// nginx 1.22's stream module logs `$ssl_server_name` as "-" whatever was sent.
#[test]
fn an_ip_address_is_verified_against_the_ip_name_and_sni_overrides_the_name() {
    let rig = TlsRig::start();
    let config = with_ca(&rig);
    let port = rig.front.cert_port(Case::Good);
    runtime().block_on(async {
        let (result, _) = tls_step(port, "127.0.0.1", &config).await;
        let (stream, info) = success(result);
        assert_eq!(info.sni, None, "no SNI for an IP address");
        assert_eq!(
            info.verified_name, "127.0.0.1",
            "verified against the IP name"
        );
        assert!(info.verified);
        drop(stream);
        // The server's side agrees on the version.
        let line = rig.front.wait_for_log_line(port);
        let nginx_version = info.version.replace(' ', "v");
        assert!(
            line.contains(&format!("protocol={nginx_version}")),
            "{line} vs {info:?}"
        );
    });

    // --sni other.example on the wrong-name listener, reached by IP: sent and verified.
    let config = client_config_without_system_store(&TlsOptions {
        sni: Some("other.example".into()),
        ca_files: vec![rig.pki.ca_file()],
        insecure: false,
    })
    .expect("config with --sni");
    runtime().block_on(async {
        let port = rig.front.cert_port(Case::WrongName);
        let (result, _) = tls_step(port, "127.0.0.1", &config).await;
        let (_, info) = success(result);
        assert_eq!(info.sni.as_deref(), Some("other.example"));
        assert_eq!(info.verified_name, "other.example");
        assert!(info.verified);
    });
}

#[test]
fn a_good_certificate_without_its_ca_file_is_untrusted_and_names_the_issuer() {
    let rig = TlsRig::start();
    // The machine's own store (or the compiled-in roots): the test CA is in neither.
    let config = client_config(&TlsOptions::default()).expect("the default configuration");
    runtime().block_on(async {
        let (result, _) = tls_step(rig.front.cert_port(Case::Good), "localhost", &config).await;
        let failure = failure(result);
        assert_eq!(failure.kind_name(), "tls_untrusted", "{failure}");
        let message = failure.to_string();
        assert!(message.contains(CA_NAME), "{message}");
        assert!(message.contains("--ca-file"), "{message}");
    });
}

#[test]
fn an_expired_certificate_fails_with_its_date_and_how_long_ago() {
    let rig = TlsRig::start();
    let config = with_ca(&rig);
    runtime().block_on(async {
        let (result, _) = tls_step(rig.front.cert_port(Case::Expired), "localhost", &config).await;
        let failure = failure(result);
        assert_eq!(failure.kind_name(), "tls_expired", "{failure}");
        let message = failure.to_string();
        assert!(
            message.contains(&format!("expired on {EXPIRED_NOT_AFTER}")),
            "{message}"
        );
        assert!(message.contains("days ago"), "{message}");
        assert!(message.contains("CN=localhost"), "{message}");
    });
}

#[test]
fn a_certificate_not_yet_valid_fails_with_its_date() {
    let rig = TlsRig::start();
    let config = with_ca(&rig);
    runtime().block_on(async {
        let port = rig.front.cert_port(Case::NotYetValid);
        let (result, _) = tls_step(port, "localhost", &config).await;
        let failure = failure(result);
        assert_eq!(failure.kind_name(), "tls_not_yet_valid", "{failure}");
        let message = failure.to_string();
        assert!(
            message.contains(&format!("not valid before {NOT_YET_VALID_NOT_BEFORE}")),
            "{message}"
        );
        assert!(message.contains("clock"), "{message}");
    });
}

#[test]
fn a_certificate_for_other_names_is_a_mismatch_that_lists_them() {
    let rig = TlsRig::start();
    let config = with_ca(&rig);
    runtime().block_on(async {
        let port = rig.front.cert_port(Case::WrongName);
        let (result, _) = tls_step(port, "localhost", &config).await;
        let failure = failure(result);
        assert_eq!(failure.kind_name(), "tls_name_mismatch", "{failure}");
        assert_eq!(
            failure.to_string(),
            "the certificate is not valid for \"localhost\": it names other.example, \
             www.other.example; use one of those names in the URL (or --sni NAME), or install \
             a certificate for this name"
        );
    });
}

#[test]
fn a_self_signed_certificate_fails_and_passes_only_with_insecure_unverified() {
    let rig = TlsRig::start();
    let port = rig.front.cert_port(Case::SelfSigned);
    runtime().block_on(async {
        let (result, _) = tls_step(port, "localhost", &with_ca(&rig)).await;
        let failure = failure(result);
        assert_eq!(failure.kind_name(), "tls_self_signed", "{failure}");
        assert!(failure.to_string().contains("--insecure"), "{failure}");

        let insecure = client_config_without_system_store(&TlsOptions {
            insecure: true,
            ..TlsOptions::default()
        })
        .expect("an insecure configuration");
        let (result, _) = tls_step(port, "localhost", &insecure).await;
        let (mut stream, info) = success(result);
        assert!(!info.verified);
        let why = info.verification_error.clone().expect("the reason is kept");
        assert_eq!(why.kind_name(), "tls_self_signed", "{why}");
        let leaf = info.leaf.expect("the leaf is parsed");
        assert_eq!(leaf.subject, leaf.issuer);
        rtmp_handshake_through(&mut stream).await;
    });
}

#[test]
fn insecure_lets_an_expired_certificate_through_and_records_why() {
    let rig = TlsRig::start();
    let insecure = client_config_without_system_store(&TlsOptions {
        insecure: true,
        ca_files: vec![rig.pki.ca_file()],
        ..TlsOptions::default()
    })
    .expect("an insecure configuration");
    runtime().block_on(async {
        let port = rig.front.cert_port(Case::Expired);
        let (result, _) = tls_step(port, "localhost", &insecure).await;
        let (_, info) = success(result);
        assert!(!info.verified);
        let why = info.verification_error.expect("the reason is kept");
        assert_eq!(why.kind_name(), "tls_expired");
        assert!(why.to_string().contains(EXPIRED_NOT_AFTER), "{why}");
        assert!(info.leaf.expect("leaf").days_left < -365 * 4);
    });
}

#[test]
fn a_chain_with_an_intermediate_reports_the_earliest_expiry_of_the_chain() {
    let rig = TlsRig::start();
    let config = with_ca(&rig);
    runtime().block_on(async {
        let (result, _) = tls_step(rig.front.cert_port(Case::Chain), "localhost", &config).await;
        let (_, info) = success(result);
        assert_eq!(info.chain_len, 2);
        let leaf = info.leaf.clone().expect("leaf");
        assert_eq!(leaf.days_left, 59, "{leaf:?}");
        assert!(leaf.issuer.contains("intermediate"), "{leaf:?}");
        let earliest = info.chain_earliest_expiry.expect("earliest expiry");
        assert!(earliest < leaf.not_after);
        assert_eq!(
            info.days_left(SystemTime::now()),
            Some(9),
            "the intermediate's 10 days"
        );
    });
}

#[test]
fn a_tls_1_1_only_server_has_no_common_protocol_and_says_what_it_speaks() {
    let rig = TlsRig::start();
    let config = with_ca(&rig);
    runtime().block_on(async {
        let port = rig.front.port(Listener::Tls11Only);
        let (result, _) = tls_step(port, "localhost", &config).await;
        let failure = failure(result);
        assert_eq!(failure.kind_name(), "tls_no_common_protocol", "{failure}");
        let message = failure.to_string();
        assert!(message.contains("TLS 1.0 or 1.1"), "{message}");
        assert!(message.contains("enable them on the server"), "{message}");
    });
}

#[test]
fn a_server_with_only_an_old_cipher_refuses_with_an_alert_named_in_the_message() {
    let rig = TlsRig::start();
    let config = with_ca(&rig);
    runtime().block_on(async {
        let port = rig.front.port(Listener::OldCipherOnly);
        let (result, _) = tls_step(port, "localhost", &config).await;
        let failure = failure(result);
        assert_eq!(failure.kind_name(), "tls_alert", "{failure}");
        assert_eq!(
            failure,
            TlsFailure::Alert {
                alert: "handshake_failure".into(),
                hint: "the server found nothing acceptable in the ClientHello (often no cipher \
                       suite in common, or it wants a client certificate, which the probe does \
                       not send)",
            }
        );
        assert!(
            failure.to_string().starts_with(
                "the server refused the TLS handshake with the alert handshake_failure"
            ),
            "{failure}"
        );
    });
}

#[test]
fn a_listener_that_never_answers_the_client_hello_times_out_at_the_deadline() {
    let silent = silent_listener();
    let config = client_config_without_system_store(&TlsOptions::default()).expect("config");
    runtime().block_on(async {
        let (result, took) = tls_step_within(silent.port, "localhost", &config, SHORT).await;
        let failure = failure(result);
        assert_eq!(failure.kind_name(), "timeout", "{failure}");
        assert_eq!(failure, TlsFailure::Timeout { received: 0 });
        assert!(took >= SHORT, "it waited for the whole deadline: {took:?}");
        assert!(
            failure
                .to_string()
                .contains("answer to the TLS ClientHello"),
            "{failure}"
        );
    });
}

#[test]
fn a_server_that_closes_after_the_client_hello_is_closed_during_the_handshake() {
    let port = closing_listener(1);
    let config = client_config_without_system_store(&TlsOptions::default()).expect("config");
    runtime().block_on(async {
        let (result, _) = tls_step(port, "localhost", &config).await;
        let failure = failure(result);
        assert_eq!(failure, TlsFailure::Closed { received: 0 });
        assert_eq!(failure.kind_name(), "closed");
        assert!(
            failure
                .to_string()
                .contains("without answering the TLS ClientHello"),
            "{failure}"
        );
    });
}

/// nginx-rtmp reads the ClientHello as C0 (version 22) and the start of C1, and waits for the
/// rest of C1's 1536 bytes: the TLS step times out with nothing received, and says that a plain
/// RTMP port looks like this. (A server that answers at once with S0 is `not_tls`, in the unit
/// tests.)
#[test]
fn rtmps_to_a_plain_nginx_rtmp_port_times_out_with_the_plain_rtmp_hint() {
    let rtmp = Nginx::start();
    let config = client_config_without_system_store(&TlsOptions::default()).expect("config");
    runtime().block_on(async {
        let (result, took) = tls_step_within(rtmp.rtmp_port(), "localhost", &config, SHORT).await;
        let failure = failure(result);
        assert_eq!(failure, TlsFailure::Timeout { received: 0 });
        assert!(took >= SHORT, "{took:?}");
        assert!(failure.to_string().contains("plain RTMP"), "{failure}");
        assert!(failure.to_string().contains("try rtmp://"), "{failure}");
    });
}

/// nginx-rtmp closes a connection whose C0 asks for a version it does not speak; nginx's stream
/// module then ends the TLS session with close_notify, which reads as the end of the stream.
#[test]
fn a_backend_that_closes_gives_close_notify_and_a_killed_front_a_truncation() {
    let mut rig = TlsRig::start();
    let config = with_ca(&rig);
    let port = rig.front.cert_port(Case::Good);
    runtime().block_on(async {
        let (result, _) = tls_step(port, "localhost", &config).await;
        let (mut stream, _) = success(result);
        let mut c0c1 = vec![0u8; 1537];
        if let Some(c0) = c0c1.first_mut() {
            *c0 = 0x10;
        }
        stream.write_all(&c0c1).await.expect("send a bad C0+C1");
        stream.flush().await.expect("flush");
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(BUDGET, stream.read(&mut buf))
            .await
            .expect("nginx-rtmp closes within the budget");
        assert!(
            matches!(read, Ok(0)),
            "close_notify reads as the end: {read:?}"
        );
    });
    runtime().block_on(async {
        let (result, _) = tls_step(port, "localhost", &config).await;
        let (mut stream, _) = success(result);
        // A round trip first, so that nginx has read everything we sent (a process killed with
        // unread data in its socket resets the connection instead of closing it).
        rtmp_handshake_through(&mut stream).await;
        rig.front.kill();
        // The rest of nginx-rtmp's S1 and S2 comes first, then the end.
        let mut rest = Vec::new();
        let read = tokio::time::timeout(BUDGET, stream.read_to_end(&mut rest))
            .await
            .expect("the end is seen within the budget");
        assert!(
            rest.len() <= 1536,
            "only the rest of S1+S2 was left: {}",
            rest.len()
        );
        let error = read.expect_err("a cut without close_notify is an error");
        let fault = TlsSessionFault::from_io(&error);
        assert_eq!(fault, Some(TlsSessionFault::Truncated), "{error}");
        assert_eq!(fault.map(|f| f.kind_name()), Some("tls_truncated"));
    });
}

#[test]
fn ffmpeg_publishes_through_the_tls_front_with_verification_on() {
    let rtmp = Nginx::start();
    let pki = Pki::new();
    let front = TlsFront::start_with(&pki, rtmp.rtmp_port(), &[Listener::Cert(Case::Good)]);
    let url = format!(
        "rtmps://localhost:{}/live/through-tls",
        front.cert_port(Case::Good)
    );
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin"])
        .args([
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10",
            "-t",
            "1",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-g", "10"])
        .args(["-tls_verify", "1", "-ca_file"])
        .arg(pki.ca_file())
        .args(["-f", "flv", &url])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run ffmpeg ({e}): install it with apt-get install ffmpeg"));
    assert!(
        output.status.success(),
        "ffmpeg could not publish through the TLS front: {}\nfront log:\n{}",
        String::from_utf8_lossy(&output.stderr),
        front.error_log()
    );
    let log = rtmp.error_log();
    assert!(
        log.contains("publish: name='through-tls'"),
        "nginx-rtmp saw the publish: {log}"
    );
}
