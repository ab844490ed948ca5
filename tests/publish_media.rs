//! The publish check with synthetic media (`--duration`) and Enhanced RTMP, end to end: against a
//! real nginx-rtmp while ffmpeg, ffprobe or a player of the test's own read the stream back from
//! it, and against scripted servers that misbehave on cue.

use crate::support::nginx::Nginx;
use crate::support::probe::{self, ProbeOutput};
use crate::support::report;
use crate::support::rtmp;
use crate::support::script::{
    on_status, serve, serve_n, Conn, Served, Transcript, CSID_NGINX_STATUS,
};
use rtmp_probe::media::synth::find_marker;
use rtmp_probe::protocol::amf0::Value as AmfValue;
use rtmp_probe::protocol::chunk::RawMessage;
use rtmp_probe::protocol::command::Command;
use rtmp_probe::protocol::message::Message;
use serde_json::Value;
use std::thread;
use std::time::{Duration, Instant};

/// Runs the probe on a thread of its own (the test meanwhile plays the stream).
fn probe_in_background(args: Vec<String>) -> thread::JoinHandle<ProbeOutput> {
    thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        probe::run(&args)
    })
}

/// Waits until `ready` holds for the `<stream>` block of `stream` in nginx's /stat page; `what`
/// says what it waits for, if it never comes.
fn wait_for_stat(nginx: &Nginx, stream: &str, what: &str, ready: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stat = nginx.stat();
        let block = stat
            .split("<stream>")
            .find(|s| s.contains(&format!("<name>{stream}</name>")));
        if block.is_some_and(&ready) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} of {stream} never showed in /stat:\n{stat}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until nginx's /stat shows `n` players of `stream` (a player of a stream nobody
/// publishes yet is kept waiting, so the players see the stream from its first message).
fn wait_for_players(nginx: &Nginx, stream: &str, n: usize) {
    wait_for_stat(nginx, stream, &format!("{n} players"), |s| {
        s.matches("<client>").count() >= n
    });
}

/// A program run on a thread of its own with a deadline (the output of a player).
fn run_in_background(program: &'static str, args: Vec<String>) -> thread::JoinHandle<ProbeOutput> {
    thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        probe::run_program(program, &args, &[], Duration::from_secs(30))
    })
}

fn json(out: &ProbeOutput) -> Value {
    report::parse_valid(&out.stdout)
}

