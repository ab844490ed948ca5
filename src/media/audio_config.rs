//! Audio decoder configurations: the AAC AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1), the Opus
//! ID header (RFC 7845 §5.1), FLAC's STREAMINFO (the FLAC format, "METADATA_BLOCK_STREAMINFO"),
//! and the MP3 frame header (ISO/IEC 11172-3 §2.4.1.3), which MP3 streams carry instead of a
//! configuration.

use super::bits::{Bits, Bytes};
use super::MediaError;

const ASC: &str = "AAC AudioSpecificConfig";

/// `samplingFrequencyIndex` 0..=12 (ISO/IEC 14496-3 Table 1.18); 13 and 14 are reserved, 15 is
/// the escape to an explicit 24-bit frequency.
const AAC_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// Channels of `channelConfiguration` 0..=14 (ffmpeg's table; 0 means "in the program config
/// element", 8..=10 are reserved).
const AAC_CHANNELS: [u8; 15] = [0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8];

/// An AudioSpecificConfig.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AacConfig {
    /// The first audioObjectType (5 or 29 for explicitly signalled HE-AAC / HE-AACv2).
    pub object_type: u8,
    /// The object type of the core coder (2 for HE-AAC over LC).
    pub core_object_type: u8,
    /// The core's sampling frequency.
    pub sampling_frequency: u32,
    pub channel_configuration: u8,
    /// Spectral band replication signalled (explicitly, or by the backward-compatible sync
    /// extension 0x2b7).
    pub sbr: bool,
    /// Parametric stereo signalled (object type 29, or sync extension 0x548).
    pub ps: bool,
    /// The SBR output frequency, when SBR is signalled.
    pub extension_sampling_frequency: Option<u32>,
}

impl AacConfig {
    /// Parses an AudioSpecificConfig. The object type, frequency and channels must be there;
    /// what follows (GASpecificConfig, sync extensions) is read when it can be and otherwise left
    /// alone.
    pub fn parse(data: &[u8]) -> Result<AacConfig, MediaError> {
        if data.is_empty() {
            return Err(MediaError::Empty { what: ASC });
        }
        let mut b = Bits::new(data, ASC);
        let object_type = aac_object_type(&mut b)?;
        let sampling_frequency = aac_frequency(&mut b)?;
        let channel_configuration = b.bits(4, "channelConfiguration")? as u8;
        let mut config = AacConfig {
            object_type,
            core_object_type: object_type,
            sampling_frequency,
            channel_configuration,
            sbr: false,
            ps: false,
            extension_sampling_frequency: None,
        };
        if object_type == 5 || object_type == 29 {
            config.sbr = true;
            config.ps = object_type == 29;
            config.extension_sampling_frequency = Some(aac_frequency(&mut b)?);
            config.core_object_type = aac_object_type(&mut b)?;
        }
        // The backward-compatible signalling after GASpecificConfig; best effort.
        let _ = read_sync_extensions(&mut b, &mut config);
        Ok(config)
    }

    /// The output sampling rate: the SBR rate when SBR is signalled (what ffprobe shows for
    /// HE-AAC), else the core rate. Implicit SBR (signalled only in the bitstream) cannot be seen
    /// here: such a stream shows its core rate.
    pub fn sample_rate(&self) -> u32 {
        self.extension_sampling_frequency
            .filter(|_| self.sbr)
            .unwrap_or(self.sampling_frequency)
    }

    /// Output channels; parametric stereo makes a mono core stereo. `None` for configuration 0
    /// (a program config element, not read) and the reserved ones.
    pub fn channels(&self) -> Option<u8> {
        let n = *AAC_CHANNELS.get(usize::from(self.channel_configuration))?;
        match n {
            0 => None,
            1 if self.ps => Some(2),
            n => Some(n),
        }
    }

    /// The profile as ffprobe names it: "LC", "HE-AAC", "HE-AACv2", "Main", "SSR", "LTP", "LD",
    /// "ELD".
    pub fn profile_name(&self) -> Option<&'static str> {
        if self.ps {
            return Some("HE-AACv2");
        }
        if self.sbr {
            return Some("HE-AAC");
        }
        Some(match self.object_type {
            1 => "Main",
            2 => "LC",
            3 => "SSR",
            4 => "LTP",
            23 => "LD",
            39 => "ELD",
            _ => return None,
        })
    }
}

