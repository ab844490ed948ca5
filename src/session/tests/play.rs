//! The play scenario in process, with paused time: a server that streams the probe's own
//! synthetic H.264 + AAC (media/synth) at its media pace, and every way a stream goes wrong
//! that a step or the watch window must see (silence, a stall, timestamps going back, the
//! publisher leaving, a close in the middle). What the stream carries is in play_content.rs.

use super::peer::{error_reply, on_status, session, Peer, CSID_STATUS};
use super::{config, STREAM};
use crate::media::synth::{AudioCodec, FrameRate, Generator, Item, ItemKind, SynthConfig};
use crate::plan::options::{ExpectName, Mode, Options};
use crate::plan::Module;
use crate::protocol::amf0::Value;
use crate::protocol::message::{Message, UserControl};
use crate::session::{
    Expect, ExpectedFrom, FailureKind, Outcome, PlayConfig, Scenario, SessionConfig, Step,
};
use crate::verdict::{self, State};
use std::time::Duration;
use tokio::time::{sleep_until, Instant};

/// The steps of an in-process play (no dns or tcp_connect: the pipe is connected already).
const STEPS: [Step; 8] = [
    Step::Handshake,
    Step::Connect,
    Step::CreateStream,
    Step::Play,
    Step::FirstFrame,
    Step::FirstKeyframe,
    Step::Watch,
    Step::CloseStream,
];

/// A play of `qx7-stream` with a watch window of `window`, `-t 10s`.
pub(super) fn play(window: Duration) -> SessionConfig {
    SessionConfig {
        mode: Scenario::Play,
        timeout: Duration::from_secs(10),
        play: PlayConfig {
            duration: window,
            ..PlayConfig::default()
        },
        ..config()
    }
}

pub(super) fn with_expect(mut cfg: SessionConfig, expect: Expect) -> SessionConfig {
    cfg.play.expect = expect;
    cfg
}

/// The synthetic stream: 320x180 H.264 at 25 fps with a keyframe every 2 s, and AAC 48 kHz
/// stereo unless `audio` is false.
pub(super) fn generator(audio: bool) -> Generator {
    Generator::new(SynthConfig {
        frame_rate: FrameRate::per_second(25),
        audio: if audio {
            AudioCodec::Aac
        } else {
            AudioCodec::None
        },
        ..SynthConfig::default()
    })
    .expect("a valid synthetic stream")
}

/// Sends the items of `g` due before `until` (media time), each when it is due after `start`,
/// as `edit` leaves it (`false` drops it). Video goes on chunk stream 6, the rest on 4, all on
/// message stream 1, as nginx-rtmp relays a stream.
pub(super) async fn stream(
    p: &mut Peer,
    g: &mut Generator,
    start: Instant,
    until: Duration,
    mut edit: impl FnMut(&mut Item) -> bool,
) {
    while g.next_due() < until {
        sleep_until(start + g.next_due()).await;
        let mut item = g.next(0);
        if edit(&mut item) {
            p.send_raw(&item.into_raw(1)).await;
        }
    }
}

/// Sends `until` of the synthetic stream (with audio) from now, as `edit` leaves it, then waits
/// for the session to end.
pub(super) async fn stream_then_hold(
    p: &mut Peer,
    until: Duration,
    edit: impl FnMut(&mut Item) -> bool,
) {
    let mut g = generator(true);
    stream(p, &mut g, Instant::now(), until, edit).await;
    p.hold().await;
}

/// Plays `until` of the synthetic stream after `Play.Start`, then waits for the session to end.
async fn serve_stream(mut p: Peer, audio: bool, until: Duration) -> Peer {
    p.playing().await;
    let mut g = generator(audio);
    stream(&mut p, &mut g, Instant::now(), until, |_| true).await;
    p.hold().await;
    p
}

fn steps(o: &Outcome) -> Vec<(Step, bool)> {
    o.steps.iter().map(|r| (r.step, r.ok)).collect()
}

pub(super) fn failure(o: &Outcome) -> (Step, FailureKind, &str) {
    let f = o.failure.as_ref().expect("the session failed");
    (f.step, f.kind, f.message.as_str())
}

fn duration(o: &Outcome, step: Step) -> Duration {
    o.step(step).map(|r| r.duration).expect("the step ran")
}

