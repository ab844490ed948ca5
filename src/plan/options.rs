//! What a probe is asked to do, as plain data: the command line fills it (src/cli.rs), and so does
//! a module of the exporter's config file (YAML, through serde). Nothing here knows clap; the
//! plan ([`super::Module`]) validates it once and turns it into sessions.
//!
//! Field names are the long option names with `_` for `-` (`step_timeout` is `--step-timeout`),
//! so a config file reads like the command line. Durations are written as on the command line
//! (`5s`, `250ms`, or a number of seconds).

use crate::metrics::parse_duration;
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// A closed set of named choices (a mode, a state...), as the command line and config files
/// write them.
pub trait Choice: Copy + Default + FromStr<Err = String> + 'static {
    /// Every choice's name, in order.
    const NAMES: &'static [&'static str];

    /// The name, as written on the command line and in config files.
    fn name(self) -> &'static str;
}

/// An enum of named choices, its names (for --help and errors), `FromStr`, and serde by name.
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? } default $default:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl Choice for $name {
            const NAMES: &'static [&'static str] = &[$($text),+];

            fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "{other:?} is not one of {}",
                        $name::NAMES.join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

choice! {
    /// What the session does.
    Mode {
        /// The whole publish session and its teardown.
        Publish => "publish",
        /// Up to NetConnection.Connect.Success: no stream key needed.
        Connect => "connect",
        /// Play the stream and watch its media.
        Play => "play",
        /// Publish synthetic media and play it back: does what goes in come out?
        Roundtrip => "roundtrip",
    } default Publish
}

choice! {
    /// What `--mode play` requires to arrive.
    ExpectName {
        /// What onMetaData announces (without it: the kinds the stream starts with).
        Auto => "auto",
        Video => "video",
        Audio => "audio",
        /// Audio and video.
        Av => "av",
    } default Auto
}

choice! {
    /// A Nagios state, as `--timeout-state` names it.
    StateName {
        Ok => "ok",
        Warning => "warning",
        Critical => "critical",
        Unknown => "unknown",
    } default Critical
}

choice! {
    /// The RTMP handshake to perform.
    Handshake {
        /// The Flash Player 9 digest handshake that ffmpeg and OBS send.
        Digest => "digest",
        /// The version-3 handshake with random bytes.
        Plain => "plain",
    } default Digest
}

choice! {
    /// The video codec of the synthetic media (`--video`).
    Video {
        /// H.264 in legacy FLV tags: a stream ffmpeg decodes.
        H264 => "h264",
        /// HEVC in Enhanced RTMP ExVideoTagHeaders (`hvc1`).
        Hevc => "hevc",
        /// AV1 in Enhanced RTMP ExVideoTagHeaders (`av01`).
        Av1 => "av1",
    } default H264
}

choice! {
    /// The audio codec of the synthetic media (`--audio`).
    Audio {
        /// AAC-LC in legacy FLV tags.
        Aac => "aac",
        /// Opus in Enhanced RTMP ExAudioTagHeaders.
        Opus => "opus",
        /// Video only.
        None => "none",
    } default Aac
}

choice! {
    /// Which address family to connect over.
    Family {
        Any => "any",
        Ipv4 => "ipv4",
        Ipv6 => "ipv6",
    } default Any
}

