use super::*;
use crate::media::{MediaMonitor, StatsConfig};
use crate::session::{Expect, Expected, ExpectedFrom};

fn outcome_with(metadata: Vec<(String, Value)>) -> MediaOutcome {
    let mut monitor = MediaMonitor::new(StatsConfig {
        gap_threshold: Duration::from_secs(2),
    });
    monitor.on_data(&[Value::from("onMetaData"), Value::ecma_array(metadata)]);
    MediaOutcome {
        summary: monitor.summary(Duration::from_secs(1)),
        expect: Expect::Auto,
        expected: Some(Expected {
            video: true,
            audio: false,
            from: ExpectedFrom::Metadata,
        }),
        requested: Duration::from_secs(1),
        window: Some(Duration::from_secs(1)),
        cut_by: None,
        first_frame: Some(Duration::from_millis(12)),
        first_keyframe: Some(Duration::from_millis(1234)),
        messages: 0,
        bytes: 0,
        aggregates: 0,
        cut_aggregates: 0,
        long_data: 0,
    }
}

#[test]
fn metadata_is_reported_as_sent_masked_bounded_and_in_wire_order() {
    let mut nested = Value::Null;
    for _ in 0..10 {
        nested = Value::Object(vec![("inner".into(), nested)]);
    }
    let props = vec![
        ("width".to_string(), Value::Number(1280.0)),
        (
            "encoder".to_string(),
            Value::from("obs\n\u{1b}[2J key-0123456789"),
        ),
        ("width".to_string(), Value::Number(640.0)),
        ("nan".to_string(), Value::Number(f64::NAN)),
        ("deep".to_string(), nested),
        ("stereo".to_string(), Value::Boolean(true)),
        (
            "list".to_string(),
            Value::StrictArray(vec![Value::Number(1.0), Value::Undefined]),
        ),
    ];
    let mut r = Redactor::new(false);
    r.add("key-0123456789");
    let report = build(&outcome_with(props), &r);
    let json = serde_json::to_string(&report.metadata).unwrap();
    assert_eq!(
        json,
        r#"{"width":1280.0,"encoder":"obs  [2J key-***","nan":"NaN","deep":{"inner":{"inner":{"inner":"(1 properties)"}}},"stereo":true,"list":[1.0,null]}"#
    );
    let lines = lines(&report);
    let meta = lines.iter().find(|l| l.starts_with("metadata: ")).unwrap();
    assert!(
        meta.starts_with("metadata: width 1280, encoder \"obs  [2J key-***\""),
        "{meta}"
    );
}

#[test]
fn the_summary_names_codecs_as_ffprobe_and_says_when_the_picture_came() {
    let m = MediaReport {
        expected: vec!["video", "audio"],
        expected_from: Some("metadata"),
        duration_s: 10.0,
        window_s: Some(10.0),
        first_frame_s: Some(0.012),
        first_keyframe_s: Some(1.234),
        video: Some(VideoReport {
            codec: Some("h264".into()),
            profile: Some("Main"),
            level: Some(30),
            level_name: Some("3.0".into()),
            width: Some(640),
            height: Some(360),
            bit_depth: Some(8),
            fps: Some(25.0),
            bitrate_bps: Some(1_200_000),
            frames: 250,
            keyframes: 5,
            keyframe_interval_s: Some(KeyframeIntervalReport {
                min: 2.0,
                max: 2.0,
                mean: 2.0,
                closed: 4,
                open: 1.96,
            }),
            frames_before_first_keyframe: 0,
            max_gap_s: Some(0.04),
            stalls: 0,
            backwards_timestamps: 0,
        }),
        audio: Some(AudioReport {
            codec: Some("aac".into()),
            profile: Some("LC"),
            sample_rate: Some(44_100),
            channels: Some(2),
            bitrate_bps: Some(128_000),
            frames: 431,
            max_gap_s: Some(0.03),
            stalls: 0,
            backwards_timestamps: 0,
        }),
        metadata: None,
        disagreements: vec![],
        stalls: 0,
        max_gap_s: 0.04,
        av_drift_s: Some(0.021),
        backwards_timestamps: 0,
        messages: 681,
        bytes: 1_500_000,
        aggregates: 0,
        problems: vec![],
        problem_count: 0,
    };
    assert_eq!(
        summary(&m),
        "h264 Main 3.0 640x360 25.0 fps 1.20 Mbit/s, aac LC 44.1 kHz stereo 128.0 kbit/s; \
         first keyframe after 1.2 s, watched 10.0 s"
    );
    let text = lines(&m).join("\n");
    for line in [
        "video: h264 Main 3.0 640x360, 25.00 fps, 1.20 Mbit/s, 250 frames, 5 keyframes, \
         keyframe every 2.0 s (min 2.0 s, mean 2.0 s, 4 closed, 2.0 s open at the end)",
        "audio: aac LC 44.1 kHz stereo, 128.0 kbit/s, 431 frames",
        "media: expected video and audio (from metadata), first frame after 0.012 s, first \
         keyframe after 1.2 s, watched 10.0 s of 10.0 s",
        "media: longest gap 0.040 s, 0 stalls, 0 timestamps backwards, A/V drift +0.021 s, 681 \
         messages (1500000 bytes)",
    ] {
        assert!(text.contains(line), "{line}\nin\n{text}");
    }
}
