//! A scripted RTMP server for in-process session tests: the server end of an in-memory pipe,
//! speaking through the protocol module's own chunk encoder and decoder.
//!
//! [`pair`] gives the session's end (a [`BoxStream`]) and the [`Peer`]. A script is an async
//! function of the peer; [`session`] runs the session and the script together on one task, so
//! that with paused time (`#[tokio::test(start_paused = true)]`) every wait ends exactly at its
//! deadline and nothing depends on the machine's speed. The `serve_*` methods answer as
//! nginx-rtmp 1.1.4 does (the capture in `shared/captures/README.md`); a script departs from them
//! where its server misbehaves. Replies are built here by hand, not with the client's builders.

use crate::protocol::amf0::Value;
use crate::protocol::chunk::{ChunkDecoder, ChunkEncoder, RawMessage};
use crate::protocol::command::Command;
use crate::protocol::message::{LimitType, Message, Received, UserControl};
use crate::protocol::Limits;
use crate::session::transport::{BoxStream, Stream};
use crate::session::{run_over, Outcome, SessionConfig};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream, ReadBuf};

/// The chunk stream nginx-rtmp sends NetStream statuses on.
pub(crate) const CSID_STATUS: u32 = 5;

/// Runs a session over a pipe to `script`'s peer; returns what the session recorded and the
/// peer, with everything the session sent it.
pub(crate) async fn session<F, Fut>(cfg: &SessionConfig, script: F) -> (Outcome, Peer)
where
    F: FnOnce(Peer) -> Fut,
    Fut: Future<Output = Peer>,
{
    let (client, peer) = pair();
    tokio::join!(run_over(cfg, client), script(peer))
}

/// The session's end of a pipe and the peer at the other.
pub(crate) fn pair() -> (BoxStream, Peer) {
    let (ours, theirs) = tokio::io::duplex(64 * 1024);
    let reset = Arc::new(AtomicBool::new(false));
    let client = ClientEnd {
        io: ours,
        reset: Arc::clone(&reset),
    };
    let peer = Peer {
        io: theirs,
        reset,
        decoder: ChunkDecoder::new(Limits::default()),
        encoder: ChunkEncoder::new(),
        pending: Vec::new(),
        received: Vec::new(),
    };
    (Box::new(client), peer)
}

/// The session's end: an in-memory pipe that reads as reset once the peer reset it (after what
/// the peer wrote before), and writes as reset from then on.
struct ClientEnd {
    io: DuplexStream,
    reset: Arc<AtomicBool>,
}

impl ClientEnd {
    fn check(&self) -> io::Result<()> {
        if self.reset.load(Ordering::SeqCst) {
            Err(io::ErrorKind::ConnectionReset.into())
        } else {
            Ok(())
        }
    }
}

impl AsyncRead for ClientEnd {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if buf.filled().len() == before => Poll::Ready(self.check()),
            other => other,
        }
    }
}

impl AsyncWrite for ClientEnd {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl Stream for ClientEnd {}

/// The server side of one in-memory connection.
pub(crate) struct Peer {
    io: DuplexStream,
    reset: Arc<AtomicBool>,
    decoder: ChunkDecoder,
    encoder: ChunkEncoder,
    /// Bytes read but not decoded yet.
    pending: Vec<u8>,
    /// Every message the session sent, in order.
    pub(crate) received: Vec<Received>,
}

impl Peer {
    // -----------------------------------------------------------------------------------------
    // bytes

    /// Writes bytes as they are.
    pub(crate) async fn write(&mut self, bytes: &[u8]) {
        // The session may have gone: what it did not read is its business.
        let _ = self.io.write_all(bytes).await;
    }

    /// Reads C0+C1 and returns them.
    pub(crate) async fn read_c0_c1(&mut self) -> Vec<u8> {
        let mut c0c1 = vec![0u8; 1537];
        self.io.read_exact(&mut c0c1).await.expect("C0+C1");
        assert_eq!(c0c1[0], 3, "C0");
        c0c1
    }

