//! The bounds every decoder enforces on untrusted input.

/// Default largest message the chunk decoder will reassemble: 64 KiB.
///
/// What a client reads from a server is control messages (a few bytes) and command replies (the
/// largest in the captures, nginx-rtmp's connect `_result`, is 190 bytes), so 64 KiB is ample. Decoded AMF0 can take up to ~32 times the bytes it came from (a message of one-byte null
/// values), so the limit also bounds memory: 64 KiB costs at most a few MiB, the 24-bit maximum
/// (16 MiB) could cost gigabytes. Media and data, which a publisher skips unread, are not limited
/// by it (see `ChunkDecoder::skip_types`).
pub const DEFAULT_MAX_MESSAGE_SIZE: u32 = 64 * 1024;
/// Default deepest nesting of AMF0 objects and arrays.
pub const DEFAULT_MAX_AMF_DEPTH: usize = 64;

/// Bounds on what the decoders accept from the peer. One value is shared by all layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message length (bytes) the chunk decoder accepts in a header; larger is an error
    /// before any of its bytes are buffered. Also bounds the bytes buffered across all partially
    /// received messages together.
    pub max_message_size: u32,
    /// Deepest nesting of AMF0 containers (object, ECMA array, strict array, typed object).
    pub max_amf_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_amf_depth: DEFAULT_MAX_AMF_DEPTH,
        }
    }
}
