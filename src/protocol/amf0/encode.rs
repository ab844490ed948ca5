use super::Value;

/// Appends the encoding of `value` to `out`.
pub fn encode_value(value: &Value, out: &mut Vec<u8>) {
    let _ = (value, out);
    todo!("amf0 encode")
}

/// Appends the encoding of each value in turn.
pub fn encode_all(values: &[Value], out: &mut Vec<u8>) {
    for v in values {
        encode_value(v, out);
    }
}
