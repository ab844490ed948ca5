//! The chunk stream layer (RTMP 1.0 specification §5.3): splitting messages into chunks and
//! reassembling them.

mod decoder;
mod encoder;
mod keep;
mod streams;

pub use decoder::{ChunkDecoder, ChunkError};
pub use encoder::{ChunkEncoder, ChunkPlan, EncodeError};
pub use keep::{Keep, KeepPolicy, CONTROL_AND_COMMANDS};
pub use streams::MAX_CHUNK_STREAMS;

use bytes::Bytes;

#[cfg(test)]
mod tests;

/// The chunk size both sides start with (§5.4.1).
pub const DEFAULT_CHUNK_SIZE: u32 = 128;
/// The largest chunk size a Set Chunk Size message may carry (31 bits).
pub const MAX_CHUNK_SIZE: u32 = 0x7fff_ffff;

/// The header fields of one message: what the chunk headers carry besides its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageHeader {
    /// Chunk stream id, 2..=65599.
    pub csid: u32,
    /// Absolute timestamp in milliseconds.
    pub timestamp: u32,
    /// Message type id (1 Set Chunk Size ... 20 AMF0 command).
    pub type_id: u8,
    /// Message stream id (0 for the connection's control and NetConnection commands).
    pub stream_id: u32,
}

/// One message as it travels in a chunk stream: the header fields and the payload bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    /// Chunk stream id, 2..=65599.
    pub csid: u32,
    /// Absolute timestamp in milliseconds (deltas already applied).
    pub timestamp: u32,
    /// Message type id (1 Set Chunk Size ... 20 AMF0 command).
    pub type_id: u8,
    /// Message stream id (0 for the connection's control and NetConnection commands).
    pub stream_id: u32,
    /// The length its message header announced: `payload.len()`, unless the decoder kept only a
    /// prefix of it ([`Keep::Prefix`]).
    pub length: u32,
    pub payload: Bytes,
}

impl RawMessage {
    /// A whole message: its length is the payload's (saturated at `u32::MAX`; the encoder refuses
    /// more than 24 bits anyway).
    pub fn new(
        csid: u32,
        timestamp: u32,
        type_id: u8,
        stream_id: u32,
        payload: impl Into<Bytes>,
    ) -> RawMessage {
        let payload = payload.into();
        RawMessage {
            csid,
            timestamp,
            type_id,
            stream_id,
            length: u32::try_from(payload.len()).unwrap_or(u32::MAX),
            payload,
        }
    }

    /// The header fields.
    pub fn header(&self) -> MessageHeader {
        MessageHeader {
            csid: self.csid,
            timestamp: self.timestamp,
            type_id: self.type_id,
            stream_id: self.stream_id,
        }
    }

    /// Whether the payload holds all the bytes the header announced.
    pub fn is_whole(&self) -> bool {
        u32::try_from(self.payload.len()) == Ok(self.length)
    }
}