/// `GetAudioObjectType()`: 5 bits, 31 escapes to 32 + 6 bits.
fn aac_object_type(b: &mut Bits<'_>) -> Result<u8, MediaError> {
    let t = b.bits(5, "audioObjectType")? as u8;
    if t == 31 {
        Ok(32 + b.bits(6, "audioObjectTypeExt")? as u8)
    } else {
        Ok(t)
    }
}

/// samplingFrequencyIndex, or the explicit 24-bit samplingFrequency after index 15.
fn aac_frequency(b: &mut Bits<'_>) -> Result<u32, MediaError> {
    let index = b.bits(4, "samplingFrequencyIndex")?;
    if index == 15 {
        let f = b.bits(24, "samplingFrequency")?;
        if f == 0 {
            return Err(MediaError::Invalid {
                what: ASC,
                detail: "the explicit samplingFrequency is 0",
            });
        }
        return Ok(f);
    }
    AAC_RATES
        .get(index as usize)
        .copied()
        .ok_or(MediaError::Reserved {
            what: ASC,
            field: "samplingFrequencyIndex",
            value: u64::from(index),
        })
}

/// GASpecificConfig (§4.4.1) for the object types that have one, then the sync extensions that
/// signal SBR and PS to decoders that look for them (§1.6.5.2).
fn read_sync_extensions(b: &mut Bits<'_>, c: &mut AacConfig) -> Result<(), MediaError> {
    let core = c.core_object_type;
    if !matches!(core, 1..=4 | 6 | 7 | 17 | 19..=23) {
        return Ok(());
    }
    b.flag("frameLengthFlag")?;
    if b.flag("dependsOnCoreCoder")? {
        b.skip(14, "coreCoderDelay")?;
    }
    let extension = b.flag("extensionFlag")?;
    if c.channel_configuration == 0 {
        // A program_config_element follows; not read.
        return Ok(());
    }
    if core == 6 || core == 20 {
        b.skip(3, "layerNr")?;
    }
    if extension {
        if core == 22 {
            b.skip(16, "numOfSubFrame/layer_length")?;
        }
        if matches!(core, 17 | 19 | 20 | 23) {
            b.skip(3, "aacSection/Scalefactor/SpectralDataResilienceFlag")?;
        }
        b.flag("extensionFlag3")?;
    }
    if matches!(core, 17 | 19..=27) {
        b.skip(2, "epConfig")?;
    }
    if !c.sbr
        && b.remaining_bits() >= 16
        && b.bits(11, "syncExtensionType")? == 0x2b7
        && aac_object_type(b)? == 5
    {
        c.sbr = b.flag("sbrPresentFlag")?;
        if c.sbr {
            c.extension_sampling_frequency = Some(aac_frequency(b)?);
            if b.remaining_bits() >= 12 && b.bits(11, "syncExtensionType")? == 0x548 {
                c.ps = b.flag("psPresentFlag")?;
            }
        }
    }
    Ok(())
}

/// The Opus ID header (`OpusHead`), the body of an `Opus` sequence start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusHead {
    pub version: u8,
    pub channels: u8,
    pub pre_skip: u16,
    /// The rate of the encoder's input (informational: Opus always decodes at 48 kHz, which is
    /// what ffprobe reports).
    pub input_sample_rate: u32,
    pub mapping_family: u8,
}

impl OpusHead {
    pub const SAMPLE_RATE: u32 = 48000;

