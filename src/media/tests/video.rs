//! Video tag headers: legacy and Enhanced RTMP, hand-built and real.

use super::{fixture, hex};
use crate::media::codec::{FourCc, VideoCodec};
use crate::media::tag::{Multitrack, MultitrackKind};
use crate::media::video::{parse_video_tag, FrameType, VideoPacket};
use crate::media::MediaError;

#[test]
fn a_legacy_avc_sequence_header_from_ffmpeg_parses() {
    let payload = fixture!("x264-main30-640x360-seq.bin");
    let tag = parse_video_tag(payload).unwrap();
    assert_eq!(tag.frame_type, FrameType::Key);
    assert_eq!(tag.codec, Some(VideoCodec::Avc));
    assert_eq!(tag.packet, VideoPacket::SequenceStart);
    assert_eq!(tag.composition_time_ms, 0);
    assert!(!tag.enhanced);
    assert!(!tag.is_keyframe(), "a sequence header is no keyframe");
    assert!(!tag.is_frame());
    assert_eq!(tag.body.len(), payload.len() - 5);
    assert_eq!(
        tag.body.first(),
        Some(&1),
        "the record's configurationVersion"
    );
}

#[test]
fn legacy_avc_frames_from_ffmpeg_give_keyframe_and_composition_time() {
    let key = parse_video_tag(fixture!("x264-main30-keyframe-head.bin")).unwrap();
    assert!(key.is_keyframe());
    assert_eq!(key.packet, VideoPacket::CodedFrames);
    // x264 with B-frames: the first keyframe is presented 80 ms after it is decoded.
    assert_eq!(key.composition_time_ms, 80);
    let inter = parse_video_tag(fixture!("x264-main30-interframe-head.bin")).unwrap();
    assert_eq!(inter.frame_type, FrameType::Inter);
    assert!(inter.is_frame() && !inter.is_keyframe());
    assert_eq!(inter.composition_time_ms, 200);
}

#[test]
fn the_composition_time_is_signed() {
    let tag_bytes = hex("27 01 ff ff d8 00 00");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.composition_time_ms, -40);
    assert_eq!(tag.body, [0, 0]);
}

#[test]
fn legacy_codec_ids_map_to_ffprobe_names() {
    let cases = [
        (0x22, "flv1"),
        (0x23, "flashsv"),
        (0x24, "vp6f"),
        (0x25, "vp6a"),
        (0x26, "flashsv2"),
        (0x28, "h263"),
    ];
    for (first, name) in cases {
        let tag_bytes = [first, 0xaa];
        let tag = parse_video_tag(&tag_bytes).unwrap();
        assert_eq!(tag.codec.and_then(VideoCodec::ffprobe_name), Some(name));
        assert_eq!(tag.packet, VideoPacket::CodedFrames);
        assert_eq!(tag.body, [0xaa], "no packet type for {name}");
    }
    let real = parse_video_tag(fixture!("flv1-keyframe-head.bin")).unwrap();
    assert_eq!(real.codec, Some(VideoCodec::SorensonH263));
    assert!(real.is_keyframe());
}

#[test]
fn legacy_id_12_is_hevc_laid_out_like_avc() {
    let tag_bytes = hex("1c 00 00 00 00 01 02");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.codec, Some(VideoCodec::Hevc));
    assert_eq!(tag.packet, VideoPacket::SequenceStart);
    assert_eq!(tag.body, [1, 2]);
    let mpeg4_bytes = hex("29 01 00 00 28");
    let mpeg4 = parse_video_tag(&mpeg4_bytes).unwrap();
    assert_eq!(mpeg4.codec, Some(VideoCodec::Mpeg4));
    assert_eq!(mpeg4.composition_time_ms, 40);
}

#[test]
fn unknown_legacy_codec_ids_are_named_but_still_give_the_frame_type() {
    for id in [0u8, 1, 10, 11, 13, 14, 15] {
        let tag_bytes = [0x10 | id, 0x55];
        let tag = parse_video_tag(&tag_bytes).unwrap();
        assert_eq!(tag.codec, Some(VideoCodec::UnknownId(id)));
        assert!(tag.is_keyframe());
        assert_eq!(tag.body, [0x55]);
        assert_eq!(
            tag.codec.unwrap().to_string(),
            format!("unknown (codec id {id})")
        );
        assert_eq!(tag.codec.unwrap().ffprobe_name(), None);
    }
}

#[test]
fn a_legacy_command_frame_carries_its_command_byte() {
    let tag_bytes = hex("57 01");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.frame_type, FrameType::Command);
    assert_eq!(tag.packet, VideoPacket::Command(1));
    assert!(!tag.is_frame());
    assert!(matches!(
        parse_video_tag(&hex("57")),
        Err(MediaError::Truncated {
            field: "VideoCommand",
            ..
        })
    ));
}

