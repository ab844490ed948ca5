//! onMetaData: what the publisher says about its stream (FLV 10.1 §E.5, "onMetaData"; Enhanced
//! RTMP v2, "Enhancing onMetaData"), and where it disagrees with what the stream itself says.
//!
//! Publishers send `["@setDataFrame", "onMetaData", {..}]` (ffmpeg, OBS); servers pass it on to
//! players as `["onMetaData", {..}]` (nginx-rtmp strips the `@setDataFrame`). The argument is an
//! ECMA array (ffmpeg, OBS) or an object (FMLE, Wowza); both are read. Every property is kept as
//! sent, in wire order; the typed accessors read the usual ones. `videocodecid` and
//! `audiocodecid` are a legacy id (7, 10), a FourCC as a number (Enhanced RTMP: `"av01"` is
//! 1635135537) or a FourCC string (FMLE sends `"avc1"` and `"mp4a"`).

use super::codec::{AudioCodec, FourCc, VideoCodec};
use crate::protocol::amf0::{decode_all, Amf0Error, Property, Value};
use crate::protocol::Limits;

/// At most this many properties are kept (the rest are counted in [`Metadata::dropped`]). Real
/// metadata has a dozen to thirty (ffmpeg 13, OBS 17, Wowza's with its own fields about 30).
pub const MAX_PROPERTIES: usize = 256;

/// The properties of an onMetaData message.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// Every property as sent, in wire order (the first [`MAX_PROPERTIES`]).
    pub properties: Vec<Property>,
    /// Properties beyond [`MAX_PROPERTIES`], not kept.
    pub dropped: usize,
    /// Sent wrapped in `@setDataFrame`.
    pub set_data_frame: bool,
}

/// A codec as onMetaData names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaCodecId {
    /// A legacy FLV codec id (`videocodecid: 7`).
    Legacy(u8),
    /// A FourCC, sent as a number or a four-character string.
    FourCc(FourCc),
    /// Any other string, as sent.
    Name(String),
}

impl MetaCodecId {
    fn from_value(value: &Value) -> Option<MetaCodecId> {
        if let Some(n) = value.as_f64() {
            if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX)) {
                return None;
            }
            let n = n as u32;
            return Some(match u8::try_from(n) {
                Ok(id) => MetaCodecId::Legacy(id),
                Err(_) => MetaCodecId::FourCc(FourCc::from_u32(n)),
            });
        }
        let text = value.as_str()?;
        Some(match <[u8; 4]>::try_from(text.as_bytes()) {
            Ok(code) => MetaCodecId::FourCc(FourCc(code)),
            Err(_) => MetaCodecId::Name(text.to_owned()),
        })
    }

    /// The video codec this names, if it names one this module knows.
    pub fn video_codec(&self) -> Option<VideoCodec> {
        let codec = match self {
            MetaCodecId::Legacy(id) => VideoCodec::from_legacy_id(*id),
            MetaCodecId::FourCc(code) => VideoCodec::from_fourcc(*code),
            MetaCodecId::Name(_) => return None,
        };
        codec.ffprobe_name().map(|_| codec)
    }

    /// The audio codec this names, if it names one this module knows.
    pub fn audio_codec(&self) -> Option<AudioCodec> {
        let codec = match self {
            MetaCodecId::Legacy(id) => AudioCodec::from_legacy_id(*id),
            MetaCodecId::FourCc(code) => AudioCodec::from_fourcc(*code),
            MetaCodecId::Name(_) => return None,
        };
        codec.ffprobe_name().map(|_| codec)
    }
}

impl Metadata {
    /// The metadata of a data message's AMF0 values, or `None` if the message is something else
    /// (`|RtmpSampleAccess`, `onTextData`, `onCuePoint`...). A bare `onMetaData` without an
    /// argument gives empty metadata.
    pub fn from_values(values: &[Value]) -> Option<Metadata> {
        let (set_data_frame, rest) = match values.split_first() {
            Some((first, rest)) if first.as_str() == Some("@setDataFrame") => (true, rest),
            _ => (false, values),
        };
        let (name, rest) = rest.split_first()?;
        if name.as_str() != Some("onMetaData") {
            return None;
        }
        let all = rest.first().and_then(Value::properties).unwrap_or_default();
        let kept = all.len().min(MAX_PROPERTIES);
        Some(Metadata {
            properties: all.get(..kept).unwrap_or_default().to_vec(),
            dropped: all.len() - kept,
            set_data_frame,
        })
    }

