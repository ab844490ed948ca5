//! The probe under faults and hostile servers: it never hangs, never lies, never blows up.
//!
//! Every test runs the built binary against a server scripted in `support::script` that misbehaves
//! on purpose, and checks the state, the step and the error kind of the JSON report, the time the
//! whole run took, and that the summary is one line an operator can read (step, peer, cause; no
//! Rust debug formatting, no "os error").

use crate::support::fake::HANDSHAKE_SIZE;
use crate::support::probe::{self, ProbeOutput};
use crate::support::report;
use crate::support::script::{
    self, abort_by_hand, chunks_by_hand, connect_result, create_stream_result, error_reply,
    on_status, plain_s1, serve, serve_n, set_chunk_size_by_hand, Conn, Extended, Served,
    CSID_NGINX_STATUS,
};
use rtmp_probe::protocol::amf0::Value;
use rtmp_probe::protocol::message::{LimitType, Message, UserControl};
use serde_json::Value as Json;
use std::io;
use std::time::Duration;

/// The overall timeout of the runs that are meant to time out.
const TIMEOUT: &str = "1s";
const TIMEOUT_DURATION: Duration = Duration::from_secs(1);
/// The stream name the probe publishes (masked in every output: a name that is not an English
/// word, so that masking does not eat the words of a message).
const STREAM: &str = "qx7-stream";
/// How much later than its timeout a run may end: the bound the probe promises.
const SLACK: Duration = Duration::from_millis(250);

// ---------------------------------------------------------------------------------------------
// helpers

/// Runs the probe with `--format json` and the arguments, and parses (and validates) the report.
fn run_json(args: &[&str]) -> (ProbeOutput, Json) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = probe::run(&all);
    let r = report::parse_valid(&out.stdout);
    // For the table of faults in the issue notes (shown with --nocapture).
    eprintln!(
        "FAULT {} | {} | {} | {} | {} ms | elapsed {} ms | {}",
        std::thread::current().name().unwrap_or("?"),
        r["status"].as_str().unwrap_or("?"),
        r["error"]["step"].as_str().unwrap_or("-"),
        r["error"]["kind"].as_str().unwrap_or("-"),
        r["total_ms"],
        out.elapsed.as_millis(),
        r["summary"].as_str().unwrap_or("?")
    );
    (out, r)
}

/// Runs the probe against a scripted server with `-t 1s` and returns the output and the report.
fn run_against(served: &Served, extra: &[&str]) -> (ProbeOutput, Json) {
    let url = served.url("live", STREAM);
    let mut args = vec!["-t", TIMEOUT];
    args.extend_from_slice(extra);
    args.push(&url);
    run_json(&args)
}

/// What the summary says before the peer, for a failure at `step`.
fn step_phrase(step: &str) -> &'static str {
    match step {
        "dns" => "DNS lookup for",
        "tcp_connect" => "TCP connection to",
        "handshake" => "handshake with",
        "connect" => "connect to",
        "create_stream" => "createStream on",
        "publish" | "verify" => "publish to",
        "unpublish" => "unpublish on",
        other => panic!("no such step {other}"),
    }
}

/// Text an operator reads: one line, no Rust debug formatting, no OS error numbers, no panic.
fn assert_operator_text(text: &str) {
    assert!(!text.is_empty());
    assert!(!text.contains(['\n', '\r']), "more than one line: {text:?}");
    for bad in [
        "os error",
        "Os {",
        "Custom {",
        "kind:",
        "Kind(",
        "Some(",
        "None",
        "Error {",
        "::",
        "panicked",
        "backtrace",
        "internal error",
    ] {
        assert!(!text.contains(bad), "{bad:?} in {text:?}");
    }
}

/// Checks a CRITICAL failure at `step` with error kind `kind`, whose summary names the step, the
/// peer and the cause on one line. Returns the error message.
fn assert_critical(out: &ProbeOutput, r: &Json, port: u16, step: &str, kind: &str) -> String {
    assert_eq!(out.code, 2, "{out}");
    assert_eq!(r["status"], "CRITICAL", "{out}");
    assert_eq!(r["error"]["step"], step, "{out}");
    assert_eq!(r["error"]["kind"], kind, "{out}");
    let summary = r["summary"].as_str().expect("summary");
    let prefix = format!("{} 127.0.0.1:{port} ", step_phrase(step));
    assert!(
        summary.starts_with(&prefix),
        "{summary:?} should start with {prefix:?}"
    );
    assert_operator_text(summary);
    let message = r["error"]["message"].as_str().expect("message").to_string();
    assert_operator_text(&message);
    assert!(
        summary.ends_with(&message),
        "{summary:?} ends with the cause {message:?}"
    );
    message
}

/// Checks that the run ended within the timeout and its slack.
fn assert_on_time(out: &ProbeOutput, timeout: Duration) {
    assert!(
        out.elapsed <= timeout + SLACK,
        "took {:?}, more than {timeout:?} + {SLACK:?}: {out}",
        out.elapsed
    );
}

/// A timeout at `step` after the 1 s timeout, on time, waiting for what `waiting_for` says.
fn assert_timed_out(served: Served, step: &str, waiting_for: &str) {
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), step, "timeout");
    assert_on_time(&out, TIMEOUT_DURATION);
    assert!(
        out.elapsed >= TIMEOUT_DURATION,
        "ended before its timeout: {out}"
    );
    assert_eq!(
        message,
        format!("timed out after 1s (--timeout) waiting for {waiting_for}"),
        "{out}"
    );
    served.finish_one();
}

