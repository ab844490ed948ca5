//! H.264: the AVCDecoderConfigurationRecord of an AVC sequence header (ISO/IEC 14496-15 §5.3.3.1)
//! and the sequence parameter set inside it (ITU-T H.264 §7.3.2.1.1, VUI in §E.1.1).
//!
//! The record's parameter-set lists are returned as borrowed slices ([`NalUnits`]), checked once
//! when the record is parsed. The SPS is read straight from the NAL unit with
//! emulation-prevention bytes skipped on the fly (see `bits.rs`): nothing is copied. Every
//! `ue(v)` is bounded (32 leading zero bits is an error) and range-checked where the standard gives
//! a range, and the only loops (scaling lists, `offset_for_ref_frame`) run at most 12 x 64 and 255
//! times, so a hostile SPS costs microseconds whatever its length.
//!
//! The VUI is read up to the timing information. Errors inside the VUI do not fail the SPS (ffmpeg
//! also goes on with a truncated VUI): `vui` is then `None`.

use super::bits::{Bits, Bytes};
use super::MediaError;

const RECORD: &str = "AVC configuration record";
const SPS: &str = "H.264 SPS";

/// The largest picture dimension accepted, in macroblocks (4096 x 16 = 65536 pixels). H.264
/// levels stop near 8K (level 6.2: 139264 macroblocks a frame); the bound only keeps the
/// arithmetic small and absurd values out of reports.
const MAX_MBS: u32 = 4096;

/// A list of NAL units from a configuration record: `u16` length, then the unit, repeated. The
/// lengths were checked when the record was parsed, so iterating cannot fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NalUnits<'a> {
    bytes: &'a [u8],
    count: u16,
}

impl<'a> NalUnits<'a> {
    /// Reads `count` length-prefixed units from `r` and borrows their bytes.
    pub(crate) fn read(
        r: &mut Bytes<'a>,
        count: u16,
        field: &'static str,
    ) -> Result<NalUnits<'a>, MediaError> {
        let start = r.rest();
        let before = r.offset();
        for _ in 0..count {
            let len = r.u16(field)?;
            r.skip(usize::from(len), field)?;
        }
        let used = r.offset() - before;
        Ok(NalUnits {
            bytes: start.get(..used).unwrap_or_default(),
            count,
        })
    }

    pub fn len(&self) -> usize {
        usize::from(self.count)
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn first(&self) -> Option<&'a [u8]> {
        self.iter().next()
    }

    pub fn iter(&self) -> NalIter<'a> {
        NalIter { rest: self.bytes }
    }
}

impl<'a> IntoIterator for NalUnits<'a> {
    type Item = &'a [u8];
    type IntoIter = NalIter<'a>;
    fn into_iter(self) -> NalIter<'a> {
        self.iter()
    }
}

/// The units of a [`NalUnits`] list, borrowed.
#[derive(Debug, Clone)]
pub struct NalIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for NalIter<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let (len, tail) = self.rest.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        let unit = tail.get(..len)?;
        self.rest = tail.get(len..).unwrap_or_default();
        Some(unit)
    }
}

/// An AVCDecoderConfigurationRecord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvcConfig<'a> {
    /// `configurationVersion` (always 1; anything else is an error).
    pub version: u8,
    /// `AVCProfileIndication` (the SPS's profile_idc).
    pub profile_indication: u8,
    /// `profile_compatibility` (the SPS's constraint flags byte).
    pub profile_compatibility: u8,
    /// `AVCLevelIndication` (the SPS's level_idc).
    pub level_indication: u8,
    /// `lengthSizeMinusOne + 1`: the size of the NAL unit length fields in coded frames (1, 2 or
    /// 4; 3 is accepted as ffmpeg does).
    pub nal_length_size: u8,
    pub sps: NalUnits<'a>,
    pub pps: NalUnits<'a>,
    /// The extension of the high profiles (100, 110, 122, 144), when the record carries it (many
    /// encoders leave it out; that is no error).
    pub high_profile: Option<AvcHighProfileExt<'a>>,
}

