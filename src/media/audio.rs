//! The FLV audio tag header at the start of every RTMP audio message: the legacy AudioTagHeader
//! (FLV 10.1 §E.4.2.1) and Enhanced RTMP's ExAudioTagHeader (Enhanced RTMP v2, "Enhanced Audio").
//!
//! The first byte is `SoundFormat:4 SoundRate:2 SoundSize:1 SoundType:1`; AAC (10) adds an
//! AACPacketType byte. Sound format 9 switches to the Ex header: the low four bits become the
//! AudioPacketType, then come ModEx modifiers, multitrack signalling and a FourCC. Only the first
//! track of a multitrack message is read.
//!
//! For AAC the rate and channel bits are fixed at 44 kHz stereo whatever the stream is (FLV 10.1
//! says so; ffmpeg writes 0xAF for every AAC stream): the AudioSpecificConfig is what counts.

use super::bits::Bytes;
use super::codec::AudioCodec;
use super::tag::{read_fourcc_and_track, read_mod_ex, ExTail, Multitrack, PacketTypes};
use super::MediaError;

const WHAT: &str = "FLV audio tag";

/// Sound format 9: the ExAudioTagHeader follows.
const EX_HEADER: u8 = 9;
/// Enhanced RTMP `AudioPacketType` values.
const SEQUENCE_START: u8 = 0;
const CODED_FRAMES: u8 = 1;
const SEQUENCE_END: u8 = 2;
const MULTICHANNEL_CONFIG: u8 = 4;
const MULTITRACK: u8 = 5;
const MOD_EX: u8 = 7;

const PACKET_TYPES: PacketTypes = PacketTypes {
    what: WHAT,
    fourcc_field: "audioFourCc",
    multitrack: MULTITRACK,
    modex: MOD_EX,
};

/// What an audio message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioPacket {
    /// AACPacketType 0 or SequenceStart: the decoder configuration (AudioSpecificConfig, Opus ID
    /// header, FLAC STREAMINFO).
    SequenceStart,
    /// Coded audio: AACPacketType 1, CodedFrames, or any message of the legacy formats.
    CodedFrames,
    /// SequenceEnd.
    SequenceEnd,
    /// MultichannelConfig: channel order, count and mapping.
    MultichannelConfig,
}

/// The rate, size and type bits of a legacy header, as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacyAudioFlags {
    /// SoundRate (0..=3).
    pub rate_index: u8,
    /// SoundSize: 8 or 16 bits per sample.
    pub sample_bits: u8,
    /// SoundType: stereo (else mono).
    pub stereo: bool,
}

impl LegacyAudioFlags {
    /// The SoundRate in Hz as ffmpeg reads it (5.5 kHz is 5512 Hz, 44 kHz is 44100 Hz).
    pub fn sample_rate(&self) -> u32 {
        44100 >> (3 - self.rate_index.min(3))
    }
}

/// A parsed audio tag header. `body` borrows the bytes after the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioTag<'a> {
    pub codec: AudioCodec,
    pub packet: AudioPacket,
    /// The flags of a legacy header; `None` for an ExAudioTagHeader.
    pub legacy: Option<LegacyAudioFlags>,
    /// Multitrack signalling; the fields above describe the first track.
    pub multitrack: Option<Multitrack>,
    /// ModEx TimestampOffsetNano, when sent.
    pub timestamp_offset_ns: Option<u32>,
    pub body: &'a [u8],
}

impl AudioTag<'_> {
    pub fn is_enhanced(&self) -> bool {
        self.legacy.is_none()
    }

    /// A message with coded audio (what frame counts and bitrate are made of).
    pub fn is_frame(&self) -> bool {
        self.packet == AudioPacket::CodedFrames
    }
}

/// Parses the audio tag header at the start of an audio message payload (which may be only the
/// start of the message: `body` then ends where the input does).
///
/// A zero-length audio message is [`MediaError::Empty`]: Enhanced RTMP documents it as Flash's
/// "audio silence" message, which carries no header. Unknown legacy formats and FourCCs are no
/// error ([`AudioCodec::UnknownId`], [`AudioCodec::UnknownFourCc`]); reserved packet types are.
pub fn parse_audio_tag(payload: &[u8]) -> Result<AudioTag<'_>, MediaError> {
    let (first, mut r) = Bytes::first(payload, WHAT)?;
    let format = first >> 4;
    if format == EX_HEADER {
        return parse_ex(r, first & 0x0f);
    }
    let codec = AudioCodec::from_legacy_id(format);
    let legacy = LegacyAudioFlags {
        rate_index: (first >> 2) & 0x03,
        sample_bits: if first & 0x02 != 0 { 16 } else { 8 },
        stereo: first & 0x01 != 0,
    };
    let packet = if codec == AudioCodec::Aac {
        match r.u8("AACPacketType")? {
            0 => AudioPacket::SequenceStart,
            1 => AudioPacket::CodedFrames,
            other => {
                return Err(MediaError::Reserved {
                    what: WHAT,
                    field: "AACPacketType",
                    value: u64::from(other),
                })
            }
        }
    } else {
        AudioPacket::CodedFrames
    };
    Ok(AudioTag {
        codec,
        packet,
        legacy: Some(legacy),
        multitrack: None,
        timestamp_offset_ns: None,
        body: r.rest(),
    })
}

fn parse_ex(mut r: Bytes<'_>, first_packet_type: u8) -> Result<AudioTag<'_>, MediaError> {
    let (packet_type, timestamp_offset_ns) = read_mod_ex(&mut r, first_packet_type, MOD_EX)?;
    let ExTail {
        packet_type,
        code,
        multitrack,
        body,
    } = read_fourcc_and_track(&mut r, packet_type, &PACKET_TYPES)?;
    let packet = match packet_type {
        SEQUENCE_START => AudioPacket::SequenceStart,
        CODED_FRAMES => AudioPacket::CodedFrames,
        SEQUENCE_END => AudioPacket::SequenceEnd,
        MULTICHANNEL_CONFIG => AudioPacket::MultichannelConfig,
        other => {
            return Err(MediaError::Reserved {
                what: WHAT,
                field: "AudioPacketType",
                value: u64::from(other),
            })
        }
    };
    Ok(AudioTag {
        codec: AudioCodec::from_fourcc(code),
        packet,
        legacy: None,
        multitrack,
        timestamp_offset_ns,
        body,
    })
}

/// The body of a MultichannelConfig packet: `AudioChannelOrder`, the channel count, and (for the
/// native order) the channel mask. The custom mapping (one byte per channel) is not returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultichannelConfig {
    /// 0 unspecified, 1 native, 2 custom.
    pub order: u8,
    pub channels: u8,
    /// `audioChannelFlags` (AudioChannelMask bits) for the native order.
    pub mask: Option<u32>,
}

/// Parses the body of a MultichannelConfig audio packet.
pub fn parse_multichannel_config(body: &[u8]) -> Result<MultichannelConfig, MediaError> {
    let mut r = Bytes::new(body, "multichannel configuration");
    let order = r.u8("audioChannelOrder")?;
    let channels = r.u8("channelCount")?;
    let mask = match order {
        1 => Some(r.u32("audioChannelFlags")?),
        2 => {
            r.skip(usize::from(channels), "audioChannelMapping")?;
            None
        }
        _ => None,
    };
    Ok(MultichannelConfig {
        order,
        channels,
        mask,
    })
}
