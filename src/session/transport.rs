//! The only place where bytes meet the socket: a TCP stream, a bounded read buffer, the chunk
//! codec and the connection bookkeeping.
//!
//! Every read and write takes a deadline. Reading hands back whole, typed messages and answers the
//! server's housekeeping on the way (Acknowledgements when the window is reached, PingResponse to a
//! PingRequest), so the step functions only see what they wait for.
//!
//! Media and data messages are skipped by the chunk decoder without being stored (see
//! [`keeps`]): a publishing client has no use for them, and a server that sends megabytes of them
//! must not make the probe's memory grow.

use super::fault::Fault;
use super::wire;
use crate::protocol::chunk::{ChunkDecoder, ChunkEncoder, Keep, KeepPolicy, CONTROL_AND_COMMANDS};
use crate::protocol::conn::ConnState;
use crate::protocol::message::{Message, Received};
use crate::protocol::Limits;
use crate::redact::Redactor;
use std::io;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{timeout_at, Instant};

/// Size of the read buffer: bytes are moved out of it into the decoder after every read, so this
/// bounds what one read takes in, not what a message may hold.
pub const READ_BUFFER: usize = 16 * 1024;

/// How a read ended without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eof {
    /// The peer closed between messages.
    Clean,
    /// The peer closed inside a message.
    MidMessage,
}

pub struct Transport {
    stream: TcpStream,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    decoder: ChunkDecoder,
    encoder: ChunkEncoder,
    conn: ConnState,
    limits: Limits,
    out: Vec<u8>,
    redactor: Redactor,
    /// Housekeeping replies sent on our own (acknowledgements, ping responses).
    pub acks_sent: u32,
    pub pongs_sent: u32,
}

impl Transport {
    pub fn new(stream: TcpStream, limits: Limits, redactor: Redactor) -> Self {
        let decoder = ChunkDecoder::with_policy(KeepPolicy::all(Keep::Skip).with_types(
            &CONTROL_AND_COMMANDS,
            Keep::Whole {
                max: limits.max_message_size,
            },
        ));
        Transport {
            stream,
            buf: vec![0u8; READ_BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            decoder,
            encoder: ChunkEncoder::new(),
            conn: ConnState::new(),
            limits,
            out: Vec::with_capacity(4096),
            redactor,
            acks_sent: 0,
            pongs_sent: 0,
        }
    }

    pub fn conn(&self) -> &ConnState {
        &self.conn
    }

    pub fn peer_chunk_size(&self) -> u32 {
        self.decoder.peer_chunk_size()
    }

    /// Messages the decoder skipped whole, and the payload bytes it skipped.
    pub fn skipped(&self) -> (u64, u64) {
        self.decoder.skipped()
    }

    /// Writes raw bytes (handshake) in one write.
    pub async fn write_raw(&mut self, bytes: &[u8], deadline: Instant) -> Result<(), Fault> {
        write_by(&mut self.stream, bytes, deadline, &self.redactor).await
    }

    /// Reads whatever the peer sends next into the buffer (for the handshake) and returns the
    /// unread bytes. `Ok(None)` on a clean end of stream.
    pub async fn read_some(&mut self, deadline: Instant) -> Result<Option<&[u8]>, Fault> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.end == self.buf.len() {
            // Handshake callers consume what they are given before reading again.
            return Err(Fault::Internal("read buffer full".into()));
        }
        let n = self.read_into_buffer(deadline).await?;
        if n == 0 {
            return Ok(None);
        }
        Ok(self.buf.get(self.start..self.end))
    }

