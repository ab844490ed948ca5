//! The session driver: one connection, its transport, the sans-IO client that matches replies,
//! the record of steps and what the server said. The operations on it are in `ops.rs`; a
//! scenario (`scenario/`) is a script over those operations.

use super::config::SessionConfig;
use super::fault::{Eof, Fault};
use super::outcome::{Failure, FailureKind, Outcome, StatusRecord, Step};
use super::record::{Clock, Deadline, Record};
use super::tls::TlsSessionFault;
use super::transport::{BoxStream, Transport};
use super::words;
use crate::protocol::chunk::DEFAULT_CHUNK_SIZE;
use crate::protocol::client::{Client, Event, Reply};
use crate::protocol::message::{Message, Outgoing, Received};
use crate::redact::Redactor;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// The most statuses recorded: a session sees a handful; a server that floods a player with
/// onStatus messages does not grow the report (the replies are still read).
const MAX_STATUSES: usize = 64;

/// One session under way.
pub(super) struct Session<'a> {
    pub(super) cfg: &'a SessionConfig,
    pub(super) record: Record,
    pub(super) outcome: Outcome,
    pub(super) client: Client,
    /// The run's secrets and those the session learns (an authentication's response): what
    /// every transport of this session masks in its logs and traces.
    pub(super) redactor: Redactor,
    transport: Option<Transport<BoxStream>>,
    /// A stream the caller connected already (in-process tests): no dns or tcp_connect step.
    given: Option<BoxStream>,
}

impl<'a> Session<'a> {
    /// A session that dials `cfg.host` itself.
    pub(super) fn new(cfg: &'a SessionConfig) -> Self {
        Session {
            cfg,
            record: Record::start(cfg.timeout, cfg.step_timeout),
            outcome: Outcome::empty(SystemTime::now()),
            client: Client::new(),
            redactor: cfg.redactor.clone(),
            transport: None,
            given: None,
        }
    }

    /// A session over a stream that is connected already: it starts at the handshake.
    #[cfg(test)]
    pub(super) fn over(cfg: &'a SessionConfig, stream: BoxStream) -> Self {
        Session {
            given: Some(stream),
            ..Session::new(cfg)
        }
    }

    /// Ends the session after its scenario ended with `result`: closes the connection (never
    /// delaying the verdict) and hands over what was recorded.
    pub(super) async fn finish(mut self, result: Result<(), Failure>) -> Outcome {
        if let Err(failure) = result {
            self.outcome.failure = Some(failure);
        }
        if let Some(t) = self.transport.as_mut() {
            t.close(Instant::now() + Duration::from_millis(5)).await;
        }
        self.collect_server_state();
        self.outcome.steps = std::mem::take(&mut self.record.steps);
        self.outcome.total = self.record.elapsed();
        self.outcome
    }

    /// The stream the caller gave, if any (taken once).
    pub(super) fn given_stream(&mut self) -> Option<BoxStream> {
        self.given.take()
    }

    /// Puts the transport on a connected stream, keeping what the scenario keeps. `dialed`: a
    /// real connection (short deadlines kept by a kernel timer), not a stream a test gave.
    pub(super) fn open(&mut self, stream: BoxStream, dialed: bool) {
        self.transport = Some(Transport::new(
            stream,
            self.cfg.mode.keep(&self.cfg.limits),
            self.cfg.limits,
            self.redactor.clone(),
            self.record.t0(),
            dialed,
        ));
    }

    /// Closes the connection (briefly: the server is about to be called again) and forgets it,
    /// with the client's transactions: the next connection starts afresh.
    pub(super) async fn hang_up(&mut self) {
        if let Some(mut t) = self.transport.take() {
            t.close(Instant::now() + Duration::from_millis(5)).await;
        }
        self.client = Client::new();
    }

    pub(super) fn begin(&self, step: Step) -> Clock {
        self.record.begin(step)
    }

