//! Reaching the server: name resolution, the order addresses are tried in, the TCP connection
//! and its socket options (TCP_NODELAY on the socket, TCP_QUICKACK re-armed after every read).
//! What comes out is a connected [`TcpStream`]; the transport runs over it (or over TLS around it).

use super::config::IpFamily;
use super::words::io_words;
use std::io;
use std::net::{IpAddr, SocketAddr};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{timeout_at, Instant};

/// Why a name gave no address to connect to.
#[derive(Debug)]
pub(super) enum Unresolved {
    /// The deadline passed while the resolver worked.
    TimedOut,
    /// The resolver failed.
    Failed(io::Error),
    /// The name has no address (of the family asked for).
    NoAddress,
}

/// The addresses of `host` (an IP address is its own), in the resolver's order, keeping those of
/// `family`.
pub(super) async fn resolve(
    host: &str,
    port: u16,
    family: IpFamily,
    deadline: Instant,
) -> Result<Vec<SocketAddr>, Unresolved> {
    let found: Vec<SocketAddr> = if let Ok(ip) = host.parse::<IpAddr>() {
        vec![SocketAddr::new(ip, port)]
    } else {
        match timeout_at(deadline, tokio::net::lookup_host((host, port))).await {
            Err(_) => return Err(Unresolved::TimedOut),
            Ok(Err(e)) => return Err(Unresolved::Failed(e)),
            Ok(Ok(addrs)) => addrs.collect(),
        }
    };
    let wanted: Vec<SocketAddr> = found
        .into_iter()
        .filter(|a| match family {
            IpFamily::Any => true,
            IpFamily::V4 => a.is_ipv4(),
            IpFamily::V6 => a.is_ipv6(),
        })
        .collect();
    if wanted.is_empty() {
        return Err(Unresolved::NoAddress);
    }
    Ok(wanted)
}

/// Linux delays ACKs by up to 40 ms unless told otherwise, and re-enables the delay after a while,
/// so the flag is set again after every read. nginx-rtmp sends Window Ack Size alone and holds the
/// rest of the connect reply until it is ACKed (Nagle): without this, connect takes ~43 ms.
pub(super) fn rearm_quickack(stream: &TcpStream) {
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
pub(super) fn socket_for(addr: SocketAddr) -> io::Result<TcpSocket> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Err(e) = socket.set_nodelay(true) {
        tracing::debug!("cannot set TCP_NODELAY: {}", io_words(&e));
    }
    Ok(socket)
}

/// How connecting to a list of addresses ended.
#[derive(Debug)]
pub(super) enum Connect {
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
pub(super) async fn connect_in_order(
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
    async fn an_address_is_its_own_resolution_and_the_family_filters() {
        let v4 = resolve("127.0.0.1", 1935, IpFamily::Any, soon()).await;
        assert_eq!(
            v4.ok(),
            Some(vec![SocketAddr::from(([127, 0, 0, 1], 1935))])
        );
        let none = resolve("127.0.0.1", 1935, IpFamily::V6, soon()).await;
        assert!(matches!(none, Err(Unresolved::NoAddress)), "{none:?}");
        let v6 = resolve("::1", 1935, IpFamily::V6, soon()).await;
        assert_eq!(v6.map(|a| a.len()).ok(), Some(1));
    }

    #[tokio::test]
    async fn no_address_is_a_failure_without_an_error() {
        let end = connect_in_order(&[], None, soon(), |_| panic!("nothing to try")).await;
        assert!(matches!(end, Connect::Failed(None)), "{end:?}");
    }
}
