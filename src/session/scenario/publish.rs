//! The publish scenario, as an encoder publishes (the order of ffmpeg and OBS, see
//! `shared/captures/README.md`).

use crate::protocol::message::Outgoing;
use crate::session::driver::Session;
use crate::session::outcome::{Failure, FailureKind, Step};

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
    let opening = after_start(s, stream_id);
    s.verify(opening).await?;
    s.unpublish(stream_id, name).await;
    Ok(())
}

/// What the probe sends once `NetStream.Publish.Start` came, as encoders do: today the
/// `@setDataFrame` metadata ffmpeg sends first (a data message on the publish stream, no media
/// described yet); synthetic media (sequence headers, then frames) goes here next.
fn after_start(s: &mut Session<'_>, stream_id: u32) -> Vec<Outgoing> {
    let metadata = vec![
        ("duration".to_string(), 0.0.into()),
        (
            "encoder".to_string(),
            concat!("rtmp-probe/", env!("CARGO_PKG_VERSION")).into(),
        ),
    ];
    vec![s.client.set_data_frame(stream_id, metadata)]
}
