//! The probe's challenge authentication end to end: the built binary against the scripted Adobe
//! and Limelight server of `support::auth_server` (which ffmpeg itself authenticates against in
//! `tests/auth.rs`), with the credentials in the URL, in `--user`/`--password-file` and in
//! `RTMP_PROBE_PASSWORD`; and secret scans over every format, the logs and the packet trace.

use crate::secrets::assert_no_piece;
use crate::support::auth_server::{base64_encode, AuthLog, AuthMod, AuthServer, Verdict};
use crate::support::probe::{self, ProbeOutput};
use crate::support::report::{self, PUBLISH_STEPS};
use crate::support::script::{error_reply, serve_n};
use crate::support::tls::{Case, Listener, Pki, TlsFront};
use md5::{Digest, Md5};
use serde_json::Value;
use std::time::Duration;

/// The password of the servers' user "bob": long enough for the 8-character secret scans.
const PASSWORD: &str = "Corr3ct-h0rse-Battery";

fn bob() -> Option<(&'static str, &'static str)> {
    Some(("bob", PASSWORD))
}

/// Runs the probe with `-t 5s`; asserts it ended well within it.
fn run(args: &[&str]) -> ProbeOutput {
    run_with_env(args, &[])
}

fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> ProbeOutput {
    let mut all = vec!["-t", "5s"];
    all.extend_from_slice(args);
    let out = probe::run_with_env(&all, env);
    assert!(out.elapsed < Duration::from_secs(5), "{out}");
    out
}

fn json(out: &ProbeOutput) -> Value {
    report::parse_valid(&out.stdout)
}

