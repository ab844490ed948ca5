//! Every metric a threshold can name: its name, unit, the modes that measure it and its help
//! line (what `--help` lists and perfdata labels are).

use super::{Definition, Unit};

const ALL_MODES: &[&str] = &["connect", "publish", "play", "roundtrip"];
const PUBLISH: &[&str] = &["publish", "roundtrip"];
const STREAM: &[&str] = &["publish", "play", "roundtrip"];
const PLAY: &[&str] = &["play"];
/// The play steps a round trip's player shares with the play check.
const PLAYER: &[&str] = &["play", "roundtrip"];
const ROUNDTRIP: &[&str] = &["roundtrip"];

/// The metrics measured over the play check's watch window: a threshold on one of them needs a
/// window (`--duration`), or it would judge the first instants of the stream.
pub const WINDOW_METRICS: &[&str] = &[
    "fps",
    "video_bitrate",
    "audio_bitrate",
    "keyframe_interval",
    "max_gap",
    "av_drift",
    "backwards_timestamps",
];

/// Every metric a threshold can name, in the order --help lists them. Step durations carry the
/// step's name; `total` is the whole session.
pub const DEFINITIONS: &[Definition] = &[
    Definition {
        name: "total",
        unit: Unit::Seconds,
        modes: ALL_MODES,
        help: "the whole session",
    },
    Definition {
        name: "dns",
        unit: Unit::Seconds,
        modes: ALL_MODES,
        help: "step: name lookup",
    },
    Definition {
        name: "tcp_connect",
        unit: Unit::Seconds,
        modes: ALL_MODES,
        help: "step: TCP connection",
    },
    Definition {
        name: "tls",
        unit: Unit::Seconds,
        modes: ALL_MODES,
        help: "step: TLS handshake (rtmps:// only)",
    },
    Definition {
        name: "handshake",
        unit: Unit::Seconds,
        modes: ALL_MODES,
        help: "step: RTMP handshake",
    },
    Definition {
        name: "connect",
        unit: Unit::Seconds,
        modes: ALL_MODES,
        help: "step: connect until NetConnection.Connect.Success",
    },
    Definition {
        name: "create_stream",
        unit: Unit::Seconds,
        modes: STREAM,
        help: "step: createStream",
    },
    Definition {
        name: "publish",
        unit: Unit::Seconds,
        modes: PUBLISH,
        help: "step: publish until NetStream.Publish.Start",
    },
    Definition {
        name: "verify",
        unit: Unit::Seconds,
        modes: PUBLISH,
        help: "step: the server keeps the session after Publish.Start",
    },
    Definition {
        name: "media",
        unit: Unit::Seconds,
        modes: PUBLISH,
        help: "step: the --duration of live-paced synthetic media",
    },
    Definition {
        name: "unpublish",
        unit: Unit::Seconds,
        modes: PUBLISH,
        help: "step: the teardown",
    },
    Definition {
        name: "cert_days",
        unit: Unit::Days,
        modes: ALL_MODES,
        help: "whole days until the earliest certificate expiry of the chain (rtmps:// only; \
               WARNING below 14 unless a cert_days threshold is given)",
    },
    Definition {
        name: "play",
        unit: Unit::Seconds,
        modes: PLAYER,
        help: "step: play until NetStream.Play.Start",
    },
    Definition {
        name: "first_frame",
        unit: Unit::Seconds,
        modes: PLAY,
        help: "step: from Play.Start to the first audio or video frame",
    },
    Definition {
        name: "first_keyframe",
        unit: Unit::Seconds,
        modes: PLAY,
        help: "step: from Play.Start to the first video keyframe",
    },
    Definition {
        name: "watch",
        unit: Unit::Seconds,
        modes: PLAY,
        help: "step: the watch window after the first keyframe (--duration)",
    },
    Definition {
        name: "close_stream",
        unit: Unit::Seconds,
        modes: PLAYER,
        help: "step: the teardown (closeStream, deleteStream)",
    },
    Definition {
        name: "fps",
        unit: Unit::PerSecond,
        modes: PLAY,
        help: "video frames per second of media time",
    },
    Definition {
        name: "video_bitrate",
        unit: Unit::BitsPerSecond,
        modes: PLAY,
        help: "video bits per second of media time",
    },
    Definition {
        name: "audio_bitrate",
        unit: Unit::BitsPerSecond,
        modes: PLAY,
        help: "audio bits per second of media time",
    },
    Definition {
        name: "keyframe_interval",
        unit: Unit::Seconds,
        modes: PLAY,
        help: "the longest time between keyframes (one still open counts)",
    },
    Definition {
        name: "max_gap",
        unit: Unit::Seconds,
        modes: PLAY,
        help: "the longest stop of the expected media (critical: 2s)",
    },
    Definition {
        name: "av_drift",
        unit: Unit::Seconds,
        modes: PLAY,
        help: "last video minus last audio timestamp, either way",
    },
    Definition {
        name: "backwards_timestamps",
        unit: Unit::Count,
        modes: PLAY,
        help: "timestamps that went backwards (critical: 0)",
    },
    Definition {
        name: "play_connect",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "step: the player's connect (also play_dns, play_tcp_connect, play_tls, \
               play_handshake, play_create_stream)",
    },
    Definition {
        name: "play_dns",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "step: the player's name lookup",
    },
    Definition {
        name: "play_tcp_connect",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "step: the player's TCP connection",
    },
    Definition {
        name: "play_tls",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "step: the player's TLS handshake",
    },
    Definition {
        name: "play_handshake",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "step: the player's RTMP handshake",
    },
    Definition {
        name: "play_create_stream",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "step: the player's createStream",
    },
    Definition {
        name: "receive",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "step: frames back until the publisher's last one and the drain",
    },
    Definition {
        name: "first_frame_back",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "step: from Publish.Start to the first frame the player got back",
    },
    Definition {
        name: "frames_sent",
        unit: Unit::Count,
        modes: ROUNDTRIP,
        help: "video frames the publisher sent",
    },
    Definition {
        name: "frames_received",
        unit: Unit::Count,
        modes: ROUNDTRIP,
        help: "video frames with the probe's marker that came back",
    },
    Definition {
        name: "lost",
        unit: Unit::Count,
        modes: ROUNDTRIP,
        help: "expected frames that never came back (warning: 0)",
    },
    Definition {
        name: "duplicated",
        unit: Unit::Count,
        modes: ROUNDTRIP,
        help: "frames that came back more than once",
    },
    Definition {
        name: "reordered",
        unit: Unit::Count,
        modes: ROUNDTRIP,
        help: "frames that came back after a later one",
    },
    Definition {
        name: "corrupted",
        unit: Unit::Count,
        modes: ROUNDTRIP,
        help: "frames whose checksum does not match (critical: 0)",
    },
    Definition {
        name: "latency_min",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "the fastest frame back (arrival minus the send time in its marker)",
    },
    Definition {
        name: "latency_p50",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "the median frame's latency",
    },
    Definition {
        name: "latency_p95",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "the 95th percentile of the frames' latency",
    },
    Definition {
        name: "latency_max",
        unit: Unit::Seconds,
        modes: ROUNDTRIP,
        help: "the slowest frame back",
    },
];
