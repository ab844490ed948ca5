//! A small blocking RTMP client built on the crate's protocol module, for tests that need a second
//! party: e.g. a publisher that holds a stream name so that the probe meets `BadName`, or a client
//! that drives `protocol::auth` against the scripted authenticating server.

use rtmp_probe::protocol::chunk::{ChunkDecoder, ChunkEncoder, RawMessage};
use rtmp_probe::protocol::command::{Command, ConnectProperties};
use rtmp_probe::protocol::handshake::{ClientHandshake, HandshakeMode};
use rtmp_probe::protocol::message::Message;
use rtmp_probe::protocol::Limits;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// One client connection, past the handshake.
pub struct Client {
    stream: TcpStream,
    enc: ChunkEncoder,
    dec: ChunkDecoder,
    /// Bytes read but not decoded yet.
    pending: Vec<u8>,
    next_transaction: f64,
}

impl Client {
    /// Connects to 127.0.0.1:`port` and does the plain handshake.
    pub fn open(port: u16) -> Client {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the RTMP port");
        stream.set_nodelay(true).expect("nodelay");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("read timeout");
        let mut hs = ClientHandshake::new(HandshakeMode::Plain, 0, [7u8; 1528]);
        stream.write_all(hs.c0_c1()).expect("send C0+C1");
        let mut buf = vec![0u8; 8192];
        let mut pending: Vec<u8> = Vec::new();
        while hs.info().is_none() {
            let n = stream.read(&mut buf).expect("read the handshake");
            assert!(n > 0, "server closed during the handshake");
            let used = hs.feed(&buf[..n]).expect("valid handshake");
            pending.extend_from_slice(&buf[used..n]);
            if let Some(c2) = hs.take_c2() {
                stream.write_all(&c2).expect("send C2");
            }
        }
        Client {
            stream,
            enc: ChunkEncoder::new(),
            dec: ChunkDecoder::new(Limits::default()),
            pending,
            next_transaction: 1.0,
        }
    }

    /// Sends a command on chunk stream `csid`, message stream `msid`.
    pub fn send(&mut self, csid: u32, msid: u32, command: Command) {
        let raw = Message::Command {
            amf3: false,
            command,
        }
        .into_raw(csid, msid, 0);
        let mut out = Vec::new();
        self.enc.encode(&raw, &mut out).expect("encode a command");
        self.stream.write_all(&out).expect("send a command");
    }

    /// Reads until a command that `pred` accepts arrives (5 s at most).
    pub fn wait(&mut self, pred: &dyn Fn(&Command) -> bool) -> Command {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut buf = vec![0u8; 8192];
        loop {
            assert!(Instant::now() < deadline, "no reply from the server");
            let (used, msg) = self.dec.feed(&self.pending).expect("valid chunk stream");
            self.pending.drain(..used);
            if let Some(raw) = msg {
                if let Some(c) = command_of(raw) {
                    if pred(&c) {
                        return c;
                    }
                }
                continue;
            }
            if used > 0 {
                continue;
            }
            let n = self.stream.read(&mut buf).expect("read a reply");
            assert!(n > 0, "server closed the connection");
            self.pending.extend_from_slice(&buf[..n]);
        }
    }

    /// Sends a command on chunk stream 3 with the next transaction id and waits for its answer.
    fn call(&mut self, msid: u32, make: impl FnOnce(f64) -> Command) -> Command {
        let tx = self.next_transaction;
        self.next_transaction += 1.0;
        self.send(3, msid, make(tx));
        self.wait(&|c| c.transaction_id == tx)
    }

    /// Sends connect with `app` and `tc_url`; returns the answer (`_result` or `_error`).
    pub fn connect(&mut self, app: &str, tc_url: &str) -> Command {
        let props = ConnectProperties::new(app, tc_url).to_properties();
        self.call(0, |tx| Command::connect(tx, props))
    }

    /// createStream, then publish `name`; returns the code of the onStatus that answers it.
    pub fn publish(&mut self, name: &str) -> String {
        self.on_new_stream(|tx| Command::publish(tx, name, "live"))
    }

    /// createStream, then the command `make` builds (with the next transaction id) on the new
    /// stream; returns the code of the onStatus that answers it.
    fn on_new_stream(&mut self, make: impl FnOnce(f64) -> Command) -> String {
        let c = self.call(0, Command::create_stream);
        let id = c
            .arguments
            .first()
            .and_then(|v| v.as_f64())
            .expect("stream id") as u32;
        let tx = self.next_transaction;
        self.next_transaction += 1.0;
        self.send(8, id, make(tx));
        let c = self.wait(&|c| c.name == "onStatus");
        c.status().map(|s| s.code).unwrap_or_default()
    }
}

impl Client {
    /// createStream, then `play(name)`; returns the code of the onStatus that answers it.
    pub fn play(&mut self, name: &str) -> String {
        self.on_new_stream(|tx| Command::play(tx, name))
    }

    /// Every audio, video and data message the server sends, whole, in order: until `until`,
    /// until the server closes the connection, or 200 ms after `done()` turned true (what was
    /// in flight still arrives).
    pub fn media_until(&mut self, mut until: Instant, done: &dyn Fn() -> bool) -> Vec<RawMessage> {
        let mut drain = false;
        let mut out = Vec::new();
        let mut buf = vec![0u8; 65536];
        self.stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .expect("read timeout");
        loop {
            let (used, msg) = self.dec.feed(&self.pending).expect("valid chunk stream");
            self.pending.drain(..used);
            if let Some(raw) = msg {
                if matches!(raw.type_id, 8 | 9 | 18) {
                    out.push(raw);
                }
                continue;
            }
            if used > 0 {
                continue;
            }
            if !drain && done() {
                drain = true;
                until = until.min(Instant::now() + Duration::from_millis(200));
            }
            if Instant::now() >= until {
                return out;
            }
            match self.stream.read(&mut buf) {
                Ok(0) => return out,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return out,
            }
        }
    }
}

/// A player of `app`/`name` on 127.0.0.1:`port`, past `NetStream.Play.Start`.
pub fn player(port: u16, app: &str, name: &str) -> Client {
    let mut client = Client::open(port);
    let c = client.connect(app, &format!("rtmp://127.0.0.1:{port}/{app}"));
    assert!(c.is_result(), "connect refused: {c:?}");
    let code = client.play(name);
    assert_eq!(code, "NetStream.Play.Start", "the player could not play");
    client
}

/// An open RTMP connection that is publishing a stream; the stream is released when it drops.
pub struct Publisher {
    client: Client,
}

impl Publisher {
    /// Connects to 127.0.0.1:`port`, publishes `app`/`name` and waits for `Publish.Start`.
    pub fn start(port: u16, app: &str, name: &str) -> Publisher {
        let mut client = Client::open(port);
        let c = client.connect(app, &format!("rtmp://127.0.0.1:{port}/{app}"));
        assert!(c.is_result(), "connect refused: {c:?}");
        let code = client.publish(name);
        assert_eq!(
            code, "NetStream.Publish.Start",
            "the holder could not publish"
        );
        Publisher { client }
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        let _ = self.client.stream.shutdown(std::net::Shutdown::Both);
    }
}

fn command_of(raw: RawMessage) -> Option<Command> {
    match Message::decode(raw, &Limits::default()).ok()? {
        Message::Command { command, .. } => Some(command),
        _ => None,
    }
}
