//! The synthetic media of `rtmp_probe::media::synth` against ffmpeg and ffprobe 5.1: written into
//! files ffmpeg reads, then decoded, probed and traced by ffmpeg's own bitstream readers.
//!
//! H.264 + AAC go into FLV (tests/synth/flv.rs, what an RTMP server records). ffmpeg 5.1's FLV
//! demuxer predates Enhanced RTMP, so HEVC goes into an Annex B byte stream (`-f hevc`), AV1
//! into the low-overhead OBU format (`-f obu`), and Opus into Ogg (tests/synth/ogg.rs), each
//! taken apart from the generated FLV tag bodies by readers written from the container specs
//! (tests/synth/records.rs).

mod flv;
mod ogg;
mod records;
mod tools;

use rtmp_probe::media::synth::{
    find_marker, AudioCodec, FrameRate, Generator, Item, ItemKind, SynthConfig, VideoCodec,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tools::{decodes_without_error, probe, trace_headers, traced};

/// Every item of `duration` of media, the send times from a made-up clock.
fn generate(config: SynthConfig, duration: Duration) -> Vec<Item> {
    let mut generator = Generator::new(config).expect("valid configuration");
    let mut items = Vec::new();
    while generator.next_due() < duration {
        let due = generator.next_due();
        items.push(generator.next(1_700_000_000_000_000 + due.as_micros() as u64));
    }
    items
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write a test file");
    path
}

fn stream<'a>(probe: &'a Value, codec_type: &str) -> &'a Value {
    probe["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .find(|s| s["codec_type"] == codec_type)
        .unwrap_or_else(|| panic!("no {codec_type} stream in {probe}"))
}

/// The decoded pictures of `file` as raw yuv420p frames.
fn decoded_frames(file: &Path, width: usize, height: usize) -> Vec<Vec<u8>> {
    let path = file.to_str().unwrap();
    let raw = tools::ffmpeg(&[
        "-i", path, "-map", "0:v", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-",
    ]);
    let frame = width * height + 2 * (width.div_ceil(2) * height.div_ceil(2));
    assert_eq!(raw.len() % frame, 0, "whole frames");
    raw.chunks(frame).map(<[u8]>::to_vec).collect()
}

