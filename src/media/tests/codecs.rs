//! HEVC, AV1 and VP9 configuration records, and the audio configurations (AAC, Opus, FLAC,
//! MP3). Real records from x265, SVT-AV1, libvpx, ffmpeg's AAC encoder and ffmpeg 8's Enhanced
//! FLV muxer; the expected values were read with `ffmpeg -bsf:v trace_headers` and ffprobe.

use super::{fixture, hex, BitWriter};
use crate::media::audio::parse_audio_tag;
use crate::media::audio_config::{AacConfig, FlacStreamInfo, Mp3FrameHeader, OpusHead};
use crate::media::av1::{Av1Config, Av1SequenceHeader, VpConfig};
use crate::media::hevc::{
    hevc_level_name, hevc_profile_name, HevcConfig, HevcSps, NAL_PPS, NAL_SPS, NAL_VPS,
};
use crate::media::video::parse_video_tag;
use crate::media::MediaError;

#[test]
fn x265_main_320x240_record_and_sps() {
    let rec = HevcConfig::parse(fixture!("x265-main-320x240.hvcC")).unwrap();
    assert_eq!(rec.version, 1);
    assert_eq!((rec.general_profile_idc, rec.general_level_idc), (1, 60));
    assert!(!rec.general_tier_flag);
    assert_eq!(rec.profile_name(), Some("Main"));
    assert_eq!((rec.chroma_format_idc, rec.bit_depth_luma), (1, 8));
    assert_eq!(rec.nal_length_size, 4);
    let types: Vec<u8> = rec.arrays().map(|a| a.nal_unit_type).collect();
    assert_eq!(
        types,
        [NAL_VPS, NAL_SPS, NAL_PPS, 39],
        "x265 adds its settings as an SEI"
    );
    assert_eq!(rec.units_of_type(NAL_SPS).count(), 1);
    let sps = rec.first_sps().unwrap().unwrap();
    assert_eq!(sps.max_sub_layers, 1);
    assert_eq!(sps.general_level_idc, 60);
    assert_eq!(hevc_level_name(sps.general_level_idc), "2.0");
    assert_eq!((sps.width, sps.height), (320, 240));
    assert_eq!(sps.profile_name(), Some("Main"));
}

#[test]
fn x265_main10_642x362_uses_the_conformance_window() {
    let rec = HevcConfig::parse(fixture!("x265-main10-642x362.hvcC")).unwrap();
    assert_eq!(rec.profile_name(), Some("Main 10"));
    assert_eq!(rec.bit_depth_luma, 10);
    let sps = rec.first_sps().unwrap().unwrap();
    assert_eq!((sps.coded_width, sps.coded_height), (648, 368));
    assert_eq!((sps.width, sps.height), (642, 362));
    assert_eq!((sps.general_level_idc, sps.bit_depth_luma), (63, 10));
    assert_eq!(hevc_level_name(63), "2.1");
}

#[test]
fn a_truncated_hevc_record_fails_at_every_cut() {
    let data = fixture!("x265-main-320x240.hvcC");
    for cut in (0..data.len()).step_by(7) {
        assert!(
            HevcConfig::parse(&data[..cut]).unwrap_err().is_truncation(),
            "cut {cut}"
        );
    }
    assert_eq!(
        HevcConfig::parse(&hex("02")).unwrap_err().to_string(),
        "HEVC configuration record: configurationVersion is 2, expected 1"
    );
}

/// An H.265 SPS with sub-layers whose profile and level fields must be skipped.
fn hevc_sps_with_sub_layers() -> Vec<u8> {
    let mut w = BitWriter::new();
    w.bits(4, 0).bits(3, 2).flag(true); // vps id, max_sub_layers_minus1 = 2, nesting
    w.bits(8, 0x22)
        .bits(32, 0x2000_0000)
        .bits(48, 0)
        .bits(8, 123); // Main 10 (2), high tier, level 4.1
    w.flag(true).flag(true).flag(false).flag(true); // sub-layer 0: both; 1: level only
    w.bits(2 * 6, 0); // reserved_zero_2bits for i = 2..8
    w.bits(88, 0).bits(8, 90); // sub-layer 0 profile + level
    w.bits(8, 93); // sub-layer 1 level
    w.ue(0)
        .ue(1)
        .ue(1920)
        .ue(1088)
        .flag(true)
        .ue(0)
        .ue(0)
        .ue(0)
        .ue(4)
        .ue(2)
        .ue(2);
    let mut nal = vec![0x42, 0x01];
    nal.extend(w.rbsp());
    nal
}

