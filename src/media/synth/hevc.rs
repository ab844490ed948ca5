//! HEVC parameter sets, configuration record and relay-test frames (ITU-T H.265: syntax of
//! §7.3, the record of ISO/IEC 14496-15 §8.3.3.1).
//!
//! The parameter sets are real and describe a Main profile, 4:2:0 8-bit stream of the configured
//! size (coded in multiples of the 8-sample minimum coding block, the rest cropped by the
//! conformance window) with 16x16 coding tree blocks, one reference picture, deblocking off, no
//! SAO, and the frame rate in the VUI (`vui_time_scale / vui_num_units_in_tick`).
//!
//! The frames are for relay tests, not decoding: each carries the marker in a prefix SEI and one
//! slice segment NAL unit (`IDR_W_RADL` for key frames, `TRAIL_R` otherwise) whose
//! `slice_segment_header()` is complete and correct for these parameter sets, but whose slice
//! data is a 4-byte picture counter instead of CABAC data (then the RBSP trailing bits). A server that inspects NAL unit types
//! or slice headers sees a well-formed stream; a decoder will reject the slice data.

use super::bits::{escape_into, BitWriter};
use super::FrameRate;

/// `nal_unit_type` values used here (Table 7-1).
pub const NAL_TRAIL_R: u8 = 1;
pub const NAL_IDR_W_RADL: u8 = 19;
pub const NAL_VPS: u8 = 32;
pub const NAL_SPS: u8 = 33;
pub const NAL_PPS: u8 = 34;
pub const NAL_PREFIX_SEI: u8 = 39;

/// log2 of the coded sizes: minimum coding block 8, coding tree block 16.
const LOG2_MIN_CB: u32 = 3;
const LOG2_CTB: u32 = 4;
/// Bits of `slice_pic_order_cnt_lsb`.
const LOG2_MAX_POC_LSB: u32 = 8;

/// The two-byte NAL unit header: `forbidden_zero_bit`, `nal_unit_type`, `nuh_layer_id` 0,
/// `nuh_temporal_id_plus1` 1.
pub fn nal_header(nal_type: u8) -> [u8; 2] {
    [nal_type << 1, 1]
}

/// The `nal_unit_type` in a two-byte NAL unit header.
pub fn nal_type_of(header: [u8; 2]) -> u8 {
    (header[0] >> 1) & 0x3f
}

/// True for VCL NAL unit types (0-31), the data a marker's checksum covers.
pub fn is_vcl(nal_type: u8) -> bool {
    nal_type < 32
}

fn nal_unit(nal_type: u8, rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + 8);
    out.extend_from_slice(&nal_header(nal_type));
    escape_into(rbsp, &mut out);
    out
}

/// `general_level_idc` (30 times the level) of the smallest level of Table A.8 whose
/// MaxLumaPs and MaxLumaSr the stream fits, each side within sqrt(8 * MaxLumaPs) (§A.4.1).
fn level_idc(width: u32, height: u32, fps: FrameRate) -> u8 {
    // (general_level_idc, MaxLumaPs, MaxLumaSr)
    const LEVELS: [(u8, u64, u64); 13] = [
        (30, 36_864, 552_960),
        (60, 122_880, 3_686_400),
        (63, 245_760, 7_372_800),
        (90, 552_960, 16_588_800),
        (93, 983_040, 33_177_600),
        (120, 2_228_224, 66_846_720),
        (123, 2_228_224, 133_693_440),
        (150, 8_912_896, 267_386_880),
        (153, 8_912_896, 534_773_760),
        (156, 8_912_896, 1_069_547_520),
        (180, 35_651_584, 1_069_547_520),
        (183, 35_651_584, 2_139_095_040),
        (186, 35_651_584, 4_278_190_080),
    ];
    let ps = u64::from(width) * u64::from(height);
    let longest = u64::from(width.max(height));
    for (idc, max_ps, max_sr) in LEVELS {
        let rate_ok = ps * u64::from(fps.num) <= max_sr * u64::from(fps.den);
        if ps <= max_ps && rate_ok && longest * longest <= 8 * max_ps {
            return idc;
        }
    }
    186
}

