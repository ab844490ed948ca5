//! H.265: the HEVCDecoderConfigurationRecord of an HEVC sequence header (ISO/IEC 14496-15
//! §8.3.3.1) and the start of the SPS in it (ITU-T H.265 §7.3.2.2.1) up to the conformance window
//! and bit depths, with `profile_tier_level()` (§7.3.3) skipped for every sub-layer.
//!
//! The SPS's VUI (and so its timing) comes after the short-term reference picture sets, whose
//! syntax depends on earlier sets; the probe does not read that far: HEVC frame rates come from
//! the timestamps.

use super::avc::{chroma_subsampling, cropped, NalUnits};
use super::bits::{Bits, Bytes};
use super::MediaError;

const RECORD: &str = "HEVC configuration record";
const SPS: &str = "H.265 SPS";

/// NAL unit types of the parameter sets (H.265 Table 7-1).
pub const NAL_VPS: u8 = 32;
pub const NAL_SPS: u8 = 33;
pub const NAL_PPS: u8 = 34;

/// The largest picture dimension accepted (65536 luma samples), for the same reason as in
/// `avc.rs`: arithmetic and reports stay sane. H.265 level 6.2 tops out at 8192x4320.
const MAX_DIMENSION: u32 = 65536;

/// An HEVCDecoderConfigurationRecord (the general_* fields repeat the SPS's
/// profile_tier_level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HevcConfig<'a> {
    pub version: u8,
    pub general_profile_space: u8,
    pub general_tier_flag: bool,
    pub general_profile_idc: u8,
    pub general_profile_compatibility_flags: u32,
    pub general_level_idc: u8,
    /// `chromaFormat` (0..=3).
    pub chroma_format_idc: u8,
    pub bit_depth_luma: u8,
    pub bit_depth_chroma: u8,
    /// `avgFrameRate` in frames per 256 seconds (0: not given).
    pub avg_frame_rate: u16,
    /// `lengthSizeMinusOne + 1`.
    pub nal_length_size: u8,
    /// The arrays, in record order, not yet split by type (see [`HevcConfig::arrays`]).
    arrays: &'a [u8],
    num_arrays: u8,
}

/// One NAL unit array of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NalArray<'a> {
    pub completeness: bool,
    pub nal_unit_type: u8,
    pub units: NalUnits<'a>,
}

impl<'a> HevcConfig<'a> {
    /// Parses the record (the body of an HEVC sequence header).
    pub fn parse(data: &'a [u8]) -> Result<HevcConfig<'a>, MediaError> {
        if data.is_empty() {
            return Err(MediaError::Empty { what: RECORD });
        }
        let mut r = Bytes::new(data, RECORD);
        let version = r.u8("configurationVersion")?;
        // ISO/IEC 14496-15 says 1; some early muxers wrote 0 (ffmpeg accepts both, and rejects
        // bigger values as Annex B data).
        if version > 1 {
            return Err(MediaError::Unexpected {
                what: RECORD,
                field: "configurationVersion",
                value: u64::from(version),
                expected: 1,
            });
        }
        let b = r.u8("general_profile_space/tier/profile_idc")?;
        let general_profile_compatibility_flags = r.u32("general_profile_compatibility_flags")?;
        r.skip(6, "general_constraint_indicator_flags")?;
        let general_level_idc = r.u8("general_level_idc")?;
        r.skip(2, "min_spatial_segmentation_idc")?;
        r.skip(1, "parallelismType")?;
        let chroma_format_idc = r.u8("chromaFormat")? & 0x03;
        let bit_depth_luma = (r.u8("bitDepthLumaMinus8")? & 0x07) + 8;
        let bit_depth_chroma = (r.u8("bitDepthChromaMinus8")? & 0x07) + 8;
        let avg_frame_rate = r.u16("avgFrameRate")?;
        let nal_length_size = (r.u8("lengthSizeMinusOne")? & 0x03) + 1;
        let num_arrays = r.u8("numOfArrays")?;
        let arrays_start = r.rest();
        let before = r.offset();
        for _ in 0..num_arrays {
            r.skip(1, "NAL_unit_type")?;
            let count = r.u16("numNalus")?;
            NalUnits::read(&mut r, count, "nalUnit")?;
        }
        let arrays = arrays_start.get(..r.offset() - before).unwrap_or_default();
        Ok(HevcConfig {
            version,
            general_profile_space: b >> 6,
            general_tier_flag: b & 0x20 != 0,
            general_profile_idc: b & 0x1f,
            general_profile_compatibility_flags,
            general_level_idc,
            chroma_format_idc,
            bit_depth_luma,
            bit_depth_chroma,
            avg_frame_rate,
            nal_length_size,
            arrays,
            num_arrays,
        })
    }

    /// The NAL unit arrays (checked when the record was parsed).
    pub fn arrays(&self) -> impl Iterator<Item = NalArray<'a>> + 'a {
        let mut r = Bytes::new(self.arrays, RECORD);
        (0..self.num_arrays).map_while(move |_| {
            let b = r.u8("NAL_unit_type").ok()?;
            let count = r.u16("numNalus").ok()?;
            let units = NalUnits::read(&mut r, count, "nalUnit").ok()?;
            Some(NalArray {
                completeness: b & 0x80 != 0,
                nal_unit_type: b & 0x3f,
                units,
            })
        })
    }

    /// The units of the arrays of one NAL unit type ([`NAL_VPS`], [`NAL_SPS`], [`NAL_PPS`]...).
    pub fn units_of_type(&self, nal_unit_type: u8) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.arrays()
            .filter(move |a| a.nal_unit_type == nal_unit_type)
            .flat_map(|a| a.units.iter())
    }

