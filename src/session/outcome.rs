//! What a session recorded: its steps with their times, what the server said, and how it ended.

use super::roundtrip::RoundtripOutcome;
use super::tls::{RootsInfo, TlsInfo};
use super::watch::MediaOutcome;
use crate::media::synth::SynthConfig;
use crate::protocol::auth::Scheme;
use crate::protocol::command::StatusInfo;
use crate::protocol::enhanced::Advertised;
use crate::protocol::handshake::HandshakeInfo;
use crate::protocol::message::LimitType;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

/// The scripted steps, in the order a publish session runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Dns,
    TcpConnect,
    /// The TLS handshake of `rtmps://`, between the TCP connection and the RTMP handshake.
    Tls,
    Handshake,
    Connect,
    CreateStream,
    Publish,
    /// The watch after `NetStream.Publish.Start` proving the server kept the session.
    Verify,
    /// `--duration` of live-paced media, watched like verify.
    Media,
    Unpublish,
    /// `play`, until `NetStream.Play.Start`.
    Play,
    /// From `Play.Start` to the first audio or video frame.
    FirstFrame,
    /// From `Play.Start` to the first video keyframe (when video is expected).
    FirstKeyframe,
    /// The watch window (`--duration`) after the first keyframe.
    Watch,
    /// A player's teardown: closeStream and deleteStream.
    CloseStream,
    /// `--mode roundtrip`: the player's own connection, named apart from the publisher's.
    PlayDns,
    PlayTcpConnect,
    PlayTls,
    PlayHandshake,
    PlayConnect,
    PlayCreateStream,
    /// `--mode roundtrip`: the player reads the frames back until the publisher's last one
    /// and the drain after it.
    Receive,
    /// `--mode roundtrip`: from `Publish.Start` to the first frame the player got back.
    FirstFrameBack,
}

impl Step {
    pub const ALL: [Step; 23] = [
        Step::Dns,
        Step::TcpConnect,
        Step::Tls,
        Step::Handshake,
        Step::Connect,
        Step::CreateStream,
        Step::Publish,
        Step::Verify,
        Step::Media,
        Step::Unpublish,
        Step::Play,
        Step::FirstFrame,
        Step::FirstKeyframe,
        Step::Watch,
        Step::CloseStream,
        Step::PlayDns,
        Step::PlayTcpConnect,
        Step::PlayTls,
        Step::PlayHandshake,
        Step::PlayConnect,
        Step::PlayCreateStream,
        Step::Receive,
        Step::FirstFrameBack,
    ];

    /// The stable name used in perfdata, JSON and thresholds.
    pub fn name(self) -> &'static str {
        match self {
            Step::Dns => "dns",
            Step::TcpConnect => "tcp_connect",
            Step::Tls => "tls",
            Step::Handshake => "handshake",
            Step::Connect => "connect",
            Step::CreateStream => "create_stream",
            Step::Publish => "publish",
            Step::Verify => "verify",
            Step::Media => "media",
            Step::Unpublish => "unpublish",
            Step::Play => "play",
            Step::FirstFrame => "first_frame",
            Step::FirstKeyframe => "first_keyframe",
            Step::Watch => "watch",
            Step::CloseStream => "close_stream",
            Step::PlayDns => "play_dns",
            Step::PlayTcpConnect => "play_tcp_connect",
            Step::PlayTls => "play_tls",
            Step::PlayHandshake => "play_handshake",
            Step::PlayConnect => "play_connect",
            Step::PlayCreateStream => "play_create_stream",
            Step::Receive => "receive",
            Step::FirstFrameBack => "first_frame_back",
        }
    }

    /// The name of a round trip's player step: the connection steps it shares with the
    /// publisher get a `play_` prefix (`play_connect`); its own (`play`, `receive`,
    /// `close_stream`) keep theirs.
    pub fn as_player(self) -> Step {
        match self {
            Step::Dns => Step::PlayDns,
            Step::TcpConnect => Step::PlayTcpConnect,
            Step::Tls => Step::PlayTls,
            Step::Handshake => Step::PlayHandshake,
            Step::Connect => Step::PlayConnect,
            Step::CreateStream => Step::PlayCreateStream,
            other => other,
        }
    }

    pub fn from_name(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One step as it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub step: Step,
    /// When the step began, from the start of the run.
    pub start: Duration,
    pub duration: Duration,
    pub ok: bool,
}

