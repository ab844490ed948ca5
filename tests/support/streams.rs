//! Media for the play tests: a scripted server that plays the probe's own synthetic stream
//! (src/media/synth) at its media pace, and real streams of known facts that ffmpeg encodes once
//! per test run and publishes to a private nginx-rtmp.
//!
//! The ffmpeg files are made once (cached under the target directory, so a second run of the
//! suite reuses them) and published with `-c copy -readrate N`: no encoder runs while a test
//! watches, and a stream of 20 s of media takes 20/N s. ffprobe reads the same file, so a test
//! can compare what the probe reports with ffprobe's packets.

use super::script::{connect_result, create_stream_result, on_status, Conn, CSID_NGINX_STATUS};
use rtmp_probe::media::synth::{AudioCodec, FrameRate, Generator, Item, SynthConfig};
use rtmp_probe::protocol::message::{Message, UserControl};
use serde_json::Value as Json;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

const INSTALL_HINT: &str = "install ffmpeg (with libx264): apt-get install ffmpeg";

// ---------------------------------------------------------------------------------------------
// a scripted player's server

/// The synthetic stream: 320x180 H.264 at 25 fps, a keyframe every 2 s, AAC 48 kHz stereo.
pub fn generator() -> Generator {
    Generator::new(SynthConfig {
        frame_rate: FrameRate::per_second(25),
        audio: AudioCodec::Aac,
        ..SynthConfig::default()
    })
    .expect("a valid synthetic stream")
}

/// What nginx-rtmp answers a player, up to `NetStream.Play.Start`: the handshake, connect,
/// createStream (stream 1), then Stream Begin and `Play.Start` once `play` comes.
pub fn serve_until_play(c: &mut Conn) -> io::Result<()> {
    c.handshake()?;
    let connect = c.wait_command("connect")?;
    c.send_nginx_preamble()?;
    c.send_command(3, 0, connect_result(connect.transaction_id))?;
    let create = c.wait_command("createStream")?;
    c.send_command(3, 0, create_stream_result(create.transaction_id, 1.0))?;
    c.wait_command("play")?;
    c.send_control(Message::UserControl(UserControl::StreamBegin(1)))?;
    c.send_command(
        CSID_NGINX_STATUS,
        1,
        on_status("status", "NetStream.Play.Start", "Start live"),
    )
}

/// Sends one item of the synthetic stream on message stream 1 (video on chunk stream 6, the
/// rest on 4, as ffmpeg and nginx-rtmp do).
pub fn send_item(c: &mut Conn, item: &Item) -> io::Result<()> {
    let raw = item.clone().into_raw(1);
    let message = Message::Unknown {
        type_id: raw.type_id,
        payload: raw.payload,
    };
    c.send_at(raw.csid, 1, raw.timestamp, message)
}

/// Sends the items of `g` due before `until` (media time), each when it is due after `start`
/// (the server sleeps in between), as `edit` leaves it (`false` drops it).
pub fn stream(
    c: &mut Conn,
    g: &mut Generator,
    start: Instant,
    until: Duration,
    mut edit: impl FnMut(&mut Item) -> bool,
) -> io::Result<()> {
    while g.next_due() < until {
        let due = start + g.next_due();
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        let mut item = g.next(0);
        if edit(&mut item) {
            send_item(c, &item)?;
        }
    }
    Ok(())
}

/// Sends `until` of the synthetic stream from now, each item when it is due.
pub fn stream_for(c: &mut Conn, until: Duration) -> io::Result<()> {
    let mut g = generator();
    stream(c, &mut g, Instant::now(), until, |_| true)
}

// ---------------------------------------------------------------------------------------------
// real streams, made by ffmpeg

/// The streams of known facts the nginx tests publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixture {
    /// testsrc 640x360 at 25 fps, x264 Main 3.0, a keyframe every 2 s (50 frames, no scene
    /// cuts), 800 kbit/s CBR with filler; AAC-LC 44.1 kHz stereo; 20 s.
    Main30,
    /// testsrc 320x180 at 25 fps, x264, a keyframe every 10 s; no audio; 25 s.
    Gop10,
    /// A 440 Hz sine, AAC-LC 48 kHz mono at 64 kbit/s; no video; 20 s.
    AudioOnly,
}