    /// Reads C0+C1 and answers the plain handshake: S0 3, S1 (time 0, version 0, filler), S2
    /// echoing C1; then reads C2.
    pub(crate) async fn handshake(&mut self) {
        let c0c1 = self.read_c0_c1().await;
        let mut reply = vec![3u8];
        reply.extend((0..1536).map(|i| if i < 8 { 0 } else { (i % 251) as u8 }));
        reply.extend_from_slice(&c0c1[1..]);
        self.write(&reply).await;
        let mut c2 = vec![0u8; 1536];
        self.io.read_exact(&mut c2).await.expect("C2");
    }

    /// Ends the connection the polite way: the session reads the end of the stream.
    pub(crate) async fn close(&mut self) {
        let _ = self.io.shutdown().await;
    }

    /// Resets the connection: the session's next read or write fails as reset.
    pub(crate) async fn reset(&mut self) {
        self.reset.store(true, Ordering::SeqCst);
        let _ = self.io.shutdown().await;
    }

    // -----------------------------------------------------------------------------------------
    // messages

    /// Sends a message with the crate's chunk encoder.
    pub(crate) async fn send(&mut self, csid: u32, stream_id: u32, message: Message) {
        let mut out = Vec::new();
        self.encoder
            .encode(&message.into_raw(csid, stream_id, 0), &mut out)
            .expect("the script's message encodes");
        self.write(&out).await;
    }

    /// Sends a message stamped `timestamp`.
    pub(crate) async fn send_at(
        &mut self,
        csid: u32,
        stream_id: u32,
        timestamp: u32,
        message: Message,
    ) {
        self.send_raw(&message.into_raw(csid, stream_id, timestamp))
            .await;
    }

    /// Sends a message as it is (the synthetic stream's items).
    pub(crate) async fn send_raw(&mut self, raw: &RawMessage) {
        let mut out = Vec::new();
        self.encoder
            .encode(raw, &mut out)
            .expect("the script's message encodes");
        self.write(&out).await;
    }

    /// Sends Set Chunk Size and uses it for what follows.
    pub(crate) async fn set_chunk_size(&mut self, size: u32) {
        self.control(Message::SetChunkSize(size)).await;
        self.encoder.set_chunk_size(size);
    }

    /// An AMF0 command.
    pub(crate) async fn send_command(&mut self, csid: u32, stream_id: u32, command: Command) {
        let message = Message::Command {
            amf3: false,
            command,
        };
        self.send(csid, stream_id, message).await;
    }

    /// A protocol control message on chunk stream 2.
    pub(crate) async fn control(&mut self, message: Message) {
        self.send(2, 0, message).await;
    }