/// Why a session failed, in a vocabulary that is stable across releases (see docs/ERRORS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The host name did not resolve (or not to an address of the requested family).
    ResolveFailed,
    /// Nothing listens on the port (TCP RST to the SYN).
    ConnectionRefused,
    /// The TCP connection could not be made for another reason (unreachable, ...).
    ConnectFailed,
    /// The step's deadline passed before the server answered.
    Timeout,
    /// The server closed the connection (FIN) between messages.
    Closed,
    /// The connection was reset (RST), or closed in the middle of a message.
    Reset,
    /// TLS: the certificate chain does not lead to a trusted authority.
    TlsUntrusted,
    /// TLS: the certificate is self-signed and not trusted.
    TlsSelfSigned,
    /// TLS: a certificate of the chain expired.
    TlsExpired,
    /// TLS: a certificate of the chain is not valid yet.
    TlsNotYetValid,
    /// TLS: the certificate is not valid for the name checked.
    TlsNameMismatch,
    /// TLS: another problem with the certificate.
    TlsBadCertificate,
    /// TLS: no protocol version or cipher suite in common.
    TlsNoCommonProtocol,
    /// TLS: the server sent an alert (in the handshake or later).
    TlsAlert,
    /// The server answered the TLS ClientHello with bytes that are not TLS.
    NotTls,
    /// TLS: the server broke the protocol.
    TlsProtocolError,
    /// TLS: the connection ended without close_notify after the handshake.
    TlsTruncated,
    /// S0 was not version 3.
    HandshakeVersion,
    /// S0 asked for RTMPE (version 6).
    HandshakeEncrypted,
    /// The connection ended inside S0/S1/S2.
    HandshakeTruncated,
    /// The server refused: `_error`, or an onStatus of level "error".
    Rejected,
    /// The server confirmed the publish and then dropped the connection.
    DroppedAfterPublish,
    /// The server kept the publish, then dropped the connection right after an Enhanced RTMP
    /// sequence header (HEVC, AV1, Opus): it does not take that codec.
    CodecRefused,
    /// The server wants challenge authentication and no credentials were given.
    AuthRequired,
    /// The server refused the answer to its challenge (a wrong password).
    AuthFailed,
    /// The server does not know the user.
    NoSuchUser,
    /// The server wants an authentication scheme the probe does not speak.
    AuthUnsupported,
    /// The server's challenge cannot be answered.
    AuthMalformed,
    /// The server confirmed `play` and then sent no media at all in time.
    NoMedia,
    /// Media came, but not what was expected: a kind (video, audio) or a video keyframe.
    MissingMedia,
    /// The stream's publisher went away while the probe watched (UnpublishNotify, StreamEOF).
    PublisherLeft,
    /// A codec configuration (sequence header, SPS) that no player can decode.
    InvalidMedia,
    /// The bytes broke the chunk stream rules (unknown chunk stream, bad chunk size, ...).
    ProtocolViolation,
    /// A message larger than `--max-message-size` was announced (or partly sent messages would
    /// hold more than that together).
    MessageTooLarge,
    /// A reply's body was not valid AMF0 or not a well-formed command.
    MalformedReply,
    /// A reply came that the step cannot accept (e.g. createStream without a stream id).
    UnexpectedReply,
    /// Another socket error.
    Io,
    /// The machine the probe runs on ran out of something (file descriptors, memory, ports):
    /// the probe's problem, not the server's.
    LocalResources,
    /// Not checked: the run's `--timeout` ran out before this target's turn came.
    NotChecked,
    /// The probe's own fault.
    Internal,
}

