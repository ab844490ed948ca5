//! The probe end to end over RTMPS: the built binary against nginx's stream module terminating
//! TLS in front of nginx-rtmp, with certificates the tests make (tests/support/tls.rs), a
//! listener that never answers, and a scripted TLS server that ends its session on cue. Each
//! test asserts the state, the kind, the message and that the run ended within its bound.

use crate::support::probe::{self, ProbeOutput};
use crate::support::report;
use crate::support::tls::{
    silent_listener, Case, Listener, Pki, TlsRig as Rig, CA_NAME, EXPIRED_NOT_AFTER,
    NOT_YET_VALID_NOT_BEFORE,
};
use crate::targets::promtool_check;
use serde_json::Value;
use std::time::{Duration, UNIX_EPOCH};

/// What "ends within its bound" allows past `--timeout`: starting the process, the scheduler.
const SLACK: Duration = Duration::from_millis(700);

/// `rtmps://HOST:PORT/live/STREAM` on a listener of the front.
fn tls_url(rig: &Rig, listener: Listener, host: &str, stream: &str) -> String {
    format!("rtmps://{host}:{}/live/{stream}", rig.front.port(listener))
}

/// The test CA's file, for `--ca-file`.
fn ca(rig: &Rig) -> String {
    rig.pki.ca_file().to_string_lossy().into_owned()
}

/// Runs the probe with `-t 5s` and these arguments; asserts it ended within the bound.
fn run(args: &[&str]) -> ProbeOutput {
    run_within(Duration::from_secs(5), args)
}

fn run_within(timeout: Duration, args: &[&str]) -> ProbeOutput {
    let t = format!("{}ms", timeout.as_millis());
    let mut all = vec!["-t", t.as_str()];
    all.extend_from_slice(args);
    let out = probe::run(&all);
    assert!(
        out.elapsed <= timeout + SLACK,
        "the run took {:?}, past its -t {t}: {out}",
        out.elapsed
    );
    out
}

fn json(out: &ProbeOutput) -> Value {
    report::parse_valid(&out.stdout)
}

/// The Nagios line of a run, after `RTMP <STATE> - `.
fn line(out: &ProbeOutput) -> &str {
    out.stdout.lines().next().unwrap_or_default()
}

fn good(rig: &Rig) -> Listener {
    let _ = rig;
    Listener::Cert(Case::Good)
}

#[test]
fn a_publish_over_rtmps_with_the_test_ca_is_ok_with_the_certificate_facts_in_json() {
    let rig = Rig::start();
    let url = tls_url(&rig, good(&rig), "localhost", "tls-{random}");
    let out = run(&["--ca-file", &ca(&rig), "--format", "json", &url]);
    assert_eq!(out.code, 0, "{out}");
    let r = json(&out);
    assert_eq!(r["status"], "OK");
    assert!(
        r["target"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("rtmps://localhost:")),
        "{r}"
    );
    let mut steps = report::PUBLISH_STEPS.to_vec();
    steps.insert(2, "tls");
    assert_eq!(report::step_names(&r), steps);
    let tls = &r["server"]["tls"];
    assert!(
        tls["version"] == "TLS 1.3" || tls["version"] == "TLS 1.2",
        "{tls}"
    );
    assert!(
        tls["cipher"]
            .as_str()
            .is_some_and(|c| c.starts_with("TLS_")),
        "{tls}"
    );
    assert_eq!(tls["sni"], "localhost");
    assert_eq!(tls["verified_name"], "localhost");
    assert_eq!(tls["verified"], true);
    assert_eq!(tls["insecure"], false);
    assert_eq!(tls["verification_error"], Value::Null);
    assert_eq!(tls["alpn"], Value::Null);
    assert_eq!(tls["chain_length"], 1);
    let cert = &tls["certificate"];
    assert_eq!(cert["sans"], serde_json::json!(["localhost", "127.0.0.1"]));
    assert!(
        cert["subject"]
            .as_str()
            .is_some_and(|s| s.contains("CN=localhost")),
        "{cert}"
    );
    assert!(
        cert["issuer"].as_str().is_some_and(|s| s.contains(CA_NAME)),
        "{cert}"
    );
    // Valid for 90 days from when the PKI was made, a moment ago: 89 whole days left.
    assert_eq!(cert["days_left"], 89, "{cert}");
    assert_eq!(tls["days_left"], 89);
    assert_eq!(tls["chain_earliest_expiry"], cert["not_after"]);
    assert_eq!(tls["trust_store"]["ca_file_anchors"], 1, "{tls}");
    // The cert_days metric, with the default warning threshold.
    let cert_days = r["metrics"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["name"] == "cert_days"))
        .cloned()
        .unwrap_or_else(|| panic!("no cert_days metric: {r}"));
    assert_eq!(cert_days["value"], 89.0);
    assert_eq!(cert_days["unit"], "d");
    assert_eq!(cert_days["warning"], "14:");
    assert_eq!(r["notes"], serde_json::json!([]));
    let log = rig.rtmp.error_log();
    assert!(
        log.contains("publish: name='tls-"),
        "nginx-rtmp saw the publish: {log}"
    );
}

