//! The player of a round trip (`--mode roundtrip`): it plays the stream the publisher of the
//! same run sends, from the same server or from `--play-url`, and counts what comes back.

use crate::session::driver::Session;
use crate::session::outcome::{Failure, FailureKind, Step};
use crate::session::roundtrip::{Ended, Tally};
use crate::session::watch::Watch;
use tokio::time::Instant;

/// Connect, create a stream, play it until `Play.Start` (then the publisher starts its frames),
/// receive until the publisher's last frame and the drain, close the stream. What came back is
/// recorded whatever happened after `Play.Start`.
pub(super) async fn run(s: &mut Session<'_>) -> Result<(), Failure> {
    let cfg = s.cfg;
    let internal = |message: &str| Failure {
        step: Step::Play,
        kind: FailureKind::Internal,
        message: message.into(),
        status: None,
    };
    let rt = cfg
        .roundtrip
        .as_ref()
        .ok_or_else(|| internal("a round trip without its configuration"))?;
    let link = rt
        .link
        .clone()
        .ok_or_else(|| internal("a round trip's player without its publisher"))?;
    super::connect::open(s).await?;
    let name = cfg
        .stream
        .as_deref()
        .ok_or_else(|| internal("no stream name to play"))?;
    let stream_id = s.create_stream(Vec::new()).await?;
    // `play` reads what comes before Play.Start into a watch (statuses, metadata): the
    // publisher sends no frame before the player's Play.Start.
    let mut watch = Watch::new(cfg.play, cfg.limits);
    s.play(stream_id, name, &mut watch).await?;
    link.play_started(Instant::now());
    let duration = cfg.media.duration.unwrap_or_default();
    let rate = cfg.media.synth.frame_rate;
    let mut tally = Tally::new(Tally::capacity_for(duration, rate.num, rate.den));
    let ended = s.receive(&link, &mut tally, rt.drain).await;
    let state = link.state();
    let mut back = tally.finish(state.frames_sent, rt.drain);
    back.first_frame_back_at = tally
        .first_at()
        .map(|t| t.saturating_duration_since(state.epoch));
    back.first_frame_back = match (tally.first_at(), state.publish_start) {
        (Some(first), Some(start)) => Some(first.saturating_duration_since(start)),
        _ => None,
    };
    back.play_url = rt.play_url;
    s.outcome.roundtrip = Some(back);
    match ended? {
        Ended::TimedOut => s.note(
            "--timeout ended the player's wait for frames back before the drain was over".into(),
        ),
        Ended::ClosedAfter => s.note(
            "the server closed the player's connection after the publisher's last frame".into(),
        ),
        Ended::Drained | Ended::PublisherStopped => {}
    }
    s.close_stream(stream_id).await;
    Ok(())
}
