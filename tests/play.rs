//! The play check end to end: the built binary against a private nginx-rtmp to which ffmpeg
//! publishes streams of known facts (made once, published with `-c copy` faster than real
//! time), and against scripted servers for what nginx-rtmp never does (refusals, stalls,
//! broken configurations, floods).
//!
//! Each nginx test starts the probes first (nginx-rtmp answers play of a stream nobody
//! publishes with Play.Start and holds the player), waits until /stat lists them, then starts
//! the publisher: the players get the stream from its first frame, which is ffprobe's first
//! packet, so the figures compare with ffprobe's packets exactly.

use crate::support::measure;
use crate::support::nginx::Nginx;
use crate::support::probe::{self, ProbeOutput};
use crate::support::report;
use crate::support::script::{on_status, serve, Served, CSID_NGINX_STATUS};
use crate::support::streams::{
    expected_bitrate, generator, packets, send_item, serve_until_play, stream, stream_for,
    wait_for_clients, FfmpegPublisher, Fixture,
};
use rtmp_probe::media::synth::ItemKind;
use rtmp_probe::protocol::message::{Message, UserControl};
use serde_json::Value as Json;
use std::thread;
use std::time::{Duration, Instant};

/// How much later than its timeout a run may end: the bound the probe promises.
const SLACK: Duration = Duration::from_millis(250);
/// The stream name scripted servers are played with (not an English word, so that masking does
/// not eat the words of a message).
const STREAM: &str = "qx7-stream";

fn json(out: &ProbeOutput) -> Json {
    report::parse_valid(&out.stdout)
}