    pub(super) fn end(&mut self, clock: &Clock, ok: bool) {
        self.record.end(clock, ok);
        if tracing::enabled!(tracing::Level::INFO) {
            let took = clock.started.elapsed();
            let how = if ok { "ok" } else { "did not succeed" };
            tracing::info!(
                "step {} {how} in {}",
                clock.step.name(),
                crate::metrics::ms(took)
            );
        }
    }

    /// Adds a note, once (the rounds of an authentication would repeat a handshake's).
    pub(super) fn note(&mut self, note: String) {
        if !self.outcome.notes.contains(&note) {
            self.outcome.notes.push(note);
        }
    }

    pub(super) fn transport(&mut self) -> Result<&mut Transport<BoxStream>, Failure> {
        self.transport.as_mut().ok_or_else(|| Failure {
            step: Step::Handshake,
            kind: FailureKind::Internal,
            message: "no connection".into(),
            status: None,
        })
    }

    /// Sends `batch` in one write.
    pub(super) async fn send(
        &mut self,
        clock: &Clock,
        batch: Vec<Outgoing>,
    ) -> Result<(), Failure> {
        let deadline = clock.deadline;
        if tracing::enabled!(tracing::Level::INFO) {
            let commands: Vec<String> = batch
                .iter()
                .filter_map(|o| match &o.message {
                    Message::Command { command, .. } => {
                        Some(format!("{}({})", command.name, command.transaction_id))
                    }
                    _ => None,
                })
                .collect();
            if !commands.is_empty() {
                tracing::info!("{}: sent {}", clock.step.name(), commands.join(", "));
            }
        }
        let r = self.transport()?.send(batch, deadline.at).await;
        r.map_err(|f| self.fail(clock.step, f, &deadline, "the server to take our request"))
    }

    /// The next message the scenario keeps, by `deadline`.
    pub(super) async fn next(
        &mut self,
        step: Step,
        deadline: &Deadline,
        waiting_for: &str,
    ) -> Result<Received, Failure> {
        let r = self.transport()?.recv(deadline.at).await;
        r.map_err(|f| self.fail(step, f, deadline, waiting_for))
    }

    /// [`Session::next`] with the deadline kept to the microsecond (a settle window).
    pub(super) async fn next_exact(
        &mut self,
        step: Step,
        deadline: &Deadline,
        waiting_for: &str,
    ) -> Result<Received, Failure> {
        let r = self.transport()?.recv_exact(deadline.at).await;
        r.map_err(|f| self.fail(step, f, deadline, waiting_for))
    }

    /// The next command from the server, read by the client against what is pending (see
    /// [`Session::heard`]); other messages are passed over.
    pub(super) async fn reply(
        &mut self,
        step: Step,
        deadline: &Deadline,
        waiting_for: &str,
    ) -> Result<Reply, Failure> {
        loop {
            let received = self.next(step, deadline, waiting_for).await?;
            if let Some(reply) = self.heard(step, received) {
                return Ok(reply);
            }
        }
    }

    /// A command the server sent, read by the client against what is pending: its status is
    /// recorded, and an advisory request the server refused is noted. `None` for any other
    /// message.
    pub(super) fn heard(&mut self, step: Step, received: Received) -> Option<Reply> {
        let Message::Command { command, .. } = received.message else {
            return None;
        };
        let mut reply = self.client.on_command(received.stream_id, command);
        if tracing::enabled!(tracing::Level::INFO) {
            let status = reply
                .status
                .as_ref()
                .map(|st| format!(" {} {}", st.level, st.code))
                .unwrap_or_default();
            let text = format!("{}({}){status}", reply.name, reply.transaction_id);
            let text = crate::sanitize::one_line(&self.redactor.text(&text));
            tracing::info!("{}: got {text}", step.name());
        }
        let room = self.outcome.server.statuses.len() < MAX_STATUSES;
        if let (Some(status), true) = (&reply.status, room) {
            self.outcome.server.statuses.push(StatusRecord {
                step,
                command: std::mem::take(&mut reply.name),
                status: status.clone(),
            });
        }
        if let Event::Refused(request) = reply.event {
            if request.is_advisory() {
                let note = words::advisory_refused(request.command_name(), reply.status.as_ref());
                self.note(note);
            }
        }
        Some(reply)
    }

