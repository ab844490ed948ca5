//! The publish check end to end, against a real nginx-rtmp started by each test.

use crate::support::fake::FakeServer;
use crate::support::nginx::Nginx;
use crate::support::rtmp::Publisher;
use crate::support::{closed_port, probe, report};
use std::time::Duration;

use crate::support::report::PUBLISH_STEPS;

#[test]
fn a_publish_to_nginx_is_ok_with_every_step_timed_in_the_nagios_line() {
    let nginx = Nginx::start();
    let url = nginx.url("live", "probe-{random}");
    let out = probe::run(&[&url]);
    assert_eq!(out.code, 0, "{out}");
    let line = out.stdout.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("RTMP OK - publish accepted by 127.0.0.1:"),
        "{out}"
    );
    assert_eq!(
        out.stdout.lines().count(),
        1,
        "no long output without -v: {out}"
    );
    let (_, perf) = line.split_once(" | ").expect("perfdata after ' | '");
    for step in PUBLISH_STEPS.iter().chain(["total"].iter()) {
        let item = perf
            .split(' ')
            .find(|i| i.starts_with(&format!("'{step}'=")))
            .unwrap_or_else(|| panic!("no perfdata for {step}: {perf}"));
        let value = item
            .split_once('=')
            .and_then(|(_, v)| v.split(';').next())
            .and_then(|v| v.strip_suffix('s'))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("bad perfdata item {item}"));
        assert!((0.0..10.0).contains(&value), "{item}");
        assert!(item.ends_with(";;;0;10"), "min 0 and max = timeout: {item}");
    }
}

#[test]
fn the_json_report_of_a_publish_validates_and_says_what_nginx_said() {
    let nginx = Nginx::start();
    let out = probe::run(&["--format", "json", &nginx.url("live", "probe-{random}")]);
    assert_eq!(out.code, 0, "{out}");
    let r = report::parse_valid(&out.stdout);
    assert_eq!(r["status"], "OK");
    assert_eq!(r["exit_code"], 0);
    assert_eq!(r["mode"], "publish");
    assert_eq!(report::step_names(&r), PUBLISH_STEPS);
    for s in r["steps"].as_array().unwrap() {
        assert_eq!(s["ok"], true, "{s}");
    }
    let total = r["total_ms"].as_f64().unwrap();
    let sum: f64 = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["duration_ms"].as_f64().unwrap())
        .sum();
    assert!(
        sum <= total + 0.01,
        "steps {sum} ms within total {total} ms"
    );
    let server = &r["server"];
    assert_eq!(server["fms_ver"], "FMS/3,0,1,123");
    assert_eq!(server["window_ack_size"], 5000000);
    assert_eq!(server["handshake"]["s0_version"], 3);
    assert_eq!(
        server["handshake"]["digest_scheme"], 0,
        "nginx signs S1 (scheme 0)"
    );
    assert_eq!(server["handshake"]["s2_digest_valid"], true);
    let codes: Vec<&str> = server["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "NetConnection.Connect.Success",
            "NetStream.Publish.Start",
            "NetStream.Unpublish.Success"
        ]
    );
    assert_eq!(r["error"], serde_json::Value::Null);
    assert_eq!(server["pings_answered"], 0);
}

#[test]
fn the_text_format_lists_every_step() {
    let nginx = Nginx::start();
    let out = probe::run(&["--format", "text", &nginx.url("live", "t-{random}")]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.starts_with("RTMP OK: publish accepted"), "{out}");
    for step in PUBLISH_STEPS {
        assert!(
            out.stdout.contains(&format!("step {step:<14}")),
            "{step} missing: {out}"
        );
    }
    assert!(out.stdout.contains("NetStream.Publish.Start"), "{out}");
}

#[test]
fn the_plain_handshake_works_too_and_reports_the_echo() {
    let nginx = Nginx::start();
    let out = probe::run(&[
        "--handshake",
        "plain",
        "--format",
        "json",
        &nginx.url("live", "p-{random}"),
    ]);
    assert_eq!(out.code, 0, "{out}");
    let r = report::parse_valid(&out.stdout);
    assert_eq!(r["server"]["handshake"]["s2_echoes_c1"], true);
    assert_eq!(
        r["server"]["handshake"]["digest_scheme"],
        serde_json::Value::Null
    );
}

#[test]
fn connect_mode_stops_after_connect_and_needs_no_stream() {
    let nginx = Nginx::start();
    let url = format!("rtmp://127.0.0.1:{}/live", nginx.rtmp_port());
    let out = probe::run(&["--mode", "connect", "--format", "json", &url]);
    assert_eq!(out.code, 0, "{out}");
    let r = report::parse_valid(&out.stdout);
    assert_eq!(
        report::step_names(&r),
        ["dns", "tcp_connect", "handshake", "connect"]
    );
    assert_eq!(r["mode"], "connect");
}

#[test]
fn an_application_that_does_not_exist_is_critical_at_connect() {
    let nginx = Nginx::start();
    let out = probe::run(&["--format", "json", &nginx.url("nope", "s")]);
    assert_eq!(out.code, 2, "{out}");
    let r = report::parse_valid(&out.stdout);
    assert_eq!(r["error"]["step"], "connect");
    assert_eq!(r["error"]["kind"], "closed");
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains("application \"nope\" does not exist"), "{msg}");
    let nag = probe::run(&[&nginx.url("nope", "s")]);
    assert_eq!(nag.code, 2);
    assert!(
        nag.stdout
            .starts_with("RTMP CRITICAL - connect to 127.0.0.1:"),
        "{nag}"
    );
}