/// Runs `rtmp-probe --mode play --format json ARGS URL` on a thread of its own.
fn spawn_play(args: &[&str], url: &str) -> thread::JoinHandle<ProbeOutput> {
    let mut all: Vec<String> = ["--mode", "play", "--format", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    all.extend(args.iter().map(|s| s.to_string()));
    all.push(url.to_string());
    thread::spawn(move || {
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        probe::run(&args)
    })
}

/// Starts one probe per argument list on `name`, waits until nginx lists them all as players,
/// publishes `fixture` at `rate` times real time, and returns each probe's output in order.
fn play_published(
    nginx: &Nginx,
    app: &str,
    name: &str,
    fixture: Fixture,
    rate: u32,
    runs: &[&[&str]],
) -> Vec<ProbeOutput> {
    let file = fixture.path();
    let url = nginx.url(app, name);
    let probes: Vec<_> = runs.iter().map(|args| spawn_play(args, &url)).collect();
    wait_for_clients(|| nginx.stat(), name, runs.len());
    let _publisher = FfmpegPublisher::start(&file, &url, rate);
    probes
        .into_iter()
        .map(|p| p.join().expect("the probe thread"))
        .collect()
}

fn within(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance * expected.abs()
}

/// The values of `keys` in object `o`, as one JSON array (for one assertion on several fields).
fn pick(o: &Json, keys: &[&str]) -> Json {
    Json::Array(keys.iter().map(|k| o[*k].clone()).collect())
}

fn steps(r: &Json) -> Vec<String> {
    report::step_names(r)
}

// ---------------------------------------------------------------------------------------------
// nginx-rtmp and ffmpeg

#[test]
fn a_live_x264_main_30_and_aac_stream_reports_what_ffprobe_reads_in_the_file() {
    let nginx = Nginx::start();
    let runs: &[&[&str]] = &[&["--duration", "1s", "-t", "10s"]];
    let out = play_published(&nginx, "live", "main30", Fixture::Main30, 8, runs).remove(0);
    assert_eq!(out.code, 0, "{out}");
    let r = json(&out);
    assert_eq!(
        steps(&r),
        [
            "dns",
            "tcp_connect",
            "handshake",
            "connect",
            "create_stream",
            "play",
            "first_frame",
            "first_keyframe",
            "watch",
            "close_stream"
        ]
    );
    let m = &r["media"];
    assert_eq!(m["expected"], serde_json::json!(["video", "audio"]));
    assert_eq!(m["expected_from"], "metadata");
    let v = &m["video"];
    // Exact: what the sequence header says.
    assert_eq!(
        pick(v, &["codec", "profile", "level", "width", "height"]),
        serde_json::json!(["h264", "Main", 30, 640, 360])
    );
    assert_eq!(v["level_name"], "3.0");
    // Exact: 40 ms between frames, a keyframe every 50 of them.
    assert_eq!(v["fps"], 25.0);
    let video = packets(&Fixture::Main30.path(), "video");
    let frames = v["frames"].as_u64().unwrap() as usize;
    assert!(
        frames >= 100,
        "about 8 s of media in a 1 s window: {frames}"
    );
    let keys = video[..frames].iter().filter(|p| p.2).count();
    assert_eq!(v["keyframes"].as_u64().unwrap() as usize, keys);
    let k = &v["keyframe_interval_s"];
    assert_eq!(
        pick(k, &["min", "max", "mean"]),
        serde_json::json!([2.0, 2.0, 2.0])
    );
    // Rates within 1 % of ffprobe's packets over the same frames (5-byte AVC and 2-byte AAC
    // tag headers included, as the probe counts message payloads).
    let bps = v["bitrate_bps"].as_f64().unwrap();
    let expected = expected_bitrate(&video, frames, 5);
    assert!(within(bps, expected, 0.01), "video {bps} vs {expected}");
    let a = &m["audio"];
    assert_eq!(
        pick(a, &["codec", "profile", "sample_rate", "channels"]),
        serde_json::json!(["aac", "LC", 44100, 2])
    );
    let audio = packets(&Fixture::Main30.path(), "audio");
    let aframes = a["frames"].as_u64().unwrap() as usize;
    let abps = a["bitrate_bps"].as_f64().unwrap();
    let expected = expected_bitrate(&audio, aframes, 2);
    assert!(within(abps, expected, 0.01), "audio {abps} vs {expected}");
    // onMetaData as nginx-rtmp relays ffmpeg's.
    assert_eq!(m["metadata"]["width"], 640.0);
    assert_eq!(m["metadata"]["videocodecid"], 7.0);
    assert_eq!(m["metadata"]["audiocodecid"], 10.0);
    assert_eq!(m["disagreements"], serde_json::json!([]));
    assert_eq!(
        pick(m, &["stalls", "backwards_timestamps"]),
        serde_json::json!([0, 0])
    );
    let window = m["window_s"].as_f64().unwrap();
    assert!((1.0..1.05).contains(&window), "{window}");
    // The metrics carry the figures with units.
    let metric = |name: &str| {
        r["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap_or_else(|| panic!("no {name} metric: {}", r["metrics"]))
            .clone()
    };
    assert_eq!(metric("fps")["unit"], "1/s");
    assert_eq!(metric("video_bitrate")["unit"], "bit/s");
    assert_eq!(metric("keyframe_interval")["value"], 2.0);
    assert_eq!(
        metric("max_gap")["critical"],
        "2",
        "the default stall threshold"
    );
    assert_eq!(metric("backwards_timestamps")["critical"], "0");
}

#[test]
fn each_threshold_form_gives_its_state_on_one_live_stream() {
    let nginx = Nginx::start();
    let window = ["--duration", "1s", "-t", "10s"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v: Vec<&'static str> = window.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let cases: Vec<(Vec<&str>, i32, Option<&str>)> = vec![
        (with(&["-w", "video_bitrate=2500k:"]), 1, Some("video at ")),
        (
            with(&["-c", "fps=24:", "-c", "keyframe_interval=4s"]),
            0,
            None,
        ),
        (
            with(&["-c", "fps=30:"]),
            2,
            Some("video at 25.0 fps (critical below 30 fps); play of live/***"),
        ),
        (with(&["-w", "max_gap=500ms", "-c", "av_drift=1s"]), 0, None),
        (with(&["-w", "max_gap=1ms"]), 1, Some("media stopped for ")),
        (
            with(&["-w", "first_keyframe=1ms"]),
            1,
            Some("first_keyframe "),
        ),
        (
            with(&["-c", "keyframe_interval=1s"]),
            2,
            Some("keyframe every 2.0 s (critical above 1 s)"),
        ),
    ];
    let runs: Vec<&[&str]> = cases.iter().map(|(a, _, _)| a.as_slice()).collect();
    let outs = play_published(&nginx, "live", "forms", Fixture::Main30, 8, &runs);
    for ((args, code, start), out) in cases.iter().zip(&outs) {
        assert_eq!(out.code, *code, "{args:?}: {out}");
        let r = json(out);
        let summary = r["summary"].as_str().unwrap();
        match start {
            Some(s) => assert!(summary.starts_with(s), "{args:?}: {summary}"),
            None => assert!(
                summary.starts_with("play of live/*** from 127.0.0.1:"),
                "{summary}"
            ),
        }
        if *code == 1 {
            // "video at 786.2 kbit/s (warning below 2.50 Mbit/s)"
            let c = &r["crossings"][0];
            assert_eq!(c["state"], "WARNING", "{args:?}");
        }
    }
    let bitrate = json(&outs[0]);
    let words = bitrate["thresholds_crossed"][0].as_str().unwrap();
    assert!(
        words.starts_with("video at ") && words.ends_with(" kbit/s (warning below 2.50 Mbit/s)"),
        "{words}"
    );
}

#[test]
fn the_nagios_line_and_the_textfile_exposition_carry_the_media_figures() {
    let nginx = Nginx::start();
    let file = Fixture::Main30.path();
    let url = nginx.url("live", "lines");
    let run = |format: &'static str| {
        let url = url.clone();
        thread::spawn(move || {
            probe::run(&[
                "--mode",
                "play",
                "--duration",
                "1s",
                "-t",
                "10s",
                "-c",
                "fps=30:",
                "-f",
                format,
                &url,
            ])
        })
    };
    let (nagios, prometheus) = (run("nagios"), run("prometheus"));
    wait_for_clients(|| nginx.stat(), "lines", 2);
    let _publisher = FfmpegPublisher::start(&file, &url, 8);
    let nagios = nagios.join().unwrap();
    assert_eq!(nagios.code, 2, "{nagios}");
    let line = nagios.stdout.lines().next().unwrap();
    assert!(
        line.starts_with("RTMP CRITICAL - video at 25.0 fps (critical below 30 fps); play of live/*** from 127.0.0.1:"),
        "{line}"
    );
    let (_, perf) = line.split_once(" | ").expect("perfdata");
    for item in [
        "'fps'=25;;30:;;",
        "'max_gap'=",
        "'backwards_timestamps'=0;;0;;",
    ] {
        assert!(perf.contains(item), "{item} in {perf}");
    }
    assert!(perf.contains("'video_bitrate'="), "{perf}");
    let prometheus = prometheus.join().unwrap();
    let text = &prometheus.stdout;
    for family in [
        "rtmp_probe_fps_per_second{",
        "rtmp_probe_video_bytes_per_second{",
        "rtmp_probe_keyframe_interval_seconds{",
        "rtmp_probe_backwards_timestamps{",
        "rtmp_probe_duration_seconds{target=\"rtmp://127.0.0.1:",
    ] {
        assert!(text.contains(family), "{family} in\n{text}");
    }
    assert!(
        text.lines()
            .any(|l| l.starts_with("rtmp_probe_fps_per_second{") && l.ends_with(" 25")),
        "{text}"
    );
}

#[test]
fn a_10_s_gop_shows_as_a_10_s_keyframe_interval_and_fails_a_4_s_threshold() {
    let nginx = Nginx::start();
    let runs: &[&[&str]] = &[&[
        "--duration",
        "1500ms",
        "-t",
        "10s",
        "-c",
        "keyframe_interval=4s",
    ]];
    let out = play_published(&nginx, "live", "gop10", Fixture::Gop10, 10, runs).remove(0);
    assert_eq!(out.code, 2, "{out}");
    let r = json(&out);
    assert!(
        r["summary"]
            .as_str()
            .unwrap()
            .starts_with("keyframe every 10.0 s (critical above 4 s); play of live/***"),
        "{out}"
    );
    let k = &r["media"]["video"]["keyframe_interval_s"];
    assert_eq!(k["max"], 10.0, "{k}");
    assert!(k["closed"].as_u64().unwrap() >= 1, "{k}");
    assert_eq!(r["media"]["audio"], Json::Null);
    assert_eq!(r["media"]["expected"], serde_json::json!(["video"]));
    assert_eq!(r["error"], Json::Null, "a threshold, not a failure");
}

#[test]
fn an_audio_only_stream_is_ok_without_a_keyframe_step() {
    let nginx = Nginx::start();
    let runs: &[&[&str]] = &[&["--duration", "1s", "-t", "10s"]];
    let out = play_published(&nginx, "live", "radio", Fixture::AudioOnly, 8, runs).remove(0);
    assert_eq!(out.code, 0, "{out}");
    let r = json(&out);
    assert!(!steps(&r).contains(&"first_keyframe".to_string()), "{out}");
    let m = &r["media"];
    assert_eq!(m["expected"], serde_json::json!(["audio"]));
    assert_eq!(m["video"], Json::Null);
    let a = &m["audio"];
    assert_eq!(
        pick(a, &["codec", "sample_rate", "channels"]),
        serde_json::json!(["aac", 48000, 1])
    );
    let audio = packets(&Fixture::AudioOnly.path(), "audio");
    let frames = a["frames"].as_u64().unwrap() as usize;
    let expected = expected_bitrate(&audio, frames, 2);
    let bps = a["bitrate_bps"].as_f64().unwrap();
    assert!(within(bps, expected, 0.01), "{bps} vs {expected}");
}

#[test]
fn a_stream_nobody_publishes_is_no_media_within_its_timeout() {
    let nginx = Nginx::start();
    let timeout = Duration::from_secs(2);
    let out = probe::run(&[
        "--mode",
        "play",
        "-t",
        "2s",
        "--format",
        "json",
        &nginx.url("live", "off-air"),
    ]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.elapsed <= timeout + SLACK, "{out}");
    let r = json(&out);
    assert_eq!(
        pick(&r["error"], &["step", "kind"]),
        serde_json::json!(["first_frame", "no_media"])
    );
    let message = r["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("no media arrived within 2.0 s of NetStream.Play.Start (--timeout 2s ran out): nginx-rtmp answers play this way when nobody publishes the stream"),
        "{message}"
    );
    assert_eq!(r["media"]["video"], Json::Null);
}

#[test]
fn the_publisher_leaving_nginx_fails_the_play_as_publisher_left() {
    let nginx = Nginx::builder()
        .application("notify", "live on; publish_notify on;")
        .start();
    let file = Fixture::Main30.path();
    let mut probes = Vec::new();
    for app in ["live", "notify"] {
        let url = nginx.url(app, "leaving");
        probes.push((
            app,
            url.clone(),
            spawn_play(&["--duration", "5s", "-t", "10s"], &url),
        ));
    }
    // Both players wait, then a publisher that sends 1.5 s of media in real time and goes.
    let deadline = Instant::now() + Duration::from_secs(5);
    while nginx.stat().matches("<client>").count() < 2 {
        assert!(Instant::now() < deadline, "{}", nginx.stat());
        thread::sleep(Duration::from_millis(5));
    }
    let publishers: Vec<_> = probes
        .iter()
        .map(|(_, url, _)| {
            std::process::Command::new("ffmpeg")
                .args(["-hide_banner", "-loglevel", "error", "-re", "-i"])
                .arg(&file)
                .args(["-t", "1.5", "-c", "copy", "-f", "flv", url])
                .spawn()
                .expect("ffmpeg")
        })
        .collect();
    for ((app, _, p), mut publisher) in probes.into_iter().zip(publishers) {
        let out = p.join().unwrap();
        let _ = publisher.wait();
        assert_eq!(out.code, 2, "{app}: {out}");
        let r = json(&out);
        assert_eq!(r["error"]["kind"], "publisher_left", "{app}: {out}");
        assert_eq!(r["error"]["step"], "watch", "{app}: {out}");
        let message = r["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("the publisher left after 1."),
            "{app}: {message}"
        );
        let how = if app == "notify" {
            "(NetStream.Play.UnpublishNotify)"
        } else {
            "(a Stream EOF user control)"
        };
        assert!(message.ends_with(how), "{app}: {message}");
        assert!(out.elapsed < Duration::from_secs(4), "{app}: {out}");
    }
}

// ---------------------------------------------------------------------------------------------
// scripted servers

/// Runs a play with `args` (and `--format json`) against a scripted server.
fn play_against(served: &Served, args: &[&str]) -> (ProbeOutput, Json) {
    let url = served.url("live", STREAM);
    let mut all = vec!["--mode", "play", "--format", "json"];
    all.extend_from_slice(args);
    all.push(&url);
    let out = probe::run(&all);
    let r = json(&out);
    (out, r)
}

fn error(r: &Json) -> (String, String, String) {
    let e = &r["error"];
    (
        e["step"].as_str().unwrap_or("-").into(),
        e["kind"].as_str().unwrap_or("-").into(),
        e["message"].as_str().unwrap_or("-").into(),
    )
}

/// A server that plays `seconds` of the synthetic stream after Play.Start, as `edit` leaves
/// each item, then holds the connection until the probe closes it.
fn streaming(
    seconds: f64,
    edit: impl FnMut(&mut rtmp_probe::media::synth::Item) -> bool + Send + 'static,
) -> Served {
    serve(move |c| {
        serve_until_play(c)?;
        let mut g = generator();
        stream(
            c,
            &mut g,
            Instant::now(),
            Duration::from_secs_f64(seconds),
            edit,
        )?;
        c.hold()
    })
}

#[test]
fn stream_not_found_is_rejected_with_the_servers_code() {
    let served = serve(|c| {
        c.handshake()?;
        c.serve_connect()?;
        c.serve_create_stream()?;
        c.wait_command("play")?;
        c.send_command(
            CSID_NGINX_STATUS,
            1,
            on_status(
                "error",
                "NetStream.Play.StreamNotFound",
                "Failed to play qx7-stream; stream not found.",
            ),
        )?;
        c.hold()
    });
    let (out, r) = play_against(&served, &["-t", "2s"]);
    assert_eq!(out.code, 2, "{out}");
    let (step, kind, _) = error(&r);
    assert_eq!((step.as_str(), kind.as_str()), ("play", "rejected"));
    assert_eq!(r["error"]["code"], "NetStream.Play.StreamNotFound");
    assert!(
        r["summary"].as_str().unwrap().starts_with(&format!(
            "play from 127.0.0.1:{} rejected: NetStream.Play.StreamNotFound \"Failed to play qx***; stream not found.\"",
            served.port()
        )),
        "{out}"
    );
    assert!(out.elapsed < Duration::from_secs(1), "{out}");
}

#[test]
fn play_start_then_silence_is_no_media_on_time() {
    let served = serve(|c| {
        serve_until_play(c)?;
        c.hold()
    });
    let (out, r) = play_against(&served, &["-t", "1s"]);
    assert_eq!(out.code, 2, "{out}");
    let (step, kind, message) = error(&r);
    assert_eq!((step.as_str(), kind.as_str()), ("first_frame", "no_media"));
    assert!(message.starts_with("no media arrived within "), "{message}");
    assert!(out.elapsed <= Duration::from_secs(1) + SLACK, "{out}");
    assert!(out.elapsed >= Duration::from_secs(1), "{out}");
}

#[test]
fn a_stall_mid_stream_crosses_max_gap_and_says_how_long() {
    let served = serve(|c| {
        serve_until_play(c)?;
        let mut g = generator();
        let start = Instant::now();
        stream(c, &mut g, start, Duration::from_millis(600), |_| true)?;
        thread::sleep(Duration::from_millis(700));
        let late = Instant::now() - Duration::from_millis(600);
        stream(c, &mut g, late, Duration::from_secs(3), |_| true)?;
        c.hold()
    });
    let (out, r) = play_against(
        &served,
        &["--duration", "1500ms", "-t", "5s", "-c", "max_gap=300ms"],
    );
    assert_eq!(out.code, 2, "{out}");
    let words = r["thresholds_crossed"][0].as_str().unwrap();
    assert!(
        words.starts_with("media stopped for 0.7") && words.ends_with(" s (critical above 0.3 s)"),
        "{out}"
    );
    assert!(r["media"]["stalls"].as_u64().unwrap() >= 1, "{out}");
    assert_eq!(r["error"], Json::Null);
}

#[test]
fn timestamps_jumping_back_are_critical_by_default() {
    let served = streaming(2.0, |item| {
        if let ItemKind::VideoFrame { seq, .. } = item.kind {
            if seq >= 10 {
                item.timestamp_ms = item.timestamp_ms.saturating_sub(300);
            }
        }
        true
    });
    let (out, r) = play_against(&served, &["--duration", "800ms", "-t", "3s"]);
    assert_eq!(out.code, 2, "{out}");
    assert_eq!(r["media"]["backwards_timestamps"], 1, "{out}");
    assert_eq!(
        r["thresholds_crossed"][0],
        "timestamps went backwards 1 time (critical above 0)"
    );
}

#[test]
fn a_truncated_avc_configuration_record_is_invalid_media() {
    let served = streaming(1.0, |item| {
        if item.kind == ItemKind::VideoConfig {
            item.body.truncate(5 + 9);
        }
        true
    });
    let (out, r) = play_against(&served, &["-t", "2s"]);
    assert_eq!(out.code, 2, "{out}");
    let (step, kind, message) = error(&r);
    assert_eq!(
        (step.as_str(), kind.as_str()),
        ("first_frame", "invalid_media")
    );
    assert!(
        message.starts_with("no player can decode the stream: video sequence header at 0 ms: AVC configuration record"),
        "{message}"
    );
    assert!(out.elapsed < Duration::from_secs(1), "{out}");
}

#[test]
fn an_sps_with_absurd_exp_golomb_runs_is_invalid_media() {
    let served = streaming(1.0, |item| {
        if item.kind == ItemKind::VideoConfig {
            let mut sps = vec![0x67, 0x64, 0x00, 0x1e];
            sps.extend_from_slice(&[0; 16]);
            sps.push(0x80);
            let mut body = vec![0x17, 0, 0, 0, 0, 1, 0x64, 0x00, 0x1e, 0xff, 0xe1];
            body.extend_from_slice(&(sps.len() as u16).to_be_bytes());
            body.extend_from_slice(&sps);
            body.extend_from_slice(&[1, 0, 4, 0x68, 0xce, 0x38, 0x80]);
            item.body = body;
        }
        true
    });
    let (out, r) = play_against(&served, &["-t", "2s"]);
    let (_, kind, message) = error(&r);
    assert_eq!(kind, "invalid_media", "{out}");
    assert!(message.contains("exp-Golomb"), "{message}");
}

/// Peak RSS of a probe that reads no 16 MiB anything: the binary's own need and a wide margin.
const RSS_BOUND_KIB: u64 = 16 * 1024;

#[test]
fn a_16_mib_video_frame_costs_no_16_mib() {
    let served = serve(|c| {
        serve_until_play(c)?;
        c.set_chunk_size(1 << 20)?;
        let mut g = generator();
        let mut first = true;
        stream(c, &mut g, Instant::now(), Duration::from_secs(1), |item| {
            if first && matches!(item.kind, ItemKind::VideoFrame { .. }) {
                first = false;
                item.body.resize((16 << 20) - 1, 0);
            }
            true
        })?;
        c.hold()
    });
    let url = served.url("live", STREAM);
    let m = measure::run(&[
        "--mode",
        "play",
        "--format",
        "json",
        "--duration",
        "500ms",
        "-t",
        "5s",
        &url,
    ]);
    assert_eq!(m.out.code, 0, "{}", m.out);
    let r = json(&m.out);
    assert!(
        r["media"]["bytes"].as_u64().unwrap() >= (16 << 20) - 1,
        "{}",
        m.out
    );
    assert!(
        m.max_rss_kib < RSS_BOUND_KIB,
        "peak RSS {} KiB for a 16 MiB frame",
        m.max_rss_kib
    );
}

#[test]
fn a_media_flood_moves_neither_the_deadline_nor_memory() {
    let served = serve(|c| {
        serve_until_play(c)?;
        c.set_chunk_size(1 << 16)?;
        let mut g = generator();
        // The sequence headers, then 256 KiB keyframes as fast as the socket takes them, until
        // the probe goes.
        for _ in 0..3 {
            let item = g.next(0);
            send_item(c, &item)?;
        }
        let mut t = 0u32;
        loop {
            let mut item = g.next(0);
            if !matches!(item.kind, ItemKind::VideoFrame { .. }) {
                continue;
            }
            item.body.resize(256 << 10, 0);
            item.timestamp_ms = t;
            t = t.wrapping_add(1);
            if send_item(c, &item).is_err() {
                return Ok(());
            }
        }
    });
    let url = served.url("live", STREAM);
    let timeout = Duration::from_secs(2);
    let m = measure::run(&[
        "--mode",
        "play",
        "--format",
        "json",
        "--duration",
        "1s",
        "-t",
        "2s",
        &url,
    ]);
    assert!(m.out.elapsed <= timeout + SLACK, "{}", m.out);
    let r = json(&m.out);
    assert!(
        r["media"]["bytes"].as_u64().unwrap() > 10 << 20,
        "a flood came: {}",
        m.out
    );
    assert!(r["media"]["window_s"].as_f64().unwrap() >= 1.0, "{}", m.out);
    assert!(
        m.max_rss_kib < RSS_BOUND_KIB,
        "peak RSS {} KiB under a flood",
        m.max_rss_kib
    );
}

#[test]
fn a_close_in_the_middle_of_the_stream_is_closed_with_how_far_it_got() {
    let served = serve(|c| {
        serve_until_play(c)?;
        stream_for(c, Duration::from_millis(500))?;
        c.close()
    });
    let (out, r) = play_against(&served, &["--duration", "2s", "-t", "4s"]);
    assert_eq!(out.code, 2, "{out}");
    let (step, kind, message) = error(&r);
    assert_eq!((step.as_str(), kind.as_str()), ("watch", "closed"));
    assert!(
        message.starts_with("the server closed the connection after 0.4")
            || message.starts_with("the server closed the connection after 0.5"),
        "{message}"
    );
    assert!(message.contains(" of the watch window ("), "{message}");
    assert!(
        r["media"]["video"]["frames"].as_u64().unwrap() >= 10,
        "{out}"
    );
}

#[test]
fn unpublish_notify_inside_the_window_is_publisher_left() {
    let served = serve(|c| {
        serve_until_play(c)?;
        stream_for(c, Duration::from_millis(600))?;
        c.send_command(
            CSID_NGINX_STATUS,
            1,
            on_status(
                "status",
                "NetStream.Play.UnpublishNotify",
                "qx7-stream is unpublished.",
            ),
        )?;
        c.send_control(Message::UserControl(UserControl::StreamEof(1)))?;
        c.hold()
    });
    let (out, r) = play_against(&served, &["--duration", "3s", "-t", "5s"]);
    assert_eq!(out.code, 2, "{out}");
    let (step, kind, message) = error(&r);
    assert_eq!((step.as_str(), kind.as_str()), ("watch", "publisher_left"));
    let after: f64 = message
        .strip_prefix("the publisher left after ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{message}"));
    assert!((0.5..0.8).contains(&after), "{message}");
    assert!(
        message.ends_with("(NetStream.Play.UnpublishNotify)"),
        "{message}"
    );
    assert!(out.elapsed < Duration::from_secs(2), "{out}");
}

