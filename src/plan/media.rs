//! The synthetic media options (`--duration`, `--video`, `--audio`, `--size`, `--fps`,
//! `--keyframe-interval`, `--enhanced`), checked once and turned into the session's
//! [`MediaConfig`]. Every error names its option.

use super::options::{Audio, Mode, Options, Video};
use super::UsageError;
use crate::media::synth::{self, FrameRate, SynthConfig, SynthError};
use crate::session::MediaConfig;

/// The media of a probe made from `o`, or what is wrong with its options.
pub(super) fn media_config(o: &Options) -> Result<MediaConfig, UsageError> {
    match o.mode {
        Mode::Connect => {
            if let Some(flag) = media_option_given(o, true) {
                let modes = if flag == "--duration" {
                    "--mode publish, play and roundtrip"
                } else {
                    "--mode publish and roundtrip"
                };
                return Err(UsageError(format!(
                    "{flag} only applies to {modes} (a connect check sends and reads no media; \
                     --enhanced does apply)"
                )));
            }
        }
        Mode::Play => {
            // A play's --duration is its watch window (checked with the play options).
            if let Some(flag) = media_option_given(o, false) {
                return Err(UsageError(format!(
                    "{flag} only applies to --mode publish and roundtrip (a play check reads the \
                     media the server has; --duration and --enhanced do apply)"
                )));
            }
        }
        Mode::Publish => {}
        Mode::Roundtrip => {}
    }
    let publish_duration = match o.mode {
        Mode::Play => None,
        // A round trip always sends media: DEFAULT_ROUNDTRIP_DURATION without --duration.
        Mode::Roundtrip => Some(o.duration.unwrap_or(DEFAULT_ROUNDTRIP_DURATION)),
        Mode::Publish | Mode::Connect => o.duration,
    };
    if let Some(d) = publish_duration {
        if d.is_zero() {
            return Err(UsageError(
                "--duration must be more than zero (leave it out for the quick check)".into(),
            ));
        }
        if d >= o.timeout {
            return Err(UsageError(format!(
                "--duration {} leaves no time for the rest of the check within --timeout {}: \
                 give a --timeout longer than the media (e.g. -t {})",
                humantime::format_duration(d),
                humantime::format_duration(o.timeout),
                humantime::format_duration(std::time::Duration::from_secs(
                    d.as_secs().saturating_add(5)
                ))
            )));
        }
    }
    if o.mode == Mode::Roundtrip {
        check_roundtrip(o, publish_duration.unwrap_or_default())?;
    }
    let synth = SynthConfig {
        video: match o.video {
            Video::H264 => synth::VideoCodec::H264,
            Video::Hevc => synth::VideoCodec::Hevc,
            Video::Av1 => synth::VideoCodec::Av1,
        },
        audio: match o.audio {
            Audio::Aac => synth::AudioCodec::Aac,
            Audio::Opus => synth::AudioCodec::Opus,
            Audio::None => synth::AudioCodec::None,
        },
        width: o.size.width,
        height: o.size.height,
        frame_rate: FrameRate::new(o.fps.num, o.fps.den),
        keyframe_interval: o.keyframe_interval,
        ..SynthConfig::default()
    };
    synth.validate().map_err(|e| {
        let flag = match e {
            SynthError::Size { .. } => "--size",
            SynthError::FrameRate(_) => "--fps",
            SynthError::KeyframeInterval(_) => "--keyframe-interval",
            SynthError::SampleRate { .. } | SynthError::Channels(_) => "--audio",
        };
        UsageError(format!("{flag}: {e}"))
    })?;
    let enhanced = o.enhanced || synth.video.is_enhanced() || synth.audio.is_enhanced();
    Ok(MediaConfig {
        synth,
        duration: publish_duration,
        enhanced,
    })
}

/// What `--mode roundtrip` sends without `--duration`: 3 s at 30 fps is 90 frames (two
/// keyframes at the default 2 s interval), enough for a p95 of the latency, and with the drain
/// it fits the default 10 s `--timeout` with room for both connections (docs/DECISIONS.md).
pub const DEFAULT_ROUNDTRIP_DURATION: std::time::Duration = std::time::Duration::from_secs(3);

/// The longest `--duration` of a round trip: the player's bookkeeping is sized by it.
pub const MAX_ROUNDTRIP_DURATION: std::time::Duration = std::time::Duration::from_secs(300);

/// A round trip's media and drain must fit in `--timeout`, and its bookkeeping stay small.
fn check_roundtrip(o: &Options, duration: std::time::Duration) -> Result<(), UsageError> {
    if duration > MAX_ROUNDTRIP_DURATION {
        return Err(UsageError(format!(
            "--duration {} is longer than a round trip measures (at most {}): the player \
             counts every frame; use --mode play to watch a stream for longer",
            humantime::format_duration(duration),
            humantime::format_duration(MAX_ROUNDTRIP_DURATION)
        )));
    }
    let needed = duration.saturating_add(crate::session::DEFAULT_DRAIN);
    if needed >= o.timeout {
        return Err(UsageError(format!(
            "--duration {} and the {} drain after it leave no time for the rest of the round \
             trip within --timeout {}: give a longer --timeout (e.g. -t {})",
            humantime::format_duration(duration),
            humantime::format_duration(crate::session::DEFAULT_DRAIN),
            humantime::format_duration(o.timeout),
            humantime::format_duration(std::time::Duration::from_secs(
                needed.as_secs().saturating_add(5)
            ))
        )));
    }
    Ok(())
}

/// The first media option set to something other than its default, by its flag (`--duration`
/// too when `with_duration`).
fn media_option_given(o: &Options, with_duration: bool) -> Option<&'static str> {
    let d = Options::default();
    [
        ("--duration", with_duration && o.duration != d.duration),
        ("--video", o.video != d.video),
        ("--audio", o.audio != d.audio),
        ("--size", o.size != d.size),
        ("--fps", o.fps != d.fps),
        (
            "--keyframe-interval",
            o.keyframe_interval != d.keyframe_interval,
        ),
    ]
    .into_iter()
    .find_map(|(flag, given)| given.then_some(flag))
}
