//! Challenge authentication (issue 14): the scripted Adobe and Limelight server of
//! `support::auth_server`, proven right by ffmpeg authenticating against it.
//!
//! ffmpeg (Debian's 5.1, `apt-get install ffmpeg`) publishes one second of a 160x90 test picture;
//! each run takes well under a second here.

use crate::support::auth_server::{base64_encode, AuthLog, AuthMod, AuthServer, Round, Verdict};
use crate::support::probe::{run_program, ProbeOutput};
use crate::support::rtmp::Client;
use rtmp_probe::protocol::auth::{AuthFailure, AuthFailureKind, AuthFlow, Credentials, Next};
use std::path::Path;
use std::time::Duration;

/// The password of the servers' user "bob".
const PASSWORD: &str = "s3cret";

/// How long one ffmpeg run may take before it is killed.
const FFMPEG_DEADLINE: Duration = Duration::from_secs(30);

fn ffmpeg() -> &'static str {
    for candidate in ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"] {
        if Path::new(candidate).exists() {
            return candidate;
        }
    }
    panic!("ffmpeg was not found in /usr/bin or /usr/local/bin: apt-get install ffmpeg");
}

/// `ffmpeg ... -f flv URL`: one second of 160x90 video at 10 frames a second, H.264.
fn ffmpeg_publish(url: &str) -> ProbeOutput {
    let args = [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x90:rate=10",
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-f",
        "flv",
        url,
    ];
    let out = run_program(ffmpeg(), &args, &[], FFMPEG_DEADLINE);
    out.assert_exited();
    out
}

/// What every successful authentication shows: a plain first connect refused, the user sent on
/// app and tcUrl, then the answer, accepted, and a publish served; the password never sent.
fn assert_three_rounds_accepted(log: &AuthLog, authmod: AuthMod, port: u16, app: &str) -> Round {
    assert_eq!(
        log.verdicts(),
        [
            Verdict::NeedAuth,
            Verdict::Challenged { user: "bob".into() },
            Verdict::Accepted { user: "bob".into() },
        ],
        "{log:#?}"
    );
    let [first, second, third] = &log.rounds[..] else {
        unreachable!("three verdicts, three rounds")
    };
    let user_round = format!("{app}?authmod={}&user=bob", authmod.name());
    assert_eq!(first.app, app);
    assert_eq!(first.tc_url, format!("rtmp://127.0.0.1:{port}/{app}"));
    assert_eq!(second.app, user_round);
    assert_eq!(
        second.tc_url,
        format!("rtmp://127.0.0.1:{port}/{user_round}")
    );
    let (base, query) = third.app.split_once('?').expect("a query on round 3");
    assert_eq!(base, app);
    assert_eq!(
        third.tc_url,
        format!("rtmp://127.0.0.1:{port}/{app}?{query}"),
        "the same answer goes on tcUrl"
    );
    for round in &log.rounds {
        assert!(
            !round.app.contains(PASSWORD) && !round.tc_url.contains(PASSWORD),
            "the password went over the wire: {round:#?}"
        );
    }
    assert_eq!(third.param("authmod"), Some(authmod.name()));
    assert_eq!(third.param("user"), Some("bob"));
    assert_eq!(third.published.as_deref(), Some("stream"), "{third:#?}");
    third.clone()
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[test]
fn the_servers_base64_matches_rfc_4648s_test_vectors() {
    for (input, expected) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64_encode(input.as_bytes()), expected, "{input:?}");
    }
    assert_eq!(base64_encode(&[0xfb, 0xff]), "+/8=");
}

#[test]
fn ffmpeg_publishes_through_adobe_authentication_with_the_right_password() {
    let server = AuthServer::start(AuthMod::Adobe, &[("bob", PASSWORD)]);
    let port = server.port();
    let out = ffmpeg_publish(&server.url(Some(("bob", PASSWORD)), "app", "stream"));
    let log = server.finish();
    assert_eq!(out.code, 0, "{out}\n{log:#?}");
    let third = assert_three_rounds_accepted(&log, AuthMod::Adobe, port, "app");
    assert!(third.media_messages > 0, "{third:#?}");
    // ffmpeg's own challenge is 8 lowercase hex digits; the response a base64 MD5; the opaque
    // the server's, sent back.
    let query_keys: Vec<&str> = third.query.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        query_keys,
        ["authmod", "user", "challenge", "response", "opaque"]
    );
    assert!(is_lower_hex(
        third.param("challenge").unwrap_or_default(),
        8
    ));
    assert_eq!(third.param("response").map(str::len), Some(24));
    let challenge = log.rounds[1].description.as_deref().unwrap_or_default();
    let opaque = third.param("opaque").unwrap_or_default();
    assert!(
        challenge.ends_with(&format!("&opaque={opaque}")),
        "{challenge} / {opaque}"
    );
}