/// One H.264 + AAC configuration: decode, probe, count, look at the pixels, find the markers.
fn check_h264_and_aac(config: SynthConfig, seconds: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let items = generate(config.clone(), Duration::from_secs(seconds));
    let file = write(dir.path(), "out.flv", &flv::mux(&items, true));
    let (w, h) = (config.width as usize, config.height as usize);
    let fps = config.frame_rate;
    let frames = (seconds * u64::from(fps.num)).div_ceil(u64::from(fps.den));

    // The sequence header holds a well-formed AVCDecoderConfigurationRecord.
    let header = items
        .iter()
        .find(|i| i.kind == ItemKind::VideoConfig)
        .expect("header");
    assert_eq!(
        &header.body[..5],
        [0x17, 0, 0, 0, 0],
        "key frame, AVC, sequence header"
    );
    let avcc = records::parse_avcc(&header.body[5..]);
    assert_eq!((avcc.profile, avcc.length_size), (66, 4));
    assert_eq!((avcc.sps.len(), avcc.pps.len()), (1, 1));

    // Every frame decodes, and not one error is printed.
    decodes_without_error(&[], &file);
    decodes_without_error(
        &["-err_detect", "+crccheck+bitstream+buffer+explode"],
        &file,
    );

    let streams = probe(&["-show_streams", file.to_str().unwrap()]);
    let video = stream(&streams, "video");
    assert_eq!(video["codec_name"], "h264", "{video}");
    assert_eq!(video["profile"], "Constrained Baseline");
    assert_eq!(video["width"], w);
    assert_eq!(video["height"], h);
    assert_eq!(video["pix_fmt"], "yuv420p");
    assert_eq!(
        video["level"], avcc.level,
        "the record's level is the SPS's"
    );
    // r_frame_rate comes from the SPS timing; avg_frame_rate from onMetaData's framerate,
    // which ffmpeg reads as a fraction with a denominator of at most 1000.
    assert_eq!(
        video["r_frame_rate"],
        format!("{}/{}", fps.num, fps.den),
        "{video}"
    );
    let avg = video["avg_frame_rate"].as_str().expect("avg_frame_rate");
    let (num, den) = avg.split_once('/').expect("a fraction");
    let avg = num.parse::<f64>().unwrap() / den.parse::<f64>().unwrap();
    assert!((avg - fps.as_f64()).abs() < 1e-3, "{video}");
    let audio = stream(&streams, "audio");
    assert_eq!(audio["codec_name"], "aac");
    assert_eq!(audio["profile"], "LC");
    assert_eq!(
        audio["sample_rate"],
        config.audio_sample_rate.to_string().as_str()
    );
    assert_eq!(audio["channels"], config.audio_channels);

    // Every frame is there, with a key frame every keyframe interval.
    let shown = probe(&[
        "-show_frames",
        "-select_streams",
        "v",
        "-show_entries",
        "frame=key_frame,pict_type",
        file.to_str().unwrap(),
    ]);
    let shown = shown["frames"].as_array().expect("frames");
    assert_eq!(shown.len() as u64, frames);
    let every = config.keyframe_every();
    for (n, frame) in shown.iter().enumerate() {
        let key = (n as u64).is_multiple_of(every);
        assert_eq!(frame["key_frame"], u8::from(key), "frame {n}");
        assert_eq!(frame["pict_type"], if key { "I" } else { "P" }, "frame {n}");
    }
    let audio_frames = probe(&[
        "-count_frames",
        "-select_streams",
        "a",
        "-show_entries",
        "stream=nb_read_frames",
        file.to_str().unwrap(),
    ]);
    let expected_audio = (seconds * u64::from(config.audio_sample_rate)).div_ceil(1024);
    assert_eq!(
        audio_frames["streams"][0]["nb_read_frames"],
        expected_audio.to_string().as_str()
    );

    // The pictures are exactly what the bitstream says: grey, and from the first P frame on a
    // light macroblock that moves one step a frame (cropped at the right and bottom edges).
    let mb_w = w.div_ceil(16);
    let total = mb_w * h.div_ceil(16);
    let pictures = decoded_frames(&file, w, h);
    assert_eq!(pictures.len() as u64, frames);
    for (n, picture) in pictures.iter().enumerate() {
        let element =
            (!(n as u64).is_multiple_of(every)).then(|| if total <= 2 { 0 } else { n % total });
        let (luma, chroma) = picture.split_at(w * h);
        for (y, row) in luma.chunks(w).enumerate() {
            for (x, run) in row.chunks(16).enumerate() {
                let mb = (y / 16) * mb_w + x;
                let value = if Some(mb) == element { 226 } else { 128 };
                assert!(
                    run == &[value; 16][..run.len()],
                    "frame {n}, row {y}, macroblock column {x}: {run:?}, not {value}"
                );
            }
        }
        assert!(chroma == vec![128; chroma.len()], "frame {n}: grey chroma");
    }

    // The markers come back from the file, in order, with their checksums intact.
    let tags = flv::tags(&std::fs::read(&file).unwrap());
    assert_markers_in_order(&tags, frames);

    // And they survive an ffmpeg remux, as through an ffmpeg relay.
    let remuxed = dir.path().join("remux.flv");
    let (from, to) = (file.to_str().unwrap(), remuxed.to_str().unwrap());
    tools::ffmpeg(&["-i", from, "-c", "copy", "-f", "flv", to]);
    assert_markers_in_order(&flv::tags(&std::fs::read(&remuxed).unwrap()), frames);
}

fn assert_markers_in_order(tags: &[(u8, u32, Vec<u8>)], frames: u64) {
    let markers: Vec<_> = tags
        .iter()
        .filter(|(t, _, _)| *t == 9)
        .filter_map(|(_, _, body)| find_marker(body))
        .collect();
    assert_eq!(markers.len() as u64, frames);
    for (n, marker) in markers.iter().enumerate() {
        assert_eq!(marker.seq, n as u64);
        assert!(marker.checksum_ok, "frame {n}");
        assert!(marker.send_time_us >= 1_700_000_000_000_000);
    }
}

