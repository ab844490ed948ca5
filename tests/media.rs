//! The media module on whole streams that ffmpeg makes here (x264 + AAC in FLV), compared with
//! what ffprobe says about the same files: codec, profile, level, size, sample rate, channels
//! exactly; frame rate, keyframe interval and bitrate from ffprobe's packets within stated
//! tolerances.
//!
//! The FLV tags go through `MediaMonitor` as an RTMP player would get them (a tag body is an
//! RTMP message payload), with arrival times equal to the media times.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rtmp_probe::media::flv::{flv_file, TAG_AUDIO, TAG_SCRIPT_DATA, TAG_VIDEO};
use rtmp_probe::media::monitor::{MediaMessage, MediaMonitor};
use rtmp_probe::media::stats::StatsConfig;
use rtmp_probe::media::summary::MediaSummary;
use rtmp_probe::protocol::amf0::decode_all;
use rtmp_probe::protocol::Limits;
use serde_json::Value;
use tempfile::TempDir;

const INSTALL_HINT: &str = "install ffmpeg (with libx264): apt-get install ffmpeg";

/// Runs a tool to completion; panics with its stderr, or with how to install it.
fn run(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): {INSTALL_HINT}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Encodes `seconds` of testsrc/sine into an FLV with the given encoder arguments.
fn make_flv(dir: &Path, name: &str, inputs: &[&str], codec_args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut args = vec!["-hide_banner", "-loglevel", "error", "-y"];
    args.extend(inputs);
    args.extend(codec_args);
    args.extend(["-f", "flv", path.to_str().unwrap()]);
    run("ffmpeg", &args);
    path
}

fn ffprobe(path: &Path, what: &[&str]) -> Value {
    let mut args = vec!["-v", "error", "-of", "json"];
    args.extend(what);
    args.push(path.to_str().unwrap());
    serde_json::from_slice(&run("ffprobe", &args)).expect("ffprobe prints JSON")
}

/// ffprobe's stream of a kind.
fn stream(path: &Path, kind: &str) -> Value {
    let v = ffprobe(path, &["-show_streams"]);
    v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} stream in {path:?}"))
}

/// ffprobe's packets of a kind: (pts in ms, size in bytes, keyframe).
fn packets(path: &Path, kind: &str) -> Vec<(f64, u64, bool)> {
    let v = ffprobe(path, &["-show_packets"]);
    v["packets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["codec_type"] == kind)
        .map(|p| {
            let dts: f64 = p["dts_time"].as_str().unwrap().parse().unwrap();
            let size: u64 = p["size"].as_str().unwrap().parse().unwrap();
            let key = p["flags"].as_str().unwrap().starts_with('K');
            (dts * 1000.0, size, key)
        })
        .collect()
}

/// Feeds every tag of the file to a monitor, arriving at its media time.
fn watch(path: &Path) -> MediaSummary {
    let data = std::fs::read(path).unwrap();
    let (_, tags) = flv_file(&data).unwrap();
    let mut m = MediaMonitor::new(StatsConfig {
        gap_threshold: Duration::from_secs(2),
    });
    let mut last = 0;
    for tag in tags {
        let tag = tag.unwrap();
        let msg = MediaMessage::whole(
            tag.timestamp,
            Duration::from_millis(tag.timestamp.into()),
            tag.body,
        );
        match tag.tag_type {
            TAG_VIDEO => {
                m.on_video(msg).unwrap();
            }
            TAG_AUDIO => {
                m.on_audio(msg).unwrap();
            }
            TAG_SCRIPT_DATA => {
                m.on_data(&decode_all(tag.body, &Limits::default()).unwrap());
            }
            other => panic!("tag type {other}"),
        }
        last = last.max(tag.timestamp);
    }
    m.summary(Duration::from_millis(u64::from(last) + 40))
}

fn within(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance * expected.abs()
}

#[test]
fn an_x264_main_30_and_aac_stream_reads_as_ffprobe_reads_it() {
    let dir = TempDir::new().unwrap();
    let path = make_flv(
        dir.path(),
        "main30.flv",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=640x360:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100",
        ],
        &[
            "-ac",
            "2",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-profile:v",
            "main",
            "-level",
            "3.0",
            "-g",
            "50",
            "-c:a",
            "aac",
            "-t",
            "4",
        ],
    );
    let s = watch(&path);
    let (pv, pa) = (stream(&path, "video"), stream(&path, "audio"));

    let v = s.video.as_ref().unwrap();
    let info = v.info.as_ref().unwrap();
    assert_eq!(v.codec_name().unwrap(), pv["codec_name"].as_str().unwrap());
    assert_eq!(info.profile, pv["profile"].as_str());
    assert_eq!(info.level.map(i64::from), pv["level"].as_i64());
    assert_eq!(info.width.map(i64::from), pv["width"].as_i64());
    assert_eq!(info.height.map(i64::from), pv["height"].as_i64());
    assert_eq!(
        (info.width, info.height, info.level),
        (Some(640), Some(360), Some(30))
    );

    let video_packets = packets(&path, "video");
    assert_eq!(v.frames(), video_packets.len() as u64);
    let keys: Vec<f64> = video_packets.iter().filter(|p| p.2).map(|p| p.0).collect();
    assert_eq!(v.keyframes(), keys.len() as u64);
    assert_eq!(keys, [0.0, 2000.0], "ffprobe sees a keyframe every 2 s");
    let k = v.keyframe_interval().unwrap();
    assert_eq!((k.min_s, k.max_s, k.mean_s), (2.0, 2.0, 2.0));
    assert!(within(v.fps().unwrap(), 25.0, 1e-9), "{:?}", v.fps());
    // ffprobe's packet sizes are the tag bodies without their 5-byte AVC header; with it, its
    // packets give the same 8 x mean size x frame rate.
    let bytes: u64 = video_packets.iter().map(|p| p.1 + 5).sum();
    let span_s = (video_packets.last().unwrap().0 - video_packets[0].0) / 1000.0;
    let frames = video_packets.len() as f64;
    let expected = bytes as f64 * 8.0 / frames * ((frames - 1.0) / span_s);
    let bps = v.bitrate_bps().unwrap() as f64;
    assert!(within(bps, expected, 0.001), "{bps} vs {expected}");

    let a = s.audio.as_ref().unwrap();
    let ainfo = a.info.as_ref().unwrap();
    assert_eq!(a.codec_name().unwrap(), pa["codec_name"].as_str().unwrap());
    assert_eq!(ainfo.profile, pa["profile"].as_str());
    assert_eq!(
        ainfo.sample_rate.map(|r| r.to_string()).as_deref(),
        pa["sample_rate"].as_str()
    );
    assert_eq!(ainfo.channels.map(i64::from), pa["channels"].as_i64());
    let audio_packets = packets(&path, "audio");
    assert_eq!(a.frames(), audio_packets.len() as u64);
    // ffmpeg's AAC encoder at its default 128 kbit/s for stereo.
    let abps = a.bitrate_bps().unwrap() as f64;
    assert!(within(abps, 128_000.0, 0.1), "{abps}");

    assert_eq!(s.disagreements, [], "ffmpeg's own metadata matches");
    assert_eq!((s.stalls, s.problem_count), (0, 0));
    // Drift: last video timestamp minus last audio timestamp (here the file's end, where the
    // audio runs on past the last frame).
    let expected = (video_packets.last().unwrap().0 - audio_packets.last().unwrap().0) / 1000.0;
    let drift = s.av_drift_s.unwrap();
    assert!((drift - expected).abs() < 0.0015, "{drift} vs {expected}");
}

