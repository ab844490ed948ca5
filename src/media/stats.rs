//! Stream statistics over a watch window, from one [`MediaEvent`] per audio or video message.
//! Memory is constant: running counts, sums, minima and maxima, never a list of frames.
//!
//! Two clocks, kept apart:
//! - **Media time**: the message timestamps (milliseconds, 32 bits). Rates are measured on it, so
//!   a server that bursts its GOP cache at join (SRS and node-media-server send the last
//!   seconds at once) does not inflate them: a burst of 2 s of media is 2 s of media whenever it
//!   arrives. Each kind (audio, video) is unwrapped on its own: the signed 32-bit difference to
//!   the previous timestamp of that kind is the step, so 0xFFFFFF00 -> 0x00000100 is +512 ms (RTMP
//!   1.0 §5.3.1.3: timestamps wrap, and implementations take the nearest reading), and a
//!   negative step is a timestamp going backwards. Both kinds start from the first timestamp of
//!   the window, so they stay comparable (drift).
//! - **Arrival time**: a `Duration` since the window started, passed in by the caller (this
//!   module has no clock). It gives the gaps in delivery (stalls).
//!
//! Definitions (the play check reports these):
//! - *fps*: steps between consecutive frames of a kind, over the media time they cover (the sum
//!   of the non-negative steps, so a jump backwards does not shorten it).
//! - *bitrate*: 8 x the mean frame size x fps, bits per second of media time.
//! - *keyframe interval*: media time between consecutive keyframes. The interval still open at
//!   the end (from the last keyframe to the last video timestamp) is a lower bound of the
//!   interval in progress: it counts in the maximum when it is larger than every closed one, and
//!   stands for all three figures when no interval closed (a 10 s GOP watched for 5 s reports
//!   "at least 5 s", never nothing).
//! - *gap / stall*: the longest time without any media message (audio or video, frames only),
//!   including the time before the first and after the last one within the window; a stall is
//!   each such gap longer than [`StatsConfig::gap_threshold`]. Per kind as well (video stopping
//!   while audio goes on).
//! - *timestamp gap*: a forward step of media time longer than the threshold.
//! - *A/V drift*: the last video timestamp minus the last audio timestamp at the end (positive:
//!   video ahead). Interleaving alone gives a few tens of milliseconds (one frame or two); clocks
//!   that run apart, or a publisher that offsets one kind, give more.
//!
//! Sequence headers and other messages without frames ([`MediaEvent::config`]) are counted but
//! take no part in timestamps, rates or gaps: servers re-send them to each player that joins, with
//! a timestamp of 0 or of the moment, neither of which belongs to the frames' timeline.

use std::time::Duration;

/// Audio or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Audio,
    Video,
}

/// One media message, as the statistics need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaEvent {
    pub kind: MediaKind,
    /// The message timestamp in milliseconds, as received (it may wrap).
    pub timestamp: u32,
    /// When it arrived, since the window started.
    pub arrival: Duration,
    /// Payload bytes (the whole message, even if only its start was kept).
    pub len: u32,
    /// A video keyframe.
    pub keyframe: bool,
    /// A sequence header, configuration or other message without a frame.
    pub config: bool,
}

/// Thresholds (the caller's defaults: the play check passes 2 s, `max_gap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsConfig {
    /// A delivery gap or a forward timestamp step longer than this is a stall / timestamp gap.
    pub gap_threshold: Duration,
}

/// Running minimum, maximum and sum.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Running {
    count: u64,
    min: i64,
    max: i64,
    sum: i64,
}

impl Running {
    fn add(&mut self, v: i64) {
        if self.count == 0 {
            self.min = v;
            self.max = v;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.count += 1;
        self.sum = self.sum.saturating_add(v);
    }
}

/// Delivery gaps of a stream of arrivals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Gaps {
    last: Option<Duration>,
    max: Duration,
    stalls: u64,
}

impl Gaps {
    fn add(&mut self, arrival: Duration, threshold: Duration) {
        let previous = self.last.unwrap_or(Duration::ZERO);
        self.gap(arrival.saturating_sub(previous), threshold);
        self.last = Some(arrival.max(previous));
    }

    fn gap(&mut self, gap: Duration, threshold: Duration) {
        self.max = self.max.max(gap);
        if gap > threshold {
            self.stalls += 1;
        }
    }