/// The 12 bytes of `profile_tier_level(1, 0)` (§7.3.3) for Main profile, which are also the
/// profile fields of the configuration record.
fn profile_tier_level(level_idc: u8) -> [u8; 12] {
    let mut w = BitWriter::with_capacity(12);
    w.u(0, 2); // general_profile_space
    w.flag(false); // general_tier_flag: Main tier
    w.u(1, 5); // general_profile_idc: Main
               // general_profile_compatibility_flag[j]: Main (1) and Main 10 (2), as a Main stream is both.
    w.u(0x6000_0000, 32);
    w.flag(true); // general_progressive_source_flag
    w.flag(false); // general_interlaced_source_flag
    w.flag(false); // general_non_packed_constraint_flag
    w.flag(true); // general_frame_only_constraint_flag
    w.bits(0, 43); // general_reserved_zero_43bits (the layout for profiles 1 and 2)
    w.flag(false); // general_inbld_flag
    w.u(u32::from(level_idc), 8);
    let mut out = [0u8; 12];
    for (slot, byte) in out.iter_mut().zip(w.finish()) {
        *slot = byte; // 96 bits: exactly 12 bytes
    }
    out
}

/// One configured stream: the parameter sets, and the picture counter.
#[derive(Debug, Clone)]
pub struct HevcEncoder {
    vps: Vec<u8>,
    sps: Vec<u8>,
    pps: Vec<u8>,
    ptl: [u8; 12],
    pictures: u64,
    /// Pictures since the last IDR picture: its picture order count.
    poc: u64,
}

impl HevcEncoder {
    pub fn new(width: u32, height: u32, fps: FrameRate) -> HevcEncoder {
        let ptl = profile_tier_level(level_idc(width, height, fps));
        HevcEncoder {
            vps: nal_unit(NAL_VPS, &vps_rbsp(&ptl)),
            sps: nal_unit(NAL_SPS, &sps_rbsp(&ptl, width, height, fps)),
            pps: nal_unit(NAL_PPS, &pps_rbsp()),
            ptl,
            pictures: 0,
            poc: 0,
        }
    }

    pub fn vps(&self) -> &[u8] {
        &self.vps
    }

    pub fn sps(&self) -> &[u8] {
        &self.sps
    }

    pub fn pps(&self) -> &[u8] {
        &self.pps
    }

    /// The HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1.2) with one array each of
    /// VPS, SPS and PPS and 4-byte NAL lengths: the body of the `hvc1` SequenceStart.
    pub fn decoder_configuration_record(&self, fps: FrameRate) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.vps.len() + self.sps.len() + self.pps.len());
        out.push(1); // configurationVersion
        out.extend_from_slice(&self.ptl); // profile_space..general_level_idc, as in the VPS/SPS
        out.extend_from_slice(&0xf000u16.to_be_bytes()); // '1111', min_spatial_segmentation_idc 0
        out.push(0xfc); // '111111', parallelismType 0 (unknown)
        out.push(0xfc | 1); // '111111', chromaFormat 1 (4:2:0)
        out.push(0xf8); // '11111', bitDepthLumaMinus8 0
        out.push(0xf8); // '11111', bitDepthChromaMinus8 0
                        // avgFrameRate in frames per 256 seconds.
        let avg = (u64::from(fps.num) * 256 / u64::from(fps.den)).min(u64::from(u16::MAX));
        out.extend_from_slice(&(avg as u16).to_be_bytes());
        // constantFrameRate 1, numTemporalLayers 1, temporalIdNested 1, lengthSizeMinusOne 3.
        out.push((1 << 6) | (1 << 3) | (1 << 2) | 3);
        out.push(3); // numOfArrays
        for (nal_type, nal) in [
            (NAL_VPS, &self.vps),
            (NAL_SPS, &self.sps),
            (NAL_PPS, &self.pps),
        ] {
            out.push(0x80 | nal_type); // array_completeness 1, reserved 0, NAL_unit_type
            out.extend_from_slice(&1u16.to_be_bytes()); // numNalus
            out.extend_from_slice(&(nal.len() as u16).to_be_bytes());
            out.extend_from_slice(nal);
        }
        out
    }

    /// The next picture's slice segment NAL unit: `IDR_W_RADL` when `idr`, else `TRAIL_R`.
    pub fn encode(&mut self, idr: bool) -> Vec<u8> {
        if idr {
            self.poc = 0;
        }
        let mut w = BitWriter::with_capacity(16);
        w.flag(true); // first_slice_segment_in_pic_flag
        if idr {
            w.flag(false); // no_output_of_prior_pics_flag (IRAP pictures)
        }
        w.ue(0); // slice_pic_parameter_set_id
        w.ue(if idr { 2 } else { 1 }); // slice_type: I or P
        if !idr {
            w.u(
                (self.poc % (1 << LOG2_MAX_POC_LSB)) as u32,
                LOG2_MAX_POC_LSB,
            );
            w.flag(true); // short_term_ref_pic_set_sps_flag: the SPS's one set (no idx bits)
        }
        if !idr {
            w.flag(false); // num_ref_idx_active_override_flag
            w.ue(0); // five_minus_max_num_merge_cand
        }
        w.se(0); // slice_qp_delta
                 // byte_alignment(): alignment_bit_equal_to_one, then zeros.
        w.trailing_bits();
        // The placeholder slice data (see the module documentation), then
        // rbsp_slice_segment_trailing_bits() as real slice data ends.
        w.bytes(&(self.pictures as u32).to_be_bytes());
        w.trailing_bits();
        self.pictures += 1;
        self.poc += 1;
        nal_unit(if idr { NAL_IDR_W_RADL } else { NAL_TRAIL_R }, &w.finish())
    }
}

