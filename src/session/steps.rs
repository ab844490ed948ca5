//! The scripted session: one straight-line function per step, each under its deadline.

use super::fault::{io_words, Fault};
use super::outcome::{Failure, FailureKind, Outcome, ServerInfo, StatusRecord, Step, StepRecord};
use super::transport::{self, Connect, Eof, Transport};
use super::{IpFamily, Mode, SessionConfig};
use crate::protocol::chunk::{ChunkError, DEFAULT_CHUNK_SIZE};
use crate::protocol::command::{Command, CommandError, StatusInfo};
use crate::protocol::handshake::{ClientHandshake, HandshakeError, HandshakeProgress, ServerPart};
use crate::protocol::message::{Message, MessageError, UserControl};
use crate::protocol::vocab::csid::{
    COMMAND as CSID_COMMAND, CONTROL as CSID_CONTROL, STREAM_COMMAND as CSID_STREAM,
};
use crate::protocol::vocab::name::ON_STATUS;
use crate::protocol::vocab::status::{PUBLISH_START, UNPUBLISH_SUCCESS};
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{timeout_at, Instant};

const TX_CONNECT: f64 = 1.0;
const TX_RELEASE: f64 = 2.0;
const TX_FCPUBLISH: f64 = 3.0;
const TX_CREATE: f64 = 4.0;
const TX_PUBLISH: f64 = 5.0;
const TX_FCUNPUBLISH: f64 = 6.0;
const TX_DELETE: f64 = 7.0;

pub struct Session<'a> {
    cfg: &'a SessionConfig,
    t0: Instant,
    deadline: Instant,
    outcome: Outcome,
    transport: Option<Transport>,
    /// The deadline `--step-timeout` gave the current step, if it is earlier than the overall one.
    step_deadline: Option<Instant>,
}

/// What a step waits for, decided per message.
enum Wait<T> {
    Done(T),
    Fail(Failure),
    Continue,
}

impl<'a> Session<'a> {
    pub fn new(cfg: &'a SessionConfig) -> Self {
        let t0 = Instant::now();
        Session {
            cfg,
            t0,
            deadline: later(t0, cfg.timeout),
            outcome: Outcome {
                started_at: SystemTime::now(),
                address: None,
                steps: Vec::new(),
                total: Duration::ZERO,
                failure: None,
                server: ServerInfo::default(),
                notes: Vec::new(),
            },
            transport: None,
            step_deadline: None,
        }
    }

    pub async fn run(mut self) -> Outcome {
        if let Err(failure) = self.script().await {
            self.outcome.failure = Some(failure);
        }
        if let Some(t) = self.transport.as_mut() {
            // Closing never delays the verdict: a server that ignores our FIN is not our problem.
            let _ = timeout_at(Instant::now() + Duration::from_millis(5), t.shutdown()).await;
        }
        self.collect_server_state();
        self.outcome.total = self.t0.elapsed();
        self.outcome
    }