#[test]
fn h264_and_aac_at_320x180_and_30_fps_decode_without_a_single_error_as_configured() {
    check_h264_and_aac(SynthConfig::default(), 5);
}

#[test]
fn h264_at_a_size_that_is_no_multiple_of_16_and_25_fps_with_mono_44100_hz_aac_decodes_cropped() {
    check_h264_and_aac(
        SynthConfig {
            width: 250,
            height: 142,
            frame_rate: FrameRate::per_second(25),
            keyframe_interval: Duration::from_secs(1),
            audio_sample_rate: 44_100,
            audio_channels: 1,
            ..SynthConfig::default()
        },
        3,
    );
}

#[test]
fn h264_at_1280x720_and_29_97_fps_decodes_without_a_single_error() {
    check_h264_and_aac(
        SynthConfig {
            width: 1280,
            height: 720,
            frame_rate: FrameRate::new(30000, 1001),
            ..SynthConfig::default()
        },
        3,
    );
}

#[test]
fn h264_in_pictures_of_one_and_two_macroblocks_decodes_without_a_single_error() {
    for (width, height) in [(16, 16), (30, 16), (2, 2)] {
        check_h264_and_aac(
            SynthConfig {
                width,
                height,
                keyframe_interval: Duration::from_millis(500),
                ..SynthConfig::default()
            },
            1,
        );
    }
}

#[test]
fn ffmpegs_own_h264_parser_reads_every_parameter_set_sei_and_slice_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = SynthConfig {
        width: 250,
        height: 142,
        ..SynthConfig::default()
    };
    let items = generate(config, Duration::from_secs(1));
    let file = write(dir.path(), "out.flv", &flv::mux(&items, true));
    let trace = trace_headers(&[], &file);
    assert!(
        !trace
            .iter()
            .any(|l| l.contains("Failed") || l.contains("rror")),
        "{trace:#?}"
    );
    assert_eq!(trace.iter().filter(|l| *l == "Slice Header").count(), 30);
    let seis = trace
        .iter()
        .filter(|l| *l == "User Data Unregistered")
        .count();
    assert_eq!(seis, 30);
    assert_eq!(traced(&trace, "pic_width_in_mbs_minus1"), Some(15));
    assert_eq!(traced(&trace, "pic_height_in_map_units_minus1"), Some(8));
    assert_eq!(traced(&trace, "frame_crop_right_offset"), Some(3));
    assert_eq!(traced(&trace, "frame_crop_bottom_offset"), Some(1));
    assert_eq!(traced(&trace, "time_scale"), Some(60));
    assert_eq!(traced(&trace, "uuid_iso_iec_11578[0]"), Some(0x59));
}

/// The HEVC parameter sets and frames as an Annex B byte stream.
fn hevc_annex_b(items: &[Item]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut parameter_sets = Vec::new();
    let mut frames = Vec::new();
    for item in items {
        match item.kind {
            ItemKind::VideoConfig => {
                assert_eq!(&item.body[..5], b"\x90hvc1");
                let hvcc = records::parse_hvcc(&item.body[5..]);
                assert_eq!(hvcc.length_size, 4);
                let types: Vec<u8> = hvcc.arrays.iter().map(|(t, _)| *t).collect();
                assert_eq!(types, [32, 33, 34], "VPS, SPS, PPS");
                for (_, nals) in hvcc.arrays {
                    parameter_sets.extend(nals);
                }
            }
            ItemKind::VideoFrame { .. } => {
                // CodedFramesX: no composition time.
                frames.extend(records::split_nals(&item.body[5..]));
            }
            _ => {}
        }
    }
    (parameter_sets, frames)
}