/// The verdict with the thresholds the command line makes of `-w`/`-c` in `--mode play` (the
/// default critical max_gap and backwards_timestamps included).
fn judge(o: &Outcome, window: Duration, warning: &[&str], critical: &[&str]) -> verdict::Verdict {
    let module = Module::new(Options {
        mode: Mode::Play,
        duration: Some(window),
        timeout: Duration::from_secs(30),
        warning: warning.iter().map(|s| s.to_string()).collect(),
        critical: critical.iter().map(|s| s.to_string()).collect(),
        expect: ExpectName::Auto,
        ..Options::default()
    })
    .expect("valid options");
    verdict::judge(o, &module.thresholds, State::Critical)
}

#[tokio::test(start_paused = true)]
async fn a_play_of_a_live_stream_is_ok_step_by_step_with_its_figures() {
    // Not a multiple of the frame spacing: no frame is due the instant the window ends.
    let window = Duration::from_millis(4980);
    let cfg = play(window);
    let (o, peer) = session(&cfg, |p| serve_stream(p, true, Duration::from_secs(7))).await;
    assert_eq!(o.failure, None, "{o:?}");
    assert_eq!(steps(&o), STEPS.map(|s| (s, true)));
    // The first frame (a keyframe) is due at once; the window is exactly --duration.
    assert_eq!(duration(&o, Step::FirstFrame), Duration::ZERO);
    assert_eq!(duration(&o, Step::FirstKeyframe), Duration::ZERO);
    assert_eq!(duration(&o, Step::Watch), window);

    let m = o.media.as_ref().expect("media recorded");
    let e = m.expected.expect("resolved");
    assert_eq!(
        (e.video, e.audio, e.from),
        (true, true, ExpectedFrom::Metadata)
    );
    assert_eq!(m.window, Some(window));
    assert_eq!(m.cut_by, None);
    let s = &m.summary;
    let v = s.video.as_ref().expect("video");
    let info = v.info.as_ref().expect("video info");
    assert_eq!(v.codec_name().as_deref(), Some("h264"));
    assert_eq!((info.width, info.height), (Some(320), Some(180)));
    // Frames 0 to 4.96 s at 25 fps: 125 of them, 40 ms apart; keyframes at 0, 2 and 4 s.
    assert_eq!((v.frames(), v.keyframes()), (125, 3));
    assert_eq!(v.fps(), Some(25.0));
    let k = v.keyframe_interval().expect("intervals");
    assert_eq!((k.min_s, k.max_s, k.mean_s, k.closed), (2.0, 2.0, 2.0, 2));
    let a = s.audio.as_ref().expect("audio");
    assert_eq!(a.codec_name().as_deref(), Some("aac"));
    let ainfo = a.info.as_ref().expect("audio info");
    assert_eq!((ainfo.sample_rate, ainfo.channels), (Some(48_000), Some(2)));
    assert_eq!(s.stalls, 0);
    assert!(s.max_gap_s <= 0.04, "{}", s.max_gap_s);
    assert_eq!(s.problem_count, 0, "{:?}", s.problems);

    let v = judge(&o, window, &[], &[]);
    assert_eq!(v.state, State::Ok, "{:?}", v.crossings);
    let measured = verdict::metrics(&o);
    let names: Vec<&str> = measured.iter().map(|m| m.name).collect();
    for name in crate::metrics::WINDOW_METRICS {
        assert!(names.contains(name), "{name} in {names:?}");
    }

    // What a player sends: Set Buffer Length for the stream, then play(name, -1000), in one
    // write; then closeStream and deleteStream.
    let sent: Vec<&str> = peer.commands().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        sent,
        [
            "connect",
            "createStream",
            "play",
            "closeStream",
            "deleteStream"
        ]
    );
    let play = peer.commands()[2].clone();
    assert_eq!(play.arguments, [STREAM.into(), Value::Number(-1000.0)]);
    let buffer = peer
        .received
        .iter()
        .position(|r| {
            r.message
                == Message::UserControl(UserControl::SetBufferLength {
                    stream_id: 1,
                    millis: 3000,
                })
        })
        .expect("Set Buffer Length");
    let play_at = peer
        .received
        .iter()
        .position(
            |r| matches!(&r.message, Message::Command { command, .. } if command.name == "play"),
        )
        .expect("play");
    assert!(buffer < play_at, "Set Buffer Length before play");
}