/// Everything one kind of probe needs, whatever the targets. `Options::default()` is what the
/// command line gives when no option is set.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    pub mode: Mode,
    /// Bound on each session (`--timeout`).
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    /// Bound on each step, within `timeout`.
    #[serde(deserialize_with = "optional_duration")]
    pub step_timeout: Option<Duration>,
    /// The state a timeout is reported as.
    pub timeout_state: StateName,
    /// Warning thresholds, `[NAME=]RANGE` each (commas separate several in one item too).
    #[serde(deserialize_with = "one_or_more")]
    pub warning: Vec<String>,
    /// Critical thresholds, likewise.
    #[serde(deserialize_with = "one_or_more")]
    pub critical: Vec<String>,
    pub handshake: Handshake,
    /// The application, instead of the one in the URL.
    pub app: Option<String>,
    /// The stream name (with its query), instead of the one in the URL.
    pub stream: Option<String>,
    /// A file whose first line is the stream name, instead of the one in the URL: keeps the key
    /// out of the process list.
    pub stream_file: Option<PathBuf>,
    /// The user for challenge authentication, instead of the URL's.
    pub user: Option<String>,
    /// A file whose first line is the password, instead of the URL's.
    pub password_file: Option<PathBuf>,
    /// The password itself, for callers that have it from elsewhere (the command line takes it
    /// from `RTMP_PROBE_PASSWORD`); never read from a config file.
    #[serde(skip)]
    pub password: Option<Secret>,
    /// `rtmps://`: the name sent as SNI and verified, instead of the URL's host.
    pub sni: Option<String>,
    /// `rtmps://`: more trust anchors (PEM files), added to the system store.
    #[serde(deserialize_with = "paths")]
    pub ca_file: Vec<PathBuf>,
    /// `rtmps://`: go on whatever certificate verification says (and report what it said).
    pub insecure: bool,
    /// flashVer, tcUrl, pageUrl and swfUrl sent in connect, instead of the defaults.
    pub flash_ver: Option<String>,
    pub tc_url: Option<String>,
    pub page_url: Option<String>,
    pub swf_url: Option<String>,
    /// After Publish.Start, how long `verify` watches the connection at most.
    #[serde(deserialize_with = "duration")]
    pub settle: Duration,
    /// How long the teardown waits for the server's confirmation.
    #[serde(deserialize_with = "duration")]
    pub teardown_wait: Duration,
    /// `--duration`. Publish: how long to send live-paced synthetic media after verify (without
    /// it, verify's opening alone: metadata and sequence headers). Play: how long to watch the
    /// media after the first keyframe (without it, or zero: stop at the first keyframe).
    #[serde(deserialize_with = "optional_duration")]
    pub duration: Option<Duration>,
    pub video: Video,
    pub audio: Audio,
    /// The picture size, `WxH` (`--size`).
    pub size: VideoSize,
    /// Frames per second, `N` or `N/D` (`--fps`).
    pub fps: Fps,
    /// Time between key frames (`--keyframe-interval`).
    #[serde(deserialize_with = "duration")]
    pub keyframe_interval: Duration,
    /// Carry the Enhanced RTMP properties in connect (`--enhanced`; always for HEVC, AV1, Opus).
    pub enhanced: bool,
    /// Largest message stored from the server, in bytes.
    pub max_message_size: u32,
    /// `--mode play`: what must arrive.
    pub expect: ExpectName,
    /// `--mode play`: the `start` argument of `play` (-1000: live only, as ffmpeg sends it).
    pub play_start: i64,
    /// `--mode roundtrip`: play the stream back from this URL (an edge or relay of the origin)
    /// instead of the publish target.
    pub play_url: Option<String>,
    pub ip_family: Family,
    /// Show stream keys, passwords and tokens in output and logs.
    pub show_secrets: bool,
}

/// The default `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default `--settle`.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(200);
/// The default `--play-start`: a live stream only, as ffmpeg asks for it.
pub const DEFAULT_PLAY_START: i64 = -1000;
/// The default `--teardown-wait`.
pub const DEFAULT_TEARDOWN_WAIT: Duration = Duration::from_millis(200);

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::default(),
            timeout: DEFAULT_TIMEOUT,
            step_timeout: None,
            timeout_state: StateName::default(),
            warning: Vec::new(),
            critical: Vec::new(),
            handshake: Handshake::default(),
            app: None,
            stream: None,
            stream_file: None,
            user: None,
            password_file: None,
            password: None,
            sni: None,
            ca_file: Vec::new(),
            insecure: false,
            flash_ver: None,
            tc_url: None,
            page_url: None,
            swf_url: None,
            settle: DEFAULT_SETTLE,
            teardown_wait: DEFAULT_TEARDOWN_WAIT,
            duration: None,
            video: Video::default(),
            audio: Audio::default(),
            size: VideoSize::default(),
            fps: Fps::default(),
            keyframe_interval: DEFAULT_KEYFRAME_INTERVAL,
            enhanced: false,
            max_message_size: crate::protocol::limits::DEFAULT_MAX_MESSAGE_SIZE,
            expect: ExpectName::default(),
            play_start: DEFAULT_PLAY_START,
            play_url: None,
            ip_family: Family::default(),
            show_secrets: false,
        }
    }
}

/// The default `--keyframe-interval`.
pub const DEFAULT_KEYFRAME_INTERVAL: Duration = Duration::from_secs(2);

/// A picture size, written `WxH` (`1280x720`). Only the form is checked here; what sizes the
/// generator can make is the plan's check (`SynthConfig::validate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoSize {
    pub width: u32,
    pub height: u32,
}

impl Default for VideoSize {
    fn default() -> Self {
        VideoSize {
            width: 320,
            height: 180,
        }
    }
}

impl FromStr for VideoSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parsed = s
            .trim()
            .split_once(['x', 'X'])
            .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)));
        match parsed {
            Some((width, height)) => Ok(VideoSize { width, height }),
            None => Err(format!(
                "{:?} is not a size: write WIDTHxHEIGHT (e.g. 320x180, 1280x720)",
                bounded(s)
            )),
        }
    }
}

impl fmt::Display for VideoSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// A frame rate, written `N` or `N/D` (`30`, `30000/1001`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fps {
    pub num: u32,
    pub den: u32,
}

impl Default for Fps {
    fn default() -> Self {
        Fps { num: 30, den: 1 }
    }
}

impl FromStr for Fps {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let parsed = match t.split_once('/') {
            Some((n, d)) => n.trim().parse().ok().zip(d.trim().parse().ok()),
            None => t.parse().ok().map(|n| (n, 1)),
        };
        match parsed {
            Some((num, den)) => Ok(Fps { num, den }),
            None => Err(format!(
                "{:?} is not a frame rate: write N or N/D frames per second (e.g. 30, 25, \
                 30000/1001)",
                bounded(s)
            )),
        }
    }
}