    /// Marks `n` buffered bytes as used (after the handshake took them).
    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }

    async fn read_into_buffer(&mut self, deadline: Instant) -> Result<usize, Fault> {
        before(deadline)?;
        let Some(space) = self.buf.get_mut(self.end..) else {
            return Err(Fault::Internal("read buffer state".into()));
        };
        let n = timeout_at(deadline, self.stream.read(space))
            .await
            .map_err(|_| Fault::Timeout)?
            .map_err(Fault::from_io)?;
        rearm_quickack(&self.stream);
        if let Some(read) = self.buf.get(self.end..self.end + n) {
            wire::dump("recv", read, &self.redactor);
        }
        self.end += n;
        Ok(n)
    }

    /// Encodes messages and sends them in one write, so that a request never waits on Nagle or a
    /// delayed ACK between its header and its body.
    pub async fn send(
        &mut self,
        messages: Vec<(u32, u32, Message)>,
        deadline: Instant,
    ) -> Result<(), Fault> {
        self.out.clear();
        for (csid, stream_id, message) in messages {
            wire::message("send", csid, stream_id, &message, &self.redactor);
            let raw = message.into_raw(csid, stream_id, 0);
            self.encoder
                .encode(&raw, &mut self.out)
                .map_err(|e| Fault::Internal(format!("cannot encode our own message: {e}")))?;
        }
        self.flush_out(deadline).await
    }

    async fn flush_out(&mut self, deadline: Instant) -> Result<(), Fault> {
        if self.out.is_empty() {
            return Ok(());
        }
        let result = write_by(&mut self.stream, &self.out, deadline, &self.redactor).await;
        self.out.clear();
        result
    }

    /// The next whole message from the server, after answering any housekeeping it calls for.
    pub async fn recv(&mut self, deadline: Instant) -> Result<Received, Fault> {
        loop {
            before(deadline)?;
            while self.start < self.end {
                let input = self.buf.get(self.start..self.end).unwrap_or(&[]);
                let (used, raw) = self.decoder.feed(input).map_err(Fault::from_chunk)?;
                self.start += used;
                if let Some(raw) = raw {
                    let received =
                        Received::decode(raw, &self.limits).map_err(Fault::from_message)?;
                    let (csid, stream_id) = (received.csid, received.stream_id);
                    wire::message("recv", csid, stream_id, &received.message, &self.redactor);
                    self.housekeeping(Some(&received.message), deadline).await?;
                    return Ok(received);
                }
                if used == 0 {
                    break;
                }
            }
            self.start = 0;
            self.end = 0;
            let n = self.read_into_buffer(deadline).await?;
            if n == 0 {
                return Err(Fault::Eof(if self.decoder.is_idle() {
                    Eof::Clean
                } else {
                    Eof::MidMessage
                }));
            }
            self.conn.on_bytes_received(n);
            self.housekeeping(None, deadline).await?;
        }
    }

    /// Counts handshake leftovers as received chunk-stream bytes (they were read with S2).
    pub fn count_leftover(&mut self) {
        let n = self.end - self.start;
        self.conn.on_bytes_received(n);
    }

    async fn housekeeping(
        &mut self,
        message: Option<&Message>,
        deadline: Instant,
    ) -> Result<(), Fault> {
        let mut replies = Vec::new();
        if let Some(m) = message {
            if let Some(reply) = self.conn.on_message(m) {
                self.pongs_sent += 1;
                replies.push(reply);
            }
        }
        if let Some(ack) = self.conn.ack_due() {
            self.acks_sent += 1;
            replies.push(ack);
        }
        if replies.is_empty() {
            return Ok(());
        }
        let messages = replies.into_iter().map(|m| (2, 0, m)).collect();
        self.send(messages, deadline).await
    }

    /// Half-closes our side; errors are irrelevant at this point.
    pub async fn shutdown(&mut self) {
        let _ = self.stream.shutdown().await;
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
async fn write_by(
    stream: &mut TcpStream,
    bytes: &[u8],
    deadline: Instant,
    redactor: &Redactor,
) -> Result<(), Fault> {
    before(deadline)?;
    wire::dump("send", bytes, redactor);
    timeout_at(deadline, stream.write_all(bytes))
        .await
        .map_err(|_| Fault::Timeout)?
        .map_err(Fault::from_io)
}

/// Linux delays ACKs by up to 40 ms unless told otherwise, and re-enables the delay after a while,
/// so the flag is set again after every read. nginx-rtmp sends Window Ack Size alone and holds the
/// rest of the connect reply until it is ACKed (Nagle): without this, connect takes ~43 ms.
fn rearm_quickack(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    {
        let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = stream;
    }
}

/// A socket for `addr`, with TCP_NODELAY set where the system allows it, ready to connect. The
/// session makes the first one before the clock of `tcp_connect` starts, so that the step times the
/// TCP handshake rather than the system calls that prepare it (bench/wire.py compares the step with
/// the wire).
pub fn socket_for(addr: SocketAddr) -> io::Result<TcpSocket> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Err(e) = socket.set_nodelay(true) {
        tracing::debug!("cannot set TCP_NODELAY: {}", super::fault::io_words(&e));
    }
    Ok(socket)
}