    /// Decodes an AMF0 data message payload (type 18) and reads its metadata.
    pub fn from_payload(payload: &[u8], limits: &Limits) -> Result<Option<Metadata>, Amf0Error> {
        Ok(Metadata::from_values(&decode_all(payload, limits)?))
    }

    /// The value of the first property named `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.properties
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    /// A number property; numeric strings (`"1280"`, sent by some encoders) count too.
    pub fn number(&self, key: &str) -> Option<f64> {
        let value = self.get(key)?;
        let n = match value.as_f64() {
            Some(n) => n,
            None => value.as_str()?.trim().parse().ok()?,
        };
        n.is_finite().then_some(n)
    }

    pub fn width(&self) -> Option<f64> {
        self.number("width")
    }

    pub fn height(&self) -> Option<f64> {
        self.number("height")
    }

    /// `framerate` (or `videoframerate`, which Wowza and some older encoders send).
    pub fn framerate(&self) -> Option<f64> {
        self.number("framerate")
            .or_else(|| self.number("videoframerate"))
    }

    /// kbit/s, as sent (ffmpeg writes bit_rate / 1024).
    pub fn videodatarate(&self) -> Option<f64> {
        self.number("videodatarate")
    }

    pub fn audiodatarate(&self) -> Option<f64> {
        self.number("audiodatarate")
    }

    pub fn audiosamplerate(&self) -> Option<f64> {
        self.number("audiosamplerate")
    }

    pub fn audiosamplesize(&self) -> Option<f64> {
        self.number("audiosamplesize")
    }

    /// `stereo`, or `audiochannels` >= 2 when only that is sent.
    pub fn stereo(&self) -> Option<bool> {
        match self.get("stereo") {
            Some(v) => v.as_bool(),
            None => self.number("audiochannels").map(|n| n >= 2.0),
        }
    }

    pub fn encoder(&self) -> Option<&str> {
        self.get("encoder").and_then(Value::as_str)
    }

    pub fn videocodecid(&self) -> Option<MetaCodecId> {
        self.get("videocodecid").and_then(MetaCodecId::from_value)
    }

    pub fn audiocodecid(&self) -> Option<MetaCodecId> {
        self.get("audiocodecid").and_then(MetaCodecId::from_value)
    }
}

/// What the stream itself says, for [`disagreements`]. Fill in what is known.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StreamFacts {
    pub video_codec: Option<VideoCodec>,
    /// From the SPS / sequence header.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The frame rate the codec configuration gives (SPS VUI timing).
    pub config_fps: Option<f64>,
    /// The frame rate measured from the timestamps, and the media seconds it was measured over.
    pub measured_fps: Option<f64>,
    pub video_seconds: f64,
    pub video_bitrate_bps: Option<u64>,
    pub audio_codec: Option<AudioCodec>,
    pub sample_rate: Option<u32>,
    /// The core rate of HE-AAC (half the output rate), also accepted for `audiosamplerate`.
    pub core_sample_rate: Option<u32>,
    pub channels: Option<u8>,
    pub audio_seconds: f64,
    pub audio_bitrate_bps: Option<u64>,
}

/// One place where onMetaData and the stream disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    /// The onMetaData property.
    pub field: &'static str,
    /// Its value, and what the stream says, written for a person ("1280", "640 (SPS)").
    pub metadata: String,
    pub stream: String,
}

/// A frame rate from the codec configuration may differ by this fraction (rounding: 29.97 vs
/// 30000/1001).
pub const CONFIG_FPS_TOLERANCE: f64 = 0.01;
/// A measured frame rate may differ by this fraction: timestamps are whole milliseconds and a
/// window is short, but 25 against 30 (20 %) or 24 against 30 must show.
pub const MEASURED_FPS_TOLERANCE: f64 = 0.05;
/// Frame rates and bitrates are only compared over at least this much media (seconds).
pub const MIN_MEASURED_SECONDS: f64 = 1.0;
/// A measured bitrate must be within this factor of `videodatarate`/`audiodatarate`: encoders
/// send their target, and a few seconds of a stream vary widely around it (a window with a
/// keyframe or two, a static scene), so only a stream at half or twice the announced rate is
/// called out.
pub const BITRATE_FACTOR: f64 = 2.0;

