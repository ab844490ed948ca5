//! Scenarios: what a session does once it reached the server, as a short script over the
//! recorded operations of `ops.rs`.
//!
//! A scenario says three things: which message types it keeps from the server and how
//! ([`Scenario::keep`]: a publisher skips media, a player keeps a bounded prefix of it), its
//! steps, and its teardown. Adding one is a variant here, its `keep` arm, its module, and its arm
//! in [`run`].

mod connect;
mod publish;

use super::driver::Session;
use super::outcome::Failure;
use crate::protocol::chunk::{Keep, KeepPolicy, CONTROL_AND_COMMANDS};
use crate::protocol::Limits;

/// What a session does after the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Up to `NetConnection.Connect.Success`.
    Connect,
    /// The whole publish and teardown.
    Publish,
}

impl Scenario {
    /// The stable name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Connect => "connect",
            Scenario::Publish => "publish",
        }
    }

    /// What the chunk decoder keeps of each message type. Connect and publish keep protocol
    /// control and commands whole up to `--max-message-size` and skip everything else unread (a
    /// client that only publishes has no use for media, and ffmpeg's publishing side ignores it
    /// too).
    pub(crate) fn keep(self, limits: &Limits) -> KeepPolicy {
        let commands = Keep::Whole {
            max: limits.max_message_size,
        };
        match self {
            Scenario::Connect | Scenario::Publish => {
                KeepPolicy::all(Keep::Skip).with_types(&CONTROL_AND_COMMANDS, commands)
            }
        }
    }
}

/// Runs the session's scenario; the first failure ends it.
pub(super) async fn run(s: &mut Session<'_>) -> Result<(), Failure> {
    match s.cfg.mode {
        Scenario::Connect => connect::run(s).await,
        Scenario::Publish => publish::run(s).await,
    }
}
