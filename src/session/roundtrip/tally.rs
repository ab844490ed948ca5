//! The round trip's accounting: every marker the player finds, counted once, in memory that the
//! probe's own configuration bounds (never the server's data).
//!
//! - A frame is one synthetic video frame (the markers are in the video; audio is not counted).
//! - **Expected** frames run from the lowest sequence number that came back intact (the
//!   player's join point: a server may start a late player at a keyframe) to the last frame the
//!   publisher sent; frames sent before it are `before_join`, not lost. The publisher waits for
//!   the player's `Play.Start` before its first frame, so on a healthy server that is 0.
//! - **Duplicated**: an intact frame whose sequence number came before. **Reordered**: an
//!   intact frame older than one already received. **Corrupted**: a marker whose checksum does
//!   not match the frame received with it (its sequence number is not trusted, so it is not
//!   entered as received; it still stands for one expected frame, which is then not lost).
//!   **Foreign**: an intact marker with a sequence number this run never sent (another probe
//!   publishing the same stream name, or a replay).
//! - **Lost** = expected - distinct intact frames - corrupted ones (never below 0), counted
//!   after the drain: what is still in flight when the window closes had the drain to arrive.
//! - Latency per distinct intact frame: its arrival minus the send time in its marker, both
//!   microseconds on the probe's monotonic clock from the round trip's epoch.
//!
//! Memory: a bitmap of `capacity` bits and at most `capacity` latencies (4 bytes each), where
//! `capacity` is the number of frames the configuration can send (`--duration` x `--fps`, at
//! most [`MAX_TRACKED`]); a server that floods markers or sends huge sequence numbers costs
//! nothing more.

use crate::media::synth::Marker;
use std::time::Duration;
use tokio::time::Instant;

/// The most frames a round trip tracks: 5 minutes at 240 fps, with room (a bitmap of 128 KiB).
pub(crate) const MAX_TRACKED: u64 = 1 << 20;

/// Latency figures of the frames that came back, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    pub min: Duration,
    pub p50: Duration,
    pub p95: Duration,
    pub max: Duration,
}

/// What came back of a round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundtripOutcome {
    /// Video frames the publisher wrote.
    pub frames_sent: u64,
    /// Video frames with the probe's marker that came back, duplicates and corrupted ones too.
    pub frames_received: u64,
    /// Frames that had to come back (see the module documentation).
    pub expected: u64,
    /// Frames sent before the player's join point (not expected).
    pub before_join: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    pub corrupted: u64,
    pub foreign: u64,
    /// `None` when no intact frame came back.
    pub latency: Option<Latency>,
    /// From `Publish.Start` to the first frame back.
    pub first_frame_back: Option<Duration>,
    /// When that first frame came, from the round trip's epoch.
    pub first_frame_back_at: Option<Duration>,
    /// The drain the player gave frames in flight after the publisher's last one.
    pub drain: Duration,
    /// Where the player played from, `ip:port`.
    pub address: Option<std::net::SocketAddr>,
    /// Whether the player played from `--play-url`.
    pub play_url: bool,
}

/// The player's count of what came back, as it comes.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    capacity: u64,
    seen: Vec<u64>,
    latencies_us: Vec<u32>,
    received: u64,
    distinct: u64,
    duplicated: u64,
    reordered: u64,
    corrupted: u64,
    foreign: u64,
    lowest: Option<u64>,
    highest: Option<u64>,
    first_at: Option<Instant>,
}

impl Tally {
    /// A tally for at most `capacity` frames (capped at [`MAX_TRACKED`]).
    pub(crate) fn new(capacity: u64) -> Tally {
        let capacity = capacity.min(MAX_TRACKED);
        let words = usize::try_from(capacity.div_ceil(64)).unwrap_or(0);
        Tally {
            capacity,
            seen: vec![0; words],
            latencies_us: Vec::new(),
            received: 0,
            distinct: 0,
            duplicated: 0,
            reordered: 0,
            corrupted: 0,
            foreign: 0,
            lowest: None,
            highest: None,
            first_at: None,
        }
    }

