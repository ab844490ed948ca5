//! A minimal HTTP/1.0 GET over a plain `TcpStream`, enough to read nginx's `/stat` page and to ask its
//! `/auth` location; no HTTP client crate.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The status code and body of one HTTP/1.0 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: String,
}

/// `GET path` on 127.0.0.1:port with HTTP/1.0 (the server closes the connection after the body, so
/// reading to the end gives the whole response). Panics with the raw answer if it is not HTTP.
pub fn get(port: u16, path: &str) -> HttpResponse {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("HTTP connect to {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set read timeout");
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .expect("set write timeout");
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("HTTP request to {addr}{path}: {e}"));
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("HTTP response from {addr}{path}: {e}"));
    let raw = String::from_utf8_lossy(&raw).into_owned();

    let (head, body) = raw
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in the answer to GET {path}: {raw:?}"));
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line in the answer to GET {path}: {status_line:?}"));
    HttpResponse {
        status,
        body: body.to_owned(),
    }
}