#[test]
fn a_stream_key_refused_by_on_publish_is_critical_at_publish() {
    let nginx = Nginx::start();
    let out = probe::run(&["--format", "json", &nginx.url("auth", "cam1?key=wrong")]);
    assert_eq!(out.code, 2, "{out}");
    let r = report::parse_valid(&out.stdout);
    assert_eq!(r["error"]["step"], "publish");
    assert_eq!(r["error"]["kind"], "closed");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("on_publish"),
        "{out}"
    );
    // The right key passes the same callback.
    let ok = probe::run(&[&nginx.url("auth", "cam1?key=secret")]);
    assert_eq!(ok.code, 0, "{ok}\n{}", nginx.error_log());
}

#[test]
fn a_stream_name_already_published_is_critical_with_bad_name() {
    let nginx = Nginx::start();
    let _holder = Publisher::start(nginx.rtmp_port(), "live", "taken");
    let out = probe::run(&["--format", "json", &nginx.url("live", "taken")]);
    assert_eq!(out.code, 2, "{out}");
    let r = report::parse_valid(&out.stdout);
    assert_eq!(r["error"]["step"], "publish");
    assert_eq!(r["error"]["kind"], "rejected");
    assert_eq!(r["error"]["code"], "NetStream.Publish.BadName");
    let nag = probe::run(&["--show-secrets", &nginx.url("live", "taken")]);
    assert!(
        nag.stdout
            .starts_with("RTMP CRITICAL - publish to 127.0.0.1:"),
        "{nag}"
    );
    assert!(
        nag.stdout.contains("rejected: NetStream.Publish.BadName"),
        "{nag}"
    );
}

#[test]
fn nothing_listening_is_critical_with_connection_refused() {
    let port = closed_port();
    let out = probe::run(&[
        "--format",
        "json",
        &format!("rtmp://127.0.0.1:{port}/live/x"),
    ]);
    assert_eq!(out.code, 2, "{out}");
    let r = report::parse_valid(&out.stdout);
    assert_eq!(r["error"]["step"], "tcp_connect");
    assert_eq!(r["error"]["kind"], "connection_refused");
    let nag = probe::run(&[&format!("rtmp://127.0.0.1:{port}/live/x")]);
    assert!(
        nag.stdout.starts_with(&format!(
            "RTMP CRITICAL - TCP connection to 127.0.0.1:{port} failed: connection refused"
        )),
        "{nag}"
    );
}

#[test]
fn a_listener_that_never_speaks_is_critical_within_the_timeout() {
    let server = FakeServer::start(|stream| {
        std::thread::sleep(Duration::from_secs(4));
        drop(stream);
    });
    let out = probe::run(&["-t", "1s", "--format", "json", &server.url("live", "x")]);
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.elapsed < Duration::from_millis(1500),
        "took {:?}",
        out.elapsed
    );
    let r = report::parse_valid(&out.stdout);
    assert_eq!(r["error"]["step"], "handshake");
    assert_eq!(r["error"]["kind"], "timeout");
}

#[test]
fn a_malformed_url_or_option_is_unknown_with_one_line() {
    for args in [
        vec!["http://example.com/live/x"],
        vec!["rtmp://h:99999/live/x"],
        vec!["--format", "yaml", "rtmp://h/live/x"],
        vec!["-w", "fast", "rtmp://h/live/x"],
        vec!["--no-such-flag", "rtmp://h/live/x"],
        vec![],
    ] {
        let out = probe::run(&args);
        assert_eq!(out.code, 3, "{args:?}: {out}");
        assert_eq!(out.stdout.lines().count(), 1, "{args:?}: {out}");
        assert!(out.stdout.starts_with("RTMP UNKNOWN - "), "{args:?}: {out}");
    }
}

#[test]
fn a_tiny_warning_threshold_warns_and_a_tiny_critical_one_is_critical() {
    let nginx = Nginx::start();
    let url = nginx.url("live", "th-{random}");
    let out = probe::run(&["-w", "1us", &url]);
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stdout.starts_with("RTMP WARNING - "), "{out}");
    assert!(out.stdout.contains("'total'="), "{out}");
    assert!(
        out.stdout.contains(";0.000001;;0;10"),
        "warn in perfdata: {out}"
    );
    let out = probe::run(&["-c", "connect=1us", &url]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stdout.contains("connect"), "{out}");
    let out = probe::run(&["-w", "10s", "-c", "20s", &url]);
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn the_stream_key_never_appears_without_show_secrets() {
    let nginx = Nginx::start();
    let key = "SuperSecretKey42";
    let url = nginx.url("auth", &format!("{key}?key=secret"));
    for format in ["nagios", "json", "text"] {
        let out = probe::run(&["-vvv", "--trace", "--format", format, &url]);
        assert_eq!(out.code, 0, "{out}");
        for secret in [key, "key=secret"] {
            assert!(
                !out.stdout.contains(secret),
                "{format} stdout leaks {secret}: {out}"
            );
            assert!(
                !out.stderr.contains(secret),
                "{format} stderr leaks {secret}: {out}"
            );
        }
    }
    // Refusals carry the key too: still masked.
    let out = probe::run(&["-vvv", &nginx.url("auth", &format!("{key}?key=nope"))]);
    assert_eq!(out.code, 2);
    assert!(
        !out.stdout.contains(key) && !out.stderr.contains(key),
        "{out}"
    );
    let out = probe::run(&["--show-secrets", "--format", "json", &url]);
    assert!(out.stdout.contains(key), "{out}");
}

#[test]
fn logs_go_to_stderr_and_never_into_the_plugin_output() {
    let nginx = Nginx::start();
    let out = probe::run(&["-vv", &nginx.url("live", "l-{random}")]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.starts_with("RTMP OK - "), "{out}");
    assert!(!out.stderr.is_empty(), "debug logs expected on stderr");
    assert!(
        out.stdout.lines().skip(1).all(|l| !l.contains("DEBUG")),
        "{out}"
    );
}
