//! The publish scenario, as an encoder publishes (the order of ffmpeg and OBS, see
//! `shared/captures/README.md`).

use crate::session::driver::Session;
use crate::session::media_out::MediaOut;
use crate::session::outcome::{Failure, FailureKind, Step};
use tokio::time::Instant;

/// Connect, announce the stream and create it, publish, verify the server kept the publish, then
/// tear it down. The teardown's result is recorded; it never fails the check.
pub(super) async fn run(s: &mut Session<'_>) -> Result<(), Failure> {
    super::connect::open(s).await?;
    let cfg = s.cfg;
    let name = cfg.stream.as_deref().ok_or_else(|| Failure {
        step: Step::Publish,
        kind: FailureKind::Internal,
        message: "no stream name to publish".into(),
        status: None,
    })?;
    // As OBS does: some ingests (e.g. those in front of CDNs) need releaseStream/FCPublish before
    // createStream. nginx-rtmp answers neither, so nothing waits for them.
    let announce = vec![s.client.release_stream(name), s.client.fc_publish(name)];
    let stream_id = s.create_stream(announce).await?;
    s.publish(stream_id, name).await?;
    let link = cfg.roundtrip.as_ref().and_then(|r| r.link.clone());
    if let Some(link) = &link {
        link.publish_started(Instant::now());
    }
    let mut media = MediaOut::new(&cfg.media, stream_id)?;
    media.send_times_from(link);
    let sent = after_start(s, &mut media).await;
    s.outcome.published = Some(media.published());
    sent?;
    s.unpublish(stream_id, name).await;
    Ok(())
}

/// What the probe sends once `NetStream.Publish.Start` came, as encoders do: verify's opening
/// (the `@setDataFrame` metadata and the sequence headers, the Enhanced RTMP ones each in a
/// window of their own), then with `--duration` the frames of the media step.
async fn after_start(s: &mut Session<'_>, media: &mut MediaOut) -> Result<(), Failure> {
    let (opening, codecs) = media.opening();
    s.verify(opening, codecs).await?;
    if let Some(link) = media.link() {
        // A round trip's frames start once the player got Play.Start, so that every one of
        // them can come back (a late player may be started at the next keyframe).
        let deadline = s.record.overall();
        match link.player_ready(deadline.at).await {
            Some(true) => {}
            Some(false) => {
                s.note(
                    "the publisher sent no frames: the player never got NetStream.Play.Start"
                        .into(),
                );
                return Ok(());
            }
            None => {
                return Err(Failure {
                    step: Step::Media,
                    kind: FailureKind::Timeout,
                    message: format!(
                        "{} ran out while the publisher waited for the player's \
                         NetStream.Play.Start",
                        deadline.option
                    ),
                    status: None,
                })
            }
        }
    }
    if let Some(duration) = s.cfg.media.duration {
        s.media(media, duration).await?;
    }
    Ok(())
}
