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
    // The metric in seconds, the JSON in milliseconds: the same microseconds.
    let metric_p95 = metric(r, "latency_p95").unwrap();
    assert!(
        (metric_p95 * 1000.0 - p95).abs() < 1e-9,
        "{metric_p95} s, {p95} ms"
    );
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
    // The text format's step column fits the player's longer step names.
    let url = nginx.url("live", "rt-noplay");
    let out = probe::run(&[
        "--mode",
        "roundtrip",
        "--duration",
        "1s",
        "--play-url",
        &play,
        "-f",
        "text",
        &url,
    ]);
    let columns: Vec<Option<usize>> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("step "))
        .map(|l| l.find(" ms"))
        .collect();
    assert!(columns.len() > 3, "{out}");
    assert!(
        columns.windows(2).all(|w| w[0] == w[1] && w[0].is_some()),
        "{out}"
    );
}

/// What a scripted relay does to the frames it got from the publisher, by marker sequence
/// number, before it plays them to the player.
#[derive(Clone, Copy)]
enum Relay {
    /// Relays nothing: the player gets Play.Start and then silence.
    Nothing,
    /// Holds frame 5 back until after frame 6, sends frame 10 twice, flips a byte in frame
    /// 15's picture data, drops frame 20; relays the rest as it came.
    Altered,
}

/// A scripted server that accepts a publish on one connection and a play on the other (in
/// whichever order they come), and plays the publisher's video to the player as `relay` says.
fn relay_server(relay: Relay) -> crate::support::script::Served {
    use crate::support::script::{on_status, serve_n, CSID_NGINX_STATUS};
    use rtmp_probe::media::synth::find_marker;
    use rtmp_probe::protocol::message::Message;
    use std::sync::mpsc;
    use std::sync::Mutex;
    // The publisher's video tag bodies, then `None` once it left.
    let (tx, rx) = mpsc::channel::<Option<Vec<u8>>>();
    let (tx, rx) = (Mutex::new(tx), Mutex::new(rx));
    serve_n(2, move |c| {
        c.handshake()?;
        c.serve_connect()?;
        c.serve_create_stream()?;
        let asked = c.wait_for(|m| match m {
            Message::Command { command, .. }
                if command.name == "publish" || command.name == "play" =>
            {
                Some(command.name.clone())
            }
            _ => None,
        })?;
        if asked == "publish" {
            c.send_command(
                CSID_NGINX_STATUS,
                1,
                on_status("status", "NetStream.Publish.Start", "Start publishing"),
            )?;
            let send = |v: Option<Vec<u8>>| {
                if let Ok(tx) = tx.lock() {
                    let _ = tx.send(v);
                }
            };
            loop {
                match c.next_message()? {
                    Message::Video(payload) => send(Some(payload.to_vec())),
                    Message::Command { command, .. } if command.name == "deleteStream" => {
                        send(None);
                        return c.close();
                    }
                    _ => {}
                }
            }
        }
        c.send_command(
            CSID_NGINX_STATUS,
            1,
            on_status("status", "NetStream.Play.Start", "Start live"),
        )?;
        let rx = rx.lock().map_err(|_| std::io::Error::other("poisoned"))?;
        let mut held = None;
        while let Ok(Some(body)) = rx.recv_timeout(Duration::from_secs(10)) {
            if let Relay::Nothing = relay {
                continue;
            }
            let seq = find_marker(&body).map(|m| m.seq);
            let mut out = vec![body.clone()];
            match seq {
                Some(5) => {
                    held = Some(body);
                    continue;
                }
                Some(6) => out.extend(held.take()),
                Some(10) => out.push(body),
                Some(15) => {
                    let mut bad = body;
                    if let Some(last) = bad.last_mut() {
                        *last ^= 0x5a;
                    }
                    out = vec![bad];
                }
                Some(20) => continue,
                _ => {}
            }
            for body in out {
                c.send(6, 1, Message::Video(body.into()))?;
            }
        }
        c.hold()
    })
}