    /// The next message the session sends; `None` once it closed the connection.
    pub(crate) async fn next(&mut self) -> Option<Received> {
        loop {
            let (used, raw) = self
                .decoder
                .feed(&self.pending)
                .expect("the session's chunk stream decodes");
            self.pending.drain(..used);
            if let Some(raw) = raw {
                let received =
                    Received::decode(raw, &Limits::default()).expect("the session's message");
                self.received.push(received.clone());
                return Some(received);
            }
            if used > 0 && !self.pending.is_empty() {
                continue;
            }
            let mut buf = [0u8; 8192];
            match self.io.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// Waits for the command `name`; fails the test if the session stops first.
    pub(crate) async fn command(&mut self, name: &str) -> Command {
        loop {
            match self.next().await.map(|r| r.message) {
                Some(Message::Command { command, .. }) if command.name == name => return command,
                Some(_) => {}
                None => panic!(
                    "the session ended before sending {name}: {:?}",
                    self.names()
                ),
            }
        }
    }

    /// Reads until the session closes the connection, keeping what it sends.
    pub(crate) async fn hold(&mut self) {
        while self.next().await.is_some() {}
    }

    /// The names of the commands the session sent, in order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.commands().iter().map(|c| c.name.clone()).collect()
    }

    /// The commands the session sent, in order.
    pub(crate) fn commands(&self) -> Vec<&Command> {
        self.received
            .iter()
            .filter_map(|r| match &r.message {
                Message::Command { command, .. } => Some(command),
                _ => None,
            })
            .collect()
    }

    // -----------------------------------------------------------------------------------------
    // what nginx-rtmp answers a publisher

    /// Waits for connect; answers with Window Acknowledgement Size, Set Peer Bandwidth, Set
    /// Chunk Size 4096 and the `_result` (fmsVer `FMS/3,0,1,123`, nginx-rtmp's).
    pub(crate) async fn serve_connect(&mut self) {
        let connect = self.command("connect").await;
        self.control(Message::WindowAckSize(5_000_000)).await;
        self.control(Message::SetPeerBandwidth {
            size: 5_000_000,
            limit: LimitType::Dynamic,
        })
        .await;
        self.control(Message::SetChunkSize(4096)).await;
        self.encoder.set_chunk_size(4096);
        self.send_command(
            3,
            0,
            connect_result(connect.transaction_id, "FMS/3,0,1,123"),
        )
        .await;
    }

    /// Waits for createStream; answers with stream id 1.
    pub(crate) async fn serve_create_stream(&mut self) {
        let create = self.command("createStream").await;
        let result = Command::new(
            "_result",
            create.transaction_id,
            Value::Null,
            vec![1.0.into()],
        );
        self.send_command(3, 0, result).await;
    }

    /// Waits for publish; answers `NetStream.Publish.Start` on stream 1.
    pub(crate) async fn serve_publish(&mut self) {
        self.command("publish").await;
        let start = on_status("status", "NetStream.Publish.Start", "Start publishing");
        self.send_command(CSID_STATUS, 1, start).await;
    }

    /// Waits for play; answers as nginx-rtmp does: Stream Begin for stream 1, then
    /// `NetStream.Play.Start`.
    pub(crate) async fn serve_play(&mut self) {
        self.command("play").await;
        self.control(Message::UserControl(UserControl::StreamBegin(1)))
            .await;
        let start = on_status("status", "NetStream.Play.Start", "Start live");
        self.send_command(CSID_STATUS, 1, start).await;
    }

    /// Everything up to `NetStream.Play.Start`.
    pub(crate) async fn playing(&mut self) {
        self.open_stream().await;
        self.serve_play().await;
    }

    /// Waits for deleteStream; answers `NetStream.Unpublish.Success`, then closes and reads
    /// until the session closes too.
    pub(crate) async fn serve_unpublish(&mut self) {
        self.command("deleteStream").await;
        let done = on_status("status", "NetStream.Unpublish.Success", "Stop publishing");
        self.send_command(CSID_STATUS, 1, done).await;
        self.close().await;
        self.hold().await;
    }

    /// The handshake and connect.
    pub(crate) async fn open(&mut self) {
        self.handshake().await;
        self.serve_connect().await;
    }

    /// The handshake, connect and createStream.
    pub(crate) async fn open_stream(&mut self) {
        self.open().await;
        self.serve_create_stream().await;
    }

    /// Everything up to `NetStream.Publish.Start`.
    pub(crate) async fn publishing(&mut self) {
        self.open_stream().await;
        self.serve_publish().await;
    }

    /// A whole, well-behaved publish session.
    pub(crate) async fn serve_session(&mut self) {
        self.publishing().await;
        self.serve_unpublish().await;
    }
}

fn object(properties: &[(&str, Value)]) -> Value {
    Value::Object(
        properties
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

/// connect's `_result` as nginx-rtmp sends it, with `fms_ver`.
pub(crate) fn connect_result(transaction_id: f64, fms_ver: &str) -> Command {
    Command::new(
        "_result",
        transaction_id,
        object(&[("fmsVer", fms_ver.into()), ("capabilities", 31.0.into())]),
        vec![object(&[
            ("level", "status".into()),
            ("code", "NetConnection.Connect.Success".into()),
            ("description", "Connection succeeded.".into()),
            ("objectEncoding", 0.0.into()),
        ])],
    )
}

/// `onStatus(0, null, {level, code, description})`.
pub(crate) fn on_status(level: &str, code: &str, description: &str) -> Command {
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
pub(crate) fn error_reply(transaction_id: f64, code: &str, description: &str) -> Command {
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
