//! The result model of the play check's media figures: plain values a renderer turns into the
//! report's `media` object (codec names as ffprobe spells them, profiles as ffprobe names them,
//! rates in bits per second, times in seconds).

use super::codec::{AudioCodec, VideoCodec};
use super::metadata::{Disagreement, Metadata};
use super::stats::{KeyframeInterval, TrackSummary};

/// Where a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    VideoTag,
    AudioTag,
    /// A video sequence header (configuration record, SPS): no player can decode the stream.
    VideoConfig,
    /// An audio sequence header (AudioSpecificConfig...).
    AudioConfig,
    /// The framing of an aggregate message.
    Aggregate,
    /// A data message inside an aggregate whose AMF0 does not decode.
    Data,
}

impl ProblemKind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            ProblemKind::VideoTag => "video message",
            ProblemKind::AudioTag => "audio message",
            ProblemKind::VideoConfig => "video sequence header",
            ProblemKind::AudioConfig => "audio sequence header",
            ProblemKind::Aggregate => "aggregate message",
            ProblemKind::Data => "data message in an aggregate",
        }
    }
}

/// Something in the media that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} at {timestamp} ms{}: {detail}", kind.describe(), if *incomplete { " (only its first bytes were kept)" } else { "" })]
pub struct MediaProblem {
    pub kind: ProblemKind,
    /// The message timestamp.
    pub timestamp: u32,
    /// The parse may have failed only because the message was cut (the head was shorter than
    /// the message and the error is a truncation).
    pub incomplete: bool,
    /// The parser's message (a [`MediaError`](super::MediaError) or an AMF0 error, rendered).
    pub detail: String,
}

impl MediaProblem {
    /// A codec configuration that cannot be parsed: the play check's CRITICAL case.
    pub fn is_config(&self) -> bool {
        matches!(
            self.kind,
            ProblemKind::VideoConfig | ProblemKind::AudioConfig
        ) && !self.incomplete
    }
}

/// What the video sequence header (or, without one, the frames) say.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    pub codec: VideoCodec,
    pub enhanced: bool,
    /// As ffprobe names it ("Main", "High", "Constrained Baseline", "Main 10", "Profile 0").
    pub profile: Option<&'static str>,
    /// As ffprobe reports it: H.264 level_idc (30 for 3.0), H.265 general_level_idc (93 for 3.1),
    /// AV1 seq_level_idx, VP9 level (20 for 2.0).
    pub level: Option<u32>,
    /// "3.0", "1b", "3.1".
    pub level_name: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bit_depth: Option<u8>,
    /// The frame rate the configuration states (H.264 VUI timing with fixed_frame_rate_flag,
    /// AV1 timing info).
    pub config_fps: Option<f64>,
}

impl VideoInfo {
    pub(crate) fn codec_only(codec: VideoCodec, enhanced: bool) -> VideoInfo {
        VideoInfo {
            codec,
            enhanced,
            profile: None,
            level: None,
            level_name: None,
            width: None,
            height: None,
            bit_depth: None,
            config_fps: None,
        }
    }
}

/// What the audio sequence header (or the frames) say.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    pub codec: AudioCodec,
    pub enhanced: bool,
    /// As ffprobe names it ("LC", "HE-AAC").
    pub profile: Option<&'static str>,
    pub sample_rate: Option<u32>,
    /// The HE-AAC core rate (half the output rate).
    pub core_sample_rate: Option<u32>,
    pub channels: Option<u8>,
    /// 8 or 16 for linear PCM in a legacy header, which changes ffprobe's codec name.
    pub sample_bits: Option<u8>,
}

/// The video part of a [`MediaSummary`].
#[derive(Debug, Clone, PartialEq)]
pub struct VideoSummary {
    /// From the sequence header or the frames; `None` if only unparseable messages came.
    pub info: Option<VideoInfo>,
    /// Frame statistics; `None` if no frame came (a sequence header alone).
    pub track: Option<TrackSummary>,
}

impl VideoSummary {
    pub fn codec_name(&self) -> Option<String> {
        self.info.as_ref().map(|i| i.codec.to_string())
    }
    pub fn fps(&self) -> Option<f64> {
        self.track?.fps
    }
    pub fn bitrate_bps(&self) -> Option<u64> {
        self.track?.bitrate_bps
    }
    pub fn frames(&self) -> u64 {
        self.track.map_or(0, |t| t.frames)
    }
    pub fn keyframes(&self) -> u64 {
        self.track.map_or(0, |t| t.keyframes)
    }
    pub fn keyframe_interval(&self) -> Option<KeyframeInterval> {
        self.track?.keyframe_interval
    }
}

/// The audio part of a [`MediaSummary`].
#[derive(Debug, Clone, PartialEq)]
pub struct AudioSummary {
    pub info: Option<AudioInfo>,
    pub track: Option<TrackSummary>,
}

impl AudioSummary {
    /// ffprobe's codec name (linear PCM named by its sample size), or a description of an
    /// unknown codec.
    pub fn codec_name(&self) -> Option<String> {
        let info = self.info.as_ref()?;
        Some(
            match info.codec.ffprobe_name_for(info.sample_bits.unwrap_or(16)) {
                Some(name) => name.to_owned(),
                None => info.codec.to_string(),
            },
        )
    }
    pub fn bitrate_bps(&self) -> Option<u64> {
        self.track?.bitrate_bps
    }
    pub fn frames(&self) -> u64 {
        self.track.map_or(0, |t| t.frames)
    }
}

/// Everything the play check reports about the media: the `media` object of issue 12.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaSummary {
    pub video: Option<VideoSummary>,
    pub audio: Option<AudioSummary>,
    /// The last onMetaData, every property as sent.
    pub metadata: Option<Metadata>,
    pub metadata_messages: u32,
    /// Where the metadata and the stream disagree.
    pub disagreements: Vec<Disagreement>,
    /// Delivery gaps longer than the threshold, and the longest gap (any media).
    pub stalls: u64,
    pub max_gap_s: f64,
    /// Last video timestamp minus last audio timestamp, seconds.
    pub av_drift_s: Option<f64>,
    pub problems: Vec<MediaProblem>,
    /// All problems, including those not kept.
    pub problem_count: u64,
    /// Zero-length audio or video messages (Flash's "silence" messages; no header, no frame).
    pub empty_messages: u64,
    /// Messages of multitrack tracks other than the default one (not counted).
    pub other_track_messages: u64,
}