#[test]
fn an_hevc_sps_with_sub_layers_is_skipped_to_the_right_bit() {
    let sps = HevcSps::parse(&hevc_sps_with_sub_layers()).unwrap();
    assert_eq!(sps.max_sub_layers, 3);
    assert!(sps.general_tier_flag);
    assert_eq!((sps.general_profile_idc, sps.general_level_idc), (2, 123));
    assert_eq!((sps.width, sps.height), (1920, 1080));
    assert_eq!(sps.bit_depth_luma, 10);
    assert_eq!(sps.profile_name(), Some("Main 10"));
    // Every cut fails as a truncation (or, when only the stop bit's byte is cut, still
    // parses to the same), never panics.
    let nal = hevc_sps_with_sub_layers();
    for cut in 0..nal.len() {
        match HevcSps::parse(&nal[..cut]) {
            Ok(cut_sps) => assert_eq!(cut_sps, sps, "cut {cut}"),
            Err(e) => assert!(e.is_truncation(), "cut {cut}: {e}"),
        }
    }
}

#[test]
fn hevc_sps_errors() {
    assert!(matches!(
        HevcSps::parse(&hex("4001 0c01")),
        Err(MediaError::Unexpected {
            field: "nal_unit_type",
            value: 32,
            ..
        })
    ));
    // max_sub_layers_minus1 = 7 is out of range.
    assert!(matches!(
        HevcSps::parse(&hex("4201 0e")),
        Err(MediaError::OutOfRange {
            field: "sps_max_sub_layers_minus1",
            ..
        })
    ));
}

#[test]
fn hevc_profile_names_fall_back_to_the_compatibility_flags() {
    assert_eq!(hevc_profile_name(0, 0x4000_0000), Some("Main"));
    assert_eq!(hevc_profile_name(0, 0x2000_0000), Some("Main 10"));
    assert_eq!(hevc_profile_name(3, 0), Some("Main Still Picture"));
    assert_eq!(hevc_profile_name(4, 0), Some("Rext"));
    assert_eq!(hevc_profile_name(0, 0), None);
}

#[test]
fn svt_av1_record_and_sequence_header() {
    let rec = Av1Config::parse(fixture!("svtav1-320x240.av1C")).unwrap();
    assert_eq!(
        (rec.seq_profile, rec.seq_level_idx_0, rec.seq_tier_0),
        (0, 0, false)
    );
    assert_eq!(rec.profile_name(), Some("Main"));
    assert_eq!((rec.bit_depth, rec.chroma_name()), (8, "4:2:0"));
    let seq = rec.sequence_header().unwrap().unwrap();
    assert_eq!((seq.max_frame_width, seq.max_frame_height), (320, 240));
    assert_eq!(seq.frame_rate, None, "SVT-AV1 writes no timing info");
}

#[test]
fn ffmpeg_8s_enhanced_av1_sequence_start_agrees_with_its_metadata() {
    let tag = parse_video_tag(fixture!("erl-av1-seq.bin")).unwrap();
    let rec = Av1Config::parse(tag.body).unwrap();
    assert_eq!(rec.seq_profile, 1, "4:4:4 testsrc is AV1 High");
    assert_eq!(rec.profile_name(), Some("High"));
    assert_eq!(rec.chroma_name(), "4:4:4");
    let seq = rec.sequence_header().unwrap().unwrap();
    // The onMetaData of the same file says 980x540.
    assert_eq!((seq.max_frame_width, seq.max_frame_height), (980, 540));
    let empty = parse_video_tag(fixture!("erl-av1-empty-seq.bin")).unwrap();
    assert_eq!(
        Av1Config::parse(empty.body),
        Err(MediaError::Empty {
            what: "AV1 configuration record"
        })
    );
}