    /// With the gap from the last arrival to the end of the window.
    fn closed(mut self, window_end: Duration, threshold: Duration) -> Gaps {
        let last = self.last.unwrap_or(Duration::ZERO);
        self.gap(window_end.saturating_sub(last), threshold);
        self
    }
}

/// The statistics of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Track {
    frames: u64,
    bytes: u64,
    last_raw: u32,
    /// Unwrapped milliseconds relative to the window's first timestamp.
    first_ms: i64,
    last_ms: i64,
    max_ms: i64,
    /// Non-negative steps and the media time they cover.
    steps: u64,
    covered_ms: u64,
    backwards: u64,
    worst_backwards_ms: u64,
    largest_step_ms: u64,
    timestamp_gaps: u64,
    gaps: Gaps,
    keyframes: u64,
    frames_before_keyframe: u64,
    first_keyframe_ms: Option<i64>,
    last_keyframe_ms: Option<i64>,
    first_keyframe_arrival: Option<Duration>,
    intervals: Running,
}

impl Track {
    fn add(&mut self, e: &MediaEvent, origin: u32, threshold: Duration) {
        let threshold_ms = u64::try_from(threshold.as_millis()).unwrap_or(u64::MAX);
        let ms = if self.frames == 0 {
            let ms = i64::from(e.timestamp.wrapping_sub(origin) as i32);
            self.first_ms = ms;
            self.max_ms = ms;
            ms
        } else {
            let step = i64::from(e.timestamp.wrapping_sub(self.last_raw) as i32);
            if step < 0 {
                self.backwards += 1;
                self.worst_backwards_ms = self.worst_backwards_ms.max(step.unsigned_abs());
            } else {
                let step = step.unsigned_abs();
                self.steps += 1;
                self.covered_ms = self.covered_ms.saturating_add(step);
                self.largest_step_ms = self.largest_step_ms.max(step);
                if step > threshold_ms {
                    self.timestamp_gaps += 1;
                }
            }
            self.last_ms.saturating_add(step)
        };
        self.last_raw = e.timestamp;
        self.last_ms = ms;
        self.max_ms = self.max_ms.max(ms);
        self.frames += 1;
        self.bytes = self.bytes.saturating_add(u64::from(e.len));
        self.gaps.add(e.arrival, threshold);

        if e.keyframe {
            self.keyframes += 1;
            if let Some(previous) = self.last_keyframe_ms {
                // After a jump backwards the interval is meaningless: start again from here.
                if ms >= previous {
                    self.intervals.add(ms.saturating_sub(previous));
                }
            } else {
                self.first_keyframe_ms = Some(ms);
                self.first_keyframe_arrival = Some(e.arrival);
            }
            self.last_keyframe_ms = Some(ms);
        } else if self.keyframes == 0 {
            self.frames_before_keyframe += 1;
        }
    }

    fn summary(&self, window_end: Duration, threshold: Duration) -> TrackSummary {
        let fps = (self.steps > 0 && self.covered_ms > 0)
            .then(|| self.steps as f64 * 1000.0 / self.covered_ms as f64);
        let bitrate_bps = fps.map(|fps| {
            let mean = self.bytes as f64 / self.frames as f64;
            (mean * 8.0 * fps).round() as u64
        });
        let gaps = self.gaps.closed(window_end, threshold);
        TrackSummary {
            frames: self.frames,
            bytes: self.bytes,
            media_ms: self.covered_ms,
            fps,
            bitrate_bps,
            keyframes: self.keyframes,
            keyframe_interval: self.keyframe_interval(),
            frames_before_first_keyframe: self.frames_before_keyframe,
            first_keyframe_media_ms: self
                .first_keyframe_ms
                .map(|k| k.saturating_sub(self.first_ms)),
            first_keyframe_arrival: self.first_keyframe_arrival,
            backwards: self.backwards,
            worst_backwards_ms: self.worst_backwards_ms,
            largest_timestamp_step_ms: self.largest_step_ms,
            timestamp_gaps: self.timestamp_gaps,
            max_gap: gaps.max,
            stalls: gaps.stalls,
            last_timestamp: (self.frames > 0).then_some(self.last_raw),
        }
    }

