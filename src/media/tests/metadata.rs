//! onMetaData: all fields as sent, typed accessors, and disagreements with the stream.

use super::fixture;
use crate::media::codec::{AudioCodec, FourCc, VideoCodec};
use crate::media::metadata::{
    disagreements, Disagreement, MetaCodecId, Metadata, StreamFacts, MAX_PROPERTIES,
};
use crate::protocol::amf0::Value;
use crate::protocol::Limits;

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

fn props(list: &[(&str, Value)]) -> Vec<(String, Value)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn meta(list: &[(&str, Value)]) -> Metadata {
    Metadata::from_values(&[s("onMetaData"), Value::ecma_array(props(list))]).unwrap()
}

#[test]
fn ffmpegs_onmetadata_keeps_every_field_in_order() {
    let m = Metadata::from_payload(fixture!("ffmpeg-onmetadata.bin"), &Limits::default())
        .unwrap()
        .unwrap();
    let names: Vec<&str> = m.properties.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "duration",
            "width",
            "height",
            "videodatarate",
            "framerate",
            "videocodecid",
            "audiodatarate",
            "audiosamplerate",
            "audiosamplesize",
            "stereo",
            "audiocodecid",
            "encoder",
            "filesize"
        ]
    );
    assert!(!m.set_data_frame);
    assert_eq!(
        (m.width(), m.height(), m.framerate()),
        (Some(640.0), Some(360.0), Some(25.0))
    );
    assert_eq!(m.videodatarate(), Some(0.0));
    assert_eq!(m.audiodatarate(), Some(125.0));
    assert_eq!(
        (m.audiosamplerate(), m.audiosamplesize()),
        (Some(44100.0), Some(16.0))
    );
    assert_eq!(m.stereo(), Some(true));
    assert_eq!(m.encoder(), Some("Lavf59.27.100"));
    assert_eq!(m.videocodecid(), Some(MetaCodecId::Legacy(7)));
    assert_eq!(
        m.videocodecid().unwrap().video_codec(),
        Some(VideoCodec::Avc)
    );
    assert_eq!(
        m.audiocodecid().unwrap().audio_codec(),
        Some(AudioCodec::Aac)
    );
    // ffmpeg rewrote the header of the seekable file with the real size.
    assert_eq!(m.get("filesize"), Some(&n(27960.0)));
}

