//! What the play scenario makes of the stream: every audio, video, data and aggregate message
//! after `play`, handed to the [`MediaMonitor`] with its arrival time, the expectation
//! (`--expect`) resolved, and what the steps wait for (a frame, a keyframe, a configuration no
//! player can decode). No I/O and no clock of its own: `play.rs` reads the messages and passes
//! each in with the instant it came.
//!
//! Arrival times count from the start of the watch window (the first keyframe, or the first
//! frame when no video is expected); messages before it count as arriving at its start, so the
//! wait for the first keyframe is the `first_keyframe` step and never a stall.

use super::config::{Expect, PlayConfig};
use crate::media::{
    MediaKind, MediaMessage, MediaMonitor, MediaProblem, MediaSummary, ProblemKind, StatsConfig,
};
use crate::protocol::message::{Message, Received};
use crate::protocol::vocab::type_id;
use crate::protocol::Limits;
use std::time::Duration;
use tokio::time::Instant;

/// What decided the kinds of media that must arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedFrom {
    /// `--expect video|audio|av`.
    Option,
    /// onMetaData announced them (`videocodecid`, `audiocodecid`).
    Metadata,
    /// No onMetaData: the kinds of the messages that came before the first frame.
    Stream,
}

impl ExpectedFrom {
    /// A stable name for reports.
    pub fn name(self) -> &'static str {
        match self {
            ExpectedFrom::Option => "option",
            ExpectedFrom::Metadata => "metadata",
            ExpectedFrom::Stream => "stream",
        }
    }
}

/// The kinds of media that must arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    pub video: bool,
    pub audio: bool,
    pub from: ExpectedFrom,
}

impl Expected {
    /// "video", "audio", "audio and video".
    pub fn words(&self) -> &'static str {
        match (self.video, self.audio) {
            (true, true) => "audio and video",
            (true, false) => "video",
            (false, true) => "audio",
            (false, false) => "media",
        }
    }

    /// Whether `kind` is expected.
    pub fn has(&self, kind: MediaKind) -> bool {
        match kind {
            MediaKind::Video => self.video,
            MediaKind::Audio => self.audio,
        }
    }
}

/// What the play scenario saw of the media: the figures of the window and how it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaOutcome {
    pub summary: MediaSummary,
    /// `--expect` as given.
    pub expect: Expect,
    /// The kinds that had to arrive; `None` when no frame came (nothing to resolve `auto` by).
    pub expected: Option<Expected>,
    /// The watch window asked for (`--duration`).
    pub requested: Duration,
    /// How long the window ran; `None` if it never started (no first frame or keyframe).
    pub window: Option<Duration>,
    /// The bound that ended the window before `--duration` (`--timeout`, `--step-timeout`).
    pub cut_by: Option<&'static str>,
    /// From `NetStream.Play.Start` to the first frame and to the first video keyframe.
    pub first_frame: Option<Duration>,
    pub first_keyframe: Option<Duration>,
    /// Audio and video messages (aggregate sub-messages included) and the bytes their headers
    /// announced, whether kept or not.
    pub messages: u64,
    pub bytes: u64,
    /// Aggregate messages, and those longer than the probe reads.
    pub aggregates: u64,
    pub cut_aggregates: u64,
    /// Data messages longer than `--max-message-size`, passed over unread.
    pub long_data: u64,
}

/// What one message meant for the steps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Heard {
    pub(super) video_frame: bool,
    pub(super) audio_frame: bool,
    pub(super) keyframe: bool,
    /// A configuration no player can decode, of a kind that counts (see [`Watch::counts`]).
    pub(super) invalid: Option<MediaProblem>,
}

