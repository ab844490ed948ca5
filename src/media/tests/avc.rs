//! The AVCDecoderConfigurationRecord and the H.264 SPS: x264's real ones, and hand-built ones
//! for every branch of the syntax (written with the test bit writer).

use super::{escape, fixture, hex, BitWriter};
use crate::media::avc::{h264_level_name, h264_profile_name, AvcConfig, Sps, Timing};
use crate::media::video::parse_video_tag;
use crate::media::MediaError;

/// The record in a video sequence header fixture.
fn record(payload: &[u8]) -> AvcConfig<'_> {
    AvcConfig::parse(parse_video_tag(payload).unwrap().body).unwrap()
}

fn x264_sps(payload: &[u8]) -> Sps {
    record(payload)
        .first_sps()
        .expect("an SPS")
        .expect("it parses")
}

#[test]
fn x264_main_30_640x360_is_what_ffprobe_says() {
    let rec = record(fixture!("x264-main30-640x360-seq.bin"));
    assert_eq!(rec.version, 1);
    assert_eq!(rec.profile_indication, 77);
    assert_eq!(rec.level_indication, 30);
    assert_eq!(rec.nal_length_size, 4);
    assert_eq!((rec.sps.len(), rec.pps.len()), (1, 1));
    assert_eq!(rec.high_profile, None);
    let sps = x264_sps(fixture!("x264-main30-640x360-seq.bin"));
    assert_eq!(sps.profile_name(), Some("Main"));
    assert_eq!(sps.level_idc, 30);
    assert_eq!(sps.level_name(), "3.0");
    assert_eq!((sps.width, sps.height), (640, 360));
    assert_eq!(
        (sps.coded_width, sps.coded_height),
        (640, 368),
        "cropped from 23 macroblock rows"
    );
    assert_eq!((sps.chroma_format_idc, sps.bit_depth_luma), (1, 8));
    assert!(sps.frame_mbs_only);
    let timing = sps
        .vui
        .and_then(|v| v.timing)
        .expect("x264 writes VUI timing");
    // x264 counts ticks in fields: 25 fps is 1/50.
    assert_eq!(
        timing,
        Timing {
            num_units_in_tick: 1,
            time_scale: 50,
            fixed_frame_rate: false
        }
    );
    assert_eq!(timing.frame_rate(), Some(25.0));
    // Not marked fixed (ffmpeg feeds libx264 variable-rate timestamps), so no config rate.
    assert_eq!(sps.frame_rate(), None);
}

#[test]
fn x264_high_40_642x362_crops_to_the_odd_size() {
    let sps = x264_sps(fixture!("x264-high40-642x362-seq.bin"));
    assert_eq!(sps.profile_name(), Some("High"));
    assert_eq!(sps.level_idc, 40);
    assert_eq!((sps.coded_width, sps.coded_height), (656, 368));
    assert_eq!((sps.width, sps.height), (642, 362));
    let timing = sps.vui.unwrap().timing.unwrap();
    assert_eq!(timing.frame_rate(), Some(30.0));
}

#[test]
fn x264_baseline_is_constrained_baseline_level_1_3() {
    let sps = x264_sps(fixture!("x264-baseline-320x240-seq.bin"));
    assert_eq!(sps.profile_name(), Some("Constrained Baseline"));
    assert_eq!((sps.level_idc, sps.level_name().as_str()), (13, "1.3"));
    assert_eq!((sps.width, sps.height), (320, 240));
}

#[test]
fn x264_high_422_reads_the_chroma_branch() {
    let rec = record(fixture!("x264-high422-320x240-seq.bin"));
    assert_eq!(rec.profile_indication, 122);
    let sps = rec.first_sps().unwrap().unwrap();
    assert_eq!(sps.profile_name(), Some("High 4:2:2"));
    assert_eq!(sps.chroma_format_idc, 2);
    assert_eq!((sps.width, sps.height), (320, 240));
}

#[test]
fn x264_interlaced_has_field_macroblock_pairs() {
    let sps = x264_sps(fixture!("x264-interlaced-320x240-seq.bin"));
    assert!(!sps.frame_mbs_only);
    assert_eq!(sps.level_idc, 21);
    assert_eq!((sps.width, sps.height), (320, 240));
}