    /// The first SPS of the record, parsed. `None` when the record has none.
    pub fn first_sps(&self) -> Option<Result<HevcSps, MediaError>> {
        self.units_of_type(NAL_SPS).next().map(HevcSps::parse)
    }

    /// The profile as ffprobe names it.
    pub fn profile_name(&self) -> Option<&'static str> {
        hevc_profile_name(
            self.general_profile_idc,
            self.general_profile_compatibility_flags,
        )
    }
}

/// ffmpeg's name of an HEVC profile; when general_profile_idc is 0 the first compatibility flag
/// set names it (as ffmpeg does).
pub fn hevc_profile_name(profile_idc: u8, compatibility_flags: u32) -> Option<&'static str> {
    let idc = if profile_idc == 0 {
        (1..=11u8).find(|i| compatibility_flags & (0x8000_0000 >> i) != 0)?
    } else {
        profile_idc
    };
    Some(match idc {
        1 => "Main",
        2 => "Main 10",
        3 => "Main Still Picture",
        4 => "Rext",
        9 => "SCC",
        _ => return None,
    })
}

/// What the probe reads from an H.265 SPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HevcSps {
    pub max_sub_layers: u8,
    pub general_profile_space: u8,
    pub general_tier_flag: bool,
    pub general_profile_idc: u8,
    pub general_profile_compatibility_flags: u32,
    pub general_level_idc: u8,
    pub chroma_format_idc: u32,
    pub separate_colour_plane: bool,
    /// pic_width/height_in_luma_samples.
    pub coded_width: u32,
    pub coded_height: u32,
    /// After the conformance window: what ffprobe calls width and height.
    pub width: u32,
    pub height: u32,
    pub bit_depth_luma: u8,
    pub bit_depth_chroma: u8,
}

