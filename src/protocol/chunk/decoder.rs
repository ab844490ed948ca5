use super::RawMessage;
use crate::protocol::Limits;

/// A chunk-stream protocol violation by the peer. None of these can become valid with more bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    #[error("chunk header refers to chunk stream {csid}, which has no previous header")]
    UnknownChunkStream { csid: u32 },
}

/// Reassembles messages from chunks. Feed it any slices of the byte stream that follows the
/// handshake; it keeps per-chunk-stream header state and partial messages.
#[derive(Debug)]
pub struct ChunkDecoder {
    limits: Limits,
}

impl ChunkDecoder {
    pub fn new(limits: Limits) -> Self {
        ChunkDecoder { limits }
    }

    /// Consumes bytes from the front of `input` until one message is complete or `input` is used
    /// up. Returns how many bytes were consumed and the completed message, if any. Call again with
    /// the rest of the input while it consumed something or returned a message.
    pub fn feed(&mut self, input: &[u8]) -> Result<(usize, Option<RawMessage>), ChunkError> {
        let _ = (input, self.limits);
        todo!("chunk decoder")
    }
}
