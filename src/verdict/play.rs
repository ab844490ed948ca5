//! The play check's figures as metrics thresholds judge (`-c keyframe_interval=4s`, `-w
//! video_bitrate=2500k:`...), and their crossings in an operator's words ("keyframe every
//! 10.0 s (critical above 4 s)").

use super::{Crossing, State};
use crate::metrics::{trim_number, Metric, Range, Unit};
use crate::session::MediaOutcome;
use std::time::Duration;

/// The window figures of a play: what the stream measured, each only when it was measured
/// (fps needs two frames, drift both kinds). Nothing without a window (`--duration`): the
/// first instants of a stream are no measure of it, and perfdata would graph noise.
pub fn metrics(media: &MediaOutcome) -> Vec<Metric> {
    if media.window.is_none() || media.requested.is_zero() {
        return Vec::new();
    }
    let s = &media.summary;
    let mut out = Vec::new();
    let mut push = |name: &'static str, unit: Unit, value: Option<f64>| {
        if let Some(value) = value.filter(|v| v.is_finite()) {
            out.push(Metric { name, unit, value });
        }
    };
    let video = s.video.as_ref();
    let audio = s.audio.as_ref();
    push("fps", Unit::PerSecond, video.and_then(|v| v.fps()));
    push(
        "video_bitrate",
        Unit::BitsPerSecond,
        video.and_then(|v| v.bitrate_bps()).map(|b| b as f64),
    );
    push(
        "audio_bitrate",
        Unit::BitsPerSecond,
        audio.and_then(|a| a.bitrate_bps()).map(|b| b as f64),
    );
    push(
        "keyframe_interval",
        Unit::Seconds,
        video.and_then(|v| v.keyframe_interval()).map(|k| k.max_s),
    );
    push("max_gap", Unit::Seconds, Some(max_gap(media).as_secs_f64()));
    push("av_drift", Unit::Seconds, s.av_drift_s.map(f64::abs));
    push(
        "backwards_timestamps",
        Unit::Count,
        Some(backwards(media) as f64),
    );
    out
}

/// The longest time an expected kind of media stopped in the window (before the kinds are
/// known, or when neither is expected: any media).
pub fn max_gap(media: &MediaOutcome) -> Duration {
    let s = &media.summary;
    let Some(e) = media.expected.filter(|e| e.video || e.audio) else {
        return Duration::from_secs_f64(s.max_gap_s.max(0.0));
    };
    let video = s.video.as_ref().and_then(|v| v.track).map(|t| t.max_gap);
    let audio = s.audio.as_ref().and_then(|a| a.track).map(|t| t.max_gap);
    let window = media.window.unwrap_or_default();
    // An expected kind without a single frame stopped for the whole window.
    let gap = |expected: bool, gap: Option<Duration>| match (expected, gap) {
        (false, _) => Duration::ZERO,
        (true, Some(g)) => g,
        (true, None) => window,
    };
    gap(e.video, video).max(gap(e.audio, audio))
}

/// Stalls of the expected kinds (any media before the kinds are known).
pub fn stalls(media: &MediaOutcome) -> u64 {
    let s = &media.summary;
    let Some(e) = media.expected.filter(|e| e.video || e.audio) else {
        return s.stalls;
    };
    let video = s
        .video
        .as_ref()
        .and_then(|v| v.track)
        .map_or(0, |t| t.stalls);
    let audio = s
        .audio
        .as_ref()
        .and_then(|a| a.track)
        .map_or(0, |t| t.stalls);
    u64::from(e.video) * video + u64::from(e.audio) * audio
}

/// Timestamps that went backwards, audio and video together.
pub fn backwards(media: &MediaOutcome) -> u64 {
    let s = &media.summary;
    let video = s
        .video
        .as_ref()
        .and_then(|v| v.track)
        .map_or(0, |t| t.backwards);
    let audio = s
        .audio
        .as_ref()
        .and_then(|a| a.track)
        .map_or(0, |t| t.backwards);
    video.saturating_add(audio)
}

/// A crossing of a media metric in words, what is wrong first: "keyframe every 10.0 s
/// (critical above 4 s)". `None` for the other metrics (steps keep "connect 4.000 ms > 3.000
/// ms").
pub(super) fn words(c: &Crossing) -> Option<String> {
    let v = c.value;
    let what = match c.metric {
        "keyframe_interval" => format!("keyframe every {}", seconds(v)),
        "fps" => format!("video at {} fps", one_decimal(v)),
        "video_bitrate" => format!("video at {}", c.unit.show(v)),
        "audio_bitrate" => format!("audio at {}", c.unit.show(v)),
        "max_gap" => format!("media stopped for {}", seconds(v)),
        "av_drift" => format!("audio and video {} apart", seconds(v)),
        "backwards_timestamps" => format!(
            "timestamps went backwards {} time{}",
            trim_number(v),
            if v == 1.0 { "" } else { "s" }
        ),
        _ => return None,
    };
    Some(format!(
        "{what} ({})",
        range_words(&c.range, c.unit, c.state)
    ))
}

/// "critical above 4 s", "warning below 2.50 Mbit/s", "critical outside 20..30 fps".
fn range_words(range: &Range, unit: Unit, state: State) -> String {
    let level = match state {
        State::Critical => "critical",
        _ => "warning",
    };
    let show = |v: f64| match unit {
        Unit::Seconds => format!("{} s", trim_number(v)),
        Unit::PerSecond => format!("{} fps", trim_number(v)),
        Unit::BitsPerSecond => unit.show(v),
        Unit::Days | Unit::Count => trim_number(v),
    };
    let bare = |v: f64| match unit {
        Unit::BitsPerSecond => unit.show(v),
        _ => trim_number(v),
    };
    if range.inside {
        return format!("{level} inside {}..{}", bare(range.start), show(range.end));
    }
    match (range.start, range.end) {
        (start, end) if end.is_finite() && (start <= 0.0 || start == f64::NEG_INFINITY) => {
            format!("{level} above {}", show(end))
        }
        (start, end) if end == f64::INFINITY => format!("{level} below {}", show(start)),
        (start, end) => format!("{level} outside {}..{}", bare(start), show(end)),
    }
}

/// "10.0 s", "0.045 s".
fn seconds(v: f64) -> String {
    if v.abs() < 1.0 {
        format!("{v:.3} s")
    } else {
        format!("{v:.1} s")
    }
}

fn one_decimal(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests;