#[test]
fn a_server_that_holds_media_until_acknowledged_is_played_through() {
    const WINDOW: u64 = 20_000;
    let served = serve(|c| {
        serve_until_play(c)?;
        c.send_control(Message::WindowAckSize(WINDOW as u32))?;
        let mut acked = c.sent_after_handshake;
        let mut g = generator();
        let start = Instant::now();
        while g.next_due() < Duration::from_millis(2500) {
            let due = start + g.next_due();
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                thread::sleep(wait);
            }
            let mut item = g.next(0);
            if matches!(item.kind, ItemKind::VideoFrame { .. }) {
                item.body.resize(item.body.len() + 4000, 0);
            }
            send_item(c, &item)?;
            // As servers that cut players off do: nothing more until the window is acknowledged.
            if c.sent_after_handshake - acked >= WINDOW {
                let sequence = c.wait_for(|m| match m {
                    Message::Acknowledgement { sequence } => Some(*sequence),
                    _ => None,
                })?;
                acked = u64::from(sequence);
            }
        }
        c.hold()
    });
    let (out, r) = play_against(&served, &["--duration", "1500ms", "-t", "5s"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        r["server"]["acknowledgements_sent"].as_u64().unwrap() >= 5,
        "{out}"
    );
    assert!(
        r["media"]["video"]["frames"].as_u64().unwrap() >= 30,
        "{out}"
    );
    let t = served.finish_one();
    assert!(
        t.acknowledgements().len() >= 5,
        "{:?}",
        t.acknowledgements()
    );
}