/// `video_parameter_set_rbsp()` (§7.3.2.1).
fn vps_rbsp(ptl: &[u8; 12]) -> Vec<u8> {
    let mut w = BitWriter::with_capacity(32);
    w.u(0, 4); // vps_video_parameter_set_id
    w.flag(true); // vps_base_layer_internal_flag
    w.flag(true); // vps_base_layer_available_flag
    w.u(0, 6); // vps_max_layers_minus1
    w.u(0, 3); // vps_max_sub_layers_minus1
    w.flag(true); // vps_temporal_id_nesting_flag
    w.u(0xffff, 16); // vps_reserved_0xffff_16bits
    w.bytes(ptl);
    w.flag(true); // vps_sub_layer_ordering_info_present_flag
    w.ue(1); // vps_max_dec_pic_buffering_minus1: the reference and the current picture
    w.ue(0); // vps_max_num_reorder_pics
    w.ue(0); // vps_max_latency_increase_plus1: no limit
    w.u(0, 6); // vps_max_layer_id
    w.ue(0); // vps_num_layer_sets_minus1
    w.flag(false); // vps_timing_info_present_flag (the SPS VUI has it)
    w.flag(false); // vps_extension_flag
    w.trailing_bits();
    w.finish()
}

/// `seq_parameter_set_rbsp()` (§7.3.2.2).
fn sps_rbsp(ptl: &[u8; 12], width: u32, height: u32, fps: FrameRate) -> Vec<u8> {
    let min_cb = 1 << LOG2_MIN_CB;
    let coded_w = width.div_ceil(min_cb) * min_cb;
    let coded_h = height.div_ceil(min_cb) * min_cb;
    let mut w = BitWriter::with_capacity(48);
    w.u(0, 4); // sps_video_parameter_set_id
    w.u(0, 3); // sps_max_sub_layers_minus1
    w.flag(true); // sps_temporal_id_nesting_flag
    w.bytes(ptl);
    w.ue(0); // sps_seq_parameter_set_id
    w.ue(1); // chroma_format_idc: 4:2:0
    w.ue(coded_w); // pic_width_in_luma_samples
    w.ue(coded_h); // pic_height_in_luma_samples
                   // The conformance window is in chroma samples (SubWidthC = SubHeightC = 2).
    let crop_right = (coded_w - width) / 2;
    let crop_bottom = (coded_h - height) / 2;
    let cropping = crop_right > 0 || crop_bottom > 0;
    w.flag(cropping); // conformance_window_flag
    if cropping {
        w.ue(0); // conf_win_left_offset
        w.ue(crop_right);
        w.ue(0); // conf_win_top_offset
        w.ue(crop_bottom);
    }
    w.ue(0); // bit_depth_luma_minus8
    w.ue(0); // bit_depth_chroma_minus8
    w.ue(LOG2_MAX_POC_LSB - 4); // log2_max_pic_order_cnt_lsb_minus4
    w.flag(true); // sps_sub_layer_ordering_info_present_flag
    w.ue(1); // sps_max_dec_pic_buffering_minus1
    w.ue(0); // sps_max_num_reorder_pics
    w.ue(0); // sps_max_latency_increase_plus1
    w.ue(LOG2_MIN_CB - 3); // log2_min_luma_coding_block_size_minus3
    w.ue(LOG2_CTB - LOG2_MIN_CB); // log2_diff_max_min_luma_coding_block_size
    w.ue(0); // log2_min_luma_transform_block_size_minus2: 4x4
    w.ue(2); // log2_diff_max_min_luma_transform_block_size: up to 16x16
    w.ue(0); // max_transform_hierarchy_depth_inter
    w.ue(0); // max_transform_hierarchy_depth_intra
    w.flag(false); // scaling_list_enabled_flag
    w.flag(false); // amp_enabled_flag
    w.flag(false); // sample_adaptive_offset_enabled_flag
    w.flag(false); // pcm_enabled_flag
    w.ue(1); // num_short_term_ref_pic_sets
             // st_ref_pic_set(0): the previous picture, used by the current one (no prediction flag for
             // the first set).
    w.ue(1); // num_negative_pics
    w.ue(0); // num_positive_pics
    w.ue(0); // delta_poc_s0_minus1[0]
    w.flag(true); // used_by_curr_pic_s0_flag[0]
    w.flag(false); // long_term_ref_pics_present_flag
    w.flag(false); // sps_temporal_mvp_enabled_flag
    w.flag(false); // strong_intra_smoothing_enabled_flag
    w.flag(true); // vui_parameters_present_flag
    w.flag(false); // aspect_ratio_info_present_flag
    w.flag(false); // overscan_info_present_flag
    w.flag(false); // video_signal_type_present_flag
    w.flag(false); // chroma_loc_info_present_flag
    w.flag(false); // neutral_chroma_indication_flag
    w.flag(false); // field_seq_flag
    w.flag(false); // frame_field_info_present_flag
    w.flag(false); // default_display_window_flag
    w.flag(true); // vui_timing_info_present_flag
    w.u(fps.den, 32); // vui_num_units_in_tick
    w.u(fps.num, 32); // vui_time_scale
    w.flag(false); // vui_poc_proportional_to_timing_flag
    w.flag(false); // vui_hrd_parameters_present_flag
    w.flag(false); // bitstream_restriction_flag
    w.flag(false); // sps_extension_present_flag
    w.trailing_bits();
    w.finish()
}