fn results(r: &Value) -> Vec<String> {
    r["auth"]["attempts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["result"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn accepted_rounds() -> Vec<Verdict> {
    vec![
        Verdict::NeedAuth,
        Verdict::Challenged { user: "bob".into() },
        Verdict::Accepted { user: "bob".into() },
    ]
}

#[test]
fn adobe_and_limelight_authentication_with_the_right_password_publish_on_the_third_connect() {
    for (authmod, app) in [
        (AuthMod::Adobe, "app"),
        (AuthMod::Llnw, "app"),
        (AuthMod::Llnw, "live/inst"),
    ] {
        let server = AuthServer::start(authmod, &[("bob", PASSWORD)]);
        let out = run(&["-f", "json", &server.url(bob(), app, "stream")]);
        let log = server.finish();
        assert_eq!(out.code, 0, "{authmod:?} {app}: {out}\n{log:#?}");
        assert_eq!(log.verdicts(), accepted_rounds(), "{log:#?}");
        assert_eq!(log.rounds[2].published.as_deref(), Some("stream"));
        let r = json(&out);
        // One connect step for all three rounds; the publish follows on the third connection.
        assert_eq!(report::step_names(&r), PUBLISH_STEPS);
        let auth = &r["auth"];
        assert_eq!(auth["scheme"], authmod.name());
        assert_eq!(auth["user"], "bob");
        assert_eq!(results(&r), ["auth_requested", "challenged", "accepted"]);
        let phases = |i: usize| -> Vec<String> {
            auth["attempts"][i]["phases"]
                .as_array()
                .map(|p| {
                    p.iter()
                        .filter_map(|x| x["name"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(
            phases(0),
            ["connect"],
            "round 1's other steps are the report's own"
        );
        assert_eq!(phases(1), ["tcp_connect", "handshake", "connect"]);
        assert_eq!(phases(2), ["tcp_connect", "handshake", "connect"]);
        // The rounds lie within the connect step.
        let connect = &r["steps"][3];
        assert_eq!(connect["name"], "connect");
        let end = |v: &Value| {
            v["start_ms"].as_f64().unwrap_or(0.0) + v["duration_ms"].as_f64().unwrap_or(0.0)
        };
        assert!(end(&auth["attempts"][2]) <= end(connect) + 0.01, "{r}");
        assert!(
            auth["attempts"][1]["start_ms"].as_f64() >= connect["start_ms"].as_f64(),
            "{r}"
        );
        // What each round sent; the response masked in the third.
        let user_round = format!("{app}?authmod={}&user=bob", authmod.name());
        assert_eq!(auth["attempts"][0]["app"], app);
        assert_eq!(auth["attempts"][1]["app"], user_round.as_str());
        let response = log.rounds[2].param("response").unwrap_or_default();
        let sent = auth["attempts"][2]["app"].as_str().unwrap_or_default();
        assert!(sent.starts_with(&format!("{user_round}&")), "{sent}");
        assert!(sent.contains("&response="), "{sent}");
        assert!(!sent.contains(response), "the response is masked: {sent}");
        let challenge = auth["attempts"][1]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(
            challenge.contains("?reason=needauth&user=bob"),
            "{challenge}"
        );
        assert_eq!(auth["attempts"][2]["description"], Value::Null);
        // The server's refusals are in the statuses too, at the connect step.
        let codes: Vec<&str> = r["server"]["statuses"]
            .as_array()
            .map(|s| s.iter().filter_map(|x| x["code"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            codes.get(..3),
            Some(
                &[
                    "NetConnection.Connect.Rejected",
                    "NetConnection.Connect.Rejected",
                    "NetConnection.Connect.Success"
                ][..]
            ),
            "{r}"
        );
    }
}

#[test]
fn a_wrong_password_is_critical_auth_failed_after_three_connects() {
    for authmod in [AuthMod::Adobe, AuthMod::Llnw] {
        let server = AuthServer::start(authmod, &[("bob", PASSWORD)]);
        let port = server.port();
        let out = run(&[&server.url(Some(("bob", "wrong-password")), "app", "stream")]);
        let log = server.finish();
        assert_eq!(out.code, 2, "{out}");
        assert_eq!(
            log.verdicts(),
            [
                Verdict::NeedAuth,
                Verdict::Challenged { user: "bob".into() },
                Verdict::AuthFailed { user: "bob".into() },
            ]
        );
        let line = out.stdout.lines().next().unwrap_or_default();
        assert!(
            line.starts_with(&format!(
                "RTMP CRITICAL - connect to 127.0.0.1:{port} failed: authentication failed ({}): \
                 the server refused the password (reason=authfailed); check the password | ",
                authmod.name()
            )),
            "{out}"
        );
        let server = AuthServer::start(authmod, &[("bob", PASSWORD)]);
        let out = run(&[
            "-f",
            "json",
            &server.url(Some(("bob", "wrong-password")), "app", "s"),
        ]);
        server.finish();
        let r = json(&out);
        assert_eq!(r["error"]["step"], "connect");
        assert_eq!(r["error"]["kind"], "auth_failed");
        assert_eq!(r["error"]["code"], "NetConnection.Connect.Rejected");
        assert!(
            r["error"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("?reason=authfailed")),
            "{r}"
        );
        assert_eq!(results(&r), ["auth_requested", "challenged", "refused"]);
        assert_eq!(
            report::step_names(&r),
            ["dns", "tcp_connect", "handshake", "connect"]
        );
    }
}

#[test]
fn an_unknown_user_is_critical_no_such_user_after_two_connects() {
    let server = AuthServer::start(AuthMod::Adobe, &[("bob", PASSWORD)]);
    let out = run(&[
        "-f",
        "json",
        &server.url(Some(("eve", PASSWORD)), "app", "stream"),
    ]);
    let log = server.finish();
    assert_eq!(out.code, 2, "{out}");
    assert_eq!(
        log.verdicts(),
        [
            Verdict::NeedAuth,
            Verdict::NoSuchUser { user: "eve".into() }
        ]
    );
    let r = json(&out);
    assert_eq!(r["error"]["kind"], "no_such_user");
    assert_eq!(
        r["error"]["message"],
        "authentication failed (adobe): the server does not know the user (reason=nosuchuser); \
         check the user name"
    );
    assert_eq!(results(&r), ["auth_requested", "refused"]);
}

#[test]
fn without_credentials_the_server_that_wants_authentication_is_critical_auth_required() {
    for authmod in [AuthMod::Adobe, AuthMod::Llnw] {
        let server = AuthServer::start(authmod, &[("bob", PASSWORD)]);
        let port = server.port();
        let out = run(&[&server.url(None, "app", "stream")]);
        let log = server.finish();
        assert_eq!(out.code, 2, "{out}");
        assert_eq!(log.verdicts(), [Verdict::NeedAuth], "one connect only");
        let line = out.stdout.lines().next().unwrap_or_default();
        assert!(
            line.starts_with(&format!(
                "RTMP CRITICAL - connect to 127.0.0.1:{port} failed: the server wants \
                 authentication ({}): give a user and password",
                authmod.name()
            )),
            "{out}"
        );
    }
    let server = AuthServer::start(AuthMod::Adobe, &[("bob", PASSWORD)]);
    let r = json(&run(&["-f", "json", &server.url(None, "app", "stream")]));
    server.finish();
    assert_eq!(r["error"]["kind"], "auth_required");
    assert_eq!(r["auth"]["scheme"], "adobe");
    assert_eq!(r["auth"]["user"], Value::Null);
    assert_eq!(results(&r), ["refused"]);
}

#[test]
fn credentials_come_from_user_and_password_file_or_the_environment_or_a_percent_encoded_url() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("bob.pw");
    std::fs::write(&file, format!("{PASSWORD}\n")).expect("write the password file");
    let file = file.to_string_lossy().into_owned();

    let server = AuthServer::start(AuthMod::Adobe, &[("bob", PASSWORD)]);
    let url = server.url(None, "app", "stream");
    let out = run(&["--user", "bob", "--password-file", &file, &url]);
    assert_eq!(server.finish().verdicts(), accepted_rounds(), "{out}");
    assert_eq!(out.code, 0, "{out}");

    // The user in the URL, the password from the file.
    let server = AuthServer::start(AuthMod::Llnw, &[("bob", PASSWORD)]);
    let url = format!("rtmp://bob@127.0.0.1:{}/app/stream", server.port());
    let out = run(&["--password-file", &file, &url]);
    assert_eq!(server.finish().verdicts(), accepted_rounds(), "{out}");
    assert_eq!(out.code, 0, "{out}");

    let server = AuthServer::start(AuthMod::Adobe, &[("bob", PASSWORD)]);
    let url = server.url(None, "app", "stream");
    let out = run_with_env(
        &["--user", "bob", &url],
        &[("RTMP_PROBE_PASSWORD", PASSWORD)],
    );
    assert_eq!(server.finish().verdicts(), accepted_rounds(), "{out}");
    assert_eq!(out.code, 0, "{out}");

    // The URL's password is percent-decoded: p%40ss%3Aw0rd-long is hashed as p@ss:w0rd-long.
    let server = AuthServer::start(AuthMod::Adobe, &[("bob", "p@ss:w0rd-long")]);
    let url = format!(
        "rtmp://bob:p%40ss%3Aw0rd-long@127.0.0.1:{}/app/stream",
        server.port()
    );
    let out = run(&["-f", "json", &url]);
    let log = server.finish();
    assert_eq!(out.code, 0, "{out}\n{log:#?}");
    assert_eq!(log.verdicts(), accepted_rounds());
    let r = json(&out);
    assert!(
        r["target"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("rtmp://bob:***@127.0.0.1:")),
        "{r}"
    );
    for shown in ["p%40ss", "p@ss:w0rd"] {
        assert!(!out.stdout.contains(shown), "{out}");
    }
}

#[test]
fn a_user_without_a_password_or_a_password_without_a_user_is_a_usage_error() {
    let out = run(&["--user", "bob", "rtmp://127.0.0.1:1/app/stream"]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout.starts_with(
            "RTMP UNKNOWN - invalid arguments: URL: a user for authentication but no password"
        ),
        "{out}"
    );
    let out = run_with_env(
        &["rtmp://127.0.0.1:1/app/stream"],
        &[("RTMP_PROBE_PASSWORD", PASSWORD)],
    );
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout
            .contains("a password (RTMP_PROBE_PASSWORD) but no user for authentication"),
        "{out}"
    );
    assert!(!out.stdout.contains(PASSWORD), "{out}");
}

#[test]
fn a_server_that_asks_for_authentication_again_and_again_ends_after_two_connects() {
    let refusal = "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ";
    let served = serve_n(4, move |conn| {
        conn.handshake()?;
        let connect = conn.wait_command("connect")?;
        conn.send_command(
            3,
            0,
            error_reply(
                connect.transaction_id,
                "NetConnection.Connect.Rejected",
                refusal,
            ),
        )?;
        conn.close()
    });
    let url = format!(
        "rtmp://bob:{PASSWORD}@127.0.0.1:{}/app/stream",
        served.port()
    );
    let out = run(&["-f", "json", &url]);
    let transcripts = served.finish();
    assert_eq!(out.code, 2, "{out}");
    let connects = transcripts
        .iter()
        .filter(|t| t.commands().iter().any(|c| c.name == "connect"))
        .count();
    assert_eq!(connects, 2, "it never loops: {transcripts:#?}");
    let r = json(&out);
    assert_eq!(r["error"]["kind"], "auth_failed");
    assert!(
        r["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("asked for the user again")),
        "{r}"
    );
}

#[test]
fn adobe_authentication_over_rtmps_runs_each_round_on_its_own_tls_session() {
    let server = AuthServer::start(AuthMod::Adobe, &[("bob", PASSWORD)]);
    let pki = Pki::new();
    let front = TlsFront::start_with(&pki, server.port(), &[Listener::Cert(Case::Good)]);
    let url = format!(
        "rtmps://bob:{PASSWORD}@localhost:{}/app/stream",
        front.cert_port(Case::Good)
    );
    let ca = pki.ca_file().to_string_lossy().into_owned();
    let out = run(&["--ca-file", &ca, "-f", "json", &url]);
    let log = server.finish();
    assert_eq!(out.code, 0, "{out}\n{log:#?}");
    assert_eq!(log.verdicts(), accepted_rounds());
    // nginx's stream module hands the probe's tcUrl through as sent.
    assert!(
        log.rounds[0].tc_url.starts_with("rtmps://localhost:"),
        "{log:#?}"
    );
    let r = json(&out);
    assert_eq!(r["server"]["tls"]["verified"], true);
    let phases: Vec<&str> = r["auth"]["attempts"][2]["phases"]
        .as_array()
        .map(|p| p.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(phases, ["tcp_connect", "tls", "handshake", "connect"]);
}

// ---------------------------------------------------------------------------------------------
// Secret scans

/// The bytes of every `--trace` hex dump in `stderr`, one after the other.
fn traced_bytes(stderr: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in stderr.lines() {
        let Some(rest) = line.trim_start().strip_prefix("0x") else {
            continue;
        };
        let Some((_, hex)) = rest.split_once(" : ") else {
            continue;
        };
        let hex = hex.split(" : ").next().unwrap_or_default();
        bytes.extend(
            hex.split_whitespace()
                .filter_map(|b| u8::from_str_radix(b, 16).ok()),
        );
    }
    bytes
}

fn md5(text: &str) -> [u8; 16] {
    Md5::digest(text.as_bytes()).into()
}

/// The secrets of one authenticated run: the password, the digest or ha1 it stands for, and
/// the response that went over the wire.
fn secrets(authmod: AuthMod, log: &AuthLog) -> Vec<String> {
    let mut out = vec![PASSWORD.to_string()];
    if let Some(third) = log.rounds.get(2) {
        out.push(third.param("response").unwrap_or_default().to_string());
    }
    let challenge = log
        .rounds
        .get(1)
        .and_then(|r| r.description.clone())
        .unwrap_or_default();
    let param = |key: &str| {
        challenge
            .split(['?', '&'])
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .unwrap_or_default()
            .to_string()
    };
    match authmod {
        AuthMod::Adobe => out.push(base64_encode(&md5(&format!(
            "bob{}{PASSWORD}",
            param("salt")
        )))),
        AuthMod::Llnw => out.push(
            md5(&format!("bob:live:{PASSWORD}"))
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        ),
    }
    out
}

#[test]
fn no_piece_of_the_password_digest_or_response_is_in_any_format_log_or_trace() {
    let runs: [&[&str]; 6] = [
        &["-v"],
        &["-f", "json"],
        &["-f", "text"],
        &["-f", "prometheus"],
        &["-vv", "-f", "json"],
        &["-vvv", "--trace"],
    ];
    for authmod in [AuthMod::Adobe, AuthMod::Llnw] {
        for args in runs {
            let server = AuthServer::start(authmod, &[("bob", PASSWORD)]);
            let url = server.url(bob(), "app", "stream");
            let mut all = args.to_vec();
            all.push(&url);
            let out = run(&all);
            let log = server.finish();
            assert_eq!(out.code, 0, "{out}");
            assert_eq!(log.verdicts(), accepted_rounds());
            let secrets = secrets(authmod, &log);
            assert_eq!(secrets.len(), 3);
            let context = format!("{authmod:?} {args:?}");
            for secret in &secrets {
                assert!(secret.len() >= 16, "long enough to scan: {secret:?}");
            }
            let all: Vec<&str> = secrets.iter().map(String::as_str).collect();
            assert_no_piece(&format!("{context} stdout"), &out.stdout, &all);
            assert_no_piece(&format!("{context} stderr"), &out.stderr, &all);
            if args.contains(&"-vv") || args.contains(&"-vvv") {
                // The third connect was logged: the scan looked at it.
                assert!(
                    out.stderr.contains("&response="),
                    "{context}: no third connect in the log:\n{}",
                    out.stderr
                );
            }
            if args.contains(&"--trace") {
                let traced = traced_bytes(&out.stderr);
                assert!(
                    traced.len() > 3000,
                    "{context}: {} bytes traced",
                    traced.len()
                );
                let traced = String::from_utf8_lossy(&traced);
                assert!(traced.contains("authmod="), "{context}");
                assert_no_piece(&format!("{context} the bytes of the trace"), &traced, &all);
            }
        }
    }
}
