//! Scripted RTMP servers that misbehave on purpose, for the fault tests.
//!
//! A [`Conn`] is the server side of one connection: the handshake at byte level, messages written
//! with the crate's chunk encoder or with chunks made by hand ([`chunks_by_hand`], which shares no
//! code with the encoder), and what the client sent, decoded and kept in order. Its `serve_*`
//! methods play what nginx-rtmp 1.1.4 answers a publisher, in the order of the capture in
//! `shared/captures/README.md` (Window Acknowledgement Size, Set Peer Bandwidth, Set Chunk Size 4096,
//! connect `_result`; createStream `_result`; onStatus `Publish.Start` on chunk stream 5; the
//! client's `@setDataFrame` taken in silence; onStatus `Unpublish.Success`), so a test scripts only
//! where its server departs from that.
//!
//! [`serve`] runs a script on the first connection of a [`FakeServer`] and hands back a
//! [`Transcript`] once the script ends: the script's own I/O error, if any, and every message the
//! client sent.

use super::fake::{FakeServer, HANDSHAKE_SIZE, RTMP_VERSION};
use rtmp_probe::protocol::amf0::Value;
use rtmp_probe::protocol::chunk::{ChunkDecoder, ChunkEncoder};
use rtmp_probe::protocol::command::Command;
use rtmp_probe::protocol::message::{LimitType, Message, UserControl};
use rtmp_probe::protocol::Limits;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::time::Duration;

/// How long [`Served::finish`] waits for the script's transcript after the server was joined.
const TRANSCRIPT_WAIT: Duration = Duration::from_secs(5);

/// The chunk stream nginx-rtmp sends NetStream statuses on.
pub const CSID_NGINX_STATUS: u32 = 5;

/// What a script saw: how it ended and what the client sent.
#[derive(Debug)]
pub struct Transcript {
    /// The script's I/O error, as text (a client that went away early, a read timeout...).
    pub error: Option<String>,
    /// Every message the client sent, in order.
    pub received: Vec<Message>,
    /// Bytes the server wrote after the handshake.
    pub sent_after_handshake: u64,
}

impl Transcript {
    /// The commands the client sent, in order.
    pub fn commands(&self) -> Vec<&Command> {
        self.received
            .iter()
            .filter_map(|m| match m {
                Message::Command { command, .. } => Some(command),
                _ => None,
            })
            .collect()
    }

    /// The sequence numbers of the client's Acknowledgements, in order.
    pub fn acknowledgements(&self) -> Vec<u32> {
        self.received
            .iter()
            .filter_map(|m| match m {
                Message::Acknowledgement { sequence } => Some(*sequence),
                _ => None,
            })
            .collect()
    }

    /// The timestamps of the client's PingResponses, in order.
    pub fn ping_responses(&self) -> Vec<u32> {
        self.received
            .iter()
            .filter_map(|m| match m {
                Message::UserControl(UserControl::PingResponse(t)) => Some(*t),
                _ => None,
            })
            .collect()
    }
}

/// A fake server running scripts on its connections; see [`serve`].
pub struct Served {
    server: FakeServer,
    transcripts: Receiver<Transcript>,
}

impl Served {
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// `rtmp://127.0.0.1:PORT/app/stream`.
    pub fn url(&self, app: &str, stream: &str) -> String {
        self.server.url(app, stream)
    }

    /// Waits for the scripts (failing the test if one panicked) and returns their transcripts, in
    /// the order they ended.
    pub fn finish(self) -> Vec<Transcript> {
        self.server.join();
        let mut out = Vec::new();
        while let Ok(t) = self.transcripts.recv_timeout(TRANSCRIPT_WAIT) {
            out.push(t);
        }
        out
    }

    /// [`Served::finish`] for a server that served one connection.
    pub fn finish_one(self) -> Transcript {
        let mut all = self.finish();
        assert_eq!(all.len(), 1, "expected one scripted connection: {all:?}");
        all.remove(0)
    }
}

/// Runs `script` on the first connection (later ones are closed at once).
pub fn serve(script: impl FnOnce(&mut Conn) -> io::Result<()> + Send + 'static) -> Served {
    let (tx, rx) = mpsc::channel();
    let server = FakeServer::start(move |stream| {
        let _ = tx.send(run(stream, script));
    });
    Served {
        server,
        transcripts: rx,
    }
}