impl Fixture {
    fn name(self) -> &'static str {
        match self {
            Fixture::Main30 => "main30.flv",
            Fixture::Gop10 => "gop10.flv",
            Fixture::AudioOnly => "radio.flv",
        }
    }

    #[rustfmt::skip]
    fn ffmpeg_args(self) -> Vec<&'static str> {
        match self {
            Fixture::Main30 => vec![
                "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                "-ac", "2", "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast",
                "-profile:v", "main", "-level", "3.0", "-g", "50", "-sc_threshold", "0",
                "-b:v", "800k", "-maxrate", "800k", "-bufsize", "800k",
                "-x264-params", "nal-hrd=cbr", "-c:a", "aac", "-t", "20",
            ],
            Fixture::Gop10 => vec![
                "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
                "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
                "-g", "250", "-sc_threshold", "0", "-t", "25",
            ],
            Fixture::AudioOnly => vec![
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-ac", "1", "-c:a", "aac", "-b:a", "64k", "-t", "20",
            ],
        }
    }

    /// The file, made now if this run has not made it yet (once per fixture: tests wait for
    /// each other rather than encode twice).
    pub fn path(self) -> PathBuf {
        static MADE: Mutex<()> = Mutex::new(());
        let _once = MADE.lock().unwrap_or_else(|e| e.into_inner());
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("play-fixtures");
        std::fs::create_dir_all(&dir).expect("create the fixture directory");
        let path = dir.join(self.name());
        if path.is_file() {
            return path;
        }
        let partial = dir.join(format!("{}.partial.flv", self.name()));
        let mut args = vec!["-hide_banner", "-loglevel", "error", "-y"];
        args.extend(self.ffmpeg_args());
        args.extend(["-f", "flv", partial.to_str().expect("a UTF-8 path")]);
        let out = Command::new("ffmpeg")
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run ffmpeg ({e}): {INSTALL_HINT}"));
        assert!(
            out.status.success(),
            "ffmpeg {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::rename(&partial, &path).expect("move the fixture in place");
        path
    }
}

/// ffmpeg publishing a file to a URL with `-c copy` at `rate` times real time; stopped when
/// dropped.
pub struct FfmpegPublisher {
    child: Child,
}

impl FfmpegPublisher {
    pub fn start(file: &Path, url: &str, rate: u32) -> FfmpegPublisher {
        let rate = rate.to_string();
        let child = Command::new("ffmpeg")
            .args([
                "-hide_banner",
                "-loglevel",
                "error",
                "-readrate",
                &rate,
                "-i",
            ])
            .arg(file)
            .args(["-c", "copy", "-f", "flv", url])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run ffmpeg ({e}): {INSTALL_HINT}"));
        FfmpegPublisher { child }
    }
}

impl Drop for FfmpegPublisher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// ffprobe's packets of a kind in a file: (dts in ms, size in bytes, keyframe).
pub fn packets(path: &Path, kind: &str) -> Vec<(f64, u64, bool)> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-of", "json", "-show_packets"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run ffprobe ({e}): {INSTALL_HINT}"));
    let v: Json = serde_json::from_slice(&out.stdout).expect("ffprobe prints JSON");
    v["packets"]
        .as_array()
        .expect("packets")
        .iter()
        .filter(|p| p["codec_type"] == kind)
        .map(|p| {
            let dts: f64 = p["dts_time"].as_str().unwrap_or("0").parse().unwrap_or(0.0);
            let size: u64 = p["size"].as_str().unwrap_or("0").parse().unwrap_or(0);
            let key = p["flags"].as_str().unwrap_or("").starts_with('K');
            (dts * 1000.0, size, key)
        })
        .collect()
}

/// The bitrate the probe's definition gives for the first `frames` packets of `packets`:
/// 8 x the mean size (with the FLV tag header of `header` bytes) x the frames per second of
/// media time they span.
pub fn expected_bitrate(packets: &[(f64, u64, bool)], frames: usize, header: u64) -> f64 {
    let first = &packets[..frames];
    let bytes: u64 = first.iter().map(|p| p.1 + header).sum();
    let span_s = (first[frames - 1].0 - first[0].0) / 1000.0;
    let n = frames as f64;
    bytes as f64 * 8.0 / n * ((n - 1.0) / span_s)
}

/// Waits until nginx's /stat lists `n` clients on stream `name` (the players waiting for it),
/// 5 s at most.
pub fn wait_for_clients(stat: impl Fn() -> String, name: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let page = stat();
        let clients = page
            .split(&format!("<name>{name}</name>"))
            .nth(1)
            .and_then(|rest| rest.split("<nclients>").nth(1))
            .and_then(|rest| rest.split('<').next())
            .and_then(|count| count.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if clients >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{clients} of {n} players on {name} after 5 s:\n{page}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}
