//! Audio tag headers: legacy and Enhanced RTMP, hand-built and real.

use super::{fixture, hex};
use crate::media::audio::{
    parse_audio_tag, parse_multichannel_config, AudioPacket, LegacyAudioFlags, MultichannelConfig,
};
use crate::media::codec::{AudioCodec, FourCc};
use crate::media::tag::MultitrackKind;
use crate::media::MediaError;

#[test]
fn ffmpegs_aac_sequence_header_and_frame_parse() {
    let seq = parse_audio_tag(fixture!("aac-lc-44100-stereo-seq.bin")).unwrap();
    assert_eq!(seq.codec, AudioCodec::Aac);
    assert_eq!(seq.packet, AudioPacket::SequenceStart);
    assert_eq!(
        seq.legacy,
        Some(LegacyAudioFlags {
            rate_index: 3,
            sample_bits: 16,
            stereo: true
        })
    );
    assert_eq!(seq.body, [0x12, 0x10, 0x56, 0xe5, 0x00]);
    let frame = parse_audio_tag(fixture!("aac-lc-frame-head.bin")).unwrap();
    assert_eq!(frame.packet, AudioPacket::CodedFrames);
    assert!(frame.is_frame() && !frame.is_enhanced());
}

#[test]
fn legacy_sound_formats_and_flags_from_ffmpeg() {
    let mp3 = parse_audio_tag(fixture!("mp3-22050-mono-frame-head.bin")).unwrap();
    assert_eq!(mp3.codec, AudioCodec::Mp3);
    let flags = mp3.legacy.unwrap();
    assert_eq!(
        (flags.sample_rate(), flags.sample_bits, flags.stereo),
        (22050, 16, false)
    );
    assert_eq!(mp3.body.first(), Some(&0xff), "the MPEG frame sync");
    let speex = parse_audio_tag(fixture!("speex-frame-head.bin")).unwrap();
    assert_eq!(speex.codec, AudioCodec::Speex);
    let nelly = parse_audio_tag(fixture!("nellymoser-frame-head.bin")).unwrap();
    assert_eq!(nelly.codec, AudioCodec::Nellymoser);
    assert_eq!(nelly.legacy.unwrap().sample_rate(), 44100);
}

#[test]
fn every_legacy_sound_format_has_its_name() {
    let names = [
        (0, Some("pcm_s16le")),
        (1, Some("adpcm_swf")),
        (2, Some("mp3")),
        (3, Some("pcm_s16le")),
        (4, Some("nellymoser")),
        (5, Some("nellymoser")),
        (6, Some("nellymoser")),
        (7, Some("pcm_alaw")),
        (8, Some("pcm_mulaw")),
        (11, Some("speex")),
        (12, None),
        (13, None),
        (14, Some("mp3")),
        (15, None),
    ];
    for (format, name) in names {
        let tag_bytes = [format << 4 | 0x0e, 0x01];
        let tag = parse_audio_tag(&tag_bytes).unwrap();
        assert_eq!(tag.codec.ffprobe_name(), name, "sound format {format}");
        assert_eq!(tag.packet, AudioPacket::CodedFrames);
        assert_eq!(tag.body, [0x01]);
    }
    assert_eq!(
        AudioCodec::PcmLittleEndian.ffprobe_name_for(8),
        Some("pcm_u8")
    );
    assert_eq!(
        AudioCodec::UnknownId(12).to_string(),
        "unknown (sound format 12)"
    );
}

#[test]
fn the_rate_bits_follow_ffmpeg() {
    let rates: Vec<u32> = (0..4)
        .map(|i| {
            parse_audio_tag(&[0x20 | i << 2])
                .unwrap()
                .legacy
                .unwrap()
                .sample_rate()
        })
        .collect();
    assert_eq!(rates, [5512, 11025, 22050, 44100]);
}

#[test]
fn aac_packet_types_beyond_raw_are_errors_and_a_missing_one_is_truncation() {
    assert_eq!(
        parse_audio_tag(&hex("af 02")),
        Err(MediaError::Reserved {
            what: "FLV audio tag",
            field: "AACPacketType",
            value: 2
        })
    );
    assert!(parse_audio_tag(&hex("af")).unwrap_err().is_truncation());
}

#[test]
fn a_zero_length_audio_message_is_empty() {
    assert_eq!(
        parse_audio_tag(&[]),
        Err(MediaError::Empty {
            what: "FLV audio tag"
        })
    );
}