#[tokio::test(start_paused = true)]
async fn without_a_duration_the_play_stops_at_the_first_keyframe() {
    let cfg = play(Duration::ZERO);
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        let mut g = generator(true);
        // Audio first, the keyframe 300 ms later (a join in the middle of a GOP on a server
        // that waits for a keyframe).
        let start = Instant::now();
        stream(
            &mut p,
            &mut g,
            start,
            Duration::from_millis(2500),
            |item| match item.kind {
                ItemKind::VideoFrame { seq, .. } => seq >= 50,
                _ => true,
            },
        )
        .await;
        p.hold().await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    assert_eq!(steps(&o), STEPS.map(|s| (s, true)));
    // The first audio frame at 0; video starts with the keyframe of 2 s.
    assert_eq!(duration(&o, Step::FirstFrame), Duration::ZERO);
    assert_eq!(duration(&o, Step::FirstKeyframe), Duration::from_secs(2));
    assert_eq!(duration(&o, Step::Watch), Duration::ZERO);
    let m = o.media.as_ref().expect("media");
    assert_eq!(m.first_keyframe, Some(Duration::from_secs(2)));
    // No window, no window figures to judge or graph.
    assert!(crate::verdict::play::metrics(m).is_empty());
}

#[tokio::test(start_paused = true)]
async fn stream_not_found_fails_play_with_the_servers_code() {
    let cfg = play(Duration::from_secs(1));
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.open_stream().await;
        p.command("play").await;
        let refused = on_status(
            "error",
            "NetStream.Play.StreamNotFound",
            "Failed to play qx7-stream; stream not found.",
        );
        p.send_command(CSID_STATUS, 1, refused).await;
        p.hold().await;
        p
    })
    .await;
    let (step, kind, message) = failure(&o);
    assert_eq!((step, kind), (Step::Play, FailureKind::Rejected));
    assert!(
        message.starts_with("rejected: NetStream.Play.StreamNotFound"),
        "{message}"
    );
    let status = o.failure.as_ref().and_then(|f| f.status.as_ref()).unwrap();
    assert_eq!(status.code, "NetStream.Play.StreamNotFound");
    assert_eq!(o.media, None, "nothing played, no media object");
}

#[tokio::test(start_paused = true)]
async fn an_error_reply_to_play_is_a_refusal_and_play_reset_before_start_is_fine() {
    let cfg = play(Duration::ZERO);
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.open_stream().await;
        let play = p.command("play").await;
        p.send_command(
            3,
            0,
            error_reply(play.transaction_id, "NetStream.Play.Failed", "no"),
        )
        .await;
        p.hold().await;
        p
    })
    .await;
    assert_eq!(failure(&o).1, FailureKind::Rejected);

    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.open_stream().await;
        p.command("play").await;
        let reset = on_status("status", "NetStream.Play.Reset", "Playing and resetting");
        p.send_command(CSID_STATUS, 1, reset).await;
        let start = on_status("status", "NetStream.Play.Start", "Started playing");
        p.send_command(CSID_STATUS, 1, start).await;
        stream_then_hold(&mut p, Duration::from_secs(1), |_| true).await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    let codes: Vec<&str> = o
        .server
        .statuses
        .iter()
        .map(|s| s.status.code.as_str())
        .collect();
    assert!(codes.contains(&"NetStream.Play.Reset"), "{codes:?}");
}

