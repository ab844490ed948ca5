//! The only place where bytes meet the connection: a byte stream (TCP, TLS around it, or an
//! in-memory pipe in tests), a bounded read buffer, the chunk codec and the connection
//! bookkeeping.
//!
//! Every read and write takes a deadline. Reading hands back whole, typed messages and answers the
//! server's housekeeping on the way (Acknowledgements when the window is reached, PingResponse to
//! a PingRequest, Window Acknowledgement Size to a new Set Peer Bandwidth), so the operations only
//! see what they wait for. Those answers are queued and leave with the next batch the session
//! sends, or before the next read waits, whichever comes first: one write either way.
//!
//! What the chunk decoder keeps of each message type is the scenario's [`KeepPolicy`]: a
//! publisher skips media unread, so a server that sends megabytes of it costs no memory.
//!
//! The stream only has to be [`Stream`]: TCP tunes itself after every read (TCP_QUICKACK); a TLS
//! stream passes that on to the TCP stream under it, and says which errors are TLS's own (a
//! truncation, an alert) before they are read as socket errors.

use super::dial;
use super::fault::{Eof, Fault};
use super::precise;
use super::tls::TlsSessionFault;
use super::wire;
use crate::protocol::chunk::{ChunkDecoder, ChunkEncoder, KeepPolicy, MessageHeader, RawMessage};
use crate::protocol::conn::ConnState;
use crate::protocol::message::{Message, MessageError, Outgoing, Received};
use crate::protocol::vocab::{event, type_id};
use crate::protocol::Limits;
use crate::redact::Redactor;
use std::future::Future;
use std::io;
use std::task::Poll;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

/// Size of the read buffer: bytes are moved out of it into the decoder after every read, so this
/// bounds what one read takes in, not what a message may hold.
pub(super) const READ_BUFFER: usize = 16 * 1024;

/// A byte stream the transport can run over.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {
    /// Called after every read that returned data (TCP re-arms TCP_QUICKACK here).
    fn after_read(&self) {}

    /// What an error of this stream means when it is not a plain socket error: for TLS, the end
    /// of the session without close_notify, an alert, a broken record. `None`: read it as any
    /// socket's error.
    fn session_fault(&self, _error: &io::Error) -> Option<TlsSessionFault> {
        None
    }
}

/// The stream a session runs over, whatever it is.
pub(crate) type BoxStream = Box<dyn Stream>;

impl Stream for TcpStream {
    fn after_read(&self) {
        dial::rearm_quickack(self);
    }
}

impl Stream for tokio::io::DuplexStream {}

impl Stream for BoxStream {
    fn after_read(&self) {
        (**self).after_read();
    }

    fn session_fault(&self, error: &io::Error) -> Option<TlsSessionFault> {
        (**self).session_fault(error)
    }
}

/// An error of `stream` as a fault: the stream's own reading first (TLS), else a socket's.
fn fault_of<S: Stream>(stream: &S, error: io::Error) -> Fault {
    match stream.session_fault(&error) {
        Some(tls) => Fault::Tls(tls),
        None => Fault::from_io(error),
    }
}

pub(super) struct Transport<S> {
    stream: S,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    decoder: ChunkDecoder,
    encoder: ChunkEncoder,
    conn: ConnState,
    limits: Limits,
    /// Chunks waiting to be written: a batch, and the housekeeping answers queued before it.
    out: Vec<u8>,
    /// One message's payload before it is chunked.
    scratch: Vec<u8>,
    /// The chunks of `out` with secrets masked in each payload before chunking (`--trace` only),
    /// so that a secret split across chunks is masked whole.
    dump: Vec<u8>,
    redactor: Redactor,
    /// The session's start: messages without a timestamp of their own get the milliseconds since.
    epoch: Instant,
    /// Malformed messages passed over, and the first of them in words.
    passed_over: (u64, Option<String>),
    /// Housekeeping answers sent on our own.
    pub(super) acks_sent: u32,
    pub(super) pongs_sent: u32,
    /// Whether [`Transport::recv_exact`] may keep its deadline with a kernel timer: set for a real
    /// connection, not for the in-process tests' streams on tokio's paused clock.
    precise: bool,
}