    /// Turns a transport fault into the step's failure, in words.
    pub(super) fn fail(
        &self,
        step: Step,
        fault: Fault,
        deadline: &Deadline,
        waiting_for: &str,
    ) -> Failure {
        let (kind, message) = match fault {
            Fault::Timeout => (FailureKind::Timeout, words::timeout(deadline, waiting_for)),
            Fault::Eof(Eof::Clean) => (
                FailureKind::Closed,
                words::closed(step, self.cfg, &self.outcome.server),
            ),
            Fault::Eof(Eof::MidMessage) => {
                (FailureKind::Reset, words::CLOSED_MID_MESSAGE.to_string())
            }
            Fault::Reset => (FailureKind::Reset, words::RESET.to_string()),
            Fault::Io(words) => (FailureKind::Io, words),
            Fault::Tls(TlsSessionFault::CloseNotify) => (
                FailureKind::Closed,
                words::closed(step, self.cfg, &self.outcome.server),
            ),
            Fault::Tls(fault @ TlsSessionFault::Truncated) => {
                (FailureKind::TlsTruncated, fault.to_string())
            }
            Fault::Tls(fault @ TlsSessionFault::Alert(_)) => {
                (FailureKind::TlsAlert, fault.to_string())
            }
            Fault::Tls(fault @ TlsSessionFault::Protocol(_)) => {
                (FailureKind::TlsProtocolError, fault.to_string())
            }
            Fault::Chunk(e) => words::chunk_failure(&e),
            Fault::Message(e) => (FailureKind::MalformedReply, words::malformed(&e)),
            Fault::Internal(e) => (FailureKind::Internal, format!("internal error: {e}")),
        };
        let (kind, message) = match (step, kind) {
            (Step::Verify, FailureKind::Closed) => (FailureKind::DroppedAfterPublish, message),
            (Step::Verify, FailureKind::Reset) => (
                FailureKind::DroppedAfterPublish,
                words::reset_after_publish(&message),
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
            (
                FailureKind::Closed | FailureKind::Reset | FailureKind::TlsTruncated,
                Some(status),
            ) => Failure {
                step,
                kind: FailureKind::Rejected,
                message: words::rejected(&status),
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

    fn collect_server_state(&mut self) {
        let Some(t) = &self.transport else {
            return;
        };
        let server = &mut self.outcome.server;
        server.window_ack_size = t.conn().peer_window();
        server.peer_bandwidth = t.conn().peer_bandwidth();
        let cs = t.decoder().peer_chunk_size();
        server.chunk_size = (cs != DEFAULT_CHUNK_SIZE).then_some(cs);
        server.acknowledgements_sent = t.acks_sent;
        server.pings_answered = t.pongs_sent;
        let opened = t.decoder().opened_without_stream_id();
        if !opened.is_empty() {
            self.outcome
                .notes
                .push(words::opened_without_stream_id(opened));
        }
        if let (count @ 1.., Some(first)) = t.passed_over() {
            self.outcome.notes.push(words::passed_over(count, first));
        }
        let (messages, bytes) = t.decoder().skipped();
        if messages > 0 {
            let player = self.cfg.mode == super::Scenario::Play;
            self.outcome
                .notes
                .push(words::skipped(player, messages, bytes));
        }
        let connected = self
            .record
            .steps
            .iter()
            .any(|r| r.step == Step::Connect && r.ok);
        let advertised = self.outcome.server.enhanced.as_ref();
        let note = super::media_out::enhanced_note(&self.cfg.media, advertised);
        if let (true, Some(note)) = (connected, note) {
            self.outcome.notes.push(note);
        }
    }
}