#[test]
fn a_zero_length_video_tag_is_empty() {
    assert_eq!(
        parse_video_tag(&[]),
        Err(MediaError::Empty {
            what: "FLV video tag"
        })
    );
}

#[test]
fn truncated_legacy_avc_headers_name_the_field() {
    assert!(matches!(
        parse_video_tag(&hex("17")),
        Err(MediaError::Truncated {
            field: "AVCPacketType",
            ..
        })
    ));
    let err_bytes = hex("17 01 00");
    let err = parse_video_tag(&err_bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "FLV video tag is cut short: CompositionTime needs 3 bytes at offset 2, 1 left"
    );
    // An end of sequence without its composition time is accepted (seen as 17 02).
    assert_eq!(
        parse_video_tag(&hex("17 02")).unwrap().packet,
        VideoPacket::SequenceEnd
    );
}

#[test]
fn a_reserved_avc_packet_type_is_an_error() {
    assert_eq!(
        parse_video_tag(&hex("17 03 00 00 00")),
        Err(MediaError::Reserved {
            what: "FLV video tag",
            field: "AVCPacketType",
            value: 3
        })
    );
}

#[test]
fn enhanced_sequence_starts_for_every_fourcc() {
    for (code, codec) in [
        (*b"avc1", VideoCodec::Avc),
        (*b"hvc1", VideoCodec::Hevc),
        (*b"av01", VideoCodec::Av1),
        (*b"vp08", VideoCodec::Vp8),
        (*b"vp09", VideoCodec::Vp9),
        (*b"vvc1", VideoCodec::Vvc),
    ] {
        let mut payload = vec![0x90];
        payload.extend(code);
        payload.extend([1, 2, 3]);
        let tag = parse_video_tag(&payload).unwrap();
        assert!(tag.enhanced);
        assert_eq!(tag.codec, Some(codec));
        assert_eq!(tag.frame_type, FrameType::Key);
        assert_eq!(tag.packet, VideoPacket::SequenceStart);
        assert_eq!(tag.body, [1, 2, 3]);
    }
}

#[test]
fn enhanced_coded_frames_read_a_composition_time_only_for_nal_codecs() {
    // CodedFrames for hvc1: SI24 composition time first.
    let tag_bytes = hex("91 68766331 00 00 21 aa bb");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.packet, VideoPacket::CodedFrames);
    assert_eq!(tag.composition_time_ms, 33);
    assert_eq!(tag.body, [0xaa, 0xbb]);
    assert!(tag.is_keyframe());
    // CodedFramesX: implied zero.
    let tag_bytes = hex("a3 68766331 aa bb");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.packet, VideoPacket::CodedFrames);
    assert_eq!(tag.frame_type, FrameType::Inter);
    assert_eq!(tag.composition_time_ms, 0);
    assert_eq!(tag.body, [0xaa, 0xbb]);
    // AV1 coded frames have none.
    let tag_bytes = hex("91 61763031 12 00");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.body, [0x12, 0x00]);
}

#[test]
fn enhanced_tags_from_ffmpeg_8_parse() {
    let empty = parse_video_tag(fixture!("erl-av1-empty-seq.bin")).unwrap();
    assert_eq!(empty.codec, Some(VideoCodec::Av1));
    assert_eq!(empty.packet, VideoPacket::SequenceStart);
    assert!(empty.body.is_empty());
    let seq = parse_video_tag(fixture!("erl-av1-seq.bin")).unwrap();
    assert_eq!(seq.packet, VideoPacket::SequenceStart);
    assert_eq!(seq.body.len(), 20);
    // Metadata with frame type 5 (which the specification says to ignore for Metadata).
    let meta = parse_video_tag(fixture!("erl-av1-colorinfo.bin")).unwrap();
    assert_eq!(meta.packet, VideoPacket::Metadata);
    assert_eq!(meta.frame_type, FrameType::Command);
    assert_eq!(meta.codec, Some(VideoCodec::Av1));
    assert_eq!(meta.body.get(..12), Some(&b"\x02\x00\x09colorInfo"[..]));
    let key = parse_video_tag(fixture!("erl-av1-keyframe-head.bin")).unwrap();
    assert!(key.is_keyframe());
    let inter = parse_video_tag(fixture!("erl-av1-interframe-head.bin")).unwrap();
    assert!(inter.is_frame() && !inter.is_keyframe());
}

#[test]
fn an_unknown_fourcc_is_no_error_and_says_what_it_was() {
    let tag_bytes = hex("92 78797a31 00");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.codec, Some(VideoCodec::UnknownFourCc(FourCc(*b"xyz1"))));
    assert_eq!(tag.packet, VideoPacket::SequenceEnd);
    assert_eq!(tag.codec.unwrap().to_string(), "unknown (FourCC xyz1)");
    let odd_bytes = hex("91 00ff2201");
    let odd = parse_video_tag(&odd_bytes).unwrap();
    assert_eq!(
        odd.codec.unwrap().to_string(),
        "unknown (FourCC 0x00ff2201)"
    );
}

