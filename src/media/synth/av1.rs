//! AV1 sequence header, configuration record and relay-test temporal units (AV1 Bitstream &
//! Decoding Process Specification §5; the record of the AV1 ISOBMFF binding §2.3).
//!
//! The sequence header is real: Main profile (seq_profile 0), 8-bit 4:2:0, one operating point,
//! 64x64 superblocks, every optional coding tool off, and the frame rate in `timing_info()`
//! (`time_scale / num_units_in_display_tick`, one tick a picture).
//!
//! The temporal units are for relay tests, not decoding: the sequence header OBU again on key
//! frames (as ISOBMFF sync samples carry it), the marker in a metadata OBU, and a padding OBU
//! (type 15) holding a 4-byte picture counter and the trailing bits where a frame OBU would be. Decoders ignore
//! padding, so a player shows nothing. Temporal delimiters are left out, as in ISOBMFF samples
//! (FLV's `av01` payloads follow the same sample format).

use super::bits::{leb128_into, read_leb128, BitWriter};
use super::FrameRate;

/// `obu_type` values (§6.2.2).
pub const OBU_SEQUENCE_HEADER: u8 = 1;
pub const OBU_TEMPORAL_DELIMITER: u8 = 2;
pub const OBU_METADATA: u8 = 5;
pub const OBU_PADDING: u8 = 15;

/// An OBU with `obu_has_size_field` set and no extension header.
pub fn obu(obu_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 4);
    out.push((obu_type & 0x0f) << 3 | 0b10); // forbidden 0, type, extension 0, has_size 1, reserved 0
    leb128_into(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

/// One OBU of a temporal unit, as carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Obu<'a> {
    pub obu_type: u8,
    /// The whole OBU: header, size field and payload.
    pub bytes: &'a [u8],
    pub payload: &'a [u8],
}

/// Splits the first OBU off `data`: the OBU and the rest. `None` when the header is cut off or
/// has the forbidden bit, the OBU has no size field, or its size runs past the data.
pub fn split_obu(data: &[u8]) -> Option<(Obu<'_>, &[u8])> {
    let &header = data.first()?;
    if header & 0x80 != 0 || header & 0b10 == 0 {
        return None;
    }
    let header_len = if header & 0b100 != 0 { 2 } else { 1 };
    let after_header = data.get(header_len..)?;
    let (size, size_len) = read_leb128(after_header)?;
    let size = usize::try_from(size).ok()?;
    let start = header_len + size_len;
    let end = start.checked_add(size)?;
    let obu = Obu {
        obu_type: (header >> 3) & 0x0f,
        bytes: data.get(..end)?,
        payload: data.get(start..end)?,
    };
    Some((obu, data.get(end..)?))
}

/// True for the OBU types a marker's checksum covers: frame header, tile group, frame, redundant
/// frame header, tile list, and padding (the placeholder frame data here).
pub fn is_checksummed(obu_type: u8) -> bool {
    matches!(obu_type, 3 | 4 | 6 | 7 | 8 | OBU_PADDING)
}

/// `seq_level_idx` of the smallest level of Annex A whose MaxPicSize, MaxHSize, MaxVSize and
/// MaxDisplayRate the stream fits; 31 ("maximum parameters", no level constraints) when none
/// does, which includes pictures under 16 samples a side.
fn seq_level_idx(width: u32, height: u32, fps: FrameRate) -> u8 {
    // (seq_level_idx, MaxPicSize, MaxHSize, MaxVSize, MaxDisplayRate)
    const LEVELS: [(u8, u64, u32, u32, u64); 12] = [
        (0, 147_456, 2048, 1152, 4_423_680),
        (1, 278_784, 2816, 1584, 8_363_520),
        (4, 665_856, 4352, 2448, 19_975_680),
        (5, 1_065_024, 5504, 3096, 31_950_720),
        (8, 2_359_296, 6144, 3456, 70_778_880),
        (9, 2_359_296, 6144, 3456, 141_557_760),
        (12, 8_912_896, 8192, 4352, 267_386_880),
        (13, 8_912_896, 8192, 4352, 534_773_760),
        (14, 8_912_896, 8192, 4352, 1_069_547_520),
        (16, 35_651_584, 16384, 8704, 1_069_547_520),
        (17, 35_651_584, 16384, 8704, 2_139_095_040),
        (18, 35_651_584, 16384, 8704, 4_278_190_080),
    ];
    if width < 16 || height < 16 {
        return 31;
    }
    let ps = u64::from(width) * u64::from(height);
    for (idx, max_ps, max_h, max_v, max_rate) in LEVELS {
        let rate_ok = ps * u64::from(fps.num) <= max_rate * u64::from(fps.den);
        if ps <= max_ps && width <= max_h && height <= max_v && rate_ok {
            return idx;
        }
    }
    31
}

/// Bits needed to write `value` (at least 1).
fn bits_for(value: u32) -> u32 {
    (32 - value.leading_zeros()).max(1)
}

/// One configured stream: the sequence header OBU and the picture counter.
#[derive(Debug, Clone)]
pub struct Av1Encoder {
    sequence_header: Vec<u8>,
    level: u8,
    pictures: u64,
}

