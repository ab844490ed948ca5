//! A small blocking RTMP client built on the crate's protocol module, for tests that need a second
//! party: e.g. a publisher that holds a stream name so that the probe meets `BadName`.

use rtmp_probe::protocol::chunk::{ChunkDecoder, ChunkEncoder, RawMessage};
use rtmp_probe::protocol::command::{Command, ConnectProperties};
use rtmp_probe::protocol::handshake::{ClientHandshake, HandshakeMode};
use rtmp_probe::protocol::message::Message;
use rtmp_probe::protocol::Limits;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// An open RTMP connection that is publishing a stream; the stream is released when it drops.
pub struct Publisher {
    stream: TcpStream,
}

impl Publisher {
    /// Connects to 127.0.0.1:`port`, publishes `app`/`name` and waits for `Publish.Start`.
    pub fn start(port: u16, app: &str, name: &str) -> Publisher {
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
        let mut enc = ChunkEncoder::new();
        let mut dec = ChunkDecoder::new(Limits::default());
        let tc_url = format!("rtmp://127.0.0.1:{port}/{app}");
        let send = |stream: &mut TcpStream, enc: &mut ChunkEncoder, csid, msid, c: Command| {
            let raw = Message::Command {
                amf3: false,
                command: c,
            }
            .into_raw(csid, msid, 0);
            let mut out = Vec::new();
            enc.encode(&raw, &mut out).expect("encode a command");
            stream.write_all(&out).expect("send a command");
        };
        let mut wait = |stream: &mut TcpStream,
                        pending: &mut Vec<u8>,
                        pred: &dyn Fn(&Command) -> bool|
         -> Command {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                assert!(Instant::now() < deadline, "no reply from the server");
                let (used, msg) = dec.feed(pending).expect("valid chunk stream");
                pending.drain(..used);
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
                let n = stream.read(&mut buf).expect("read a reply");
                assert!(n > 0, "server closed the connection");
                pending.extend_from_slice(&buf[..n]);
            }
        };
        let props = ConnectProperties::new(app, tc_url).to_properties();
        send(&mut stream, &mut enc, 3, 0, Command::connect(1.0, props));
        let c = wait(&mut stream, &mut pending, &|c| c.transaction_id == 1.0);
        assert!(c.is_result(), "connect refused: {c:?}");
        send(&mut stream, &mut enc, 3, 0, Command::create_stream(2.0));
        let c = wait(&mut stream, &mut pending, &|c| c.transaction_id == 2.0);
        let id = c
            .arguments
            .first()
            .and_then(|v| v.as_f64())
            .expect("stream id") as u32;
        send(
            &mut stream,
            &mut enc,
            8,
            id,
            Command::publish(3.0, name, "live"),
        );
        let c = wait(&mut stream, &mut pending, &|c| c.name == "onStatus");
        let code = c.status().map(|s| s.code).unwrap_or_default();
        assert_eq!(
            code, "NetStream.Publish.Start",
            "the holder could not publish"
        );
        Publisher { stream }
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

fn command_of(raw: RawMessage) -> Option<Command> {
    match Message::decode(raw, &Limits::default()).ok()? {
        Message::Command { command, .. } => Some(command),
        _ => None,
    }
}