#[test]
fn reserved_enhanced_packet_types_are_errors() {
    for packet_type in 8..=15u8 {
        let payload = [0x90 | packet_type, b'a', b'v', b'c', b'1'];
        assert_eq!(
            parse_video_tag(&payload),
            Err(MediaError::Reserved {
                what: "FLV video tag",
                field: "VideoPacketType",
                value: u64::from(packet_type)
            })
        );
    }
}

#[test]
fn an_enhanced_command_frame_has_no_fourcc() {
    let tag_bytes = hex("d1 00");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.packet, VideoPacket::Command(0));
    assert_eq!(tag.codec, None);
}

#[test]
fn mod_ex_gives_the_nanosecond_offset_and_is_skipped_when_unknown() {
    // ModEx (7), size 3 (UI8 2 + 1), 0x0f4240 = 1,000,000 ns, then type 0 << 4 | CodedFrames.
    let tag_bytes = hex("97 02 0f 42 40 01 61763031 aa");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.timestamp_offset_ns, Some(1_000_000));
    assert_eq!(tag.packet, VideoPacket::CodedFrames);
    assert_eq!(tag.body, [0xaa]);
    // An unknown modifier (type 5) of 1 byte, then a second ModEx with a 16-bit size (256 + 1
    // bytes), then SequenceStart.
    let mut payload = hex("97 00 ee 57 ff 01 00");
    payload.extend(vec![0u8; 257]);
    payload.extend(hex("00 61763031 bb"));
    let tag = parse_video_tag(&payload).unwrap();
    assert_eq!(tag.timestamp_offset_ns, Some(0));
    assert_eq!(tag.packet, VideoPacket::SequenceStart);
    assert_eq!(tag.body, [0xbb]);
    // Cut inside the ModEx data.
    assert!(matches!(
        parse_video_tag(&hex("97 05 00")),
        Err(MediaError::Truncated {
            field: "modExData",
            ..
        })
    ));
}

#[test]
fn multitrack_reads_the_first_track_of_each_layout() {
    // OneTrack (0), CodedFrames; shared FourCC avc1; track 0; SI24 CTS 0x000014.
    let tag_bytes = hex("96 01 61766331 00 00 00 14 aa");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(
        tag.multitrack,
        Some(Multitrack {
            kind: MultitrackKind::OneTrack,
            track_id: 0,
            track_size: None
        })
    );
    assert_eq!(tag.codec, Some(VideoCodec::Avc));
    assert_eq!(tag.composition_time_ms, 20);
    assert_eq!(tag.body, [0xaa]);
    // ManyTracks (1), SequenceStart, hvc1; track 2 of 3 bytes, then track 3.
    let tag_bytes = hex("96 10 68766331 02 000003 010203 03 000001 ff");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.codec, Some(VideoCodec::Hevc));
    assert_eq!(tag.multitrack.unwrap().track_id, 2);
    assert_eq!(tag.multitrack.unwrap().track_size, Some(3));
    assert_eq!(tag.body, [1, 2, 3]);
    // ManyTracksManyCodecs (2), CodedFramesX: the FourCC comes with each track.
    let tag_bytes = hex("96 23 61763031 00 000002 0a0b");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.codec, Some(VideoCodec::Av1));
    assert_eq!(
        tag.multitrack.unwrap().kind,
        MultitrackKind::ManyTracksManyCodecs
    );
    assert_eq!(tag.body, [0x0a, 0x0b]);
    // A track size past the end keeps what is there (the caller may hold only a head).
    let tag_bytes = hex("96 10 68766331 00 ffffff 01");
    let tag = parse_video_tag(&tag_bytes).unwrap();
    assert_eq!(tag.body, [1]);
}

#[test]
fn bad_multitrack_signalling_is_an_error() {
    assert!(matches!(
        parse_video_tag(&hex("96 30 61766331")),
        Err(MediaError::Reserved {
            field: "AvMultitrackType",
            value: 3,
            ..
        })
    ));
    assert!(matches!(
        parse_video_tag(&hex("96 06 61766331")),
        Err(MediaError::Invalid { .. })
    ));
}

#[test]
fn every_prefix_of_valid_headers_fails_cleanly_or_parses_within_bounds() {
    let inputs = [
        hex("96 10 68766331 02 000003 010203"),
        hex("97 02 0f 42 40 01 61763031 aa"),
        hex("17 01 00 00 28 00 00 00 05"),
        fixture!("erl-av1-seq.bin").to_vec(),
    ];
    for input in inputs {
        for cut in 0..input.len() {
            let prefix = &input[..cut];
            if let Ok(tag) = parse_video_tag(prefix) {
                assert!(tag.body.len() <= prefix.len());
            }
        }
    }
}