#[test]
fn the_exporter_exposes_a_play_modules_figures_under_probe_rtmp_names() {
    use crate::support::exporter::Exporter;
    let served = streaming(3.0, |_| true);
    let config = "allow_targets: [\"127.0.0.1\"]\nmodules:\n  channel: {mode: play, duration: 1s, timeout: 5s, critical: [\"fps=20:\"]}\n";
    let ex = Exporter::start(config, &[]);
    let r = ex.probe(&served.url("live", STREAM), "channel");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.sample("probe_success"), Some(1.0), "{}", r.body);
    assert_eq!(r.sample("probe_rtmp_status"), Some(0.0), "{}", r.body);
    assert_eq!(
        r.sample("probe_rtmp_fps_per_second"),
        Some(25.0),
        "{}",
        r.body
    );
    for name in [
        "probe_rtmp_video_bytes_per_second",
        "probe_rtmp_keyframe_interval_seconds",
        "probe_rtmp_max_gap_seconds",
        "probe_rtmp_backwards_timestamps",
        "probe_rtmp_duration_seconds{phase=\"first_keyframe\"}",
    ] {
        assert!(r.sample(name).is_some(), "{name} in\n{}", r.body);
    }
    crate::targets::promtool_check(&r.body);
}

#[test]
fn a_play_over_rtmps_has_its_tls_step_and_the_same_figures() {
    use crate::support::tls::{Case, Listener, TlsRig};
    let rig = TlsRig::start();
    let port = rig.front.port(Listener::Cert(Case::Good));
    let url = format!("rtmps://localhost:{port}/live/tlsplay");
    let ca = rig.pki.ca_file().to_string_lossy().into_owned();
    let probe = spawn_play(&["--ca-file", &ca, "--duration", "1s", "-t", "10s"], &url);
    wait_for_clients(|| rig.rtmp.stat(), "tlsplay", 1);
    let _publisher =
        FfmpegPublisher::start(&Fixture::Main30.path(), &rig.rtmp.url("live", "tlsplay"), 8);
    let out = probe.join().unwrap();
    assert_eq!(out.code, 0, "{out}");
    let r = json(&out);
    let names = steps(&r);
    assert_eq!(
        &names[..4],
        ["dns", "tcp_connect", "tls", "handshake"],
        "{out}"
    );
    assert_eq!(r["server"]["tls"]["verified"], true);
    assert_eq!(r["media"]["video"]["codec"], "h264");
    assert_eq!(r["media"]["video"]["fps"], 25.0);
}
