//! Scenarios: what a session does once it reached the server, as a short script over the
//! recorded operations of `ops.rs`.
//!
//! A scenario says three things: which message types it keeps from the server and how
//! ([`Scenario::keep`] in `config.rs`: a publisher skips media, a player keeps a bounded prefix
//! of it), its steps, and its teardown. Adding one is a variant of [`Scenario`], its `keep` arm,
//! its module here, and its arm in [`run`].

mod connect;
mod echo;
mod play;
mod publish;

use super::driver::Session;
use super::outcome::Failure;
use super::Scenario;

/// Runs the session's scenario; the first failure ends it.
pub(super) async fn run(s: &mut Session<'_>) -> Result<(), Failure> {
    match s.cfg.mode {
        Scenario::Connect => connect::run(s).await,
        Scenario::Publish => publish::run(s).await,
        Scenario::Play => play::run(s).await,
        Scenario::Roundtrip => echo::run(s).await,
    }
}
