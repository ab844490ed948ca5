//! A tiny H.264 encoder for one picture model (ISO/IEC 14496-10, syntax of §7.3, CAVLC of §9.2).
//!
//! Constrained Baseline profile, 4:2:0, 8 bits, CAVLC, one slice per picture, one reference
//! frame, picture order from `frame_num` (`pic_order_cnt_type` 2: no B-frames, decode order is
//! output order), deblocking off, QP 51. VUI carries the frame rate (`time_scale /
//! (2 * num_units_in_tick)`) and says frames are never reordered.
//!
//! The pictures: every IDR picture is flat grey, each macroblock `I_16x16` with DC prediction
//! and no residual (8 bits a macroblock: `mb_type` 3, chroma DC, `mb_qp_delta` 0, an empty DC
//! block). A P picture is `P_Skip` everywhere (a run length) except one light macroblock, the
//! moving element, that advances one macroblock in raster order each frame: `I_16x16` with DC
//! prediction and a single luma DC level of 7, which at QP 51 lifts the 256 samples from the
//! predicted 128 to 226 (§8.5.10: 7 × 16 × 14 << 2 = 6272, (6272 + 32) >> 6 = 98). The
//! macroblock it left is coded `I_16x16` DC again, which predicts grey from its grey neighbours.
//! A P picture is about 12 bytes whatever the size.
//!
//! Why it decodes exactly: no macroblock carries an AC or chroma coefficient, so every
//! neighbouring block's `TotalCoeff` is 0 and every `coeff_token` uses the `0 <= nC < 2` table;
//! `P_Skip` motion vectors are all zero (a neighbour above or to the left is always a zero-vector
//! `P_Skip`, or absent); and the element's and the restored macroblock's left and upper neighbours
//! are grey in the picture being decoded (the element moves forward in decoding order, and
//! pictures of one or two macroblocks keep it still, see [`element_position`]).

use super::bits::{escape_into, BitWriter};
use super::FrameRate;

/// `nal_unit_type` values used here (Table 7-1).
pub const NAL_SLICE: u8 = 1;
pub const NAL_IDR: u8 = 5;
pub const NAL_SEI: u8 = 6;
pub const NAL_SPS: u8 = 7;
pub const NAL_PPS: u8 = 8;

/// `profile_idc` of the Baseline profile; with `constraint_set1_flag` it is Constrained Baseline.
const PROFILE_BASELINE: u8 = 66;
/// log2(MaxFrameNum): `frame_num` counts reference pictures modulo 256 (wrapping is allowed).
const LOG2_MAX_FRAME_NUM: u32 = 8;
/// The slice QP; `pic_init_qp_minus26` is 25 so slices need no `slice_qp_delta`.
const QP: i32 = 51;
/// The element's one luma DC level (see the module documentation).
const ELEMENT_DC_LEVEL: u32 = 7;
/// The luma value of the element and of the background, as a decoder outputs them.
pub const ELEMENT_LUMA: u8 = 226;
pub const BACKGROUND_LUMA: u8 = 128;

/// I-slice `mb_type` 3: `I_16x16_2_0_0` (Intra16x16PredMode 2 = DC, no chroma or AC coefficients).
const MB_I16_DC: u32 = 3;
/// In a P slice the intra `mb_type`s come after the five inter ones (Table 7-13).
const P_INTRA_OFFSET: u32 = 5;

/// The first byte of a NAL unit: `forbidden_zero_bit`, `nal_ref_idc`, `nal_unit_type`.
pub fn nal_header(ref_idc: u8, nal_type: u8) -> u8 {
    (ref_idc << 5) | nal_type
}

/// A NAL unit: its header byte, then the escaped RBSP.
pub fn nal_unit(ref_idc: u8, nal_type: u8, rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + rbsp.len() / 64 + 2);
    out.push(nal_header(ref_idc, nal_type));
    escape_into(rbsp, &mut out);
    out
}

/// The `nal_unit_type` of a NAL unit (its first byte), if it has one.
pub fn nal_type(nal: &[u8]) -> Option<u8> {
    nal.first().map(|b| b & 0x1f)
}

/// True for the NAL unit types of coded slices (Table 7-1: 1 to 5), the data a marker's
/// checksum covers.
pub fn is_vcl(nal_type: u8) -> bool {
    (1..=5).contains(&nal_type)
}

