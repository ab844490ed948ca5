//! Synthetic media, produced by the probe's own code with no encoder library: what the publish
//! scenario sends with `--duration`, and what the round trip looks for when it plays the stream
//! back. Sans-IO: no socket, clock or randomness; the caller passes the send time in.
//!
//! # What is generated
//!
//! - **H.264** ([`h264`]): a real, decodable Constrained Baseline stream. IDR pictures are flat
//!   grey (`I_16x16` DC prediction, no residual: one byte a macroblock); P pictures are `P_Skip`
//!   except a light 16x16 square that moves one macroblock a frame (one `I_16x16` macroblock with
//!   a single DC coefficient, and the macroblock it left coded grey again). The frame rate is in
//!   the SPS VUI; sizes that are not multiples of 16 are cropped. ffmpeg decodes it without a
//!   single error (tests/synth/).
//! - **AAC-LC** ([`audio`]): an AudioSpecificConfig and silent `raw_data_block()`s whose
//!   channel streams transmit no scale factor band (4 bytes mono, 7 stereo).
//! - **HEVC** ([`hevc`]) and **AV1** ([`av1`]): real parameter sets / sequence header and
//!   configuration records, and frames that carry the marker but no decodable picture (a slice
//!   with a correct header and placeholder data; a padding OBU). They test whether a server keeps
//!   and relays an Enhanced RTMP session, not a decoder.
//! - **Opus** ([`audio`]): the `OpusHead` identification header and 1-byte silent packets.
//!
//! Every video frame carries a [`Marker`] (sequence number, send time, checksum of the coded
//! data; see [`marker`]), which [`find_marker`] reads back from a received video tag body.
//!
//! # Why this bitstream
//!
//! An encoder library (libx264 in the ffmpeg-based monitors) costs hundreds of milliseconds and
//! tens of megabytes a check. A picture that every decoder must reconstruct bit-exactly, with the
//! smallest syntax that does it, needs none: CAVLC, no motion, no AC coefficients, no deblocking.
//! `I_PCM` was the other candidate; it is simpler still but costs 384 bytes a macroblock, so a
//! moving element would cost 2 macroblocks (768 bytes) a frame, where one DC level costs 4 bytes.
//! The moving element makes consecutive frames differ, and lets a test check decoded pixels.
//!
//! Sizes, as FLV tag bodies (= RTMP message payloads: the 5-byte video tag header, the 4-byte
//! NAL lengths, the marker SEI of 44 bytes plus emulation prevention, and the slice; 2 + 7 bytes
//! for stereo AAC), pinned by the unit test `frame_sizes_match_the_module_documentation`:
//!
//! | size | IDR frame | P frame | video, 1 s at 30 fps, key frame every 2 s | AAC, 1 s at 48 kHz |
//! |---|---|---|---|---|
//! | 320x180 | 307 B | 74 B | 2.3 KB (19 kbit/s) | 47 x 9 B = 0.42 KB |
//! | 1280x720 | 3.67 KB | 76 B | 4.1 KB (33 kbit/s) | 0.42 KB |
//!
//! An IDR picture costs one byte a macroblock; a P picture costs the same whatever the size, and
//! two thirds of it is the marker.
//!
//! # Use
//!
//! A [`Generator`] is configured once ([`SynthConfig`]) and then hands out the stream an item at
//! a time: `@setDataFrame` metadata, the video and audio sequence headers, then video and audio
//! frames interleaved by media time. [`Generator::next_due`] says when the next item is due
//! (media time from the start), [`Generator::next`] produces it, stamped with the send time the
//! caller passes. [`connect::enhanced_connect_properties`] gives the Enhanced RTMP properties of
//! the connect command.

pub mod audio;
pub mod av1;
pub mod bits;
pub mod connect;
pub mod flv;
pub mod h264;
pub mod hevc;
pub mod marker;
mod schedule;

#[cfg(test)]
mod tests;

use std::fmt;
use std::time::Duration;

pub use marker::{find_marker, Marker, MARKER_UUID};
pub use schedule::{Generator, Item, ItemKind};

