//! Tests of the challenge-authentication scheme.
//!
//! Expected digests and responses were computed apart from this code, at development time, with
//! Python's hashlib and base64 (e.g. `base64.b64encode(hashlib.md5(b"bobKx9sAA==s3cret!")
//! .digest())` for Adobe's digest; `hashlib.md5(b"bob:live:s3cret!").hexdigest()` for
//! Limelight's ha1), and are written here as literals.

use super::*;
use proptest::prelude::*;

const WOWZA_NEED_AUTH: &str = "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ";
const LLNW_NEED_AUTH: &str = "[ AccessManager.Reject ] : [ code=403 need auth; authmod=llnw ] : ";
const ADOBE_CHALLENGE: &str = "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=bob&salt=Kx9sAA==&challenge=4lmAAA==&opaque=vgoAAA==";
const LLNW_CHALLENGE: &str =
    "[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&user=bob&nonce=MTIzNDU2Nzg5";
const ADOBE_AUTHFAILED: &str =
    "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed&opaque=vgoAAA==";
const ADOBE_NOSUCHUSER: &str =
    "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=nosuchuser&opaque=nQoAAA==";

/// The client challenge / cnonce bytes of the tests: "deadbeef" and "01020304".
const CC: [u8; 4] = [0xde, 0xad, 0xbe, 0xef];
const CN: [u8; 4] = [0x01, 0x02, 0x03, 0x04];

/// python3: base64.b64encode(hashlib.md5(b"bob" + b"Kx9sAA==" + b"s3cret!").digest())
const ADOBE_DIGEST: &str = "AHWwgyWFL/OPJm+t00WfXw==";
/// python3: base64.b64encode(hashlib.md5(ADOBE_DIGEST + b"vgoAAA==" + b"deadbeef").digest())
const ADOBE_RESPONSE_OPAQUE: &str = "HEVpT6h99Lu9IsRE6as1nw==";
/// python3: the same with the challenge "4lmAAA==" in place of the opaque.
const ADOBE_RESPONSE_CHALLENGE: &str = "IQjRmTvNMiDh94eulURSPQ==";
/// python3: the same with neither (ADOBE_DIGEST + b"deadbeef").
const ADOBE_RESPONSE_NONE: &str = "0uey6xL20epO0S/YdB7vOQ==";
/// python3: hashlib.md5(b"bob:live:s3cret!").hexdigest()
const LLNW_HA1: &str = "2802edfa196adaadf2c0671b959e3925";
/// python3: ha2 = md5hex(b"publish:/live/_definst_");
/// md5hex(LLNW_HA1 + b":MTIzNDU2Nzg5:00000001:01020304:auth:" + ha2)
const LLNW_RESPONSE_DEFINST: &str = "30b66d7d1c83de1b6ee0a18742141bc5";
/// python3: the same with ha2 = md5hex(b"publish:/live/inst")
const LLNW_RESPONSE_INSTANCE: &str = "02292ff8643a85fee558e211d34b5b5d";

fn bob() -> Credentials {
    Credentials::new("bob", "s3cret!")
}

fn challenge(description: &str) -> Challenge {
    match parse_refusal(description) {
        Refusal::Challenge(c) => c,
        other => panic!("not a challenge: {other:?}"),
    }
}

fn flow(credentials: Option<Credentials>) -> AuthFlow {
    AuthFlow::new(credentials, "live", "rtmp://127.0.0.1:1935/live")
}

fn reconnect(next: Next) -> ConnectNames {
    match next {
        Next::Reconnect(names) => names,
        other => panic!("expected a reconnect: {other:?}"),
    }
}