#[test]
fn enhanced_audio_for_every_fourcc() {
    for (code, codec, name) in [
        (*b"Opus", AudioCodec::Opus, "opus"),
        (*b"mp4a", AudioCodec::Aac, "aac"),
        (*b".mp3", AudioCodec::Mp3, "mp3"),
        (*b"fLaC", AudioCodec::Flac, "flac"),
        (*b"ac-3", AudioCodec::Ac3, "ac3"),
        (*b"ec-3", AudioCodec::Eac3, "eac3"),
    ] {
        let mut payload = vec![0x91];
        payload.extend(code);
        payload.push(0x42);
        let tag = parse_audio_tag(&payload).unwrap();
        assert!(tag.is_enhanced());
        assert_eq!(tag.codec, codec);
        assert_eq!(tag.codec.ffprobe_name(), Some(name));
        assert_eq!(tag.packet, AudioPacket::CodedFrames);
        assert_eq!(tag.body, [0x42]);
    }
    let unknown_bytes = hex("90 6162 6364");
    let unknown = parse_audio_tag(&unknown_bytes).unwrap();
    assert_eq!(unknown.codec, AudioCodec::UnknownFourCc(FourCc(*b"abcd")));
    assert_eq!(unknown.codec.to_string(), "unknown (FourCC abcd)");
}

#[test]
fn ffmpeg_8s_opus_messages_parse() {
    let seq = parse_audio_tag(fixture!("erl-opus-seq.bin")).unwrap();
    assert_eq!(
        (seq.codec, seq.packet),
        (AudioCodec::Opus, AudioPacket::SequenceStart)
    );
    assert!(seq.body.starts_with(b"OpusHead"));
    let mc = parse_audio_tag(fixture!("erl-opus-multichannel.bin")).unwrap();
    assert_eq!(mc.packet, AudioPacket::MultichannelConfig);
    assert_eq!(
        parse_multichannel_config(mc.body),
        Ok(MultichannelConfig {
            order: 1,
            channels: 1,
            mask: Some(0x04)
        }),
        "native order, one channel: front centre"
    );
    let frame = parse_audio_tag(fixture!("erl-opus-frame-head.bin")).unwrap();
    assert!(frame.is_frame());
}

#[test]
fn multichannel_config_layouts() {
    assert_eq!(
        parse_multichannel_config(&hex("02 03 00 01 02")),
        Ok(MultichannelConfig {
            order: 2,
            channels: 3,
            mask: None
        })
    );
    assert!(
        parse_multichannel_config(&hex("02 03 00")).is_err(),
        "mapping cut short"
    );
    assert_eq!(
        parse_multichannel_config(&hex("00 06")).map(|m| m.channels),
        Ok(6)
    );
}

#[test]
fn enhanced_audio_multitrack_and_mod_ex() {
    // Multitrack (5): ManyTracks (1), CodedFrames (1), shared mp4a, track 1 of 2 bytes.
    let tag_bytes = hex("95 11 6d703461 01 000002 aabb 02 000001 cc");
    let tag = parse_audio_tag(&tag_bytes).unwrap();
    assert_eq!(tag.codec, AudioCodec::Aac);
    assert_eq!(tag.packet, AudioPacket::CodedFrames);
    let track = tag.multitrack.unwrap();
    assert_eq!(
        (track.kind, track.track_id, track.track_size),
        (MultitrackKind::ManyTracks, 1, Some(2))
    );
    assert_eq!(tag.body, [0xaa, 0xbb]);
    // ModEx with a TimestampOffsetNano of 500 ns, then SequenceStart Opus.
    let tag_bytes = hex("97 02 0001f4 00 4f707573 01");
    let tag = parse_audio_tag(&tag_bytes).unwrap();
    assert_eq!(tag.timestamp_offset_ns, Some(500));
    assert_eq!(tag.packet, AudioPacket::SequenceStart);
    assert_eq!(tag.body, [1]);
}

#[test]
fn reserved_enhanced_audio_packet_types_are_errors() {
    for packet_type in [3u8, 6, 8, 9, 14, 15] {
        let payload = [0x90 | packet_type, b'O', b'p', b'u', b's'];
        assert_eq!(
            parse_audio_tag(&payload),
            Err(MediaError::Reserved {
                what: "FLV audio tag",
                field: "AudioPacketType",
                value: u64::from(packet_type)
            })
        );
    }
    assert!(parse_audio_tag(&hex("90 4f70"))
        .unwrap_err()
        .is_truncation());
}