impl FailureKind {
    /// Every kind, in the order of docs/ERRORS.md.
    pub const ALL: [FailureKind; 40] = [
        FailureKind::ResolveFailed,
        FailureKind::ConnectionRefused,
        FailureKind::ConnectFailed,
        FailureKind::Timeout,
        FailureKind::Closed,
        FailureKind::Reset,
        FailureKind::TlsUntrusted,
        FailureKind::TlsSelfSigned,
        FailureKind::TlsExpired,
        FailureKind::TlsNotYetValid,
        FailureKind::TlsNameMismatch,
        FailureKind::TlsBadCertificate,
        FailureKind::TlsNoCommonProtocol,
        FailureKind::TlsAlert,
        FailureKind::NotTls,
        FailureKind::TlsProtocolError,
        FailureKind::TlsTruncated,
        FailureKind::HandshakeVersion,
        FailureKind::HandshakeEncrypted,
        FailureKind::HandshakeTruncated,
        FailureKind::Rejected,
        FailureKind::DroppedAfterPublish,
        FailureKind::CodecRefused,
        FailureKind::AuthRequired,
        FailureKind::AuthFailed,
        FailureKind::NoSuchUser,
        FailureKind::AuthUnsupported,
        FailureKind::AuthMalformed,
        FailureKind::NoMedia,
        FailureKind::MissingMedia,
        FailureKind::PublisherLeft,
        FailureKind::InvalidMedia,
        FailureKind::ProtocolViolation,
        FailureKind::MessageTooLarge,
        FailureKind::MalformedReply,
        FailureKind::UnexpectedReply,
        FailureKind::Io,
        FailureKind::LocalResources,
        FailureKind::NotChecked,
        FailureKind::Internal,
    ];

    /// The stable `kind` string of the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::ResolveFailed => "resolve_failed",
            FailureKind::ConnectionRefused => "connection_refused",
            FailureKind::ConnectFailed => "connect_failed",
            FailureKind::Timeout => "timeout",
            FailureKind::Closed => "closed",
            FailureKind::Reset => "reset",
            FailureKind::TlsUntrusted => "tls_untrusted",
            FailureKind::TlsSelfSigned => "tls_self_signed",
            FailureKind::TlsExpired => "tls_expired",
            FailureKind::TlsNotYetValid => "tls_not_yet_valid",
            FailureKind::TlsNameMismatch => "tls_name_mismatch",
            FailureKind::TlsBadCertificate => "tls_bad_certificate",
            FailureKind::TlsNoCommonProtocol => "tls_no_common_protocol",
            FailureKind::TlsAlert => "tls_alert",
            FailureKind::NotTls => "not_tls",
            FailureKind::TlsProtocolError => "tls_protocol_error",
            FailureKind::TlsTruncated => "tls_truncated",
            FailureKind::HandshakeVersion => "handshake_version",
            FailureKind::HandshakeEncrypted => "handshake_encrypted",
            FailureKind::HandshakeTruncated => "handshake_truncated",
            FailureKind::Rejected => "rejected",
            FailureKind::DroppedAfterPublish => "dropped_after_publish",
            FailureKind::CodecRefused => "codec_refused",
            FailureKind::AuthRequired => "auth_required",
            FailureKind::AuthFailed => "auth_failed",
            FailureKind::NoSuchUser => "no_such_user",
            FailureKind::AuthUnsupported => "auth_unsupported",
            FailureKind::AuthMalformed => "auth_malformed",
            FailureKind::NoMedia => "no_media",
            FailureKind::MissingMedia => "missing_media",
            FailureKind::PublisherLeft => "publisher_left",
            FailureKind::InvalidMedia => "invalid_media",
            FailureKind::ProtocolViolation => "protocol_violation",
            FailureKind::MessageTooLarge => "message_too_large",
            FailureKind::MalformedReply => "malformed_reply",
            FailureKind::UnexpectedReply => "unexpected_reply",
            FailureKind::Io => "io_error",
            FailureKind::LocalResources => "local_resources",
            FailureKind::NotChecked => "not_checked",
            FailureKind::Internal => "internal",
        }
    }
}

