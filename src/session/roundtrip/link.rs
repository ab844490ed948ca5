//! What the two sessions of a round trip tell each other: one small state behind a
//! `tokio::sync::watch` channel, written by one side and read by the other. Nothing here waits
//! without a deadline: the waits take the caller's.

use std::sync::Arc;
use tokio::sync::watch;
use tokio::time::Instant;

/// The round trip's shared state, as one side last wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct State {
    /// The clock both sessions count from: the marker's send time is microseconds since it, and
    /// the player reads its arrivals on the same (monotonic) clock.
    pub(crate) epoch: Instant,
    /// When the player got `NetStream.Play.Start`.
    pub(crate) play_start: Option<Instant>,
    /// The player session ended (it failed, or it is done).
    pub(crate) player_ended: bool,
    /// When the publisher got `NetStream.Publish.Start`.
    pub(crate) publish_start: Option<Instant>,
    /// Video frames whose write completed so far.
    pub(crate) frames_sent: u64,
    /// When the publisher stopped sending: its last frame written, or its session over.
    pub(crate) publisher_done: Option<Instant>,
}

/// Both ends of the round trip's state (cheap to clone: one `Arc`).
#[derive(Debug, Clone)]
pub(crate) struct Link {
    tx: Arc<watch::Sender<State>>,
}

impl Link {
    /// A link whose epoch is now.
    pub(crate) fn new() -> Link {
        let (tx, _rx) = watch::channel(State {
            epoch: Instant::now(),
            play_start: None,
            player_ended: false,
            publish_start: None,
            frames_sent: 0,
            publisher_done: None,
        });
        Link { tx: Arc::new(tx) }
    }

    /// The state now.
    pub(crate) fn state(&self) -> State {
        *self.tx.borrow()
    }

    /// Microseconds from the epoch to `at`: a marker's send time.
    pub(crate) fn micros(&self, at: Instant) -> u64 {
        let since = at.saturating_duration_since(self.state().epoch);
        u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        self.tx.send_modify(f);
    }

    pub(crate) fn play_started(&self, at: Instant) {
        self.update(|s| {
            s.play_start.get_or_insert(at);
        });
    }

    pub(crate) fn player_ended(&self) {
        self.update(|s| s.player_ended = true);
    }

    pub(crate) fn publish_started(&self, at: Instant) {
        self.update(|s| {
            s.publish_start.get_or_insert(at);
        });
    }

    pub(crate) fn sent(&self, frames: u64) {
        self.update(|s| s.frames_sent = frames);
    }

    /// The publisher sent its last frame (or will send none): once only.
    pub(crate) fn publisher_done(&self, at: Instant) {
        self.update(|s| {
            s.publisher_done.get_or_insert(at);
        });
    }

    /// Waits until the player got `Play.Start` or ended, by `deadline`: whether it started.
    /// `None` when the deadline came first.
    pub(crate) async fn player_ready(&self, deadline: Instant) -> Option<bool> {
        let mut rx = self.tx.subscribe();
        let wait = async {
            rx.wait_for(|s| s.play_start.is_some() || s.player_ended)
                .await
                .map(|s| s.play_start.is_some())
        };
        match tokio::time::timeout_at(deadline, wait).await {
            Ok(Ok(started)) => Some(started),
            // The sender lives as long as this link: it cannot be gone.
            Ok(Err(_)) => Some(false),
            Err(_) => None,
        }
    }
}