#[test]
fn ffmpeg_and_ffprobe_play_the_probes_h264_and_aac_from_nginx_and_decode_it_without_an_error() {
    let nginx = Nginx::start();
    let url = nginx.url("live", "media-a");
    // ffmpeg decodes 2.5 s of it (it would wait for more after the publisher left) and prints
    // nothing with -v error -xerror; framecrc on stdout counts the video frames it decoded.
    let ffmpeg = run_in_background(
        "ffmpeg",
        [
            "-nostdin", "-v", "error", "-xerror", "-i", &url, "-t", "2.5", "-f", "null", "-",
            "-map", "0:v", "-t", "2.5", "-f", "framecrc", "pipe:1",
        ]
        .map(String::from)
        .to_vec(),
    );
    let ffprobe = run_in_background(
        "ffprobe",
        ["-v", "error", "-show_streams", "-of", "json", &url]
            .map(String::from)
            .to_vec(),
    );
    wait_for_players(&nginx, "media-a", 2);
    let out = probe::run(&[
        "--duration",
        "3s",
        "-t",
        "10s",
        "--size",
        "640x360",
        "--fps",
        "25",
        "--format",
        "json",
        &url,
    ]);
    assert_eq!(out.code, 0, "{out}");
    let r = json(&out);
    let steps = report::step_names(&r);
    assert_eq!(&steps[6..], ["verify", "media", "unpublish"], "{out}");
    let media = &r["steps"][7];
    let ms = media["duration_ms"].as_f64().unwrap();
    assert!(
        (3000.0..4000.0).contains(&ms),
        "the window lasts --duration: {media}"
    );
    let p = &r["published"];
    assert_eq!(p["video"]["codec"], "h264");
    assert_eq!(
        (p["video"]["width"].as_u64(), p["video"]["height"].as_u64()),
        (Some(640), Some(360))
    );
    assert_eq!(p["video"]["frame_rate"], 25.0);
    // 3 s at 25 fps; key frames at 0 and 2 s; AAC frames of 1024 samples at 48 kHz due before 3 s.
    assert_eq!(p["video"]["frames"], 75, "{p}");
    assert_eq!(p["video"]["keyframes"], 2, "{p}");
    assert_eq!(p["audio"]["codec"], "aac");
    assert_eq!(p["audio"]["frames"], 141, "{p}");
    assert_eq!(p["duration_ms"], 3000.0);
    assert_eq!(p["media_ms"], 3000.0);
    assert_eq!(
        (p["metadata"].as_u64(), p["sequence_headers"].as_u64()),
        (Some(1), Some(2))
    );
    assert!(p["bytes"].as_u64().unwrap() > 75 * 70, "{p}");
    assert!(
        r["summary"]
            .as_str()
            .unwrap()
            .starts_with("publish with 3.00 s of h264/aac media accepted by"),
        "{out}"
    );

    let ffmpeg = ffmpeg.join().unwrap();
    assert_eq!(ffmpeg.code, 0, "ffmpeg: {ffmpeg}");
    assert!(ffmpeg.stderr.is_empty(), "ffmpeg printed: {ffmpeg}");
    let decoded = ffmpeg
        .stdout
        .lines()
        .filter(|l| l.starts_with("0,"))
        .count();
    // 2.5 s at 25 fps: ffmpeg stops at its -t.
    assert!(
        (60..=63).contains(&decoded),
        "{decoded} frames decoded: {ffmpeg}"
    );

    let ffprobe = ffprobe.join().unwrap();
    assert!(
        ffprobe.code == 0 && ffprobe.stderr.is_empty(),
        "ffprobe: {ffprobe}"
    );
    let streams: Value = serde_json::from_str(&ffprobe.stdout).expect("ffprobe's JSON");
    let streams = streams["streams"].as_array().expect("streams");
    let video = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .expect("a video stream");
    let audio = streams
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .expect("an audio stream");
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(640), Some(360))
    );
    assert_eq!(video["r_frame_rate"], "25/1");
    assert_eq!(audio["codec_name"], "aac");
    assert_eq!(audio["sample_rate"], "48000");
    assert_eq!(audio["channels"], 2);
}

/// What a player of the test's own received: video tag bodies (first byte, markers), audio first
/// bytes, data messages.
struct Received {
    video: Vec<RawMessage>,
    audio: Vec<RawMessage>,
    data: usize,
}

fn play_while_the_probe_publishes(
    nginx: &Nginx,
    app: &str,
    stream: &str,
    args: &[&str],
) -> (ProbeOutput, Received) {
    let mut player = rtmp::player(nginx.rtmp_port(), app, stream);
    let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    all.push(nginx.url(app, stream));
    let probe = probe_in_background(all);
    let messages = player.media_until(Instant::now() + Duration::from_secs(8), &|| {
        probe.is_finished()
    });
    let out = probe.join().unwrap();
    let (video, rest): (Vec<RawMessage>, Vec<RawMessage>) =
        messages.into_iter().partition(|m| m.type_id == 9);
    let (audio, data): (Vec<RawMessage>, Vec<RawMessage>) =
        rest.into_iter().partition(|m| m.type_id == 8);
    (
        out,
        Received {
            video,
            audio,
            data: data.len(),
        },
    )
}

#[test]
fn nginx_rtmp_keeps_an_enhanced_hevc_and_opus_publish_relays_the_opus_but_never_the_hevc_video() {
    let nginx = Nginx::start();
    let (out, got) = play_while_the_probe_publishes(
        &nginx,
        "live",
        "enh-a",
        &[
            "--video",
            "hevc",
            "--audio",
            "opus",
            "--duration",
            "1s",
            "-t",
            "8s",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "nginx-rtmp 1.1.4 keeps the session: {out}");
    let r = json(&out);
    assert_eq!(
        r["server"]["enhanced"],
        Value::Null,
        "it advertises nothing: {out}"
    );
    assert_eq!(r["published"]["enhanced"], true);
    assert_eq!(r["published"]["video"]["frames"], 30);
    let notes: Vec<&str> = r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("advertises no Enhanced RTMP codecs")),
        "{out}"
    );
    // Its live module reads the frame type from the first byte's upper half: an
    // ExVideoTagHeader's is 9 for a key frame (IsExHeader | KeyFrame), never 1, so with
    // wait_key on (the default) a player is never sent a video message. Audio is not held back:
    // the Opus ExAudioTagHeaders (first byte 0x9?: SoundFormat 9, ExHeader) arrive as sent.
    assert!(
        got.video.is_empty(),
        "no HEVC video reaches the player: {} messages",
        got.video.len()
    );
    assert!(got.audio.len() >= 45, "{} Opus messages", got.audio.len());
    assert!(got
        .audio
        .iter()
        .all(|m| m.payload.first().map(|b| b >> 4) == Some(9)));
    assert!(got.data >= 1, "the metadata is relayed");
}

