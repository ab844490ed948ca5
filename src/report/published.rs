//! The report's `published` object (what the publish sent after `Publish.Start`) and
//! `server.enhanced` (the Enhanced RTMP codecs the server advertised in its connect reply,
//! sanitised here, once), with their text lines.

use crate::media::synth::AudioCodec;
use crate::protocol::enhanced::Advertised;
use crate::redact::Redactor;
use crate::sanitize;
use crate::session::Published;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct PublishedReport {
    pub video: VideoSent,
    /// `null` with `--audio none`.
    pub audio: Option<AudioSent>,
    /// Whether connect carried the Enhanced RTMP properties.
    pub enhanced: bool,
    /// `--duration`, when media was asked for.
    pub duration_ms: Option<f64>,
    /// The media time the frames sent cover (less than `duration_ms` when the stream was cut).
    pub media_ms: f64,
    /// `@setDataFrame` messages and sequence headers sent (verify's opening).
    pub metadata: u32,
    pub sequence_headers: u32,
    /// Payload bytes of everything sent after `Publish.Start`.
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct VideoSent {
    /// `h264`, `hevc` or `av1`.
    pub codec: &'static str,
    pub width: u32,
    pub height: u32,
    pub frame_rate: f64,
    pub keyframe_interval_ms: f64,
    pub frames: u64,
    pub keyframes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AudioSent {
    /// `aac` or `opus`.
    pub codec: &'static str,
    pub sample_rate: u32,
    pub channels: u8,
    pub frames: u64,
}

/// What the server advertised, as sent: strings sanitised and bounded, lists cut at
/// `protocol::enhanced::MAX_ENTRIES`.
#[derive(Debug, Clone, Serialize)]
pub struct EnhancedReport {
    pub fourcc_list: Option<Vec<String>>,
    pub video_fourcc_info_map: Option<InfoMap>,
    pub audio_fourcc_info_map: Option<InfoMap>,
    pub caps_ex: Option<f64>,
    /// Entries not kept (past the bound, or a repeated map key).
    pub left_out: usize,
}

/// A FourCC info map: each FourCC (or `*`) and its `FourCcInfoMask` (`null`: not a number), in
/// the server's order, a key once.
#[derive(Debug, Clone)]
pub struct InfoMap(pub Vec<(String, Option<f64>)>);

impl Serialize for InfoMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

fn ms(d: std::time::Duration) -> f64 {
    super::ms(d)
}

impl PublishedReport {
    pub fn build(p: &Published) -> PublishedReport {
        let c = &p.synth;
        PublishedReport {
            video: VideoSent {
                codec: c.video.name(),
                width: c.width,
                height: c.height,
                frame_rate: c.frame_rate.as_f64(),
                keyframe_interval_ms: ms(c.keyframe_interval),
                frames: p.video_frames,
                keyframes: p.keyframes,
            },
            audio: (c.audio != AudioCodec::None).then(|| AudioSent {
                codec: c.audio.name(),
                sample_rate: match c.audio {
                    AudioCodec::Opus => 48_000,
                    _ => c.audio_sample_rate,
                },
                channels: c.audio_channels,
                frames: p.audio_frames,
            }),
            enhanced: p.enhanced,
            duration_ms: p.duration.map(ms),
            media_ms: ms(p.media_time),
            metadata: p.metadata,
            sequence_headers: p.sequence_headers,
            bytes: p.bytes,
        }
    }

    /// "published: 90 video frames (2 keyframes), 141 audio frames, 12.3 kB, 3.00 s of media:
    /// h264 320x180 at 30 fps, aac 48000 Hz stereo".
    pub fn line(&self) -> String {
        let v = &self.video;
        let mut what = format!(
            "{} {}x{} at {} fps",
            v.codec,
            v.width,
            v.height,
            crate::metrics::trim_number(v.frame_rate)
        );
        if let Some(a) = &self.audio {
            let channels = if a.channels == 2 { "stereo" } else { "mono" };
            what.push_str(&format!(", {} {} Hz {channels}", a.codec, a.sample_rate));
        }
        if self.enhanced {
            what.push_str(", Enhanced RTMP connect");
        }
        if self.duration_ms.is_none() {
            return format!(
                "published: the metadata and {} sequence header{} ({what}); no frames without \
                 --duration",
                self.sequence_headers,
                if self.sequence_headers == 1 { "" } else { "s" }
            );
        }
        let audio = self
            .audio
            .as_ref()
            .map(|a| format!(", {} audio frames", a.frames))
            .unwrap_or_default();
        format!(
            "published: {} video frames ({} keyframe{}){audio}, {:.1} kB, {:.2} s of media: \
             {what}",
            v.frames,
            v.keyframes,
            if v.keyframes == 1 { "" } else { "s" },
            self.bytes as f64 / 1000.0,
            self.media_ms / 1000.0
        )
    }
}

impl EnhancedReport {
    pub fn build(a: &Advertised, r: &Redactor) -> EnhancedReport {
        let clean = |s: &str| sanitize::field(&r.text(s));
        let mut left_out = a.left_out;
        let mut map = |m: &Option<Vec<(String, Option<f64>)>>| {
            m.as_ref().map(|entries| {
                let mut kept: Vec<(String, Option<f64>)> = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let k = clean(k);
                    if kept.iter().any(|(seen, _)| *seen == k) {
                        left_out += 1;
                    } else {
                        kept.push((k, v.filter(|n| n.is_finite())));
                    }
                }
                InfoMap(kept)
            })
        };
        let video = map(&a.video_fourcc_info_map);
        let audio = map(&a.audio_fourcc_info_map);
        EnhancedReport {
            fourcc_list: a
                .fourcc_list
                .as_ref()
                .map(|l| l.iter().map(|f| clean(f)).collect()),
            video_fourcc_info_map: video,
            audio_fourcc_info_map: audio,
            caps_ex: a.caps_ex.filter(|n| n.is_finite()),
            left_out,
        }
    }

    /// "server: Enhanced RTMP fourCcList [hvc1, av01], videoFourCcInfoMap {hvc1: 3}, capsEx 1".
    pub fn line(&self) -> String {
        let mut parts = Vec::new();
        if let Some(list) = &self.fourcc_list {
            parts.push(format!("fourCcList [{}]", list.join(", ")));
        }
        for (name, map) in [
            ("videoFourCcInfoMap", &self.video_fourcc_info_map),
            ("audioFourCcInfoMap", &self.audio_fourcc_info_map),
        ] {
            if let Some(InfoMap(entries)) = map {
                let shown: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| match v {
                        Some(n) => format!("{k}: {}", crate::metrics::trim_number(*n)),
                        None => format!("{k}: (not a number)"),
                    })
                    .collect();
                parts.push(format!("{name} {{{}}}", shown.join(", ")));
            }
        }
        if let Some(caps) = self.caps_ex {
            parts.push(format!("capsEx {}", crate::metrics::trim_number(caps)));
        }
        if self.left_out > 0 {
            parts.push(format!("{} more entries left out", self.left_out));
        }
        format!("server: Enhanced RTMP {}", parts.join(", "))
    }
}