/// The media of one play session, as it comes.
#[derive(Debug)]
pub(super) struct Watch {
    cfg: PlayConfig,
    limits: Limits,
    monitor: MediaMonitor,
    /// When `NetStream.Play.Start` came.
    started: Option<Instant>,
    window_start: Option<Instant>,
    expected: Option<Expected>,
    /// Any message of each kind so far (sequence headers too), and frames.
    video_seen: bool,
    audio_seen: bool,
    video_frames: u64,
    audio_frames: u64,
    first_frame: Option<Instant>,
    first_keyframe: Option<Instant>,
    messages: u64,
    bytes: u64,
    aggregates: u64,
    cut_aggregates: u64,
    long_data: u64,
}

impl Watch {
    pub(super) fn new(cfg: PlayConfig, limits: Limits) -> Watch {
        Watch {
            cfg,
            limits,
            monitor: MediaMonitor::new(StatsConfig {
                gap_threshold: cfg.gap_threshold,
            }),
            started: None,
            window_start: None,
            expected: None,
            video_seen: false,
            audio_seen: false,
            video_frames: 0,
            audio_frames: 0,
            first_frame: None,
            first_keyframe: None,
            messages: 0,
            bytes: 0,
            aggregates: 0,
            cut_aggregates: 0,
            long_data: 0,
        }
    }

    /// `NetStream.Play.Start` came at `at`.
    pub(super) fn started(&mut self, at: Instant) {
        self.started.get_or_insert(at);
    }

    pub(super) fn start_window(&mut self, at: Instant) {
        self.window_start.get_or_insert(at);
    }

    pub(super) fn window_start(&self) -> Option<Instant> {
        self.window_start
    }

    /// The time since `Play.Start`, for messages.
    pub(super) fn since_start(&self, now: Instant) -> Duration {
        self.started
            .map(|s| now.saturating_duration_since(s))
            .unwrap_or_default()
    }

    pub(super) fn expected(&self) -> Option<Expected> {
        self.expected
    }

    /// Frames of each kind so far.
    pub(super) fn frames(&self) -> (u64, u64) {
        (self.video_frames, self.audio_frames)
    }

    /// Whether a video keyframe came.
    pub(super) fn has_keyframe(&self) -> bool {
        self.first_keyframe.is_some()
    }

    /// Whether anything but frames came: onMetaData, sequence headers.
    pub(super) fn only_headers(&self) -> bool {
        self.video_seen || self.audio_seen || self.monitor.metadata().is_some()
    }