#[test]
fn with_wait_key_off_nginx_rtmp_relays_hevc_and_av1_exvideotagheaders_as_sent() {
    let nginx = Nginx::builder()
        .application(
            "nokey",
            "live on; wait_key off; allow publish all; allow play all;",
        )
        .start();
    for (codec, stream) in [("hevc", "enh-h"), ("av1", "enh-v")] {
        let (out, got) = play_while_the_probe_publishes(
            &nginx,
            "nokey",
            stream,
            &[
                "--video",
                codec,
                "--audio",
                "none",
                "--duration",
                "1s",
                "-t",
                "8s",
                "--format",
                "json",
            ],
        );
        assert_eq!(out.code, 0, "{out}");
        let sent = json(&out)["published"]["video"]["frames"].as_u64().unwrap();
        // The player joined first, so it gets the SequenceStart too (nginx-rtmp does not know it
        // for a sequence header, so it never keeps it for players who join later), then every
        // coded frame with its marker intact.
        let first = got.video.first().expect("video reaches the player");
        assert_eq!(
            first.payload.first().map(|b| b & 0x8f),
            Some(0x80),
            "ExVideoTagHeader SequenceStart"
        );
        let markers: Vec<u64> = got
            .video
            .iter()
            .filter_map(|m| find_marker(&m.payload))
            .inspect(|m| assert!(m.checksum_ok))
            .map(|m| m.seq)
            .collect();
        assert_eq!(
            markers,
            (0..sent).collect::<Vec<_>>(),
            "{codec}: every frame, in order"
        );
    }
    // A player that joins once the stream runs gets the coded frames but no SequenceStart:
    // nginx-rtmp keeps only AVC and AAC sequence headers for late players.
    let probe = probe_in_background(
        [
            "--video",
            "hevc",
            "--audio",
            "none",
            "--duration",
            "1500ms",
            "-t",
            "8s",
        ]
        .map(String::from)
        .into_iter()
        .chain([nginx.url("nokey", "enh-late")])
        .collect(),
    );
    wait_for_publisher(&nginx, "enh-late");
    thread::sleep(Duration::from_millis(300));
    let mut late = rtmp::player(nginx.rtmp_port(), "nokey", "enh-late");
    let got = late.media_until(Instant::now() + Duration::from_secs(8), &|| {
        probe.is_finished()
    });
    let out = probe.join().unwrap();
    assert_eq!(out.code, 0, "{out}");
    let video: Vec<&RawMessage> = got.iter().filter(|m| m.type_id == 9).collect();
    assert!(
        video.len() >= 20,
        "{} frames reached the late player",
        video.len()
    );
    assert!(
        video
            .iter()
            .all(|m| m.payload.first().map(|b| b & 0x0f) != Some(0)),
        "no SequenceStart for a player that joined late"
    );
    let (last, frames) = video.split_last().unwrap();
    assert!(frames.iter().all(|m| find_marker(&m.payload).is_some()));
    assert_eq!(
        last.payload.first().map(|b| b & 0x0f),
        Some(2),
        "SequenceEnd, then the stop"
    );
}

/// Waits until nginx's /stat shows a publisher of `stream`.
fn wait_for_publisher(nginx: &Nginx, stream: &str) {
    wait_for_stat(nginx, stream, "a publisher", |s| {
        s.contains("<publishing/>")
    });
}

// ---------------------------------------------------------------------------------------------
// scripted servers

/// The stream the probe publishes to the scripted servers.
const STREAM: &str = "qx7-media";