    /// The frames a configuration sends in `duration` at `num/den` frames a second, with one
    /// to spare for rounding.
    pub(crate) fn capacity_for(duration: Duration, num: u32, den: u32) -> u64 {
        let us = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        let per = u64::from(den.max(1)).saturating_mul(1_000_000);
        us.saturating_mul(u64::from(num))
            .div_ceil(per)
            .saturating_add(1)
    }

    /// Takes a marker found in a video frame that arrived at `now`, `now_us` microseconds
    /// after the epoch.
    pub(crate) fn on_marker(&mut self, m: Marker, now: Instant, now_us: u64) {
        self.received = self.received.saturating_add(1);
        self.first_at.get_or_insert(now);
        if !m.checksum_ok {
            self.corrupted = self.corrupted.saturating_add(1);
            return;
        }
        let Some((word, bit)) = self.slot(m.seq) else {
            self.foreign = self.foreign.saturating_add(1);
            return;
        };
        let Some(w) = self.seen.get_mut(word) else {
            self.foreign = self.foreign.saturating_add(1);
            return;
        };
        if *w & bit != 0 {
            self.duplicated = self.duplicated.saturating_add(1);
            return;
        }
        *w |= bit;
        self.distinct = self.distinct.saturating_add(1);
        if self.highest.is_some_and(|h| m.seq < h) {
            self.reordered = self.reordered.saturating_add(1);
        }
        self.highest = Some(self.highest.map_or(m.seq, |h| h.max(m.seq)));
        self.lowest = Some(self.lowest.map_or(m.seq, |l| l.min(m.seq)));
        let latency = now_us.saturating_sub(m.send_time_us);
        self.latencies_us
            .push(u32::try_from(latency).unwrap_or(u32::MAX));
    }

    fn slot(&self, seq: u64) -> Option<(usize, u64)> {
        (seq < self.capacity).then(|| {
            (
                usize::try_from(seq / 64).unwrap_or(usize::MAX),
                1 << (seq % 64),
            )
        })
    }

    fn has(&self, seq: u64) -> bool {
        self.slot(seq)
            .and_then(|(word, bit)| self.seen.get(word).map(|w| w & bit != 0))
            .unwrap_or(false)
    }

    /// Whether every frame of `0..sent` came back (the drain can end early).
    pub(crate) fn complete(&self, sent: u64) -> bool {
        sent > 0 && self.distinct >= sent && (0..sent.min(self.capacity)).all(|s| self.has(s))
    }

    /// Markers so far.
    pub(crate) fn received(&self) -> u64 {
        self.received
    }

    /// When the first marker came.
    pub(crate) fn first_at(&self) -> Option<Instant> {
        self.first_at
    }

    /// The figures, once the publisher sent `sent` frames and the drain is over.
    pub(crate) fn finish(&self, sent: u64, drain: Duration) -> RoundtripOutcome {
        // Intact frames the publisher never sent (in the bitmap, above its last frame).
        let beyond = (sent..self.capacity).filter(|&s| self.has(s)).count() as u64;
        let distinct = self.distinct.saturating_sub(beyond);
        let join = self.lowest.filter(|&l| l < sent).unwrap_or(0);
        let expected = sent.saturating_sub(join);
        let lost = expected
            .saturating_sub(distinct)
            .saturating_sub(self.corrupted);
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let at = |q: f64| -> Duration {
            // Nearest rank: the smallest value with at least q of the values at or below it.
            let n = sorted.len();
            let rank = ((q * n as f64).ceil() as usize).clamp(1, n.max(1));
            Duration::from_micros(u64::from(sorted.get(rank - 1).copied().unwrap_or(0)))
        };
        let latency = (!sorted.is_empty()).then(|| Latency {
            min: at(0.0),
            p50: at(0.5),
            p95: at(0.95),
            max: at(1.0),
        });
        RoundtripOutcome {
            frames_sent: sent,
            frames_received: self.received,
            expected,
            before_join: join,
            lost,
            duplicated: self.duplicated,
            reordered: self.reordered,
            corrupted: self.corrupted,
            foreign: self.foreign.saturating_add(beyond),
            latency,
            first_frame_back: None,
            first_frame_back_at: None,
            drain,
            address: None,
            play_url: false,
        }
    }
}

#[cfg(test)]
mod tests;