/// A frame rate as a fraction of frames per second (30/1, 30000/1001...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRate {
    pub num: u32,
    pub den: u32,
}

impl FrameRate {
    /// The largest numerator and denominator accepted (so `2 * num` fits the H.264 time scale).
    pub const MAX_TERM: u32 = 1_000_000;

    pub const fn new(num: u32, den: u32) -> FrameRate {
        FrameRate { num, den }
    }

    /// `fps` frames per second.
    pub const fn per_second(fps: u32) -> FrameRate {
        FrameRate { num: fps, den: 1 }
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }
}

impl fmt::Display for FrameRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// The video codec of the synthetic stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCodec {
    /// Legacy FLV AVC (codec id 7): decodable.
    H264,
    /// Enhanced RTMP `hvc1`: relay test only.
    Hevc,
    /// Enhanced RTMP `av01`: relay test only.
    Av1,
}

/// The audio codec of the synthetic stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCodec {
    /// Legacy FLV AAC (sound format 10), AAC-LC silence.
    Aac,
    /// Enhanced RTMP `Opus`, silence.
    Opus,
    /// Video only.
    None,
}

impl VideoCodec {
    /// The name `--video` takes: `h264`, `hevc`, `av1`.
    pub fn name(self) -> &'static str {
        match self {
            VideoCodec::H264 => "h264",
            VideoCodec::Hevc => "hevc",
            VideoCodec::Av1 => "av1",
        }
    }

    /// The name people read: `H.264`, `HEVC`, `AV1`.
    pub fn label(self) -> &'static str {
        match self {
            VideoCodec::H264 => "H.264",
            VideoCodec::Hevc => "HEVC",
            VideoCodec::Av1 => "AV1",
        }
    }

    /// Whether it travels in Enhanced RTMP's ExVideoTagHeader (HEVC, AV1), not a legacy FLV tag.
    pub fn is_enhanced(self) -> bool {
        self != VideoCodec::H264
    }

    /// Its FourCC: `avc1`, `hvc1`, `av01`.
    pub fn fourcc(self) -> [u8; 4] {
        match self {
            VideoCodec::H264 => flv::FOURCC_AVC,
            VideoCodec::Hevc => flv::FOURCC_HEVC,
            VideoCodec::Av1 => flv::FOURCC_AV1,
        }
    }
}

impl AudioCodec {
    /// The name `--audio` takes: `aac`, `opus`, `none`.
    pub fn name(self) -> &'static str {
        match self {
            AudioCodec::Aac => "aac",
            AudioCodec::Opus => "opus",
            AudioCodec::None => "none",
        }
    }

    /// The name people read: `AAC`, `Opus`, `no audio`.
    pub fn label(self) -> &'static str {
        match self {
            AudioCodec::Aac => "AAC",
            AudioCodec::Opus => "Opus",
            AudioCodec::None => "no audio",
        }
    }

    /// Whether it travels in Enhanced RTMP's ExAudioTagHeader (Opus).
    pub fn is_enhanced(self) -> bool {
        self == AudioCodec::Opus
    }

    /// Its FourCC: `mp4a`, `Opus`; none without audio.
    pub fn fourcc(self) -> Option<[u8; 4]> {
        match self {
            AudioCodec::Aac => Some(flv::FOURCC_AAC),
            AudioCodec::Opus => Some(flv::FOURCC_OPUS),
            AudioCodec::None => None,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    pub video: VideoCodec,
    pub audio: AudioCodec,
    /// Picture size in samples: even, 2 to 4096 wide and 2 to 2304 high, at most 36864
    /// macroblocks (the H.264 level 5.2 frame size).
    pub width: u32,
    pub height: u32,
    /// Frames per second: from 1/1000 to 240.
    pub frame_rate: FrameRate,
    /// Time between key frames (IDR pictures), rounded to whole frames, at least one frame.
    pub keyframe_interval: Duration,
    /// AAC: one of [`audio::AAC_SAMPLE_RATES`]. Opus always runs at 48 kHz; this is then the
    /// "input sample rate" of its ID header and must be one of [`audio::OPUS_INPUT_RATES`].
    pub audio_sample_rate: u32,
    /// 1 (mono) or 2 (stereo).
    pub audio_channels: u8,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            video: VideoCodec::H264,
            audio: AudioCodec::Aac,
            width: 320,
            height: 180,
            frame_rate: FrameRate::per_second(30),
            keyframe_interval: Duration::from_secs(2),
            audio_sample_rate: 48_000,
            audio_channels: 2,
        }
    }
}

