//! Codec identifiers: FLV's legacy codec ids, Enhanced RTMP's FourCCs, and the names ffprobe
//! gives them.

use std::fmt;

/// A four-character code as sent (Enhanced RTMP v1 "FourCC", big-endian ASCII: `avc1` is
/// 0x61766331).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FourCc(pub [u8; 4]);

impl FourCc {
    pub const AVC: FourCc = FourCc(*b"avc1");
    pub const HEVC: FourCc = FourCc(*b"hvc1");
    pub const AV1: FourCc = FourCc(*b"av01");
    pub const VP8: FourCc = FourCc(*b"vp08");
    pub const VP9: FourCc = FourCc(*b"vp09");
    pub const VVC: FourCc = FourCc(*b"vvc1");
    pub const OPUS: FourCc = FourCc(*b"Opus");
    pub const AAC: FourCc = FourCc(*b"mp4a");
    pub const MP3: FourCc = FourCc(*b".mp3");
    pub const FLAC: FourCc = FourCc(*b"fLaC");
    pub const AC3: FourCc = FourCc(*b"ac-3");
    pub const EAC3: FourCc = FourCc(*b"ec-3");

    /// The code as the number onMetaData carries it (`"av01"` is 1635135537).
    pub fn as_u32(self) -> u32 {
        u32::from_be_bytes(self.0)
    }

    pub fn from_u32(v: u32) -> FourCc {
        FourCc(v.to_be_bytes())
    }
}

/// The four characters when they are ASCII letters, digits, `.`, `-`, `_` or spaces (`avc1`,
/// `.mp3`, `ac-3`), else `0x` and eight hex digits.
impl fmt::Display for FourCc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self
            .0
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b' '))
        {
            for b in self.0 {
                write!(f, "{}", char::from(b))?;
            }
            Ok(())
        } else {
            write!(f, "0x{:08x}", self.as_u32())
        }
    }
}

/// A video codec, from a legacy FLV codec id or an Enhanced RTMP FourCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    /// Legacy id 2, Sorenson H.263 (ffprobe: flv1).
    SorensonH263,
    /// Legacy id 3, Screen video (flashsv).
    ScreenVideo,
    /// Legacy id 4, On2 VP6 (vp6f).
    Vp6,
    /// Legacy id 5, On2 VP6 with alpha (vp6a).
    Vp6Alpha,
    /// Legacy id 6, Screen video version 2 (flashsv2).
    ScreenVideo2,
    /// Legacy id 7 or FourCC `avc1` (h264).
    Avc,
    /// Legacy id 8: ffmpeg's own id for "real" H.263 (h263).
    H263,
    /// Legacy id 9: ffmpeg's own id for MPEG-4 part 2 (mpeg4), laid out like AVC.
    Mpeg4,
    /// FourCC `hvc1`, or the unofficial legacy id 12 that Chinese CDNs and forks of ffmpeg and
    /// SRS used before Enhanced RTMP (laid out like AVC) (hevc).
    Hevc,
    /// FourCC `av01` (av1).
    Av1,
    /// FourCC `vp08` (vp8).
    Vp8,
    /// FourCC `vp09` (vp9).
    Vp9,
    /// FourCC `vvc1` (vvc).
    Vvc,
    /// A legacy id FLV does not define (0, 1, 10, 11, 13, 14, 15).
    UnknownId(u8),
    /// A FourCC Enhanced RTMP does not define.
    UnknownFourCc(FourCc),
}

impl VideoCodec {
    /// From the 4-bit legacy codec id.
    pub fn from_legacy_id(id: u8) -> VideoCodec {
        match id {
            2 => VideoCodec::SorensonH263,
            3 => VideoCodec::ScreenVideo,
            4 => VideoCodec::Vp6,
            5 => VideoCodec::Vp6Alpha,
            6 => VideoCodec::ScreenVideo2,
            7 => VideoCodec::Avc,
            8 => VideoCodec::H263,
            9 => VideoCodec::Mpeg4,
            12 => VideoCodec::Hevc,
            other => VideoCodec::UnknownId(other),
        }
    }

