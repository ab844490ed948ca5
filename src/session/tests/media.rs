//! The publish's synthetic media in process, with paused time: the opening, the pacing of the
//! media step, the deadline that cuts it, a server that stops reading, drops mid-way.

use super::config;
use super::peer::{session, Peer};
use crate::media::synth::{find_marker, AudioCodec, SynthConfig, VideoCodec};
use crate::protocol::message::{Message, Received};
use crate::session::{FailureKind, MediaConfig, Outcome, SessionConfig, Step};
use std::time::Duration;
use tokio::time::Instant;

/// A publish with `--duration duration` of `synth`.
fn media_config(
    synth: SynthConfig,
    duration: Option<Duration>,
    timeout: Duration,
) -> SessionConfig {
    SessionConfig {
        timeout,
        media: MediaConfig {
            enhanced: synth.video.is_enhanced() || synth.audio.is_enhanced(),
            synth,
            duration,
        },
        ..config()
    }
}

/// What the peer read after `Publish.Start`, each with the time it arrived.
type Arrivals = Vec<(Instant, Received)>;

/// A server that serves the publish and then reads (and timestamps) everything until the session
/// closes.
async fn serve_and_time(mut p: Peer) -> (Peer, Arrivals) {
    p.publishing().await;
    let mut arrivals = Vec::new();
    while let Some(r) = p.next().await {
        arrivals.push((Instant::now(), r));
    }
    (p, arrivals)
}

async fn run(cfg: &SessionConfig) -> (Outcome, Arrivals) {
    let mut arrivals = Vec::new();
    let (o, _) = session(cfg, |p| async {
        let (p, a) = serve_and_time(p).await;
        arrivals = a;
        p
    })
    .await;
    (o, arrivals)
}

fn is_frame(r: &Received) -> bool {
    match &r.message {
        Message::Video(b) => find_marker(b).is_some(),
        Message::Audio(b) => b.get(1) == Some(&1),
        _ => false,
    }
}