#[test]
fn ffmpeg_publishes_through_limelight_authentication_with_the_right_password() {
    // "live/inst" has its instance in the digest URI; "app" gets Wowza's "/_definst_".
    for app in ["app", "live/inst"] {
        let server = AuthServer::start(AuthMod::Llnw, &[("bob", PASSWORD)]);
        let port = server.port();
        let out = ffmpeg_publish(&server.url(Some(("bob", PASSWORD)), app, "stream"));
        let log = server.finish();
        assert_eq!(out.code, 0, "{app}: {out}\n{log:#?}");
        let third = assert_three_rounds_accepted(&log, AuthMod::Llnw, port, app);
        assert!(third.media_messages > 0, "{third:#?}");
        let query_keys: Vec<&str> = third.query.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            query_keys,
            ["authmod", "user", "nonce", "cnonce", "nc", "response"]
        );
        assert_eq!(third.param("nc"), Some("00000001"));
        assert!(is_lower_hex(third.param("cnonce").unwrap_or_default(), 8));
        assert!(is_lower_hex(
            third.param("response").unwrap_or_default(),
            32
        ));
    }
}

#[test]
fn ffmpeg_with_a_wrong_password_fails_on_the_servers_authfailed() {
    for authmod in [AuthMod::Adobe, AuthMod::Llnw] {
        let server = AuthServer::start(authmod, &[("bob", PASSWORD)]);
        let out = ffmpeg_publish(&server.url(Some(("bob", "wrong")), "app", "stream"));
        let log = server.finish();
        assert_ne!(out.code, 0, "{out}");
        assert_eq!(
            log.verdicts(),
            [
                Verdict::NeedAuth,
                Verdict::Challenged { user: "bob".into() },
                Verdict::AuthFailed { user: "bob".into() },
            ],
            "{authmod:?}: {log:#?}"
        );
        let refusal = log.rounds[2].description.as_deref().unwrap_or_default();
        assert!(refusal.contains("?reason=authfailed"), "{refusal}");
        assert!(
            out.stderr.contains("Incorrect username/password"),
            "{authmod:?}: {out}"
        );
    }
}

#[test]
fn ffmpeg_with_an_unknown_user_fails_on_the_servers_nosuchuser() {
    let server = AuthServer::start(AuthMod::Adobe, &[("bob", PASSWORD)]);
    let out = ffmpeg_publish(&server.url(Some(("eve", "s3cret")), "app", "stream"));
    let log = server.finish();
    assert_ne!(out.code, 0, "{out}");
    assert_eq!(
        log.verdicts(),
        [
            Verdict::NeedAuth,
            Verdict::NoSuchUser { user: "eve".into() }
        ],
        "{log:#?}"
    );
    assert!(out.stderr.contains("Incorrect username"), "{out}");
}