#[test]
fn the_hevc_record_holds_parameter_sets_that_ffmpeg_parses_for_size_rate_and_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = SynthConfig {
        video: VideoCodec::Hevc,
        audio: AudioCodec::None,
        width: 250,
        height: 142,
        frame_rate: FrameRate::per_second(25),
        ..SynthConfig::default()
    };
    let items = generate(config, Duration::from_secs(3));
    let (parameter_sets, frames) = hevc_annex_b(&items);
    assert_eq!(frames.len(), 150, "an SEI and a slice a frame");

    let all = [parameter_sets, frames].concat();
    let file = write(dir.path(), "all.hevc", &records::annex_b(&all));

    // ffmpeg's HEVC decoder takes the parameter sets and slice headers without an error. (The
    // slice data is a placeholder, not CABAC, so what it outputs is noise; it just happens not
    // to complain about it.)
    decodes_without_error(&["-f", "hevc"], &file);

    // ffprobe sees Main profile at the configured size and rate...
    let streams = probe(&["-show_streams", "-f", "hevc", file.to_str().unwrap()]);
    let video = stream(&streams, "video");
    assert_eq!(video["codec_name"], "hevc");
    assert_eq!(video["profile"], "Main");
    assert_eq!(video["width"], 250);
    assert_eq!(video["height"], 142);
    assert_eq!(video["r_frame_rate"], "25/1");

    // ...and ffmpeg's own HEVC parser reads every parameter set, SEI and slice segment header.
    let trace = trace_headers(&["-f", "hevc"], &file);
    assert!(
        !trace
            .iter()
            .any(|l| l.contains("Failed") || l.contains("rror")),
        "{trace:#?}"
    );
    assert_eq!(
        trace
            .iter()
            .filter(|l| *l == "Slice Segment Header")
            .count(),
        75
    );
    assert_eq!(
        trace
            .iter()
            .filter(|l| *l == "User Data Unregistered")
            .count(),
        75
    );
    assert_eq!(traced(&trace, "general_profile_idc"), Some(1));
    assert_eq!(traced(&trace, "pic_width_in_luma_samples"), Some(256));
    assert_eq!(traced(&trace, "conf_win_right_offset"), Some(3));
    assert_eq!(traced(&trace, "conf_win_bottom_offset"), Some(1));
    assert_eq!(traced(&trace, "vui_time_scale"), Some(25));
    assert_eq!(
        traced(&trace, "nal_unit_type"),
        Some(1),
        "the last slice is TRAIL_R"
    );
}

#[test]
fn the_av1_record_holds_a_sequence_header_that_ffmpeg_parses_for_size_rate_and_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = SynthConfig {
        video: VideoCodec::Av1,
        audio: AudioCodec::None,
        width: 250,
        height: 142,
        frame_rate: FrameRate::new(30000, 1001),
        ..SynthConfig::default()
    };
    let items = generate(config, Duration::from_secs(3));
    let mut config_obus = Vec::new();
    let mut units = Vec::new();
    for item in &items {
        match item.kind {
            ItemKind::VideoConfig => {
                assert_eq!(&item.body[..5], b"\x90av01");
                let (profile, level, obus) = records::parse_av1c(&item.body[5..]);
                assert_eq!((profile, level), (0, 0), "Main profile, level 2.0");
                config_obus = obus;
            }
            ItemKind::VideoFrame { .. } => units.push(records::split_obus(&item.body[5..])),
            _ => {}
        }
    }
    assert_eq!(units.len(), 90);
    // Key frames: sequence header, metadata (the marker), padding; others: metadata, padding.
    for (n, unit) in units.iter().enumerate() {
        let types: Vec<u8> = unit.iter().map(|(t, _)| *t).collect();
        let expected: &[u8] = if n % 60 == 0 { &[1, 5, 15] } else { &[5, 15] };
        assert_eq!(types, expected, "temporal unit {n}");
    }
    assert_eq!(
        units[0][0].1, config_obus,
        "the key frame repeats the record's header"
    );

    // The sequence header alone, as ffmpeg's AV1 reader (CBS) parses it.
    let header = write(
        dir.path(),
        "header.obu",
        &[&records::TEMPORAL_DELIMITER[..], &config_obus].concat(),
    );
    let trace = trace_headers(&["-f", "obu"], &header);
    assert_eq!(traced(&trace, "seq_profile"), Some(0));
    assert_eq!(traced(&trace, "max_frame_width_minus_1"), Some(249));
    assert_eq!(traced(&trace, "max_frame_height_minus_1"), Some(141));
    assert_eq!(traced(&trace, "num_units_in_display_tick"), Some(1001));
    assert_eq!(traced(&trace, "time_scale"), Some(30000));
    assert_eq!(traced(&trace, "trailing_one_bit"), Some(1));

    // The temporal units without the marker (ffmpeg 5.1's AV1 reader refuses the private
    // metadata type, see docs/DECISIONS.md): ffprobe reads them and the header's size.
    let mut stream_bytes = Vec::new();
    for unit in &units {
        stream_bytes.extend_from_slice(&records::TEMPORAL_DELIMITER);
        for (t, obu) in unit {
            if *t != 5 {
                stream_bytes.extend_from_slice(obu);
            }
        }
    }
    let file = write(dir.path(), "units.obu", &stream_bytes);
    let out = tools::run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-of",
            "json",
            "-show_streams",
            "-f",
            "obu",
            file.to_str().unwrap(),
        ],
    );
    let streams: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let video = stream(&streams, "video");
    assert_eq!(video["codec_name"], "av1");
    assert_eq!(video["profile"], "Main");
    assert_eq!(video["coded_width"], 250);
    assert_eq!(video["coded_height"], 142);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Failed to read unit"), "{stderr}");
}

