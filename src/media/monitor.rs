//! [`MediaMonitor`]: everything the play check reads from the media, behind four calls, one per
//! kind of message (video, audio, data, aggregate), and a [`MediaSummary`] at the end.
//!
//! It parses each tag header, parses sequence headers into a [`VideoInfo`] / [`AudioInfo`],
//! keeps the last onMetaData, feeds the [`StreamStats`], and records what could not be parsed as
//! [`MediaProblem`]s (the first [`MAX_PROBLEMS`], and a count). It keeps no payload: a message
//! costs its header parse and a constant-time statistics update.
//!
//! Only the start of a message is needed (`MediaMessage::head`), with its full length
//! (`MediaMessage::len`): the tag header and, for a sequence header, the configuration record
//! (tens of bytes for H.264, a few KiB for x265's with its SEI). A sequence header whose
//! parse fails because the head was cut is reported as such ([`MediaProblem::incomplete`]), not
//! as a broken stream.
//!
//! Multitrack streams: only the default track is counted (track 0, or the first track id seen if
//! there is no track 0 in the first multitrack message).

use std::time::Duration;

use super::audio::{parse_audio_tag, parse_multichannel_config, AudioPacket};
use super::flv::{aggregate_messages, TAG_AUDIO, TAG_SCRIPT_DATA, TAG_VIDEO};
use super::info::{audio_config, audio_from_frame, video_config};
use super::metadata::{disagreements, Metadata, StreamFacts};
use super::stats::{MediaEvent, MediaKind, StatsConfig, StatsSummary, StreamStats, TrackSummary};
use super::summary::{
    AudioInfo, AudioSummary, MediaProblem, MediaSummary, ProblemKind, VideoInfo, VideoSummary,
};
use super::video::{parse_video_tag, VideoPacket};
use super::MediaError;
use crate::protocol::amf0::{decode_all, Value};
use crate::protocol::Limits;

/// At most this many problems are kept (the rest are counted).
pub const MAX_PROBLEMS: usize = 8;

/// One audio, video or aggregate message: its timestamp, when it arrived (since the watch window
/// started), its full payload length, and the bytes of it that were kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaMessage<'a> {
    pub timestamp: u32,
    pub arrival: Duration,
    pub len: u32,
    pub head: &'a [u8],
}

impl<'a> MediaMessage<'a> {
    /// A message kept whole.
    pub fn whole(timestamp: u32, arrival: Duration, payload: &'a [u8]) -> MediaMessage<'a> {
        MediaMessage {
            timestamp,
            arrival,
            len: u32::try_from(payload.len()).unwrap_or(u32::MAX),
            head: payload,
        }
    }

    fn is_cut(&self) -> bool {
        (self.head.len() as u64) < u64::from(self.len)
    }
}

/// What one message was, for the session's steps (first frame, first keyframe).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub kind: MediaKind,
    /// A coded frame (counted in the statistics).
    pub frame: bool,
    pub keyframe: bool,
    /// A sequence header (configuration).
    pub config: bool,
}

/// What an aggregate message held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AggregateSeen {
    pub messages: u32,
    pub video_frames: u32,
    pub audio_frames: u32,
    pub keyframes: u32,
}

/// The play check's view of the media of one stream.
#[derive(Debug, Clone)]
pub struct MediaMonitor {
    stats: StreamStats,
    video_seen: bool,
    audio_seen: bool,
    video: Option<VideoInfo>,
    audio: Option<AudioInfo>,
    metadata: Option<Metadata>,
    metadata_messages: u32,
    problems: Vec<MediaProblem>,
    problem_count: u64,
    empty_messages: u64,
    video_track: Option<u8>,
    audio_track: Option<u8>,
    other_track_messages: u64,
}

impl MediaMonitor {
    pub fn new(config: StatsConfig) -> MediaMonitor {
        MediaMonitor {
            stats: StreamStats::new(config),
            video_seen: false,
            audio_seen: false,
            video: None,
            audio: None,
            metadata: None,
            metadata_messages: 0,
            problems: Vec::new(),
            problem_count: 0,
            empty_messages: 0,
            video_track: None,
            audio_track: None,
            other_track_messages: 0,
        }
    }

    fn problem(
        &mut self,
        kind: ProblemKind,
        msg: &MediaMessage<'_>,
        e: &MediaError,
    ) -> MediaProblem {
        let problem = MediaProblem {
            kind,
            timestamp: msg.timestamp,
            incomplete: msg.is_cut() && e.is_truncation(),
            detail: e.to_string(),
        };
        self.keep(problem.clone());
        problem
    }