/// A configuration that cannot be generated; the message says what is wrong and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthError {
    #[error("video size {width}x{height}: width and height must be even, from 2 to 4096 wide and 2 to 2304 high, at most 36864 16x16 macroblocks (e.g. 320x180, 1280x720, 1920x1080)")]
    Size { width: u32, height: u32 },
    #[error("frame rate {0}: must be between 1/1000 and 240 frames per second")]
    FrameRate(FrameRate),
    #[error("keyframe interval {0:?}: must be at most 1 hour")]
    KeyframeInterval(Duration),
    #[error("audio sample rate {rate} Hz is not one {codec} can carry (use one of {allowed})")]
    SampleRate {
        rate: u32,
        codec: &'static str,
        allowed: String,
    },
    #[error("{0} audio channels: use 1 (mono) or 2 (stereo)")]
    Channels(u8),
}

impl SynthConfig {
    /// Checks the configuration; [`Generator::new`] does it too.
    pub fn validate(&self) -> Result<(), SynthError> {
        let (w, h) = (self.width, self.height);
        let mbs = u64::from(w.div_ceil(16)) * u64::from(h.div_ceil(16));
        if w % 2 != 0
            || h % 2 != 0
            || !(2..=4096).contains(&w)
            || !(2..=2304).contains(&h)
            || mbs > 36864
        {
            return Err(SynthError::Size {
                width: w,
                height: h,
            });
        }
        let fps = self.frame_rate;
        let in_range = fps.num > 0
            && fps.den > 0
            && fps.num <= FrameRate::MAX_TERM
            && fps.den <= FrameRate::MAX_TERM
            && u64::from(fps.num) * 1000 >= u64::from(fps.den)
            && u64::from(fps.num) <= 240 * u64::from(fps.den);
        if !in_range {
            return Err(SynthError::FrameRate(fps));
        }
        if self.keyframe_interval > Duration::from_secs(3600) {
            return Err(SynthError::KeyframeInterval(self.keyframe_interval));
        }
        let list = |rates: &[u32]| {
            rates
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.audio {
            AudioCodec::None => return Ok(()),
            AudioCodec::Aac if audio::aac_frequency_index(self.audio_sample_rate).is_none() => {
                return Err(SynthError::SampleRate {
                    rate: self.audio_sample_rate,
                    codec: "AAC",
                    allowed: list(&audio::AAC_SAMPLE_RATES),
                });
            }
            AudioCodec::Opus if !audio::OPUS_INPUT_RATES.contains(&self.audio_sample_rate) => {
                return Err(SynthError::SampleRate {
                    rate: self.audio_sample_rate,
                    codec: "Opus",
                    allowed: list(&audio::OPUS_INPUT_RATES),
                });
            }
            AudioCodec::Aac | AudioCodec::Opus => {}
        }
        if !(1..=2).contains(&self.audio_channels) {
            return Err(SynthError::Channels(self.audio_channels));
        }
        Ok(())
    }

    /// Frames from one key frame to the next: the interval in frames, rounded, at least 1.
    pub fn keyframe_every(&self) -> u64 {
        let nanos = self.keyframe_interval.as_nanos();
        let fps = self.frame_rate;
        // frames = interval * num / den, rounded to the nearest whole frame.
        let frames = (nanos * u128::from(fps.num) + u128::from(fps.den) * 500_000_000)
            / (u128::from(fps.den) * 1_000_000_000);
        u64::try_from(frames).unwrap_or(u64::MAX).max(1)
    }
}