#[test]
fn av1_sequence_headers_with_timing_and_operating_points() {
    let mut w = BitWriter::new();
    w.bits(3, 0).flag(false).flag(false); // profile, still, reduced
    w.flag(true).bits(32, 1).bits(32, 25).flag(true).ue(0); // timing: 25 fps
    w.flag(true).bits(5, 9).bits(32, 1).bits(5, 3).bits(5, 3); // decoder model, 10-bit delays
    w.flag(true).bits(5, 1); // initial display delay; two operating points
    w.bits(12, 0x101)
        .bits(5, 8)
        .flag(true)
        .flag(true)
        .bits(21, 0)
        .flag(true)
        .bits(4, 1);
    w.bits(12, 0x103).bits(5, 4).flag(false).flag(false);
    w.bits(4, 10).bits(4, 10).bits(11, 1919).bits(11, 1079);
    let seq = Av1SequenceHeader::parse(&w.finish()).unwrap();
    assert_eq!(seq.seq_level_idx, 8);
    assert_eq!((seq.max_frame_width, seq.max_frame_height), (1920, 1080));
    assert_eq!(seq.frame_rate, Some(25.0));
    // Reduced still picture header.
    let mut w = BitWriter::new();
    w.bits(3, 0)
        .flag(true)
        .flag(true)
        .bits(5, 1)
        .bits(4, 7)
        .bits(4, 7)
        .bits(8, 99)
        .bits(8, 49);
    let still = Av1SequenceHeader::parse(&w.finish()).unwrap();
    assert!(still.still_picture);
    assert_eq!((still.max_frame_width, still.max_frame_height), (100, 50));
}

#[test]
fn av1_record_errors() {
    assert!(matches!(
        Av1Config::parse(&hex("01 00 0c 00")),
        Err(MediaError::Unexpected { value: 1, .. })
    ));
    // An OBU whose size runs past the end.
    let rec_bytes = hex("81 00 0c 00 0a 7f 00");
    let rec = Av1Config::parse(&rec_bytes).unwrap();
    assert!(rec.sequence_header().unwrap().unwrap_err().is_truncation());
    // A leb128 size of more than 8 bytes.
    let rec_bytes = hex("81 00 0c 00 0a ffffffffffffffff01");
    let rec = Av1Config::parse(&rec_bytes).unwrap();
    assert!(matches!(
        rec.sequence_header(),
        Some(Err(MediaError::Invalid { .. }))
    ));
    // No OBUs at all.
    assert!(Av1Config::parse(&hex("81 00 0c 00"))
        .unwrap()
        .sequence_header()
        .is_none());
}

#[test]
fn libvpx_vp9_record() {
    let rec = VpConfig::parse(fixture!("libvpx-vp9-320x240.vpcC")).unwrap();
    assert_eq!(rec.vp9_profile_name(), Some("Profile 0"));
    assert_eq!(
        (rec.level, rec.bit_depth, rec.chroma_subsampling),
        (20, 8, 1)
    );
    // The bare record (no version and flags) reads the same.
    let bare = VpConfig::parse(&fixture!("libvpx-vp9-320x240.vpcC")[4..]).unwrap();
    assert_eq!(bare, rec);
    assert!(VpConfig::parse(&hex("01 00 00 00 02"))
        .unwrap_err()
        .is_truncation());
}

#[test]
fn ffmpegs_aac_lc_config_is_44100_hz_stereo() {
    let tag = parse_audio_tag(fixture!("aac-lc-44100-stereo-seq.bin")).unwrap();
    let asc = AacConfig::parse(tag.body).unwrap();
    assert_eq!(
        (
            asc.object_type,
            asc.sampling_frequency,
            asc.channel_configuration
        ),
        (2, 44100, 2)
    );
    assert_eq!(asc.profile_name(), Some("LC"));
    assert_eq!((asc.sample_rate(), asc.channels()), (44100, Some(2)));
    assert!(!asc.sbr && !asc.ps);
}

#[test]
fn aac_configs_built_from_the_specification() {
    let asc = |w: &mut BitWriter| AacConfig::parse(&w.finish()).unwrap();
    // Explicit HE-AAC: SBR (5), 24 kHz core (6), stereo, 48 kHz output (3), core LC (2).
    let he = asc(BitWriter::new()
        .bits(5, 5)
        .bits(4, 6)
        .bits(4, 2)
        .bits(4, 3)
        .bits(5, 2));
    assert_eq!((he.object_type, he.core_object_type), (5, 2));
    assert_eq!(
        (he.sample_rate(), he.sampling_frequency, he.channels()),
        (48000, 24000, Some(2))
    );
    assert_eq!(he.profile_name(), Some("HE-AAC"));
    // HE-AACv2: PS (29) over a mono core: two channels out.
    let v2 = asc(BitWriter::new()
        .bits(5, 29)
        .bits(4, 6)
        .bits(4, 1)
        .bits(4, 3)
        .bits(5, 2));
    assert_eq!(
        (v2.channels(), v2.profile_name()),
        (Some(2), Some("HE-AACv2"))
    );
    // Backward-compatible signalling: LC 22050 Hz mono, GASpecificConfig, then sync extension
    // 0x2b7, SBR (5), present, 44100 Hz, then 0x548 with PS present.
    let compat = asc(BitWriter::new()
        .bits(5, 2)
        .bits(4, 7)
        .bits(4, 1)
        .bits(3, 0)
        .bits(11, 0x2b7)
        .bits(5, 5)
        .flag(true)
        .bits(4, 4)
        .bits(11, 0x548)
        .flag(true));
    assert!(compat.sbr && compat.ps);
    assert_eq!((compat.sample_rate(), compat.channels()), (44100, Some(2)));
    // Escape object type 31 (ER AAC ELD is 39 = 32 + 7) and an explicit 24-bit frequency.
    let eld = asc(BitWriter::new()
        .bits(5, 31)
        .bits(6, 7)
        .bits(4, 15)
        .bits(24, 12345)
        .bits(4, 1));
    assert_eq!(
        (eld.object_type, eld.sample_rate(), eld.profile_name()),
        (39, 12345, Some("ELD"))
    );
    // 7.1 is configuration 7; configuration 0 (a program config element) has no count here.
    let c7 = asc(BitWriter::new().bits(5, 2).bits(4, 3).bits(4, 7));
    assert_eq!(c7.channels(), Some(8));
    let c0 = asc(BitWriter::new().bits(5, 2).bits(4, 3).bits(4, 0));
    assert_eq!(c0.channels(), None);
}