#[test]
fn ffmpeg_without_credentials_stops_at_the_first_refusal() {
    let server = AuthServer::start(AuthMod::Adobe, &[("bob", PASSWORD)]);
    let out = ffmpeg_publish(&server.url(None, "app", "stream"));
    let log = server.finish();
    assert_ne!(out.code, 0, "{out}");
    assert_eq!(log.verdicts(), [Verdict::NeedAuth], "{log:#?}");
    assert!(out.stderr.contains("No credentials set"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// protocol::auth against the same server, driven the way the session will drive it

/// How a publish driven by [`AuthFlow`] ended.
#[derive(Debug, PartialEq)]
enum FlowEnd {
    /// Connect succeeded on this attempt; the code that answered publish.
    Published {
        attempt: u8,
        code: String,
    },
    Failed(AuthFailure),
    /// An ordinary refusal, passed on.
    Refused(String),
}

/// Connects as [`AuthFlow`] says, one new connection per attempt, until it publishes or stops.
/// Returns the end and the secrets the flow listed.
fn publish_with_flow(
    port: u16,
    app: &str,
    credentials: Option<Credentials>,
) -> (FlowEnd, Vec<String>) {
    let mut flow = AuthFlow::new(credentials, app, format!("rtmp://127.0.0.1:{port}/{app}"));
    let end = loop {
        let names = flow.connect_names();
        let mut client = Client::open(port);
        let reply = client.connect(&names.app, &names.tc_url);
        if reply.is_result() {
            break FlowEnd::Published {
                attempt: flow.attempt(),
                code: client.publish("stream"),
            };
        }
        let description = reply.status().map(|s| s.description).unwrap_or_default();
        match flow.on_refusal(&description, [0x5e, 0xed, 0x00, 0x01]) {
            Next::Reconnect(again) => assert_eq!(again, flow.connect_names()),
            Next::Fail(failure) => break FlowEnd::Failed(failure),
            Next::NotAuth => break FlowEnd::Refused(description),
        }
    };
    let secrets = flow.secrets().into_iter().map(str::to_string).collect();
    (end, secrets)
}

fn bob(password: &str) -> Option<Credentials> {
    Some(Credentials::new("bob", password))
}

#[test]
fn the_probes_scheme_publishes_through_both_schemes_on_the_third_connect() {
    for (authmod, app) in [
        (AuthMod::Adobe, "app"),
        (AuthMod::Llnw, "app"),
        (AuthMod::Llnw, "live/inst"),
    ] {
        let server = AuthServer::start(authmod, &[("bob", PASSWORD)]);
        let port = server.port();
        let (end, secrets) = publish_with_flow(port, app, bob(PASSWORD));
        let log = server.finish();
        assert_eq!(
            end,
            FlowEnd::Published {
                attempt: 3,
                code: "NetStream.Publish.Start".into()
            },
            "{authmod:?} {app}: {log:#?}"
        );
        let third = assert_three_rounds_accepted(&log, authmod, port, app);
        // What the session must register as secrets: the password, the digest, and the
        // response, which went over the wire in app and tcUrl.
        let response = third.param("response").unwrap_or_default();
        assert_eq!(secrets.len(), 3, "{secrets:?}");
        assert_eq!(secrets[0], PASSWORD);
        assert_eq!(secrets[2], response);
    }
}

#[test]
fn the_probes_scheme_fails_with_auth_failed_on_a_wrong_password() {
    for authmod in [AuthMod::Adobe, AuthMod::Llnw] {
        let server = AuthServer::start(authmod, &[("bob", PASSWORD)]);
        let (end, _) = publish_with_flow(server.port(), "app", bob("wrong"));
        let log = server.finish();
        let FlowEnd::Failed(failure) = end else {
            panic!("{authmod:?}: {end:?}")
        };
        assert_eq!(failure.kind, AuthFailureKind::AuthFailed);
        assert_eq!(
            failure.message,
            format!("authentication failed ({}): the server refused the password (reason=authfailed); check the password", authmod.name())
        );
        assert_eq!(
            log.verdicts(),
            [
                Verdict::NeedAuth,
                Verdict::Challenged { user: "bob".into() },
                Verdict::AuthFailed { user: "bob".into() },
            ]
        );
    }
}

#[test]
fn the_probes_scheme_fails_with_no_such_user_and_auth_required() {
    let server = AuthServer::start(AuthMod::Adobe, &[("bob", PASSWORD)]);
    let (end, _) = publish_with_flow(server.port(), "app", Some(Credentials::new("eve", "x")));
    let log = server.finish();
    assert!(
        matches!(&end, FlowEnd::Failed(f) if f.kind == AuthFailureKind::NoSuchUser),
        "{end:?}"
    );
    assert_eq!(
        log.verdicts(),
        [
            Verdict::NeedAuth,
            Verdict::NoSuchUser { user: "eve".into() }
        ]
    );

    let server = AuthServer::start(AuthMod::Llnw, &[("bob", PASSWORD)]);
    let (end, secrets) = publish_with_flow(server.port(), "app", None);
    let log = server.finish();
    let FlowEnd::Failed(failure) = end else {
        panic!("{end:?}")
    };
    assert_eq!(failure.kind, AuthFailureKind::AuthRequired);
    assert!(
        failure
            .message
            .starts_with("the server wants authentication (llnw)"),
        "{failure}"
    );
    assert!(secrets.is_empty());
    assert_eq!(log.verdicts(), [Verdict::NeedAuth]);
}