#[test]
fn a_10_s_gop_shows_as_a_10_s_keyframe_interval() {
    let dir = TempDir::new().unwrap();
    let path = make_flv(
        dir.path(),
        "gop10.flv",
        &["-f", "lavfi", "-i", "testsrc=size=320x180:rate=25"],
        &[
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "250",
            "-sc_threshold",
            "0",
            "-t",
            "12",
        ],
    );
    let s = watch(&path);
    let v = s.video.unwrap();
    let keys: Vec<f64> = packets(&path, "video")
        .iter()
        .filter(|p| p.2)
        .map(|p| p.0)
        .collect();
    assert_eq!(keys, [0.0, 10_000.0]);
    let k = v.keyframe_interval().unwrap();
    assert_eq!(
        (v.keyframes(), k.closed, k.min_s, k.max_s),
        (2, 1, 10.0, 10.0)
    );
    // The open interval after the second keyframe: the 2 s to the end, 1.96 s of timestamps.
    assert!(within(k.open_s, 1.96, 1e-9), "{}", k.open_s);
    assert!(s.audio.is_none() && s.av_drift_s.is_none());
}

#[test]
fn an_audio_only_aac_stream_has_no_video() {
    let dir = TempDir::new().unwrap();
    let path = make_flv(
        dir.path(),
        "radio.flv",
        &["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"],
        &["-ac", "1", "-c:a", "aac", "-b:a", "64k", "-t", "3"],
    );
    let s = watch(&path);
    assert!(s.video.is_none());
    let a = s.audio.unwrap();
    let pa = stream(&path, "audio");
    let info = a.info.as_ref().unwrap();
    assert_eq!((info.sample_rate, info.channels), (Some(48000), Some(1)));
    assert_eq!(
        info.sample_rate.map(|r| r.to_string()).as_deref(),
        pa["sample_rate"].as_str()
    );
    assert!(within(a.bitrate_bps().unwrap() as f64, 64_000.0, 0.1));
    assert!(within(
        a.track.unwrap().fps.unwrap(),
        48000.0 / 1024.0,
        0.01
    ));
    assert_eq!(s.disagreements, [], "{:?}", s.disagreements);
}