impl<S: Stream> Transport<S> {
    pub(super) fn new(
        stream: S,
        keep: KeepPolicy,
        limits: Limits,
        redactor: Redactor,
        epoch: Instant,
        precise: bool,
    ) -> Self {
        Transport {
            stream,
            buf: vec![0u8; READ_BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            decoder: ChunkDecoder::with_policy(keep),
            encoder: ChunkEncoder::new(),
            conn: ConnState::new(),
            limits,
            out: Vec::with_capacity(4096),
            scratch: Vec::with_capacity(1024),
            dump: Vec::new(),
            redactor,
            epoch,
            passed_over: (0, None),
            acks_sent: 0,
            pongs_sent: 0,
            precise,
        }
    }

    pub(super) fn conn(&self) -> &ConnState {
        &self.conn
    }

    pub(super) fn decoder(&self) -> &ChunkDecoder {
        &self.decoder
    }

    /// Writes raw bytes (handshake) in one write.
    pub(super) async fn write_raw(&mut self, bytes: &[u8], deadline: Instant) -> Result<(), Fault> {
        wire::dump("send", bytes, &self.redactor);
        write_by(&mut self.stream, bytes, deadline).await
    }

    /// Reads whatever the peer sends next into the buffer (for the handshake) and returns the
    /// unread bytes. `Ok(None)` on a clean end of stream.
    pub(super) async fn read_some(&mut self, deadline: Instant) -> Result<Option<&[u8]>, Fault> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.end == self.buf.len() {
            // Handshake callers consume what they are given before reading again.
            return Err(Fault::Internal("read buffer full".into()));
        }
        let n = self.read_into_buffer(deadline, false).await?;
        if n == 0 {
            return Ok(None);
        }
        Ok(self.buf.get(self.start..self.end))
    }