#[test]
fn a_truncated_avc_configuration_record_fails_at_every_cut() {
    let body = parse_video_tag(fixture!("x264-main30-640x360-seq.bin"))
        .unwrap()
        .body;
    for cut in 0..body.len() {
        let err = AvcConfig::parse(&body[..cut]).unwrap_err();
        assert!(err.is_truncation(), "cut at {cut}: {err}");
    }
    assert_eq!(
        AvcConfig::parse(&body[..10]).unwrap_err().to_string(),
        "AVC configuration record is cut short: sequenceParameterSetNALUnit needs 24 bytes at \
         offset 8, 2 left"
    );
}

#[test]
fn the_record_borrows_every_parameter_set() {
    // Version 1, High (100), compat 0, level 31, length size 4, two SPS, three PPS, then the
    // high-profile tail: 4:2:0, 8-bit, one SPS extension.
    let bytes = hex(
        "01 64 00 1f ff e2 0002 6701 0001 67 03 0001 68 0002 6802 0000 \
         fd f8 f8 01 0001 6d",
    );
    let rec = AvcConfig::parse(&bytes).unwrap();
    let sps: Vec<&[u8]> = rec.sps.iter().collect();
    assert_eq!(sps, [&[0x67, 0x01][..], &[0x67]]);
    let pps: Vec<&[u8]> = rec.pps.into_iter().collect();
    assert_eq!(pps, [&[0x68][..], &[0x68, 0x02], &[]]);
    let ext = rec.high_profile.unwrap();
    assert_eq!(
        (ext.chroma_format, ext.bit_depth_luma, ext.bit_depth_chroma),
        (1, 8, 8)
    );
    assert_eq!(ext.sps_ext.first(), Some(&[0x6d][..]));
    // A cut tail is no error: many encoders leave it out.
    let rec = AvcConfig::parse(&bytes[..bytes.len() - 3]).unwrap();
    assert_eq!(rec.high_profile, None);
}

#[test]
fn a_record_announcing_31_sps_with_bytes_for_one_is_truncated_without_allocating() {
    let bytes = hex("01 42 c0 1e ff ff 0001 67");
    assert!(matches!(
        AvcConfig::parse(&bytes),
        Err(MediaError::Truncated {
            field: "sequenceParameterSetNALUnit",
            ..
        })
    ));
}

