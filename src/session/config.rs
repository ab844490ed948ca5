//! What one session is asked to do: built by the plan, read by every part of the session layer.

use super::tls::TlsConfig;
use crate::media::synth::SynthConfig;
use crate::protocol::auth::Credentials;
use crate::protocol::chunk::{Keep, KeepPolicy, CONTROL_AND_COMMANDS};
use crate::protocol::command::ConnectProperties;
use crate::protocol::handshake::HandshakeMode;
use crate::protocol::vocab::type_id;
use crate::protocol::Limits;
use crate::redact::Redactor;
use std::sync::Arc;
use std::time::Duration;

/// Which address family to connect over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpFamily {
    Any,
    V4,
    V6,
}

/// Everything one session needs. Built by the CLI's plan; no global state.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub host: String,
    pub port: u16,
    pub family: IpFamily,
    /// What the session does after the handshake.
    pub mode: Scenario,
    /// The stream name sent in `publish` (placeholders already expanded), with its query string.
    pub stream: Option<String>,
    /// The connect command object.
    pub connect: ConnectProperties,
    /// `rtmps://`: the TLS configuration of the run (built once, shared by its sessions); the
    /// `tls` step runs between `tcp_connect` and `handshake`. `None` for plain `rtmp://`.
    pub tls: Option<Arc<TlsConfig>>,
    /// The user and password for challenge authentication, decoded; used only if the server
    /// asks (its `connect` refusal names an `authmod`).
    pub credentials: Option<Credentials>,
    pub handshake: HandshakeMode,
    /// A hard bound on the whole session.
    pub timeout: Duration,
    /// A bound on each step (the overall deadline still applies).
    pub step_timeout: Option<Duration>,
    /// The longest `verify` watches the connection after `Publish.Start` (its window is four
    /// times the slowest reply of the earlier steps, at least 1 ms, at most this).
    pub settle: Duration,
    /// How long the teardown waits for the server's confirmation.
    pub teardown_wait: Duration,
    /// What the publish sends after `Publish.Start`.
    pub media: MediaConfig,
    pub limits: Limits,
    /// Masks secrets in logs and packet traces.
    pub redactor: Redactor,
    /// What the play scenario asks of the stream (the other scenarios ignore it).
    pub play: PlayConfig,
    /// `--mode roundtrip`: where the stream is played back from (the other scenarios: `None`).
    pub roundtrip: Option<RoundtripConfig>,
}

/// `--mode roundtrip`: the player's side of the round trip.
#[derive(Debug, Clone)]
pub struct RoundtripConfig {
    /// Where the player plays the stream back: `--play-url` (an edge or relay of the origin),
    /// or the publish target itself.
    pub play: PlayTarget,
    /// Whether `play` came from `--play-url`.
    pub play_url: bool,
    /// How long the player waits, after the publisher's last frame, for frames still in flight.
    pub drain: Duration,
    /// The two sessions' shared state, made by the round trip when it starts them.
    pub(crate) link: Option<super::roundtrip::Link>,
}

/// The server and stream a round trip's player plays (its own credentials and TLS).
#[derive(Debug, Clone)]
pub struct PlayTarget {
    pub host: String,
    pub port: u16,
    /// The stream name to play, with its query string.
    pub stream: String,
    /// A player's connect command object.
    pub connect: ConnectProperties,
    pub tls: Option<Arc<TlsConfig>>,
    pub credentials: Option<Credentials>,
}

/// The longest video message a round trip's player keeps whole: every frame the probe can send
/// fits (an IDR picture costs one byte a macroblock, at most 36,864 macroblocks, plus the
/// marker), so its checksum can be verified; a longer message is not one the probe sent intact,
/// and reads as corrupted.
pub const ROUNDTRIP_HEAD: u32 = 64 * 1024;

/// What the publish sends after `Publish.Start`: the synthetic stream of `media::synth`.
///
/// `verify` always sends its opening (the `@setDataFrame` metadata and the sequence headers, as
/// encoders do); with a `duration`, the `media` step then sends live-paced frames for that long.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MediaConfig {
    /// Codecs, picture size, frame rate, key frame interval (validated by the plan).
    pub synth: SynthConfig,
    /// `--duration`: how much media to send after verify; `None` for the quick check.
    pub duration: Option<Duration>,
    /// Whether connect carries the Enhanced RTMP properties (`--enhanced`, and always for HEVC,
    /// AV1 and Opus); the session then notes a server that advertises nothing back.
    pub enhanced: bool,
}