    /// Marks `n` buffered bytes as used (after the handshake took them).
    pub(super) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }

    async fn read_into_buffer(&mut self, deadline: Instant, exact: bool) -> Result<usize, Fault> {
        before(deadline)?;
        self.fill(deadline, exact).await
    }

    /// One read into the free end of the buffer, unless `deadline` passes first. `exact`: a
    /// deadline closer than `precise::PRECISE_BELOW` is kept to the microsecond (a settle window,
    /// whose length is the check's; not the media pacing, which a millisecond does not hurt and
    /// a timer per frame would cost CPU).
    async fn fill(&mut self, deadline: Instant, exact: bool) -> Result<usize, Fault> {
        let Some(space) = self.buf.get_mut(self.end..) else {
            return Err(Fault::Internal("read buffer state".into()));
        };
        let near = deadline.saturating_duration_since(Instant::now()) < precise::PRECISE_BELOW;
        let read = if exact && self.precise && near {
            // tokio's timer stays armed behind the precise one, as the bound.
            tokio::select! {
                biased;
                read = timeout_at(deadline, self.stream.read(space)) => read,
                () = precise::until(deadline) => return Err(Fault::Timeout),
            }
        } else {
            timeout_at(deadline, self.stream.read(space)).await
        }
        .map_err(|_| Fault::Timeout)?;
        let n = read.map_err(|e| fault_of(&self.stream, e))?;
        Ok(self.filled(n))
    }

    /// One read into the free end of the buffer if bytes (or the end of the stream) are there
    /// already; `None` if not. The read is polled once: no timer, which would round up to the
    /// next millisecond.
    async fn fill_now(&mut self) -> Result<Option<usize>, Fault> {
        let Some(space) = self.buf.get_mut(self.end..) else {
            return Err(Fault::Internal("read buffer state".into()));
        };
        let mut read = std::pin::pin!(self.stream.read(space));
        let polled = std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
        match polled {
            Poll::Pending => Ok(None),
            Poll::Ready(r) => {
                let n = r.map_err(|e| fault_of(&self.stream, e))?;
                Ok(Some(self.filled(n)))
            }
        }
    }

    /// Accounts for `n` bytes read into the free end of the buffer.
    fn filled(&mut self, n: usize) -> usize {
        self.stream.after_read();
        tracing::trace!("read {n} bytes");
        if let Some(read) = self.buf.get(self.end..self.end + n) {
            wire::dump("recv", read, &self.redactor);
        }
        self.end += n;
        n
    }

    /// Sends `batch` in one write (with any housekeeping answers queued before it), so that a
    /// request never waits on Nagle or a delayed ACK between its header and its body.
    pub(super) async fn send(
        &mut self,
        batch: impl IntoIterator<Item = Outgoing>,
        deadline: Instant,
    ) -> Result<(), Fault> {
        for outgoing in batch {
            self.queue(&outgoing)?;
        }
        self.flush(deadline).await
    }

    /// Chunks one message into the pending output. Its payload is encoded once into a scratch
    /// buffer (audio and video are chunked from the bytes they hold).
    fn queue(&mut self, o: &Outgoing) -> Result<(), Fault> {
        wire::message("send", o.csid, o.stream_id, &o.message, &self.redactor);
        let header = MessageHeader {
            csid: o.csid,
            timestamp: o.timestamp.unwrap_or_else(|| self.millis()),
            type_id: o.message.type_id(),
            stream_id: o.stream_id,
        };
        let payload: &[u8] = match o.message.raw_payload() {
            Some(bytes) => bytes,
            None => {
                self.scratch.clear();
                o.message.encode_payload(&mut self.scratch);
                &self.scratch
            }
        };
        let ours = |e| Fault::Internal(format!("cannot encode our own message: {e}"));
        let plan = self.encoder.plan(&header, payload.len()).map_err(ours)?;
        plan.write(payload, &mut self.out).map_err(ours)?;
        if wire::tracing() {
            let masked = self.redactor.bytes(payload);
            plan.write(&masked, &mut self.dump).map_err(ours)?;
        }
        Ok(())
    }

    /// Writes what is queued, in one write.
    async fn flush(&mut self, deadline: Instant) -> Result<(), Fault> {
        if self.out.is_empty() {
            return Ok(());
        }
        if wire::tracing() {
            wire::dump_masked("send", &self.dump);
        }
        self.dump.clear();
        let result = write_by(&mut self.stream, &self.out, deadline).await;
        self.out.clear();
        result
    }

    /// Milliseconds since the session started (wrapping, as RTMP timestamps do).
    fn millis(&self) -> u32 {
        (self.epoch.elapsed().as_millis() & u128::from(u32::MAX)) as u32
    }

    /// The next whole message from the server that the policy keeps, after answering any
    /// housekeeping it calls for.
    pub(super) async fn recv(&mut self, deadline: Instant) -> Result<Received, Fault> {
        self.recv_by(deadline, false).await
    }

    /// [`Transport::recv`] with a deadline kept to the microsecond on a real connection (see
    /// `precise.rs`): for a settle window, whose length is what the check costs.
    pub(super) async fn recv_exact(&mut self, deadline: Instant) -> Result<Received, Fault> {
        self.recv_by(deadline, true).await
    }

    async fn recv_by(&mut self, deadline: Instant, exact: bool) -> Result<Received, Fault> {
        loop {
            before(deadline)?;
            if let Some(received) = self.buffered()? {
                return Ok(received);
            }
            // Answers queued so far go out before we wait for more.
            self.flush(deadline).await?;
            let n = self.read_into_buffer(deadline, exact).await?;
            self.took(n)?;
        }
    }

    /// What the server has sent already, without waiting for more: the next message kept, or
    /// `None` when there is none yet. The end of the stream and errors come as from
    /// [`Transport::recv`]. (A timer that fired while the session was not running does not hide
    /// a close that arrived meanwhile.) `deadline` still bounds it: a server that floods with
    /// messages the policy skips always has more bytes ready.
    pub(super) async fn recv_now(&mut self, deadline: Instant) -> Result<Option<Received>, Fault> {
        loop {
            before(deadline)?;
            if let Some(received) = self.buffered()? {
                return Ok(Some(received));
            }
            match self.fill_now().await? {
                None => return Ok(None),
                Some(n) => self.took(n)?,
            }
        }
    }

    /// The next message kept from the bytes buffered, if they complete one.
    fn buffered(&mut self) -> Result<Option<Received>, Fault> {
        while self.start < self.end {
            let input = self.buf.get(self.start..self.end).unwrap_or(&[]);
            let (used, raw) = self.decoder.feed(input).map_err(Fault::Chunk)?;
            self.start += used;
            if let Some(raw) = raw {
                match self.decode(raw)? {
                    Some(received) => return Ok(Some(received)),
                    None => continue,
                }
            }
            if used == 0 {
                break;
            }
        }
        self.start = 0;
        self.end = 0;
        Ok(None)
    }

    /// Accounts for `n` bytes just read: the end of the stream when there are none.
    fn took(&mut self, n: usize) -> Result<(), Fault> {
        if n == 0 {
            return Err(Fault::Eof(if self.decoder.is_idle() {
                Eof::Clean
            } else {
                Eof::MidMessage
            }));
        }
        self.conn.on_bytes_received(n);
        self.housekeeping(None)
    }

    /// Decodes a message and answers its housekeeping. A malformed message the client has no use
    /// for is passed over and counted (`None`), as ffmpeg does: a User Control event other than
    /// a Ping Request, or an Acknowledgement, shorter than its layout.
    fn decode(&mut self, raw: RawMessage) -> Result<Option<Received>, Fault> {
        let received = match Received::decode(raw, &self.limits) {
            Ok(received) => received,
            Err(e) if unused(&e) => {
                let (count, first) = &mut self.passed_over;
                *count = count.saturating_add(1);
                first.get_or_insert_with(|| e.to_string());
                return Ok(None);
            }
            Err(e) => return Err(Fault::Message(e)),
        };
        let (csid, stream_id) = (received.csid, received.stream_id);
        wire::message("recv", csid, stream_id, &received.message, &self.redactor);
        self.housekeeping(Some(&received.message))?;
        Ok(Some(received))
    }

    /// How many malformed messages were passed over (see [`Transport::decode`]), and the first
    /// of them in words.
    pub(super) fn passed_over(&self) -> (u64, Option<&str>) {
        (self.passed_over.0, self.passed_over.1.as_deref())
    }

    /// Counts handshake leftovers as received chunk-stream bytes (they were read with S2).
    pub(super) fn count_leftover(&mut self) {
        let n = self.end - self.start;
        self.conn.on_bytes_received(n);
    }

    /// Queues what `message` (or the bytes just read) calls for: a Ping Response, a Window
    /// Acknowledgement Size, an Acknowledgement.
    fn housekeeping(&mut self, message: Option<&Message>) -> Result<(), Fault> {
        if let Some(reply) = message.and_then(|m| self.conn.on_message(m)) {
            if matches!(reply, Message::UserControl(_)) {
                self.pongs_sent += 1;
            }
            tracing::trace!("answering the server's housekeeping: {reply:?}");
            self.queue(&Outgoing::control(reply))?;
        }
        if let Some(ack) = self.conn.ack_due() {
            self.acks_sent += 1;
            tracing::trace!("acknowledging what the server's window asks for: {ack:?}");
            self.queue(&Outgoing::control(ack))?;
        }
        Ok(())
    }

    /// Sends what is still queued and half-closes our side, briefly: a server that ignores our
    /// FIN is not our problem, and errors are irrelevant at this point.
    pub(super) async fn close(&mut self, deadline: Instant) {
        let _ = self.flush(deadline).await;
        let _ = timeout_at(deadline, self.stream.shutdown()).await;
    }
}