/// How and where a session failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub step: Step,
    pub kind: FailureKind,
    /// The cause in an operator's words, without the step and peer (the report adds those).
    pub message: String,
    /// The server's own status, when it gave one.
    pub status: Option<StatusInfo>,
}

/// A status the server sent (onStatus, or the info object of `_result`/`_error`).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusRecord {
    pub step: Step,
    /// The command that carried it: `onStatus`, `_result` or `_error`.
    pub command: String,
    pub status: StatusInfo,
}

/// What the server told us about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerInfo {
    /// What the `tls` step learned (`rtmps://` only).
    pub tls: Option<TlsRecord>,
    pub handshake: Option<HandshakeInfo>,
    /// `fmsVer` from connect's `_result` command object.
    pub fms_ver: Option<String>,
    /// `capabilities` from connect's `_result` command object.
    pub capabilities: Option<f64>,
    pub statuses: Vec<StatusRecord>,
    pub window_ack_size: Option<u32>,
    pub peer_bandwidth: Option<(u32, LimitType)>,
    /// The chunk size the server set for what it sends.
    pub chunk_size: Option<u32>,
    /// The stream id createStream returned.
    pub stream_id: Option<u32>,
    /// The Enhanced RTMP codecs connect's `_result` advertised (as sent; not sanitised yet).
    pub enhanced: Option<Advertised>,
    pub acknowledgements_sent: u32,
    pub pings_answered: u32,
    /// How the server took the teardown, when there was one.
    pub teardown: Option<Teardown>,
}

/// What the `tls` step of an `rtmps://` session learned.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsRecord {
    /// What was negotiated and what the certificate says.
    pub info: TlsInfo,
    /// Whole days from the handshake until the earliest expiry in the chain: the `cert_days`
    /// metric.
    pub days_left: Option<i64>,
    /// `--insecure`: the session went on whatever verification said.
    pub insecure: bool,
    /// Where the trust anchors came from.
    pub roots: RootsInfo,
}

impl TlsRecord {
    /// Whether the certificate was verified and the check depended on it (never with
    /// `--insecure`, whatever verification found).
    pub fn verified(&self) -> bool {
        self.info.verified && !self.insecure
    }
}

/// The rounds of a challenge authentication: each `connect` the session sent, on a connection
/// of its own.
#[derive(Clone, PartialEq)]
pub struct AuthRecord {
    /// The scheme the server asked for, once it said.
    pub scheme: Option<Scheme>,
    /// The user the probe authenticated as (not secret: the URL shows it).
    pub user: Option<String>,
    pub attempts: Vec<AuthAttempt>,
    /// What the rounds computed that stands for the password (a digest, the response): the
    /// report masks them wherever they appear. `Debug` never shows them.
    pub secrets: Vec<String>,
}

impl std::fmt::Debug for AuthRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthRecord")
            .field("scheme", &self.scheme)
            .field("user", &self.user)
            .field("attempts", &self.attempts)
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

/// One `connect` of an authentication, on its own connection.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthAttempt {
    /// 1, 2 or 3.
    pub number: u8,
    /// When the round began (its TCP connection; the first round's `connect`), from the start of
    /// the session, and how long it took to its answer.
    pub start: Duration,
    pub duration: Duration,
    /// What the round did, step by step: `tcp_connect`, `tls`, `handshake` (rounds 2 and 3
    /// only: the first round's are the session's own steps), then `connect`.
    pub phases: Vec<StepRecord>,
    /// The `app` this connect sent (with the authentication query; the report masks the
    /// response in it).
    pub app: String,
    pub result: AttemptResult,
    /// The server's refusal, as it described it.
    pub description: Option<String>,
}