/// Runs `script` on each of the first `n` connections.
pub fn serve_n(
    n: usize,
    script: impl Fn(&mut Conn) -> io::Result<()> + Send + Sync + 'static,
) -> Served {
    let (tx, rx) = mpsc::channel();
    let script = Arc::new(script);
    let tx = std::sync::Mutex::new(tx);
    let server = FakeServer::start_n(n, move |stream| {
        let transcript = run(stream, |c| script(c));
        if let Ok(tx) = tx.lock() {
            let _ = tx.send(transcript);
        }
    });
    Served {
        server,
        transcripts: rx,
    }
}

fn run(stream: TcpStream, script: impl FnOnce(&mut Conn) -> io::Result<()>) -> Transcript {
    let mut conn = Conn::new(stream);
    let error = script(&mut conn).err().map(|e| e.to_string());
    Transcript {
        error,
        received: std::mem::take(&mut conn.received),
        sent_after_handshake: conn.sent_after_handshake,
    }
}

/// The server side of one scripted connection.
pub struct Conn {
    /// `None` once the connection was reset.
    stream: Option<TcpStream>,
    encoder: ChunkEncoder,
    decoder: ChunkDecoder,
    /// Client bytes read but not yet decoded.
    pending: Vec<u8>,
    handshake_done: bool,
    /// C1 as the client sent it.
    pub c1: Vec<u8>,
    /// Every message the client sent, in order.
    pub received: Vec<Message>,
    /// Bytes written after the handshake: what the client's Acknowledgements count.
    pub sent_after_handshake: u64,
    /// When set, [`Conn::send`] cuts messages into chunks by hand ([`chunks_by_hand`]) at this
    /// chunk size, instead of using the crate's encoder.
    hand: Option<(usize, Extended)>,
    /// The timestamp [`Conn::send`] gives messages.
    pub timestamp: u32,
}

fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "the script reset the connection",
    )
}

impl Conn {
    pub fn new(stream: TcpStream) -> Conn {
        let _ = stream.set_nodelay(true);
        Conn {
            stream: Some(stream),
            encoder: ChunkEncoder::new(),
            decoder: ChunkDecoder::new(Limits::default()),
            pending: Vec::new(),
            handshake_done: false,
            c1: Vec::new(),
            received: Vec::new(),
            sent_after_handshake: 0,
            hand: None,
            timestamp: 0,
        }
    }

    /// From now on, messages go out in chunks made by hand: a fmt 0 header and fmt 3
    /// continuations, `chunk_size` bytes each (the client must already know that size: 128, or
    /// what [`Conn::set_chunk_size`] sent).
    pub fn by_hand(&mut self, chunk_size: usize, extended: Extended) {
        self.hand = Some((chunk_size, extended));
    }

    fn stream(&mut self) -> io::Result<&mut TcpStream> {
        self.stream.as_mut().ok_or_else(gone)
    }