fn failure(next: Next) -> AuthFailure {
    match next {
        Next::Fail(f) => f,
        other => panic!("expected a failure: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// the formulas

#[test]
fn adobe_answer_hashes_the_opaque_when_the_server_gave_one() {
    let answer = adobe_answer(&challenge(ADOBE_CHALLENGE), &bob(), CC);
    assert_eq!(answer.digest, ADOBE_DIGEST);
    assert_eq!(answer.response, ADOBE_RESPONSE_OPAQUE);
    assert_eq!(
        answer.query,
        format!("authmod=adobe&user=bob&challenge=deadbeef&response={ADOBE_RESPONSE_OPAQUE}&opaque=vgoAAA==")
    );
}

#[test]
fn adobe_answer_hashes_the_challenge_when_there_is_no_opaque_and_sends_no_opaque() {
    let c = challenge(
        "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=bob&salt=Kx9sAA==&challenge=4lmAAA==",
    );
    let answer = adobe_answer(&c, &bob(), CC);
    assert_eq!(answer.response, ADOBE_RESPONSE_CHALLENGE);
    assert_eq!(
        answer.query,
        format!("authmod=adobe&user=bob&challenge=deadbeef&response={ADOBE_RESPONSE_CHALLENGE}")
    );
}

#[test]
fn adobe_answer_without_challenge_or_opaque_hashes_the_digest_and_our_challenge_only() {
    let c = challenge("[ authmod=adobe ] : ?reason=needauth&user=bob&salt=Kx9sAA==");
    assert_eq!(adobe_answer(&c, &bob(), CC).response, ADOBE_RESPONSE_NONE);
}

#[test]
fn adobe_answer_to_a_challenge_without_user_uses_ours_encoded_in_the_query() {
    let c = challenge("[ authmod=adobe ] : ?reason=needauth&salt=Kx9sAA==&opaque=vgoAAA==");
    let answer = adobe_answer(&c, &bob(), CC);
    assert_eq!(answer.response, ADOBE_RESPONSE_OPAQUE);
    let c = challenge("[ authmod=adobe ] : ?reason=needauth&salt=s");
    let answer = adobe_answer(&c, &Credentials::new("a b@c", "p"), CC);
    assert!(
        answer.query.starts_with("authmod=adobe&user=a%20b%40c&"),
        "{}",
        answer.query
    );
}

#[test]
fn adobe_answer_uses_the_user_the_server_wrote_verbatim() {
    // The server echoes the user percent-encoded; ffmpeg hashes and sends it as it came.
    let c = challenge("[ authmod=adobe ] : ?reason=needauth&user=b%40b&salt=x");
    let answer = adobe_answer(&c, &Credentials::new("b@b", "p"), CC);
    assert!(
        answer.query.starts_with("authmod=adobe&user=b%40b&"),
        "{}",
        answer.query
    );
    // python3: base64.b64encode(hashlib.md5(b"b%40bxp").digest())
    assert_eq!(answer.digest, "YXJK73au4nCK9RzkqUOJVw==");
}

#[test]
fn llnw_answer_adds_the_default_instance_to_a_one_segment_app() {
    let answer = llnw_answer(&challenge(LLNW_CHALLENGE), &bob(), "live", CN).unwrap();
    assert_eq!(answer.digest, LLNW_HA1);
    assert_eq!(answer.response, LLNW_RESPONSE_DEFINST);
    assert_eq!(
        answer.query,
        format!("authmod=llnw&user=bob&nonce=MTIzNDU2Nzg5&cnonce=01020304&nc=00000001&response={LLNW_RESPONSE_DEFINST}")
    );
}

#[test]
fn llnw_answer_keeps_an_app_instance_and_leaves_the_app_query_out() {
    let c = challenge(LLNW_CHALLENGE);
    let answer = llnw_answer(&c, &bob(), "live/inst", CN).unwrap();
    assert_eq!(answer.response, LLNW_RESPONSE_INSTANCE);
    let answer = llnw_answer(&c, &bob(), "live?token=abc", CN).unwrap();
    assert_eq!(answer.response, LLNW_RESPONSE_DEFINST);
}

#[test]
fn llnw_challenge_without_nonce_cannot_be_answered() {
    let c = challenge("[ authmod=llnw ] : ?reason=needauth&user=bob");
    assert_eq!(
        llnw_answer(&c, &bob(), "live", CN),
        Err("it has no nonce".into())
    );
}

#[test]
fn user_query_percent_encodes_all_but_unreserved_characters() {
    assert_eq!(user_query(Scheme::Adobe, "bob"), "authmod=adobe&user=bob");
    assert_eq!(
        user_query(Scheme::Limelight, "Jo.e_-~ &=?%é"),
        "authmod=llnw&user=Jo.e_-~%20%26%3D%3F%25%C3%A9"
    );
}

#[test]
fn with_query_starts_a_query_or_joins_the_one_there() {
    assert_eq!(with_query("live", "a=1"), "live?a=1");
    assert_eq!(with_query("live?token=x", "a=1"), "live?token=x&a=1");
    assert_eq!(
        with_query("rtmp://h:1935/live", "a=1"),
        "rtmp://h:1935/live?a=1"
    );
}

// ---------------------------------------------------------------------------------------------
// reading descriptions

#[test]
fn the_first_refusals_of_wowza_and_limelight_ask_for_the_user() {
    assert_eq!(
        parse_refusal(WOWZA_NEED_AUTH),
        Refusal::NeedAuth {
            scheme: Scheme::Adobe
        }
    );
    assert_eq!(
        parse_refusal(LLNW_NEED_AUTH),
        Refusal::NeedAuth {
            scheme: Scheme::Limelight
        }
    );
    // Red5's FMS authentication plugin.
    assert_eq!(
        parse_refusal("[ code=403 .need auth; authmod=adobe ]"),
        Refusal::NeedAuth {
            scheme: Scheme::Adobe
        }
    );
}

#[test]
fn an_adobe_challenge_gives_user_salt_challenge_and_opaque() {
    assert_eq!(
        parse_refusal(ADOBE_CHALLENGE),
        Refusal::Challenge(Challenge {
            scheme: Scheme::Adobe,
            user: Some("bob".into()),
            salt: Some("Kx9sAA==".into()),
            challenge: Some("4lmAAA==".into()),
            opaque: Some("vgoAAA==".into()),
            nonce: None,
        })
    );
}

#[test]
fn a_limelight_challenge_gives_user_and_nonce() {
    let c = challenge(LLNW_CHALLENGE);
    assert_eq!(c.scheme, Scheme::Limelight);
    assert_eq!(c.user.as_deref(), Some("bob"));
    assert_eq!(c.nonce.as_deref(), Some("MTIzNDU2Nzg5"));
    assert_eq!(c.salt, None);
}

#[test]
fn authfailed_and_nosuchuser_are_read_for_both_schemes() {
    assert_eq!(
        parse_refusal(ADOBE_AUTHFAILED),
        Refusal::AuthFailed {
            scheme: Scheme::Adobe
        }
    );
    assert_eq!(
        parse_refusal(ADOBE_NOSUCHUSER),
        Refusal::NoSuchUser {
            scheme: Scheme::Adobe
        }
    );
    // librtmp matches Limelight's refusal as "?reason=authfail".
    assert_eq!(
        parse_refusal("[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=authfail"),
        Refusal::AuthFailed {
            scheme: Scheme::Limelight
        }
    );
    assert_eq!(
        parse_refusal("[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=nosuchuser"),
        Refusal::NoSuchUser {
            scheme: Scheme::Limelight
        }
    );
}

#[test]
fn other_reasons_are_kept_as_safe_tokens() {
    assert_eq!(
        parse_refusal(
            "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=invalid_session_id&opaque=-"
        ),
        Refusal::Other {
            scheme: Scheme::Adobe,
            reason: Some("invalid_session_id".into())
        }
    );
    assert_eq!(
        parse_refusal("[ authmod=adobe ] : ?reason=bad\u{1b}[31mred"),
        Refusal::Other {
            scheme: Scheme::Adobe,
            reason: Some("bad".into())
        }
    );
    assert_eq!(
        parse_refusal("[ AccessManager.Reject ] : [ authmod=adobe ] : "),
        Refusal::Other {
            scheme: Scheme::Adobe,
            reason: None
        }
    );
}

#[test]
fn refusals_without_authmod_are_not_about_authentication() {
    for d in [
        "",
        "[ AccessManager.Reject ] : [ code=400 ] :",
        "Connection refused: code=403 need auth",
        "authmod=",
        "?reason=needauth&user=bob&salt=x",
    ] {
        assert_eq!(parse_refusal(d), Refusal::NotAuth, "{d:?}");
    }
}

#[test]
fn an_unknown_authmod_is_unsupported_and_named_safely() {
    assert_eq!(
        parse_refusal("[ AccessManager.Reject ] : [ code=403 need auth; authmod=akamai ] : "),
        Refusal::Unsupported {
            authmod: "akamai".into()
        }
    );
    assert_eq!(
        parse_refusal("authmod=ev\u{1b}]0;title\u{7}il"),
        Refusal::Unsupported {
            authmod: "ev".into()
        }
    );
    // ffmpeg's strstr would take "adobex" for adobe; a whole name must match.
    assert_eq!(
        parse_refusal("code=403 need auth; authmod=adobex"),
        Refusal::Unsupported {
            authmod: "adobex".into()
        }
    );
    let long = format!("authmod={}", "x".repeat(1000));
    assert_eq!(
        parse_refusal(&long),
        Refusal::Unsupported {
            authmod: "x".repeat(32)
        }
    );
}

#[test]
fn a_known_scheme_wins_over_an_unknown_one_named_first() {
    assert_eq!(
        parse_refusal("authmod=foo; code=403 need auth; authmod=llnw"),
        Refusal::NeedAuth {
            scheme: Scheme::Limelight
        }
    );
}

#[test]
fn repeated_keys_take_the_last_value_and_unknown_or_bare_keys_are_ignored() {
    let c =
        challenge("[ authmod=adobe ] : ?reason=needauth&salt=one&salt=two&x=1&bare&=v&user=bob");
    assert_eq!(c.salt.as_deref(), Some("two"));
    assert_eq!(c.user.as_deref(), Some("bob"));
}

#[test]
fn values_are_kept_verbatim_with_their_percent_encoding_and_equals_signs() {
    let c = challenge("[ authmod=adobe ] : ?reason=needauth&salt=a%2Bb&opaque=x==&challenge=");
    assert_eq!(c.salt.as_deref(), Some("a%2Bb"));
    assert_eq!(c.opaque.as_deref(), Some("x=="));
    assert_eq!(c.challenge.as_deref(), Some(""));
}

#[test]
fn whitespace_ends_the_query() {
    let c = challenge("[ authmod=adobe ] : ?reason=needauth&salt=abc def&opaque=o");
    assert_eq!(c.salt.as_deref(), Some("abc"));
    assert_eq!(c.opaque, None);
}

#[test]
fn an_oversized_or_control_character_value_makes_the_challenge_malformed() {
    let huge = format!(
        "[ authmod=adobe ] : ?reason=needauth&salt={}",
        "s".repeat(MAX_VALUE + 1)
    );
    assert_eq!(
        parse_refusal(&huge),
        Refusal::Malformed {
            scheme: Scheme::Adobe,
            problem: format!("its salt is longer than {MAX_VALUE} bytes")
        }
    );
    let just_fits = format!(
        "[ authmod=adobe ] : ?reason=needauth&salt={}",
        "s".repeat(MAX_VALUE)
    );
    assert!(matches!(parse_refusal(&just_fits), Refusal::Challenge(_)));
    assert!(matches!(
        parse_refusal("[ authmod=llnw ] : ?reason=needauth&nonce=a\u{7f}b"),
        Refusal::Malformed {
            scheme: Scheme::Limelight,
            ..
        }
    ));
}

#[test]
fn only_the_first_max_description_bytes_are_read() {
    let late = format!("{}{WOWZA_NEED_AUTH}", "a".repeat(MAX_DESCRIPTION));
    assert_eq!(parse_refusal(&late), Refusal::NotAuth);
    // A cut inside a multi-byte character neither panics nor reads past the bound.
    let cut = format!("{}é authmod=adobe", "a".repeat(MAX_DESCRIPTION - 1));
    assert_eq!(parse_refusal(&cut), Refusal::NotAuth);
    let early = format!("{WOWZA_NEED_AUTH}{}", "é".repeat(1 << 20));
    assert_eq!(
        parse_refusal(&early),
        Refusal::NeedAuth {
            scheme: Scheme::Adobe
        }
    );
}

// ---------------------------------------------------------------------------------------------
// the flow

#[test]
fn an_adobe_flow_sends_plain_then_the_user_then_the_answer_on_app_and_tc_url() {
    let mut f = flow(Some(bob()));
    assert_eq!(f.attempt(), 1);
    assert_eq!(
        f.connect_names(),
        ConnectNames {
            app: "live".into(),
            tc_url: "rtmp://127.0.0.1:1935/live".into()
        }
    );
    let second = reconnect(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    assert_eq!(f.attempt(), 2);
    assert_eq!(f.scheme(), Some(Scheme::Adobe));
    assert_eq!(
        second,
        ConnectNames {
            app: "live?authmod=adobe&user=bob".into(),
            tc_url: "rtmp://127.0.0.1:1935/live?authmod=adobe&user=bob".into()
        }
    );
    assert_eq!(f.connect_names(), second);
    let third = reconnect(f.on_refusal(ADOBE_CHALLENGE, CC));
    assert_eq!(f.attempt(), 3);
    let query = format!(
        "authmod=adobe&user=bob&challenge=deadbeef&response={ADOBE_RESPONSE_OPAQUE}&opaque=vgoAAA=="
    );
    assert_eq!(third.app, format!("live?{query}"));
    assert_eq!(third.tc_url, format!("rtmp://127.0.0.1:1935/live?{query}"));
}

#[test]
fn a_limelight_flow_answers_with_the_digest_of_the_app() {
    let mut f = AuthFlow::new(Some(bob()), "live", "rtmp://h/live");
    let second = reconnect(f.on_refusal(LLNW_NEED_AUTH, [0; 4]));
    assert_eq!(second.app, "live?authmod=llnw&user=bob");
    let third = reconnect(f.on_refusal(LLNW_CHALLENGE, CN));
    assert_eq!(
        third.tc_url,
        format!("rtmp://h/live?authmod=llnw&user=bob&nonce=MTIzNDU2Nzg5&cnonce=01020304&nc=00000001&response={LLNW_RESPONSE_DEFINST}")
    );
}

#[test]
fn an_app_with_a_query_keeps_it_and_the_auth_query_follows_with_an_ampersand() {
    let mut f = AuthFlow::new(Some(bob()), "live?token=t", "rtmp://h/live?token=t");
    let second = reconnect(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    assert_eq!(second.app, "live?token=t&authmod=adobe&user=bob");
    assert_eq!(
        second.tc_url,
        "rtmp://h/live?token=t&authmod=adobe&user=bob"
    );
}

#[test]
fn a_server_that_challenges_at_once_is_answered_on_the_second_connect() {
    let mut f = flow(Some(bob()));
    let second = reconnect(f.on_refusal(ADOBE_CHALLENGE, CC));
    assert_eq!(f.attempt(), 2);
    assert!(second.app.contains(ADOBE_RESPONSE_OPAQUE), "{second:?}");
}

#[test]
fn without_credentials_the_server_wants_authentication() {
    for (description, scheme) in [
        (WOWZA_NEED_AUTH, "adobe"),
        (LLNW_NEED_AUTH, "llnw"),
        (ADOBE_CHALLENGE, "adobe"),
    ] {
        let mut f = flow(None);
        let fail = failure(f.on_refusal(description, [0; 4]));
        assert_eq!(fail.kind, AuthFailureKind::AuthRequired);
        assert_eq!(
            fail.message,
            format!("the server wants authentication ({scheme}): give a user and password (rtmp://USER:PASSWORD@HOST/..., or --user with --password-file)")
        );
        assert!(f.secrets().is_empty());
    }
}

#[test]
fn a_wrong_password_and_an_unknown_user_fail_with_their_kinds() {
    let mut f = flow(Some(bob()));
    reconnect(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    let fail = failure(f.on_refusal(ADOBE_NOSUCHUSER, [0; 4]));
    assert_eq!(fail.kind, AuthFailureKind::NoSuchUser);
    assert_eq!(fail.kind.as_str(), "no_such_user");
    assert_eq!(fail.message, "authentication failed (adobe): the server does not know the user (reason=nosuchuser); check the user name");

    let mut f = flow(Some(bob()));
    reconnect(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    reconnect(f.on_refusal(ADOBE_CHALLENGE, CC));
    let fail = failure(f.on_refusal(ADOBE_AUTHFAILED, [0; 4]));
    assert_eq!(fail.kind, AuthFailureKind::AuthFailed);
    assert_eq!(fail.scheme, Some(Scheme::Adobe));
    assert_eq!(fail.message, "authentication failed (adobe): the server refused the password (reason=authfailed); check the password");
}

#[test]
fn a_second_challenge_is_never_answered() {
    let mut f = flow(Some(bob()));
    reconnect(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    reconnect(f.on_refusal(ADOBE_CHALLENGE, CC));
    let fail = failure(f.on_refusal(ADOBE_CHALLENGE, CC));
    assert_eq!(fail.kind, AuthFailureKind::AuthFailed);
    assert!(fail.message.contains("challenged again"), "{fail}");
    assert_eq!(f.attempt(), 3);
}

#[test]
fn asking_for_the_user_twice_is_a_failure_not_a_loop() {
    let mut f = flow(Some(bob()));
    reconnect(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    let fail = failure(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    assert_eq!(fail.kind, AuthFailureKind::AuthFailed);
    assert!(fail.message.contains("asked for the user again"), "{fail}");
}

#[test]
fn after_a_failure_the_flow_never_reconnects() {
    let mut f = flow(None);
    failure(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    let mut f2 = flow(Some(bob()));
    failure(f2.on_refusal(ADOBE_NOSUCHUSER, [0; 4]));
    for description in [WOWZA_NEED_AUTH, ADOBE_CHALLENGE, LLNW_CHALLENGE] {
        assert!(matches!(f2.on_refusal(description, CC), Next::Fail(_)));
    }
    assert_eq!(f2.attempt(), 1);
}

#[test]
fn an_ordinary_refusal_is_passed_on_in_any_round() {
    let mut f = flow(Some(bob()));
    assert_eq!(
        f.on_refusal("[ code=400 ] : bad app", [0; 4]),
        Next::NotAuth
    );
    let mut f = flow(Some(bob()));
    reconnect(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    reconnect(f.on_refusal(ADOBE_CHALLENGE, CC));
    assert_eq!(f.on_refusal("Publishing denied", [0; 4]), Next::NotAuth);
}

#[test]
fn unsupported_malformed_and_switched_schemes_fail_with_their_kinds() {
    let mut f = flow(Some(bob()));
    let fail = failure(f.on_refusal("[ code=403 need auth; authmod=akamai ]", [0; 4]));
    assert_eq!(fail.kind, AuthFailureKind::AuthUnsupported);
    assert_eq!(fail.message, "the server wants authentication with authmod=akamai, which rtmp-probe does not speak (it speaks adobe and llnw)");

    let mut f = flow(Some(bob()));
    reconnect(f.on_refusal(LLNW_NEED_AUTH, [0; 4]));
    let fail = failure(f.on_refusal("[ authmod=llnw ] : ?reason=needauth&user=bob", CN));
    assert_eq!(fail.kind, AuthFailureKind::AuthMalformed);
    assert_eq!(
        fail.message,
        "the server's llnw challenge cannot be answered: it has no nonce"
    );

    let mut f = flow(Some(bob()));
    reconnect(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    let fail = failure(f.on_refusal(LLNW_CHALLENGE, CN));
    assert_eq!(fail.kind, AuthFailureKind::AuthMalformed);
    assert_eq!(
        fail.message,
        "the server asked for adobe authentication, then for llnw"
    );
}

#[test]
fn secrets_are_the_password_then_the_digest_and_response_and_debug_shows_none() {
    let mut f = flow(Some(bob()));
    assert_eq!(f.secrets(), vec!["s3cret!"]);
    reconnect(f.on_refusal(WOWZA_NEED_AUTH, [0; 4]));
    assert_eq!(f.secrets(), vec!["s3cret!"]);
    reconnect(f.on_refusal(ADOBE_CHALLENGE, CC));
    assert_eq!(
        f.secrets(),
        vec!["s3cret!", ADOBE_DIGEST, ADOBE_RESPONSE_OPAQUE]
    );
    let debug = format!(
        "{f:?} {:?} {:?}",
        bob(),
        adobe_answer(&challenge(ADOBE_CHALLENGE), &bob(), CC)
    );
    for secret in f.secrets() {
        assert!(!debug.contains(secret), "{debug}");
    }

    let mut f = flow(Some(bob()));
    reconnect(f.on_refusal(LLNW_CHALLENGE, CN));
    assert_eq!(
        f.secrets(),
        vec!["s3cret!", LLNW_HA1, LLNW_RESPONSE_DEFINST]
    );
}

#[test]
fn failure_kinds_have_stable_names() {
    let names: Vec<_> = AuthFailureKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "auth_required",
            "auth_failed",
            "no_such_user",
            "auth_unsupported",
            "auth_malformed"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// properties

fn arb_description() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(WOWZA_NEED_AUTH.to_string()),
        Just(LLNW_NEED_AUTH.to_string()),
        Just(ADOBE_CHALLENGE.to_string()),
        Just(LLNW_CHALLENGE.to_string()),
        Just(ADOBE_AUTHFAILED.to_string()),
        Just(ADOBE_NOSUCHUSER.to_string()),
        Just("[ authmod=llnw ] : ?reason=needauth&user=bob".to_string()),
        Just("[ code=400 ]".to_string()),
        "(authmod=(adobe|llnw|x)|\\?reason=(needauth|authfailed|nosuchuser|z)|&(user|salt|challenge|opaque|nonce)=[a-z=%]{0,6}|code=403|[ -~]{0,8}|.{0,4}){0,12}",
    ]
}

proptest! {
    #[test]
    fn parsing_never_panics_on_any_text(text in ".{0,600}") {
        let _ = parse_refusal(&text);
    }

    #[test]
    fn parsing_never_panics_on_auth_like_text(text in arb_description()) {
        let _ = parse_refusal(&text);
    }

    /// Whatever the server says, in whatever order, a flow asks for two reconnects at most,
    /// answers one challenge at most, and once it stops it stays stopped.
    #[test]
    fn a_flow_never_loops(descriptions in proptest::collection::vec(arb_description(), 1..8), with_credentials in any::<bool>()) {
        let mut f = flow(with_credentials.then(bob));
        let mut reconnects = 0;
        let mut stopped = false;
        for d in &descriptions {
            match f.on_refusal(d, CC) {
                Next::Reconnect(names) => {
                    prop_assert!(!stopped);
                    prop_assert!(with_credentials);
                    reconnects += 1;
                    prop_assert_eq!(names, f.connect_names());
                }
                Next::Fail(_) | Next::NotAuth => stopped = true,
            }
        }
        prop_assert!(reconnects <= 2);
        prop_assert_eq!(usize::from(f.attempt()), 1 + reconnects);
    }
}
