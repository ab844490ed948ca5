//! AV1: the AV1CodecConfigurationRecord of an Enhanced RTMP `av01` sequence start (AV1 Codec ISO
//! Media File Format Binding §2.3.3) and the sequence header OBU it usually carries (AV1 §5.5),
//! read up to the maximum frame size.

use super::bits::{Bits, Bytes};
use super::MediaError;

const RECORD: &str = "AV1 configuration record";
const SEQ: &str = "AV1 sequence header";

/// OBU_SEQUENCE_HEADER (AV1 §6.2.2).
const OBU_SEQUENCE_HEADER: u32 = 1;

/// An AV1CodecConfigurationRecord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Av1Config<'a> {
    pub seq_profile: u8,
    pub seq_level_idx_0: u8,
    pub seq_tier_0: bool,
    /// 8, 10 or 12 (high_bitdepth and twelve_bit).
    pub bit_depth: u8,
    pub monochrome: bool,
    pub chroma_subsampling_x: bool,
    pub chroma_subsampling_y: bool,
    /// The configOBUs (normally one sequence header OBU), borrowed.
    pub config_obus: &'a [u8],
}

impl<'a> Av1Config<'a> {
    /// Parses the record. Some E-RTMP muxers send an empty `av01` SequenceStart before the real
    /// one (seen in the Enhanced RTMP lab's sample files): that is [`MediaError::Empty`].
    pub fn parse(data: &'a [u8]) -> Result<Av1Config<'a>, MediaError> {
        if data.is_empty() {
            return Err(MediaError::Empty { what: RECORD });
        }
        let mut r = Bytes::new(data, RECORD);
        let b0 = r.u8("marker/version")?;
        if b0 != 0x81 {
            return Err(MediaError::Unexpected {
                what: RECORD,
                field: "marker and version",
                value: u64::from(b0),
                expected: 0x81,
            });
        }
        let b1 = r.u8("seq_profile/seq_level_idx_0")?;
        let b2 = r.u8("seq_tier_0 .. chroma_sample_position")?;
        r.skip(1, "initial_presentation_delay")?;
        let high_bitdepth = b2 & 0x40 != 0;
        let twelve_bit = b2 & 0x20 != 0;
        Ok(Av1Config {
            seq_profile: b1 >> 5,
            seq_level_idx_0: b1 & 0x1f,
            seq_tier_0: b2 & 0x80 != 0,
            bit_depth: match (high_bitdepth, twelve_bit) {
                (false, _) => 8,
                (true, false) => 10,
                (true, true) => 12,
            },
            monochrome: b2 & 0x10 != 0,
            chroma_subsampling_x: b2 & 0x08 != 0,
            chroma_subsampling_y: b2 & 0x04 != 0,
            config_obus: r.rest(),
        })
    }

    /// The sequence header among the configOBUs, parsed. `None` when there is none.
    pub fn sequence_header(&self) -> Option<Result<Av1SequenceHeader, MediaError>> {
        let mut rest = self.config_obus;
        while !rest.is_empty() {
            let (obu_type, payload, tail) = match split_obu(rest) {
                Ok(parts) => parts,
                Err(e) => return Some(Err(e)),
            };
            if obu_type == OBU_SEQUENCE_HEADER {
                return Some(Av1SequenceHeader::parse(payload));
            }
            rest = tail;
        }
        None
    }

    /// ffmpeg's name of the profile.
    pub fn profile_name(&self) -> Option<&'static str> {
        av1_profile_name(self.seq_profile)
    }

    /// "4:2:0", "4:2:2", "4:4:4" or "4:0:0".
    pub fn chroma_name(&self) -> &'static str {
        match (
            self.monochrome,
            self.chroma_subsampling_x,
            self.chroma_subsampling_y,
        ) {
            (true, _, _) => "4:0:0",
            (false, true, true) => "4:2:0",
            (false, true, false) => "4:2:2",
            (false, false, _) => "4:4:4",
        }
    }
}

/// "Main", "High", "Professional" (seq_profile 0, 1, 2).
pub fn av1_profile_name(seq_profile: u8) -> Option<&'static str> {
    match seq_profile {
        0 => Some("Main"),
        1 => Some("High"),
        2 => Some("Professional"),
        _ => None,
    }
}

/// One OBU off the front of `data`: its type, payload and what follows (AV1 §5.3).
fn split_obu(data: &[u8]) -> Result<(u32, &[u8], &[u8]), MediaError> {
    let mut r = Bytes::new(data, SEQ);
    let header = r.u8("obu_header")?;
    let obu_type = u32::from((header >> 3) & 0x0f);
    if header & 0x04 != 0 {
        r.skip(1, "obu_extension_header")?;
    }
    let size = if header & 0x02 != 0 {
        leb128(&mut r)?
    } else {
        r.remaining() as u64
    };
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let payload = r.take(size, "obu payload")?;
    Ok((obu_type, payload, r.rest()))
}

/// `leb128()` (AV1 §4.10.5): at most 8 bytes, value below 2^32.
fn leb128(r: &mut Bytes<'_>) -> Result<u64, MediaError> {
    let mut value: u64 = 0;
    for i in 0..8 {
        let byte = r.u8("obu_size")?;
        value |= u64::from(byte & 0x7f) << (i * 7);
        if byte & 0x80 == 0 {
            if value > u64::from(u32::MAX) {
                break;
            }
            return Ok(value);
        }
    }
    Err(MediaError::Invalid {
        what: SEQ,
        detail: "obu_size is longer than 8 bytes or above 2^32 - 1",
    })
}