    pub fn parse(data: &[u8]) -> Result<OpusHead, MediaError> {
        const WHAT: &str = "Opus ID header";
        if data.is_empty() {
            return Err(MediaError::Empty { what: WHAT });
        }
        let mut r = Bytes::new(data, WHAT);
        if r.take(8, "magic")? != b"OpusHead" {
            return Err(MediaError::Invalid {
                what: WHAT,
                detail: "does not start with \"OpusHead\"",
            });
        }
        let version = r.u8("version")?;
        let channels = r.u8("channel count")?;
        let pre_skip = r.u16("pre-skip")?.swap_bytes();
        let input_sample_rate = r.u32("input sample rate")?.swap_bytes();
        r.skip(2, "output gain")?;
        let mapping_family = r.u8("channel mapping family")?;
        Ok(OpusHead {
            version,
            channels,
            pre_skip,
            input_sample_rate,
            mapping_family,
        })
    }
}

/// FLAC's STREAMINFO, the body of a `fLaC` sequence start (`fLaC` + the metadata block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlacStreamInfo {
    pub sample_rate: u32,
    pub channels: u8,
    pub bits_per_sample: u8,
}

impl FlacStreamInfo {
    pub fn parse(data: &[u8]) -> Result<FlacStreamInfo, MediaError> {
        const WHAT: &str = "FLAC STREAMINFO";
        if data.is_empty() {
            return Err(MediaError::Empty { what: WHAT });
        }
        let mut r = Bytes::new(data, WHAT);
        if r.take(4, "signature")? != b"fLaC" {
            return Err(MediaError::Invalid {
                what: WHAT,
                detail: "does not start with \"fLaC\"",
            });
        }
        let block_type = r.u8("METADATA_BLOCK_HEADER")? & 0x7f;
        if block_type != 0 {
            return Err(MediaError::Unexpected {
                what: WHAT,
                field: "BLOCK_TYPE",
                value: u64::from(block_type),
                expected: 0,
            });
        }
        r.skip(3, "block length")?;
        r.skip(10, "block and frame sizes")?;
        let mut b = Bits::new(r.take(8, "sample rate/channels/bits")?, WHAT);
        let sample_rate = b.bits(20, "sample rate")?;
        let channels = b.bits(3, "channels")? as u8 + 1;
        let bits_per_sample = b.bits(5, "bits per sample")? as u8 + 1;
        Ok(FlacStreamInfo {
            sample_rate,
            channels,
            bits_per_sample,
        })
    }
}

/// The header of an MPEG audio frame (the start of an MP3 message body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mp3FrameHeader {
    /// 1 (MPEG-1), 2 (MPEG-2) or 25 (MPEG-2.5).
    pub version: u8,
    /// 1, 2 or 3.
    pub layer: u8,
    pub sample_rate: u32,
    pub channels: u8,
}

impl Mp3FrameHeader {
    pub fn parse(data: &[u8]) -> Result<Mp3FrameHeader, MediaError> {
        const WHAT: &str = "MPEG audio frame header";
        if data.is_empty() {
            return Err(MediaError::Empty { what: WHAT });
        }
        let h = Bytes::new(data, WHAT).u32("frame header")?;
        if h >> 21 != 0x7ff {
            return Err(MediaError::Invalid {
                what: WHAT,
                detail: "no frame sync (11 one bits)",
            });
        }
        let version = match (h >> 19) & 0x03 {
            0 => 25,
            2 => 2,
            3 => 1,
            _ => {
                return Err(MediaError::Reserved {
                    what: WHAT,
                    field: "version",
                    value: 1,
                })
            }
        };
        let layer = match (h >> 17) & 0x03 {
            1 => 3,
            2 => 2,
            3 => 1,
            _ => {
                return Err(MediaError::Reserved {
                    what: WHAT,
                    field: "layer",
                    value: 0,
                })
            }
        };
        let base = match (h >> 10) & 0x03 {
            0 => 44100,
            1 => 48000,
            2 => 32000,
            _ => {
                return Err(MediaError::Reserved {
                    what: WHAT,
                    field: "sampling_frequency",
                    value: 3,
                })
            }
        };
        let sample_rate = match version {
            1 => base,
            2 => base / 2,
            _ => base / 4,
        };
        let channels = if (h >> 6) & 0x03 == 3 { 1 } else { 2 };
        Ok(Mp3FrameHeader {
            version,
            layer,
            sample_rate,
            channels,
        })
    }
}
