//! Low-level faults of the transport, before a step gives them their meaning.

use super::transport::Eof;
use crate::protocol::chunk::ChunkError;
use crate::protocol::message::MessageError;
use std::io;

/// Something went wrong under a step. The step turns it into a [`super::Failure`].
#[derive(Debug)]
pub enum Fault {
    /// The deadline passed.
    Timeout,
    /// The peer closed the connection.
    Eof(Eof),
    /// The connection was reset.
    Reset,
    /// Another socket error, in words.
    Io(String),
    /// The chunk stream broke the rules.
    Chunk(ChunkError),
    /// A message body could not be decoded.
    Message(MessageError),
    /// Our own bug.
    Internal(String),
}

impl Fault {
    pub fn from_io(e: io::Error) -> Fault {
        match e.kind() {
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Fault::Reset,
            io::ErrorKind::UnexpectedEof => Fault::Eof(Eof::MidMessage),
            _ => Fault::Io(io_words(&e)),
        }
    }

    pub fn from_chunk(e: ChunkError) -> Fault {
        Fault::Chunk(e)
    }

    pub fn from_message(e: MessageError) -> Fault {
        Fault::Message(e)
    }
}

/// An I/O error in an operator's words: the OS text without Rust's "(os error N)" suffix.
pub fn io_words(e: &io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
        None => "unknown socket error".to_string(),
    }
}