/// Where `meta` and the stream disagree, in a fixed order: width, height, framerate,
/// videocodecid, videodatarate, audiocodecid, audiosamplerate, stereo, audiodatarate. Values
/// of 0 in the metadata (ffmpeg writes `videodatarate: 0` when it does not know) are not
/// compared.
pub fn disagreements(meta: &Metadata, facts: &StreamFacts) -> Vec<Disagreement> {
    let mut out = Vec::new();
    let mut push = |field: &'static str, metadata: String, stream: String| {
        out.push(Disagreement {
            field,
            metadata,
            stream,
        })
    };
    for (field, announced, actual) in [
        ("width", meta.width(), facts.width),
        ("height", meta.height(), facts.height),
    ] {
        if let (Some(m), Some(s)) = (announced, actual) {
            if m > 0.0 && (m - f64::from(s)).abs() >= 0.5 {
                push(field, number(m), format!("{s} (sequence header)"));
            }
        }
    }
    if let Some(m) = meta.framerate().filter(|m| *m > 0.0) {
        if let Some(s) = facts
            .config_fps
            .filter(|s| off_by(m, *s, CONFIG_FPS_TOLERANCE))
        {
            push(
                "framerate",
                number(m),
                format!("{} (SPS timing)", number(s)),
            );
        } else if let Some(s) = facts
            .measured_fps
            .filter(|_| facts.video_seconds >= MIN_MEASURED_SECONDS)
            .filter(|s| off_by(m, *s, MEASURED_FPS_TOLERANCE))
        {
            push("framerate", number(m), format!("{s:.2} (timestamps)"));
        }
    }
    if let (Some(m), Some(s)) = (meta.videocodecid(), facts.video_codec) {
        if m.video_codec() != Some(s) {
            push("videocodecid", codec_id(&m), s.to_string());
        }
    }
    rate(
        &mut push,
        "videodatarate",
        meta.videodatarate(),
        facts.video_bitrate_bps,
        facts.video_seconds,
    );
    if let (Some(m), Some(s)) = (meta.audiocodecid(), facts.audio_codec) {
        if m.audio_codec() != Some(s) {
            push("audiocodecid", codec_id(&m), s.to_string());
        }
    }
    if let (Some(m), Some(s)) = (meta.audiosamplerate(), facts.sample_rate) {
        let matches = |r: u32| (m - f64::from(r)).abs() < 0.5;
        if m > 0.0 && !matches(s) && !facts.core_sample_rate.is_some_and(matches) {
            push(
                "audiosamplerate",
                number(m),
                format!("{s} (audio configuration)"),
            );
        }
    }
    if let (Some(m), Some(s)) = (meta.stereo(), facts.channels) {
        if m != (s >= 2) {
            push("stereo", m.to_string(), format!("{s} channel(s)"));
        }
    }
    rate(
        &mut push,
        "audiodatarate",
        meta.audiodatarate(),
        facts.audio_bitrate_bps,
        facts.audio_seconds,
    );
    out
}

/// A bitrate comparison (metadata in kbit/s) under [`BITRATE_FACTOR`].
fn rate(
    push: &mut impl FnMut(&'static str, String, String),
    field: &'static str,
    announced_kbps: Option<f64>,
    measured_bps: Option<u64>,
    seconds: f64,
) {
    let (Some(m), Some(s)) = (announced_kbps, measured_bps) else {
        return;
    };
    if m <= 0.0 || seconds < MIN_MEASURED_SECONDS {
        return;
    }
    let ratio = s as f64 / (m * 1000.0);
    if !(1.0 / BITRATE_FACTOR..=BITRATE_FACTOR).contains(&ratio) {
        push(
            field,
            format!("{} kbit/s", number(m)),
            format!("{:.0} kbit/s (measured)", s as f64 / 1000.0),
        );
    }
}

fn off_by(announced: f64, actual: f64, tolerance: f64) -> bool {
    (announced - actual).abs() > tolerance * actual.abs()
}

/// A number without a needless fraction: `1280`, `29.97`.
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn codec_id(id: &MetaCodecId) -> String {
    match id {
        MetaCodecId::Legacy(n) => n.to_string(),
        MetaCodecId::FourCc(code) => format!("\"{code}\""),
        MetaCodecId::Name(name) => quote(name),
    }
}

/// Server text in double quotes on one line, at most 64 characters: control characters become
/// spaces, a `"` inside is escaped, everything else is kept as sent (as the session layer quotes
/// server text).
fn quote(text: &str) -> String {
    const MAX_CHARS: usize = 64;
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i == MAX_CHARS {
            out.push_str("...");
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
