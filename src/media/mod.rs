//! Media, sans-IO: what the play check reads from the audio, video and data messages a server
//! sends, and the statistics of a watch window.
//!
//! Like `crate::protocol`, nothing here touches a socket, a clock or a source of randomness:
//! callers pass message payloads (RTMP audio/video payloads are FLV tag bodies) and arrival times
//! in, and get typed, borrowed or small owned values out. Everything the server sends is
//! untrusted: the parsers never panic, never index or slice unchecked, never allocate from a
//! length field and never copy a payload ([`bits`](self) readers check every read; lists of
//! parameter sets are borrowed slices checked once). The fuzz target `media_parse` feeds them
//! arbitrary bytes.
//!
//! ```text
//! monitor       MediaMonitor: one call per message, MediaSummary at the end     monitor.rs
//! summary       the result model (MediaSummary, VideoInfo, MediaProblem...)     summary.rs
//! info          codec facts from the parsed sequence headers                   info.rs
//! stats         fps, bitrates, keyframe intervals, gaps, drift over media time  stats.rs
//! video, audio  FLV tag headers, legacy and Enhanced RTMP (ExVideo/ExAudio)     video.rs audio.rs tag.rs
//! codec         legacy codec ids, FourCCs, ffprobe's names                     codec.rs
//! avc, hevc     AVC/HEVC decoder configuration records and their SPS           avc.rs hevc.rs
//! av1           AV1 and VP8/VP9 configuration records                          av1.rs
//! audio_config  AAC AudioSpecificConfig, Opus ID header, FLAC STREAMINFO, MP3  audio_config.rs
//! metadata      onMetaData, all fields as sent, and disagreements              metadata.rs
//! flv           FLV tags: Aggregate sub-messages (type 22), FLV files           flv.rs
//! ```
//!
//! Specifications: FLV 10.1 (Annex E: tags and their headers, onMetaData), Enhanced RTMP v1 and v2
//! (veovera: ExVideoTagHeader, ExAudioTagHeader, FourCC, ModEx, multitrack, onMetaData), RTMP 1.0
//! §7.1.6 (Aggregate messages), ITU-T H.264 §7.3.2.1.1 and Annex E (SPS, VUI), ITU-T H.265
//! §7.3.2.2 and §7.3.3 (SPS, profile_tier_level), ISO/IEC 14496-15 §5.3.3.1 and §8.3.3.1 (AVC and
//! HEVC configuration records), the AV1 ISOBMFF binding §2.3.3 and AV1 §5.5 (sequence header), the
//! VP codec ISOBMFF binding §2.2, ISO/IEC 14496-3 §1.6.2.1 (AudioSpecificConfig), RFC 7845 §5.1
//! (Opus ID header).
//!
//! What real encoders and servers do, as learned here (and pinned by tests on their bytes):
//! - AAC's FLV rate and channel bits are fixed at 44 kHz stereo (0xAF; ffmpeg writes it for a
//!   48 kHz mono stream too): only the AudioSpecificConfig tells.
//! - x264 under ffmpeg writes VUI timing as num_units_in_tick 1, time_scale 2 x fps (H.264 ticks
//!   count fields), without fixed_frame_rate_flag unless told `force-cfr=1`.
//! - x265's HEVCDecoderConfigurationRecord carries an SEI array with the encoder's settings (2.4
//!   KiB for a 320x240 stream), so HEVC sequence headers are far larger than AVC's (45 bytes).
//! - ffmpeg 8's Enhanced FLV muxer sends an empty `av01` SequenceStart before the real one, FourCC
//!   codec ids in onMetaData as numbers, and video Metadata packets (colorInfo) with frame type 5,
//!   which the specification says to ignore for Metadata.
//! - Before Enhanced RTMP, HEVC in FLV used the unofficial legacy id 12 (Kingsoft's fork of
//!   ffmpeg and the Chinese CDNs that followed it), read here as HEVC; other forks' ids (13 for
//!   AV1) are not.

mod bits;
mod error;

pub mod audio;
pub mod audio_config;
pub mod av1;
pub mod avc;
pub mod codec;
pub mod flv;
pub mod hevc;
pub mod info;
pub mod metadata;
pub mod monitor;
pub mod stats;
pub mod summary;
pub mod synth;
pub mod tag;
pub mod video;

#[cfg(test)]
mod tests;

pub use audio::{parse_audio_tag, AudioPacket, AudioTag};
pub use codec::{AudioCodec, FourCc, VideoCodec};
pub use error::MediaError;
pub use metadata::Metadata;
pub use monitor::{AggregateSeen, MediaMessage, MediaMonitor, Seen, MAX_PROBLEMS};
pub use stats::{MediaEvent, MediaKind, StatsConfig, StreamStats};
pub use summary::{
    AudioInfo, AudioSummary, MediaProblem, MediaSummary, ProblemKind, VideoInfo, VideoSummary,
};
pub use tag::{Multitrack, MultitrackKind};
pub use video::{parse_video_tag, FrameType, VideoPacket, VideoTag};
