//! Tests of the session's wording.

use super::*;
use crate::protocol::handshake::{HandshakeInfo, ServerPart};
use crate::session::tests::config;
use std::time::Duration;
use tokio::time::Instant;

fn server(s1_version: [u8; 4], fms_ver: Option<&str>) -> ServerInfo {
    ServerInfo {
        handshake: Some(HandshakeInfo {
            s0_version: 3,
            s1_time: 0,
            s1_version,
            digest_scheme: None,
            s2_echoes_c1: true,
            s2_digest_valid: None,
        }),
        fms_ver: fms_ver.map(str::to_string),
        ..ServerInfo::default()
    }
}

#[test]
fn the_on_publish_hint_is_given_only_when_the_server_is_known_to_be_nginx_rtmp() {
    let cfg = config();
    let hint = "nginx-rtmp does this when its on_publish callback refuses the stream key";
    let nginx = [
        // What nginx-rtmp signs S1 with in the digest handshake, whatever its connect reply.
        server([13, 14, 10, 13], None),
        // A plain handshake (version zero) and nginx-rtmp's fmsVer.
        server([0, 0, 0, 0], Some("FMS/3,0,1,123")),
    ];
    for s in &nginx {
        let text = closed(Step::Publish, &cfg, s);
        assert!(text.contains(hint), "{text} for {s:?}");
    }
    let others = [
        // node-media-server copies nginx-rtmp's connect reply but signs S1 with 1.2.3.4.
        server([1, 2, 3, 4], Some("FMS/3,0,1,123")),
        // Wowza, FMS, SRS... and servers that say nothing about themselves.
        server([0, 0, 0, 0], Some("FMS/3,5,7,7009")),
        server([0, 0, 0, 0], None),
        ServerInfo::default(),
    ];
    for s in &others {
        let text = closed(Step::Publish, &cfg, s);
        assert!(!text.contains("nginx"), "{text} for {s:?}");
        assert_eq!(
            text,
            "the server closed the connection without a status for publish (a server does this \
             when it refuses the stream name or key)"
        );
    }
}

#[test]
fn timeouts_name_the_bound_and_its_option() {
    let d = Deadline {
        at: Instant::now(),
        limit: Duration::from_millis(300),
        option: "--step-timeout",
    };
    assert_eq!(
        timeout(&d, "the reply to createStream"),
        "timed out after 300ms (--step-timeout) waiting for the reply to createStream"
    );
}

#[test]
fn server_text_is_quoted_on_one_line_and_kept_otherwise() {
    assert_eq!(quote("a \"b\"\nc\td"), "\"a \\\"b\\\" c d\"");
    assert_eq!(quote("Publishing 日本\\x"), "\"Publishing 日本\\x\"");
    let st = StatusInfo {
        level: "error".into(),
        code: "NetStream.Publish.BadName".into(),
        description: "Already publishing".into(),
    };
    assert_eq!(
        rejected(&st),
        "rejected: NetStream.Publish.BadName \"Already publishing\""
    );
    let bare = StatusInfo {
        description: String::new(),
        ..st
    };
    assert_eq!(rejected(&bare), "rejected: NetStream.Publish.BadName");
    let f = rejection(Step::CreateStream, None, "createStream");
    assert_eq!(f.message, "the server answered createStream with _error");
    assert_eq!(f.kind, FailureKind::Rejected);
}

#[test]
fn the_handshake_says_what_it_waits_for() {
    let p = HandshakeProgress::Awaiting {
        part: ServerPart::S1,
        received: 19,
    };
    assert_eq!(awaiting(p), "the rest of S1 (19 of 1536 bytes received)");
    let p = HandshakeProgress::Awaiting {
        part: ServerPart::S0,
        received: 0,
    };
    assert_eq!(awaiting(p), "the server's S0");
}

#[test]
fn io_errors_lose_the_os_error_number_and_start_in_lower_case() {
    let e = io::Error::from_raw_os_error(111);
    assert_eq!(io_words(&e), "connection refused");
}