    /// Writes bytes as they are (counted once the handshake is done).
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream()?.write_all(bytes)?;
        if self.handshake_done {
            self.sent_after_handshake += bytes.len() as u64;
        }
        Ok(())
    }

    /// Writes `bytes` `step` bytes at a time with `pause` between writes, until done or the
    /// client goes away (the error is returned).
    pub fn trickle(&mut self, bytes: &[u8], step: usize, pause: Duration) -> io::Result<()> {
        for piece in bytes.chunks(step.max(1)) {
            self.write(piece)?;
            std::thread::sleep(pause);
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // handshake

    /// Reads C0 and C1; returns the version byte and keeps C1.
    pub fn read_c0_c1(&mut self) -> io::Result<u8> {
        let mut c0c1 = vec![0u8; 1 + HANDSHAKE_SIZE];
        self.stream()?.read_exact(&mut c0c1)?;
        self.c1 = c0c1.split_off(1);
        Ok(c0c1[0])
    }

    /// Reads C2.
    pub fn read_c2(&mut self) -> io::Result<Vec<u8>> {
        let mut c2 = vec![0u8; HANDSHAKE_SIZE];
        self.stream()?.read_exact(&mut c2)?;
        Ok(c2)
    }

    /// The plain handshake: reads C0+C1, writes S0 (3), S1 (time 0, zero version, filler) and S2
    /// (C1 echoed), reads C2. What nginx-rtmp and node-media-server do for a client whose C1
    /// version field is zero; digest clients go on with an unsigned S1 as well.
    pub fn handshake(&mut self) -> io::Result<()> {
        self.read_c0_c1()?;
        let c1 = self.c1.clone();
        self.handshake_reply(RTMP_VERSION, &plain_s1(), &c1)
    }

    /// Writes S0, S1 and S2 as given in one write, then reads C2.
    pub fn handshake_reply(&mut self, s0: u8, s1: &[u8], s2: &[u8]) -> io::Result<()> {
        let mut reply = vec![s0];
        reply.extend_from_slice(s1);
        reply.extend_from_slice(s2);
        self.write(&reply)?;
        self.read_c2()?;
        self.handshake_done = true;
        Ok(())
    }

    /// Marks the handshake as done without doing it (for scripts that write it by hand).
    pub fn handshake_is_done(&mut self) {
        self.handshake_done = true;
    }

    // -----------------------------------------------------------------------------------------
    // sending

    /// Encodes a message (with the crate's chunk encoder, or by hand after [`Conn::by_hand`]) at
    /// [`Conn::timestamp`] and writes it.
    pub fn send(&mut self, csid: u32, stream_id: u32, message: Message) -> io::Result<()> {
        self.send_at(csid, stream_id, self.timestamp, message)
    }

    /// [`Conn::send`] with a timestamp.
    pub fn send_at(
        &mut self,
        csid: u32,
        stream_id: u32,
        timestamp: u32,
        message: Message,
    ) -> io::Result<()> {
        let raw = message.into_raw(csid, stream_id, timestamp);
        if let Some((chunk_size, extended)) = self.hand {
            let csid = u8::try_from(csid).expect("one-byte chunk stream ids by hand");
            let chunks = chunks_by_hand(
                csid,
                raw.timestamp,
                raw.type_id,
                raw.stream_id,
                &raw.payload,
                chunk_size,
                extended,
            );
            return self.write(&chunks.concat());
        }
        let mut out = Vec::new();
        self.encoder
            .encode(&raw, &mut out)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        self.write(&out)
    }

    /// A protocol control or user control message on chunk stream 2.
    pub fn send_control(&mut self, message: Message) -> io::Result<()> {
        self.send(2, 0, message)
    }

    /// An AMF0 command (type 20).
    pub fn send_command(&mut self, csid: u32, stream_id: u32, command: Command) -> io::Result<()> {
        self.send(
            csid,
            stream_id,
            Message::Command {
                amf3: false,
                command,
            },
        )
    }

    /// Sends Set Chunk Size and uses the new size for what is sent next.
    pub fn set_chunk_size(&mut self, size: u32) -> io::Result<()> {
        self.send_control(Message::SetChunkSize(size))?;
        self.encoder.set_chunk_size(size);
        if let Some((chunk_size, _)) = self.hand.as_mut() {
            *chunk_size = usize::try_from(size).unwrap_or(usize::MAX);
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // receiving

    /// The next message from the client. An error when the client closes or resets the
    /// connection, or after the stream's read timeout.
    pub fn next_message(&mut self) -> io::Result<Message> {
        loop {
            let (used, raw) = self
                .decoder
                .feed(&self.pending)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
            self.pending.drain(..used);
            if let Some(raw) = raw {
                let message = Message::decode(raw, &Limits::default())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                self.received.push(message.clone());
                return Ok(message);
            }
            if used > 0 && !self.pending.is_empty() {
                continue;
            }
            let mut buf = [0u8; 8192];
            let n = self.stream()?.read(&mut buf)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the client closed the connection",
                ));
            }
            self.pending.extend_from_slice(&buf[..n]);
        }
    }

    /// Reads messages until `pick` returns something for one of them.
    pub fn wait_for<T>(&mut self, mut pick: impl FnMut(&Message) -> Option<T>) -> io::Result<T> {
        loop {
            let message = self.next_message()?;
            if let Some(found) = pick(&message) {
                return Ok(found);
            }
        }
    }

    /// Reads messages until the command `name` arrives.
    pub fn wait_command(&mut self, name: &str) -> io::Result<Command> {
        self.wait_for(|m| match m {
            Message::Command { command, .. } if command.name == name => Some(command.clone()),
            _ => None,
        })
    }

    /// Reads until the client closes the connection (or the read timeout), keeping what it
    /// sends. Errors are the end of the script, not a failure.
    pub fn hold(&mut self) -> io::Result<()> {
        loop {
            match self.next_message() {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    /// Closes the connection the polite way (FIN), then reads until the client closes too.
    pub fn close(&mut self) -> io::Result<()> {
        self.stream()?.shutdown(Shutdown::Write)?;
        self.hold()
    }

    /// Resets the connection: SO_LINGER 0, then close, so the kernel sends RST.
    pub fn reset(&mut self) -> io::Result<()> {
        let stream = self.stream.take().ok_or_else(gone)?;
        socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
        drop(stream);
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // what nginx-rtmp answers a publisher

    /// Window Acknowledgement Size, Set Peer Bandwidth and Set Chunk Size 4096, as nginx-rtmp sends
    /// them after it reads connect.
    pub fn send_nginx_preamble(&mut self) -> io::Result<()> {
        self.send_control(Message::WindowAckSize(5_000_000))?;
        self.send_control(Message::SetPeerBandwidth {
            size: 5_000_000,
            limit: LimitType::Dynamic,
        })?;
        self.set_chunk_size(4096)
    }

    /// Waits for connect; answers with the preamble and `_result`.
    pub fn serve_connect(&mut self) -> io::Result<()> {
        let connect = self.wait_command("connect")?;
        self.send_nginx_preamble()?;
        self.send_command(3, 0, connect_result(connect.transaction_id))
    }

    /// Waits for createStream; answers with stream id 1.
    pub fn serve_create_stream(&mut self) -> io::Result<()> {
        let create = self.wait_command("createStream")?;
        self.send_command(3, 0, create_stream_result(create.transaction_id, 1.0))
    }

    /// Waits for publish; answers `NetStream.Publish.Start`.
    pub fn serve_publish(&mut self) -> io::Result<()> {
        self.wait_command("publish")?;
        self.send_command(
            CSID_NGINX_STATUS,
            1,
            on_status("status", "NetStream.Publish.Start", "Start publishing"),
        )
    }

    /// Waits for what the client sends after Publish.Start, the `@setDataFrame` metadata, which
    /// nginx-rtmp takes without a word.
    pub fn serve_verify(&mut self) -> io::Result<()> {
        self.wait_for(|m| match m {
            Message::Data { values, .. } => {
                (values.first() == Some(&Value::from("@setDataFrame"))).then_some(())
            }
            _ => None,
        })
    }

    /// Waits for deleteStream; answers `NetStream.Unpublish.Success`, then closes (FIN) and
    /// reads until the client closes.
    pub fn serve_unpublish(&mut self) -> io::Result<()> {
        self.wait_command("deleteStream")?;
        self.send_command(
            CSID_NGINX_STATUS,
            1,
            on_status("status", "NetStream.Unpublish.Success", "Stop publishing"),
        )?;
        self.close()
    }

    /// Everything after the handshake: connect, createStream, publish, the metadata, the
    /// teardown.
    pub fn serve_after_handshake(&mut self) -> io::Result<()> {
        self.serve_connect()?;
        self.serve_rest_after_connect()
    }

    /// createStream, publish, the metadata and the teardown.
    pub fn serve_rest_after_connect(&mut self) -> io::Result<()> {
        self.serve_create_stream()?;
        self.serve_publish()?;
        self.serve_verify()?;
        self.serve_unpublish()
    }

    /// A whole, well-behaved publish session.
    pub fn serve_session(&mut self) -> io::Result<()> {
        self.handshake()?;
        self.serve_after_handshake()
    }
}

/// The S1 of the scripted plain handshake: time 0, zero version, filler.
pub fn plain_s1() -> Vec<u8> {
    super::fake::plain_s1()
}

fn object(properties: &[(&str, Value)]) -> Value {
    Value::Object(
        properties
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

/// nginx-rtmp's connect `_result` (the 190-byte payload of the capture).
pub fn connect_result(transaction_id: f64) -> Command {
    Command::new(
        "_result",
        transaction_id,
        object(&[
            ("fmsVer", "FMS/3,0,1,123".into()),
            ("capabilities", 31.0.into()),
        ]),
        vec![object(&[
            ("level", "status".into()),
            ("code", "NetConnection.Connect.Success".into()),
            ("description", "Connection succeeded.".into()),
            ("objectEncoding", 0.0.into()),
        ])],
    )
}

/// createStream's `_result`: `tx, null, id`.
pub fn create_stream_result(transaction_id: f64, id: f64) -> Command {
    Command::new("_result", transaction_id, Value::Null, vec![id.into()])
}

/// `onStatus(0, null, {level, code, description})`.
pub fn on_status(level: &str, code: &str, description: &str) -> Command {
    Command::new(
        "onStatus",
        0.0,
        Value::Null,
        vec![object(&[
            ("level", level.into()),
            ("code", code.into()),
            ("description", description.into()),
        ])],
    )
}

/// `_error(tx, null, {level: "error", code, description})`.
pub fn error_reply(transaction_id: f64, code: &str, description: &str) -> Command {
    Command::new(
        "_error",
        transaction_id,
        Value::Null,
        vec![object(&[
            ("level", "error".into()),
            ("code", code.into()),
            ("description", description.into()),
        ])],
    )
}

/// The AMF0 body of a command.
pub fn command_body(command: &Command) -> Vec<u8> {
    command.to_bytes()
}

/// How extended timestamps are written on continuation chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extended {
    /// Repeat the 4 extended bytes after every fmt 3 basic header (FMS, ffmpeg, librtmp).
    Repeat,
    /// Write them only in the first chunk's header.
    Once,
}

/// One message cut into chunks by hand, independently of the crate's encoder: a fmt 0 header
/// (one-byte basic header: `csid` must be 2..=63), then fmt 3 continuation chunks. Each chunk is
/// returned on its own so that a script can interleave chunk streams.
pub fn chunks_by_hand(
    csid: u8,
    timestamp: u32,
    type_id: u8,
    stream_id: u32,
    payload: &[u8],
    chunk_size: usize,
    extended: Extended,
) -> Vec<Vec<u8>> {
    assert!((2..=63).contains(&csid), "one-byte basic headers only");
    assert!(payload.len() <= 0x00ff_ffff, "24-bit length");
    let ext = timestamp >= 0x00ff_ffff;
    let field = timestamp.min(0x00ff_ffff).to_be_bytes();
    let len = (payload.len() as u32).to_be_bytes();
    let mut first = vec![csid];
    first.extend_from_slice(&field[1..]);
    first.extend_from_slice(&len[1..]);
    first.push(type_id);
    first.extend_from_slice(&stream_id.to_le_bytes());
    if ext {
        first.extend_from_slice(&timestamp.to_be_bytes());
    }
    let mut pieces = payload.chunks(chunk_size.max(1));
    let mut chunks = Vec::new();
    first.extend_from_slice(pieces.next().unwrap_or_default());
    chunks.push(first);
    for piece in pieces {
        let mut chunk = vec![0xc0 | csid];
        if ext && extended == Extended::Repeat {
            chunk.extend_from_slice(&timestamp.to_be_bytes());
        }
        chunk.extend_from_slice(piece);
        chunks.push(chunk);
    }
    chunks
}

/// A Set Chunk Size message written by hand on chunk stream 2.
pub fn set_chunk_size_by_hand(size: u32) -> Vec<u8> {
    let mut out = vec![0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0];
    out.extend_from_slice(&size.to_be_bytes());
    out
}

/// An Abort Message for `csid`, written by hand on chunk stream 2.
pub fn abort_by_hand(csid: u32) -> Vec<u8> {
    let mut out = vec![0x02, 0, 0, 0, 0, 0, 4, 2, 0, 0, 0, 0];
    out.extend_from_slice(&csid.to_be_bytes());
    out
}