#[test]
fn records_of_other_versions_or_without_sps_are_reported() {
    assert_eq!(
        AvcConfig::parse(&hex("00 42 c0 1e ff e1 0001 67 00")),
        Err(MediaError::Unexpected {
            what: "AVC configuration record",
            field: "configurationVersion",
            value: 0,
            expected: 1
        })
    );
    let rec_bytes = hex("01 42 c0 1e ff e0 00");
    let rec = AvcConfig::parse(&rec_bytes).unwrap();
    assert!(rec.first_sps().is_none());
    assert_eq!(
        AvcConfig::parse(&[]),
        Err(MediaError::Empty {
            what: "AVC configuration record"
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Hand-built SPSs

/// num_units_in_tick, time_scale, fixed_frame_rate_flag.
type TimingSpec = (u32, u32, bool);

/// The SPS fields a test chooses; the rest are fixed small values.
#[derive(Clone)]
struct SpsSpec {
    profile_idc: u8,
    constraints: u8,
    level_idc: u8,
    /// For the high profiles: chroma_format_idc, separate plane, bit depth - 8.
    chroma: Option<(u64, bool, u64)>,
    /// Scaling lists: per list, None (not present) or the delta_scale values to write.
    scaling: Option<Vec<Option<Vec<i64>>>>,
    poc_type: u64,
    poc_cycle: Vec<i64>,
    width_mbs: u64,
    height_map_units: u64,
    frame_mbs_only: bool,
    crop: Option<[u64; 4]>,
    /// aspect_ratio_idc and timing.
    vui: Option<(Option<u64>, Option<TimingSpec>)>,
}

fn spec() -> SpsSpec {
    SpsSpec {
        profile_idc: 77,
        constraints: 0x40,
        level_idc: 40,
        chroma: None,
        scaling: None,
        poc_type: 0,
        poc_cycle: Vec::new(),
        width_mbs: 120,
        height_map_units: 68,
        frame_mbs_only: true,
        crop: None,
        vui: None,
    }
}

/// The RBSP bits of an SPS (without the NAL header and without escaping).
fn sps_rbsp(s: &SpsSpec) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.bits(8, s.profile_idc.into())
        .bits(8, s.constraints.into())
        .bits(8, s.level_idc.into())
        .ue(0);
    if let Some((chroma, separate, depth)) = s.chroma {
        w.ue(chroma);
        if chroma == 3 {
            w.flag(separate);
        }
        w.ue(depth).ue(depth).flag(false);
        match &s.scaling {
            None => {
                w.flag(false);
            }
            Some(lists) => {
                w.flag(true);
                for list in lists {
                    w.flag(list.is_some());
                    for &d in list.iter().flatten() {
                        w.se(d);
                    }
                }
            }
        }
    }
    w.ue(0).ue(s.poc_type);
    match s.poc_type {
        0 => {
            w.ue(2);
        }
        1 => {
            w.flag(false).se(-1).se(2).ue(s.poc_cycle.len() as u64);
            for &o in &s.poc_cycle {
                w.se(o);
            }
        }
        _ => {}
    }
    w.ue(4).flag(false);
    w.ue(s.width_mbs - 1).ue(s.height_map_units - 1);
    w.flag(s.frame_mbs_only);
    if !s.frame_mbs_only {
        w.flag(true);
    }
    w.flag(true);
    w.flag(s.crop.is_some());
    for c in s
        .crop
        .unwrap_or_default()
        .iter()
        .take(if s.crop.is_some() { 4 } else { 0 })
    {
        w.ue(*c);
    }
    w.flag(s.vui.is_some());
    if let Some((sar, timing)) = s.vui {
        w.flag(sar.is_some());
        if let Some(idc) = sar {
            w.bits(8, idc);
            if idc == 255 {
                w.bits(16, 4).bits(16, 3);
            }
        }
        w.flag(false); // overscan
        w.flag(true)
            .bits(3, 5)
            .flag(true)
            .flag(true)
            .bits(24, 0x010101); // video signal
        w.flag(true).ue(1).ue(1); // chroma location
        w.flag(timing.is_some());
        if let Some((units, scale, fixed)) = timing {
            w.bits(32, units.into()).bits(32, scale.into()).flag(fixed);
        }
        w.flag(false).flag(false).flag(false).flag(false); // HRD, pic_struct, restriction
    }
    w.rbsp()
}

/// A whole SPS NAL unit: header 0x67 and the escaped RBSP.
fn sps_nal(s: &SpsSpec) -> Vec<u8> {
    let mut nal = vec![0x67];
    nal.extend(escape(&sps_rbsp(s)));
    nal
}

fn parse(s: &SpsSpec) -> Sps {
    Sps::parse(&sps_nal(s)).unwrap()
}

#[test]
fn a_1080p_sps_crops_8_rows_and_gives_its_fixed_frame_rate() {
    let s = SpsSpec {
        profile_idc: 100,
        constraints: 0,
        chroma: Some((1, false, 0)),
        crop: Some([0, 0, 0, 4]),
        vui: Some((Some(1), Some((1001, 60000, true)))),
        ..spec()
    };
    let sps = Sps::parse(&sps_nal(&s)).unwrap();
    assert_eq!((sps.width, sps.height), (1920, 1080));
    assert_eq!((sps.coded_width, sps.coded_height), (1920, 1088));
    let vui = sps.vui.unwrap();
    assert_eq!(vui.sample_aspect_ratio, Some((1, 1)));
    assert_eq!(vui.full_range, Some(true));
    let fps = sps.frame_rate().unwrap();
    assert!((fps - 29.97).abs() < 0.001, "{fps}");
}

#[test]
fn crop_units_follow_the_chroma_format() {
    let crop = Some([1, 2, 3, 4]);
    let base = SpsSpec {
        profile_idc: 100,
        width_mbs: 10,
        height_map_units: 10,
        crop,
        ..spec()
    };
    let cases = [
        // (chroma, separate plane, frame_mbs_only) -> crop unit x, crop unit y
        ((0, false, true), (1, 1)),
        ((1, false, true), (2, 2)),
        ((2, false, true), (2, 1)),
        ((3, false, true), (1, 1)),
        ((3, true, true), (1, 1)),
        ((1, false, false), (2, 4)),
    ];
    for ((chroma, separate, frames), (ux, uy)) in cases {
        let s = SpsSpec {
            chroma: Some((chroma, separate, 0)),
            frame_mbs_only: frames,
            ..base.clone()
        };
        let sps = parse(&s);
        let coded_h = if frames { 160 } else { 320 };
        assert_eq!(sps.coded_height, coded_h);
        assert_eq!(sps.width, 160 - ux * 3, "chroma {chroma}");
        assert_eq!(
            sps.height,
            coded_h - uy * 7,
            "chroma {chroma}, frames {frames}"
        );
        assert_eq!(sps.separate_colour_plane, separate);
    }
}

#[test]
fn scaling_lists_are_skipped_to_the_right_bit() {
    // Eight lists (4:2:0): some absent, one full 4x4 list of deltas, one that ends early when a
    // delta makes the next scale 0 (the "use default" signal), one 8x8 list.
    let mut lists: Vec<Option<Vec<i64>>> = vec![None; 8];
    lists[0] = Some(vec![1; 16]);
    lists[2] = Some(vec![-8]); // 8 - 8 = 0: the list ends after one delta
    lists[3] = Some(vec![3, -3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    lists[6] = Some(vec![2; 64]);
    let s = SpsSpec {
        profile_idc: 100,
        chroma: Some((1, false, 2)),
        scaling: Some(lists),
        width_mbs: 80,
        height_map_units: 45,
        ..spec()
    };
    let sps = parse(&s);
    assert_eq!((sps.width, sps.height), (1280, 720));
    assert_eq!((sps.bit_depth_luma, sps.bit_depth_chroma), (10, 10));

    // 4:4:4 has twelve lists, the last six of 64.
    let mut lists: Vec<Option<Vec<i64>>> = vec![None; 12];
    lists[7] = Some(vec![-8]);
    lists[11] = Some(vec![1; 64]);
    let s = SpsSpec {
        profile_idc: 244,
        chroma: Some((3, false, 0)),
        scaling: Some(lists),
        ..spec()
    };
    assert_eq!(parse(&s).width, 1920);
}

#[test]
fn poc_type_1_cycles_are_read() {
    let s = SpsSpec {
        poc_type: 1,
        poc_cycle: vec![-3, 5, 1000],
        ..spec()
    };
    assert_eq!((parse(&s).width, parse(&s).height), (1920, 1088));
    let s = SpsSpec {
        poc_type: 2,
        ..spec()
    };
    assert_eq!(parse(&s).width, 1920);
}

#[test]
fn an_sps_with_absurd_exp_golomb_runs_is_a_clear_error() {
    // profile, constraints, level, then 40 zero bits where seq_parameter_set_id starts.
    let nal = hex("67 4d 40 1e 00 00 03 00 00 00 00 ff");
    let err = Sps::parse(&nal).unwrap_err();
    assert_eq!(
        err,
        MediaError::ExpGolombTooLong {
            what: "H.264 SPS",
            field: "seq_parameter_set_id"
        }
    );
    assert_eq!(
        err.to_string(),
        "H.264 SPS: seq_parameter_set_id is an exp-Golomb code with 32 or more leading zero bits \
         (corrupt data)"
    );
    // A megabyte of zeros (with emulation prevention, as a muxer would write it) after the
    // header: the same error, found after 32 bits.
    let mut nal = hex("67 4d 40 1e");
    nal.extend(escape(&vec![0u8; 1 << 20]));
    assert!(matches!(
        Sps::parse(&nal),
        Err(MediaError::ExpGolombTooLong { .. })
    ));
}

#[test]
fn out_of_range_fields_are_errors() {
    let mut w = BitWriter::new();
    w.bits(24, 0x64_00_28).ue(0).ue(4);
    let err = Sps::parse(&[&[0x67][..], &w.rbsp()].concat()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "H.264 SPS: chroma_format_idc is 4, more than the 3 allowed"
    );

    let mut w = BitWriter::new();
    w.bits(24, 0x4d_40_28)
        .ue(0)
        .ue(0)
        .ue(1)
        .flag(false)
        .se(0)
        .se(0)
        .ue(256);
    assert!(matches!(
        Sps::parse(&[&[0x67][..], &w.rbsp()].concat()),
        Err(MediaError::OutOfRange {
            field: "num_ref_frames_in_pic_order_cnt_cycle",
            value: 256,
            ..
        })
    ));

    let s = SpsSpec {
        profile_idc: 110,
        chroma: Some((1, false, 7)),
        ..spec()
    };
    assert!(matches!(
        Sps::parse(&sps_nal(&s)),
        Err(MediaError::OutOfRange {
            field: "bit_depth_luma_minus8",
            ..
        })
    ));

    let s = SpsSpec {
        width_mbs: 4097,
        ..spec()
    };
    assert!(matches!(
        Sps::parse(&sps_nal(&s)),
        Err(MediaError::OutOfRange {
            field: "pic_width_in_mbs_minus1",
            ..
        })
    ));
}

#[test]
fn cropping_the_whole_picture_is_an_error() {
    let s = SpsSpec {
        width_mbs: 1,
        height_map_units: 1,
        crop: Some([4, 4, 0, 0]),
        ..spec()
    };
    assert_eq!(
        Sps::parse(&sps_nal(&s)).unwrap_err().to_string(),
        "H.264 SPS: frame_crop_left/right_offset is 16, more than the 15 allowed"
    );
    // Huge offsets do not overflow.
    let s = SpsSpec {
        crop: Some([u64::from(u32::MAX) - 1; 4]),
        ..spec()
    };
    assert!(Sps::parse(&sps_nal(&s)).is_err());
}

#[test]
fn a_truncated_sps_fails_cleanly_and_a_cut_vui_leaves_the_picture_size() {
    let s = SpsSpec {
        crop: Some([0, 0, 0, 4]),
        vui: Some((Some(255), Some((1, 50, true)))),
        ..spec()
    };
    let nal = sps_nal(&s);
    assert!(
        nal.windows(3).any(|w| w == [0, 0, 3]),
        "num_units_in_tick 1 needs emulation prevention"
    );
    let whole = Sps::parse(&nal).unwrap();
    assert_eq!(whole.vui.unwrap().sample_aspect_ratio, Some((4, 3)));
    assert_eq!(whole.frame_rate(), Some(25.0));
    let mut vui_cut = 0;
    for cut in 0..nal.len() {
        match Sps::parse(&nal[..cut]) {
            Ok(sps) => {
                assert_eq!((sps.width, sps.height), (whole.width, whole.height));
                assert!(sps.vui.is_none() || sps.vui == whole.vui, "cut at {cut}");
                vui_cut += 1;
            }
            Err(e) => assert!(e.is_truncation(), "cut at {cut}: {e}"),
        }
    }
    assert!(vui_cut > 5, "the cuts inside the VUI parse");
}

#[test]
fn an_sps_of_another_nal_type_is_refused() {
    assert_eq!(
        Sps::parse(&hex("68 ce 38 80")),
        Err(MediaError::Unexpected {
            what: "H.264 SPS",
            field: "nal_unit_type",
            value: 8,
            expected: 7
        })
    );
    assert_eq!(
        Sps::parse(&[]),
        Err(MediaError::Empty { what: "H.264 SPS" })
    );
}

#[test]
fn profile_and_level_names_are_ffprobes() {
    let cases = [
        (66, 0x00, Some("Baseline")),
        (66, 0x40, Some("Constrained Baseline")),
        (77, 0x40, Some("Main")),
        (88, 0x00, Some("Extended")),
        (100, 0x00, Some("High")),
        (110, 0x00, Some("High 10")),
        (110, 0x10, Some("High 10 Intra")),
        (122, 0x10, Some("High 4:2:2 Intra")),
        (244, 0x00, Some("High 4:4:4 Predictive")),
        (244, 0x10, Some("High 4:4:4 Intra")),
        (44, 0x00, Some("CAVLC 4:4:4")),
        (118, 0x00, Some("Multiview High")),
        (128, 0x00, Some("Stereo High")),
        (99, 0x00, None),
    ];
    for (idc, flags, name) in cases {
        assert_eq!(h264_profile_name(idc, flags), name, "{idc} {flags:#x}");
    }
    assert_eq!(h264_level_name(66, 0x10, 11), "1b");
    assert_eq!(h264_level_name(100, 0x10, 11), "1.1");
    assert_eq!(h264_level_name(100, 0x00, 9), "1b");
    assert_eq!(h264_level_name(77, 0x00, 31), "3.1");
}

#[test]
fn timing_with_zero_fields_has_no_frame_rate() {
    for (units, scale) in [(0, 50), (1, 0)] {
        let t = Timing {
            num_units_in_tick: units,
            time_scale: scale,
            fixed_frame_rate: true,
        };
        assert_eq!(t.frame_rate(), None);
    }
}

#[test]
fn x264_with_force_cfr_marks_the_vui_rate_fixed() {
    let sps = x264_sps(fixture!("x264-cfr25-seq.bin"));
    assert_eq!(sps.frame_rate(), Some(25.0));
    let sps = x264_sps(fixture!("x264-cfr2997-seq.bin"));
    let timing = sps.vui.unwrap().timing.unwrap();
    assert_eq!((timing.num_units_in_tick, timing.time_scale), (1001, 60000));
    let fps = sps.frame_rate().unwrap();
    assert!((fps - 30000.0 / 1001.0).abs() < 1e-9, "{fps}");
}