/// Checks an OK run, and returns its report.
fn assert_ok(out: &ProbeOutput, r: &Json) {
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(r["status"], "OK", "{out}");
    assert_eq!(r["error"], Json::Null, "{out}");
    let steps = report::step_names(r);
    assert_eq!(steps, report::PUBLISH_STEPS, "{out}");
    for s in r["steps"].as_array().expect("steps") {
        assert_eq!(s["ok"], true, "{s} in {out}");
    }
}

fn notes(r: &Json) -> Vec<String> {
    r["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

/// Waits for connect and returns its transaction id.
fn connect_tx(c: &mut Conn) -> io::Result<f64> {
    Ok(c.wait_command("connect")?.transaction_id)
}

/// The AMF0 body of nginx-rtmp's connect `_result`.
fn connect_result_body() -> Vec<u8> {
    script::command_body(&connect_result(1.0))
}

// ---------------------------------------------------------------------------------------------
// time: the run ends within --timeout + 250 ms whatever the server does

#[test]
fn a_port_whose_syns_go_unanswered_times_out_at_tcp_connect() {
    let (_listener, _fillers, port) = crate::support::unanswering_port();
    let url = format!("rtmp://127.0.0.1:{port}/live/{STREAM}");
    let (out, r) = run_json(&["-t", TIMEOUT, &url]);
    let message = assert_critical(&out, &r, port, "tcp_connect", "timeout");
    assert_on_time(&out, TIMEOUT_DURATION);
    assert!(
        out.elapsed >= TIMEOUT_DURATION,
        "ended before its timeout: {out}"
    );
    assert_eq!(
        message, "timed out after 1s (--timeout) waiting for the TCP connection",
        "{out}"
    );
}

#[test]
fn a_server_that_accepts_and_stays_silent_times_out_in_the_handshake() {
    let served = serve(|c| {
        c.read_c0_c1()?;
        c.hold()
    });
    assert_timed_out(served, "handshake", "the server's S0");
}

#[test]
fn a_handshake_trickled_one_byte_every_50_ms_cannot_stretch_the_deadline() {
    let served = serve(|c| {
        c.read_c0_c1()?;
        let mut reply = vec![3u8];
        reply.extend_from_slice(&plain_s1());
        reply.extend_from_slice(&c.c1.clone());
        c.trickle(&reply, 1, Duration::from_millis(50))
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "handshake", "timeout");
    assert_on_time(&out, TIMEOUT_DURATION);
    // 1 s at one byte per 50 ms: S0 and about 19 bytes of S1.
    assert!(
        message.starts_with("timed out after 1s (--timeout) waiting for the rest of S1 ("),
        "{message}"
    );
    assert!(message.ends_with(" of 1536 bytes received)"), "{message}");
    served.finish_one();
}

#[test]
fn a_server_that_never_answers_connect_times_out_at_connect() {
    let served = serve(|c| {
        c.handshake()?;
        c.wait_command("connect")?;
        c.hold()
    });
    assert_timed_out(served, "connect", "the reply to connect");
}

#[test]
fn a_server_that_never_answers_create_stream_times_out_at_create_stream() {
    let served = serve(|c| {
        c.handshake()?;
        c.serve_connect()?;
        c.wait_command("createStream")?;
        c.hold()
    });
    assert_timed_out(served, "create_stream", "the reply to createStream");
}

#[test]
fn a_server_that_never_answers_publish_times_out_at_publish() {
    let served = serve(|c| {
        c.handshake()?;
        c.serve_connect()?;
        c.serve_create_stream()?;
        c.wait_command("publish")?;
        c.hold()
    });
    assert_timed_out(served, "publish", "NetStream.Publish.Start");
}

#[test]
fn a_large_message_announced_and_trickled_cannot_stretch_the_deadline() {
    // 60,000 bytes (under the 64 KiB maximum) announced on the command chunk stream, then 100
    // bytes every 10 ms: the reads never stop, the deadline must still hold.
    let served = serve(|c| {
        c.handshake()?;
        c.wait_command("connect")?;
        c.write(&set_chunk_size_by_hand(0x7fff_ffff))?;
        let payload = vec![0u8; 60_000];
        let chunk = chunks_by_hand(3, 0, 20, 0, &payload, 1 << 20, Extended::Repeat).concat();
        c.write(&chunk[..12])?;
        c.trickle(&chunk[12..], 100, Duration::from_millis(10))
    });
    assert_timed_out(served, "connect", "the reply to connect");
}

#[test]
fn a_flood_of_audio_messages_ends_in_a_timeout_on_time() {
    // Audio messages of 4000 bytes in a loop, as fast as the probe takes them, until it closes.
    let served = serve(|c| {
        c.handshake()?;
        c.wait_command("connect")?;
        c.write(&set_chunk_size_by_hand(4096))?;
        let payload = vec![0xAFu8; 4000];
        c.write(&chunks_by_hand(4, 0, 8, 1, &payload, 4096, Extended::Repeat).concat())?;
        // fmt 3 chunks that each start a new message of the same length, type and stream.
        let mut block = Vec::new();
        for _ in 0..16 {
            block.push(0xc4);
            block.extend_from_slice(&payload);
        }
        loop {
            c.write(&block)?;
        }
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "connect", "timeout");
    assert_on_time(&out, TIMEOUT_DURATION);
    assert_eq!(
        message,
        "timed out after 1s (--timeout) waiting for the reply to connect"
    );
    let t = served.finish_one();
    assert!(
        t.sent_after_handshake > 1_000_000,
        "a flood, not a trickle: {} bytes",
        t.sent_after_handshake
    );
    assert!(
        notes(&r)
            .iter()
            .any(|n| n.contains("media or data messages")),
        "{out}"
    );
}

#[test]
fn a_step_timeout_names_the_step_that_hung_before_the_overall_timeout() {
    let served = serve(|c| {
        c.handshake()?;
        c.serve_connect()?;
        c.wait_command("createStream")?;
        c.hold()
    });
    let url = served.url("live", STREAM);
    let (out, r) = run_json(&["-t", "5s", "--step-timeout", "300ms", &url]);
    let message = assert_critical(&out, &r, served.port(), "create_stream", "timeout");
    assert_eq!(
        message,
        "timed out after 300ms (--step-timeout) waiting for the reply to createStream"
    );
    let step = &r["steps"][4];
    assert_eq!(step["name"], "create_stream");
    let ms = step["duration_ms"].as_f64().expect("duration");
    assert!((300.0..300.0 + 250.0).contains(&ms), "{ms} ms: {out}");
    assert!(out.elapsed < Duration::from_secs(1), "{out}");
    served.finish_one();
}

#[test]
fn a_teardown_that_is_never_confirmed_ends_with_the_overall_timeout_and_stays_ok() {
    let served = serve(|c| {
        c.handshake()?;
        c.serve_connect()?;
        c.serve_create_stream()?;
        c.serve_publish()?;
        c.serve_verify()?;
        c.wait_command("deleteStream")?;
        c.hold()
    });
    let (out, r) = run_against(&served, &["--teardown-wait", "10s"]);
    assert_eq!(out.code, 0, "the publish worked: {out}");
    assert_on_time(&out, TIMEOUT_DURATION);
    let unpublish = &r["steps"][7];
    assert_eq!(unpublish["name"], "unpublish");
    assert_eq!(unpublish["ok"], false, "not confirmed: {out}");
    assert!(
        notes(&r).contains(
            &"teardown not confirmed: timed out after 1s (--timeout) waiting for \
              NetStream.Unpublish.Success"
                .to_string()
        ),
        "{out}"
    );
    served.finish_one();
}

#[test]
fn durations_too_large_for_a_deadline_do_not_overflow_it() {
    // `Instant + 2^64-1 s` overflows: each of these used to panic (UNKNOWN) before the session ran.
    let served = serve(|c| c.serve_session());
    let url = served.url("live", STREAM);
    let huge = "18446744073709551615s";
    let (out, r) = run_json(&[
        "-t",
        huge,
        "--step-timeout",
        huge,
        "--settle",
        huge,
        "--teardown-wait",
        huge,
        &url,
    ]);
    assert_ok(&out, &r);
    served.finish_one();
}

// ---------------------------------------------------------------------------------------------
// classification: CRITICAL with a precise kind

/// How a scripted server ends the connection.
#[derive(Debug, Clone, Copy)]
enum End {
    Fin,
    Rst,
}

fn end(c: &mut Conn, how: End) -> io::Result<()> {
    match how {
        End::Fin => c.close(),
        End::Rst => c.reset(),
    }
}

#[test]
fn a_connection_closed_or_reset_at_each_step_is_critical_with_that_step() {
    type Until = fn(&mut Conn) -> io::Result<()>;
    let cases: [(&str, Until, End, &str, &str); 9] = [
        (
            "handshake",
            |c| c.read_c0_c1().map(drop),
            End::Fin,
            "closed",
            "the server closed the connection without answering the handshake",
        ),
        (
            "handshake",
            |c| c.read_c0_c1().map(drop),
            End::Rst,
            "reset",
            "the connection was reset by the server",
        ),
        (
            "connect",
            |c| {
                c.handshake()?;
                c.wait_command("connect").map(drop)
            },
            End::Fin,
            "closed",
            "the server closed the connection without answering connect (nginx-rtmp does this \
             when the application \"live\" does not exist)",
        ),
        (
            "connect",
            |c| {
                c.handshake()?;
                c.wait_command("connect").map(drop)
            },
            End::Rst,
            "reset",
            "the connection was reset by the server",
        ),
        (
            "connect",
            |c| {
                // Half of the connect reply, then the end.
                c.handshake()?;
                c.wait_command("connect")?;
                let chunks =
                    chunks_by_hand(3, 0, 20, 0, &connect_result_body(), 128, Extended::Repeat);
                c.write(&chunks[0])
            },
            End::Fin,
            "reset",
            "the server closed the connection in the middle of a message",
        ),
        (
            "create_stream",
            |c| {
                c.handshake()?;
                c.serve_connect()?;
                c.wait_command("createStream").map(drop)
            },
            End::Fin,
            "closed",
            "the server closed the connection without answering createStream",
        ),
        (
            "create_stream",
            |c| {
                c.handshake()?;
                c.serve_connect()?;
                c.wait_command("createStream").map(drop)
            },
            End::Rst,
            "reset",
            "the connection was reset by the server",
        ),
        (
            "publish",
            |c| {
                c.handshake()?;
                c.serve_connect()?;
                c.serve_create_stream()?;
                c.wait_command("publish").map(drop)
            },
            End::Fin,
            "closed",
            "the server closed the connection without a status for publish (nginx-rtmp does \
             this when its on_publish callback refuses the stream key)",
        ),
        (
            "publish",
            |c| {
                c.handshake()?;
                c.serve_connect()?;
                c.serve_create_stream()?;
                c.wait_command("publish").map(drop)
            },
            End::Rst,
            "reset",
            "the connection was reset by the server",
        ),
    ];
    for (step, until, how, kind, expected) in cases {
        let served = serve(move |c| {
            until(c)?;
            end(c, how)
        });
        let (out, r) = run_against(&served, &[]);
        let message = assert_critical(&out, &r, served.port(), step, kind);
        assert_eq!(message, expected, "{step} {how:?}: {out}");
        assert!(out.elapsed < TIMEOUT_DURATION, "{step} {how:?}: {out}");
        served.finish_one();
    }
}

#[test]
fn a_server_that_confirms_the_publish_and_then_drops_it_is_critical_at_verify() {
    let served = serve(|c| {
        c.handshake()?;
        c.serve_connect()?;
        c.serve_create_stream()?;
        c.serve_publish()?;
        c.close()
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "verify", "dropped_after_publish");
    assert!(
        message.contains("NetStream.Publish.Start, then dropped"),
        "{message}"
    );
    served.finish_one();
}

#[test]
fn an_s0_asking_for_rtmpe_or_not_rtmp_at_all_is_a_handshake_error() {
    let served = serve(|c| {
        c.read_c0_c1()?;
        let mut reply = vec![6u8];
        reply.extend_from_slice(&plain_s1());
        c.write(&reply)?;
        c.hold()
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "handshake", "handshake_encrypted");
    assert_eq!(
        message,
        "server asked for RTMPE (S0 version 6), which this probe does not speak"
    );
    served.finish_one();

    let served = serve(|c| {
        c.read_c0_c1()?;
        c.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")?;
        c.close()
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "handshake", "handshake_version");
    assert_eq!(
        message,
        "bad S0 version 72 (0x48, 'H': the peer looks like an HTTP server, not an RTMP one), \
         expected 3"
    );
    served.finish_one();
}

#[test]
fn s1_or_s2_cut_short_is_a_truncated_handshake() {
    let served = serve(|c| {
        c.read_c0_c1()?;
        let mut reply = vec![3u8];
        reply.extend_from_slice(&plain_s1()[..200]);
        c.write(&reply)?;
        c.close()
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "handshake", "handshake_truncated");
    assert_eq!(
        message,
        "the server closed the connection in the middle of the handshake \
         (S1 truncated: 200 of 1536 bytes)"
    );
    served.finish_one();

    let served = serve(|c| {
        c.read_c0_c1()?;
        let mut reply = vec![3u8];
        reply.extend_from_slice(&plain_s1());
        reply.extend_from_slice(&c.c1.clone()[..100]);
        c.write(&reply)?;
        c.close()
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "handshake", "handshake_truncated");
    assert_eq!(
        message,
        "the server closed the connection in the middle of the handshake \
         (S2 truncated: 100 of 1536 bytes)"
    );
    served.finish_one();
}

#[test]
fn an_s2_that_does_not_echo_c1_is_ok_with_a_note() {
    // See docs/DECISIONS.md: ffmpeg, OBS and librtmp publish regardless, so this is no failure.
    let served = serve(|c| {
        c.read_c0_c1()?;
        c.handshake_reply(3, &plain_s1(), &[0xABu8; HANDSHAKE_SIZE])?;
        c.serve_after_handshake()
    });
    let (out, r) = run_against(&served, &["--handshake", "plain"]);
    assert_ok(&out, &r);
    assert_eq!(r["server"]["handshake"]["s2_echoes_c1"], false);
    assert!(
        notes(&r)
            .iter()
            .any(|n| n.contains("S2 neither echoes our C1")),
        "{out}"
    );
    served.finish_one();
}

#[test]
fn a_connect_refused_with_error_is_rejected_and_quotes_the_servers_description() {
    // What Wowza answers when its ModuleSecureToken refuses a client.
    let served = serve_n(2, |c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.send_nginx_preamble()?;
        c.send_command(
            3,
            0,
            error_reply(
                tx,
                "NetConnection.Connect.Rejected",
                "[ AccessManager.Reject ] : [ code=400 ] :",
            ),
        )?;
        c.close()
    });
    let port = served.port();
    let (out, r) = run_against(&served, &[]);
    assert_critical(&out, &r, port, "connect", "rejected");
    assert_eq!(r["error"]["code"], "NetConnection.Connect.Rejected");
    assert_eq!(
        r["error"]["description"],
        "[ AccessManager.Reject ] : [ code=400 ] :"
    );
    let url = served.url("live", STREAM);
    let out = probe::run(&["-t", TIMEOUT, &url]);
    assert_eq!(out.code, 2, "{out}");
    let line = out.stdout.lines().next().unwrap_or_default();
    let expected = format!(
        "RTMP CRITICAL - connect to 127.0.0.1:{port} rejected: NetConnection.Connect.Rejected \
         \"[ AccessManager.Reject ] : [ code=400 ] :\" | "
    );
    assert!(
        line.starts_with(&expected),
        "{line}\nshould start with\n{expected}"
    );
    assert_eq!(out.stdout.lines().count(), 1, "{out}");
    assert_eq!(served.finish().len(), 2);
}

#[test]
fn create_stream_answered_with_error_is_rejected() {
    let served = serve(|c| {
        c.handshake()?;
        c.serve_connect()?;
        let create = c.wait_command("createStream")?;
        c.send_command(
            3,
            0,
            error_reply(
                create.transaction_id,
                "NetConnection.Call.Failed",
                "too many streams",
            ),
        )?;
        c.hold()
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "create_stream", "rejected");
    assert_eq!(
        message,
        "rejected: NetConnection.Call.Failed \"too many streams\""
    );
    assert_eq!(r["error"]["code"], "NetConnection.Call.Failed");
    served.finish_one();
}

#[test]
fn publish_answered_with_an_error_status_is_rejected_with_the_servers_code() {
    for (code, description) in [
        ("NetStream.Publish.BadName", "Already publishing"),
        ("NetStream.Publish.Denied", "Publishing denied"),
    ] {
        let served = serve(move |c| {
            c.handshake()?;
            c.serve_connect()?;
            c.serve_create_stream()?;
            c.wait_command("publish")?;
            c.send_command(CSID_NGINX_STATUS, 1, on_status("error", code, description))?;
            c.hold()
        });
        let (out, r) = run_against(&served, &[]);
        let message = assert_critical(&out, &r, served.port(), "publish", "rejected");
        assert_eq!(message, format!("rejected: {code} \"{description}\""));
        assert_eq!(r["error"]["code"], code);
        assert_eq!(r["error"]["description"], description);
        served.finish_one();
    }
}

#[test]
fn a_create_stream_result_without_a_stream_id_is_an_unexpected_reply() {
    let served = serve(|c| {
        c.handshake()?;
        c.serve_connect()?;
        let create = c.wait_command("createStream")?;
        let reply = rtmp_probe::protocol::command::Command::new(
            "_result",
            create.transaction_id,
            Value::Null,
            vec![Value::String("one".into())],
        );
        c.send_command(3, 0, reply)?;
        c.hold()
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "create_stream", "unexpected_reply");
    assert_eq!(message, "createStream's _result carries no valid stream id");
    served.finish_one();
}

#[test]
fn malformed_amf0_in_the_connect_reply_is_a_malformed_reply() {
    let served = serve(|c| {
        c.handshake()?;
        c.wait_command("connect")?;
        // The reply cut in the middle of its last object.
        let body = connect_result_body();
        let cut = &body[..body.len() - 20];
        c.write(&chunks_by_hand(3, 0, 20, 0, cut, 128, Extended::Repeat).concat())?;
        c.hold()
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "connect", "malformed_reply");
    assert_eq!(
        message,
        "malformed reply: invalid AMF0 in a command (AMF0 property name length 14 at offset 162 \
         exceeds the 6 bytes left)"
    );
    served.finish_one();
}

#[test]
fn chunk_stream_violations_are_protocol_violations() {
    type Violation = fn(&mut Conn) -> io::Result<()>;
    let cases: [(Violation, &str); 2] = [
        (
            // fmt 3 on chunk stream 7, which never had a header.
            |c| c.write(&[0xc7, 1, 2, 3, 4]),
            "protocol violation: chunk header refers to chunk stream 7, which has no previous header",
        ),
        (
            |c| c.write(&set_chunk_size_by_hand(0)),
            "protocol violation: peer set the chunk size to 0, outside 1..=2147483647",
        ),
    ];
    for (violation, expected) in cases {
        let served = serve(move |c| {
            c.handshake()?;
            c.wait_command("connect")?;
            violation(c)?;
            c.hold()
        });
        let (out, r) = run_against(&served, &[]);
        let message = assert_critical(&out, &r, served.port(), "connect", "protocol_violation");
        assert_eq!(message, expected);
        served.finish_one();
    }
}

#[test]
fn a_message_over_the_maximum_size_is_refused_and_the_maximum_is_configurable() {
    // nginx-rtmp's connect reply is 190 bytes.
    assert_eq!(connect_result_body().len(), 190);
    let served = serve_n(2, |c| c.serve_session());
    let port = served.port();
    let (out, r) = run_against(&served, &["--max-message-size", "189"]);
    let message = assert_critical(&out, &r, port, "connect", "message_too_large");
    assert_eq!(
        message,
        "the server announced a message of 190 bytes on chunk stream 3, more than \
         --max-message-size (189 bytes)"
    );
    let (out, r) = run_against(&served, &["--max-message-size", "190"]);
    assert_ok(&out, &r);
    served.finish();
}

#[test]
fn a_16_mib_command_is_refused_under_the_default_maximum() {
    let served = serve(|c| {
        c.handshake()?;
        c.wait_command("connect")?;
        c.write(&set_chunk_size_by_hand(0x7fff_ffff))?;
        let payload = vec![0x05u8; 0x00ff_ffff];
        c.write(&chunks_by_hand(3, 0, 20, 0, &payload, 1 << 24, Extended::Repeat).concat())?;
        c.hold()
    });
    let (out, r) = run_against(&served, &[]);
    let message = assert_critical(&out, &r, served.port(), "connect", "message_too_large");
    assert_eq!(
        message,
        "the server announced a message of 16777215 bytes on chunk stream 3, more than \
         --max-message-size (65536 bytes)"
    );
    served.finish_one();
}

// ---------------------------------------------------------------------------------------------
// compliance: what real servers do must succeed

#[test]
fn replies_in_one_byte_chunks_are_read() {
    let served = serve(|c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.by_hand(128, Extended::Repeat);
        c.set_chunk_size(1)?;
        c.send_control(Message::WindowAckSize(5_000_000))?;
        c.send_command(3, 0, connect_result(tx))?;
        c.serve_rest_after_connect()
    });
    let (out, r) = run_against(&served, &[]);
    assert_ok(&out, &r);
    assert_eq!(r["server"]["chunk_size"], 1);
    served.finish_one();
}

#[test]
fn extended_timestamps_on_continuation_chunks_are_read_whether_repeated_or_not() {
    for (timestamp, extended) in [
        (0x00ff_ffffu32, Extended::Repeat),
        (0x1234_5678, Extended::Repeat),
        (0x00ff_ffff, Extended::Once),
        (0x1234_5678, Extended::Once),
    ] {
        let served = serve(move |c| {
            c.handshake()?;
            let tx = connect_tx(c)?;
            // 128-byte chunks: the 190-byte reply takes a continuation chunk.
            c.by_hand(128, extended);
            c.timestamp = timestamp;
            c.send_control(Message::WindowAckSize(5_000_000))?;
            c.send_command(3, 0, connect_result(tx))?;
            c.serve_rest_after_connect()
        });
        let (out, r) = run_against(&served, &[]);
        assert_ok(&out, &r);
        assert_eq!(
            r["server"]["fms_ver"], "FMS/3,0,1,123",
            "{timestamp:#x} {extended:?}: {out}"
        );
        served.finish_one();
    }
}

#[test]
fn a_large_data_message_interleaved_with_the_connect_reply_is_skipped_and_the_reply_read() {
    let served = serve(|c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.send_control(Message::WindowAckSize(5_000_000))?;
        // ~100 KB of onMetaData on chunk stream 4, chunk by chunk with the reply on 3.
        let mut metadata = Vec::new();
        for i in 0..10 {
            metadata.push((format!("field{i}"), Value::String("x".repeat(10_000))));
        }
        let data = Message::Data {
            amf3: false,
            values: vec![
                Value::String("onMetaData".into()),
                Value::EcmaArray {
                    count: 10,
                    properties: metadata,
                },
            ],
        }
        .into_raw(4, 0, 0)
        .payload;
        assert!(data.len() > 100_000);
        let data = chunks_by_hand(4, 0, 18, 0, &data, 128, Extended::Repeat);
        let reply = chunks_by_hand(
            3,
            0,
            20,
            0,
            &script::command_body(&connect_result(tx)),
            128,
            Extended::Repeat,
        );
        let mut bytes = Vec::new();
        for (i, chunk) in data.iter().enumerate() {
            bytes.extend_from_slice(chunk);
            match i {
                0 => bytes.extend_from_slice(&reply[0]),
                400 => bytes.extend_from_slice(&reply[1]),
                _ => {}
            }
        }
        c.write(&bytes)?;
        c.serve_rest_after_connect()
    });
    let (out, r) = run_against(&served, &[]);
    assert_ok(&out, &r);
    assert_eq!(r["server"]["fms_ver"], "FMS/3,0,1,123");
    assert!(
        notes(&r)
            .iter()
            .any(|n| n.starts_with("the server sent 1 media or data message (")),
        "{out}"
    );
    served.finish_one();
}

#[test]
fn an_abort_message_discards_the_partial_message_it_names() {
    // A 190-byte message starts on chunk stream 3 with junk, is aborted, and the real reply
    // follows in fmt 3 chunks: had the abort been ignored, those would complete the junk.
    let served = serve(|c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.send_control(Message::WindowAckSize(5_000_000))?;
        let body = script::command_body(&connect_result(tx));
        let junk = vec![0xFFu8; body.len()];
        let mut bytes = chunks_by_hand(3, 0, 20, 0, &junk, 128, Extended::Repeat).swap_remove(0);
        bytes.extend_from_slice(&abort_by_hand(3));
        bytes.push(0xc3);
        bytes.extend_from_slice(&body[..128]);
        bytes.push(0xc3);
        bytes.extend_from_slice(&body[128..]);
        c.write(&bytes)?;
        c.serve_rest_after_connect()
    });
    let (out, r) = run_against(&served, &[]);
    assert_ok(&out, &r);
    served.finish_one();
}

#[test]
fn a_connect_reply_sent_as_an_amf3_command_is_read() {
    let served = serve(|c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.send_nginx_preamble()?;
        c.send(
            3,
            0,
            Message::Command {
                amf3: true,
                command: connect_result(tx),
            },
        )?;
        c.serve_rest_after_connect()
    });
    let (out, r) = run_against(&served, &[]);
    assert_ok(&out, &r);
    assert_eq!(r["server"]["fms_ver"], "FMS/3,0,1,123");
    served.finish_one();
}

#[test]
fn a_ping_request_before_the_reply_is_answered_with_its_timestamp() {
    let served = serve(|c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.send_control(Message::UserControl(UserControl::PingRequest(0x1234_5678)))?;
        let answered = c.wait_for(|m| match m {
            Message::UserControl(UserControl::PingResponse(t)) => Some(*t),
            _ => None,
        })?;
        assert_eq!(answered, 0x1234_5678);
        c.send_nginx_preamble()?;
        c.send_command(3, 0, connect_result(tx))?;
        c.serve_rest_after_connect()
    });
    let (out, r) = run_against(&served, &[]);
    assert_ok(&out, &r);
    assert_eq!(r["server"]["pings_answered"], 1);
    let t = served.finish_one();
    assert_eq!(t.ping_responses(), [0x1234_5678]);
    assert_eq!(t.error, None);
}

#[test]
fn a_small_acknowledgement_window_gets_acknowledgements_with_exact_sequence_numbers() {
    // Window 1000: the script pads what it sends to exactly 1000 and then 2000 bytes, and waits
    // for each Acknowledgement before going on. Both come before the connect reply: once the
    // probe has it, it sends createStream at once, which waiting for an acknowledgement would
    // skip over.
    fn pad_to(c: &mut Conn, total: u64) -> io::Result<()> {
        let payload = total - c.sent_after_handshake - 12;
        let payload = vec![0u8; usize::try_from(payload).expect("small")];
        c.write(&chunks_by_hand(4, 0, 8, 1, &payload, 4096, Extended::Repeat).concat())
    }
    fn wait_ack(c: &mut Conn) -> io::Result<u32> {
        c.wait_for(|m| match m {
            Message::Acknowledgement { sequence } => Some(*sequence),
            _ => None,
        })
    }
    let served = serve(|c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.set_chunk_size(4096)?;
        c.send_control(Message::WindowAckSize(1000))?;
        pad_to(c, 1000)?;
        assert_eq!(wait_ack(c)?, 1000);
        pad_to(c, 2000)?;
        assert_eq!(wait_ack(c)?, 2000);
        c.send_command(3, 0, connect_result(tx))?;
        c.serve_rest_after_connect()
    });
    let (out, r) = run_against(&served, &[]);
    assert_ok(&out, &r);
    assert_eq!(r["server"]["window_ack_size"], 1000);
    let t = served.finish_one();
    assert_eq!(t.error, None);
    assert!(t.sent_after_handshake < 3000, "{}", t.sent_after_handshake);
    assert_eq!(t.acknowledgements(), [1000, 2000]);
    assert_eq!(r["server"]["acknowledgements_sent"], 2);
}

#[test]
fn the_largest_chunk_size_and_a_4_mib_audio_message_are_taken_in_stride() {
    let served = serve(|c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.set_chunk_size(0x7fff_ffff)?;
        c.send(4, 1, Message::Audio(vec![0xAF; 4 << 20].into()))?;
        c.send_control(Message::WindowAckSize(5_000_000))?;
        c.send_command(3, 0, connect_result(tx))?;
        c.serve_rest_after_connect()
    });
    let (out, r) = run_against(&served, &[]);
    assert_ok(&out, &r);
    assert_eq!(r["server"]["chunk_size"], 0x7fff_ffff);
    assert!(
        notes(&r).contains(
            &"the server sent 1 media or data message (4194304 bytes) to a publishing client; \
              they were skipped unread"
                .to_string()
        ),
        "{out}"
    );
    served.finish_one();
}

#[test]
fn create_stream_result_is_matched_by_transaction_id() {
    // A stray _result for another transaction before the real one must not be taken for it.
    let served = serve(|c| {
        c.handshake()?;
        c.serve_connect()?;
        let create = c.wait_command("createStream")?;
        c.send_command(3, 0, create_stream_result(99.0, 7.0))?;
        c.send_command(3, 0, create_stream_result(create.transaction_id, 1.0))?;
        c.serve_publish()?;
        c.serve_verify()?;
        c.serve_unpublish()
    });
    let (out, r) = run_against(&served, &[]);
    assert_ok(&out, &r);
    assert_eq!(r["server"]["stream_id"], 1);
    served.finish_one();
}

// ---------------------------------------------------------------------------------------------
// panics

/// Set in the environment of the child process of the panic test.
const PANIC_CHILD: &str = "RTMP_PROBE_FAULTS_PANIC_CHILD";

#[test]
fn a_panic_becomes_one_unknown_line_and_exit_code_3() {
    // No input makes the probe panic (that is the point), so the hook the binary installs
    // (`rtmp_probe::panic_hook::install`, the first thing `main` does) is proven in a child
    // process of this test binary: the child installs it and panics.
    if std::env::var_os(PANIC_CHILD).is_some() {
        rtmp_probe::panic_hook::install();
        panic!("scripted panic\nsecond line");
    }
    let me = std::env::current_exe().expect("the test binary");
    let out = probe::run_program(
        me,
        &[
            "--exact",
            "faults::a_panic_becomes_one_unknown_line_and_exit_code_3",
            "--nocapture",
            "--quiet",
            "--test-threads",
            "1",
        ],
        &[(PANIC_CHILD, "1")],
        Duration::from_secs(30),
    );
    assert_eq!(out.signal, None, "{out}");
    assert_eq!(out.code, 3, "{out}");
    // libtest's own lines surround it; the hook writes exactly one line of its own.
    assert_eq!(out.stdout.matches("RTMP ").count(), 1, "{out}");
    assert!(
        out.stdout.contains(
            "RTMP UNKNOWN - internal error: scripted panic (please report this as a bug)\n"
        ),
        "{out}"
    );
    assert!(!out.stderr.contains("panicked at"), "{out}");
}

#[test]
fn a_connect_reply_on_a_chunk_stream_opened_with_a_type_1_header_is_read_with_a_note() {
    // ffmpeg and OBS read a fmt 1 header opening a chunk stream as message stream 0; so does
    // the probe, with a note for -v.
    let served = serve(|c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.send_nginx_preamble()?;
        let body = script::command_body(&connect_result(tx));
        let mut first = chunks_by_hand(7, 0, 20, 0, &body, 4096, Extended::Repeat).swap_remove(0);
        // fmt 0 -> fmt 1: the basic header's top bits, and no message stream id.
        first[0] = 0x40 | 7;
        first.drain(8..12);
        c.write(&first)?;
        c.serve_rest_after_connect()
    });
    let (out, r) = run_against(&served, &[]);
    assert_ok(&out, &r);
    assert_eq!(r["server"]["fms_ver"], "FMS/3,0,1,123");
    assert!(
        notes(&r)
            .iter()
            .any(|n| n.starts_with("the server opened chunk stream 7 with a type-1 header")),
        "{out}"
    );
    served.finish_one();
}

#[test]
fn set_peer_bandwidth_is_answered_with_a_window_acknowledgement_size_before_the_reply() {
    // A server that holds its connect reply until the client answers Set Peer Bandwidth
    // (RTMP 1.0, 5.4.5), which ffmpeg never does.
    let served = serve(|c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.send_control(Message::SetPeerBandwidth {
            size: 2_500_000,
            limit: LimitType::Hard,
        })?;
        let window = c.wait_for(|m| match m {
            Message::WindowAckSize(size) => Some(*size),
            _ => None,
        })?;
        assert_eq!(window, 2_500_000);
        c.send_command(3, 0, connect_result(tx))?;
        c.serve_rest_after_connect()
    });
    let (out, r) = run_against(&served, &[]);
    assert_ok(&out, &r);
    let t = served.finish_one();
    assert_eq!(t.error, None);
    let windows = t
        .received
        .iter()
        .filter(|m| matches!(m, Message::WindowAckSize(_)))
        .count();
    assert_eq!(windows, 1);
}

// ---------------------------------------------------------------------------------------------
// secrets

/// The bytes of every hex dump in a `--trace` log, one block per dump.
fn dumped_bytes(stderr: &str) -> Vec<Vec<u8>> {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    for line in stderr.lines() {
        let Some(rest) = line.trim_start().strip_prefix("0x") else {
            if line.contains(" bytes") && (line.contains("send ") || line.contains("recv ")) {
                blocks.push(Vec::new());
            }
            continue;
        };
        let mut parts = rest.splitn(3, " : ");
        let (Some(offset), Some(hex)) = (parts.next(), parts.next()) else {
            continue;
        };
        if offset == "0000" {
            blocks.push(Vec::new());
        }
        let bytes = hex
            .split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).expect("a hex byte in the dump"));
        blocks.last_mut().expect("a dump block").extend(bytes);
    }
    blocks
}