impl fmt::Display for Fps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// At most 40 characters of what the user wrote, for an error message.
fn bounded(s: &str) -> String {
    s.chars().take(40).collect()
}

/// `VideoSize` and `Fps` from config files: the text form, or for `Fps` a bare number.
macro_rules! from_text {
    ($name:ident) => {
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(Deserialize)]
                #[serde(untagged)]
                enum Text {
                    Text(String),
                    Number(u32),
                }
                let text = match Text::deserialize(d)? {
                    Text::Text(s) => s,
                    Text::Number(n) => n.to_string(),
                };
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

from_text!(VideoSize);
from_text!(Fps);

/// A value that must never be printed: its `Debug` shows only that it is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A duration as a string (`5s`, `250ms`) or a number of seconds.
#[derive(Deserialize)]
#[serde(untagged)]
enum DurationValue {
    Text(String),
    Seconds(f64),
}

impl DurationValue {
    fn into_duration(self) -> Result<Duration, String> {
        match self {
            DurationValue::Text(s) => parse_duration(&s),
            DurationValue::Seconds(v) => parse_duration(&v.to_string()),
        }
    }
}

/// A duration field (`5s`, `250ms` or a number of seconds); the exporter's config uses it too.
pub(crate) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    DurationValue::deserialize(d)?
        .into_duration()
        .map_err(serde::de::Error::custom)
}

fn optional_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    Option::<DurationValue>::deserialize(d)?
        .map(DurationValue::into_duration)
        .transpose()
        .map_err(serde::de::Error::custom)
}

/// One path or a list of them.
fn paths<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    Ok(one_or_more(d)?.into_iter().map(PathBuf::from).collect())
}

/// One string or a list of them.
fn one_or_more<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMore {
        One(String),
        More(Vec<String>),
    }
    Ok(match OneOrMore::deserialize(d)? {
        OneOrMore::One(s) => vec![s],
        OneOrMore::More(v) => v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_by_name_and_say_what_is_allowed() {
        assert_eq!("connect".parse::<Mode>(), Ok(Mode::Connect));
        assert_eq!(Mode::NAMES, ["publish", "connect", "play", "roundtrip"]);
        let e = "play2".parse::<Mode>().unwrap_err();
        assert_eq!(
            e,
            "\"play2\" is not one of publish, connect, play, roundtrip"
        );
        assert_eq!("av".parse::<ExpectName>(), Ok(ExpectName::Av));
        assert_eq!(ExpectName::default(), ExpectName::Auto);
        assert_eq!(StateName::default(), StateName::Critical);
        assert_eq!(Family::Ipv6.to_string(), "ipv6");
    }

    #[test]
    fn options_deserialize_from_json_with_defaults_for_the_rest() {
        let o: Options = serde_json::from_str(
            r#"{"mode": "connect", "timeout": "2s", "step_timeout": 0.5,
                "warning": "connect=200ms", "critical": ["1s", "handshake=50ms"]}"#,
        )
        .unwrap();
        assert_eq!(o.mode, Mode::Connect);
        assert_eq!(o.timeout, Duration::from_secs(2));
        assert_eq!(o.step_timeout, Some(Duration::from_millis(500)));
        assert_eq!(o.warning, ["connect=200ms"]);
        assert_eq!(o.critical, ["1s", "handshake=50ms"]);
        assert_eq!(o.settle, DEFAULT_SETTLE);
        assert_eq!(o.max_message_size, 64 * 1024);
    }

    #[test]
    fn tls_options_deserialize_with_one_or_more_ca_files() {
        let o: Options = serde_json::from_str(
            r#"{"sni": "ingest.example", "ca_file": "/etc/ca.pem", "insecure": true}"#,
        )
        .unwrap();
        assert_eq!(o.sni.as_deref(), Some("ingest.example"));
        assert_eq!(o.ca_file, [PathBuf::from("/etc/ca.pem")]);
        assert!(o.insecure);
        let o: Options = serde_json::from_str(r#"{"ca_file": ["/a.pem", "/b.pem"]}"#).unwrap();
        assert_eq!(o.ca_file.len(), 2);
        assert_eq!(Options::default().ca_file, Vec::<PathBuf>::new());
    }

    #[test]
    fn unknown_fields_and_bad_values_are_errors_that_name_them() {
        let e = serde_json::from_str::<Options>(r#"{"timeuot": "2s"}"#).unwrap_err();
        assert!(e.to_string().contains("timeuot"), "{e}");
        let e = serde_json::from_str::<Options>(r#"{"timeout": "soon"}"#).unwrap_err();
        assert!(e.to_string().contains("not a duration"), "{e}");
        let e = serde_json::from_str::<Options>(r#"{"mode": "pull"}"#).unwrap_err();
        assert!(
            e.to_string().contains("publish, connect, play, roundtrip"),
            "{e}"
        );
    }
}
