//! The play scenario, as a player plays a live stream (ffmpeg's order: connect with a player's
//! command object, createStream, Set Buffer Length and `play`), then watches the media.

use crate::session::driver::Session;
use crate::session::outcome::{Failure, FailureKind, Step};
use crate::session::play::{seconds, WindowEnd};
use crate::session::watch::Watch;
use tokio::time::Instant;

/// Connect, create a stream, play it until `Play.Start`, wait for the first frame and keyframe,
/// watch the window, then close the stream. What the media showed is recorded whatever
/// happened after `Play.Start`; the teardown never fails the check.
pub(super) async fn run(s: &mut Session<'_>) -> Result<(), Failure> {
    super::connect::open(s).await?;
    let cfg = s.cfg;
    let name = cfg.stream.as_deref().ok_or_else(|| Failure {
        step: Step::Play,
        kind: FailureKind::Internal,
        message: "no stream name to play".into(),
        status: None,
    })?;
    let stream_id = s.create_stream(Vec::new()).await?;
    let mut watch = Watch::new(cfg.play, cfg.limits);
    let result = watching(s, stream_id, name, &mut watch).await;
    let end = Instant::now();
    let cut = result.as_ref().ok().copied().flatten();
    s.outcome.notes.extend(watch.notes());
    let media = watch.finish(end, cut);
    if let (Some(option), Some(window)) = (cut, media.as_ref().and_then(|m| m.window)) {
        s.note(format!(
            "the watch window ran {} of the {} asked for: {option} ended it",
            seconds(window),
            seconds(cfg.play.duration)
        ));
    }
    s.outcome.media = media;
    result?;
    s.close_stream(stream_id).await;
    Ok(())
}

async fn watching(
    s: &mut Session<'_>,
    stream_id: u32,
    name: &str,
    watch: &mut Watch,
) -> Result<WindowEnd, Failure> {
    s.play(stream_id, name, watch).await?;
    s.first_media(stream_id, watch).await?;
    s.watch_media(stream_id, watch).await
}