#[test]
fn the_nagios_line_text_and_long_output_of_an_rtmps_check_show_tls_and_cert_days() {
    let rig = Rig::start();
    let url = tls_url(&rig, good(&rig), "127.0.0.1", "tls-{random}");
    let out = run(&["--ca-file", &ca(&rig), "-v", &url]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        line(&out).starts_with("RTMP OK - publish accepted by 127.0.0.1:"),
        "{out}"
    );
    let perf = line(&out).split_once(" | ").map_or("", |(_, p)| p);
    assert!(perf.contains("'tls'="), "{perf}");
    assert!(perf.contains("'cert_days'=89;14:;;;"), "{perf}");
    // An IP address: no SNI, verified against the certificate's IP name.
    assert!(
        out.stdout
            .contains(", no SNI, certificate verified for 127.0.0.1"),
        "{out}"
    );
    assert!(out.stdout.contains("(89 days left)"), "{out}");
    let text = run(&["--ca-file", &ca(&rig), "--format", "text", &url]);
    assert!(text.stdout.contains("step tls "), "{text}");
    assert!(text.stdout.contains("tls chain: 1 certificate"), "{text}");
    assert!(text.stdout.contains("+ 1 from --ca-file"), "{text}");
}

#[test]
fn without_its_ca_file_a_good_certificate_is_critical_tls_untrusted() {
    let rig = Rig::start();
    let port = rig.front.cert_port(Case::Good);
    let out = run(&[
        "--format",
        "json",
        &tls_url(&rig, good(&rig), "localhost", "x"),
    ]);
    assert_eq!(out.code, 2, "{out}");
    let r = json(&out);
    assert_eq!(r["error"]["step"], "tls");
    assert_eq!(r["error"]["kind"], "tls_untrusted");
    let message = r["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(CA_NAME) && message.contains("--ca-file FILE"),
        "{message}"
    );
    assert_eq!(
        r["summary"].as_str().unwrap_or_default(),
        format!("TLS handshake with 127.0.0.1:{port} failed: {message}")
    );
    assert_eq!(r["server"]["tls"], Value::Null);
    assert_eq!(report::step_names(&r), ["dns", "tcp_connect", "tls"]);
    assert_eq!(r["steps"][2]["ok"], false);
}

