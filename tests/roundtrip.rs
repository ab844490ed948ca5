//! `--mode roundtrip` end to end: the built binary publishes its synthetic stream and plays it
//! back, through a private nginx-rtmp (and an edge of it that is pushed or pulls the stream),
//! and through scripted servers for what nginx-rtmp never does (accept a publish and relay
//! nothing; relay frames reordered, duplicated or altered).

use crate::support::nginx::Nginx;
use crate::support::probe::{self, ProbeOutput};
use crate::support::report;
use serde_json::Value as Json;
use std::time::Duration;

/// How much later than its timeout a run may end: the bound the probe promises.
const SLACK: Duration = Duration::from_millis(250);

fn roundtrip(args: &[&str], url: &str) -> (ProbeOutput, Json) {
    let mut all = vec!["--mode", "roundtrip", "--format", "json"];
    all.extend_from_slice(args);
    all.push(url);
    let out = probe::run(&all);
    let json = report::parse_valid(&out.stdout);
    (out, json)
}

fn step_ms(r: &Json, name: &str) -> Option<f64> {
    r["steps"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["duration_ms"].as_f64())
}

fn metric(r: &Json, name: &str) -> Option<f64> {
    r["metrics"]
        .as_array()?
        .iter()
        .find(|m| m["name"] == name)
        .and_then(|m| m["value"].as_f64())
}

/// Every figure of a healthy round trip, checked against the others.
fn assert_all_back(r: &Json, sent: u64) {
    let rt = &r["roundtrip"];
    assert_eq!(r["status"], "OK", "{r:#}");
    assert_eq!(rt["frames_sent"], sent, "{rt:#}");
    assert_eq!(rt["expected"], rt["frames_sent"], "{rt:#}");
    assert_eq!(rt["frames_received"], rt["expected"], "{rt:#}");
    for zero in [
        "lost",
        "duplicated",
        "reordered",
        "corrupted",
        "foreign",
        "before_join",
    ] {
        assert_eq!(rt[zero], 0, "{zero}: {rt:#}");
    }
    let l = &rt["latency_ms"];
    let (min, p50, p95, max) = (
        l["min"].as_f64().unwrap(),
        l["p50"].as_f64().unwrap(),
        l["p95"].as_f64().unwrap(),
        l["max"].as_f64().unwrap(),
    );
    assert!(min > 0.0 && min <= p50 && p50 <= p95 && p95 <= max, "{l:#}");
    assert!(max < 1000.0, "a loopback frame took {max} ms: {l:#}");
    let first = rt["first_frame_back_ms"].as_f64().unwrap();
    assert_eq!(step_ms(r, "first_frame_back"), Some(first));
    assert!(first > 0.0 && first < 1000.0, "{first}");
    assert_eq!(metric(r, "lost"), Some(0.0));
    assert_eq!(metric(r, "latency_p95"), Some(p95 / 1000.0));
}

#[test]
fn a_roundtrip_through_nginx_rtmp_gets_every_frame_back_with_its_latency() {
    let nginx = Nginx::start();
    let (out, r) = roundtrip(
        &["--duration", "2s", "--fps", "25"],
        &nginx.url("live", "rt-origin"),
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, nginx.error_log());
    // 2 s at 25 fps: 50 frames, every one of them back.
    assert_all_back(&r, 50);
    let steps = report::step_names(&r);
    for step in [
        "connect",
        "publish",
        "media",
        "play_connect",
        "play",
        "receive",
        "first_frame_back",
        "close_stream",
        "unpublish",
    ] {
        assert!(steps.iter().any(|s| s == step), "{step} in {steps:?}");
    }
    assert_eq!(r["roundtrip"]["play_url"], false);
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("roundtrip through 127.0.0.1:")
            && summary.contains("(app live, stream rt***): 50/50 frames back, latency p50 ")
            && summary.contains(", first frame back after "),
        "{summary}"
    );
}