#[test]
fn a_server_that_accepts_the_publish_and_relays_nothing_is_critical_and_says_how_far_each_side_got()
{
    let server = relay_server(Relay::Nothing);
    let (out, r) = roundtrip(
        &["--duration", "1s", "-t", "5s"],
        &server.url("live", "qx7-rt"),
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert_eq!(r["error"]["step"], "first_frame_back", "{r:#}");
    assert_eq!(r["error"]["kind"], "no_media");
    let message = r["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("the publish was accepted and sent 30 frames, the player got NetStream.Play.Start, but no frame came back within ")
            && message.ends_with("of NetStream.Publish.Start (the last frame and a 1.0 s drain)"),
        "{message}"
    );
    assert_eq!(r["roundtrip"]["frames_received"], 0);
    assert_eq!(r["roundtrip"]["lost"], 30);
    assert!(r["roundtrip"]["latency_ms"].is_null());
    // The last frame at 1 s, the drain, the teardowns: well within the timeout.
    assert!(
        out.elapsed < Duration::from_secs(5) + SLACK,
        "{:?}",
        out.elapsed
    );
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("roundtrip through 127.0.0.1:"),
        "{summary}"
    );
    let _ = server.finish();
}

#[test]
fn a_relay_that_reorders_duplicates_corrupts_and_drops_frames_has_each_counted_as_such() {
    let server = relay_server(Relay::Altered);
    let (out, r) = roundtrip(&["--duration", "1s"], &server.url("live", "qx7-rt"));
    let rt = &r["roundtrip"];
    assert_eq!(rt["frames_sent"], 30, "{rt:#}");
    assert_eq!(rt["reordered"], 1, "{rt:#}");
    assert_eq!(rt["duplicated"], 1, "{rt:#}");
    assert_eq!(rt["corrupted"], 1, "{rt:#}");
    assert_eq!(rt["lost"], 1, "{rt:#}");
    assert_eq!(rt["frames_received"], 30, "29 relayed, one twice: {rt:#}");
    // Corrupted is critical by default (lost only warns): what is wrong comes first.
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert_eq!(r["status"], "CRITICAL");
    let crossed: Vec<&str> = r["crossings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["metric"].as_str())
        .collect();
    assert_eq!(crossed, ["corrupted"]);
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.contains("1 lost, 1 corrupted, 1 duplicated, 1 reordered"),
        "{summary}"
    );
    let _ = server.finish();
}

#[test]
fn a_lost_frame_alone_warns_and_a_threshold_can_make_it_critical() {
    let server = relay_server(Relay::Altered);
    let (out, r) = roundtrip(
        &["--duration", "1s", "-c", "corrupted=5", "-c", "lost=0"],
        &server.url("live", "qx7-rt"),
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert_eq!(r["crossings"][0]["metric"], "lost", "{r:#}");
    let server = {
        let _ = server.finish();
        relay_server(Relay::Altered)
    };
    let (out, r) = roundtrip(
        &["--duration", "1s", "-c", "corrupted=5"],
        &server.url("live", "qx7-rt"),
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(r["crossings"][0]["metric"], "lost", "{r:#}");
    let _ = server.finish();
}

#[test]
fn a_refused_publish_is_reported_as_the_publish_failure_it_is() {
    let nginx = Nginx::builder()
        .application("closed", "live on; deny publish all;")
        .start();
    let (out, r) = roundtrip(&["--duration", "1s"], &nginx.url("closed", "rt-refused"));
    assert_eq!(out.code, 2, "{}", out.stdout);
    let step = r["error"]["step"].as_str().unwrap();
    assert!(
        ["publish", "connect", "create_stream", "verify"].contains(&step),
        "the publisher's step: {r:#}"
    );
    assert!(
        r["summary"].as_str().unwrap().contains("127.0.0.1"),
        "{}",
        r["summary"]
    );
    assert!(out.elapsed < Duration::from_secs(10) + SLACK);
}

#[test]
fn a_roundtrip_played_back_over_rtmps_goes_through_the_same_transport() {
    use crate::support::tls::{Case, Listener, Pki, TlsFront};
    let nginx = Nginx::start();
    let pki = Pki::new();
    let front = TlsFront::start_with(&pki, nginx.rtmp_port(), &[Listener::Cert(Case::Good)]);
    let play = format!("rtmps://localhost:{}/live", front.cert_port(Case::Good));
    let ca = pki.ca_file();
    let (out, r) = roundtrip(
        &[
            "--duration",
            "1s",
            "--ca-file",
            ca.to_str().unwrap(),
            "--play-url",
            &play,
        ],
        &nginx.url("live", "rt-tls"),
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, front.error_log());
    assert_all_back(&r, 30);
    let steps = report::step_names(&r);
    assert!(steps.iter().any(|s| s == "play_tls"), "{steps:?}");
    assert!(
        !steps.iter().any(|s| s == "tls"),
        "the publisher is plain: {steps:?}"
    );
}