#[test]
fn an_expired_certificate_is_critical_with_its_date_and_one_not_yet_valid_names_its_start() {
    let rig = Rig::start();
    let url = tls_url(&rig, Listener::Cert(Case::Expired), "localhost", "x");
    let out = run(&["--ca-file", &ca(&rig), &url]);
    assert_eq!(out.code, 2, "{out}");
    assert!(
        line(&out).starts_with("RTMP CRITICAL - TLS handshake with 127.0.0.1:"),
        "{out}"
    );
    assert!(
        line(&out).contains(&format!("expired on {EXPIRED_NOT_AFTER}, ")),
        "{out}"
    );
    assert!(
        line(&out).contains("days ago: renew it on the server"),
        "{out}"
    );
    let r = json(&run(&["--ca-file", &ca(&rig), "-f", "json", &url]));
    assert_eq!(r["error"]["kind"], "tls_expired");
    let url = tls_url(&rig, Listener::Cert(Case::NotYetValid), "localhost", "x");
    let out = run(&["--ca-file", &ca(&rig), "-f", "json", &url]);
    assert_eq!(out.code, 2, "{out}");
    let r = json(&out);
    assert_eq!(r["error"]["kind"], "tls_not_yet_valid");
    let message = r["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("is not valid before {NOT_YET_VALID_NOT_BEFORE}, ")),
        "{message}"
    );
    assert!(
        message.contains("check the clock of this machine"),
        "{message}"
    );
}

#[test]
fn a_certificate_for_other_names_is_a_mismatch_that_lists_them_and_sni_fixes_it() {
    let rig = Rig::start();
    let url = tls_url(
        &rig,
        Listener::Cert(Case::WrongName),
        "localhost",
        "n-{random}",
    );
    let out = run(&["--ca-file", &ca(&rig), "-f", "json", &url]);
    assert_eq!(out.code, 2, "{out}");
    let r = json(&out);
    assert_eq!(r["error"]["kind"], "tls_name_mismatch");
    assert_eq!(
        r["error"]["message"],
        "the certificate is not valid for \"localhost\": it names other.example, \
         www.other.example; use one of those names in the URL (or --sni NAME), or install a \
         certificate for this name"
    );
    let out = run(&[
        "--ca-file",
        &ca(&rig),
        "--sni",
        "other.example",
        "-f",
        "json",
        &url,
    ]);
    assert_eq!(out.code, 0, "{out}");
    let r = json(&out);
    assert_eq!(r["server"]["tls"]["sni"], "other.example");
    assert_eq!(r["server"]["tls"]["verified_name"], "other.example");
}

#[test]
fn a_self_signed_certificate_is_critical_and_ok_only_with_insecure_which_every_format_says() {
    let rig = Rig::start();
    let url = tls_url(
        &rig,
        Listener::Cert(Case::SelfSigned),
        "localhost",
        "s-{random}",
    );
    let out = run(&["--ca-file", &ca(&rig), &url]);
    assert_eq!(out.code, 2, "{out}");
    assert!(
        line(&out).contains("the certificate is self-signed"),
        "{out}"
    );
    assert!(line(&out).contains("--insecure"), "{out}");
    let r = json(&run(&["-f", "json", &url]));
    assert_eq!(r["error"]["kind"], "tls_self_signed");

    let out = run(&["--insecure", &url]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        line(&out).contains(" (TLS certificate not verified: --insecure) |"),
        "the one-line summary says it: {out}"
    );
    let out = run(&["--insecure", "-f", "json", &url]);
    assert_eq!(out.code, 0, "{out}");
    let r = json(&out);
    let tls = &r["server"]["tls"];
    assert_eq!(tls["verified"], false);
    assert_eq!(tls["insecure"], true);
    assert_eq!(tls["verification_error"]["kind"], "tls_self_signed");
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("TLS certificate not verified (--insecure)"),
        "{notes}"
    );
    let text = run(&["--insecure", "-f", "text", &url]);
    assert!(
        text.stdout.contains("note: TLS certificate not verified"),
        "{text}"
    );
    assert!(
        text.stdout
            .contains("certificate NOT verified (--insecure; it fails: tls_self_signed)"),
        "{text}"
    );
    let prom = run(&["--insecure", "-f", "prometheus", &url]);
    assert!(prom.stdout.contains("rtmp_probe_tls_verified{"), "{prom}");
    assert!(
        prom.stdout
            .lines()
            .any(|l| l.starts_with("rtmp_probe_tls_verified{") && l.ends_with(" 0")),
        "{prom}"
    );
    promtool_check(&prom.stdout);
}