#[test]
fn the_opus_id_header_and_silent_packets_decode_to_silence_in_both_of_ffmpegs_decoders() {
    let dir = tempfile::tempdir().expect("tempdir");
    for channels in [1u8, 2] {
        let config = SynthConfig {
            audio: AudioCodec::Opus,
            audio_channels: channels,
            ..SynthConfig::default()
        };
        let items = generate(config, Duration::from_secs(2));
        let mut head = Vec::new();
        let mut packets = Vec::new();
        for item in &items {
            match item.kind {
                ItemKind::AudioConfig => {
                    assert_eq!(&item.body[..5], b"\x90Opus", "SequenceStart");
                    head = item.body[5..].to_vec();
                }
                ItemKind::AudioFrame => {
                    assert_eq!(&item.body[..5], b"\x91Opus", "CodedFrames");
                    packets.push(item.body[5..].to_vec());
                }
                _ => {}
            }
        }
        assert_eq!(packets.len(), 100, "20 ms packets");
        let file = write(dir.path(), "out.opus", &ogg::mux_opus(&head, &packets, 960));
        decodes_without_error(&[], &file);
        decodes_without_error(&["-c:a", "libopus"], &file);
        let streams = probe(&["-show_streams", file.to_str().unwrap()]);
        let audio = stream(&streams, "audio");
        assert_eq!(audio["codec_name"], "opus");
        assert_eq!(audio["sample_rate"], "48000");
        assert_eq!(audio["channels"], channels);
        for decoder in ["opus", "libopus"] {
            let path = file.to_str().unwrap();
            let pcm = tools::ffmpeg(&["-c:a", decoder, "-i", path, "-f", "s16le", "-"]);
            let samples = 100 * 960 * usize::from(channels);
            assert_eq!(pcm.len(), 2 * samples, "{decoder}: 2 s of samples");
            assert!(pcm.iter().all(|&b| b == 0), "{decoder}: digital silence");
        }
    }
}

/// The stream of `tests/fixtures/synth-h264-aac-64x48.flv` (see README-synth.md there).
fn fixture_stream() -> Vec<u8> {
    let config = SynthConfig {
        width: 64,
        height: 48,
        keyframe_interval: Duration::from_millis(500),
        ..SynthConfig::default()
    };
    flv::mux(&generate(config, Duration::from_secs(1)), true)
}

#[test]
fn the_committed_fixture_is_what_the_generator_makes_and_ffmpeg_decodes_it() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/synth-h264-aac-64x48.flv");
    let made = fixture_stream();
    if std::env::var_os("RTMP_PROBE_REGENERATE_FIXTURES").is_some() {
        std::fs::write(&path, &made).expect("write the fixture");
    }
    let committed = std::fs::read(&path).expect("the fixture (regenerate: see README-synth.md)");
    assert!(
        committed == made,
        "the generator's output changed; if on purpose, regenerate the fixture (README-synth.md)"
    );
    decodes_without_error(&[], &path);
    assert_markers_in_order(&flv::tags(&committed), 30);
}
