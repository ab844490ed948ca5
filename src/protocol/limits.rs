//! The bounds every decoder enforces on untrusted input.

/// Default largest message the chunk decoder will reassemble: 16 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: u32 = 16 * 1024 * 1024;
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