/// Runs the probe against a scripted server with `--format json` and `args`.
fn against(served: &Served, args: &[&str]) -> (ProbeOutput, Value) {
    let url = served.url("live", STREAM);
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    all.push(&url);
    let out = probe::run(&all);
    let r = report::parse_valid(&out.stdout);
    (out, r)
}

/// Asserts a CRITICAL at `step` of `kind` and returns the message, which ends the summary.
fn critical(out: &ProbeOutput, r: &Value, step: &str, kind: &str) -> String {
    assert_eq!(out.code, 2, "{out}");
    assert_eq!(
        (r["error"]["step"].as_str(), r["error"]["kind"].as_str()),
        (Some(step), Some(kind)),
        "{out}"
    );
    let message = r["error"]["message"].as_str().unwrap().to_string();
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("publish to 127.0.0.1:") && summary.ends_with(&message),
        "{out}"
    );
    message
}

/// Whether a video message is an Enhanced RTMP ExVideoTagHeader.
fn ex_video(m: &Message) -> bool {
    matches!(m, Message::Video(b) if b.first().is_some_and(|x| x & 0x80 != 0))
}

/// Everything up to and including the client's `@setDataFrame`.
fn publishing(c: &mut Conn) -> std::io::Result<()> {
    c.handshake()?;
    c.serve_connect()?;
    c.serve_create_stream()?;
    c.serve_publish()?;
    c.serve_verify()
}

/// Reads until the client has sent `n` coded video frames (sequence headers do not count).
fn video_frames(c: &mut Conn, n: usize) -> std::io::Result<()> {
    let mut seen = 0;
    c.wait_for(|m| {
        if let Message::Video(b) = m {
            if find_marker(b).is_some() {
                seen += 1;
            }
        }
        (seen >= n).then_some(())
    })
}

/// A server that serves the publish and its metadata, then drops the session (a reset when
/// `reset`) once the client sent a message `is_header` picks; the probe's codec_refused message
/// and the script's transcript.
fn refused_after(
    args: &[&str],
    is_header: fn(&Message) -> bool,
    reset: bool,
) -> (Value, Transcript) {
    let served = serve(move |c| {
        publishing(c)?;
        c.wait_for(|m| is_header(m).then_some(()))?;
        if reset {
            c.reset()
        } else {
            c.close()
        }
    });
    let mut all = args.to_vec();
    all.extend(["-t", "2s"]);
    let (out, r) = against(&served, &all);
    critical(&out, &r, "verify", "codec_refused");
    (r, served.finish_one())
}

#[test]
fn a_server_that_drops_the_session_on_the_first_hevc_sequence_header_does_not_accept_hevc() {
    let (r, t) = refused_after(&["--video", "hevc"], ex_video, false);
    assert_eq!(
        r["error"]["message"],
        "the server closed the connection after the first HEVC sequence header (Enhanced RTMP): \
         it does not accept hevc"
    );
    // The AAC sequence header went with the metadata, before the window that proved the publish.
    assert_eq!(r["published"]["sequence_headers"], 2);
    assert_eq!(r["published"]["video"]["frames"], 0);
    let first_ex = t
        .received
        .iter()
        .position(ex_video)
        .expect("an ExVideoTagHeader");
    let metadata = t
        .received
        .iter()
        .position(|m| matches!(m, Message::Data { .. }))
        .unwrap();
    assert!(
        metadata < first_ex,
        "the metadata goes first, alone with the legacy headers"
    );
}

#[test]
fn a_server_that_resets_the_session_on_the_opus_header_does_not_accept_opus_and_h264_passed() {
    let opus = |m: &Message| matches!(m, Message::Audio(b) if b.first() == Some(&0x90));
    let (r, _) = refused_after(&["--audio", "opus"], opus, true);
    assert_eq!(
        r["error"]["message"],
        "the server reset the connection after the first Opus sequence header (Enhanced RTMP): \
         it does not accept opus"
    );
}

#[test]
fn a_server_that_drops_the_publish_before_any_codec_header_is_still_dropped_after_publish() {
    // The unauthorised-publisher drop: it must not be read as a codec refusal, even for HEVC.
    let served = serve(|c| {
        c.handshake()?;
        c.serve_connect()?;
        c.serve_create_stream()?;
        c.serve_publish()?;
        c.close()
    });
    let (out, r) = against(&served, &["--video", "hevc", "-t", "2s"]);
    critical(&out, &r, "verify", "dropped_after_publish");
    served.finish_one();
}