/// The part of the record that the high profiles add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvcHighProfileExt<'a> {
    pub chroma_format: u8,
    pub bit_depth_luma: u8,
    pub bit_depth_chroma: u8,
    pub sps_ext: NalUnits<'a>,
}

impl<'a> AvcConfig<'a> {
    /// Parses the record (the body of an AVC sequence header).
    pub fn parse(data: &'a [u8]) -> Result<AvcConfig<'a>, MediaError> {
        if data.is_empty() {
            return Err(MediaError::Empty { what: RECORD });
        }
        let mut r = Bytes::new(data, RECORD);
        let version = r.u8("configurationVersion")?;
        if version != 1 {
            return Err(MediaError::Unexpected {
                what: RECORD,
                field: "configurationVersion",
                value: u64::from(version),
                expected: 1,
            });
        }
        let profile_indication = r.u8("AVCProfileIndication")?;
        let profile_compatibility = r.u8("profile_compatibility")?;
        let level_indication = r.u8("AVCLevelIndication")?;
        let nal_length_size = (r.u8("lengthSizeMinusOne")? & 0x03) + 1;
        let sps_count = u16::from(r.u8("numOfSequenceParameterSets")? & 0x1f);
        let sps = NalUnits::read(&mut r, sps_count, "sequenceParameterSetNALUnit")?;
        let pps_count = u16::from(r.u8("numOfPictureParameterSets")?);
        let pps = NalUnits::read(&mut r, pps_count, "pictureParameterSetNALUnit")?;
        let high_profile = if matches!(profile_indication, 100 | 110 | 122 | 144) {
            read_high_profile_ext(&mut r)
        } else {
            None
        };
        Ok(AvcConfig {
            version,
            profile_indication,
            profile_compatibility,
            level_indication,
            nal_length_size,
            sps,
            pps,
            high_profile,
        })
    }

    /// The first SPS of the record, parsed. `None` when the record lists none.
    pub fn first_sps(&self) -> Option<Result<Sps, MediaError>> {
        self.sps.first().map(Sps::parse)
    }
}

/// The optional high-profile tail; a missing or cut tail is `None` (encoders differ).
fn read_high_profile_ext<'a>(r: &mut Bytes<'a>) -> Option<AvcHighProfileExt<'a>> {
    let mut r = r.clone();
    let chroma_format = r.u8("chroma_format").ok()? & 0x03;
    let bit_depth_luma = (r.u8("bit_depth_luma_minus8").ok()? & 0x07) + 8;
    let bit_depth_chroma = (r.u8("bit_depth_chroma_minus8").ok()? & 0x07) + 8;
    let count = u16::from(r.u8("numOfSequenceParameterSetExt").ok()?);
    let sps_ext = NalUnits::read(&mut r, count, "sequenceParameterSetExtNALUnit").ok()?;
    Some(AvcHighProfileExt {
        chroma_format,
        bit_depth_luma,
        bit_depth_chroma,
        sps_ext,
    })
}

/// What the probe reads from an H.264 sequence parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sps {
    pub profile_idc: u8,
    /// constraint_set0_flag .. constraint_set5_flag in bits 7..2, as in the byte that carries them.
    pub constraint_flags: u8,
    pub level_idc: u8,
    pub seq_parameter_set_id: u32,
    /// 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4 (1 when the profile has no chroma_format_idc).
    pub chroma_format_idc: u32,
    pub separate_colour_plane: bool,
    pub bit_depth_luma: u8,
    pub bit_depth_chroma: u8,
    pub frame_mbs_only: bool,
    /// The decoded picture before cropping, in luma samples.
    pub coded_width: u32,
    pub coded_height: u32,
    /// After frame cropping: what ffprobe calls width and height.
    pub width: u32,
    pub height: u32,
    pub vui: Option<Vui>,
}