impl Av1Encoder {
    pub fn new(width: u32, height: u32, fps: FrameRate) -> Av1Encoder {
        let level = seq_level_idx(width, height, fps);
        Av1Encoder {
            sequence_header: obu(
                OBU_SEQUENCE_HEADER,
                &sequence_header(width, height, fps, level),
            ),
            level,
            pictures: 0,
        }
    }

    /// The sequence header OBU (with its size field).
    pub fn sequence_header_obu(&self) -> &[u8] {
        &self.sequence_header
    }

    /// The AV1CodecConfigurationRecord (`av1C`) with the sequence header OBU as its configOBUs:
    /// the body of the `av01` SequenceStart.
    pub fn codec_configuration_record(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.sequence_header.len());
        out.push(0x81); // marker 1, version 1
        out.push(self.level & 0x1f); // seq_profile 0, seq_level_idx_0
                                     // seq_tier_0 0, high_bitdepth 0, twelve_bit 0, monochrome 0, chroma_subsampling_x 1,
                                     // chroma_subsampling_y 1, chroma_sample_position 0 (CSP_UNKNOWN).
        out.push(0b0000_1100);
        out.push(0); // reserved, initial_presentation_delay_present 0
        out.extend_from_slice(&self.sequence_header);
        out
    }

    /// The OBUs of the next temporal unit other than the marker: the sequence header on key
    /// frames, then the padding OBU that stands for the frame.
    pub fn encode(&mut self, key: bool) -> (Option<&[u8]>, Vec<u8>) {
        let mut payload = [0u8; 5];
        payload[..4].copy_from_slice(&(self.pictures as u32).to_be_bytes());
        payload[4] = 0x80; // trailing_bits(): every OBU but tile data ends with them (§5.3.1)
        let frame = obu(OBU_PADDING, &payload);
        self.pictures += 1;
        (key.then_some(self.sequence_header.as_slice()), frame)
    }
}

/// `sequence_header_obu()` (§5.5) followed by `trailing_bits()`.
fn sequence_header(width: u32, height: u32, fps: FrameRate, level: u8) -> Vec<u8> {
    let mut w = BitWriter::with_capacity(16);
    w.u(0, 3); // seq_profile: Main
    w.flag(false); // still_picture
    w.flag(false); // reduced_still_picture_header
    w.flag(true); // timing_info_present_flag
    w.u(fps.den, 32); // num_units_in_display_tick
    w.u(fps.num, 32); // time_scale
    w.flag(true); // equal_picture_interval
    w.ue(0); // num_ticks_per_picture_minus_1, uvlc(): same code as exp-Golomb
    w.flag(false); // decoder_model_info_present_flag
    w.flag(false); // initial_display_delay_present_flag
    w.u(0, 5); // operating_points_cnt_minus_1
    w.u(0, 12); // operating_point_idc[0]: all layers
    w.u(u32::from(level), 5); // seq_level_idx[0]
    if level > 7 {
        w.flag(false); // seq_tier[0]: Main tier
    }
    let width_bits = bits_for(width - 1);
    let height_bits = bits_for(height - 1);
    w.u(width_bits - 1, 4); // frame_width_bits_minus_1
    w.u(height_bits - 1, 4); // frame_height_bits_minus_1
    w.u(width - 1, width_bits); // max_frame_width_minus_1
    w.u(height - 1, height_bits); // max_frame_height_minus_1
    w.flag(false); // frame_id_numbers_present_flag
    w.flag(false); // use_128x128_superblock
    w.flag(false); // enable_filter_intra
    w.flag(false); // enable_intra_edge_filter
    w.flag(false); // enable_interintra_compound
    w.flag(false); // enable_masked_compound
    w.flag(false); // enable_warped_motion
    w.flag(false); // enable_dual_filter
    w.flag(false); // enable_order_hint (so no jnt_comp, ref_frame_mvs, order_hint_bits)
    w.flag(false); // seq_choose_screen_content_tools
    w.flag(false); // seq_force_screen_content_tools: off (so no integer-mv fields)
    w.flag(false); // enable_superres
    w.flag(false); // enable_cdef
    w.flag(false); // enable_restoration
                   // color_config()
    w.flag(false); // high_bitdepth: 8 bits
    w.flag(false); // mono_chrome
    w.flag(false); // color_description_present_flag
    w.flag(false); // color_range: studio swing
    w.u(0, 2); // chroma_sample_position: CSP_UNKNOWN (4:2:0 is implied by profile 0)
    w.flag(false); // separate_uv_delta_q
    w.flag(false); // film_grain_params_present
    w.trailing_bits();
    w.finish()
}

/// Whether `data` (an OBU payload or a temporal unit) holds only well-framed OBUs, for tests and
/// callers that want to check a received `av01` payload.
pub fn is_well_framed(mut data: &[u8]) -> bool {
    while !data.is_empty() {
        match split_obu(data) {
            Some((_, rest)) => data = rest,
            None => return false,
        }
    }
    true
}
