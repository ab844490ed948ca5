//! The play check's part of the report: the JSON `media` object (docs/report.schema.json), the
//! text lines a person reads, and the phrase of the Nagios summary. Built once, masked and
//! sanitised like the rest of the report: onMetaData is server text (names and values as sent,
//! bounded in depth, count and length).

use crate::media::MediaSummary;
use crate::protocol::amf0::Value;
use crate::redact::Redactor;
use crate::sanitize;
use crate::session::MediaOutcome;
use crate::verdict::play::{backwards, max_gap, stalls};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::time::Duration;

/// Deepest nesting of onMetaData values reported (deeper containers are summarised).
const MAX_DEPTH: usize = 4;
/// Most items of one array or object reported (onMetaData has a few dozen).
const MAX_ITEMS: usize = 256;

#[derive(Debug, Clone, Serialize)]
pub struct MediaReport {
    /// The kinds that had to arrive: `video`, `audio`.
    pub expected: Vec<&'static str>,
    /// What decided them: `option` (--expect), `metadata` (onMetaData), `stream` (the kinds it
    /// started with); null when no frame came.
    pub expected_from: Option<&'static str>,
    /// `--duration`, and how long the window ran (null: it never started).
    pub duration_s: f64,
    pub window_s: Option<f64>,
    /// From NetStream.Play.Start to the first frame and the first video keyframe.
    pub first_frame_s: Option<f64>,
    pub first_keyframe_s: Option<f64>,
    pub video: Option<VideoReport>,
    pub audio: Option<AudioReport>,
    /// The last onMetaData, every property as sent (null: none came).
    pub metadata: Option<Meta>,
    pub disagreements: Vec<DisagreementReport>,
    /// Stalls (gaps over the stall threshold) and the longest gap of the expected kinds.
    pub stalls: u64,
    pub max_gap_s: f64,
    /// Last video timestamp minus last audio timestamp (positive: video ahead).
    pub av_drift_s: Option<f64>,
    pub backwards_timestamps: u64,
    /// Audio and video messages, and the bytes their headers announced.
    pub messages: u64,
    pub bytes: u64,
    pub aggregates: u64,
    /// What could not be parsed (the first 8), and how many problems there were.
    pub problems: Vec<String>,
    pub problem_count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct VideoReport {
    /// As ffprobe spells it: h264, hevc, av1, vp9...
    pub codec: Option<String>,
    pub profile: Option<&'static str>,
    /// As ffprobe reports it (H.264 level_idc: 30 for 3.0), and as people write it.
    pub level: Option<u32>,
    pub level_name: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bit_depth: Option<u8>,
    pub fps: Option<f64>,
    pub bitrate_bps: Option<u64>,
    pub frames: u64,
    pub keyframes: u64,
    pub keyframe_interval_s: Option<KeyframeIntervalReport>,
    pub frames_before_first_keyframe: u64,
    pub max_gap_s: Option<f64>,
    pub stalls: u64,
    pub backwards_timestamps: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyframeIntervalReport {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Intervals between two keyframes of the window, and the one still open at its end.
    pub closed: u64,
    pub open: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AudioReport {
    /// As ffprobe spells it: aac, mp3, opus...
    pub codec: Option<String>,
    pub profile: Option<&'static str>,
    pub sample_rate: Option<u32>,
    pub channels: Option<u8>,
    pub bitrate_bps: Option<u64>,
    pub frames: u64,
    pub max_gap_s: Option<f64>,
    pub stalls: u64,
    pub backwards_timestamps: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DisagreementReport {
    pub field: &'static str,
    pub metadata: String,
    pub stream: String,
}

/// An onMetaData value, masked and bounded: what the JSON `metadata` object holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Meta {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Meta>),
    /// Properties in wire order, each name once (the first wins, as the parser reads them).
    Map(Vec<(String, Meta)>),
}

impl Meta {
    fn from_value(v: &Value, r: &Redactor, depth: usize) -> Meta {
        let text = |s: &str| Meta::Text(sanitize::text(&r.text(s)));
        match v {
            Value::Number(n) => Meta::Number(*n),
            Value::Boolean(b) => Meta::Bool(*b),
            Value::String(s) | Value::LongString(s) | Value::XmlDocument(s) => text(s),
            Value::Null | Value::Undefined | Value::Unsupported => Meta::Null,
            Value::Date { millis, .. } => Meta::Number(*millis),
            Value::Reference(i) => Meta::Text(format!("(reference {i})")),
            Value::StrictArray(items) if depth < MAX_DEPTH => Meta::List(
                items
                    .iter()
                    .take(MAX_ITEMS)
                    .map(|i| Meta::from_value(i, r, depth + 1))
                    .collect(),
            ),
            Value::StrictArray(items) => Meta::Text(format!("({} values)", items.len())),
            other => match other.properties() {
                Some(props) if depth < MAX_DEPTH => Meta::map(props, r, depth + 1),
                Some(props) => Meta::Text(format!("({} properties)", props.len())),
                None => Meta::Null,
            },
        }
    }

    fn map(props: &[(String, Value)], r: &Redactor, depth: usize) -> Meta {
        let mut out: Vec<(String, Meta)> = Vec::new();
        for (name, value) in props.iter().take(MAX_ITEMS) {
            let name = sanitize::field(&r.text(name));
            if out.iter().any(|(n, _)| *n == name) {
                continue;
            }
            out.push((name, Meta::from_value(value, r, depth)));
        }
        Meta::Map(out)
    }

    /// A short rendering for the text format: `25`, `"Lavf59.27.100"`, `true`, `{3 properties}`.
    fn short(&self) -> String {
        match self {
            Meta::Null => "null".into(),
            Meta::Bool(b) => b.to_string(),
            Meta::Number(n) => crate::metrics::trim_number(*n),
            Meta::Text(s) => format!("\"{}\"", s.replace('"', "\\\"")),
            Meta::List(items) => format!("[{} values]", items.len()),
            Meta::Map(props) => format!("{{{} properties}}", props.len()),
        }
    }
}

impl Serialize for Meta {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Meta::Null => s.serialize_none(),
            Meta::Bool(b) => s.serialize_bool(*b),
            Meta::Number(n) if n.is_finite() => s.serialize_f64(*n),
            // JSON has no NaN or infinity: say what it was.
            Meta::Number(n) => s.serialize_str(&n.to_string()),
            Meta::Text(t) => s.serialize_str(t),
            Meta::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Meta::Map(props) => {
                let mut map = s.serialize_map(Some(props.len()))?;
                for (k, v) in props {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1_000_000.0
}

/// Builds the `media` object of a play, masking and bounding what the server sent.
pub fn build(m: &MediaOutcome, r: &Redactor) -> MediaReport {
    let s: &MediaSummary = &m.summary;
    let (expected, expected_from) = match m.expected {
        Some(e) => {
            let mut kinds = Vec::new();
            if e.video {
                kinds.push("video");
            }
            if e.audio {
                kinds.push("audio");
            }
            (kinds, Some(e.from.name()))
        }
        None => (Vec::new(), None),
    };
    let video = s.video.as_ref().map(|v| {
        let info = v.info.as_ref();
        let track = v.track.as_ref();
        VideoReport {
            codec: v.codec_name().map(|c| sanitize::field(&c)),
            profile: info.and_then(|i| i.profile),
            level: info.and_then(|i| i.level),
            level_name: info.and_then(|i| i.level_name.clone()),
            width: info.and_then(|i| i.width),
            height: info.and_then(|i| i.height),
            bit_depth: info.and_then(|i| i.bit_depth),
            fps: v.fps(),
            bitrate_bps: v.bitrate_bps(),
            frames: v.frames(),
            keyframes: v.keyframes(),
            keyframe_interval_s: v.keyframe_interval().map(|k| KeyframeIntervalReport {
                min: k.min_s,
                max: k.max_s,
                mean: k.mean_s,
                closed: k.closed,
                open: k.open_s,
            }),
            frames_before_first_keyframe: track.map_or(0, |t| t.frames_before_first_keyframe),
            max_gap_s: track.map(|t| secs(t.max_gap)),
            stalls: track.map_or(0, |t| t.stalls),
            backwards_timestamps: track.map_or(0, |t| t.backwards),
        }
    });
    let audio = s.audio.as_ref().map(|a| {
        let info = a.info.as_ref();
        let track = a.track.as_ref();
        AudioReport {
            codec: a.codec_name().map(|c| sanitize::field(&c)),
            profile: info.and_then(|i| i.profile),
            sample_rate: info.and_then(|i| i.sample_rate),
            channels: info.and_then(|i| i.channels),
            bitrate_bps: a.bitrate_bps(),
            frames: a.frames(),
            max_gap_s: track.map(|t| secs(t.max_gap)),
            stalls: track.map_or(0, |t| t.stalls),
            backwards_timestamps: track.map_or(0, |t| t.backwards),
        }
    });
    MediaReport {
        expected,
        expected_from,
        duration_s: secs(m.requested),
        window_s: m.window.map(secs),
        first_frame_s: m.first_frame.map(secs),
        first_keyframe_s: m.first_keyframe.map(secs),
        video,
        audio,
        metadata: s
            .metadata
            .as_ref()
            .map(|meta| Meta::map(&meta.properties, r, 1)),
        disagreements: s
            .disagreements
            .iter()
            .map(|d| DisagreementReport {
                field: d.field,
                metadata: sanitize::field(&r.text(&d.metadata)),
                stream: sanitize::field(&r.text(&d.stream)),
            })
            .collect(),
        stalls: stalls(m),
        max_gap_s: secs(max_gap(m)),
        av_drift_s: s.av_drift_s,
        backwards_timestamps: backwards(m),
        messages: m.messages,
        bytes: m.bytes,
        aggregates: m.aggregates,
        problems: s
            .problems
            .iter()
            .map(|p| sanitize::one_line(&r.text(&p.to_string())))
            .collect(),
        problem_count: s.problem_count,
    }
}

/// "h264 Main 3.0 640x360", "aac LC 44.1 kHz stereo": a codec as a person names it.
fn video_words(v: &VideoReport) -> String {
    let mut parts: Vec<String> = vec![v.codec.clone().unwrap_or_else(|| "video".into())];
    if let Some(p) = v.profile {
        parts.push(p.to_string());
    }
    if let Some(l) = &v.level_name {
        parts.push(l.clone());
    }
    if let (Some(w), Some(h)) = (v.width, v.height) {
        parts.push(format!("{w}x{h}"));
    }
    parts.join(" ")
}

fn audio_words(a: &AudioReport) -> String {
    let mut parts: Vec<String> = vec![a.codec.clone().unwrap_or_else(|| "audio".into())];
    if let Some(p) = a.profile {
        parts.push(p.to_string());
    }
    if let Some(rate) = a.sample_rate {
        parts.push(format!(
            "{} kHz",
            crate::metrics::trim_number(f64::from(rate) / 1000.0)
        ));
    }
    match a.channels {
        Some(1) => parts.push("mono".into()),
        Some(2) => parts.push("stereo".into()),
        Some(n) => parts.push(format!("{n} channels")),
        None => {}
    }
    parts.join(" ")
}

fn rate(bps: Option<u64>) -> Option<String> {
    bps.map(|b| crate::metrics::Unit::BitsPerSecond.show(b as f64))
}

/// "1.5 s", "0.041 s".
fn seconds(v: f64) -> String {
    if v.abs() < 1.0 {
        format!("{v:.3} s")
    } else {
        format!("{v:.1} s")
    }
}

/// The Nagios summary of a healthy play: "h264 640x360 25.0 fps 1.20 Mbit/s, aac 44.1 kHz
/// stereo 128.0 kbit/s; first keyframe after 1.234 s, watched 10.0 s".
pub fn summary(m: &MediaReport) -> String {
    let mut kinds = Vec::new();
    if let Some(v) = &m.video {
        let mut s = video_words(v);
        if let Some(fps) = v.fps {
            s.push_str(&format!(" {fps:.1} fps"));
        }
        if let Some(r) = rate(v.bitrate_bps) {
            s.push(' ');
            s.push_str(&r);
        }
        kinds.push(s);
    }
    if let Some(a) = &m.audio {
        let mut s = audio_words(a);
        if let Some(r) = rate(a.bitrate_bps) {
            s.push(' ');
            s.push_str(&r);
        }
        kinds.push(s);
    }
    let mut out = if kinds.is_empty() {
        "no media".to_string()
    } else {
        kinds.join(", ")
    };
    match (m.first_keyframe_s, m.first_frame_s) {
        (Some(k), _) => out.push_str(&format!("; first keyframe after {}", seconds(k))),
        (None, Some(f)) => out.push_str(&format!("; first frame after {}", seconds(f))),
        (None, None) => {}
    }
    if let (Some(w), true) = (m.window_s, m.duration_s > 0.0) {
        out.push_str(&format!(", watched {}", seconds(w)));
    }
    out
}

/// The lines of the text format and the Nagios long output.
pub fn lines(m: &MediaReport) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = &m.video {
        let mut line = format!("video: {}", video_words(v));
        if let Some(fps) = v.fps {
            line.push_str(&format!(", {fps:.2} fps"));
        }
        if let Some(r) = rate(v.bitrate_bps) {
            line.push_str(&format!(", {r}"));
        }
        line.push_str(&format!(", {} frames, {} keyframes", v.frames, v.keyframes));
        if let Some(k) = &v.keyframe_interval_s {
            line.push_str(&format!(
                ", keyframe every {} (min {}, mean {}, {} closed, {} open at the end)",
                seconds(k.max),
                seconds(k.min),
                seconds(k.mean),
                k.closed,
                seconds(k.open)
            ));
        }
        out.push(line);
    }
    if let Some(a) = &m.audio {
        let mut line = format!("audio: {}", audio_words(a));
        if let Some(r) = rate(a.bitrate_bps) {
            line.push_str(&format!(", {r}"));
        }
        line.push_str(&format!(", {} frames", a.frames));
        out.push(line);
    }
    let expected = if m.expected.is_empty() {
        "not known yet".to_string()
    } else {
        format!(
            "{} (from {})",
            m.expected.join(" and "),
            m.expected_from.unwrap_or("-")
        )
    };
    let mut line = format!("media: expected {expected}");
    if let Some(f) = m.first_frame_s {
        line.push_str(&format!(", first frame after {}", seconds(f)));
    }
    if let Some(k) = m.first_keyframe_s {
        line.push_str(&format!(", first keyframe after {}", seconds(k)));
    }
    if let Some(w) = m.window_s {
        line.push_str(&format!(
            ", watched {} of {}",
            seconds(w),
            seconds(m.duration_s)
        ));
    }
    out.push(line);
    let mut line = format!(
        "media: longest gap {}, {} stall{}, {} timestamp{} backwards",
        seconds(m.max_gap_s),
        m.stalls,
        if m.stalls == 1 { "" } else { "s" },
        m.backwards_timestamps,
        if m.backwards_timestamps == 1 { "" } else { "s" },
    );
    if let Some(d) = m.av_drift_s {
        line.push_str(&format!(", A/V drift {d:+.3} s"));
    }
    line.push_str(&format!(", {} messages ({} bytes)", m.messages, m.bytes));
    out.push(line);
    if let Some(Meta::Map(props)) = &m.metadata {
        let items: Vec<String> = props
            .iter()
            .map(|(k, v)| format!("{k} {}", v.short()))
            .collect();
        out.push(format!("metadata: {}", items.join(", ")));
    }
    for d in &m.disagreements {
        out.push(format!(
            "metadata disagrees: {} {} (onMetaData) vs {} (stream)",
            d.field, d.metadata, d.stream
        ));
    }
    for p in &m.problems {
        out.push(format!("media problem: {p}"));
    }
    if m.problem_count > m.problems.len() as u64 {
        out.push(format!(
            "media problems: {} more not listed",
            m.problem_count - m.problems.len() as u64
        ));
    }
    out
}

#[cfg(test)]
mod tests;
