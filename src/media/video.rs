//! The FLV video tag header at the start of every RTMP video message: the legacy VideoTagHeader
//! (FLV 10.1 §E.4.3.1) and Enhanced RTMP's ExVideoTagHeader (Enhanced RTMP v1 and v2, "Enhanced
//! Video").
//!
//! The first byte is `IsExHeader:1 FrameType:3 PacketType:4` when its top bit is set, else
//! `FrameType:4 CodecID:4`. Legacy AVC (and the AVC-like ids 9 and 12) adds a packet type byte and
//! a signed 24-bit composition time; the Ex header adds ModEx modifiers, a FourCC and, for
//! multitrack messages, a track id and size per track. Only the first track of a multitrack
//! message is read.

use super::bits::Bytes;
use super::codec::VideoCodec;
use super::tag::{read_fourcc_and_track, read_mod_ex, ExTail, Multitrack, PacketTypes};
use super::MediaError;

const WHAT: &str = "FLV video tag";

/// Enhanced RTMP `VideoPacketType` values.
const SEQUENCE_START: u8 = 0;
const CODED_FRAMES: u8 = 1;
const SEQUENCE_END: u8 = 2;
const CODED_FRAMES_X: u8 = 3;
const METADATA: u8 = 4;
const MPEG2TS_SEQUENCE_START: u8 = 5;
const MULTITRACK: u8 = 6;
const MOD_EX: u8 = 7;

const PACKET_TYPES: PacketTypes = PacketTypes {
    what: WHAT,
    fourcc_field: "videoFourCc",
    multitrack: MULTITRACK,
    modex: MOD_EX,
};

/// `FrameType` / `VideoFrameType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameType {
    /// 1: a keyframe (for AVC, a seekable frame).
    Key,
    /// 2: an inter frame.
    Inter,
    /// 3: a disposable inter frame (H.263 only).
    DisposableInter,
    /// 4: a generated keyframe (reserved for server use).
    GeneratedKey,
    /// 5: video info / command frame: no picture.
    Command,
    /// 0, 6, 7 (and 8..15 in a legacy header, which the Ex bit turns into an Ex header).
    Reserved(u8),
}

impl FrameType {
    fn from_bits(v: u8) -> FrameType {
        match v {
            1 => FrameType::Key,
            2 => FrameType::Inter,
            3 => FrameType::DisposableInter,
            4 => FrameType::GeneratedKey,
            5 => FrameType::Command,
            other => FrameType::Reserved(other),
        }
    }
}

/// What a video message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoPacket {
    /// The decoder configuration: AVCPacketType 0, or SequenceStart (the body is an
    /// AVCDecoderConfigurationRecord, HEVCDecoderConfigurationRecord, AV1CodecConfigurationRecord
    /// or VPCodecConfigurationRecord).
    SequenceStart,
    /// Coded pictures: AVCPacketType 1, CodedFrames or CodedFramesX, or any message of the
    /// legacy codecs without packet types (H.263, VP6, screen video).
    CodedFrames,
    /// AVCPacketType 2 or SequenceEnd.
    SequenceEnd,
    /// Enhanced RTMP Metadata: AMF-encoded `["colorInfo", {...}]` pairs, no picture.
    Metadata,
    /// MPEG2TSSequenceStart (an AV1 video descriptor).
    Mpeg2TsSequenceStart,
    /// Frame type 5: a `VideoCommand` (0 start of client-side seeking, 1 end), no picture.
    Command(u8),
}

/// A parsed video tag header. `body` borrows the bytes after the header: the configuration
/// record, the NAL units / OBUs / frame data, or the AMF metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoTag<'a> {
    pub frame_type: FrameType,
    /// `None` only for an Ex command frame, which carries no FourCC.
    pub codec: Option<VideoCodec>,
    pub packet: VideoPacket,
    /// Composition time offset in milliseconds (SI24; 0 where the layout has none).
    pub composition_time_ms: i32,
    /// An ExVideoTagHeader (FourCC mode) rather than the legacy header.
    pub enhanced: bool,
    /// Multitrack signalling; the fields above describe the first track.
    pub multitrack: Option<Multitrack>,
    /// ModEx TimestampOffsetNano, when sent.
    pub timestamp_offset_ns: Option<u32>,
    pub body: &'a [u8],
}

impl VideoTag<'_> {
    /// A picture that starts a GOP: frame type 1 with coded frames (ffmpeg marks the same packets
    /// as key). Sequence headers carry frame type 1 too but are no picture.
    pub fn is_keyframe(&self) -> bool {
        self.frame_type == FrameType::Key && self.packet == VideoPacket::CodedFrames
    }

    /// A message with coded pictures (what frame counts, fps and bitrate are made of).
    pub fn is_frame(&self) -> bool {
        self.packet == VideoPacket::CodedFrames
    }
}

