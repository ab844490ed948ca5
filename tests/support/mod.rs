//! Test support shared by every test module: free ports, a private nginx-rtmp per test, a runner for
//! the built binary and scripted misbehaving servers.
//!
//! Nothing here is global: every test starts its own servers on its own ports, so the tests can run in
//! parallel threads. Nothing here skips a test either: a missing prerequisite is a panic that says how
//! to install it.

pub mod fake;
pub mod http;
pub mod nginx;
pub mod probe;

use std::net::TcpListener;

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
/// handed out and that was closed again at once.
pub fn closed_port() -> u16 {
    free_port()
}