    /// The expected kinds without a frame so far.
    pub(super) fn missing(&self) -> Option<&'static str> {
        let e = self.expected?;
        match (
            e.video && self.video_frames == 0,
            e.audio && self.audio_frames == 0,
        ) {
            (true, true) => Some("audio and video"),
            (true, false) => Some("video"),
            (false, true) => Some("audio"),
            (false, false) => None,
        }
    }

    /// Resolves `--expect` once the first frame came: the option, else what onMetaData
    /// announces, else the kinds seen so far (the frame's own kind at least).
    pub(super) fn resolve(&mut self) -> Expected {
        if let Some(e) = self.expected {
            return e;
        }
        let option = |video, audio| Expected {
            video,
            audio,
            from: ExpectedFrom::Option,
        };
        let e = match self.cfg.expect {
            Expect::Video => option(true, false),
            Expect::Audio => option(false, true),
            Expect::Both => option(true, true),
            Expect::Auto => self.announced().unwrap_or(Expected {
                video: self.video_seen || self.video_frames > 0,
                audio: self.audio_seen || self.audio_frames > 0,
                from: ExpectedFrom::Stream,
            }),
        };
        self.expected = Some(e);
        e
    }

    /// What onMetaData announces: a `videocodecid` (or a width) for video, an `audiocodecid`
    /// (or a sample rate) for audio; `None` without metadata or when it names neither. A codec
    /// id of 0 announces nothing: nginx-rtmp rebuilds onMetaData with `videocodecid: 0`,
    /// `width: 0` for a stream without video (`audiocodecid: 0` without audio), and legacy id 0
    /// is not a video codec (as audio it is platform-endian PCM, which no RTMP encoder sends).
    fn announced(&self) -> Option<Expected> {
        let meta = self.monitor.metadata()?;
        let given = |v: Option<f64>| v.is_some_and(|n| n > 0.0);
        let codec = |v: Option<&crate::protocol::amf0::Value>| match v {
            Some(v) => match v.as_f64() {
                Some(n) => n > 0.0,
                None => v.as_str().is_some_and(|s| !s.is_empty()),
            },
            None => false,
        };
        let video = codec(meta.get("videocodecid")) || given(meta.width());
        let audio = codec(meta.get("audiocodecid")) || given(meta.audiosamplerate());
        (video || audio).then_some(Expected {
            video,
            audio,
            from: ExpectedFrom::Metadata,
        })
    }

    /// Whether a problem of `kind`'s configuration fails the check: the kind is expected, or
    /// `--expect auto` has not been resolved yet (the kind is in the stream).
    fn counts(&self, kind: MediaKind) -> bool {
        match (self.expected, self.cfg.expect) {
            (Some(e), _) => e.has(kind),
            (None, Expect::Auto) => true,
            (None, Expect::Video) => kind == MediaKind::Video,
            (None, Expect::Audio) => kind == MediaKind::Audio,
            (None, Expect::Both) => true,
        }
    }

    fn arrival(&self, now: Instant) -> Duration {
        self.window_start
            .map(|w| now.saturating_duration_since(w))
            .unwrap_or_default()
    }

    /// Takes one media or data message that arrived at `now`. Anything else is no media.
    pub(super) fn on_message(&mut self, received: &Received, now: Instant) -> Heard {
        let arrival = self.arrival(now);
        let mut heard = Heard::default();
        match &received.message {
            Message::Video(payload) => {
                self.count(received.length);
                self.video_seen = true;
                let result = self.monitor.on_video(media(received, arrival, payload));
                self.seen(result, &mut heard, now);
            }
            Message::Audio(payload) => {
                self.count(received.length);
                self.audio_seen = true;
                let result = self.monitor.on_audio(media(received, arrival, payload));
                self.seen(result, &mut heard, now);
            }
            Message::Data { values, .. } => {
                self.monitor.on_data(values);
            }
            Message::Unknown { type_id, payload } => match *type_id {
                type_id::AGGREGATE => {
                    self.aggregate(media(received, arrival, payload), &mut heard, now)
                }
                type_id::DATA_AMF0 | type_id::DATA_AMF3 => self.long_data += 1,
                _ => {}
            },
            _ => {}
        }
        heard
    }

    fn count(&mut self, len: u32) {
        self.messages = self.messages.saturating_add(1);
        self.bytes = self.bytes.saturating_add(u64::from(len));
    }

    /// Notes what a video or audio message was.
    fn seen(
        &mut self,
        result: Result<crate::media::Seen, MediaProblem>,
        heard: &mut Heard,
        now: Instant,
    ) {
        match result {
            Ok(seen) if seen.frame => {
                match seen.kind {
                    MediaKind::Video => {
                        self.video_frames += 1;
                        heard.video_frame = true;
                    }
                    MediaKind::Audio => {
                        self.audio_frames += 1;
                        heard.audio_frame = true;
                    }
                }
                self.first_frame.get_or_insert(now);
                if seen.keyframe {
                    heard.keyframe = true;
                    self.first_keyframe.get_or_insert(now);
                }
            }
            Ok(_) => {}
            Err(problem) => self.judge(problem, heard),
        }
    }

    /// A configuration problem of a kind that counts fails the check.
    fn judge(&mut self, problem: MediaProblem, heard: &mut Heard) {
        let kind = match problem.kind {
            ProblemKind::VideoConfig => MediaKind::Video,
            ProblemKind::AudioConfig => MediaKind::Audio,
            _ => return,
        };
        if problem.is_config() && self.counts(kind) && heard.invalid.is_none() {
            heard.invalid = Some(problem);
        }
    }

    /// An Aggregate message: its sub-messages count as messages of their own, arriving with it.
    fn aggregate(&mut self, msg: MediaMessage<'_>, heard: &mut Heard, now: Instant) {
        self.aggregates += 1;
        self.bytes = self.bytes.saturating_add(u64::from(msg.len));
        if (msg.head.len() as u64) < u64::from(msg.len) {
            self.cut_aggregates += 1;
        }
        let before = self.monitor.problems().len();
        let seen = self.monitor.on_aggregate(msg, &self.limits);
        let new: Vec<MediaProblem> = self
            .monitor
            .problems()
            .get(before..)
            .unwrap_or_default()
            .to_vec();
        for problem in new {
            self.judge(problem, heard);
        }
        let Ok(seen) = seen else {
            return;
        };
        self.messages = self.messages.saturating_add(u64::from(seen.messages));
        self.video_seen |= seen.video_frames > 0;
        self.audio_seen |= seen.audio_frames > 0;
        self.video_frames += u64::from(seen.video_frames);
        self.audio_frames += u64::from(seen.audio_frames);
        heard.video_frame = seen.video_frames > 0;
        heard.audio_frame = seen.audio_frames > 0;
        if heard.video_frame || heard.audio_frame {
            self.first_frame.get_or_insert(now);
        }
        if seen.keyframes > 0 {
            heard.keyframe = true;
            self.first_keyframe.get_or_insert(now);
        }
    }

    /// Notes for the operator: what the probe could not read whole.
    pub(super) fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let cut = self
            .monitor
            .problems()
            .iter()
            .filter(|p| {
                p.incomplete
                    && matches!(p.kind, ProblemKind::VideoConfig | ProblemKind::AudioConfig)
            })
            .count();
        if cut > 0 {
            notes.push(format!(
                "{cut} sequence header{} longer than the {} KiB the probe reads of a media \
                 message; {} not reported",
                if cut == 1 { " was" } else { "s were" },
                super::config::MEDIA_HEAD / 1024,
                if cut == 1 {
                    "its details are"
                } else {
                    "their details are"
                },
            ));
        }
        if self.cut_aggregates > 0 {
            notes.push(format!(
                "{} aggregate message{} longer than the {} KiB the probe reads; the media after \
                 the cut was not counted",
                self.cut_aggregates,
                if self.cut_aggregates == 1 {
                    " was"
                } else {
                    "s were"
                },
                super::config::AGGREGATE_MAX / 1024,
            ));
        }
        if self.long_data > 0 {
            notes.push(format!(
                "{} data message{} longer than --max-message-size passed over unread",
                self.long_data,
                if self.long_data == 1 {
                    " was"
                } else {
                    "s were"
                },
            ));
        }
        notes
    }

    /// What was seen, with the window ending at `end`; `None` if `play` never started.
    pub(super) fn finish(
        &self,
        end: Instant,
        cut_by: Option<&'static str>,
    ) -> Option<MediaOutcome> {
        let started = self.started?;
        let window = self.window_start.map(|w| end.saturating_duration_since(w));
        let since = |t: Option<Instant>| t.map(|t| t.saturating_duration_since(started));
        Some(MediaOutcome {
            summary: self.monitor.summary(window.unwrap_or_default()),
            expect: self.cfg.expect,
            expected: self.expected,
            requested: self.cfg.duration,
            window,
            cut_by,
            first_frame: since(self.first_frame),
            first_keyframe: since(self.first_keyframe),
            messages: self.messages,
            bytes: self.bytes,
            aggregates: self.aggregates,
            cut_aggregates: self.cut_aggregates,
            long_data: self.long_data,
        })
    }
}

/// The monitor's view of a received audio, video or aggregate message whose kept bytes are
/// `head`.
fn media<'a>(received: &Received, arrival: Duration, head: &'a [u8]) -> MediaMessage<'a> {
    MediaMessage {
        timestamp: received.timestamp,
        arrival,
        len: received.length,
        head,
    }
}
