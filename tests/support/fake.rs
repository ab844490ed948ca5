//! Scripted misbehaving servers for fault tests.
//!
//! A [`FakeServer`] listens on a free loopback port and hands each of its first N accepted connections
//! to a script (a closure taking the `TcpStream`) running on a thread of its own. The stream comes
//! with read and write timeouts of 30 s, so a script waiting for a client that never speaks cannot
//! hang forever. Connections after the first N are accepted and closed at once. Dropping the server
//! stops accepting: connections already made are still handed to their scripts, later ones are
//! refused (after a moment at most: a child process that another test thread is spawning right then
//! can hold a copy of the listening socket until its exec). [`FakeServer::join`] does the same, then waits for the scripts and fails the test if one
//! of them panicked.
//!
//! The helpers below cover the RTMP handshake at byte level; chunks and commands are written with the
//! crate's own protocol module.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The read and write timeouts set on every scripted connection.
pub const SCRIPT_IO_TIMEOUT: Duration = Duration::from_secs(30);

/// How long [`FakeServer::join`] waits for the scripts to end.
const JOIN_DEADLINE: Duration = Duration::from_secs(40);

/// Size of C1, S1, C2 and S2.
pub const HANDSHAKE_SIZE: usize = 1536;

/// The RTMP version byte of C0 and S0 for the plain handshake.
pub const RTMP_VERSION: u8 = 3;

/// What a fake server does with one accepted connection.
pub type Script = Box<dyn FnOnce(TcpStream) + Send + 'static>;

/// A scripted server on 127.0.0.1; see the module docs.
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

/// What the test thread and the accepting thread share.
struct Shared {
    stop: AtomicBool,
    /// The local address of the connection that wakes the blocked `accept` at stop time, so that the
    /// acceptor tells it apart from client connections queued before it (those are still served).
    waker: Mutex<Option<SocketAddr>>,
    accepted: AtomicUsize,
    scripts: Mutex<Vec<JoinHandle<()>>>,
}

impl FakeServer {
    /// Runs `script` on the first connection; later connections are closed at once.
    pub fn start(script: impl FnOnce(TcpStream) + Send + 'static) -> FakeServer {
        FakeServer::with_scripts(vec![Box::new(script)])
    }

    /// Runs `script` on each of the first `connections` connections.
    pub fn start_n(
        connections: usize,
        script: impl Fn(TcpStream) + Send + Sync + 'static,
    ) -> FakeServer {
        let script = Arc::new(script);
        let scripts = (0..connections)
            .map(|_| {
                let script = Arc::clone(&script);
                Box::new(move |stream: TcpStream| script(stream)) as Script
            })
            .collect();
        FakeServer::with_scripts(scripts)
    }

    /// Runs the i-th script on the i-th connection (e.g. a server that fails once, then behaves).
    pub fn with_scripts(scripts: Vec<Script>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a fake server on 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("local address of the fake server");
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            waker: Mutex::new(None),
            accepted: AtomicUsize::new(0),
            scripts: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || accept_loop(listener, scripts, &shared))
        };
        FakeServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `rtmp://127.0.0.1:PORT/app/stream`.
    pub fn url(&self, app: &str, stream: &str) -> String {
        format!("rtmp://127.0.0.1:{}/{app}/{stream}", self.port())
    }

    /// How many client connections were accepted so far, scripted or not.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Stops accepting (connections already made are still handed to their scripts), waits up to
    /// 40 s for the scripts, and panics if one of them panicked or is still running. Returns how many
    /// connections were accepted.
    pub fn join(mut self) -> usize {
        self.stop_accepting();
        let handles = std::mem::take(&mut *self.shared.scripts.lock().expect("script handles"));
        let deadline = Instant::now() + JOIN_DEADLINE;
        for (index, handle) in handles.into_iter().enumerate() {
            while !handle.is_finished() {
                if Instant::now() > deadline {
                    panic!("fake server script #{index} still running after {JOIN_DEADLINE:?}");
                }
                thread::sleep(Duration::from_millis(2));
            }
            if let Err(payload) = handle.join() {
                panic!(
                    "fake server script #{index} panicked: {}",
                    panic_message(payload.as_ref())
                );
            }
        }
        self.accepted()
    }

    fn stop_accepting(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocked accept() with a connection of our own; if even that fails, leave the
        // thread behind rather than hang.
        if let Ok(waker) = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)) {
            *self.shared.waker.lock().expect("waker address") = waker.local_addr().ok();
            let _ = acceptor.join();
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop_accepting();
    }
}

