//! FLV tag bodies (= RTMP audio and video message payloads) and the metadata of the stream:
//! the legacy VideoTagHeader/AudioTagHeader of FLV 10.1 (annex E.4.2, E.4.3) and the
//! ExVideoTagHeader/ExAudioTagHeader of Enhanced RTMP v2.

/// The `IsExHeader` bit of a video tag's first byte.
pub const VIDEO_EX_HEADER: u8 = 0x80;
/// Legacy CodecID of AVC.
pub const VIDEO_CODEC_AVC: u8 = 7;
/// Frame types (legacy 4 bits, enhanced 3 bits).
pub const FRAME_KEY: u8 = 1;
pub const FRAME_INTER: u8 = 2;
/// AVCPacketType values.
pub const AVC_SEQUENCE_HEADER: u8 = 0;
pub const AVC_NALU: u8 = 1;
pub const AVC_END_OF_SEQUENCE: u8 = 2;
/// Enhanced RTMP VideoPacketType / AudioPacketType values.
pub const PACKET_SEQUENCE_START: u8 = 0;
pub const PACKET_CODED_FRAMES: u8 = 1;
pub const PACKET_SEQUENCE_END: u8 = 2;
pub const PACKET_CODED_FRAMES_X: u8 = 3;
pub const PACKET_MOD_EX: u8 = 7;
/// FourCCs of Enhanced RTMP.
pub const FOURCC_AVC: [u8; 4] = *b"avc1";
pub const FOURCC_HEVC: [u8; 4] = *b"hvc1";
pub const FOURCC_AV1: [u8; 4] = *b"av01";
pub const FOURCC_AAC: [u8; 4] = *b"mp4a";
pub const FOURCC_OPUS: [u8; 4] = *b"Opus";
/// The legacy AAC audio header byte: SoundFormat 10, and the rate, size and type fields FLV
/// fixes for AAC (44 kHz, 16-bit, stereo) whatever the stream's own.
pub const AUDIO_AAC: u8 = 0xaf;
pub const AAC_SEQUENCE_HEADER: u8 = 0;
pub const AAC_RAW: u8 = 1;
/// SoundFormat 9: an ExAudioTagHeader follows.
pub const AUDIO_EX_HEADER: u8 = 9;
/// Legacy codec ids for onMetaData.
pub const METADATA_AVC: f64 = 7.0;
pub const METADATA_AAC: f64 = 10.0;

/// A FourCC as the number onMetaData carries for enhanced codecs (big-endian UI32).
pub fn fourcc_number(fourcc: [u8; 4]) -> f64 {
    f64::from(u32::from_be_bytes(fourcc))
}

/// NAL units with 4-byte big-endian lengths (lengthSizeMinusOne 3).
pub fn length_prefixed<'a>(nals: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for nal in nals {
        out.extend_from_slice(&(nal.len() as u32).to_be_bytes());
        out.extend_from_slice(nal);
    }
    out
}

/// A legacy AVC video tag body: frame type and codec id, AVCPacketType, composition time 0, data.
pub fn avc_tag(keyframe: bool, packet_type: u8, data: &[u8]) -> Vec<u8> {
    let frame = if keyframe { FRAME_KEY } else { FRAME_INTER };
    let mut out = Vec::with_capacity(5 + data.len());
    out.push(frame << 4 | VIDEO_CODEC_AVC);
    out.push(packet_type);
    out.extend_from_slice(&[0, 0, 0]); // CompositionTime: decode order is presentation order
    out.extend_from_slice(data);
    out
}

/// An Enhanced RTMP video tag body: IsExHeader, frame type, packet type, FourCC, data (which
/// includes the SI24 composition time where the packet type has one).
pub fn ex_video_tag(keyframe: bool, packet_type: u8, fourcc: [u8; 4], data: &[u8]) -> Vec<u8> {
    let frame = if keyframe { FRAME_KEY } else { FRAME_INTER };
    let mut out = Vec::with_capacity(5 + data.len());
    out.push(VIDEO_EX_HEADER | frame << 4 | packet_type);
    out.extend_from_slice(&fourcc);
    out.extend_from_slice(data);
    out
}

/// A legacy AAC audio tag body.
pub fn aac_tag(packet_type: u8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + data.len());
    out.push(AUDIO_AAC);
    out.push(packet_type);
    out.extend_from_slice(data);
    out
}

/// An Enhanced RTMP audio tag body: SoundFormat 9, packet type, FourCC, data.
pub fn ex_audio_tag(packet_type: u8, fourcc: [u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + data.len());
    out.push(AUDIO_EX_HEADER << 4 | packet_type);
    out.extend_from_slice(&fourcc);
    out.extend_from_slice(data);
    out
}
