//! The operations a scenario is written in. Each one is recorded as a step under its deadline:
//! it sends what the step sends, waits for what the step waits for, and says what it means in an
//! operator's words when it fails.

use super::config::IpFamily;
use super::dial::{self, Connect, Unresolved};
use super::driver::Session;
use super::media_out::CodecHeader;
use super::outcome::{Failure, FailureKind, Step, Teardown};
use super::record::Clock;
use super::words;
use crate::protocol::client::Event;
use crate::protocol::command::ConnectProperties;
use crate::protocol::handshake::{ClientHandshake, HandshakeError, HandshakeProgress, ServerPart};
use crate::protocol::message::{Outgoing, Received};
use crate::protocol::vocab::status::{PUBLISH_START, UNPUBLISH_SUCCESS};
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// How many times the slowest reply so far verify watches the connection for.
const SETTLE_FACTOR: u32 = 4;
/// The shortest window verify watches, whatever the server's speed.
const SETTLE_FLOOR: Duration = Duration::from_millis(1);

impl Session<'_> {
    /// Reaches the server: `dns`, then [`Session::dial`]. A session given a connected stream
    /// starts from it, with neither step.
    pub(super) async fn reach(&mut self) -> Result<(), Failure> {
        if let Some(stream) = self.given_stream() {
            self.open(stream, false);
            return Ok(());
        }
        let clock = self.begin(Step::Dns);
        let addrs = self.dns(&clock).await;
        self.end(&clock, addrs.is_ok());
        let addrs = addrs?;
        self.dial(&addrs).await
    }

    /// `tcp_connect` to the first of `addrs` that answers, for `rtmps://` the `tls` step on it
    /// (`secure.rs`), then the transport on the connection: everything from the RTMP handshake
    /// on runs over it unchanged.
    pub(super) async fn dial(&mut self, addrs: &[SocketAddr]) -> Result<(), Failure> {
        // The first address's socket is made before the step's clock starts (socket_for).
        let first = addrs.first().map(|&addr| dial::socket_for(addr));
        let clock = self.begin(Step::TcpConnect);
        let stream = self.tcp_connect(&clock, addrs, first).await;
        self.end(&clock, stream.is_ok());
        let stream = stream?;
        let cfg = self.cfg;
        let stream = match cfg.tls.as_deref() {
            Some(tls) => self.secure(stream, tls).await?,
            None => Box::new(stream),
        };
        self.open(stream, true);
        Ok(())
    }

    async fn dns(&mut self, clock: &Clock) -> Result<Vec<SocketAddr>, Failure> {
        let fail = |kind, message: String| Failure {
            step: Step::Dns,
            kind,
            message,
            status: None,
        };
        let (host, port) = (self.cfg.host.as_str(), self.cfg.port);
        match dial::resolve(host, port, self.cfg.family, clock.deadline.at).await {
            Ok(addrs) => Ok(addrs),
            Err(Unresolved::TimedOut) => Err(fail(
                FailureKind::Timeout,
                words::timeout(&clock.deadline, "the name server"),
            )),
            Err(Unresolved::Failed(e)) => Err(fail(
                FailureKind::ResolveFailed,
                format!("cannot resolve {host}: {}", words::io_words(&e)),
            )),
            Err(Unresolved::NoAddress) => {
                let family = match self.cfg.family {
                    IpFamily::V4 => " IPv4",
                    IpFamily::V6 => " IPv6",
                    IpFamily::Any => "",
                };
                Err(fail(
                    FailureKind::ResolveFailed,
                    format!("{host} has no{family} address"),
                ))
            }
        }
    }

    async fn tcp_connect(
        &mut self,
        clock: &Clock,
        addrs: &[SocketAddr],
        first: Option<std::io::Result<tokio::net::TcpSocket>>,
    ) -> Result<TcpStream, Failure> {
        let address = &mut self.outcome.address;
        let end = dial::connect_in_order(addrs, first, clock.deadline.at, |addr| {
            *address = Some(addr);
        })
        .await;
        let (kind, message) = match end {
            Connect::Connected(stream) => return Ok(stream),
            Connect::TimedOut => (
                FailureKind::Timeout,
                words::timeout(&clock.deadline, "the TCP connection"),
            ),
            Connect::Failed(Some(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => (
                FailureKind::ConnectionRefused,
                "connection refused (nothing listens on that port)".to_string(),
            ),
            Connect::Failed(Some(e)) if words::is_local_shortage(&e) => (
                FailureKind::LocalResources,
                format!(
                    "the probe's machine ran out of resources: {} (raise the descriptor limit, \
                     ulimit -n, or lower --concurrency)",
                    words::io_words(&e)
                ),
            ),
            Connect::Failed(Some(e)) => (FailureKind::ConnectFailed, words::io_words(&e)),
            Connect::Failed(None) => (
                FailureKind::ConnectFailed,
                "no address to connect to".into(),
            ),
        };
        Err(Failure {
            step: Step::TcpConnect,
            kind,
            message,
            status: None,
        })
    }

    /// The `handshake` step: C0+C1, S0+S1, C2, S2.
    pub(super) async fn handshake(&mut self) -> Result<(), Failure> {
        let clock = self.begin(Step::Handshake);
        let r = self.shake_hands(&clock).await;
        self.end(&clock, r.is_ok());
        r
    }

    async fn shake_hands(&mut self, clock: &Clock) -> Result<(), Failure> {
        let deadline = clock.deadline;
        let mut hs = ClientHandshake::new(self.cfg.handshake, 0, os_random());
        let fail = |kind, message: String| Failure {
            step: Step::Handshake,
            kind,
            message,
            status: None,
        };
        let c0c1 = hs.c0_c1();
        let r = self.transport()?.write_raw(c0c1, deadline.at).await;
        r.map_err(|f| self.fail(Step::Handshake, f, &deadline, "the server to take C0+C1"))?;
        loop {
            let read = self.transport()?.read_some(deadline.at).await;
            let data = match read {
                Ok(Some(data)) => data,
                Ok(None) => {
                    let progress = hs.progress();
                    let nothing = matches!(
                        progress,
                        HandshakeProgress::Awaiting {
                            part: ServerPart::S0,
                            received: 0
                        }
                    );
                    return Err(if nothing {
                        fail(
                            FailureKind::Closed,
                            "the server closed the connection without answering the handshake"
                                .into(),
                        )
                    } else {
                        fail(
                            FailureKind::HandshakeTruncated,
                            format!(
                                "the server closed the connection in the middle of the handshake \
                                 ({progress})"
                            ),
                        )
                    });
                }
                Err(f) => {
                    let waiting = words::awaiting(hs.progress());
                    return Err(self.fail(Step::Handshake, f, &deadline, &waiting));
                }
            };
            let used = hs.feed(data).map_err(|e| match e {
                HandshakeError::Encrypted => fail(FailureKind::HandshakeEncrypted, e.to_string()),
                other => fail(FailureKind::HandshakeVersion, other.to_string()),
            })?;
            self.transport()?.consume(used);
            if let Some(c2) = hs.take_c2() {
                let r = self.transport()?.write_raw(&c2, deadline.at).await;
                r.map_err(|f| self.fail(Step::Handshake, f, &deadline, "the server to take C2"))?;
            }
            if let Some(info) = hs.info() {
                if !info.s2_echoes_c1 && info.s2_digest_valid != Some(true) {
                    self.note(words::S2_NOTE.into());
                }
                self.outcome.server.handshake = Some(info.clone());
                break;
            }
        }
        self.transport()?.count_leftover();
        Ok(())
    }

    /// The `connect` step: `connect`, then its `_result` (fmsVer and capabilities are kept) or a
    /// refusal; when the refusal is a challenge, the rounds of the authentication (`auth.rs`),
    /// all within this one step.
    pub(super) async fn connect(&mut self) -> Result<(), Failure> {
        let clock = self.begin(Step::Connect);
        let cfg = self.cfg;
        let r = self.connect_app(&clock, &cfg.connect).await;
        let r = match r {
            Err(refusal) if refusal.kind == FailureKind::Rejected => {
                self.authenticate(&clock, refusal).await
            }
            other => other,
        };
        self.end(&clock, r.is_ok());
        r
    }

    /// Sends `connect` with `properties` and waits for its answer: Ok on
    /// `NetConnection.Connect.Success`, a `rejected` failure (with the server's status) on a
    /// refusal.
    pub(super) async fn connect_app(
        &mut self,
        clock: &Clock,
        properties: &ConnectProperties,
    ) -> Result<(), Failure> {
        let connect = self.client.connect(properties.to_properties());
        self.send(clock, vec![connect]).await?;
        loop {
            let reply = self
                .reply(clock.step, &clock.deadline, "the reply to connect")
                .await?;
            match reply.event {
                Event::Connected { properties } => {
                    let server = &mut self.outcome.server;
                    server.fms_ver = properties
                        .get("fmsVer")
                        .and_then(|v| v.as_str())
                        .map(str::to_string);
                    server.capabilities = properties.get("capabilities").and_then(|v| v.as_f64());
                    server.enhanced = crate::protocol::enhanced::advertised(&properties);
                    return Ok(());
                }
                Event::Refused(request) if !request.is_advisory() => {
                    return Err(words::rejection(clock.step, reply.status, "connect"));
                }
                Event::Status { .. } if reply.error_status().is_some() => {
                    return Err(words::rejection(clock.step, reply.status, "connect"));
                }
                _ => {}
            }
        }
    }

    /// The `create_stream` step: `before` (what the scenario announces first, e.g.
    /// releaseStream and FCPublish) and `createStream` in one write, then the new stream's id.
    pub(super) async fn create_stream(&mut self, before: Vec<Outgoing>) -> Result<u32, Failure> {
        let clock = self.begin(Step::CreateStream);
        let r = self.new_stream(&clock, before).await;
        self.end(&clock, r.is_ok());
        let stream_id = r?;
        self.outcome.server.stream_id = Some(stream_id);
        Ok(stream_id)
    }

    async fn new_stream(
        &mut self,
        clock: &Clock,
        mut batch: Vec<Outgoing>,
    ) -> Result<u32, Failure> {
        batch.push(self.client.create_stream());
        self.send(clock, batch).await?;
        loop {
            let reply = self
                .reply(clock.step, &clock.deadline, "the reply to createStream")
                .await?;
            match reply.event {
                Event::StreamCreated { stream_id } => return Ok(stream_id),
                Event::NoStreamId => {
                    return Err(Failure {
                        step: clock.step,
                        kind: FailureKind::UnexpectedReply,
                        message: "createStream's _result carries no valid stream id".into(),
                        status: None,
                    })
                }
                Event::Refused(request) if !request.is_advisory() => {
                    return Err(words::rejection(clock.step, reply.status, "createStream"));
                }
                _ => {}
            }
        }
    }

    /// The `publish` step: `publish(name, "live")`, then `NetStream.Publish.Start` or a refusal.
    pub(super) async fn publish(&mut self, stream_id: u32, name: &str) -> Result<(), Failure> {
        let clock = self.begin(Step::Publish);
        let r = self.start_publish(&clock, stream_id, name).await;
        self.end(&clock, r.is_ok());
        r
    }

    async fn start_publish(
        &mut self,
        clock: &Clock,
        stream_id: u32,
        name: &str,
    ) -> Result<(), Failure> {
        let publish = self.client.publish(stream_id, name, "live");
        self.send(clock, vec![publish]).await?;
        loop {
            let reply = self
                .reply(clock.step, &clock.deadline, PUBLISH_START)
                .await?;
            match reply.event {
                Event::Refused(request) if !request.is_advisory() => {
                    return Err(words::rejection(clock.step, reply.status, "publish"));
                }
                Event::Status { .. } if reply.error_status().is_some() => {
                    return Err(words::rejection(clock.step, reply.status, "publish"));
                }
                Event::Status { .. } if reply.has_code(PUBLISH_START) => return Ok(()),
                _ => {}
            }
        }
    }

    /// The `verify` step: proves the server kept the publish. It sends what a publisher sends
    /// once `Publish.Start` came (`opening`: the metadata and the sequence headers), then watches
    /// the connection for a close, a reset or an error status over a settle window: a few times
    /// the slowest reply this server gave on the earlier steps, at least [`SETTLE_FLOOR`], at
    /// most `--settle` (see docs/DECISIONS.md). A quiet window is a kept publish. Each of
    /// `codecs` (the Enhanced RTMP sequence headers) then goes out alone with a window of its own,
    /// so that a drop after it is that codec's refusal, not the publish's.
    pub(super) async fn verify(
        &mut self,
        opening: Vec<Outgoing>,
        codecs: Vec<CodecHeader>,
    ) -> Result<(), Failure> {
        let clock = self.begin(Step::Verify);
        let mut r = self.watch(&clock, opening).await;
        let mut codecs = codecs.into_iter();
        while let (Ok(()), Some(header)) = (&r, codecs.next()) {
            let codec = header.codec;
            r = self.watch(&clock, vec![header.message]).await;
            r = r.map_err(|f| codec.refused(f));
        }
        self.end(&clock, r.is_ok());
        r
    }

    async fn watch(&mut self, clock: &Clock, opening: Vec<Outgoing>) -> Result<(), Failure> {
        self.send(clock, opening).await?;
        let window = self.settle_window();
        let wait = clock.deadline.within(Instant::now(), window, "--settle");
        let waiting_for = "the end of the settle window after NetStream.Publish.Start";
        loop {
            let received = match self.next_exact(clock.step, &wait, waiting_for).await {
                Ok(received) => received,
                Err(f) if f.kind == FailureKind::Timeout && wait.is("--settle") => break,
                Err(f) => return Err(f),
            };
            self.refused_at_verify(clock, received)?;
        }
        // One last look without waiting: a close that came while the session was not running.
        // (Bounded by the step's deadline: a flood always has more bytes ready.)
        let step = clock.deadline;
        loop {
            let r = self.transport()?.recv_now(step.at).await;
            match r {
                Ok(Some(received)) => self.refused_at_verify(clock, received)?,
                Ok(None) => return Ok(()),
                Err(f) => return Err(self.fail(clock.step, f, &step, waiting_for)),
            }
        }
    }

    /// Fails verify (or the media step) on an error status (`NetStream.Publish.BadName` after
    /// Start, ...).
    pub(super) fn refused_at_verify(
        &mut self,
        clock: &Clock,
        received: Received,
    ) -> Result<(), Failure> {
        if let Some(reply) = self.heard(clock.step, received) {
            if matches!(reply.event, Event::Status { .. }) && reply.error_status().is_some() {
                return Err(words::rejection(clock.step, reply.status, "publish"));
            }
        }
        Ok(())
    }

    /// How long verify watches: [`SETTLE_FACTOR`] times the slowest reply of the steps so far,
    /// at least [`SETTLE_FLOOR`], at most `--settle`.
    fn settle_window(&self) -> Duration {
        let replies = [
            Step::Handshake,
            Step::Connect,
            Step::CreateStream,
            Step::Publish,
        ];
        let slowest = self.record.slowest(&replies).unwrap_or_default();
        slowest
            .saturating_mul(SETTLE_FACTOR)
            .max(SETTLE_FLOOR)
            .min(self.cfg.settle)
    }

    /// The `unpublish` step, the teardown: FCUnpublish, closeStream and deleteStream in one
    /// write, then `NetStream.Unpublish.Success` or the close, for `--teardown-wait` at most. It
    /// never fails the check (the publish already worked): its result is recorded as what it is.
    pub(super) async fn unpublish(&mut self, stream_id: u32, name: &str) -> Teardown {
        let clock = self.begin(Step::Unpublish);
        let teardown = self.tear_down(&clock, stream_id, name).await;
        self.end(&clock, teardown.acknowledged());
        self.outcome.server.teardown = Some(teardown);
        teardown
    }

    async fn tear_down(&mut self, clock: &Clock, stream_id: u32, name: &str) -> Teardown {
        let batch = vec![
            self.client.fc_unpublish(name),
            self.client.close_stream(stream_id),
            self.client.delete_stream(stream_id),
        ];
        if let Err(f) = self.send(clock, batch).await {
            self.note(format!("teardown could not be sent: {}", f.message));
            return Teardown::NotConfirmed;
        }
        let wait = clock
            .deadline
            .within(Instant::now(), self.cfg.teardown_wait, "--teardown-wait");
        loop {
            let failure = match self.reply(clock.step, &wait, UNPUBLISH_SUCCESS).await {
                Ok(reply) if reply.has_code(UNPUBLISH_SUCCESS) => return Teardown::Confirmed,
                Ok(reply) if reply.error_status().is_some() => {
                    words::rejection(clock.step, reply.status, "unpublish")
                }
                Ok(_) => continue,
                Err(f) if f.kind == FailureKind::Closed => return Teardown::Closed,
                Err(f) => f,
            };
            self.note(format!("teardown not confirmed: {}", failure.message));
            return if failure.kind == FailureKind::Reset {
                Teardown::Reset
            } else {
                Teardown::NotConfirmed
            };
        }
    }
}

/// Random bytes from the OS: C1's (not a secret: any bytes do), an authentication's client
/// challenge or nonce. Should the system's source fail, something that varies.
pub(super) fn os_random<const N: usize>() -> [u8; N] {
    let mut random = [0u8; N];
    if getrandom::fill(&mut random).is_err() {
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0x5eed);
        for (i, b) in random.iter_mut().enumerate() {
            *b = (seed.wrapping_mul(2654435761).wrapping_add(i as u32) >> 13) as u8;
        }
    }
    random
}