/// The number in "after N video frames".
fn frames_in(message: &str) -> u64 {
    let (_, rest) = message.split_once("after ").expect("after N video frames");
    rest.split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count")
}

#[test]
fn a_server_that_drops_the_stream_mid_way_is_critical_saying_after_how_long_and_how_many_frames() {
    let served = serve(|c| {
        publishing(c)?;
        video_frames(c, 10)?;
        c.close()
    });
    let (out, r) = against(&served, &["--duration", "3s", "-t", "5s"]);
    let message = critical(&out, &r, "media", "dropped_after_publish");
    assert!(
        message.starts_with("the server closed the connection 0.")
            && message.contains(" s into the media, after "),
        "{message}"
    );
    let frames = frames_in(&message);
    assert!((10..=12).contains(&frames), "{message}");
    assert_eq!(r["published"]["video"]["frames"], frames, "{out}");
    assert!(message.contains("video frames (1 keyframe), "), "{message}");
    assert!(
        out.elapsed < Duration::from_secs(2),
        "the drop ends the check at once: {out}"
    );
    let media = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "media")
        .unwrap();
    assert_eq!(media["ok"], false);
    served.finish_one();
}

#[test]
fn an_error_status_mid_stream_is_the_servers_refusal_with_how_far_the_stream_got() {
    let served = serve(|c| {
        publishing(c)?;
        video_frames(c, 5)?;
        c.send_command(
            CSID_NGINX_STATUS,
            1,
            on_status(
                "error",
                "NetStream.Publish.Denied",
                "bitrate over the limit",
            ),
        )?;
        c.hold()
    });
    let (out, r) = against(&served, &["--duration", "3s", "-t", "5s"]);
    let message = critical(&out, &r, "media", "rejected");
    assert!(
        message.starts_with("rejected: NetStream.Publish.Denied \"bitrate over the limit\" (0."),
        "{message}"
    );
    assert!(message.contains(" s into the media; "), "{message}");
    assert_eq!(r["error"]["code"], "NetStream.Publish.Denied");
    served.finish_one();
}

