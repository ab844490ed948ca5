//! In-process session tests: the session driver over an in-memory pipe against a scripted peer
//! (`peer.rs`), with paused time. No binary, no socket; every wait ends exactly at its deadline.

mod housekeeping;
mod media;
mod peer;
mod play;
mod play_content;
mod publish;
mod roundtrip;

use super::{IpFamily, PlayConfig, Scenario, SessionConfig};
use crate::protocol::command::ConnectProperties;
use crate::protocol::handshake::HandshakeMode;
use crate::protocol::Limits;
use crate::redact::Redactor;
use std::time::Duration;

/// The stream name the tests publish.
pub(crate) const STREAM: &str = "qx7-stream";

/// A publish of `rtmp://127.0.0.1/live/qx7-stream` with the CLI's defaults and `-t 1s`.
pub(crate) fn config() -> SessionConfig {
    let mut redactor = Redactor::new(false);
    redactor.add(STREAM);
    SessionConfig {
        host: "127.0.0.1".into(),
        port: 1935,
        family: IpFamily::Any,
        mode: Scenario::Publish,
        stream: Some(STREAM.into()),
        connect: ConnectProperties::new("live", "rtmp://127.0.0.1/live"),
        tls: None,
        credentials: None,
        handshake: HandshakeMode::Digest,
        timeout: Duration::from_secs(1),
        step_timeout: None,
        settle: Duration::from_millis(200),
        teardown_wait: Duration::from_millis(200),
        media: Default::default(),
        limits: Limits::default(),
        redactor,
        play: PlayConfig::default(),
        roundtrip: None,
    }
}