impl HevcSps {
    /// Parses an SPS NAL unit (starting with its two-byte NAL header, type 33).
    pub fn parse(nal: &[u8]) -> Result<HevcSps, MediaError> {
        if nal.is_empty() {
            return Err(MediaError::Empty { what: SPS });
        }
        let mut h = Bytes::new(nal, SPS);
        let header = h.u16("nal_unit_header")?;
        let nal_type = ((header >> 9) & 0x3f) as u8;
        if nal_type != NAL_SPS {
            return Err(MediaError::Unexpected {
                what: SPS,
                field: "nal_unit_type",
                value: u64::from(nal_type),
                expected: u64::from(NAL_SPS),
            });
        }
        let mut b = Bits::rbsp(h.rest(), SPS);
        b.bits(4, "sps_video_parameter_set_id")?;
        let max_sub_layers_minus1 = b.bits(3, "sps_max_sub_layers_minus1")?;
        if max_sub_layers_minus1 > 6 {
            return Err(MediaError::OutOfRange {
                what: SPS,
                field: "sps_max_sub_layers_minus1",
                value: u64::from(max_sub_layers_minus1),
                max: 6,
            });
        }
        b.flag("sps_temporal_id_nesting_flag")?;

        // profile_tier_level(1, sps_max_sub_layers_minus1), §7.3.3.
        let ptl = b.bits(8, "general_profile_space/tier/profile_idc")?;
        let general_profile_compatibility_flags =
            b.bits(32, "general_profile_compatibility_flag")?;
        // progressive, interlaced, non_packed, frame_only (4) + 43 + 1 bits.
        b.skip(48, "general_constraint_flags")?;
        let general_level_idc = b.bits(8, "general_level_idc")? as u8;
        let mut profile_present = [false; 7];
        let mut level_present = [false; 7];
        for i in 0..max_sub_layers_minus1 as usize {
            if let Some(p) = profile_present.get_mut(i) {
                *p = b.flag("sub_layer_profile_present_flag")?;
            }
            if let Some(l) = level_present.get_mut(i) {
                *l = b.flag("sub_layer_level_present_flag")?;
            }
        }
        if max_sub_layers_minus1 > 0 {
            b.skip(2 * (8 - max_sub_layers_minus1), "reserved_zero_2bits")?;
        }
        for i in 0..max_sub_layers_minus1 as usize {
            if profile_present.get(i) == Some(&true) {
                b.skip(88, "sub_layer_profile")?;
            }
            if level_present.get(i) == Some(&true) {
                b.skip(8, "sub_layer_level_idc")?;
            }
        }

        b.ue_max("sps_seq_parameter_set_id", 15)?;
        let chroma_format_idc = b.ue_max("chroma_format_idc", 3)?;
        let separate_colour_plane =
            chroma_format_idc == 3 && b.flag("separate_colour_plane_flag")?;
        let coded_width = b.ue_max("pic_width_in_luma_samples", MAX_DIMENSION)?;
        let coded_height = b.ue_max("pic_height_in_luma_samples", MAX_DIMENSION)?;
        if coded_width == 0 || coded_height == 0 {
            return Err(MediaError::Invalid {
                what: SPS,
                detail: "pic_width/height_in_luma_samples is 0",
            });
        }
        let window = if b.flag("conformance_window_flag")? {
            [
                b.ue("conf_win_left_offset")?,
                b.ue("conf_win_right_offset")?,
                b.ue("conf_win_top_offset")?,
                b.ue("conf_win_bottom_offset")?,
            ]
        } else {
            [0; 4]
        };
        let bit_depth_luma = b.ue_max("bit_depth_luma_minus8", 8)? as u8 + 8;
        let bit_depth_chroma = b.ue_max("bit_depth_chroma_minus8", 8)? as u8 + 8;

        // §7.4.3.2.1: the window is in chroma sample units (Table 6-1).
        let chroma_array_type = if separate_colour_plane {
            0
        } else {
            chroma_format_idc
        };
        let (sub_width, sub_height) = chroma_subsampling(chroma_array_type);
        let [left, right, top, bottom] = window.map(u64::from);
        let width = cropped(
            SPS,
            coded_width,
            sub_width * (left + right),
            "conf_win_left/right_offset",
        )?;
        let height = cropped(
            SPS,
            coded_height,
            sub_height * (top + bottom),
            "conf_win_top/bottom_offset",
        )?;
        Ok(HevcSps {
            max_sub_layers: max_sub_layers_minus1 as u8 + 1,
            general_profile_space: (ptl >> 6) as u8,
            general_tier_flag: ptl & 0x20 != 0,
            general_profile_idc: (ptl & 0x1f) as u8,
            general_profile_compatibility_flags,
            general_level_idc,
            chroma_format_idc,
            separate_colour_plane,
            coded_width,
            coded_height,
            width,
            height,
            bit_depth_luma,
            bit_depth_chroma,
        })
    }

    pub fn profile_name(&self) -> Option<&'static str> {
        hevc_profile_name(
            self.general_profile_idc,
            self.general_profile_compatibility_flags,
        )
    }
}

/// The level as people write it: general_level_idc is 30 times the level ("93" is 3.1).
pub fn hevc_level_name(general_level_idc: u8) -> String {
    let tenths = u32::from(general_level_idc) / 3;
    format!("{}.{}", tenths / 10, tenths % 10)
}
