//! The round trip's `receive` step: the player reads what comes back until the publisher's last
//! frame and the drain after it, finding the marker of every video frame.

use super::link::Link;
use super::tally::Tally;
use crate::media::synth::find_marker;
use crate::protocol::message::Message;
use crate::session::driver::Session;
use crate::session::fault::Fault;
use crate::session::outcome::{Failure, FailureKind, Step};
use crate::session::record::Deadline;
use std::time::Duration;
use tokio::time::Instant;

/// While the publisher is still sending, the player looks at the link at least this often
/// (a frame arriving wakes it sooner).
const TICK: Duration = Duration::from_millis(100);
/// The bounds of the receive step's waits whose end is no failure.
const LOOK: &str = "the look at the publisher";
const DRAIN: &str = "the drain";

/// How the receive step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The drain after the publisher's last frame passed (or every frame came back).
    Drained,
    /// The publisher stopped early: its failure is the report.
    PublisherStopped,
    /// `--timeout` ran out first.
    TimedOut,
    /// The server closed the player's connection after the publisher was done.
    ClosedAfter,
}

impl Session<'_> {
    /// The `receive` step, from `Play.Start` to the end of the drain. It lasts as long as the
    /// publisher sends, like the `media` step, so only the run's `--timeout` bounds it.
    pub(crate) async fn receive(
        &mut self,
        link: &Link,
        tally: &mut Tally,
        drain: Duration,
    ) -> Result<Ended, Failure> {
        let clock = self.begin(Step::Receive);
        let overall = self.record.overall();
        let r = self.receiving(&overall, link, tally, drain).await;
        self.end(&clock, r.is_ok());
        r
    }

    async fn receiving(
        &mut self,
        bound: &Deadline,
        link: &Link,
        tally: &mut Tally,
        drain: Duration,
    ) -> Result<Ended, Failure> {
        loop {
            let state = link.state();
            let now = Instant::now();
            let wait = match state.publisher_done {
                Some(_) if state.publish_start.is_none() || state.frames_sent == 0 => {
                    return Ok(Ended::PublisherStopped)
                }
                Some(_) if tally.complete(state.frames_sent) => return Ok(Ended::Drained),
                Some(done) => {
                    let end = crate::session::record::later(done, drain);
                    if now >= end {
                        return Ok(Ended::Drained);
                    }
                    bound.within(now, end - now, DRAIN)
                }
                None => bound.within(now, TICK, LOOK),
            };
            let r = self.transport()?.recv(wait.at).await;
            match r {
                Ok(received) => {
                    let at = Instant::now();
                    match &received.message {
                        Message::Video(payload) => {
                            if let Some(marker) = find_marker(payload) {
                                tally.on_marker(marker, at, link.micros(at));
                            }
                        }
                        Message::Command { .. } => {
                            // Statuses are recorded; the publisher's leave at the end is
                            // expected, and what came back is judged by the tally.
                            let _ = self.heard(Step::Receive, received);
                        }
                        _ => {}
                    }
                }
                Err(Fault::Timeout) if wait.is(LOOK) || wait.is(DRAIN) => {}
                Err(Fault::Timeout) if wait.at >= bound.at => return Ok(Ended::TimedOut),
                Err(f) => {
                    let done = link.state().publisher_done.is_some();
                    let closed = matches!(f, Fault::Eof(_) | Fault::Reset);
                    if done && closed {
                        return Ok(Ended::ClosedAfter);
                    }
                    let mut failure = self.fail(Step::Receive, f, &wait, "frames back");
                    if matches!(failure.kind, FailureKind::Closed | FailureKind::Reset) {
                        failure.message = format!(
                            "{} while the publisher was still sending ({} of {} frames had \
                             come back)",
                            failure.message,
                            tally.received(),
                            link.state().frames_sent
                        );
                    }
                    return Err(failure);
                }
            }
        }
    }
}