    async fn script(&mut self) -> Result<(), Failure> {
        let (started, deadline) = self.begin();
        let addrs = self.resolve(deadline).await;
        self.record(Step::Dns, started, addrs.is_ok());
        let addrs = addrs?;

        // The first address's socket is made before the step's clock starts (socket_for).
        let first = addrs.first().map(|&addr| transport::socket_for(addr));
        let (started, deadline) = self.begin();
        let stream = self.tcp_connect(&addrs, first, deadline).await;
        self.record(Step::TcpConnect, started, stream.is_ok());
        let stream = stream?;
        self.transport = Some(Transport::new(
            stream,
            self.cfg.limits,
            self.cfg.redactor.clone(),
        ));

        let (started, deadline) = self.begin();
        let r = self.handshake(deadline).await;
        self.record(Step::Handshake, started, r.is_ok());
        r?;

        let (started, deadline) = self.begin();
        let r = self.connect(deadline).await;
        self.record(Step::Connect, started, r.is_ok());
        r?;
        if self.cfg.mode == Mode::Connect {
            return Ok(());
        }
        let stream_name = self.cfg.stream.clone().ok_or_else(|| Failure {
            step: Step::Publish,
            kind: FailureKind::Internal,
            message: "no stream name to publish".into(),
            status: None,
        })?;

        let (started, deadline) = self.begin();
        let stream_id = self.create_stream(&stream_name, deadline).await;
        self.record(Step::CreateStream, started, stream_id.is_ok());
        let stream_id = stream_id?;
        self.outcome.server.stream_id = Some(stream_id);

        let (started, deadline) = self.begin();
        let r = self.publish(&stream_name, stream_id, deadline).await;
        self.record(Step::Publish, started, r.is_ok());
        r?;

        let (started, deadline) = self.begin();
        let r = self.verify(deadline).await;
        self.record(Step::Verify, started, r.is_ok());
        r?;

        let (started, deadline) = self.begin();
        let confirmed = self.unpublish(&stream_name, stream_id, deadline).await;
        self.record(Step::Unpublish, started, confirmed);
        Ok(())
    }

    /// The start of a step and its deadline: the step's own bound, within the overall one.
    fn begin(&mut self) -> (Instant, Instant) {
        let now = Instant::now();
        let deadline = match self.cfg.step_timeout {
            Some(d) => later(now, d).min(self.deadline),
            None => self.deadline,
        };
        self.step_deadline = (deadline < self.deadline).then_some(deadline);
        (now, deadline)
    }

    fn record(&mut self, step: Step, started: Instant, ok: bool) {
        let now = Instant::now();
        self.outcome.steps.push(StepRecord {
            step,
            start: started.duration_since(self.t0),
            duration: now.duration_since(started),
            ok,
        });
    }

    fn transport(&mut self) -> Result<&mut Transport, Failure> {
        self.transport.as_mut().ok_or_else(|| Failure {
            step: Step::Handshake,
            kind: FailureKind::Internal,
            message: "no connection".into(),
            status: None,
        })
    }

    /// "timed out after 1s (--timeout) waiting for the reply to connect": which bound ran out,
    /// with the option that sets it.
    fn timeout_message(&self, step: Step, deadline: Instant, waiting_for: &str) -> String {
        let (limit, option) = if deadline >= self.deadline {
            (self.cfg.timeout, "--timeout")
        } else if self.step_deadline == Some(deadline) {
            (
                self.cfg.step_timeout.unwrap_or(self.cfg.timeout),
                "--step-timeout",
            )
        } else {
            match step {
                Step::Verify => (self.cfg.settle, "--settle"),
                Step::Unpublish => (self.cfg.teardown_wait, "--teardown-wait"),
                _ => (
                    self.cfg.step_timeout.unwrap_or(self.cfg.timeout),
                    "--step-timeout",
                ),
            }
        };
        format!(
            "timed out after {} ({option}) waiting for {waiting_for}",
            humantime::format_duration(limit)
        )
    }

    async fn resolve(&mut self, deadline: Instant) -> Result<Vec<SocketAddr>, Failure> {
        let fail = |kind, message: String| Failure {
            step: Step::Dns,
            kind,
            message,
            status: None,
        };
        let host = self.cfg.host.as_str();
        let port = self.cfg.port;
        let found: Vec<SocketAddr> = if let Ok(ip) = host.parse::<std::net::IpAddr>() {
            vec![SocketAddr::new(ip, port)]
        } else {
            match timeout_at(deadline, tokio::net::lookup_host((host, port))).await {
                Err(_) => {
                    let msg = self.timeout_message(Step::Dns, deadline, "the name server");
                    return Err(fail(FailureKind::Timeout, msg));
                }
                Ok(Err(e)) => {
                    return Err(fail(
                        FailureKind::ResolveFailed,
                        format!("cannot resolve {host}: {}", io_words(&e)),
                    ))
                }
                Ok(Ok(addrs)) => addrs.collect(),
            }
        };
        let wanted: Vec<SocketAddr> = found
            .into_iter()
            .filter(|a| match self.cfg.family {
                IpFamily::Any => true,
                IpFamily::V4 => a.is_ipv4(),
                IpFamily::V6 => a.is_ipv6(),
            })
            .collect();
        if wanted.is_empty() {
            let family = match self.cfg.family {
                IpFamily::V4 => " IPv4",
                IpFamily::V6 => " IPv6",
                IpFamily::Any => "",
            };
            return Err(fail(
                FailureKind::ResolveFailed,
                format!("{host} has no{family} address"),
            ));
        }
        Ok(wanted)
    }