fn accept_loop(listener: TcpListener, scripts: Vec<Script>, shared: &Shared) {
    let mut scripts = scripts.into_iter();
    loop {
        let Ok((stream, peer)) = listener.accept() else {
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            thread::sleep(Duration::from_millis(1));
            continue;
        };
        if shared.stop.load(Ordering::SeqCst) && is_waker(shared, peer) {
            return;
        }
        match scripts.next() {
            Some(script) => {
                let _ = stream.set_read_timeout(Some(SCRIPT_IO_TIMEOUT));
                let _ = stream.set_write_timeout(Some(SCRIPT_IO_TIMEOUT));
                let handle = thread::spawn(move || script(stream));
                shared.scripts.lock().expect("script handles").push(handle);
            }
            None => drop(stream),
        }
        shared.accepted.fetch_add(1, Ordering::SeqCst);
    }
}

/// Whether `peer` is the waker; its address is recorded just after its connect returns, so wait for
/// it a little. If it never comes (its connect failed), stop anyway.
fn is_waker(shared: &Shared, peer: SocketAddr) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        if let Some(waker) = *shared.waker.lock().expect("waker address") {
            return waker == peer;
        }
        if Instant::now() > deadline {
            return true;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "<not a string>".to_owned()
    }
}

/// Reads exactly `len` bytes within `timeout` (for this read only; the stream's own timeout is put
/// back afterwards).
pub fn read_exact_timeout(
    stream: &mut TcpStream,
    len: usize,
    timeout: Duration,
) -> io::Result<Vec<u8>> {
    let previous = stream.read_timeout()?;
    stream.set_read_timeout(Some(timeout))?;
    let mut buffer = vec![0; len];
    let result = stream.read_exact(&mut buffer);
    stream.set_read_timeout(previous)?;
    result.map(|()| buffer)
}

/// Reads C0 and C1 (1 + 1536 bytes) and returns them: the version byte and C1.
pub fn read_handshake(stream: &mut TcpStream) -> io::Result<(u8, Vec<u8>)> {
    let mut c0 = [0; 1];
    stream.read_exact(&mut c0)?;
    let mut c1 = vec![0; HANDSHAKE_SIZE];
    stream.read_exact(&mut c1)?;
    Ok((c0[0], c1))
}

/// Writes the plain-handshake answer to C1: S0 (version 3), S1 (time 0, zero field, 1528 filler
/// bytes) and S2 (an echo of C1).
pub fn write_plain_handshake_reply(stream: &mut TcpStream, c1: &[u8]) -> io::Result<()> {
    assert_eq!(
        c1.len(),
        HANDSHAKE_SIZE,
        "C1 must be {HANDSHAKE_SIZE} bytes"
    );
    let mut reply = Vec::with_capacity(1 + 2 * HANDSHAKE_SIZE);
    reply.push(RTMP_VERSION);
    reply.extend_from_slice(&plain_s1());
    reply.extend_from_slice(c1);
    stream.write_all(&reply)?;
    stream.flush()
}

/// Reads C2 (1536 bytes).
pub fn read_c2(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut c2 = vec![0; HANDSHAKE_SIZE];
    stream.read_exact(&mut c2)?;
    Ok(c2)
}

/// Reads everything the client sends until it closes the connection (or the stream's timeout).
pub fn read_until_closed(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The S1 that [`write_plain_handshake_reply`] sends, for clients' C2 checks.
pub fn plain_s1() -> Vec<u8> {
    let mut s1 = vec![0; 8];
    s1.extend((0..HANDSHAKE_SIZE - 8).map(|i| (i % 251) as u8 + 1));
    s1
}
