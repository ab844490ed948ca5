//! The monitor end to end: real sequence headers and frame heads through `MediaMonitor`, the
//! summary the play check will render, and the problems it must report.

use std::time::Duration;

use super::{fixture, flv_tag, hex};
use crate::media::codec::{AudioCodec, VideoCodec};
use crate::media::monitor::{MediaMessage, MediaMonitor, MAX_PROBLEMS};
use crate::media::stats::{MediaKind, StatsConfig};
use crate::media::summary::ProblemKind;
use crate::media::Metadata;
use crate::protocol::amf0::decode_all;
use crate::protocol::Limits;

fn monitor() -> MediaMonitor {
    MediaMonitor::new(StatsConfig {
        gap_threshold: Duration::from_secs(2),
    })
}

fn at(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// A frame message whose head is `head` but whose full length is `len`.
fn cut(timestamp: u32, arrival_ms: u64, len: u32, head: &[u8]) -> MediaMessage<'_> {
    MediaMessage {
        timestamp,
        arrival: at(arrival_ms),
        len,
        head,
    }
}

/// 2 s of ffmpeg's 640x360 H.264 + AAC stream, from the real sequence headers and frame heads.
fn feed_ffmpeg_stream(m: &mut MediaMonitor) {
    let values = decode_all(fixture!("ffmpeg-onmetadata.bin"), &Limits::default()).unwrap();
    assert!(m.on_data(&values));
    let seq = fixture!("x264-main30-640x360-seq.bin");
    let seen = m.on_video(MediaMessage::whole(0, at(0), seq)).unwrap();
    assert!(seen.config && !seen.frame && !seen.keyframe);
    let aac = fixture!("aac-lc-44100-stereo-seq.bin");
    assert!(
        m.on_audio(MediaMessage::whole(0, at(0), aac))
            .unwrap()
            .config
    );
    let key = fixture!("x264-main30-keyframe-head.bin");
    let inter = fixture!("x264-main30-interframe-head.bin");
    let frame = fixture!("aac-lc-frame-head.bin");
    for i in 0..50u32 {
        let (head, len) = if i % 25 == 0 {
            (key, 6000)
        } else {
            (inter, 1500)
        };
        let seen = m
            .on_video(cut(i * 40, u64::from(i) * 40, len, head))
            .unwrap();
        assert_eq!(
            (seen.kind, seen.frame, seen.keyframe),
            (MediaKind::Video, true, i % 25 == 0)
        );
    }
    for k in 0..86u32 {
        let ts = (f64::from(k) * 1024.0 * 1000.0 / 44100.0).round() as u32;
        m.on_audio(cut(ts, u64::from(ts), 371, frame)).unwrap();
    }
}

#[test]
fn ffmpegs_h264_and_aac_stream_comes_out_as_ffprobe_says() {
    let mut m = monitor();
    feed_ffmpeg_stream(&mut m);
    let s = m.summary(at(2000));
    let v = s.video.unwrap();
    let info = v.info.as_ref().unwrap();
    assert_eq!(v.codec_name().as_deref(), Some("h264"));
    assert_eq!(
        (info.profile, info.level, info.level_name.as_deref()),
        (Some("Main"), Some(30), Some("3.0"))
    );
    assert_eq!((info.width, info.height), (Some(640), Some(360)));
    assert_eq!(info.config_fps, None, "x264's VUI rate is not marked fixed");
    assert!((v.fps().unwrap() - 25.0).abs() < 1e-9);
    assert_eq!((v.frames(), v.keyframes()), (50, 2));
    // Mean frame 1680 bytes (2 x 6000 + 48 x 1500) x 8 x 25.
    assert_eq!(v.bitrate_bps(), Some(336_000));
    assert_eq!(v.keyframe_interval().unwrap().min_s, 1.0);
    let a = s.audio.unwrap();
    let ainfo = a.info.as_ref().unwrap();
    assert_eq!(a.codec_name().as_deref(), Some("aac"));
    assert_eq!(
        (ainfo.profile, ainfo.sample_rate, ainfo.channels),
        (Some("LC"), Some(44100), Some(2))
    );
    assert_eq!(a.frames(), 86);
    assert!(!ainfo.enhanced);
    let meta = s.metadata.unwrap();
    assert_eq!(meta.width(), Some(640.0));
    assert_eq!(s.metadata_messages, 1);
    assert_eq!(
        s.disagreements,
        [],
        "ffmpeg's metadata agrees with its stream"
    );
    assert_eq!((s.stalls, s.problems.len()), (0, 0));
    let drift = s.av_drift_s.unwrap();
    assert!(drift.abs() < 0.05, "{drift}");
}