/// The VUI fields the probe reads (H.264 §E.1.1), up to the timing information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vui {
    /// Sample aspect ratio (from `aspect_ratio_idc`, or the explicit pair for 255).
    pub sample_aspect_ratio: Option<(u16, u16)>,
    pub full_range: Option<bool>,
    pub timing: Option<Timing>,
}

/// VUI timing information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub num_units_in_tick: u32,
    pub time_scale: u32,
    pub fixed_frame_rate: bool,
}

impl Timing {
    /// `time_scale / (2 * num_units_in_tick)`: H.264 ticks count fields, two to a frame
    /// (x264 writes 1/50 for 25 fps). `None` when either is 0.
    pub fn frame_rate(&self) -> Option<f64> {
        if self.num_units_in_tick == 0 || self.time_scale == 0 {
            return None;
        }
        Some(f64::from(self.time_scale) / (2.0 * f64::from(self.num_units_in_tick)))
    }
}

impl Sps {
    /// Parses an SPS NAL unit (starting with its one-byte NAL header, type 7).
    pub fn parse(nal: &[u8]) -> Result<Sps, MediaError> {
        let (&header, payload) = nal.split_first().ok_or(MediaError::Empty { what: SPS })?;
        let nal_type = header & 0x1f;
        if nal_type != 7 {
            return Err(MediaError::Unexpected {
                what: SPS,
                field: "nal_unit_type",
                value: u64::from(nal_type),
                expected: 7,
            });
        }
        let mut b = Bits::rbsp(payload, SPS);
        let profile_idc = b.bits(8, "profile_idc")? as u8;
        let constraint_flags = b.bits(8, "constraint_set_flags")? as u8;
        let level_idc = b.bits(8, "level_idc")? as u8;
        let seq_parameter_set_id = b.ue_max("seq_parameter_set_id", 31)?;

        let mut chroma_format_idc = 1;
        let mut separate_colour_plane = false;
        let mut bit_depth_luma = 8;
        let mut bit_depth_chroma = 8;
        if matches!(
            profile_idc,
            100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
        ) {
            chroma_format_idc = b.ue_max("chroma_format_idc", 3)?;
            if chroma_format_idc == 3 {
                separate_colour_plane = b.flag("separate_colour_plane_flag")?;
            }
            bit_depth_luma = b.ue_max("bit_depth_luma_minus8", 6)? as u8 + 8;
            bit_depth_chroma = b.ue_max("bit_depth_chroma_minus8", 6)? as u8 + 8;
            b.flag("qpprime_y_zero_transform_bypass_flag")?;
            if b.flag("seq_scaling_matrix_present_flag")? {
                let lists = if chroma_format_idc == 3 { 12 } else { 8 };
                for i in 0..lists {
                    if b.flag("seq_scaling_list_present_flag")? {
                        skip_scaling_list(&mut b, if i < 6 { 16 } else { 64 })?;
                    }
                }
            }
        }
        b.ue_max("log2_max_frame_num_minus4", 12)?;
        match b.ue_max("pic_order_cnt_type", 2)? {
            0 => {
                b.ue_max("log2_max_pic_order_cnt_lsb_minus4", 12)?;
            }
            1 => {
                b.flag("delta_pic_order_always_zero_flag")?;
                b.se("offset_for_non_ref_pic")?;
                b.se("offset_for_top_to_bottom_field")?;
                let cycle = b.ue_max("num_ref_frames_in_pic_order_cnt_cycle", 255)?;
                for _ in 0..cycle {
                    b.se("offset_for_ref_frame")?;
                }
            }
            _ => {}
        }
        b.ue_max("max_num_ref_frames", 16)?;
        b.flag("gaps_in_frame_num_value_allowed_flag")?;
        let width_mbs = b.ue_max("pic_width_in_mbs_minus1", MAX_MBS - 1)? + 1;
        let height_map_units = b.ue_max("pic_height_in_map_units_minus1", MAX_MBS - 1)? + 1;
        let frame_mbs_only = b.flag("frame_mbs_only_flag")?;
        if !frame_mbs_only {
            b.flag("mb_adaptive_frame_field_flag")?;
        }
        b.flag("direct_8x8_inference_flag")?;
        let crop = if b.flag("frame_cropping_flag")? {
            [
                b.ue("frame_crop_left_offset")?,
                b.ue("frame_crop_right_offset")?,
                b.ue("frame_crop_top_offset")?,
                b.ue("frame_crop_bottom_offset")?,
            ]
        } else {
            [0; 4]
        };
        // VUI problems leave the SPS usable (see the module documentation).
        let vui = match b.flag("vui_parameters_present_flag") {
            Ok(true) => read_vui(&mut b).ok(),
            _ => None,
        };

        // §7.4.2.1.1: frame height in macroblocks, and the crop units of Table 6-1.
        let field_factor = if frame_mbs_only { 1 } else { 2 };
        let coded_width = width_mbs * 16;
        let coded_height = height_map_units * 16 * field_factor;
        let chroma_array_type = if separate_colour_plane {
            0
        } else {
            chroma_format_idc
        };
        let (crop_unit_x, sub_height) = chroma_subsampling(chroma_array_type);
        let crop_unit_y = sub_height * u64::from(field_factor);
        let [left, right, top, bottom] = crop.map(u64::from);
        let width = cropped(
            SPS,
            coded_width,
            crop_unit_x * (left + right),
            "frame_crop_left/right_offset",
        )?;
        let height = cropped(
            SPS,
            coded_height,
            crop_unit_y * (top + bottom),
            "frame_crop_top/bottom_offset",
        )?;

        Ok(Sps {
            profile_idc,
            constraint_flags,
            level_idc,
            seq_parameter_set_id,
            chroma_format_idc,
            separate_colour_plane,
            bit_depth_luma,
            bit_depth_chroma,
            frame_mbs_only,
            coded_width,
            coded_height,
            width,
            height,
            vui,
        })
    }