/// The level of Table A-1 whose limits a `mbs`-macroblock picture at `fps` fits: the smallest with
/// MaxFS >= frame size, MaxMBPS >= macroblock rate and each side within sqrt(8 * MaxFS)
/// (§A.3.1). 5.2 for anything larger (the sizes accepted by the configuration fit 5.2).
fn level_idc(mb_w: u32, mb_h: u32, fps: FrameRate) -> u8 {
    // (level_idc, MaxMBPS, MaxFS)
    const LEVELS: [(u8, u64, u64); 15] = [
        (10, 1485, 99),
        (11, 3000, 396),
        (12, 6000, 396),
        (13, 11880, 396),
        (20, 11880, 396),
        (21, 19800, 792),
        (22, 20250, 1620),
        (30, 40500, 1620),
        (31, 108000, 3600),
        (32, 216000, 5120),
        (40, 245760, 8192),
        (42, 522240, 8704),
        (50, 589824, 22080),
        (51, 983040, 36864),
        (52, 2073600, 36864),
    ];
    let mbs = u64::from(mb_w) * u64::from(mb_h);
    let longest = u64::from(mb_w.max(mb_h));
    for (idc, max_mbps, max_fs) in LEVELS {
        // mbs * num / den <= max_mbps, in integers.
        let rate_ok = mbs * u64::from(fps.num) <= max_mbps * u64::from(fps.den);
        if mbs <= max_fs && rate_ok && longest * longest <= 8 * max_fs {
            return idc;
        }
    }
    52
}

/// Where the moving element is in the `n`th picture (counting every picture): one macroblock
/// further in raster order each frame, wrapping. In a picture of one or two macroblocks it stays
/// at 0, because there the macroblock it left would be predicted from the element itself.
pub fn element_position(n: u64, total_mbs: u32) -> u32 {
    if total_mbs <= 2 {
        0
    } else {
        (n % u64::from(total_mbs)) as u32
    }
}

/// One configured stream: the parameter sets and the state that numbers the pictures.
#[derive(Debug, Clone)]
pub struct H264Encoder {
    width: u32,
    height: u32,
    mb_w: u32,
    mb_h: u32,
    sps: Vec<u8>,
    pps: Vec<u8>,
    /// Pictures encoded so far.
    pictures: u64,
    /// `frame_num` of the next picture.
    frame_num: u32,
    /// `idr_pic_id` of the next IDR picture (consecutive IDR pictures must differ).
    idr_pic_id: u32,
    /// The element's macroblock in the previous picture, when that picture was a P picture.
    previous_element: Option<u32>,
}

impl H264Encoder {
    /// An encoder for `width` x `height` (even, at least 2, validated by the configuration) at
    /// `fps`.
    pub fn new(width: u32, height: u32, fps: FrameRate) -> H264Encoder {
        let mb_w = width.div_ceil(16);
        let mb_h = height.div_ceil(16);
        let mut enc = H264Encoder {
            width,
            height,
            mb_w,
            mb_h,
            sps: Vec::new(),
            pps: Vec::new(),
            pictures: 0,
            frame_num: 0,
            idr_pic_id: 0,
            previous_element: None,
        };
        enc.sps = nal_unit(3, NAL_SPS, &enc.sps_rbsp(fps));
        enc.pps = nal_unit(3, NAL_PPS, &pps_rbsp());
        enc
    }

    /// The sequence parameter set NAL unit (header byte 0x67).
    pub fn sps(&self) -> &[u8] {
        &self.sps
    }

    /// The picture parameter set NAL unit (header byte 0x68).
    pub fn pps(&self) -> &[u8] {
        &self.pps
    }

    /// Macroblocks per picture.
    pub fn total_mbs(&self) -> u32 {
        self.mb_w * self.mb_h
    }

