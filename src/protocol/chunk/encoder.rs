use super::RawMessage;

/// Splits messages into chunks, choosing the most compact header for each chunk stream.
#[derive(Debug)]
pub struct ChunkEncoder {}

impl ChunkEncoder {
    pub fn new() -> Self {
        ChunkEncoder {}
    }

    /// Appends the chunks of `msg` to `out`.
    pub fn encode(&mut self, msg: &RawMessage, out: &mut Vec<u8>) {
        let _ = (msg, out);
        todo!("chunk encoder")
    }
}

impl Default for ChunkEncoder {
    fn default() -> Self {
        Self::new()
    }
}
