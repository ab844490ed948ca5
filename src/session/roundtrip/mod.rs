//! `--mode roundtrip`: the probe publishes its synthetic stream and, in the same process and
//! runtime, plays it back from the same server or from `--play-url` (an edge or relay of the
//! origin), then reports what came back: every frame counted once, its latency, and
//! `first_frame_back`.
//!
//! The two sessions run concurrently under the one `--timeout` (each has it, from the same
//! start), and tell each other how far they got through a [`Link`]:
//!
//! | publisher | player |
//! |---|---|
//! | dns ... publish, verify (metadata, sequence headers) | play_dns ... play_create_stream, play |
//! | waits for the player's `Play.Start` (by `--timeout`) | `Play.Start`: tells the publisher |
//! | media: `--duration` of live-paced frames, each marker stamped on the shared clock | receive: every video frame's marker into the [`Tally`] |
//! | last frame: tells the player | the drain (`DEFAULT_DRAIN`), ended early once every frame is back |
//! | unpublish | close_stream |
//!
//! The report is the publisher's outcome with the player's steps added (those it shares with
//! the publisher renamed `play_*`, see [`Step::as_player`]), `first_frame_back` (from
//! `Publish.Start` to the first marker back), and the figures. Which failure is reported: the
//! publisher's first (a publish that fails is that failure), then the player's, then "nothing
//! came back" (`no_media` at `first_frame_back`); lost and corrupted frames are thresholds.

mod link;
mod receive;
mod tally;

pub(crate) use link::Link;
pub(crate) use receive::Ended;
pub(crate) use tally::Tally;
pub use tally::{Latency, RoundtripOutcome};

use super::config::{Scenario, SessionConfig};
use super::outcome::{Failure, FailureKind, Outcome, Step, StepRecord};
use std::time::Duration;

/// How long the player waits after the publisher's last frame for frames still in flight: a
/// relay through an edge adds its own buffering; a second is ten times what nginx-rtmp takes
/// on loopback and still keeps a 3 s round trip short (docs/DECISIONS.md).
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(1);

/// Runs both sessions of a round trip and makes one outcome of them.
pub(super) async fn run(cfg: &SessionConfig) -> Outcome {
    run_linked(cfg, None).await
}

/// [`run`] over two connected streams (in-memory pipes in tests): the publisher's and the
/// player's, each starting at the handshake.
#[cfg(test)]
pub(crate) async fn run_over(
    cfg: &SessionConfig,
    publisher: super::transport::BoxStream,
    player: super::transport::BoxStream,
) -> Outcome {
    run_linked(cfg, Some((publisher, player))).await
}

/// One session of the round trip: dialled, or over a stream given (tests).
async fn one(cfg: &SessionConfig, stream: Option<super::transport::BoxStream>) -> Outcome {
    match stream {
        #[cfg(test)]
        Some(stream) => super::run_over(cfg, stream).await,
        _ => super::run_one(cfg).await,
    }
}

async fn run_linked(
    cfg: &SessionConfig,
    streams: Option<(super::transport::BoxStream, super::transport::BoxStream)>,
) -> Outcome {
    let (publisher_stream, player_stream) = match streams {
        Some((a, b)) => (Some(a), Some(b)),
        None => (None, None),
    };
    let Some(rt) = &cfg.roundtrip else {
        let mut outcome = Outcome::empty(std::time::SystemTime::now());
        outcome.failure = Some(Failure {
            step: Step::Dns,
            kind: FailureKind::Internal,
            message: "--mode roundtrip without its play target".into(),
            status: None,
        });
        return outcome;
    };
    let link = Link::new();
    let mut linked = rt.clone();
    linked.link = Some(link.clone());
    let publisher = SessionConfig {
        mode: Scenario::Publish,
        roundtrip: Some(linked.clone()),
        ..cfg.clone()
    };
    let play = &rt.play;
    let player = SessionConfig {
        mode: Scenario::Roundtrip,
        host: play.host.clone(),
        port: play.port,
        stream: Some(play.stream.clone()),
        connect: play.connect.clone(),
        tls: play.tls.clone(),
        credentials: play.credentials.clone(),
        roundtrip: Some(linked),
        ..cfg.clone()
    };
    let (published, played) = tokio::join!(
        async {
            let outcome = one(&publisher, publisher_stream).await;
            link.publisher_done(tokio::time::Instant::now());
            outcome
        },
        async {
            let outcome = one(&player, player_stream).await;
            link.player_ended();
            outcome
        }
    );
    merge(published, played, &link)
}

/// The publisher's outcome with the player's added, and the round trip's own judgement.
fn merge(mut out: Outcome, player: Outcome, link: &Link) -> Outcome {
    let state = link.state();
    let offset = |at: tokio::time::Instant| at.saturating_duration_since(state.epoch);
    for r in &player.steps {
        out.steps.push(StepRecord {
            step: r.step.as_player(),
            ..r.clone()
        });
    }
    let mut back = player.roundtrip;
    if let Some(b) = back.as_mut() {
        b.address = player.address;
        if let (Some(start), Some(took)) = (state.publish_start, b.first_frame_back) {
            out.steps.push(StepRecord {
                step: Step::FirstFrameBack,
                start: offset(start),
                duration: took,
                ok: true,
            });
        }
    }
    out.steps.sort_by_key(|r| r.start);
    out.total = out.total.max(player.total);
    for mut status in player.server.statuses {
        status.step = status.step.as_player();
        out.server.statuses.push(status);
    }
    for note in player.notes {
        let note = format!("player: {note}");
        if !out.notes.contains(&note) {
            out.notes.push(note);
        }
    }
    if out.failure.is_none() {
        out.failure = match (player.failure, &back) {
            (Some(f), _) => Some(Failure {
                step: f.step.as_player(),
                ..f
            }),
            (None, Some(b)) if b.frames_received == 0 => Some(nothing_back(b, &state)),
            (None, None) => Some(Failure {
                step: Step::Play,
                kind: FailureKind::Internal,
                message: "the player ended without a count of what came back".into(),
                status: None,
            }),
            (None, Some(_)) => None,
        };
    }
    out.roundtrip = back;
    out
}

/// Nothing came back: which side got how far.
fn nothing_back(b: &RoundtripOutcome, state: &link::State) -> Failure {
    let waited = match (state.publish_start, state.publisher_done) {
        (Some(start), Some(done)) => {
            let end = done
                .saturating_duration_since(start)
                .saturating_add(b.drain);
            format!(
                " within {} of NetStream.Publish.Start (the last frame and a {} drain)",
                super::play::seconds(end),
                super::play::seconds(b.drain)
            )
        }
        _ => String::new(),
    };
    Failure {
        step: Step::FirstFrameBack,
        kind: FailureKind::NoMedia,
        message: format!(
            "the publish was accepted and sent {} frame{}, the player got NetStream.Play.Start, \
             but no frame came back{waited}",
            b.frames_sent,
            if b.frames_sent == 1 { "" } else { "s" }
        ),
        status: None,
    }
}