    /// The AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1) with the SPS and PPS and
    /// 4-byte NAL lengths: the body of the AVC sequence header.
    pub fn decoder_configuration_record(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(11 + self.sps.len() + self.pps.len());
        out.push(1); // configurationVersion
        out.extend_from_slice(self.sps.get(1..4).unwrap_or(&[0, 0, 0])); // profile, compat, level
        out.push(0xfc | 3); // reserved '111111', lengthSizeMinusOne = 3
        out.push(0xe0 | 1); // reserved '111', numOfSequenceParameterSets = 1
        out.extend_from_slice(&(self.sps.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.sps);
        out.push(1); // numOfPictureParameterSets
        out.extend_from_slice(&(self.pps.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.pps);
        out
    }

    fn sps_rbsp(&self, fps: FrameRate) -> Vec<u8> {
        let mut w = BitWriter::with_capacity(32);
        w.u(u32::from(PROFILE_BASELINE), 8);
        w.flag(true); // constraint_set0_flag: obeys Baseline
        w.flag(true); // constraint_set1_flag: obeys Main too, i.e. Constrained Baseline
        w.flag(false); // constraint_set2_flag
        w.flag(false); // constraint_set3_flag (not level 1b)
        w.flag(false); // constraint_set4_flag
        w.flag(false); // constraint_set5_flag
        w.u(0, 2); // reserved_zero_2bits
        w.u(u32::from(level_idc(self.mb_w, self.mb_h, fps)), 8);
        w.ue(0); // seq_parameter_set_id
        w.ue(LOG2_MAX_FRAME_NUM - 4); // log2_max_frame_num_minus4
        w.ue(2); // pic_order_cnt_type
        w.ue(1); // max_num_ref_frames
        w.flag(false); // gaps_in_frame_num_value_allowed_flag
        w.ue(self.mb_w - 1); // pic_width_in_mbs_minus1
        w.ue(self.mb_h - 1); // pic_height_in_map_units_minus1
        w.flag(true); // frame_mbs_only_flag
        w.flag(true); // direct_8x8_inference_flag
                      // Cropping is in units of 2 samples for 4:2:0 frames (CropUnitX = CropUnitY = 2).
        let crop_right = (self.mb_w * 16 - self.width) / 2;
        let crop_bottom = (self.mb_h * 16 - self.height) / 2;
        let cropping = crop_right > 0 || crop_bottom > 0;
        w.flag(cropping); // frame_cropping_flag
        if cropping {
            w.ue(0); // frame_crop_left_offset
            w.ue(crop_right);
            w.ue(0); // frame_crop_top_offset
            w.ue(crop_bottom);
        }
        w.flag(true); // vui_parameters_present_flag
        w.flag(false); // aspect_ratio_info_present_flag
        w.flag(false); // overscan_info_present_flag
        w.flag(false); // video_signal_type_present_flag
        w.flag(false); // chroma_loc_info_present_flag
        w.flag(true); // timing_info_present_flag
        w.u(fps.den, 32); // num_units_in_tick
        w.u(fps.num * 2, 32); // time_scale: two ticks a frame (one per field)
        w.flag(true); // fixed_frame_rate_flag
        w.flag(false); // nal_hrd_parameters_present_flag
        w.flag(false); // vcl_hrd_parameters_present_flag
        w.flag(false); // pic_struct_present_flag
        w.flag(true); // bitstream_restriction_flag
        w.flag(true); // motion_vectors_over_pic_boundaries_flag
        w.ue(0); // max_bytes_per_pic_denom: no limit
        w.ue(0); // max_bits_per_mb_denom: no limit
        w.ue(15); // log2_max_mv_length_horizontal
        w.ue(15); // log2_max_mv_length_vertical
        w.ue(0); // max_num_reorder_frames: output at once
        w.ue(1); // max_dec_frame_buffering
        w.trailing_bits();
        w.finish()
    }

    /// Encodes the next picture: an IDR picture when `idr`, else a P picture. Returns the slice
    /// NAL unit (escaped, with its header byte).
    pub fn encode(&mut self, idr: bool) -> Vec<u8> {
        let n = self.pictures;
        self.pictures += 1;
        if idr {
            self.frame_num = 0;
        }
        let total = self.total_mbs();
        let mut w = BitWriter::with_capacity(if idr { total as usize + 16 } else { 24 });
        self.slice_header(&mut w, idr);
        if idr {
            for _ in 0..total {
                intra_dc_macroblock(&mut w, MB_I16_DC, false);
            }
            self.previous_element = None;
            self.idr_pic_id = (self.idr_pic_id + 1) % 2;
        } else {
            let element = element_position(n, total);
            let restore = self.previous_element.filter(|&p| p != element);
            // The coded macroblocks in raster order, each with whether it is the element.
            let mut coded = [(element, true), (restore.unwrap_or(u32::MAX), false)];
            coded.sort_unstable_by_key(|&(addr, _)| addr);
            let mut next = 0u32; // the first macroblock not yet covered
            for (addr, is_element) in coded {
                if addr >= total {
                    continue;
                }
                w.ue(addr - next); // mb_skip_run
                intra_dc_macroblock(&mut w, P_INTRA_OFFSET + MB_I16_DC, is_element);
                next = addr + 1;
            }
            if next < total {
                // A final run: more_rbsp_data() is false after it, so the slice ends.
                w.ue(total - next);
            }
            self.previous_element = Some(element);
        }
        w.trailing_bits();
        self.frame_num = (self.frame_num + 1) % (1 << LOG2_MAX_FRAME_NUM);
        if idr {
            nal_unit(3, NAL_IDR, &w.finish())
        } else {
            nal_unit(2, NAL_SLICE, &w.finish())
        }
    }

    /// `slice_header()` (§7.3.3) for the one slice of a picture.
    fn slice_header(&self, w: &mut BitWriter, idr: bool) {
        w.ue(0); // first_mb_in_slice
        w.ue(if idr { 7 } else { 5 }); // slice_type: I or P, and so are all slices of the picture
        w.ue(0); // pic_parameter_set_id
        w.u(self.frame_num, LOG2_MAX_FRAME_NUM); // frame_num
        if idr {
            w.ue(self.idr_pic_id);
        }
        // pic_order_cnt_type 2: no pic_order_cnt_lsb; no redundant_pic_cnt in this PPS.
        if !idr {
            w.flag(false); // num_ref_idx_active_override_flag
            w.flag(false); // ref_pic_list_modification_flag_l0
        }
        // dec_ref_pic_marking(): every picture is a reference (nal_ref_idc != 0).
        if idr {
            w.flag(false); // no_output_of_prior_pics_flag
            w.flag(false); // long_term_reference_flag
        } else {
            w.flag(false); // adaptive_ref_pic_marking_mode_flag: sliding window
        }
        w.se(0); // slice_qp_delta
        w.ue(1); // disable_deblocking_filter_idc: off
    }
}

/// `pic_parameter_set_rbsp()` (§7.3.2.2).
fn pps_rbsp() -> Vec<u8> {
    let mut w = BitWriter::with_capacity(8);
    w.ue(0); // pic_parameter_set_id
    w.ue(0); // seq_parameter_set_id
    w.flag(false); // entropy_coding_mode_flag: CAVLC
    w.flag(false); // bottom_field_pic_order_in_frame_present_flag
    w.ue(0); // num_slice_groups_minus1
    w.ue(0); // num_ref_idx_l0_default_active_minus1
    w.ue(0); // num_ref_idx_l1_default_active_minus1
    w.flag(false); // weighted_pred_flag
    w.u(0, 2); // weighted_bipred_idc
    w.se(QP - 26); // pic_init_qp_minus26
    w.se(0); // pic_init_qs_minus26
    w.se(0); // chroma_qp_index_offset
    w.flag(true); // deblocking_filter_control_present_flag
    w.flag(false); // constrained_intra_pred_flag
    w.flag(false); // redundant_pic_cnt_present_flag
    w.trailing_bits();
    w.finish()
}

/// `macroblock_layer()` of an `I_16x16_2_0_0` macroblock: DC prediction, chroma DC prediction,
/// no coded block pattern. `with_level` puts the element's single luma DC level into the
/// Intra16x16DCLevel block; otherwise the block is empty.
fn intra_dc_macroblock(w: &mut BitWriter, mb_type: u32, with_level: bool) {
    w.ue(mb_type);
    w.ue(0); // intra_chroma_pred_mode: DC
    w.se(0); // mb_qp_delta
             // residual_block_cavlc(Intra16x16DCLevel, 0, 15, 16), nC = 0 (see the module docs).
    if with_level {
        // coeff_token TotalCoeff 1, TrailingOnes 0, 0 <= nC < 2: 0001 01 (Table 9-5).
        w.u(0b000101, 6);
        // The level: suffixLength 0, and the first level of a block with fewer than three
        // trailing ones is coded 2 less (§9.2.2.1). levelCode = 2 * (7 - 1) - 2 = 10, which
        // with suffixLength 0 is level_prefix 10: ten zeros and a one.
        let level_code = 2 * (ELEMENT_DC_LEVEL - 1) - 2;
        w.u(0, level_code);
        w.flag(true);
        // total_zeros 0 for TotalCoeff 1: "1" (Table 9-7). No run_before for one coefficient.
        w.flag(true);
    } else {
        // coeff_token TotalCoeff 0 with 0 <= nC < 2: "1".
        w.flag(true);
    }
}