    pub fn from_fourcc(code: FourCc) -> VideoCodec {
        match code {
            FourCc::AVC => VideoCodec::Avc,
            FourCc::HEVC => VideoCodec::Hevc,
            FourCc::AV1 => VideoCodec::Av1,
            FourCc::VP8 => VideoCodec::Vp8,
            FourCc::VP9 => VideoCodec::Vp9,
            FourCc::VVC => VideoCodec::Vvc,
            other => VideoCodec::UnknownFourCc(other),
        }
    }

    /// The codec name as ffprobe spells it (`codec_name`), `None` for unknown codecs.
    pub fn ffprobe_name(self) -> Option<&'static str> {
        Some(match self {
            VideoCodec::SorensonH263 => "flv1",
            VideoCodec::ScreenVideo => "flashsv",
            VideoCodec::Vp6 => "vp6f",
            VideoCodec::Vp6Alpha => "vp6a",
            VideoCodec::ScreenVideo2 => "flashsv2",
            VideoCodec::Avc => "h264",
            VideoCodec::H263 => "h263",
            VideoCodec::Mpeg4 => "mpeg4",
            VideoCodec::Hevc => "hevc",
            VideoCodec::Av1 => "av1",
            VideoCodec::Vp8 => "vp8",
            VideoCodec::Vp9 => "vp9",
            VideoCodec::Vvc => "vvc",
            VideoCodec::UnknownId(_) | VideoCodec::UnknownFourCc(_) => return None,
        })
    }

    /// Legacy AVC-style layout: a packet type byte and an SI24 composition time follow the
    /// first byte (FLV 10.1 §E.4.3.1 for AVC; ffmpeg reads MPEG-4 and id-12 HEVC the same way).
    pub(crate) fn legacy_has_packet_type(self) -> bool {
        matches!(self, VideoCodec::Avc | VideoCodec::Hevc | VideoCodec::Mpeg4)
    }
}

/// ffprobe's name, or `unknown (id 13)` / `unknown (FourCC xyz1)`.
impl fmt::Display for VideoCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VideoCodec::UnknownId(id) => write!(f, "unknown (codec id {id})"),
            VideoCodec::UnknownFourCc(code) => write!(f, "unknown (FourCC {code})"),
            known => f.write_str(known.ffprobe_name().unwrap_or("unknown")),
        }
    }
}

/// An audio codec, from a legacy FLV sound format or an Enhanced RTMP FourCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    /// Sound format 0, linear PCM in the platform's byte order (ffmpeg reads it as
    /// little-endian): pcm_s16le, or pcm_u8 for 8-bit samples.
    PcmPlatform,
    /// 1, ADPCM (adpcm_swf).
    Adpcm,
    /// 2, or FourCC `.mp3` (mp3).
    Mp3,
    /// 3, linear PCM little-endian (pcm_s16le / pcm_u8).
    PcmLittleEndian,
    /// 4, Nellymoser 16 kHz mono (nellymoser).
    Nellymoser16kMono,
    /// 5, Nellymoser 8 kHz mono (nellymoser).
    Nellymoser8kMono,
    /// 6, Nellymoser (nellymoser).
    Nellymoser,
    /// 7, G.711 A-law (pcm_alaw).
    G711ALaw,
    /// 8, G.711 mu-law (pcm_mulaw).
    G711MuLaw,
    /// 10, or FourCC `mp4a` (aac).
    Aac,
    /// 11, Speex (speex).
    Speex,
    /// 14, MP3 at 8 kHz (mp3).
    Mp3At8k,
    /// 15, device-specific sound.
    DeviceSpecific,
    /// FourCC `Opus` (opus).
    Opus,
    /// FourCC `fLaC` (flac).
    Flac,
    /// FourCC `ac-3` (ac3).
    Ac3,
    /// FourCC `ec-3` (eac3).
    Eac3,
    /// Reserved legacy formats 12 and 13 (9 is the Enhanced RTMP switch, never a codec).
    UnknownId(u8),
    UnknownFourCc(FourCc),
}