#[tokio::test(start_paused = true)]
async fn frames_leave_at_their_due_times_and_carry_their_media_time() {
    let cfg = media_config(
        SynthConfig::default(),
        Some(Duration::from_secs(1)),
        Duration::from_secs(5),
    );
    let (o, arrivals) = run(&cfg).await;
    assert_eq!(o.failure, None, "{o:?}");
    let frames: Vec<&(Instant, Received)> = arrivals.iter().filter(|(_, r)| is_frame(r)).collect();
    let (t0, _) = frames[0];
    let (mut video, mut audio) = (0u32, 0u32);
    for (at, r) in &frames {
        let due = if matches!(r.message, Message::Video(_)) {
            video += 1;
            Duration::from_nanos(u64::from(video - 1) * 1_000_000_000 / 30)
        } else {
            audio += 1;
            Duration::from_nanos(u64::from(audio - 1) * 1024 * 1_000_000_000 / 48_000)
        };
        let late = at.duration_since(*t0).saturating_sub(due);
        assert!(at.duration_since(*t0) >= due, "never early: {due:?}");
        // tokio's timers tick in whole milliseconds.
        assert!(late < Duration::from_millis(1), "{late:?} late at {due:?}");
        assert_eq!(
            r.timestamp,
            ((due.as_micros() + 500) / 1000) as u32,
            "its media time"
        );
    }
    assert_eq!((video, audio), (30, 47));
    let media = o.step(Step::Media).expect("a media step");
    assert_eq!(
        media.duration,
        Duration::from_secs(1),
        "the window lasts --duration"
    );
    let sent = o.published.clone().expect("what was sent");
    assert_eq!(
        (sent.video_frames, sent.keyframes, sent.audio_frames),
        (30, 1, 47)
    );
    assert_eq!(sent.media_time, Duration::from_secs(1));
    // After the window: the end of the video sequence (AVC, `27 02`), then the teardown.
    let last_video = arrivals
        .iter()
        .rev()
        .find_map(|(_, r)| match &r.message {
            Message::Video(b) => Some(b.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(last_video.get(..2), Some(&[0x27u8, 0x02][..]));
}

#[tokio::test(start_paused = true)]
async fn the_deadline_cuts_the_window_and_the_message_says_how_much_was_sent() {
    let cfg = media_config(
        SynthConfig::default(),
        Some(Duration::from_secs(5)),
        Duration::from_secs(1),
    );
    let start = Instant::now();
    let (o, _) = run(&cfg).await;
    assert_eq!(start.elapsed(), Duration::from_secs(1), "not a tick later");
    let f = o.failure.as_ref().unwrap();
    assert_eq!((f.step, f.kind), (Step::Media, FailureKind::Timeout));
    assert!(
        f.message.starts_with(
            "timed out after 1s (--timeout) waiting for the end of the media window \
             (--duration 5s) (1.00 s into the media; 30 video frames (1 keyframe), 47 audio frames, "
        ),
        "{}",
        f.message
    );
    // The media step began 1 ms in (verify's window): frame 30, due at 1.001 s, never left.
    let sent = o.published.unwrap();
    assert_eq!(
        (sent.video_frames, sent.media_time),
        (30, Duration::from_secs(1))
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_that_stops_reading_holds_the_probe_at_one_frame_until_step_timeout() {
    // Every frame an IDR picture of 1920x1080 (about 8 KB): the 64 KiB pipe fills in a few.
    let synth = SynthConfig {
        width: 1920,
        height: 1080,
        keyframe_interval: Duration::ZERO,
        audio: AudioCodec::None,
        ..SynthConfig::default()
    };
    let cfg = SessionConfig {
        step_timeout: Some(Duration::from_millis(500)),
        ..media_config(synth, Some(Duration::from_secs(3)), Duration::from_secs(10))
    };
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.publishing().await;
        // Never reads again, and holds the connection open past the session's end.
        tokio::time::sleep(Duration::from_secs(20)).await;
        p
    })
    .await;
    let f = o.failure.as_ref().unwrap();
    assert_eq!(
        (f.step, f.kind),
        (Step::Media, FailureKind::Timeout),
        "{f:?}"
    );
    assert!(
        f.message.starts_with(
            "timed out after 500ms (--step-timeout) waiting for the server to take our media"
        ),
        "{}",
        f.message
    );
    let sent = o.published.clone().unwrap();
    let frame = sent.bytes / sent.video_frames.max(1);
    assert!(frame > 7_000, "{frame} bytes a frame");
    // What went out fits the pipe: nothing piled up in the probe while the server did not read.
    assert!(sent.bytes <= 64 * 1024 + 2 * frame, "{} bytes", sent.bytes);
    assert!(
        (5..=9).contains(&sent.video_frames),
        "{} frames",
        sent.video_frames
    );
    // It stalled at the first frame that did not fit: 500 ms later, not at the end of the window.
    let media = o.step(Step::Media).unwrap();
    assert!(media.duration < Duration::from_secs(1), "{media:?}");
}

#[tokio::test(start_paused = true)]
async fn a_drop_mid_stream_says_after_how_long_and_how_many_frames() {
    let cfg = media_config(
        SynthConfig::default(),
        Some(Duration::from_secs(3)),
        Duration::from_secs(5),
    );
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.publishing().await;
        let mut frames = 0;
        while let Some(r) = p.next().await {
            if matches!(&r.message, Message::Video(b) if find_marker(b).is_some()) {
                frames += 1;
                if frames == 10 {
                    p.close().await;
                    break;
                }
            }
        }
        p.hold().await;
        p
    })
    .await;
    let f = o.failure.as_ref().unwrap();
    assert_eq!(
        (f.step, f.kind),
        (Step::Media, FailureKind::DroppedAfterPublish)
    );
    assert_eq!(
        f.message,
        "the server closed the connection 0.30 s into the media, after 10 video frames (1 \
         keyframe), 15 audio frames, 1.4 kB sent"
    );
    assert_eq!(o.published.unwrap().video_frames, 10);
}

#[tokio::test(start_paused = true)]
async fn verify_sends_the_legacy_headers_with_the_metadata_and_each_enhanced_one_after_a_window() {
    let synth = SynthConfig {
        video: VideoCodec::Hevc,
        ..SynthConfig::default()
    };
    let (o, arrivals) = run(&media_config(synth, None, Duration::from_secs(1))).await;
    assert_eq!(o.failure, None);
    let opening: Vec<(Instant, u8, u8)> = arrivals
        .iter()
        .filter_map(|(at, r)| match &r.message {
            Message::Data { .. } => Some((*at, 18, 0)),
            Message::Audio(b) | Message::Video(b) => Some((*at, r.message.type_id(), b[0])),
            _ => None,
        })
        .collect();
    let (t0, _, _) = opening[0];
    let shape: Vec<(Duration, u8, u8)> =
        opening.iter().map(|&(at, t, b)| (at - t0, t, b)).collect();
    assert_eq!(
        shape,
        [
            (Duration::ZERO, 18, 0),
            (Duration::ZERO, 8, 0xaf),
            // The HEVC SequenceStart (IsExHeader | KeyFrame | SequenceStart) after the first
            // window: 1 ms, the floor, since every reply took no time.
            (Duration::from_millis(1), 9, 0x90),
        ]
    );
    let verify = o.step(Step::Verify).unwrap();
    assert_eq!(verify.duration, Duration::from_millis(2), "two windows");
    assert_eq!(o.step(Step::Media), None, "no frames without --duration");
}