    /// The profile as ffprobe names it: "Constrained Baseline" (66 with constraint_set1),
    /// "Main", "High", "High 10 Intra" (110 with constraint_set3)... `None` for profiles ffmpeg
    /// has no name for.
    pub fn profile_name(&self) -> Option<&'static str> {
        h264_profile_name(self.profile_idc, self.constraint_flags)
    }

    /// The frame rate the VUI timing gives, when it says the rate is fixed.
    pub fn frame_rate(&self) -> Option<f64> {
        let timing = self.vui?.timing?;
        if !timing.fixed_frame_rate {
            return None;
        }
        timing.frame_rate()
    }

    /// "3.0", "3.1", "1b"... (level_idc 11 with constraint_set3 in the Baseline, Main and
    /// Extended profiles, and level_idc 9, are level 1b).
    pub fn level_name(&self) -> String {
        h264_level_name(self.profile_idc, self.constraint_flags, self.level_idc)
    }
}

/// ffmpeg's name of an H.264 profile (libavcodec's profile table).
pub fn h264_profile_name(profile_idc: u8, constraint_flags: u8) -> Option<&'static str> {
    let set1 = constraint_flags & 0x40 != 0;
    let set3 = constraint_flags & 0x10 != 0;
    Some(match profile_idc {
        66 if set1 => "Constrained Baseline",
        66 => "Baseline",
        77 => "Main",
        88 => "Extended",
        100 => "High",
        110 if set3 => "High 10 Intra",
        110 => "High 10",
        122 if set3 => "High 4:2:2 Intra",
        122 => "High 4:2:2",
        144 => "High 4:4:4",
        244 if set3 => "High 4:4:4 Intra",
        244 => "High 4:4:4 Predictive",
        44 => "CAVLC 4:4:4",
        118 => "Multiview High",
        128 => "Stereo High",
        _ => return None,
    })
}

/// The level as people write it ("3.0", "1b").
pub fn h264_level_name(profile_idc: u8, constraint_flags: u8, level_idc: u8) -> String {
    let set3 = constraint_flags & 0x10 != 0;
    if level_idc == 9 || (level_idc == 11 && set3 && matches!(profile_idc, 66 | 77 | 88)) {
        return "1b".to_owned();
    }
    format!("{}.{}", level_idc / 10, level_idc % 10)
}