impl AudioCodec {
    /// From the 4-bit legacy sound format (not 9, which announces the ExAudioTagHeader).
    pub fn from_legacy_id(id: u8) -> AudioCodec {
        match id {
            0 => AudioCodec::PcmPlatform,
            1 => AudioCodec::Adpcm,
            2 => AudioCodec::Mp3,
            3 => AudioCodec::PcmLittleEndian,
            4 => AudioCodec::Nellymoser16kMono,
            5 => AudioCodec::Nellymoser8kMono,
            6 => AudioCodec::Nellymoser,
            7 => AudioCodec::G711ALaw,
            8 => AudioCodec::G711MuLaw,
            10 => AudioCodec::Aac,
            11 => AudioCodec::Speex,
            14 => AudioCodec::Mp3At8k,
            15 => AudioCodec::DeviceSpecific,
            other => AudioCodec::UnknownId(other),
        }
    }

    pub fn from_fourcc(code: FourCc) -> AudioCodec {
        match code {
            FourCc::OPUS => AudioCodec::Opus,
            FourCc::AAC => AudioCodec::Aac,
            FourCc::MP3 => AudioCodec::Mp3,
            FourCc::FLAC => AudioCodec::Flac,
            FourCc::AC3 => AudioCodec::Ac3,
            FourCc::EAC3 => AudioCodec::Eac3,
            other => AudioCodec::UnknownFourCc(other),
        }
    }

    /// ffprobe's `codec_name`. PCM is named for 16-bit samples (`pcm_s16le`); see
    /// [`AudioCodec::ffprobe_name_for`] for 8-bit ones.
    pub fn ffprobe_name(self) -> Option<&'static str> {
        self.ffprobe_name_for(16)
    }

    /// ffprobe's `codec_name` given the legacy sample size (8 or 16 bits), which only changes
    /// the name of linear PCM (`pcm_u8` for 8 bits).
    pub fn ffprobe_name_for(self, sample_bits: u8) -> Option<&'static str> {
        Some(match self {
            AudioCodec::PcmPlatform | AudioCodec::PcmLittleEndian if sample_bits == 8 => "pcm_u8",
            AudioCodec::PcmPlatform | AudioCodec::PcmLittleEndian => "pcm_s16le",
            AudioCodec::Adpcm => "adpcm_swf",
            AudioCodec::Mp3 | AudioCodec::Mp3At8k => "mp3",
            AudioCodec::Nellymoser16kMono
            | AudioCodec::Nellymoser8kMono
            | AudioCodec::Nellymoser => "nellymoser",
            AudioCodec::G711ALaw => "pcm_alaw",
            AudioCodec::G711MuLaw => "pcm_mulaw",
            AudioCodec::Aac => "aac",
            AudioCodec::Speex => "speex",
            AudioCodec::Opus => "opus",
            AudioCodec::Flac => "flac",
            AudioCodec::Ac3 => "ac3",
            AudioCodec::Eac3 => "eac3",
            AudioCodec::DeviceSpecific
            | AudioCodec::UnknownId(_)
            | AudioCodec::UnknownFourCc(_) => return None,
        })
    }
}

impl fmt::Display for AudioCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudioCodec::UnknownId(id) => write!(f, "unknown (sound format {id})"),
            AudioCodec::UnknownFourCc(code) => write!(f, "unknown (FourCC {code})"),
            AudioCodec::DeviceSpecific => f.write_str("device-specific (sound format 15)"),
            known => f.write_str(known.ffprobe_name().unwrap_or("unknown")),
        }
    }
}
