use super::Value;
use crate::protocol::Limits;

/// Why AMF0 bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Amf0Error {
    #[error("AMF0 data truncated")]
    Truncated,
}

/// Decodes one value from the front of `input`; returns it and the number of bytes it used.
pub fn decode_value(input: &[u8], limits: &Limits) -> Result<(Value, usize), Amf0Error> {
    let _ = (input, limits);
    todo!("amf0 decode")
}

/// Decodes every value in `input` (a whole command or data message body).
pub fn decode_all(input: &[u8], limits: &Limits) -> Result<Vec<Value>, Amf0Error> {
    let _ = (input, limits);
    todo!("amf0 decode_all")
}