#[test]
fn metadata_that_disagrees_with_the_sps_is_reported() {
    let mut m = monitor();
    feed_ffmpeg_stream(&mut m);
    let values = [
        crate::protocol::amf0::Value::String("onMetaData".into()),
        crate::protocol::amf0::Value::ecma_array(vec![
            ("width".into(), 1280.0.into()),
            ("height".into(), 360.0.into()),
        ]),
    ];
    assert!(m.on_data(&values));
    let s = m.summary(at(2000));
    assert_eq!(s.metadata_messages, 2);
    assert_eq!(s.disagreements.len(), 1);
    assert_eq!(
        (
            s.disagreements[0].field,
            s.disagreements[0].metadata.as_str(),
            s.disagreements[0].stream.as_str()
        ),
        ("width", "1280", "640 (sequence header)")
    );
}

#[test]
fn ffmpeg_8s_enhanced_av1_and_opus_stream() {
    let mut m = monitor();
    let meta = Metadata::from_payload(fixture!("erl-onmetadata.bin"), &Limits::default()).unwrap();
    assert!(meta.is_some());
    let values = decode_all(fixture!("erl-onmetadata.bin"), &Limits::default()).unwrap();
    m.on_data(&values);
    // The empty av01 SequenceStart first: no problem, nothing learnt.
    assert!(
        m.on_video(MediaMessage::whole(
            0,
            at(0),
            fixture!("erl-av1-empty-seq.bin")
        ))
        .unwrap()
        .config
    );
    assert!(m.video_info().is_none());
    m.on_audio(MediaMessage::whole(0, at(0), fixture!("erl-opus-seq.bin")))
        .unwrap();
    m.on_audio(MediaMessage::whole(
        0,
        at(0),
        fixture!("erl-opus-multichannel.bin"),
    ))
    .unwrap();
    m.on_video(MediaMessage::whole(7, at(0), fixture!("erl-av1-seq.bin")))
        .unwrap();
    let color = m
        .on_video(MediaMessage::whole(
            7,
            at(0),
            fixture!("erl-av1-colorinfo.bin"),
        ))
        .unwrap();
    assert!(!color.frame && !color.keyframe && !color.config);
    for i in 0..60u32 {
        let head = if i % 30 == 0 {
            fixture!("erl-av1-keyframe-head.bin")
        } else {
            fixture!("erl-av1-interframe-head.bin")
        };
        let ts = 7 + (f64::from(i) * 1000.0 / 30.0).round() as u32;
        m.on_video(cut(ts, u64::from(ts), 4000, head)).unwrap();
        m.on_audio(cut(
            ts,
            u64::from(ts),
            500,
            fixture!("erl-opus-frame-head.bin"),
        ))
        .unwrap();
    }
    let s = m.summary(at(2000));
    let v = s.video.unwrap();
    let info = v.info.clone().unwrap();
    assert_eq!((info.codec, info.enhanced), (VideoCodec::Av1, true));
    assert_eq!(
        (info.profile, info.width, info.height),
        (Some("High"), Some(980), Some(540))
    );
    assert_eq!((v.frames(), v.keyframes()), (60, 2));
    assert!((v.fps().unwrap() - 30.0).abs() < 0.1);
    let a = s.audio.unwrap();
    let ainfo = a.info.clone().unwrap();
    assert_eq!(
        (ainfo.codec, ainfo.sample_rate, ainfo.channels),
        (AudioCodec::Opus, Some(48000), Some(1))
    );
    assert_eq!(a.codec_name().as_deref(), Some("opus"));
    assert_eq!(s.disagreements, [], "{:?}", s.disagreements);
}

#[test]
fn a_truncated_avc_configuration_record_is_a_config_problem() {
    let mut m = monitor();
    let seq = fixture!("x264-main30-640x360-seq.bin");
    let short = &seq[..20];
    let problem = m
        .on_video(MediaMessage::whole(0, at(0), short))
        .unwrap_err();
    assert_eq!(problem.kind, ProblemKind::VideoConfig);
    assert!(problem.is_config() && !problem.incomplete);
    assert_eq!(
        problem.to_string(),
        "video sequence header at 0 ms: AVC configuration record is cut short: \
         sequenceParameterSetNALUnit needs 24 bytes at offset 8, 7 left"
    );
    let s = m.summary(at(100));
    assert_eq!(s.problems, [problem]);
    assert_eq!(s.problem_count, 1);
    assert!(s.video.unwrap().info.is_none());
}

