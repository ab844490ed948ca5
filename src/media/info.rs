//! What the sequence headers and frames say about the codecs: the [`VideoInfo`] and
//! [`AudioInfo`] of a stream, from the parsed configuration records.

use super::audio::AudioTag;
use super::audio_config::{AacConfig, FlacStreamInfo, Mp3FrameHeader, OpusHead};
use super::av1::{Av1Config, VpConfig};
use super::avc::{h264_level_name, h264_profile_name, AvcConfig};
use super::codec::{AudioCodec, VideoCodec};
use super::hevc::{hevc_level_name, HevcConfig};
use super::summary::{AudioInfo, VideoInfo};
use super::video::VideoTag;
use super::MediaError;

/// The video facts of a sequence header. `Ok(None)`: nothing to learn (an empty AV1 sequence
/// start, or a codec without a configuration this module reads).
pub fn video_config(tag: &VideoTag<'_>) -> Result<Option<VideoInfo>, MediaError> {
    let Some(codec) = tag.codec else {
        return Ok(None);
    };
    let mut info = VideoInfo::codec_only(codec, tag.enhanced);
    match codec {
        VideoCodec::Avc => {
            let record = AvcConfig::parse(tag.body)?;
            let sps = record.first_sps().ok_or(MediaError::Invalid {
                what: "AVC configuration record",
                detail: "it lists no SPS",
            })??;
            info.profile = sps.profile_name();
            info.level = Some(u32::from(sps.level_idc));
            info.level_name = Some(sps.level_name());
            info.width = Some(sps.width);
            info.height = Some(sps.height);
            info.bit_depth = Some(sps.bit_depth_luma);
            info.config_fps = sps.frame_rate();
            // The record repeats the SPS's profile; if the SPS had no name, the record's may.
            if info.profile.is_none() {
                info.profile =
                    h264_profile_name(record.profile_indication, record.profile_compatibility);
                info.level_name = Some(h264_level_name(
                    record.profile_indication,
                    record.profile_compatibility,
                    record.level_indication,
                ));
            }
        }
        VideoCodec::Hevc => {
            let record = HevcConfig::parse(tag.body)?;
            let sps = record.first_sps().ok_or(MediaError::Invalid {
                what: "HEVC configuration record",
                detail: "it has no SPS array",
            })??;
            info.profile = sps.profile_name().or_else(|| record.profile_name());
            info.level = Some(u32::from(sps.general_level_idc));
            info.level_name = Some(hevc_level_name(sps.general_level_idc));
            info.width = Some(sps.width);
            info.height = Some(sps.height);
            info.bit_depth = Some(sps.bit_depth_luma);
        }
        VideoCodec::Av1 => {
            if tag.body.is_empty() {
                return Ok(None);
            }
            let record = Av1Config::parse(tag.body)?;
            info.profile = record.profile_name();
            info.level = Some(u32::from(record.seq_level_idx_0));
            info.bit_depth = Some(record.bit_depth);
            if let Some(seq) = record.sequence_header() {
                let seq = seq?;
                info.width = Some(seq.max_frame_width);
                info.height = Some(seq.max_frame_height);
                info.config_fps = seq.frame_rate;
            }
        }
        VideoCodec::Vp9 | VideoCodec::Vp8 => {
            let record = VpConfig::parse(tag.body)?;
            if codec == VideoCodec::Vp9 {
                info.profile = record.vp9_profile_name();
            }
            info.level = Some(u32::from(record.level));
            info.bit_depth = Some(record.bit_depth);
        }
        _ => {}
    }
    Ok(Some(info))
}

/// The audio facts of a sequence header.
pub fn audio_config(tag: &AudioTag<'_>) -> Result<AudioInfo, MediaError> {
    let mut info = audio_from_frame(tag);
    match tag.codec {
        AudioCodec::Aac => {
            let asc = AacConfig::parse(tag.body)?;
            info.profile = asc.profile_name();
            info.sample_rate = Some(asc.sample_rate());
            info.core_sample_rate = asc.sbr.then_some(asc.sampling_frequency);
            info.channels = asc.channels();
        }
        AudioCodec::Opus => {
            let head = OpusHead::parse(tag.body)?;
            info.sample_rate = Some(OpusHead::SAMPLE_RATE);
            info.channels = Some(head.channels);
        }
        AudioCodec::Flac => {
            let stream_info = FlacStreamInfo::parse(tag.body)?;
            info.sample_rate = Some(stream_info.sample_rate);
            info.channels = Some(stream_info.channels);
        }
        _ => {}
    }
    Ok(info)
}

/// The audio facts a frame gives: the legacy flags (with the fixed rates of Speex and
/// Nellymoser, as ffmpeg reads them), or an MP3 frame header.
pub(crate) fn audio_from_frame(tag: &AudioTag<'_>) -> AudioInfo {
    let mut info = AudioInfo {
        codec: tag.codec,
        enhanced: tag.is_enhanced(),
        profile: None,
        sample_rate: None,
        core_sample_rate: None,
        channels: None,
        sample_bits: tag.legacy.map(|l| l.sample_bits),
    };
    if let Some(flags) = tag.legacy {
        // AAC's flags are fixed at 44 kHz stereo whatever the stream: only its
        // AudioSpecificConfig tells.
        if tag.codec != AudioCodec::Aac {
            info.sample_rate = Some(match tag.codec {
                AudioCodec::Speex | AudioCodec::Nellymoser16kMono => 16000,
                AudioCodec::Nellymoser8kMono | AudioCodec::Mp3At8k => 8000,
                AudioCodec::G711ALaw | AudioCodec::G711MuLaw => 8000,
                _ => flags.sample_rate(),
            });
            info.channels = Some(if flags.stereo { 2 } else { 1 });
        }
    }
    if matches!(tag.codec, AudioCodec::Mp3 | AudioCodec::Mp3At8k) && tag.is_frame() {
        if let Ok(h) = Mp3FrameHeader::parse(tag.body) {
            info.sample_rate = Some(h.sample_rate);
            info.channels = Some(h.channels);
        }
    }
    info
}