/// What `--mode play` watches for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayConfig {
    /// The `start` argument of `play` (-1000: live only, as ffmpeg sends it).
    pub start: f64,
    /// The watch window after the first keyframe (zero: stop at the first keyframe).
    pub duration: Duration,
    /// What must arrive.
    pub expect: Expect,
    /// A delivery gap longer than this is a stall (the critical `max_gap`, 2 s by default).
    pub gap_threshold: Duration,
}

impl Default for PlayConfig {
    fn default() -> Self {
        PlayConfig {
            start: -1000.0,
            duration: Duration::ZERO,
            expect: Expect::Auto,
            gap_threshold: Duration::from_secs(2),
        }
    }
}

/// What kinds of media the play check requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// What onMetaData announces (`videocodecid`, `audiocodecid`); without onMetaData, the
    /// kinds whose messages came before the first frame.
    Auto,
    Video,
    Audio,
    /// Audio and video.
    Both,
}

impl Expect {
    /// The name `--expect` takes.
    pub fn name(self) -> &'static str {
        match self {
            Expect::Auto => "auto",
            Expect::Video => "video",
            Expect::Audio => "audio",
            Expect::Both => "av",
        }
    }
}

/// The longest head of an audio or video message the player keeps: the tag header and, for a
/// sequence header, the whole configuration record (x264's is 45 bytes, x265's about 2.4 KiB
/// with its SEI); the rest of a frame is counted and dropped.
pub const MEDIA_HEAD: u32 = 16 * 1024;
/// The largest Aggregate message (type 22) the player reads whole; a longer one is read up to
/// here (its sub-messages after the cut are lost, and a note says so).
pub const AGGREGATE_MAX: u32 = 1024 * 1024;

/// What a session does after the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Up to `NetConnection.Connect.Success`.
    Connect,
    /// The whole publish and teardown.
    Publish,
    /// Play a stream and watch its media.
    Play,
    /// Publish the synthetic stream and play it back in the same process (`--mode roundtrip`);
    /// inside the round trip, the player's scenario.
    Roundtrip,
}

impl Scenario {
    /// The stable name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Connect => "connect",
            Scenario::Publish => "publish",
            Scenario::Play => "play",
            Scenario::Roundtrip => "roundtrip",
        }
    }

    /// What the chunk decoder keeps of each message type. Connect and publish keep protocol
    /// control and commands whole up to `--max-message-size` and skip everything else unread (a
    /// client that only publishes has no use for media, and ffmpeg's publishing side ignores it
    /// too). A player keeps the first [`MEDIA_HEAD`] bytes of each audio and video message,
    /// data messages up to `--max-message-size` (a longer one is passed over unread),
    /// aggregates up to [`AGGREGATE_MAX`], and skips the rest (shared objects, unknown types).
    pub(crate) fn keep(self, limits: &Limits) -> KeepPolicy {
        let commands = Keep::Whole {
            max: limits.max_message_size,
        };
        let base = KeepPolicy::all(Keep::Skip).with_types(&CONTROL_AND_COMMANDS, commands);
        match self {
            Scenario::Connect | Scenario::Publish => base,
            Scenario::Play => base
                .with_types(&[type_id::AUDIO, type_id::VIDEO], Keep::Prefix(MEDIA_HEAD))
                .with_types(
                    &[type_id::DATA_AMF0, type_id::DATA_AMF3],
                    Keep::Prefix(limits.max_message_size),
                )
                .with(type_id::AGGREGATE, Keep::Prefix(AGGREGATE_MAX)),
            // The round trip's player reads every video frame whole for its checksum (the
            // markers are in the video); the rest as a player does.
            Scenario::Roundtrip => Scenario::Play
                .keep(limits)
                .with(type_id::VIDEO, Keep::Prefix(ROUNDTRIP_HEAD)),
        }
    }
}
