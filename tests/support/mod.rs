//! Test support shared by every test module: free ports, a private nginx-rtmp per test, a runner for
//! the built binary and scripted misbehaving servers.
//!
//! Nothing here is global: every test starts its own servers on its own ports, so the tests can run in
//! parallel threads. Nothing here skips a test either: a missing prerequisite is a panic that says how
//! to install it.

pub mod auth_server;
pub mod exporter;
pub mod fake;
pub mod http;
pub mod measure;
pub mod nginx;
pub mod probe;
pub mod report;
pub mod rtmp;
pub mod script;
pub mod streams;
pub mod tls;

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// A loopback TCP port that was free a moment ago: the kernel picks it (bind to port 0), and the
/// listener is released before returning, so another process may take it in between. Whoever binds
/// it must be ready to retry with another one.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 to pick a free port");
    listener
        .local_addr()
        .expect("local address of a bound listener")
        .port()
}

/// A loopback TCP port on which nothing listens, for "connection refused" tests: a port the kernel
/// handed out and that was closed again, checked to refuse connections now. (Right after the close,
/// a child process that another test thread is spawning can still hold a copy of the listening socket
/// until its exec, so the port is only returned once a connection attempt is refused.)
pub fn closed_port() -> u16 {
    for _ in 0..100 {
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Err(error) if error.kind() == ErrorKind::ConnectionRefused => return port,
            _ => thread::sleep(Duration::from_millis(5)),
        }
    }
    panic!("found no loopback port that refuses connections in 100 attempts");
}

/// A loopback port that never answers a SYN, as behind a firewall that drops them: a listener
/// whose accept queue (listen backlog 0) is full, which Linux answers by dropping further SYNs.
/// Keep the returned listener and connections alive for as long as the port must stay silent.
pub fn unanswering_port() -> (socket2::Socket, Vec<TcpStream>, u16) {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    listener
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .expect("bind a loopback port");
    listener.listen(0).expect("listen");
    let addr = listener
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .expect("the listener's address");
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(stream) => fillers.push(stream),
            Err(_) => return (listener, fillers, addr.port()),
        }
    }
    panic!("the accept queue of a listen(0) socket never filled");
}