/// `SubWidthC` and `SubHeightC` of a ChromaArrayType (H.264 and H.265 Table 6-1): the crop and
/// conformance window units. 0 (monochrome, or separate colour planes) and 3 count in luma samples.
pub(crate) fn chroma_subsampling(chroma_array_type: u32) -> (u64, u64) {
    match chroma_array_type {
        1 => (2, 2),
        2 => (2, 1),
        _ => (1, 1),
    }
}

/// A width or height after cropping `cut` samples; cropping the whole picture away is an error.
pub(crate) fn cropped(
    what: &'static str,
    coded: u32,
    cut: u64,
    field: &'static str,
) -> Result<u32, MediaError> {
    let coded64 = u64::from(coded);
    if cut >= coded64 {
        return Err(MediaError::OutOfRange {
            what,
            field,
            value: cut,
            max: coded64.saturating_sub(1),
        });
    }
    // cut < coded, so the difference fits in a u32.
    Ok((coded64 - cut) as u32)
}

/// Skips a `scaling_list()` (H.264 §7.3.2.1.1.1): delta_scale codes until the list ends or a
/// delta makes the next scale 0.
fn skip_scaling_list(b: &mut Bits<'_>, size: u32) -> Result<(), MediaError> {
    let mut last: i64 = 8;
    let mut next: i64 = 8;
    for _ in 0..size {
        if next != 0 {
            let delta = i64::from(b.se("delta_scale")?);
            if !(-128..=127).contains(&delta) {
                return Err(MediaError::OutOfRange {
                    what: SPS,
                    field: "delta_scale",
                    value: delta.unsigned_abs(),
                    max: 128,
                });
            }
            next = (last + delta + 256) % 256;
        }
        if next != 0 {
            last = next;
        }
    }
    Ok(())
}

/// The sample aspect ratios of `aspect_ratio_idc` 1..=16 (H.264 Table E-1).
const SAR: [(u16, u16); 16] = [
    (1, 1),
    (12, 11),
    (10, 11),
    (16, 11),
    (40, 33),
    (24, 11),
    (20, 11),
    (32, 11),
    (80, 33),
    (18, 11),
    (15, 11),
    (64, 33),
    (160, 99),
    (4, 3),
    (3, 2),
    (2, 1),
];

fn read_vui(b: &mut Bits<'_>) -> Result<Vui, MediaError> {
    let mut vui = Vui::default();
    if b.flag("aspect_ratio_info_present_flag")? {
        let idc = b.bits(8, "aspect_ratio_idc")?;
        vui.sample_aspect_ratio = if idc == 255 {
            let w = b.bits(16, "sar_width")? as u16;
            let h = b.bits(16, "sar_height")? as u16;
            Some((w, h))
        } else {
            (idc as usize)
                .checked_sub(1)
                .and_then(|i| SAR.get(i))
                .copied()
        };
    }
    if b.flag("overscan_info_present_flag")? {
        b.flag("overscan_appropriate_flag")?;
    }
    if b.flag("video_signal_type_present_flag")? {
        b.bits(3, "video_format")?;
        vui.full_range = Some(b.flag("video_full_range_flag")?);
        if b.flag("colour_description_present_flag")? {
            b.bits(24, "colour_primaries/transfer/matrix")?;
        }
    }
    if b.flag("chroma_loc_info_present_flag")? {
        b.ue_max("chroma_sample_loc_type_top_field", 5)?;
        b.ue_max("chroma_sample_loc_type_bottom_field", 5)?;
    }
    if b.flag("timing_info_present_flag")? {
        vui.timing = Some(Timing {
            num_units_in_tick: b.bits(32, "num_units_in_tick")?,
            time_scale: b.bits(32, "time_scale")?,
            fixed_frame_rate: b.flag("fixed_frame_rate_flag")?,
        });
    }
    Ok(vui)
}