#[test]
fn ffmpeg_8_sends_fourccs_as_numbers() {
    let m = Metadata::from_payload(fixture!("erl-onmetadata.bin"), &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(m.videocodecid(), Some(MetaCodecId::FourCc(FourCc::AV1)));
    assert_eq!(
        m.videocodecid().unwrap().video_codec(),
        Some(VideoCodec::Av1)
    );
    assert_eq!(
        m.audiocodecid().unwrap().audio_codec(),
        Some(AudioCodec::Opus)
    );
    assert_eq!((m.width(), m.height()), (Some(980.0), Some(540.0)));
    assert_eq!(m.encoder(), Some("Lavf62.3.100"));
}

#[test]
fn set_data_frame_objects_and_fmle_codec_strings() {
    let values = [
        s("@setDataFrame"),
        s("onMetaData"),
        Value::Object(props(&[
            ("videocodecid", s("avc1")),
            ("audiocodecid", s("mp4a")),
            ("width", s("1280")),
            ("audiochannels", n(1.0)),
        ])),
    ];
    let m = Metadata::from_values(&values).unwrap();
    assert!(m.set_data_frame);
    assert_eq!(
        m.videocodecid().unwrap().video_codec(),
        Some(VideoCodec::Avc)
    );
    assert_eq!(
        m.audiocodecid().unwrap().audio_codec(),
        Some(AudioCodec::Aac)
    );
    assert_eq!(m.width(), Some(1280.0), "a numeric string counts");
    assert_eq!(m.stereo(), Some(false), "from audiochannels");
    let named = meta(&[("videocodecid", s("H264Avc"))]);
    assert_eq!(
        named.videocodecid(),
        Some(MetaCodecId::Name("H264Avc".into()))
    );
    assert_eq!(named.videocodecid().unwrap().video_codec(), None);
    assert_eq!(meta(&[("videocodecid", n(-1.0))]).videocodecid(), None);
    assert_eq!(meta(&[("width", n(f64::NAN))]).width(), None);
}

#[test]
fn other_data_messages_are_not_metadata() {
    assert_eq!(
        Metadata::from_values(&[s("|RtmpSampleAccess"), Value::Boolean(true)]),
        None
    );
    assert_eq!(
        Metadata::from_values(&[s("@setDataFrame"), s("onTextData")]),
        None
    );
    assert_eq!(Metadata::from_values(&[]), None);
    let bare = Metadata::from_values(&[s("onMetaData")]).unwrap();
    assert!(bare.properties.is_empty());
    let not_object = Metadata::from_values(&[s("onMetaData"), n(3.0)]).unwrap();
    assert!(not_object.properties.is_empty());
}

#[test]
fn metadata_keeps_at_most_max_properties() {
    let many: Vec<(String, Value)> = (0..MAX_PROPERTIES + 10)
        .map(|i| (format!("p{i}"), n(i as f64)))
        .collect();
    let m = Metadata::from_values(&[s("onMetaData"), Value::ecma_array(many)]).unwrap();
    assert_eq!((m.properties.len(), m.dropped), (MAX_PROPERTIES, 10));
}

fn facts() -> StreamFacts {
    StreamFacts {
        video_codec: Some(VideoCodec::Avc),
        width: Some(640),
        height: Some(360),
        config_fps: None,
        measured_fps: Some(25.0),
        video_seconds: 5.0,
        video_bitrate_bps: Some(1_000_000),
        audio_codec: Some(AudioCodec::Aac),
        sample_rate: Some(44100),
        core_sample_rate: None,
        channels: Some(2),
        audio_seconds: 5.0,
        audio_bitrate_bps: Some(128_000),
    }
}

fn agreeing() -> Vec<(&'static str, Value)> {
    vec![
        ("width", n(640.0)),
        ("height", n(360.0)),
        ("framerate", n(25.0)),
        ("videocodecid", n(7.0)),
        ("videodatarate", n(1000.0)),
        ("audiocodecid", n(10.0)),
        ("audiosamplerate", n(44100.0)),
        ("stereo", Value::Boolean(true)),
        ("audiodatarate", n(128.0)),
    ]
}

fn with(changes: &[(&'static str, Value)]) -> Metadata {
    let mut list = agreeing();
    for (k, v) in changes {
        list.retain(|(name, _)| name != k);
        list.push((k, v.clone()));
    }
    meta(&list)
}

#[test]
fn metadata_that_matches_the_stream_has_no_disagreement() {
    assert_eq!(disagreements(&with(&[]), &facts()), []);
    // Within tolerance: 25.5 fps against 25 measured (2 %), a bitrate 1.9 times the announced.
    let m = with(&[("framerate", n(25.5)), ("videodatarate", n(530.0))]);
    assert_eq!(disagreements(&m, &facts()), []);
    // Zeros are "unknown" (ffmpeg writes videodatarate 0 for CRF).
    let m = with(&[("videodatarate", n(0.0)), ("width", n(0.0))]);
    assert_eq!(disagreements(&m, &facts()), []);
}

#[test]
fn each_disagreement_is_reported_in_words() {
    let m = with(&[
        ("width", n(1280.0)),
        ("height", n(720.0)),
        ("framerate", n(30.0)),
        ("videocodecid", s("hvc1")),
        ("videodatarate", n(3000.0)),
        ("audiocodecid", n(2.0)),
        ("audiosamplerate", n(48000.0)),
        ("stereo", Value::Boolean(false)),
        ("audiodatarate", n(32.0)),
    ]);
    let got = disagreements(&m, &facts());
    let d = |field, metadata: &str, stream: &str| Disagreement {
        field,
        metadata: metadata.to_owned(),
        stream: stream.to_owned(),
    };
    assert_eq!(
        got,
        [
            d("width", "1280", "640 (sequence header)"),
            d("height", "720", "360 (sequence header)"),
            d("framerate", "30", "25.00 (timestamps)"),
            d("videocodecid", "\"hvc1\"", "h264"),
            d("videodatarate", "3000 kbit/s", "1000 kbit/s (measured)"),
            d("audiocodecid", "2", "aac"),
            d("audiosamplerate", "48000", "44100 (audio configuration)"),
            d("stereo", "false", "2 channel(s)"),
            d("audiodatarate", "32 kbit/s", "128 kbit/s (measured)"),
        ]
    );
}

#[test]
fn the_frame_rate_is_compared_with_the_sps_then_the_timestamps_and_short_windows_are_not_judged() {
    let m = with(&[("framerate", n(30.0))]);
    let f = StreamFacts {
        config_fps: Some(30000.0 / 1001.0),
        measured_fps: Some(29.9),
        ..facts()
    };
    // 30 against 29.97 is within 1 %, against 29.9 measured within 5 %.
    assert_eq!(disagreements(&m, &f), []);
    // An encoder that announces and signals 30 but sends 25 is called out by the timestamps.
    let f = StreamFacts {
        config_fps: Some(30.0),
        measured_fps: Some(25.0),
        ..facts()
    };
    assert_eq!(disagreements(&m, &f)[0].stream, "25.00 (timestamps)");
    let f = StreamFacts {
        config_fps: Some(25.0),
        ..facts()
    };
    assert_eq!(disagreements(&m, &f)[0].stream, "25 (SPS timing)");
    // Half a second of media is not enough to judge the measured rate or the bitrates.
    let m = with(&[("framerate", n(30.0)), ("videodatarate", n(9000.0))]);
    let f = StreamFacts {
        video_seconds: 0.5,
        ..facts()
    };
    assert_eq!(disagreements(&m, &f), []);
}

#[test]
fn he_aac_may_announce_its_core_rate() {
    let m = with(&[("audiosamplerate", n(22050.0))]);
    let f = StreamFacts {
        core_sample_rate: Some(22050),
        ..facts()
    };
    assert_eq!(disagreements(&m, &f), []);
}

#[test]
fn server_text_in_a_disagreement_is_quoted_on_one_line_and_bounded() {
    let long = format!("x\"y\nz{}", "w".repeat(100));
    let m = with(&[("videocodecid", s(&long))]);
    let got = disagreements(&m, &facts());
    let text = &got[0].metadata;
    assert!(text.starts_with("\"x\\\"y z"), "{text}");
    assert!(text.ends_with("...\"") && text.len() < 80, "{text}");
}
