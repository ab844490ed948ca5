//! The async driver: owns the socket, runs the scripted steps under deadlines, and records what
//! happened and when. It knows nothing of output formats; [`Outcome`] is all it hands back.
//!
//! A publish session, step by step (what real servers send is in `shared/captures/README.md`):
//!
//! | step | we send | we wait for |
//! |---|---|---|
//! | dns | | an address |
//! | tcp_connect | SYN | the connection |
//! | tls (`rtmps://`) | ClientHello, then Finished | the server's certificate and Finished (`secure.rs`) |
//! | handshake | C0+C1, then C2 once S1 is in | S0, S1, S2 |
//! | connect | `connect` | `_result`/`_error` of transaction 1; on a challenge, the rounds of the authentication, each on a new connection (`auth.rs`) |
//! | create_stream | `releaseStream`, `FCPublish`, `createStream` (one write) | `_result` of createStream (nginx-rtmp answers neither of the others) |
//! | publish | `publish(name, "live")` | onStatus `NetStream.Publish.Start` |
//! | verify | `@setDataFrame("onMetaData", ...)` on the publish stream | nothing: a settle window without a close, reset or error status |
//! | unpublish | `FCUnpublish`, `closeStream`, `deleteStream` (one write) | `NetStream.Unpublish.Success` or the close, briefly |
//!
//! `verify` exists because some servers confirm `Publish.Start` and drop an unauthorised or
//! duplicate publisher a fraction of a millisecond later: a publish counts only if the session is
//! still alive after it. It sends only what encoders send (a client PingRequest, which the
//! specification defines from server to client only, made one server drop the session); its
//! window is four times the slowest reply of the earlier steps, at least 1 ms, at most `--settle`.
//!
//! Layout (docs/ARCHITECTURE.md): `dial` reaches the server, `transport` moves messages over any
//! `transport::Stream`, `record` keeps deadlines and steps, `words` says what failures mean,
//! `driver` holds one session (transport, `protocol::client`, record, outcome), `ops` are the
//! recorded operations, `scenario` the scripts written in them.

// Nothing pub for nothing in this layer: what is pub is the library's API.
#![warn(unreachable_pub)]

mod auth;
mod config;
mod dial;
mod driver;
mod fault;
mod media_out;
mod ops;
mod outcome;
mod play;
mod precise;
mod record;
mod roundtrip;
mod scenario;
mod secure;
// The TLS layer's API is used by the session and its tests; some of it is for the exporter and
// tests/ only.
#[allow(unreachable_pub)]
pub mod tls;
mod transport;
mod watch;
pub mod wire;
mod words;

#[cfg(test)]
mod tests;

/// The old name of [`Scenario`].
pub use config::Scenario as Mode;
pub use config::{
    Expect, IpFamily, MediaConfig, PlayConfig, PlayTarget, RoundtripConfig, Scenario,
    SessionConfig, AGGREGATE_MAX, MEDIA_HEAD, ROUNDTRIP_HEAD,
};
pub use outcome::{
    AttemptResult, AuthAttempt, AuthRecord, Failure, FailureKind, Outcome, Published, ServerInfo,
    StatusRecord, Step, StepRecord, Teardown, TlsRecord,
};
pub use roundtrip::{Latency, RoundtripOutcome, DEFAULT_DRAIN};
pub use secure::tls_kind;
pub use watch::{Expected, ExpectedFrom, MediaOutcome};
pub use words::io_words;

/// Runs one session to its end and reports what happened. Never panics on server input; ends by
/// `config.timeout` (plus the time to notice) whatever the server does.
pub async fn run(config: &SessionConfig) -> Outcome {
    if config.mode == Scenario::Roundtrip {
        return roundtrip::run(config).await;
    }
    run_one(config).await
}

/// One session of [`run`]: the round trip runs two.
async fn run_one(config: &SessionConfig) -> Outcome {
    let mut session = driver::Session::new(config);
    let result = scenario::run(&mut session).await;
    session.finish(result).await
}

/// [`run`] over a stream that is connected already (an in-memory pipe in tests): the session
/// starts at the handshake, with no `dns` or `tcp_connect` step.
#[cfg(test)]
pub(crate) async fn run_over(config: &SessionConfig, stream: transport::BoxStream) -> Outcome {
    let mut session = driver::Session::over(config, stream);
    let result = scenario::run(&mut session).await;
    session.finish(result).await
}