#[test]
fn aac_config_errors() {
    assert_eq!(
        AacConfig::parse(&BitWriter::new().bits(5, 2).bits(4, 13).bits(7, 0).finish()),
        Err(MediaError::Reserved {
            what: "AAC AudioSpecificConfig",
            field: "samplingFrequencyIndex",
            value: 13
        })
    );
    assert!(AacConfig::parse(&[0x12]).unwrap_err().is_truncation());
    assert!(AacConfig::parse(&[]).unwrap_err().is_truncation());
    assert!(matches!(
        AacConfig::parse(
            &BitWriter::new()
                .bits(5, 2)
                .bits(4, 15)
                .bits(24, 0)
                .bits(4, 2)
                .finish()
        ),
        Err(MediaError::Invalid { .. })
    ));
}

#[test]
fn ffmpeg_8s_opus_head() {
    let tag = parse_audio_tag(fixture!("erl-opus-seq.bin")).unwrap();
    let head = OpusHead::parse(tag.body).unwrap();
    assert_eq!((head.version, head.channels, head.pre_skip), (1, 1, 312));
    assert_eq!((head.input_sample_rate, head.mapping_family), (48000, 0));
    assert!(matches!(
        OpusHead::parse(b"OpusTags\x01\x02"),
        Err(MediaError::Invalid { .. })
    ));
    assert!(OpusHead::parse(b"OpusHead\x01")
        .unwrap_err()
        .is_truncation());
}

#[test]
fn flac_streaminfo() {
    // fLaC, STREAMINFO (last, type 0, 34 bytes), block sizes 4096, frame sizes 0, then 48000 Hz,
    // 2 channels, 24 bits.
    let mut data = b"fLaC".to_vec();
    data.extend(hex("80 000022 1000 1000 000000 000000"));
    data.extend(
        BitWriter::new()
            .bits(20, 48000)
            .bits(3, 1)
            .bits(5, 23)
            .bits(36, 0)
            .finish(),
    );
    data.extend([0u8; 16]);
    let info = FlacStreamInfo::parse(&data).unwrap();
    assert_eq!(
        (info.sample_rate, info.channels, info.bits_per_sample),
        (48000, 2, 24)
    );
    data[4] = 0x84;
    assert!(matches!(
        FlacStreamInfo::parse(&data),
        Err(MediaError::Unexpected { value: 4, .. })
    ));
}

#[test]
fn mp3_frame_headers() {
    let tag = parse_audio_tag(fixture!("mp3-22050-mono-frame-head.bin")).unwrap();
    let h = Mp3FrameHeader::parse(tag.body).unwrap();
    assert_eq!(
        (h.version, h.layer, h.sample_rate, h.channels),
        (2, 3, 22050, 1)
    );
    let h = Mp3FrameHeader::parse(&hex("fffb 9044")).unwrap();
    assert_eq!((h.version, h.sample_rate, h.channels), (1, 44100, 2));
    let h = Mp3FrameHeader::parse(&hex("ffe3 14c4")).unwrap();
    assert_eq!((h.version, h.sample_rate, h.channels), (25, 12000, 1));
    for bad in ["0000 0000", "ffeb 9444", "fff9 9444", "fffb 9c44"] {
        assert!(Mp3FrameHeader::parse(&hex(bad)).is_err(), "{bad}");
    }
}