#[tokio::test(start_paused = true)]
async fn play_start_then_silence_is_no_media_at_the_timeout_not_a_bare_timeout() {
    let cfg = SessionConfig {
        timeout: Duration::from_secs(3),
        ..play(Duration::ZERO)
    };
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        p.hold().await;
        p
    })
    .await;
    let (step, kind, message) = failure(&o);
    assert_eq!((step, kind), (Step::FirstFrame, FailureKind::NoMedia));
    assert!(
        message.starts_with(
            "no media arrived within 3.0 s of NetStream.Play.Start (--timeout 3s ran out)"
        ),
        "{message}"
    );
    assert_eq!(o.total, Duration::from_secs(3));

    // Headers without frames say so.
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        stream_then_hold(&mut p, Duration::from_secs(1), |item| {
            !matches!(
                item.kind,
                ItemKind::VideoFrame { .. } | ItemKind::AudioFrame
            )
        })
        .await;
        p
    })
    .await;
    let (_, kind, message) = failure(&o);
    assert_eq!(kind, FailureKind::NoMedia);
    assert!(
        message.starts_with("only onMetaData and sequence headers arrived"),
        "{message}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stall_inside_the_window_is_critical_by_default_and_says_how_long() {
    let window = Duration::from_secs(6);
    let cfg = play(window);
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        let mut g = generator(true);
        let start = Instant::now();
        // 2 s of media, nothing for 2.5 s, then the rest, late (a publisher that froze).
        stream(&mut p, &mut g, start, Duration::from_secs(2), |_| true).await;
        let resume = start + Duration::from_millis(4500);
        stream(
            &mut p,
            &mut g,
            resume - Duration::from_secs(2),
            Duration::from_secs(7),
            |_| true,
        )
        .await;
        p.hold().await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "a stall is judged, not a failure: {o:?}");
    let m = o.media.as_ref().unwrap();
    assert_eq!(
        crate::verdict::play::stalls(m),
        2,
        "video and audio stalled"
    );
    let gap = crate::verdict::play::max_gap(m);
    assert!(
        (gap.as_secs_f64() - 2.5).abs() < 0.05,
        "{gap:?}: the 2.5 s without media"
    );
    let v = judge(&o, window, &[], &[]);
    assert_eq!(v.state, State::Critical);
    let words: Vec<String> = v.crossings.iter().map(|c| c.describe()).collect();
    assert_eq!(words, ["media stopped for 2.5 s (critical above 2 s)"]);
    // Overridable: a longer stall threshold passes, a warning one warns.
    let v = judge(&o, window, &["max_gap=1s"], &["max_gap=3s"]);
    assert_eq!(v.state, State::Warning);
    assert_eq!(
        v.crossings[0].describe(),
        "media stopped for 2.5 s (warning above 1 s)"
    );
}

#[tokio::test(start_paused = true)]
async fn timestamps_that_jump_back_are_critical_by_default() {
    let window = Duration::from_secs(3);
    let cfg = play(window);
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        // From 1 s on, the video timestamps restart 800 ms earlier (a publisher's clock reset).
        stream_then_hold(&mut p, Duration::from_secs(4), |item| {
            if let ItemKind::VideoFrame { seq, .. } = item.kind {
                if seq >= 25 {
                    item.timestamp_ms -= 800;
                }
            }
            true
        })
        .await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    let m = o.media.as_ref().unwrap();
    assert_eq!(crate::verdict::play::backwards(m), 1);
    let v = judge(&o, window, &[], &[]);
    assert_eq!(v.state, State::Critical);
    assert_eq!(
        v.crossings[0].describe(),
        "timestamps went backwards 1 time (critical above 0)"
    );
    let v = judge(&o, window, &[], &["backwards_timestamps=5"]);
    assert_eq!(v.state, State::Ok, "overridable");
}

#[tokio::test(start_paused = true)]
async fn an_audio_only_stream_needs_no_keyframe_and_a_missing_kind_fails_after_the_grace() {
    let cfg = play(Duration::ZERO);
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        // A radio stream: metadata without video, audio only.
        stream_then_hold(&mut p, Duration::from_secs(1), |item| match item.kind {
            ItemKind::Metadata => {
                let meta = vec![
                    ("audiocodecid".to_string(), Value::Number(10.0)),
                    ("audiosamplerate".to_string(), Value::Number(48000.0)),
                ];
                let mut body = Vec::new();
                crate::protocol::amf0::encode_all(
                    &[Value::from("onMetaData"), Value::ecma_array(meta)],
                    &mut body,
                );
                item.body = body;
                true
            }
            ItemKind::VideoConfig | ItemKind::VideoFrame { .. } => false,
            _ => true,
        })
        .await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    let got: Vec<Step> = o.steps.iter().map(|r| r.step).collect();
    assert!(!got.contains(&Step::FirstKeyframe), "{got:?}");
    let e = o.media.as_ref().and_then(|m| m.expected).unwrap();
    assert_eq!((e.video, e.audio), (false, true));

    // --expect av on the same kind of stream: the audio comes, the video never does.
    let cfg = with_expect(play(Duration::ZERO), Expect::Both);
    let (o, _) = session(&cfg, serve_stream_without_video).await;
    let (step, kind, message) = failure(&o);
    assert_eq!(
        (step, kind),
        (Step::FirstKeyframe, FailureKind::MissingMedia)
    );
    assert!(
        message.starts_with("expected video (--expect av), but no video arrived within"),
        "{message}"
    );

    // Video first, and audio that never comes: waited for up to max_gap after the keyframe.
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        stream_then_hold(&mut p, Duration::from_secs(4), |item| {
            !matches!(item.kind, ItemKind::AudioFrame)
        })
        .await;
        p
    })
    .await;
    let (step, kind, message) = failure(&o);
    assert_eq!((step, kind), (Step::Watch, FailureKind::MissingMedia));
    assert_eq!(duration(&o, Step::Watch), Duration::from_secs(2));
    assert!(
        message.starts_with(
            "expected audio and video (--expect av), but no audio arrived in the 2.0 s watched \
             after the first keyframe; video did"
        ),
        "{message}"
    );
}