    fn keyframe_interval(&self) -> Option<KeyframeInterval> {
        let last = self.last_keyframe_ms?;
        let open = self.max_ms.saturating_sub(last).max(0);
        let seconds = |ms: i64| ms as f64 / 1000.0;
        let closed = self.intervals;
        Some(if closed.count == 0 {
            KeyframeInterval {
                min_s: seconds(open),
                max_s: seconds(open),
                mean_s: seconds(open),
                closed: 0,
                open_s: seconds(open),
            }
        } else {
            KeyframeInterval {
                min_s: seconds(closed.min),
                max_s: seconds(closed.max.max(open)),
                mean_s: closed.sum as f64 / closed.count as f64 / 1000.0,
                closed: closed.count,
                open_s: seconds(open),
            }
        })
    }
}

/// Keyframe intervals in seconds of media time (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyframeInterval {
    pub min_s: f64,
    pub max_s: f64,
    pub mean_s: f64,
    /// Intervals between two keyframes seen in the window.
    pub closed: u64,
    /// From the last keyframe to the last video timestamp.
    pub open_s: f64,
}

/// The figures of one kind over the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackSummary {
    pub frames: u64,
    pub bytes: u64,
    /// Media time covered (the sum of the non-negative timestamp steps).
    pub media_ms: u64,
    pub fps: Option<f64>,
    pub bitrate_bps: Option<u64>,
    pub keyframes: u64,
    pub keyframe_interval: Option<KeyframeInterval>,
    /// Frames before the first keyframe (a join in the middle of a GOP).
    pub frames_before_first_keyframe: u64,
    /// Media time from the first frame to the first keyframe.
    pub first_keyframe_media_ms: Option<i64>,
    pub first_keyframe_arrival: Option<Duration>,
    /// Timestamps that went backwards, and the largest such jump.
    pub backwards: u64,
    pub worst_backwards_ms: u64,
    pub largest_timestamp_step_ms: u64,
    /// Forward steps longer than the threshold.
    pub timestamp_gaps: u64,
    /// The longest time without a frame of this kind, and how many such gaps exceeded the
    /// threshold.
    pub max_gap: Duration,
    pub stalls: u64,
    pub last_timestamp: Option<u32>,
}

/// The figures of the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatsSummary {
    /// `None` when no frame of that kind arrived.
    pub video: Option<TrackSummary>,
    pub audio: Option<TrackSummary>,
    /// Gaps without any frame (either kind), from the window's start to its end.
    pub max_gap: Duration,
    pub stalls: u64,
    /// Last video timestamp minus last audio timestamp, in milliseconds.
    pub av_drift_ms: Option<i64>,
    /// Messages without frames (sequence headers and the like).
    pub config_messages: u64,
}

/// The running statistics of a window.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamStats {
    config: StatsConfig,
    origin: Option<u32>,
    video: Track,
    audio: Track,
    any: Gaps,
    config_messages: u64,
}

impl StreamStats {
    pub fn new(config: StatsConfig) -> StreamStats {
        StreamStats {
            config,
            origin: None,
            video: Track::default(),
            audio: Track::default(),
            any: Gaps::default(),
            config_messages: 0,
        }
    }

    /// Takes one message into account. Constant time and memory.
    pub fn record(&mut self, e: &MediaEvent) {
        if e.config {
            self.config_messages += 1;
            return;
        }
        let threshold = self.config.gap_threshold;
        let origin = *self.origin.get_or_insert(e.timestamp);
        self.any.add(e.arrival, threshold);
        match e.kind {
            MediaKind::Video => self.video.add(e, origin, threshold),
            MediaKind::Audio => self.audio.add(e, origin, threshold),
        }
    }

    /// The figures at `window_end` (since the window started; gaps run to it).
    pub fn summary(&self, window_end: Duration) -> StatsSummary {
        let threshold = self.config.gap_threshold;
        let track = |t: &Track| (t.frames > 0).then(|| t.summary(window_end, threshold));
        let video = track(&self.video);
        let audio = track(&self.audio);
        let any = self.any.closed(window_end, threshold);
        StatsSummary {
            av_drift_ms: (video.is_some() && audio.is_some())
                .then(|| self.video.last_ms.saturating_sub(self.audio.last_ms)),
            video,
            audio,
            max_gap: any.max,
            stalls: any.stalls,
            config_messages: self.config_messages,
        }
    }
}
