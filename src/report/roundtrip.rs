//! The round trip's `roundtrip` object: what came back of the synthetic stream (see
//! `session::roundtrip` for what each count means).

use crate::session::RoundtripOutcome;
use serde::Serialize;

/// `roundtrip` in the JSON report (`null` in the other modes, and when the player never got
/// `Play.Start`).
#[derive(Debug, Clone, Serialize)]
pub struct RoundtripReport {
    pub frames_sent: u64,
    pub frames_received: u64,
    pub expected: u64,
    pub before_join: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    pub corrupted: u64,
    pub foreign: u64,
    /// `null` when no intact frame came back.
    pub latency_ms: Option<LatencyReport>,
    pub first_frame_back_ms: Option<f64>,
    pub drain_ms: f64,
    /// Whether the player played from `--play-url` (else from the publish target).
    pub play_url: bool,
    /// The address the player connected to, `ip:port`.
    pub play_address: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LatencyReport {
    pub min: f64,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl RoundtripReport {
    pub fn build(r: &RoundtripOutcome) -> RoundtripReport {
        RoundtripReport {
            frames_sent: r.frames_sent,
            frames_received: r.frames_received,
            expected: r.expected,
            before_join: r.before_join,
            lost: r.lost,
            duplicated: r.duplicated,
            reordered: r.reordered,
            corrupted: r.corrupted,
            foreign: r.foreign,
            latency_ms: r.latency.map(|l| LatencyReport {
                min: super::ms(l.min),
                p50: super::ms(l.p50),
                p95: super::ms(l.p95),
                max: super::ms(l.max),
            }),
            first_frame_back_ms: r.first_frame_back.map(super::ms),
            drain_ms: super::ms(r.drain),
            play_url: r.play_url,
            play_address: r.address.map(|a| a.to_string()),
        }
    }
}

impl RoundtripReport {
    /// The text format's line: "roundtrip: 90 of 90 expected frames back (90 received), 0 lost,
    /// ...; latency min/p50/p95/max 0.2/0.4/0.6/0.7 ms; first frame back after 7.7 ms; played
    /// back from 127.0.0.1:1935".
    pub fn line(&self) -> String {
        let distinct = self
            .frames_received
            .saturating_sub(self.duplicated)
            .saturating_sub(self.foreign);
        let mut s = format!(
            "roundtrip: {distinct} of {} expected frames back ({} received, {} sent, {} before the \
             join), {} lost, {} corrupted, {} duplicated, {} reordered, {} foreign",
            self.expected,
            self.frames_received,
            self.frames_sent,
            self.before_join,
            self.lost,
            self.corrupted,
            self.duplicated,
            self.reordered,
            self.foreign
        );
        if let Some(l) = &self.latency_ms {
            s.push_str(&format!(
                "; latency min/p50/p95/max {}/{}/{}/{} ms",
                l.min, l.p50, l.p95, l.max
            ));
        }
        if let Some(first) = self.first_frame_back_ms {
            s.push_str(&format!("; first frame back after {first} ms"));
        }
        if let Some(a) = &self.play_address {
            let from = if self.play_url { " (--play-url)" } else { "" };
            s.push_str(&format!("; played back from {a}{from}"));
        }
        s
    }
}