    fn keep(&mut self, problem: MediaProblem) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        }
    }

    /// Whether a multitrack message belongs to the default track (and fixes that track);
    /// messages of other tracks are counted and otherwise ignored.
    fn default_track(&mut self, kind: MediaKind, track_id: Option<u8>) -> bool {
        let slot = match kind {
            MediaKind::Video => &mut self.video_track,
            MediaKind::Audio => &mut self.audio_track,
        };
        let default = track_id.is_none_or(|id| *slot.get_or_insert(id) == id);
        if !default {
            self.other_track_messages += 1;
        }
        default
    }

    /// A message of `kind` into the statistics.
    fn record(&mut self, msg: &MediaMessage<'_>, seen: Seen) {
        self.stats.record(&MediaEvent {
            kind: seen.kind,
            timestamp: msg.timestamp,
            arrival: msg.arrival,
            len: msg.len,
            keyframe: seen.keyframe,
            config: !seen.frame,
        });
    }

    /// A video message. `Err` when its header or sequence header cannot be parsed (the problem
    /// is also kept for the summary).
    pub fn on_video(&mut self, msg: MediaMessage<'_>) -> Result<Seen, MediaProblem> {
        if msg.len == 0 {
            self.empty_messages += 1;
            return Ok(self.seen_nothing(MediaKind::Video));
        }
        self.video_seen = true;
        let tag = match parse_video_tag(msg.head) {
            Ok(tag) => tag,
            Err(e) => return Err(self.problem(ProblemKind::VideoTag, &msg, &e)),
        };
        if !self.default_track(MediaKind::Video, tag.multitrack.map(|m| m.track_id)) {
            return Ok(self.seen_nothing(MediaKind::Video));
        }
        let seen = Seen {
            kind: MediaKind::Video,
            frame: tag.is_frame(),
            keyframe: tag.is_keyframe(),
            config: tag.packet == VideoPacket::SequenceStart,
        };
        self.record(&msg, seen);
        if seen.config {
            match video_config(&tag) {
                Ok(Some(info)) => self.video = Some(info),
                Ok(None) => {}
                Err(e) => return Err(self.problem(ProblemKind::VideoConfig, &msg, &e)),
            }
        } else if let (None, Some(codec), true) = (&self.video, tag.codec, seen.frame) {
            self.video = Some(VideoInfo::codec_only(codec, tag.enhanced));
        }
        Ok(seen)
    }

    /// An audio message. `Err` when its header or sequence header cannot be parsed.
    pub fn on_audio(&mut self, msg: MediaMessage<'_>) -> Result<Seen, MediaProblem> {
        if msg.len == 0 {
            self.empty_messages += 1;
            return Ok(self.seen_nothing(MediaKind::Audio));
        }
        self.audio_seen = true;
        let tag = match parse_audio_tag(msg.head) {
            Ok(tag) => tag,
            Err(e) => return Err(self.problem(ProblemKind::AudioTag, &msg, &e)),
        };
        if !self.default_track(MediaKind::Audio, tag.multitrack.map(|m| m.track_id)) {
            return Ok(self.seen_nothing(MediaKind::Audio));
        }
        let seen = Seen {
            kind: MediaKind::Audio,
            frame: tag.is_frame(),
            keyframe: false,
            config: tag.packet == AudioPacket::SequenceStart,
        };
        self.record(&msg, seen);
        match tag.packet {
            AudioPacket::SequenceStart => match audio_config(&tag) {
                Ok(info) => self.audio = Some(info),
                Err(e) => return Err(self.problem(ProblemKind::AudioConfig, &msg, &e)),
            },
            AudioPacket::MultichannelConfig => {
                if let (Ok(mc), Some(info)) = (parse_multichannel_config(tag.body), &mut self.audio)
                {
                    info.channels = Some(mc.channels);
                }
            }
            AudioPacket::CodedFrames => {
                let configured = self.audio.as_ref().is_some_and(|a| a.codec == tag.codec);
                if !configured {
                    self.audio = Some(audio_from_frame(&tag));
                }
            }
            AudioPacket::SequenceEnd => {}
        }
        Ok(seen)
    }

    fn seen_nothing(&self, kind: MediaKind) -> Seen {
        Seen {
            kind,
            frame: false,
            keyframe: false,
            config: false,
        }
    }

    /// The AMF0 values of a data message. Returns true if it was onMetaData (kept, replacing any
    /// earlier one).
    pub fn on_data(&mut self, values: &[Value]) -> bool {
        match Metadata::from_values(values) {
            Some(meta) => {
                self.metadata = Some(meta);
                self.metadata_messages = self.metadata_messages.saturating_add(1);
                true
            }
            None => false,
        }
    }

    /// An Aggregate message (type 22), kept whole: each sub-message goes to [`on_video`],
    /// [`on_audio`] or [`on_data`] with its rebased timestamp and the aggregate's arrival.
    /// Problems in sub-messages are kept and the rest goes on; `Err` only when the framing
    /// breaks (after the sub-messages before the break were taken).
    ///
    /// [`on_video`]: MediaMonitor::on_video
    /// [`on_audio`]: MediaMonitor::on_audio
    /// [`on_data`]: MediaMonitor::on_data
    pub fn on_aggregate(
        &mut self,
        msg: MediaMessage<'_>,
        limits: &Limits,
    ) -> Result<AggregateSeen, MediaProblem> {
        let mut seen = AggregateSeen::default();
        for sub in aggregate_messages(msg.head, msg.timestamp) {
            let sub = match sub {
                Ok(sub) => sub,
                Err(e) => return Err(self.problem(ProblemKind::Aggregate, &msg, &e)),
            };
            seen.messages = seen.messages.saturating_add(1);
            let sub_msg = MediaMessage::whole(sub.timestamp, msg.arrival, sub.body);
            let result = match sub.tag_type {
                TAG_VIDEO => self.on_video(sub_msg),
                TAG_AUDIO => self.on_audio(sub_msg),
                TAG_SCRIPT_DATA => {
                    match decode_all(sub.body, limits) {
                        Ok(values) => {
                            self.on_data(&values);
                        }
                        Err(e) => self.keep(MediaProblem {
                            kind: ProblemKind::Data,
                            timestamp: sub.timestamp,
                            incomplete: false,
                            detail: e.to_string(),
                        }),
                    }
                    continue;
                }
                _ => continue,
            };
            if let Ok(s) = result {
                match (s.kind, s.frame) {
                    (MediaKind::Video, true) => {
                        seen.video_frames = seen.video_frames.saturating_add(1)
                    }
                    (MediaKind::Audio, true) => {
                        seen.audio_frames = seen.audio_frames.saturating_add(1)
                    }
                    _ => {}
                }
                if s.keyframe {
                    seen.keyframes = seen.keyframes.saturating_add(1);
                }
            }
        }
        Ok(seen)
    }

    pub fn video_info(&self) -> Option<&VideoInfo> {
        self.video.as_ref()
    }

    pub fn audio_info(&self) -> Option<&AudioInfo> {
        self.audio.as_ref()
    }

    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }

    pub fn problems(&self) -> &[MediaProblem] {
        &self.problems
    }

    /// The figures so far, with gaps running to `window_end` (since the window started).
    pub fn summary(&self, window_end: Duration) -> MediaSummary {
        let stats = self.stats.summary(window_end);
        let video = (self.video_seen || self.video.is_some()).then(|| VideoSummary {
            info: self.video.clone(),
            track: stats.video,
        });
        let audio = (self.audio_seen || self.audio.is_some()).then(|| AudioSummary {
            info: self.audio.clone(),
            track: stats.audio,
        });
        let disagreements = match &self.metadata {
            Some(meta) => disagreements(meta, &self.facts(&stats)),
            None => Vec::new(),
        };
        MediaSummary {
            video,
            audio,
            metadata: self.metadata.clone(),
            metadata_messages: self.metadata_messages,
            disagreements,
            stalls: stats.stalls,
            max_gap_s: stats.max_gap.as_secs_f64(),
            av_drift_s: stats.av_drift_ms.map(|ms| ms as f64 / 1000.0),
            problems: self.problems.clone(),
            problem_count: self.problem_count,
            empty_messages: self.empty_messages,
            other_track_messages: self.other_track_messages,
        }
    }

    fn facts(&self, stats: &StatsSummary) -> StreamFacts {
        let v = self.video.as_ref();
        let a = self.audio.as_ref();
        let seconds = |t: Option<TrackSummary>| t.map_or(0.0, |t| t.media_ms as f64 / 1000.0);
        StreamFacts {
            video_codec: v.map(|v| v.codec),
            width: v.and_then(|v| v.width),
            height: v.and_then(|v| v.height),
            config_fps: v.and_then(|v| v.config_fps),
            measured_fps: stats.video.and_then(|t| t.fps),
            video_seconds: seconds(stats.video),
            video_bitrate_bps: stats.video.and_then(|t| t.bitrate_bps),
            audio_codec: a.map(|a| a.codec),
            sample_rate: a.and_then(|a| a.sample_rate),
            core_sample_rate: a.and_then(|a| a.core_sample_rate),
            channels: a.and_then(|a| a.channels),
            audio_seconds: seconds(stats.audio),
            audio_bitrate_bps: stats.audio.and_then(|t| t.bitrate_bps),
        }
    }
}
