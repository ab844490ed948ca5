//! The stream under TLS during the handshake: it ends the handshake at its deadline (a timer of
//! its own, and the clock looked at before every read and write, so that neither silence nor a
//! flood outlives it), counts what the server sent and keeps its first bytes for the diagnosis
//! ("this port speaks plain RTMP"). After the handshake it only passes bytes through.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// How many of the server's first bytes are kept (a record header and the start of a
/// ServerHello).
pub const HEAD: usize = 16;

/// A stream watched during the TLS handshake.
#[derive(Debug)]
pub struct Observed<S> {
    inner: S,
    watch: Option<Watch>,
    head: [u8; HEAD],
    head_len: usize,
    received: u64,
}

#[derive(Debug)]
struct Watch {
    deadline: Instant,
    timer: Pin<Box<Sleep>>,
}

impl<S> Observed<S> {
    pub fn new(inner: S, deadline: Instant) -> Self {
        Observed {
            inner,
            watch: Some(Watch {
                deadline,
                timer: Box::pin(tokio::time::sleep_until(deadline)),
            }),
            head: [0; HEAD],
            head_len: 0,
            received: 0,
        }
    }

    /// Ends the watch: from now on the session's own deadlines apply.
    pub fn handshake_done(&mut self) {
        self.watch = None;
    }

    /// The first bytes the server sent.
    pub fn head(&self) -> &[u8] {
        self.head.get(..self.head_len).unwrap_or_default()
    }

    /// How many bytes the server sent (during the handshake and after).
    pub fn received(&self) -> u64 {
        self.received
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    pub fn into_inner(self) -> S {
        self.inner
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        match &mut self.watch {
            Some(watch) => {
                Instant::now() >= watch.deadline || watch.timer.as_mut().poll(cx).is_ready()
            }
            None => false,
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        self.received = self
            .received
            .saturating_add(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
        for &b in bytes {
            match self.head.get_mut(self.head_len) {
                Some(slot) => {
                    *slot = b;
                    self.head_len += 1;
                }
                None => break,
            }
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "the TLS handshake's deadline passed",
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for Observed<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(watch) = &this.watch {
            if Instant::now() >= watch.deadline {
                return Poll::Ready(Err(timed_out()));
            }
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if this.watch.is_some() {
                    this.keep(buf.filled().get(before..).unwrap_or_default());
                } else {
                    let n = buf.filled().len().saturating_sub(before);
                    this.received = this
                        .received
                        .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Observed<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(watch) = &this.watch {
            if Instant::now() >= watch.deadline {
                return Poll::Ready(Err(timed_out()));
            }
        }
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