#[test]
fn a_tls_1_1_only_listener_is_critical_no_common_protocol() {
    let rig = Rig::start();
    let url = tls_url(&rig, Listener::Tls11Only, "localhost", "x");
    let out = run(&["--ca-file", &ca(&rig), "-f", "json", &url]);
    assert_eq!(out.code, 2, "{out}");
    let r = json(&out);
    assert_eq!(r["error"]["step"], "tls");
    assert_eq!(r["error"]["kind"], "tls_no_common_protocol");
    let message = r["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("TLS 1.0 or 1.1"), "{message}");
    assert!(message.ends_with("enable them on the server"), "{message}");
}

#[test]
fn a_listener_that_never_answers_the_client_hello_times_out_at_the_tls_step_on_time() {
    let silent = silent_listener();
    let url = format!("rtmps://127.0.0.1:{}/live/x", silent.port);
    let out = run_within(Duration::from_millis(800), &["-f", "json", &url]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.elapsed >= Duration::from_millis(800), "{out}");
    let r = json(&out);
    assert_eq!(r["error"]["step"], "tls");
    assert_eq!(r["error"]["kind"], "timeout");
    let message = r["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(
            "timed out after 800ms (--timeout) waiting for the server's answer to the TLS \
             ClientHello (nothing received"
        ),
        "{message}"
    );
    // The step's own bound names itself.
    let out = run_within(
        Duration::from_secs(3),
        &["--step-timeout", "300ms", "-f", "json", &url],
    );
    assert!(out.elapsed < Duration::from_secs(2), "{out}");
    let r = json(&out);
    assert!(
        r["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("timed out after 300ms (--step-timeout)")),
        "{r}"
    );
    // --timeout-state applies to it as to any timeout.
    let out = run_within(
        Duration::from_millis(300),
        &["--timeout-state", "warning", &url],
    );
    assert_eq!(out.code, 1, "{out}");
}

#[test]
fn cert_days_warns_below_14_days_by_default_and_any_cert_days_threshold_replaces_it() {
    let rig = Rig::start();
    // The chain's intermediate expires in 10 days (9 whole days), its leaf in 60.
    let url = tls_url(&rig, Listener::Cert(Case::Chain), "localhost", "c-{random}");
    let ca = ca(&rig);
    let out = run(&["--ca-file", &ca, &url]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        line(&out).contains(", but cert_days 9.0 days < 14.0 days |"),
        "{out}"
    );
    assert!(line(&out).contains("'cert_days'=9;14:;;;"), "{out}");
    // A threshold of its own replaces the default.
    let out = run(&["--ca-file", &ca, "-w", "cert_days=5:", &url]);
    assert_eq!(out.code, 0, "{out}");
    assert!(line(&out).contains("'cert_days'=9;5:;;;"), "{out}");
    let out = run(&["--ca-file", &ca, "-c", "cert_days=7:", &url]);
    assert_eq!(out.code, 0, "a critical one too: {out}");
    let out = run(&[
        "--ca-file",
        &ca,
        "-w",
        "cert_days=30:",
        "-c",
        "cert_days=10:",
        &url,
    ]);
    assert_eq!(out.code, 2, "{out}");
    assert!(
        line(&out).contains(", but cert_days 9.0 days < 10.0 days"),
        "{out}"
    );
    let out = run(&["--ca-file", &ca, "-w", "cert_days=0:", &url]);
    assert_eq!(out.code, 0, "cert_days=0: turns the warning off: {out}");
    let r = json(&run(&["--ca-file", &ca, "-f", "json", &url]));
    assert_eq!(r["server"]["tls"]["days_left"], 9);
    assert_eq!(r["server"]["tls"]["certificate"]["days_left"], 59);
    assert_eq!(r["crossings"][0]["metric"], "cert_days");
    assert_eq!(r["crossings"][0]["range"], "14:");
    // The good certificate, 89 days: OK by default, WARNING under a higher bar.
    let good = tls_url(&rig, Listener::Cert(Case::Good), "localhost", "g-{random}");
    assert_eq!(run(&["--ca-file", &ca, &good]).code, 0);
    let out = run(&["--ca-file", &ca, "-w", "cert_days=100:", &good]);
    assert_eq!(out.code, 1, "{out}");
    // A plain rtmp:// check measures no cert_days, so the default never fires there.
    let plain = rig.rtmp.url("live", "p-{random}");
    let out = run(&["-w", "cert_days=100:", &plain]);
    assert_eq!(out.code, 0, "{out}");
    assert!(!line(&out).contains("cert_days"), "{out}");
}

#[test]
fn the_prometheus_textfile_carries_the_earliest_expiry_and_the_days_left() {
    let rig = Rig::start();
    let ca = ca(&rig);
    let tls_url = tls_url(&rig, Listener::Cert(Case::Good), "localhost", "p-{random}");
    let plain = rig.rtmp.url("live", "p-{random}");
    let out = run(&["--ca-file", &ca, "-f", "prometheus", &tls_url, &plain]);
    assert_eq!(out.code, 0, "{out}");
    let exposition = &out.stdout;
    promtool_check(exposition);
    let samples: Vec<&str> = exposition
        .lines()
        .filter(|l| l.starts_with("rtmp_probe_ssl_earliest_cert_expiry{"))
        .collect();
    assert_eq!(
        samples.len(),
        1,
        "only the rtmps:// target has one: {exposition}"
    );
    let expiry: f64 = samples[0]
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{}", samples[0]));
    let made = rig.pki.made.duration_since(UNIX_EPOCH).unwrap_or_default();
    let expected = (made + Duration::from_secs(90 * 86_400)).as_secs_f64();
    assert!((expiry - expected).abs() <= 2.0, "{expiry} vs {expected}");
    assert!(
        samples[0].contains("target=\"rtmps://localhost:"),
        "{exposition}"
    );
    // The time left in seconds (promtool refuses a _days name): 90 days less a moment.
    let left: f64 = exposition
        .lines()
        .find(|l| l.starts_with("rtmp_probe_cert_expires_in_seconds{"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no rtmp_probe_cert_expires_in_seconds: {exposition}"));
    assert!(
        (89.0 * 86_400.0..=90.0 * 86_400.0).contains(&left),
        "{left} s"
    );
    assert!(
        exposition.contains("rtmp_probe_duration_seconds{target=\"rtmps://localhost:"),
        "{exposition}"
    );
    assert!(exposition.contains("phase=\"tls\""), "{exposition}");
}

#[test]
fn a_bad_ca_file_is_a_usage_error_naming_it_in_the_format_asked_for() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_string_lossy();
    let out = run(&["--ca-file", &missing, "rtmps://127.0.0.1:1/live/x"]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        line(&out).starts_with("RTMP UNKNOWN - invalid arguments: --ca-file "),
        "{out}"
    );
    assert!(line(&out).contains("missing.pem"), "{out}");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "this is no certificate\n").expect("write a file");
    let out = run(&[
        "-f",
        "json",
        "--ca-file",
        &not_pem.to_string_lossy(),
        "rtmps://127.0.0.1:1/live/x",
    ]);
    assert_eq!(out.code, 3, "{out}");
    let r = json(&out);
    assert_eq!(r["error"]["kind"], "usage");
    assert!(
        r["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not.pem")),
        "{r}"
    );
    // Even when every target is plain rtmp://: the option was given, so it is checked.
    let out = run(&["--ca-file", &missing, "rtmp://127.0.0.1:1/live/x"]);
    assert_eq!(out.code, 3, "{out}");
}

