//! The round trip in process, with paused time: the publisher waits for the player's
//! Play.Start, frames in flight within the drain are not lost (and those after it are), the
//! drain ends as soon as every frame is back, nothing relayed is `no_media`.

use super::config;
use super::peer::{on_status, pair, Peer, CSID_STATUS};
use crate::media::synth::{find_marker, AudioCodec, FrameRate, SynthConfig};
use crate::protocol::command::ConnectProperties;
use crate::protocol::message::{Message, UserControl};
use crate::session::roundtrip::run_over;
use crate::session::{
    FailureKind, MediaConfig, Outcome, PlayTarget, RoundtripConfig, Scenario, SessionConfig, Step,
    DEFAULT_DRAIN,
};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep, Instant};

/// A round trip of `duration` at 10 fps, video only, within `timeout`.
fn roundtrip_config(duration: Duration, timeout: Duration) -> SessionConfig {
    SessionConfig {
        mode: Scenario::Roundtrip,
        timeout,
        media: MediaConfig {
            synth: SynthConfig {
                frame_rate: FrameRate::per_second(10),
                audio: AudioCodec::None,
                ..SynthConfig::default()
            },
            duration: Some(duration),
            enhanced: false,
        },
        roundtrip: Some(RoundtripConfig {
            play: PlayTarget {
                host: "127.0.0.1".into(),
                port: 1935,
                stream: super::STREAM.into(),
                connect: ConnectProperties::new("live", "rtmp://127.0.0.1/live"),
                tls: None,
                credentials: None,
            },
            play_url: false,
            drain: DEFAULT_DRAIN,
            link: None,
        }),
        ..config()
    }
}

/// Serves the publish and hands each video frame on, with when it came; closes on
/// deleteStream.
async fn publisher(mut p: Peer, frames: mpsc::UnboundedSender<(Instant, Vec<u8>)>) -> Peer {
    p.publishing().await;
    while let Some(r) = p.next().await {
        match r.message {
            Message::Video(body) if find_marker(&body).is_some() => {
                let _ = frames.send((Instant::now(), body.to_vec()));
            }
            Message::Command { command, .. } if command.name == "deleteStream" => {
                p.close().await;
                break;
            }
            _ => {}
        }
    }
    p
}

/// Serves the play, answering Play.Start after `delay`; returns when it did.
async fn playing_after(p: &mut Peer, delay: Duration) -> Instant {
    p.open_stream().await;
    p.command("play").await;
    sleep(delay).await;
    p.control(Message::UserControl(UserControl::StreamBegin(1)))
        .await;
    let start = on_status("status", "NetStream.Play.Start", "Start live");
    p.send_command(CSID_STATUS, 1, start).await;
    Instant::now()
}

/// A relay: frames with a sequence number in `late` are sent `hold` after the publisher's
/// last frame (`last`), the others as they come.
async fn relay(
    p: &mut Peer,
    frames: &mut mpsc::UnboundedReceiver<(Instant, Vec<u8>)>,
    late: std::ops::Range<u64>,
    last: u64,
    hold: Option<Duration>,
) {
    let mut held = Vec::new();
    while let Some((_, body)) = frames.recv().await {
        let seq = find_marker(&body).map(|m| m.seq).unwrap_or(0);
        if late.contains(&seq) {
            held.push(body);
        } else if hold.is_some() {
            p.send(6, 1, Message::Video(body.into())).await;
        }
        if seq == last {
            break;
        }
    }
    if let Some(hold) = hold {
        sleep(hold).await;
        for body in held {
            p.send(6, 1, Message::Video(body.into())).await;
        }
    }
    p.hold().await;
}

/// Runs the round trip of `cfg` against the two scripts.
async fn run(
    cfg: &SessionConfig,
    late: std::ops::Range<u64>,
    hold: Option<Duration>,
) -> (Outcome, Instant, Instant) {
    let (publisher_end, publisher_peer) = pair();
    let (player_end, mut player_peer) = pair();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (first_tx, mut first_rx) = mpsc::unbounded_channel();
    let last = 9;
    let (outcome, _, play_start) = tokio::join!(
        run_over(cfg, publisher_end, player_end),
        async move {
            let tx2 = tx.clone();
            let (tap_tx, mut tap_rx) = mpsc::unbounded_channel();
            let forward = async move {
                while let Some((at, body)) = tap_rx.recv().await {
                    let _ = first_tx.send(at);
                    let _ = tx2.send((at, body));
                }
            };
            drop(tx);
            tokio::join!(publisher(publisher_peer, tap_tx), forward);
        },
        async move {
            let start = playing_after(&mut player_peer, Duration::from_millis(700)).await;
            relay(&mut player_peer, &mut rx, late, last, hold).await;
            start
        }
    );
    let first_frame = first_rx
        .recv()
        .await
        .expect("a frame reached the publisher's server");
    (outcome, play_start, first_frame)
}