/// How one round of an authentication ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    /// Connect succeeded.
    Accepted,
    /// Refused with "need auth" (`code=403 need auth; authmod=...`): send the user.
    AuthRequested,
    /// Refused with a challenge (`reason=needauth` and its salt or nonce): answer it.
    Challenged,
    /// Refused for good (wrong password, unknown user, any other reason).
    Refused,
    /// No answer: the connection, its handshake or the wait for the reply failed.
    Failed,
}

impl AttemptResult {
    /// The stable name in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            AttemptResult::Accepted => "accepted",
            AttemptResult::AuthRequested => "auth_requested",
            AttemptResult::Challenged => "challenged",
            AttemptResult::Refused => "refused",
            AttemptResult::Failed => "failed",
        }
    }
}

/// How the teardown ended. It never fails the check: the publish had already worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Teardown {
    /// `NetStream.Unpublish.Success` came.
    Confirmed,
    /// The server closed the connection (FIN), as servers do after a deleteStream.
    Closed,
    /// Neither came in time, the server refused it, or it could not be sent.
    NotConfirmed,
    /// The connection was reset.
    Reset,
}

impl Teardown {
    /// A stable name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Teardown::Confirmed => "confirmed",
            Teardown::Closed => "closed",
            Teardown::NotConfirmed => "not_confirmed",
            Teardown::Reset => "reset",
        }
    }

    /// Whether the server acknowledged the end of the publish (confirmed, or closed cleanly).
    pub fn acknowledged(self) -> bool {
        matches!(self, Teardown::Confirmed | Teardown::Closed)
    }
}

/// What the publish sent after `Publish.Start`: the synthetic stream's configuration and how
/// much of it went out (an item counts once its write completed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Published {
    pub synth: SynthConfig,
    /// Whether connect carried the Enhanced RTMP properties.
    pub enhanced: bool,
    /// `--duration`, when media was asked for.
    pub duration: Option<Duration>,
    /// `@setDataFrame` messages and sequence headers sent (verify's opening).
    pub metadata: u32,
    pub sequence_headers: u32,
    pub video_frames: u64,
    pub keyframes: u64,
    pub audio_frames: u64,
    /// Payload bytes of everything above (FLV tag bodies and the metadata's AMF0).
    pub bytes: u64,
    /// The media time the frames sent cover: the due time of the first frame not sent.
    pub media_time: Duration,
}

/// Everything a session recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub started_at: SystemTime,
    /// The address the TCP connection went to (or was last tried).
    pub address: Option<SocketAddr>,
    pub steps: Vec<StepRecord>,
    pub total: Duration,
    pub failure: Option<Failure>,
    pub server: ServerInfo,
    /// The rounds of a challenge authentication, when the server asked for one.
    pub auth: Option<AuthRecord>,
    /// What the publish sent after `Publish.Start`; `None` when it got no further.
    pub published: Option<Published>,
    /// Things worth knowing that did not fail the check.
    pub notes: Vec<String>,
    /// What the play scenario saw of the media (`None` for the other scenarios, and for a play
    /// that never got as far as `play`).
    pub media: Option<MediaOutcome>,
    /// What came back of a round trip (`--mode roundtrip`, once the player got `Play.Start`).
    pub roundtrip: Option<RoundtripOutcome>,
}

impl Outcome {
    /// An outcome with nothing recorded yet, started at `started_at`.
    pub fn empty(started_at: SystemTime) -> Outcome {
        Outcome {
            started_at,
            address: None,
            steps: Vec::new(),
            total: Duration::ZERO,
            failure: None,
            server: ServerInfo::default(),
            auth: None,
            published: None,
            notes: Vec::new(),
            media: None,
            roundtrip: None,
        }
    }

    pub fn step(&self, step: Step) -> Option<&StepRecord> {
        self.steps.iter().find(|r| r.step == step)
    }
}