#[test]
fn a_sequence_header_cut_by_the_caller_is_not_called_broken() {
    let mut m = monitor();
    let seq = fixture!("x264-main30-640x360-seq.bin");
    let problem = m
        .on_video(cut(0, 0, seq.len() as u32, &seq[..20]))
        .unwrap_err();
    assert!(problem.incomplete && !problem.is_config());
    assert!(
        problem
            .to_string()
            .contains("(only its first bytes were kept)"),
        "{problem}"
    );
}

#[test]
fn an_sps_with_absurd_exp_golomb_runs_is_a_config_problem() {
    // A record around an SPS whose seq_parameter_set_id starts with 40 zero bits.
    let record = hex("17 00 000000 01 4d 40 1e ff e1 000c 67 4d 40 1e 00 00 03 00 00 00 00 ff 00");
    let mut m = monitor();
    let problem = m
        .on_video(MediaMessage::whole(0, at(0), &record))
        .unwrap_err();
    assert!(problem.is_config());
    assert!(
        problem
            .detail
            .contains("exp-Golomb code with 32 or more leading zero bits"),
        "{problem}"
    );
}

#[test]
fn hevc_vp9_and_legacy_id_12_sequence_headers() {
    let hvcc = fixture!("x265-main-320x240.hvcC");
    for header in [hex("90 68766331"), hex("1c 00 000000")] {
        let mut m = monitor();
        let payload = [header.as_slice(), hvcc].concat();
        m.on_video(MediaMessage::whole(0, at(0), &payload)).unwrap();
        let info = m.video_info().unwrap();
        assert_eq!(
            (info.codec, info.profile, info.level),
            (VideoCodec::Hevc, Some("Main"), Some(60))
        );
        assert_eq!(
            (info.width, info.height, info.level_name.as_deref()),
            (Some(320), Some(240), Some("2.0"))
        );
    }
    let mut m = monitor();
    let payload = [
        hex("90 76703039").as_slice(),
        fixture!("libvpx-vp9-320x240.vpcC"),
    ]
    .concat();
    m.on_video(MediaMessage::whole(0, at(0), &payload)).unwrap();
    let info = m.video_info().unwrap();
    assert_eq!(
        (info.codec, info.profile, info.level),
        (VideoCodec::Vp9, Some("Profile 0"), Some(20))
    );
    let mut m = monitor();
    let payload = [
        hex("90 61763031").as_slice(),
        fixture!("svtav1-320x240.av1C"),
    ]
    .concat();
    m.on_video(MediaMessage::whole(0, at(0), &payload)).unwrap();
    assert_eq!(m.video_info().unwrap().width, Some(320));
}

#[test]
fn legacy_audio_formats_get_their_rates_from_flags_or_frame_headers() {
    let cases = [
        (fixture!("mp3-22050-mono-frame-head.bin"), "mp3", 22050, 1),
        (fixture!("speex-frame-head.bin"), "speex", 16000, 1),
        (
            fixture!("nellymoser-frame-head.bin"),
            "nellymoser",
            44100,
            1,
        ),
    ];
    for (head, name, rate, channels) in cases {
        let mut m = monitor();
        m.on_audio(cut(0, 0, 100, head)).unwrap();
        let s = m.summary(at(10));
        let a = s.audio.unwrap();
        assert_eq!(a.codec_name().as_deref(), Some(name));
        let info = a.info.unwrap();
        assert_eq!(
            (info.sample_rate, info.channels),
            (Some(rate), Some(channels)),
            "{name}"
        );
    }
    let mut m = monitor();
    m.on_audio(MediaMessage::whole(0, at(0), &hex("08 80 80")))
        .unwrap();
    assert_eq!(
        m.summary(at(1)).audio.unwrap().codec_name().as_deref(),
        Some("pcm_u8")
    );
}