fn back(o: &Outcome) -> &crate::session::RoundtripOutcome {
    o.roundtrip.as_ref().expect("a count of what came back")
}

#[tokio::test(start_paused = true)]
async fn the_publisher_sends_its_first_frame_only_once_the_player_has_play_start() {
    let cfg = roundtrip_config(Duration::from_secs(1), Duration::from_secs(5));
    let (o, play_start, first_frame) = run(&cfg, 0..0, Some(Duration::ZERO)).await;
    assert!(o.failure.is_none(), "{:?}", o.failure);
    assert!(
        first_frame >= play_start,
        "the first frame came before Play.Start"
    );
    let b = back(&o);
    assert_eq!((b.frames_sent, b.expected, b.lost), (10, 10, 0), "{b:?}");
    assert_eq!(b.before_join, 0);
}

#[tokio::test(start_paused = true)]
async fn frames_in_flight_within_the_drain_are_not_lost_and_their_latency_counts() {
    let cfg = roundtrip_config(Duration::from_secs(1), Duration::from_secs(5));
    let (o, _, _) = run(&cfg, 7..10, Some(Duration::from_millis(500))).await;
    assert!(o.failure.is_none(), "{:?}", o.failure);
    let b = back(&o);
    assert_eq!((b.frames_received, b.lost), (10, 0), "{b:?}");
    // Frame 7 was sent at 0.7 s of media and came back 0.5 s after frame 9 (0.9 s).
    let max = b.latency.unwrap().max;
    assert!(max >= Duration::from_millis(700), "{max:?}");
    // The drain ended as soon as every frame was back, not a second after the last one.
    let receive = o.step(Step::Receive).unwrap();
    let media = o.step(Step::Media).unwrap();
    assert!(
        receive.start + receive.duration < media.start + Duration::from_millis(900 + 600),
        "{receive:?} {media:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn frames_still_missing_when_the_drain_ends_are_lost() {
    let cfg = roundtrip_config(Duration::from_secs(1), Duration::from_secs(5));
    let (o, _, _) = run(
        &cfg,
        7..10,
        Some(DEFAULT_DRAIN + Duration::from_millis(300)),
    )
    .await;
    let b = back(&o);
    assert_eq!(
        (b.frames_sent, b.frames_received, b.lost),
        (10, 7, 3),
        "{b:?}"
    );
    assert!(
        o.failure.is_none(),
        "lost frames are thresholds, not a failure: {:?}",
        o.failure
    );
}

#[tokio::test(start_paused = true)]
async fn nothing_relayed_is_no_media_at_first_frame_back_by_the_end_of_the_drain() {
    let cfg = roundtrip_config(Duration::from_secs(1), Duration::from_secs(5));
    let started = Instant::now();
    let (o, play_start, _) = run(&cfg, 0..0, None).await;
    let f = o.failure.as_ref().expect("a failure");
    assert_eq!(
        (f.step, f.kind),
        (Step::FirstFrameBack, FailureKind::NoMedia)
    );
    assert!(
        f.message
            .contains("sent 10 frames, the player got NetStream.Play.Start"),
        "{}",
        f.message
    );
    // The media (1 s from Play.Start), the drain, and no more.
    let receive = o.step(Step::Receive).unwrap();
    let end = started + receive.start + receive.duration;
    assert!(
        end >= play_start + Duration::from_millis(900) + DEFAULT_DRAIN,
        "{receive:?}"
    );
    assert!(
        end <= play_start + Duration::from_millis(1100) + DEFAULT_DRAIN,
        "{receive:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_player_dropped_while_the_publisher_still_sends_fails_at_receive_saying_how_far() {
    let cfg = roundtrip_config(Duration::from_secs(1), Duration::from_secs(5));
    let (publisher_end, publisher_peer) = pair();
    let (player_end, mut player_peer) = pair();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (outcome, _, _) = tokio::join!(
        run_over(&cfg, publisher_end, player_end),
        publisher(publisher_peer, tx),
        async move {
            playing_after(&mut player_peer, Duration::ZERO).await;
            for _ in 0..3 {
                if let Some((_, body)) = rx.recv().await {
                    player_peer.send(6, 1, Message::Video(body.into())).await;
                }
            }
            player_peer.close().await;
            // The publisher goes on; its frames are read and dropped.
            while rx.recv().await.is_some() {}
        }
    );
    let f = outcome.failure.as_ref().expect("a failure");
    assert_eq!(
        (f.step, f.kind),
        (Step::Receive, FailureKind::Closed),
        "{f:?}"
    );
    assert!(
        f.message
            .contains("while the publisher was still sending (3 of "),
        "{}",
        f.message
    );
    assert_eq!(back(&outcome).frames_received, 3);
}