/// Whether a decoding error is about a message the client never acts on: a short user control
/// event or Acknowledgement, or a data message (onMetaData, onTextData...) whose AMF0 does not
/// decode, which a player reports as no media and a publisher never reads.
fn unused(e: &MessageError) -> bool {
    match e {
        MessageError::ShortUserControl { event_type, .. } => *event_type != event::PING_REQUEST,
        MessageError::ShortPayload { type_id, .. } => *type_id == type_id::ACKNOWLEDGEMENT,
        MessageError::Amf0(_) => true,
        MessageError::NotAmf0 { type_id, .. } => *type_id == type_id::DATA_AMF3,
        _ => false,
    }
}

/// Fails with [`Fault::Timeout`] once `deadline` has passed. Checked before every read and write:
/// `timeout_at` looks at its timer only when the I/O it wraps is pending, so against a server that
/// floods, whose data is always ready, it alone would let a run overshoot its deadline (by a second
/// and more in the flood test).
fn before(deadline: Instant) -> Result<(), Fault> {
    if Instant::now() >= deadline {
        Err(Fault::Timeout)
    } else {
        Ok(())
    }
}

/// Writes all of `bytes`, unless the deadline has passed or passes first. The one place our bytes
/// go out: the handshake's and the encoded messages'.
async fn write_by<S: Stream>(stream: &mut S, bytes: &[u8], deadline: Instant) -> Result<(), Fault> {
    before(deadline)?;
    let written = timeout_at(deadline, stream.write_all(bytes))
        .await
        .map_err(|_| Fault::Timeout)?;
    written.map_err(|e| fault_of(stream, e))
}