#[test]
fn unknown_codecs_are_counted_and_named() {
    let mut m = monitor();
    for i in 0..10u32 {
        let first = if i == 0 { 0x1d } else { 0x2d };
        m.on_video(cut(i * 40, u64::from(i) * 40, 900, &[first, 0]))
            .unwrap();
        m.on_audio(cut(i * 40, u64::from(i) * 40, 90, &hex("90 61626364")))
            .unwrap();
    }
    let s = m.summary(at(400));
    let v = s.video.unwrap();
    assert_eq!((v.frames(), v.keyframes()), (10, 1));
    assert_eq!(v.codec_name().as_deref(), Some("unknown (codec id 13)"));
    let a = s.audio.unwrap();
    // A SequenceStart of an unknown FourCC: no frames, but a codec.
    assert_eq!(
        (a.frames(), a.codec_name().as_deref()),
        (0, Some("unknown (FourCC abcd)"))
    );
}

#[test]
fn zero_length_messages_are_counted_apart() {
    let mut m = monitor();
    m.on_audio(MediaMessage::whole(0, at(0), &[])).unwrap();
    m.on_video(MediaMessage::whole(0, at(0), &[])).unwrap();
    let s = m.summary(at(10));
    assert_eq!(s.empty_messages, 2);
    assert!(s.video.is_none() && s.audio.is_none());
}

#[test]
fn unparseable_tags_are_problems_but_do_not_stop_the_count() {
    let mut m = monitor();
    let problem = m
        .on_video(MediaMessage::whole(0, at(0), &hex("9f 61766331")))
        .unwrap_err();
    assert_eq!(problem.kind, ProblemKind::VideoTag);
    assert!(!problem.is_config());
    m.on_video(MediaMessage::whole(40, at(40), &hex("17 01 000000")))
        .unwrap();
    for i in 0..20u32 {
        let _ = m.on_audio(MediaMessage::whole(i, at(40), &hex("af 07")));
    }
    let s = m.summary(at(100));
    assert_eq!(s.video.unwrap().frames(), 1);
    assert_eq!((s.problems.len(), s.problem_count), (MAX_PROBLEMS, 21));
}

#[test]
fn aggregates_feed_their_sub_messages_and_an_overrun_keeps_what_came_before() {
    let sub = flv_tag;
    let mut payload = sub(18, 90_000, fixture!("ffmpeg-onmetadata.bin"));
    payload.extend(sub(9, 90_000, fixture!("x264-main30-640x360-seq.bin")));
    payload.extend(sub(9, 90_000, &hex("17 01 000050 0000")));
    payload.extend(sub(8, 90_010, &hex("af 01 21")));
    payload.extend(sub(9, 90_040, &hex("27 01 000050 0000")));
    let mut m = monitor();
    let seen = m
        .on_aggregate(
            MediaMessage::whole(1000, at(0), &payload),
            &Limits::default(),
        )
        .unwrap();
    assert_eq!(
        (
            seen.messages,
            seen.video_frames,
            seen.audio_frames,
            seen.keyframes
        ),
        (5, 2, 1, 1)
    );
    let s = m.summary(at(100));
    assert!(s.metadata.is_some());
    assert_eq!(
        s.video.as_ref().unwrap().info.as_ref().unwrap().width,
        Some(640)
    );
    // Rebased to the aggregate's 1000 ms: the last video frame is at 1040.
    assert_eq!(s.video.unwrap().track.unwrap().last_timestamp, Some(1040));

    let mut bad = payload.clone();
    bad.extend(hex("09 ffffff 000000 00 000000 00"));
    let mut m = monitor();
    let problem = m
        .on_aggregate(MediaMessage::whole(1000, at(0), &bad), &Limits::default())
        .unwrap_err();
    assert_eq!(problem.kind, ProblemKind::Aggregate);
    assert_eq!(m.summary(at(100)).video.unwrap().frames(), 2);
}

#[test]
fn only_the_default_multitrack_track_is_counted() {
    let mut m = monitor();
    for i in 0..10u32 {
        // OneTrack messages, CodedFramesX avc1, alternating track 0 and track 1.
        let track = (i % 2) as u8;
        let payload = [hex("96 03 61766331").as_slice(), &[track, 0xaa]].concat();
        m.on_video(MediaMessage::whole(i * 20, at(u64::from(i) * 20), &payload))
            .unwrap();
    }
    let s = m.summary(at(200));
    assert_eq!(s.video.unwrap().frames(), 5);
    assert_eq!(s.other_track_messages, 5);
}
