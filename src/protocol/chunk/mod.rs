//! The chunk stream layer (RTMP 1.0 specification §5.3): splitting messages into chunks and
//! reassembling them.

mod decoder;
mod encoder;

pub use decoder::{ChunkDecoder, ChunkError, MAX_CHUNK_STREAMS};
pub use encoder::{ChunkEncoder, EncodeError};

#[cfg(test)]
mod tests;

/// The chunk size both sides start with (§5.4.1).
pub const DEFAULT_CHUNK_SIZE: u32 = 128;
/// The largest chunk size a Set Chunk Size message may carry (31 bits).
pub const MAX_CHUNK_SIZE: u32 = 0x7fff_ffff;

/// One whole message as it travels in a chunk stream: the header fields and the payload bytes.
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
    pub payload: Vec<u8>,
}
