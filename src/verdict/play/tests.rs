use super::*;
use crate::metrics::Range;

fn crossing(metric: &'static str, unit: Unit, value: f64, range: &str, state: State) -> Crossing {
    Crossing {
        metric,
        unit,
        value,
        range: Range::parse(range, unit).unwrap(),
        state,
    }
}

#[test]
fn media_crossings_say_what_is_wrong_in_words() {
    let cases = [
        (
            crossing(
                "keyframe_interval",
                Unit::Seconds,
                10.0,
                "4s",
                State::Critical,
            ),
            "keyframe every 10.0 s (critical above 4 s)",
        ),
        (
            crossing(
                "video_bitrate",
                Unit::BitsPerSecond,
                1.2e6,
                "2500k:",
                State::Warning,
            ),
            "video at 1.20 Mbit/s (warning below 2.50 Mbit/s)",
        ),
        (
            crossing("fps", Unit::PerSecond, 12.5, "24:", State::Critical),
            "video at 12.5 fps (critical below 24 fps)",
        ),
        (
            crossing("max_gap", Unit::Seconds, 0.75, "500ms", State::Warning),
            "media stopped for 0.750 s (warning above 0.5 s)",
        ),
        (
            crossing("av_drift", Unit::Seconds, 1.4, "1s", State::Critical),
            "audio and video 1.4 s apart (critical above 1 s)",
        ),
        (
            crossing("fps", Unit::PerSecond, 50.0, "20:30", State::Critical),
            "video at 50.0 fps (critical outside 20..30 fps)",
        ),
        (
            crossing(
                "audio_bitrate",
                Unit::BitsPerSecond,
                64e3,
                "@0:96k",
                State::Warning,
            ),
            "audio at 64.0 kbit/s (warning inside 0 bit/s..96.0 kbit/s)",
        ),
        (
            crossing(
                "backwards_timestamps",
                Unit::Count,
                3.0,
                "0",
                State::Critical,
            ),
            "timestamps went backwards 3 times (critical above 0)",
        ),
    ];
    for (c, words) in cases {
        assert_eq!(c.describe(), words);
    }
    // Steps keep their terse form.
    let c = crossing("first_keyframe", Unit::Seconds, 3.5, "3s", State::Warning);
    assert_eq!(c.describe(), "first_keyframe 3500 ms > 3000 ms");
}
