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
                    "--mode publish and --mode play"
                } else {
                    "--mode publish"
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
                    "{flag} only applies to --mode publish (a play check reads the media the \
                     server has; --duration and --enhanced do apply)"
                )));
            }
        }
        Mode::Publish => {}
    }
    let publish_duration = o.duration.filter(|_| o.mode != Mode::Play);
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