/// How connecting to a list of addresses ended.
#[derive(Debug)]
pub enum Connect {
    /// An address accepted; TCP_QUICKACK is asked for on the new connection.
    Connected(TcpStream),
    /// The deadline passed during an attempt.
    TimedOut,
    /// Every address failed: the last error, or None when there was no address.
    Failed(Option<io::Error>),
}

/// Connects to `addrs` in their order until one accepts, all within `deadline`. `first` is the
/// first address's socket when the caller made it in advance (see `socket_for`); `tried` hears
/// each address before its attempt.
pub async fn connect_in_order(
    addrs: &[SocketAddr],
    mut first: Option<io::Result<TcpSocket>>,
    deadline: Instant,
    mut tried: impl FnMut(SocketAddr),
) -> Connect {
    let mut last = None;
    for &addr in addrs {
        tried(addr);
        let socket = match first.take().unwrap_or_else(|| socket_for(addr)) {
            Ok(socket) => socket,
            Err(e) => {
                last = Some(e);
                continue;
            }
        };
        match timeout_at(deadline, socket.connect(addr)).await {
            Err(_) => return Connect::TimedOut,
            Ok(Ok(stream)) => {
                rearm_quickack(&stream);
                return Connect::Connected(stream);
            }
            Ok(Err(e)) => last = Some(e),
        }
    }
    Connect::Failed(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A loopback address that refuses connections: a port that was just bound and released,
    /// checked to refuse (another process may take it in between: then try another).
    fn refusing() -> SocketAddr {
        for _ in 0..100 {
            let addr = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("bind a loopback port");
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return addr,
                _ => continue,
            }
        }
        panic!("no loopback port refused connections in 100 tries");
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[tokio::test]
    async fn a_refusing_address_is_passed_over_for_the_next_one() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listen");
        let open = listener.local_addr().expect("listener address");
        let closed = refusing();
        let mut tried = Vec::new();
        let end = connect_in_order(&[closed, open], Some(socket_for(closed)), soon(), |a| {
            tried.push(a)
        })
        .await;
        let Connect::Connected(stream) = end else {
            panic!("expected a connection to {open}, got {end:?}");
        };
        assert_eq!(stream.peer_addr().expect("peer"), open);
        assert_eq!(tried, [closed, open]);
        assert!(stream.nodelay().expect("TCP_NODELAY"), "TCP_NODELAY is set");
        let (_, client) = listener.accept().await.expect("accept");
        assert_eq!(client, stream.local_addr().expect("local address"));
    }

    #[tokio::test]
    async fn when_every_address_refuses_the_last_refusal_is_the_answer() {
        let (a, b) = (refusing(), refusing());
        let mut tried = Vec::new();
        let end = connect_in_order(&[a, b], None, soon(), |x| tried.push(x)).await;
        match end {
            Connect::Failed(Some(e)) => assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(tried, [a, b]);
    }

    #[tokio::test]
    async fn no_address_is_a_failure_without_an_error() {
        let end = connect_in_order(&[], None, soon(), |_| panic!("nothing to try")).await;
        assert!(matches!(end, Connect::Failed(None)), "{end:?}");
    }
}
