//! Silent audio: AAC-LC (ISO/IEC 14496-3) and Opus (RFC 6716, RFC 7845) frames.
//!
//! AAC: the AudioSpecificConfig (§1.6.2.1) says AAC-LC, the sampling frequency index and the
//! channel configuration, with a GASpecificConfig of 1024-sample frames. Each frame is one
//! `raw_data_block()` (§4.4.2.1): a single channel element (mono) or a channel pair element
//! without common window (stereo) whose `individual_channel_stream()` has `max_sfb` 0, so no
//! section, scale factor or spectral data: every spectral line is zero. Then `ID_END` and byte
//! alignment. That is 4 bytes (mono) or 7 (stereo) a frame.
//!
//! Opus: the identification header of RFC 7845 §5.1 (`OpusHead`) and, every 20 ms, a packet of
//! one TOC byte (RFC 6716 §3.1: configuration 31, CELT-only fullband 20 ms, the stereo flag,
//! frame count code 0) with a zero-length frame, which decoders treat as a DTX gap (RFC 6716
//! §3.2.1 allows a 1-byte code 0 packet). CELT rather than SILK because a SILK gap is concealed
//! with comfort noise (ffmpeg's decoder outputs samples up to ±19), a CELT gap with zeros.

use super::bits::BitWriter;

/// The sampling frequencies of Table 1.18, by `samplingFrequencyIndex`.
pub const AAC_SAMPLE_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// Samples per AAC-LC frame (frameLengthFlag 0).
pub const AAC_FRAME_SAMPLES: u32 = 1024;

/// Opus packets here last 20 ms: 960 samples at Opus's 48 kHz clock.
pub const OPUS_FRAME_SAMPLES: u32 = 960;
pub const OPUS_CLOCK: u32 = 48_000;

/// The input sample rates Opus encoders accept (RFC 6716 §2), for the ID header's field.
pub const OPUS_INPUT_RATES: [u32; 5] = [8000, 12000, 16000, 24000, 48000];

/// `audioObjectType` of AAC LC.
const AOT_AAC_LC: u32 = 2;
/// `id_syn_ele` values (Table 4.85).
const ID_SCE: u32 = 0;
const ID_CPE: u32 = 1;
const ID_END: u32 = 7;

/// The `samplingFrequencyIndex` of `rate`, if it is one of Table 1.18.
pub fn aac_frequency_index(rate: u32) -> Option<u32> {
    AAC_SAMPLE_RATES
        .iter()
        .position(|&r| r == rate)
        .map(|i| i as u32)
}

/// The AudioSpecificConfig: 2 bytes. `rate` must be one of [`AAC_SAMPLE_RATES`] and
/// `channels` 1 or 2 (checked by the configuration).
pub fn aac_audio_specific_config(rate: u32, channels: u8) -> Vec<u8> {
    let mut w = BitWriter::with_capacity(2);
    w.u(AOT_AAC_LC, 5); // audioObjectType
    w.u(aac_frequency_index(rate).unwrap_or(3), 4); // samplingFrequencyIndex
    w.u(u32::from(channels), 4); // channelConfiguration: 1 mono (C), 2 stereo (L, R)
    w.flag(false); // GASpecificConfig: frameLengthFlag (1024 samples)
    w.flag(false); // dependsOnCoreCoder
    w.flag(false); // extensionFlag
    w.finish()
}

/// `individual_channel_stream(common_window 0, scale_flag 0)` with every band empty.
fn silent_ics(w: &mut BitWriter) {
    w.u(100, 8); // global_gain: any value, no band uses it
                 // ics_info()
    w.flag(false); // ics_reserved_bit
    w.u(0, 2); // window_sequence: ONLY_LONG_SEQUENCE
    w.flag(false); // window_shape: sine
    w.u(0, 6); // max_sfb: no scale factor bands transmitted
    w.flag(false); // predictor_data_present (never in AAC LC)
                   // section_data() and scale_factor_data() are empty for max_sfb 0.
    w.flag(false); // pulse_data_present
    w.flag(false); // tns_data_present
    w.flag(false); // gain_control_data_present
                   // spectral_data() is empty too.
}

/// One silent `raw_data_block()` for `channels` (1 or 2).
pub fn aac_silent_frame(channels: u8) -> Vec<u8> {
    let mut w = BitWriter::with_capacity(8);
    if channels == 1 {
        w.u(ID_SCE, 3);
        w.u(0, 4); // element_instance_tag
        silent_ics(&mut w);
    } else {
        w.u(ID_CPE, 3);
        w.u(0, 4); // element_instance_tag
        w.flag(false); // common_window
        silent_ics(&mut w);
        silent_ics(&mut w);
    }
    w.u(ID_END, 3);
    w.finish() // byte_alignment()
}

/// The Opus identification header (RFC 7845 §5.1), 19 bytes: channel mapping family 0 (mono
/// or stereo), no pre-skip (silence needs no decoder warm-up), gain 0.
pub fn opus_head(channels: u8, input_rate: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(19);
    out.extend_from_slice(b"OpusHead");
    out.push(1); // version
    out.push(channels);
    out.extend_from_slice(&0u16.to_le_bytes()); // pre-skip
    out.extend_from_slice(&input_rate.to_le_bytes()); // input sample rate (informational)
    out.extend_from_slice(&0i16.to_le_bytes()); // output gain
    out.push(0); // channel mapping family
    out
}

/// One 20 ms silent Opus packet: the TOC byte alone.
pub fn opus_silent_packet(channels: u8) -> Vec<u8> {
    const CONFIG_CELT_FB_20MS: u8 = 31;
    let stereo = u8::from(channels == 2);
    vec![CONFIG_CELT_FB_20MS << 3 | stereo << 2] // frame count code 0: one frame
}