/// `pic_parameter_set_rbsp()` (§7.3.2.3).
fn pps_rbsp() -> Vec<u8> {
    let mut w = BitWriter::with_capacity(8);
    w.ue(0); // pps_pic_parameter_set_id
    w.ue(0); // pps_seq_parameter_set_id
    w.flag(false); // dependent_slice_segments_enabled_flag
    w.flag(false); // output_flag_present_flag
    w.u(0, 3); // num_extra_slice_header_bits
    w.flag(false); // sign_data_hiding_enabled_flag
    w.flag(false); // cabac_init_present_flag
    w.ue(0); // num_ref_idx_l0_default_active_minus1
    w.ue(0); // num_ref_idx_l1_default_active_minus1
    w.se(0); // init_qp_minus26
    w.flag(false); // constrained_intra_pred_flag
    w.flag(false); // transform_skip_enabled_flag
    w.flag(false); // cu_qp_delta_enabled_flag
    w.se(0); // pps_cb_qp_offset
    w.se(0); // pps_cr_qp_offset
    w.flag(false); // pps_slice_chroma_qp_offsets_present_flag
    w.flag(false); // weighted_pred_flag
    w.flag(false); // weighted_bipred_flag
    w.flag(false); // transquant_bypass_enabled_flag
    w.flag(false); // tiles_enabled_flag
    w.flag(false); // entropy_coding_sync_enabled_flag
    w.flag(false); // pps_loop_filter_across_slices_enabled_flag
    w.flag(true); // deblocking_filter_control_present_flag
    w.flag(false); // deblocking_filter_override_enabled_flag
    w.flag(true); // pps_deblocking_filter_disabled_flag
    w.flag(false); // pps_scaling_list_data_present_flag
    w.flag(false); // lists_modification_present_flag
    w.ue(0); // log2_parallel_merge_level_minus2
    w.flag(false); // slice_segment_header_extension_present_flag
    w.flag(false); // pps_extension_present_flag
    w.trailing_bits();
    w.finish()
}