    async fn tcp_connect(
        &mut self,
        addrs: &[SocketAddr],
        first: Option<std::io::Result<TcpSocket>>,
        deadline: Instant,
    ) -> Result<TcpStream, Failure> {
        let address = &mut self.outcome.address;
        let end = transport::connect_in_order(addrs, first, deadline, |addr| {
            *address = Some(addr);
        })
        .await;
        let (kind, message) = match end {
            Connect::Connected(stream) => return Ok(stream),
            Connect::TimedOut => (
                FailureKind::Timeout,
                self.timeout_message(Step::TcpConnect, deadline, "the TCP connection"),
            ),
            Connect::Failed(Some(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => (
                FailureKind::ConnectionRefused,
                "connection refused (nothing listens on that port)".to_string(),
            ),
            Connect::Failed(Some(e)) => (FailureKind::ConnectFailed, io_words(&e)),
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

    async fn handshake(&mut self, deadline: Instant) -> Result<(), Failure> {
        let mut random = [0u8; 1528];
        if getrandom::fill(&mut random).is_err() {
            // Not a secret: any bytes do. Fall back to something that varies.
            let seed = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0x5eed);
            for (i, b) in random.iter_mut().enumerate() {
                *b = (seed.wrapping_mul(2654435761).wrapping_add(i as u32) >> 13) as u8;
            }
        }
        let mut hs = ClientHandshake::new(self.cfg.handshake, 0, random);
        let fail = |kind, message: String| Failure {
            step: Step::Handshake,
            kind,
            message,
            status: None,
        };
        let c0c1 = hs.c0_c1();
        let t = self.transport()?;
        t.write_raw(c0c1, deadline)
            .await
            .map_err(|f| self.fault(Step::Handshake, f, deadline, "the server to take C0+C1"))?;
        loop {
            let t = self.transport()?;
            let read = t.read_some(deadline).await;
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
                    return Err(if !nothing {
                        fail(
                            FailureKind::HandshakeTruncated,
                            format!(
                                "the server closed the connection in the middle of the handshake \
                                 ({progress})"
                            ),
                        )
                    } else {
                        fail(
                            FailureKind::Closed,
                            "the server closed the connection without answering the handshake"
                                .into(),
                        )
                    });
                }
                Err(f) => {
                    let waiting = awaiting(hs.progress());
                    return Err(self.fault(Step::Handshake, f, deadline, &waiting));
                }
            };
            let used = hs.feed(data).map_err(|e| match e {
                HandshakeError::Encrypted => fail(FailureKind::HandshakeEncrypted, e.to_string()),
                other => fail(FailureKind::HandshakeVersion, other.to_string()),
            })?;
            let t = self.transport()?;
            t.consume(used);
            if let Some(c2) = hs.take_c2() {
                let t = self.transport()?;
                t.write_raw(&c2, deadline).await.map_err(|f| {
                    self.fault(Step::Handshake, f, deadline, "the server to take C2")
                })?;
            }
            if let Some(info) = hs.info() {
                if !info.s2_echoes_c1 && info.s2_digest_valid != Some(true) {
                    self.outcome.notes.push(
                        "the server's S2 neither echoes our C1 nor carries a valid digest \
                         (clients such as ffmpeg go on regardless)"
                            .into(),
                    );
                }
                self.outcome.server.handshake = Some(info.clone());
                break;
            }
        }
        self.transport()?.count_leftover();
        Ok(())
    }

    /// Turns a transport fault into the step's failure, in words.
    fn fault(&self, step: Step, fault: Fault, deadline: Instant, waiting_for: &str) -> Failure {
        let (kind, message) = match fault {
            Fault::Timeout => (
                FailureKind::Timeout,
                self.timeout_message(step, deadline, waiting_for),
            ),
            Fault::Eof(Eof::Clean) => (FailureKind::Closed, closed_message(step, self.cfg)),
            Fault::Eof(Eof::MidMessage) => (
                FailureKind::Reset,
                "the server closed the connection in the middle of a message".into(),
            ),
            Fault::Reset => (
                FailureKind::Reset,
                "the connection was reset by the server".into(),
            ),
            Fault::Io(words) => (FailureKind::Io, words),
            Fault::Chunk(e) => chunk_failure(&e),
            Fault::Message(e) => (FailureKind::MalformedReply, malformed_message(&e)),
            Fault::Internal(e) => (FailureKind::Internal, format!("internal error: {e}")),
        };
        let (kind, message) = match (step, kind) {
            (Step::Verify, FailureKind::Closed) => (FailureKind::DroppedAfterPublish, message),
            (Step::Verify, FailureKind::Reset) => (
                FailureKind::DroppedAfterPublish,
                format!(
                    "{message}, right after NetStream.Publish.Start (servers do this to refuse \
                     unauthorised or duplicate publishers)"
                ),
            ),
            (_, k) => (k, message),
        };
        // A refusal the server announced before it closed is the real cause.
        let last_error = self
            .outcome
            .server
            .statuses
            .iter()
            .rev()
            .find(|s| s.step == step && s.status.is_error())
            .map(|s| s.status.clone());
        match (kind, last_error) {
            (FailureKind::Closed | FailureKind::Reset, Some(status)) => Failure {
                step,
                kind: FailureKind::Rejected,
                message: rejected_message(&status),
                status: Some(status),
            },
            (kind, _) => Failure {
                step,
                kind,
                message,
                status: None,
            },
        }
    }

    /// Receives messages until `decide` settles the step.
    async fn wait_for<T>(
        &mut self,
        step: Step,
        deadline: Instant,
        waiting_for: &str,
        mut decide: impl FnMut(&mut Self, &Message) -> Wait<T>,
    ) -> Result<T, Failure> {
        loop {
            let t = self.transport()?;
            let received = t.recv(deadline).await;
            let message = match received {
                Ok(m) => m.message,
                Err(f) => return Err(self.fault(step, f, deadline, waiting_for)),
            };
            if let Message::Command { command, .. } = &message {
                if let Some(status) = command.status() {
                    self.outcome.server.statuses.push(StatusRecord {
                        step,
                        command: command.name.clone(),
                        status,
                    });
                }
            }
            match decide(self, &message) {
                Wait::Done(v) => return Ok(v),
                Wait::Fail(f) => return Err(f),
                Wait::Continue => {}
            }
        }
    }

    async fn send(
        &mut self,
        step: Step,
        messages: Vec<(u32, u32, Message)>,
        deadline: Instant,
    ) -> Result<(), Failure> {
        let t = self.transport()?;
        let r = t.send(messages, deadline).await;
        r.map_err(|f| self.fault(step, f, deadline, "the server to take our request"))
    }

    async fn connect(&mut self, deadline: Instant) -> Result<(), Failure> {
        let command = Command::connect(TX_CONNECT, self.cfg.connect.to_properties());
        self.send(Step::Connect, vec![cmd(CSID_COMMAND, 0, command)], deadline)
            .await?;
        self.wait_for(Step::Connect, deadline, "the reply to connect", |s, m| {
            let Some(c) = as_command(m) else {
                return Wait::Continue;
            };
            if c.transaction_id == TX_CONNECT && (c.is_result() || c.is_error()) {
                let status = c.status();
                if c.is_result() && !status.as_ref().is_some_and(|st| st.is_error()) {
                    s.outcome.server.fms_ver = c
                        .command_object
                        .get("fmsVer")
                        .and_then(|v| v.as_str())
                        .map(str::to_string);
                    s.outcome.server.capabilities = c
                        .command_object
                        .get("capabilities")
                        .and_then(|v| v.as_f64());
                    return Wait::Done(());
                }
                return Wait::Fail(rejection(Step::Connect, status, "connect"));
            }
            if c.name == ON_STATUS {
                if let Some(st) = c.status().filter(|st| st.is_error()) {
                    return Wait::Fail(rejection(Step::Connect, Some(st), "connect"));
                }
            }
            Wait::Continue
        })
        .await
    }

    async fn create_stream(&mut self, name: &str, deadline: Instant) -> Result<u32, Failure> {
        // As OBS does: some ingests (e.g. those in front of CDNs) need releaseStream/FCPublish
        // before createStream. nginx-rtmp answers neither, so nothing waits for them.
        let batch = vec![
            cmd(CSID_COMMAND, 0, Command::release_stream(TX_RELEASE, name)),
            cmd(CSID_COMMAND, 0, Command::fc_publish(TX_FCPUBLISH, name)),
            cmd(CSID_COMMAND, 0, Command::create_stream(TX_CREATE)),
        ];
        self.send(Step::CreateStream, batch, deadline).await?;
        self.wait_for(
            Step::CreateStream,
            deadline,
            "the reply to createStream",
            |s, m| {
                let Some(c) = as_command(m) else {
                    return Wait::Continue;
                };
                if c.transaction_id == TX_CREATE && c.is_result() {
                    let id = c.arguments.first().and_then(|v| v.as_f64());
                    return match id {
                        Some(id) if id.is_finite() && id >= 0.0 && id <= f64::from(u32::MAX) => {
                            Wait::Done(id as u32)
                        }
                        _ => Wait::Fail(Failure {
                            step: Step::CreateStream,
                            kind: FailureKind::UnexpectedReply,
                            message: "createStream's _result carries no valid stream id".into(),
                            status: None,
                        }),
                    };
                }
                if c.transaction_id == TX_CREATE && c.is_error() {
                    return Wait::Fail(rejection(Step::CreateStream, c.status(), "createStream"));
                }
                if c.is_error()
                    && (c.transaction_id == TX_RELEASE || c.transaction_id == TX_FCPUBLISH)
                {
                    let which = if c.transaction_id == TX_RELEASE {
                        "releaseStream"
                    } else {
                        "FCPublish"
                    };
                    s.outcome.notes.push(format!(
                        "the server answered {which} with _error{} (not fatal: it is advisory)",
                        c.status()
                            .map(|st| format!(" {}", st.code))
                            .unwrap_or_default()
                    ));
                }
                Wait::Continue
            },
        )
        .await
    }

    async fn publish(
        &mut self,
        name: &str,
        stream_id: u32,
        deadline: Instant,
    ) -> Result<(), Failure> {
        let command = Command::publish(TX_PUBLISH, name, "live");
        self.send(
            Step::Publish,
            vec![cmd(CSID_STREAM, stream_id, command)],
            deadline,
        )
        .await?;
        self.wait_for(
            Step::Publish,
            deadline,
            "NetStream.Publish.Start",
            |_, m| {
                let Some(c) = as_command(m) else {
                    return Wait::Continue;
                };
                if c.is_error() && c.transaction_id == TX_PUBLISH {
                    return Wait::Fail(rejection(Step::Publish, c.status(), "publish"));
                }
                if c.name == ON_STATUS {
                    if let Some(st) = c.status() {
                        if st.is_error() {
                            return Wait::Fail(rejection(Step::Publish, Some(st), "publish"));
                        }
                        if st.code == PUBLISH_START {
                            return Wait::Done(());
                        }
                    }
                }
                Wait::Continue
            },
        )
        .await
    }

    /// Proves the server kept the session after `Publish.Start`: a PingRequest it must answer,
    /// or, for servers that ignore client pings, a quiet settle window.
    async fn verify(&mut self, deadline: Instant) -> Result<(), Failure> {
        let stamp = u32::try_from(self.t0.elapsed().as_millis()).unwrap_or(u32::MAX);
        let ping = Message::UserControl(UserControl::PingRequest(stamp));
        self.send(Step::Verify, vec![(CSID_CONTROL, 0, ping)], deadline)
            .await?;
        let settle_end = later(Instant::now(), self.cfg.settle);
        let wait_end = settle_end.min(deadline);
        let r = self
            .wait_for(
                Step::Verify,
                wait_end,
                "the server's PingResponse",
                |_, m| match m {
                    Message::UserControl(UserControl::PingResponse(v)) if *v == stamp => {
                        Wait::Done(())
                    }
                    Message::Command { command: c, .. } if c.name == ON_STATUS => {
                        match c.status().filter(|st| st.is_error()) {
                            Some(st) => Wait::Fail(rejection(Step::Verify, Some(st), "publish")),
                            None => Wait::Continue,
                        }
                    }
                    _ => Wait::Continue,
                },
            )
            .await;
        match r {
            Err(f) if f.kind == FailureKind::Timeout && wait_end == settle_end => {
                self.outcome.notes.push(format!(
                    "the server did not answer a ping after Publish.Start; the connection stayed \
                     open for the {} settle window",
                    humantime::format_duration(self.cfg.settle)
                ));
                Ok(())
            }
            other => other,
        }
    }

    /// The teardown. Its result never fails the check (the publish already worked); it says
    /// whether the server confirmed the unpublish.
    async fn unpublish(&mut self, name: &str, stream_id: u32, deadline: Instant) -> bool {
        let batch = vec![
            cmd(CSID_COMMAND, 0, Command::fc_unpublish(TX_FCUNPUBLISH, name)),
            cmd(CSID_STREAM, stream_id, Command::close_stream()),
            cmd(
                CSID_COMMAND,
                0,
                Command::delete_stream(TX_DELETE, f64::from(stream_id)),
            ),
        ];
        if let Err(f) = self.send(Step::Unpublish, batch, deadline).await {
            self.outcome
                .notes
                .push(format!("teardown could not be sent: {}", f.message));
            return false;
        }
        let wait_end = later(Instant::now(), self.cfg.teardown_wait).min(deadline);
        let r = self
            .wait_for(
                Step::Unpublish,
                wait_end,
                UNPUBLISH_SUCCESS,
                |_, m| match as_command(m).and_then(|c| c.status()) {
                    Some(st) if st.code == UNPUBLISH_SUCCESS => Wait::Done(()),
                    Some(st) if st.is_error() => {
                        Wait::Fail(rejection(Step::Unpublish, Some(st), "unpublish"))
                    }
                    _ => Wait::Continue,
                },
            )
            .await;
        match r {
            Ok(()) => true,
            Err(f) if f.kind == FailureKind::Closed => true,
            Err(f) => {
                self.outcome
                    .notes
                    .push(format!("teardown not confirmed: {}", f.message));
                false
            }
        }
    }

    fn collect_server_state(&mut self) {
        if let Some(t) = &self.transport {
            let server = &mut self.outcome.server;
            server.window_ack_size = t.conn().peer_window();
            server.peer_bandwidth = t.conn().peer_bandwidth();
            let cs = t.peer_chunk_size();
            server.chunk_size = (cs != DEFAULT_CHUNK_SIZE).then_some(cs);
            server.acknowledgements_sent = t.acks_sent;
            server.pings_answered = t.pongs_sent;
            let (messages, bytes) = t.skipped();
            if messages > 0 {
                self.outcome.notes.push(format!(
                    "the server sent {messages} media or data message{} ({bytes} bytes) to a \
                     publishing client; they were skipped unread",
                    if messages == 1 { "" } else { "s" }
                ));
            }
        }
    }
}

/// A chunk-stream fault: the size limit, which the operator sets, or a broken rule.
fn chunk_failure(e: &ChunkError) -> (FailureKind, String) {
    match e {
        ChunkError::MessageTooLarge { csid, len, max, .. } => (
            FailureKind::MessageTooLarge,
            format!(
                "the server announced a message of {len} bytes on chunk stream {csid}, more than \
                 --max-message-size ({max} bytes)"
            ),
        ),
        ChunkError::BufferLimitExceeded { buffered, max } => (
            FailureKind::MessageTooLarge,
            format!(
                "the server's partly sent messages would hold {buffered} bytes, more than \
                 --max-message-size ({max} bytes)"
            ),
        ),
        other => (
            FailureKind::ProtocolViolation,
            format!("protocol violation: {other}"),
        ),
    }
}

/// A message body that does not decode, without the layers' nested prefixes.
fn malformed_message(e: &MessageError) -> String {
    match e {
        MessageError::Command(CommandError::Amf0(a)) => {
            format!("malformed reply: invalid AMF0 in a command ({a})")
        }
        other => format!("malformed reply: {other}"),
    }
}

/// What the handshake waits for, in words: "the server's S0", "the rest of S1 (19 of 1536 bytes
/// received)".
fn awaiting(progress: HandshakeProgress) -> String {
    match progress {
        HandshakeProgress::Awaiting { part, received: 0 } => format!("the server's {part}"),
        HandshakeProgress::Awaiting { part, received } => format!(
            "the rest of {part} ({received} of {} bytes received)",
            part.len()
        ),
        HandshakeProgress::Complete | HandshakeProgress::Failed(_) => "the handshake".into(),
    }
}

/// `from + wait`, or thirty years from `from` when that overflows: durations come from the command
/// line, and `--timeout 18446744073709551615s` must not panic.
fn later(from: Instant, wait: Duration) -> Instant {
    from.checked_add(wait)
        .or_else(|| from.checked_add(Duration::from_secs(30 * 365 * 86_400)))
        .unwrap_or(from)
}

fn cmd(csid: u32, stream_id: u32, command: Command) -> (u32, u32, Message) {
    (
        csid,
        stream_id,
        Message::Command {
            amf3: false,
            command,
        },
    )
}

fn as_command(m: &Message) -> Option<&Command> {
    match m {
        Message::Command { command, .. } => Some(command),
        _ => None,
    }
}

fn rejected_message(status: &StatusInfo) -> String {
    if status.description.is_empty() {
        format!("rejected: {}", status.code)
    } else {
        format!("rejected: {} {}", status.code, quote(&status.description))
    }
}

fn rejection(step: Step, status: Option<StatusInfo>, what: &str) -> Failure {
    let message = match &status {
        Some(st) => rejected_message(st),
        None => format!("the server answered {what} with _error"),
    };
    Failure {
        step,
        kind: FailureKind::Rejected,
        message,
        status,
    }
}

/// Server text in double quotes, on one line: control characters (newlines included) become
/// spaces and a double quote inside is escaped, so that the operator sees where it starts and
/// ends. Unlike `{:?}`, it keeps every other character as the server sent it.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What a close at each step most likely means, with the real servers' habits as the hint.
fn closed_message(step: Step, cfg: &SessionConfig) -> String {
    match step {
        Step::Connect => format!(
            "the server closed the connection without answering connect (nginx-rtmp does this \
             when the application {} does not exist)",
            quote(&cfg.redactor.text(&cfg.connect.app))
        ),
        Step::CreateStream => {
            "the server closed the connection without answering createStream".into()
        }
        Step::Publish => {
            "the server closed the connection without a status for publish (nginx-rtmp \
             does this when its on_publish callback refuses the stream key)"
                .into()
        }
        Step::Verify => {
            "the server confirmed NetStream.Publish.Start, then dropped the connection \
             (servers do this to refuse unauthorised or duplicate publishers)"
                .into()
        }
        _ => "the server closed the connection".into(),
    }
}