/// A scripted RTMPS server (rustls over a real socket, the good certificate): it shakes hands
/// in TLS and in RTMP, reads `connect`, then ends its TLS session as `close` says.
mod scripted {
    use crate::support::tls::{Case, Pki};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::thread;
    use std::time::Duration;

    /// How the server ends the session after reading connect.
    #[derive(Clone, Copy)]
    pub enum End {
        /// close_notify, then the TCP close.
        CloseNotify,
        /// The TCP close alone: a TLS session cut short.
        Truncate,
    }

    /// Starts the server (one connection) and returns its port.
    pub fn start(pki: &Pki, end: End) -> u16 {
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(pki.cert_file(Case::Good))
                .expect("read the certificate")
                .collect::<Result<_, _>>()
                .expect("parse the certificate");
        let key = PrivateKeyDer::from_pem_file(pki.key_file(Case::Good)).expect("read the key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a server configuration");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("its address").port();
        thread::spawn(move || {
            let Ok((tcp, _)) = listener.accept() else {
                return;
            };
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(conn) = rustls::ServerConnection::new(config) else {
                return;
            };
            let mut tls = rustls::StreamOwned::new(conn, tcp.try_clone().expect("clone"));
            let mut c0c1 = vec![0u8; 1537];
            if tls.read_exact(&mut c0c1).is_err() {
                return;
            }
            // A plain handshake: S0, S1 (time and zero fields 0, the rest any bytes), S2 = C1.
            let mut answer = vec![3u8];
            answer.extend([0u8; 8]);
            answer.extend((0..1528).map(|i| (i % 251) as u8));
            answer.extend_from_slice(c0c1.get(1..).unwrap_or_default());
            if tls.write_all(&answer).and_then(|()| tls.flush()).is_err() {
                return;
            }
            let mut c2 = vec![0u8; 1536];
            if tls.read_exact(&mut c2).is_err() {
                return;
            }
            // Some of connect (its first chunk is more than this), then the end.
            let mut some = [0u8; 64];
            let _ = tls.read_exact(&mut some);
            if let End::CloseNotify = end {
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
            let _ = tcp.shutdown(std::net::Shutdown::Both);
        });
        port
    }
}

#[test]
fn a_tls_session_cut_without_close_notify_is_tls_truncated_and_close_notify_is_closed() {
    let pki = Pki::new();
    let ca = pki.ca_file().to_string_lossy().into_owned();
    let port = scripted::start(&pki, scripted::End::Truncate);
    let url = format!("rtmps://localhost:{port}/live/x");
    let out = run(&["--ca-file", &ca, "-f", "json", &url]);
    assert_eq!(out.code, 2, "{out}");
    let r = json(&out);
    assert_eq!(r["error"]["step"], "connect", "{r}");
    assert_eq!(r["error"]["kind"], "tls_truncated", "{r}");
    assert_eq!(
        r["error"]["message"],
        "the connection ended without a TLS close_notify (the session was cut short: a crashed \
         server or a proxy that dropped the connection)"
    );
    assert_eq!(r["server"]["tls"]["verified"], true, "{r}");

    let port = scripted::start(&pki, scripted::End::CloseNotify);
    let url = format!("rtmps://localhost:{port}/live/x");
    let out = run(&["--ca-file", &ca, "-f", "json", &url]);
    assert_eq!(out.code, 2, "{out}");
    let r = json(&out);
    assert_eq!(r["error"]["step"], "connect", "{r}");
    assert_eq!(r["error"]["kind"], "closed", "{r}");
    assert!(
        r["error"]["message"].as_str().is_some_and(
            |m| m.starts_with("the server closed the connection without answering connect")
        ),
        "{r}"
    );
}

#[test]
fn the_exporter_probes_an_rtmps_target_with_blackbox_tls_names_and_one_config_per_module() {
    use crate::support::exporter::Exporter;
    let rig = Rig::start();
    let config = format!(
        "allow_targets: [\"localhost\", \"127.0.0.1\"]\nmodules:\n  rtmps: {{mode: publish, timeout: 5s, ca_file: \"{}\"}}\n  insecure: {{mode: connect, timeout: 2s, insecure: true}}\n",
        ca(&rig)
    );
    let ex = Exporter::start(&config, &[]);
    let target = tls_url(&rig, good(&rig), "localhost", "exporter-{random}");
    let expected = {
        let made = rig.pki.made.duration_since(UNIX_EPOCH).unwrap_or_default();
        (made + Duration::from_secs(90 * 86_400)).as_secs_f64()
    };
    // Twice: the module's configuration is built once and serves every probe.
    for _ in 0..2 {
        let r = ex.probe(&target, "rtmps");
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.sample("probe_success"), Some(1.0), "{}", r.body);
        assert_eq!(r.sample("probe_rtmp_status"), Some(0.0), "{}", r.body);
        let expiry = r
            .sample("probe_ssl_earliest_cert_expiry")
            .unwrap_or_else(|| panic!("no probe_ssl_earliest_cert_expiry: {}", r.body));
        assert!((expiry - expected).abs() <= 2.0, "{expiry} vs {expected}");
        let left = r
            .sample("probe_rtmp_cert_expires_in_seconds")
            .unwrap_or(0.0);
        assert!(
            (89.0 * 86_400.0..=90.0 * 86_400.0).contains(&left),
            "{}",
            r.body
        );
        assert!(
            r.sample("probe_tls_version_info{version=\"TLS 1.3\"}") == Some(1.0)
                || r.sample("probe_tls_version_info{version=\"TLS 1.2\"}") == Some(1.0),
            "{}",
            r.body
        );
        assert_eq!(r.sample("probe_rtmp_tls_verified"), Some(1.0), "{}", r.body);
        assert!(
            r.sample("probe_rtmp_duration_seconds{phase=\"tls\"}")
                .is_some_and(|v| v > 0.0),
            "{}",
            r.body
        );
        assert!(
            !r.body.contains("rtmps://") && !r.body.contains("exporter-"),
            "{}",
            r.body
        );
        promtool_check(&r.body);
    }
    // --insecure in a module: the self-signed certificate passes, and the exposition says so.
    let self_signed = tls_url(&rig, Listener::Cert(Case::SelfSigned), "localhost", "");
    let r = ex.probe(self_signed.trim_end_matches('/'), "insecure");
    assert_eq!(r.sample("probe_success"), Some(1.0), "{}", r.body);
    assert_eq!(r.sample("probe_rtmp_tls_verified"), Some(0.0), "{}", r.body);
    // A module without the CA: the certificate is refused with its kind.
    let untrusted =
        "allow_targets: [\"localhost\"]\nmodules:\n  plain: {mode: connect, timeout: 2s}\n";
    let ex = Exporter::start(untrusted, &[]);
    let r = ex.probe(&target, "plain");
    assert_eq!(r.sample("probe_success"), Some(0.0), "{}", r.body);
    assert_eq!(
        r.sample("probe_rtmp_failure_info{step=\"tls\",kind=\"tls_untrusted\"}"),
        Some(1.0),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("probe_ssl_earliest_cert_expiry "),
        "{}",
        r.body
    );
    promtool_check(&r.body);
}

#[test]
fn the_exporter_refuses_a_config_whose_ca_file_cannot_be_read() {
    use crate::support::probe::{run_program, BINARY};
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("bad.yml");
    std::fs::write(
        &config,
        "modules:\n  rtmps: {mode: connect, ca_file: /nonexistent/ca.pem}\n",
    )
    .expect("write the config");
    let out = run_program(
        BINARY,
        &["serve", "--check-config", &config.to_string_lossy()],
        &[],
        Duration::from_secs(10),
    );
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr
            .contains("bad.yml: module \"rtmps\": --ca-file /nonexistent/ca.pem: "),
        "{out}"
    );
}