async fn serve_stream_without_video(mut p: Peer) -> Peer {
    p.playing().await;
    stream_then_hold(&mut p, Duration::from_secs(12), |item| {
        !matches!(
            item.kind,
            ItemKind::VideoConfig | ItemKind::VideoFrame { .. }
        )
    })
    .await;
    p
}

#[tokio::test(start_paused = true)]
async fn the_publisher_leaving_inside_the_window_is_critical_and_says_when() {
    let cfg = play(Duration::from_secs(5));
    for (how, said) in [
        (0, "(NetStream.Play.UnpublishNotify)"),
        (1, "(a Stream EOF user control)"),
        (2, "(NetStream.Play.UnpublishNotify)"),
    ] {
        let (o, _) = session(&cfg, |mut p: Peer| async move {
            p.playing().await;
            let mut g = generator(true);
            let until = Duration::from_millis(1500);
            stream(&mut p, &mut g, Instant::now(), until, |_| true).await;
            let gone = on_status("status", "NetStream.Play.UnpublishNotify", "stopped");
            if how == 0 {
                p.send_command(CSID_STATUS, 1, gone).await;
            } else {
                // nginx-rtmp: the user control, then (with publish_notify on) the status.
                p.control(Message::UserControl(UserControl::StreamEof(1)))
                    .await;
                if how == 2 {
                    sleep_until(Instant::now() + Duration::from_millis(10)).await;
                    p.send_command(CSID_STATUS, 1, gone).await;
                }
            }
            p.hold().await;
            p
        })
        .await;
        let (step, kind, message) = failure(&o);
        assert_eq!((step, kind), (Step::Watch, FailureKind::PublisherLeft));
        assert_eq!(
            message,
            format!("the publisher left after 1.5 s of the watch window {said}")
        );
        assert!(o.media.as_ref().unwrap().summary.video.is_some());
    }
}

#[tokio::test(start_paused = true)]
async fn a_close_in_the_middle_of_the_stream_says_how_far_it_got() {
    let cfg = play(Duration::from_secs(5));
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        let mut g = generator(true);
        stream(
            &mut p,
            &mut g,
            Instant::now(),
            Duration::from_millis(1200),
            |_| true,
        )
        .await;
        p.close().await;
        p.hold().await;
        p
    })
    .await;
    let (step, kind, message) = failure(&o);
    assert_eq!((step, kind), (Step::Watch, FailureKind::Closed));
    assert!(
        message.starts_with("the server closed the connection after 1.2 s of the watch window (30 video and 57 audio frames came)"),
        "{message}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_window_cut_by_the_timeout_is_judged_as_it_is_with_a_note() {
    let cfg = SessionConfig {
        timeout: Duration::from_secs(3),
        ..play(Duration::from_secs(2))
    };
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        // The first keyframe only at 2 s: the window has 1 s left before --timeout.
        stream_then_hold(
            &mut p,
            Duration::from_secs(4),
            |item| !matches!(item.kind, ItemKind::VideoFrame { seq, .. } if seq < 50),
        )
        .await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    let m = o.media.as_ref().unwrap();
    assert_eq!(m.cut_by, Some("--timeout"));
    assert_eq!(m.window, Some(Duration::from_secs(1)));
    assert!(
        o.notes
            .iter()
            .any(|n| n == "the watch window ran 1.0 s of the 2.0 s asked for: --timeout ended it"),
        "{:?}",
        o.notes
    );
}