/// What the probe reads from an AV1 sequence header OBU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Av1SequenceHeader {
    pub seq_profile: u8,
    pub still_picture: bool,
    /// `seq_level_idx[0]`.
    pub seq_level_idx: u8,
    /// max_frame_width_minus_1 + 1 and max_frame_height_minus_1 + 1: the largest frame the
    /// stream may have (ffprobe shows each frame's size, normally the same).
    pub max_frame_width: u32,
    pub max_frame_height: u32,
    /// time_scale / num_units_in_display_tick / (num_ticks_per_picture_minus_1 + 1) when the
    /// timing info says pictures are equally spaced.
    pub frame_rate: Option<f64>,
}

impl Av1SequenceHeader {
    /// Parses the payload of a sequence header OBU.
    pub fn parse(payload: &[u8]) -> Result<Av1SequenceHeader, MediaError> {
        let mut b = Bits::new(payload, SEQ);
        let seq_profile = b.bits(3, "seq_profile")? as u8;
        let still_picture = b.flag("still_picture")?;
        let reduced = b.flag("reduced_still_picture_header")?;
        let mut frame_rate = None;
        let seq_level_idx;
        if reduced {
            seq_level_idx = b.bits(5, "seq_level_idx")? as u8;
        } else {
            let mut buffer_delay_bits = 0;
            let mut decoder_model_info = false;
            if b.flag("timing_info_present_flag")? {
                let units = b.bits(32, "num_units_in_display_tick")?;
                let time_scale = b.bits(32, "time_scale")?;
                if b.flag("equal_picture_interval")? {
                    let ticks = u64::from(b.uvlc("num_ticks_per_picture_minus_1")?) + 1;
                    if units > 0 {
                        frame_rate = Some(f64::from(time_scale) / f64::from(units) / ticks as f64);
                    }
                }
                decoder_model_info = b.flag("decoder_model_info_present_flag")?;
                if decoder_model_info {
                    buffer_delay_bits = b.bits(5, "buffer_delay_length_minus_1")? + 1;
                    b.skip(32 + 5 + 5, "decoder_model_info")?;
                }
            }
            let initial_display_delay = b.flag("initial_display_delay_present_flag")?;
            let points = b.bits(5, "operating_points_cnt_minus_1")? + 1;
            let mut first_level = None;
            for _ in 0..points {
                b.skip(12, "operating_point_idc")?;
                let level = b.bits(5, "seq_level_idx")? as u8;
                first_level.get_or_insert(level);
                if level > 7 {
                    b.flag("seq_tier")?;
                }
                if decoder_model_info && b.flag("decoder_model_present_for_this_op")? {
                    b.skip(2 * buffer_delay_bits + 1, "operating_parameters_info")?;
                }
                if initial_display_delay && b.flag("initial_display_delay_present_for_this_op")? {
                    b.skip(4, "initial_display_delay_minus_1")?;
                }
            }
            seq_level_idx = first_level.unwrap_or_default();
        }
        let width_bits = b.bits(4, "frame_width_bits_minus_1")? + 1;
        let height_bits = b.bits(4, "frame_height_bits_minus_1")? + 1;
        let max_frame_width = b.bits(width_bits, "max_frame_width_minus_1")? + 1;
        let max_frame_height = b.bits(height_bits, "max_frame_height_minus_1")? + 1;
        Ok(Av1SequenceHeader {
            seq_profile,
            still_picture,
            seq_level_idx,
            max_frame_width,
            max_frame_height,
            frame_rate,
        })
    }
}

/// A VPCodecConfigurationRecord (VP Codec ISO Media File Format Binding §2.2), the body of a
/// `vp09` or `vp08` sequence start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VpConfig {
    pub profile: u8,
    pub level: u8,
    pub bit_depth: u8,
    /// 0 and 1: 4:2:0 (vertical / colocated), 2: 4:2:2, 3: 4:4:4.
    pub chroma_subsampling: u8,
    pub full_range: bool,
}

impl VpConfig {
    /// Parses the record. ffmpeg writes it as the `vpcC` box content, with the box's version (1)
    /// and flags (0) in front; a record that starts with `01 00 00 00` is read that way (a bare
    /// record cannot start so: level 0 is no VP9 level).
    pub fn parse(data: &[u8]) -> Result<VpConfig, MediaError> {
        const WHAT: &str = "VP configuration record";
        if data.is_empty() {
            return Err(MediaError::Empty { what: WHAT });
        }
        let mut r = Bytes::new(data, WHAT);
        if data.starts_with(&[1, 0, 0, 0]) {
            r.skip(4, "version and flags")?;
        }
        let profile = r.u8("profile")?;
        let level = r.u8("level")?;
        let b = r.u8("bitDepth/chromaSubsampling/videoFullRangeFlag")?;
        Ok(VpConfig {
            profile,
            level,
            bit_depth: b >> 4,
            chroma_subsampling: (b >> 1) & 0x07,
            full_range: b & 0x01 != 0,
        })
    }

    /// ffmpeg's VP9 profile names, "Profile 0" .. "Profile 3".
    pub fn vp9_profile_name(&self) -> Option<&'static str> {
        match self.profile {
            0 => Some("Profile 0"),
            1 => Some("Profile 1"),
            2 => Some("Profile 2"),
            3 => Some("Profile 3"),
            _ => None,
        }
    }
}