#[test]
fn a_roundtrip_perfdata_carries_the_counts_and_the_latencies_with_the_default_thresholds() {
    let nginx = Nginx::start();
    let url = nginx.url("live", "rt-nagios");
    let out = probe::run(&["--mode", "roundtrip", "--duration", "1s", &url]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let (text, perf) = out.stdout.trim().split_once(" | ").expect("perfdata");
    assert!(text.starts_with("RTMP OK - roundtrip through"), "{text}");
    // Defaults: warning on any lost frame, critical on any corrupted one.
    assert!(perf.contains("'lost'=0;0;;;"), "{perf}");
    assert!(perf.contains("'corrupted'=0;;0;;"), "{perf}");
    for label in [
        "'frames_sent'=30;",
        "'latency_p95'=",
        "'first_frame_back'=",
        "'play_connect'=",
    ] {
        assert!(perf.contains(label), "{label} in {perf}");
    }
}

#[test]
fn a_latency_threshold_on_the_roundtrip_warns_in_the_metric_syntax() {
    let nginx = Nginx::start();
    let (out, r) = roundtrip(
        &["--duration", "1s", "-w", "latency_p95=1us"],
        &nginx.url("live", "rt-slow"),
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(r["status"], "WARNING");
    assert_eq!(r["crossings"][0]["metric"], "latency_p95", "{r:#}");
    assert!(
        r["summary"].as_str().unwrap().starts_with("latency_p95 "),
        "{}",
        r["summary"]
    );
}

/// An edge that plays the stream back: pushed by the origin (`push`) or pulling from it
/// (`pull`).
fn through_edge(pushed: bool) {
    let (origin, edge, publish, play);
    if pushed {
        edge = Nginx::start();
        origin = Nginx::builder()
            .application(
                "origin",
                &format!("live on; push rtmp://127.0.0.1:{}/live;", edge.rtmp_port()),
            )
            .start();
        publish = origin.url("origin", "rt-edge");
        play = edge.url("live", "rt-edge");
    } else {
        origin = Nginx::start();
        edge = Nginx::builder()
            .application(
                "relay",
                &format!(
                    "live on; pull rtmp://127.0.0.1:{}/live;",
                    origin.rtmp_port()
                ),
            )
            .start();
        publish = origin.url("live", "rt-edge");
        play = edge.url("relay", "rt-edge");
    }
    // An edge starts relaying once its own connection to the origin is up, a few milliseconds
    // after the publish, and then at a keyframe: keyframes every 500 ms give it one early.
    let args = [
        "--duration",
        "2s",
        "--keyframe-interval",
        "500ms",
        "--play-url",
        &play,
    ];
    let (out, r) = roundtrip(&args, &publish);
    assert_eq!(
        out.code,
        0,
        "{}\norigin:\n{}\nedge:\n{}",
        out.stdout,
        origin.error_log(),
        edge.error_log()
    );
    let rt = &r["roundtrip"];
    assert_eq!(rt["play_url"], true);
    assert_eq!(
        rt["play_address"],
        format!("127.0.0.1:{}", edge.rtmp_port()).as_str()
    );
    assert_eq!(rt["lost"], 0, "{rt:#}");
    assert_eq!(rt["corrupted"], 0, "{rt:#}");
    let expected = rt["expected"].as_u64().unwrap();
    assert!(expected > 0, "{rt:#}");
    assert_eq!(rt["frames_received"].as_u64().unwrap(), expected, "{rt:#}");
    assert_eq!(
        expected + rt["before_join"].as_u64().unwrap(),
        rt["frames_sent"].as_u64().unwrap()
    );
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(" and back from 127.0.0.1:{}", edge.rtmp_port())),
        "{summary}"
    );
}

#[test]
fn a_roundtrip_through_an_edge_that_the_origin_pushes_to_is_ok() {
    through_edge(true);
}

#[test]
fn a_roundtrip_through_an_edge_that_pulls_from_the_origin_is_ok() {
    through_edge(false);
}

#[test]
fn a_roundtrip_whose_player_cannot_reach_the_play_url_says_so_and_is_critical() {
    let nginx = Nginx::start();
    let closed = crate::support::closed_port();
    let play = format!("rtmp://127.0.0.1:{closed}/live/x");
    let (out, r) = roundtrip(
        &["--duration", "1s", "--play-url", &play],
        &nginx.url("live", "rt-noplay"),
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert_eq!(r["error"]["step"], "play_tcp_connect", "{r:#}");
    assert_eq!(r["error"]["kind"], "connection_refused");
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!(
            "the player's TCP connection to 127.0.0.1:{closed}"
        )),
        "{summary}"
    );
    assert!(out.elapsed < Duration::from_secs(10) + SLACK);
}
