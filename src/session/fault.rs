//! Low-level faults of the transport, before a step gives them their meaning.

use super::tls::TlsSessionFault;
use super::words::io_words;
use crate::protocol::chunk::ChunkError;
use crate::protocol::message::MessageError;
use std::io;

/// How a read ended without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Eof {
    /// The peer closed between messages.
    Clean,
    /// The peer closed inside a message.
    MidMessage,
}

/// Something went wrong under a step. The step turns it into a [`super::Failure`].
#[derive(Debug)]
pub(super) enum Fault {
    /// The deadline passed.
    Timeout,
    /// The peer closed the connection.
    Eof(Eof),
    /// The connection was reset.
    Reset,
    /// Another socket error, in words.
    Io(String),
    /// The TLS session under the RTMP one ended or broke (`rtmps://`).
    Tls(TlsSessionFault),
    /// The chunk stream broke the rules.
    Chunk(ChunkError),
    /// A message body could not be decoded.
    Message(MessageError),
    /// Our own bug.
    Internal(String),
}

impl Fault {
    pub(super) fn from_io(e: io::Error) -> Fault {
        match e.kind() {
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Fault::Reset,
            io::ErrorKind::UnexpectedEof => Fault::Eof(Eof::MidMessage),
            _ => Fault::Io(io_words(&e)),
        }
    }
}