#[test]
fn a_stream_key_and_token_longer_than_two_chunks_never_show_in_the_trace() {
    // Both secrets span three 128-byte chunks of the probe's publish, releaseStream... and of the
    // server's status, which repeats them (the server keeps the starting chunk size of 128).
    let key: String = (0..300u32)
        .map(|i| char::from(b'a' + ((i * 7 + i / 26) % 26) as u8))
        .collect();
    let token: String = (0..300u32)
        .map(|i| char::from(b'0' + ((i * 3 + i / 10) % 10) as u8))
        .collect();
    let stream = format!("{key}?token={token}");
    let served = serve(|c| {
        c.handshake()?;
        let tx = connect_tx(c)?;
        c.send_control(Message::WindowAckSize(5_000_000))?;
        c.send_command(3, 0, connect_result(tx))?;
        c.serve_create_stream()?;
        let publish = c.wait_command("publish")?;
        let name = publish.arguments[0]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let start = on_status(
            "status",
            "NetStream.Publish.Start",
            &format!("Publishing {name}."),
        );
        c.send_command(CSID_NGINX_STATUS, 1, start)?;
        c.serve_verify()?;
        c.serve_unpublish()
    });
    let url = served.url("live", &stream);
    let out = probe::run(&["--trace", "-vv", "--format", "json", "-t", "2s", &url]);
    assert_eq!(out.code, 0, "{out}");
    let dumps = dumped_bytes(&out.stderr);
    assert!(
        dumps.len() > 8,
        "the trace shows every read and write: {out}"
    );
    let publish_seen = dumps.iter().any(|d| d.windows(7).any(|w| w == b"publish"));
    assert!(publish_seen, "the publish command is in the trace");
    for secret in [&key, &token] {
        for piece in secret.as_bytes().windows(8) {
            let text = std::str::from_utf8(piece).expect("ascii");
            assert!(!out.stdout.contains(text), "{text} in stdout");
            assert!(!out.stderr.contains(text), "{text} in stderr");
            for d in &dumps {
                assert!(!d.windows(8).any(|w| w == piece), "{text} in a dump");
            }
        }
    }
    served.finish_one();
}