/// Parses the video tag header at the start of a video message payload. The payload may be just
/// the start of a large message: `body` then ends where the input does.
///
/// Errors: an empty payload, a header cut short, reserved packet types (whose layout is unknown),
/// reserved AVC packet types, bad multitrack signalling. Unknown codec ids and FourCCs are no
/// error ([`VideoCodec::UnknownId`], [`VideoCodec::UnknownFourCc`]): the header still says what
/// the frame is.
pub fn parse_video_tag(payload: &[u8]) -> Result<VideoTag<'_>, MediaError> {
    let (first, r) = Bytes::first(payload, WHAT)?;
    if first & 0x80 != 0 {
        parse_ex(r, first)
    } else {
        parse_legacy(r, first)
    }
}

fn parse_legacy(mut r: Bytes<'_>, first: u8) -> Result<VideoTag<'_>, MediaError> {
    let frame_type = FrameType::from_bits(first >> 4);
    let codec = VideoCodec::from_legacy_id(first & 0x0f);
    let mut tag = VideoTag {
        frame_type,
        codec: Some(codec),
        packet: VideoPacket::CodedFrames,
        composition_time_ms: 0,
        enhanced: false,
        multitrack: None,
        timestamp_offset_ns: None,
        body: &[],
    };
    if frame_type == FrameType::Command {
        // The command byte follows the first byte directly (Enhanced RTMP's reading of the legacy
        // layout; Red5 and Wowza send 0x57 0x00 / 0x57 0x01 around seeks).
        tag.packet = VideoPacket::Command(r.u8("VideoCommand")?);
        tag.body = r.rest();
        return Ok(tag);
    }
    if codec.legacy_has_packet_type() {
        tag.packet = match r.u8("AVCPacketType")? {
            0 => VideoPacket::SequenceStart,
            1 => VideoPacket::CodedFrames,
            2 => VideoPacket::SequenceEnd,
            other => {
                return Err(MediaError::Reserved {
                    what: WHAT,
                    field: "AVCPacketType",
                    value: u64::from(other),
                })
            }
        };
        // An end of sequence sent as just two bytes (no composition time) is accepted.
        if !(tag.packet == VideoPacket::SequenceEnd && r.remaining() == 0) {
            tag.composition_time_ms = r.i24("CompositionTime")?;
        }
    }
    tag.body = r.rest();
    Ok(tag)
}

fn parse_ex(mut r: Bytes<'_>, first: u8) -> Result<VideoTag<'_>, MediaError> {
    let frame_type = FrameType::from_bits((first >> 4) & 0x07);
    let (packet_type, timestamp_offset_ns) = read_mod_ex(&mut r, first & 0x0f, MOD_EX)?;
    let mut tag = VideoTag {
        frame_type,
        codec: None,
        packet: VideoPacket::CodedFrames,
        composition_time_ms: 0,
        enhanced: true,
        multitrack: None,
        timestamp_offset_ns,
        body: &[],
    };

    // A command frame carries only its command byte: no FourCC, no body.
    if packet_type != METADATA && frame_type == FrameType::Command {
        tag.packet = VideoPacket::Command(r.u8("VideoCommand")?);
        tag.body = r.rest();
        return Ok(tag);
    }

    let ExTail {
        packet_type,
        code,
        multitrack,
        body,
    } = read_fourcc_and_track(&mut r, packet_type, &PACKET_TYPES)?;
    tag.multitrack = multitrack;
    let codec = VideoCodec::from_fourcc(code);
    tag.codec = Some(codec);

    let mut body_reader = Bytes::new(body, WHAT);
    tag.packet = match packet_type {
        SEQUENCE_START => VideoPacket::SequenceStart,
        CODED_FRAMES => {
            // AVC, HEVC and VVC coded frames start with a composition time offset.
            if matches!(codec, VideoCodec::Avc | VideoCodec::Hevc | VideoCodec::Vvc) {
                tag.composition_time_ms = body_reader.i24("compositionTimeOffset")?;
            }
            VideoPacket::CodedFrames
        }
        CODED_FRAMES_X => VideoPacket::CodedFrames,
        SEQUENCE_END => VideoPacket::SequenceEnd,
        METADATA => VideoPacket::Metadata,
        MPEG2TS_SEQUENCE_START => VideoPacket::Mpeg2TsSequenceStart,
        other => {
            return Err(MediaError::Reserved {
                what: WHAT,
                field: "VideoPacketType",
                value: u64::from(other),
            })
        }
    };
    tag.body = body_reader.rest();
    Ok(tag)
}