/// connect's `_result` of a server that knows Enhanced RTMP v2, with one hostile FourCC.
fn enhanced_connect_result(tx: f64) -> Command {
    let object = |props: Vec<(&str, AmfValue)>| {
        AmfValue::Object(props.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    Command::new(
        "_result",
        tx,
        object(vec![
            ("fmsVer", "FMS/3,5,7,7009".into()),
            ("capabilities", 31.0.into()),
            (
                "fourCcList",
                AmfValue::StrictArray(vec![
                    "hvc1".into(),
                    "av01".into(),
                    "\u{1b}[2Jx\nRTMP OK".into(),
                ]),
            ),
            (
                "videoFourCcInfoMap",
                object(vec![("hvc1", 7.0.into()), ("av01", 4.0.into())]),
            ),
            ("audioFourCcInfoMap", object(vec![("Opus", 4.0.into())])),
            ("capsEx", 1.0.into()),
        ]),
        vec![object(vec![
            ("level", "status".into()),
            ("code", "NetConnection.Connect.Success".into()),
            ("description", "Connection succeeded.".into()),
        ])],
    )
}

#[test]
fn what_an_enhanced_server_advertises_in_its_connect_reply_is_reported_sanitised() {
    let served = serve_n(2, |c| {
        c.handshake()?;
        let connect = c.wait_command("connect")?;
        c.send_nginx_preamble()?;
        c.send_command(3, 0, enhanced_connect_result(connect.transaction_id))?;
        c.hold()
    });
    // Without publishing: --mode connect --enhanced asks what the server takes.
    let (out, r) = against(&served, &["--mode", "connect", "--enhanced", "-t", "2s"]);
    assert_eq!(out.code, 0, "{out}");
    let e = &r["server"]["enhanced"];
    assert_eq!(
        e["fourcc_list"],
        serde_json::json!(["hvc1", "av01", " [2Jx RTMP OK"]),
        "{out}"
    );
    assert_eq!(
        e["video_fourcc_info_map"],
        serde_json::json!({"hvc1": 7.0, "av01": 4.0})
    );
    assert_eq!(e["audio_fourcc_info_map"], serde_json::json!({"Opus": 4.0}));
    assert_eq!(e["caps_ex"], 1.0);
    assert_eq!(
        r["published"],
        Value::Null,
        "a connect check publishes nothing"
    );
    assert!(
        r["notes"].as_array().unwrap().is_empty(),
        "it advertises hvc1: {out}"
    );
    let url = served.url("live", STREAM);
    let text = probe::run(&[
        "--mode",
        "connect",
        "--enhanced",
        "-t",
        "2s",
        "--format",
        "text",
        &url,
    ]);
    assert!(
        text.stdout.lines().any(|l| l
            == "server: Enhanced RTMP fourCcList [hvc1, av01,  [2Jx RTMP OK], videoFourCcInfoMap \
                {hvc1: 7, av01: 4}, audioFourCcInfoMap {Opus: 4}, capsEx 1"),
        "{text}"
    );
    assert!(
        !text
            .stdout
            .lines()
            .any(|l| l.starts_with("RTMP OK") && l.len() < 12),
        "{text}"
    );
    // What the probe's connect carried.
    for t in served.finish() {
        let connect = t
            .commands()
            .into_iter()
            .find(|c| c.name == "connect")
            .cloned()
            .unwrap();
        let list = connect
            .command_object
            .get("fourCcList")
            .expect("fourCcList sent");
        assert_eq!(
            list,
            &AmfValue::StrictArray(
                ["av01", "hvc1", "avc1", "Opus", "mp4a"]
                    .map(AmfValue::from)
                    .to_vec()
            )
        );
        assert!(connect.command_object.get("videoFourCcInfoMap").is_some());
        assert_eq!(
            connect.command_object.get("capsEx"),
            Some(&AmfValue::Number(0.0))
        );
    }
}

#[test]
fn a_flood_from_the_server_during_the_media_window_neither_starves_the_pacing_nor_outlives_it() {
    // A server that floods the publisher with audio once the publish started, as fast as the
    // probe reads: the frames still leave on time, and the window still ends.
    let served = serve(|c| {
        publishing(c)?;
        let block = Message::Audio(vec![0xAFu8; 4000].into());
        loop {
            c.send(4, 1, block.clone())?;
        }
    });
    let (out, r) = against(
        &served,
        &["--duration", "1s", "-t", "3s", "--teardown-wait", "50ms"],
    );
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(r["published"]["video"]["frames"], 30, "{out}");
    let media = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "media")
        .unwrap();
    let ms = media["duration_ms"].as_f64().unwrap();
    assert!((1000.0..1400.0).contains(&ms), "{media}");
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("media or data messages"),
        "a flood it was: {out}"
    );
    served.finish_one();
}

#[test]
fn bad_media_options_are_one_line_usage_errors_naming_the_option_in_the_format_asked_for() {
    let url = "rtmp://127.0.0.1:1/live/x";
    let out = probe::run(&["--size", "13x7", url]);
    assert_eq!(out.code, 3, "{out}");
    assert_eq!(
        out.stdout,
        "RTMP UNKNOWN - invalid arguments: --size: video size 13x7: width and height must be \
         even, from 2 to 4096 wide and 2 to 2304 high, at most 36864 16x16 macroblocks (e.g. \
         320x180, 1280x720, 1920x1080)\n"
    );
    let out = probe::run(&["--format", "json", "--fps", "0", url]);
    assert_eq!(out.code, 3, "{out}");
    let r = report::parse_valid(&out.stdout);
    assert_eq!(r["error"]["kind"], "usage");
    assert_eq!(
        r["error"]["message"],
        "invalid arguments: --fps: frame rate 0: must be between 1/1000 and 240 frames per second"
    );
    let out = probe::run(&["--duration", "20s", url]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout.contains("--duration 20s leaves no time") && out.stdout.contains("-t 25s"),
        "{out}"
    );
    let out = probe::run(&["--size", "12", url]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout.contains("'--size <WxH>'") && out.stdout.contains("write WIDTHxHEIGHT"),
        "{out}"
    );
    assert_eq!(out.stdout.lines().count(), 1, "{out}");
}
