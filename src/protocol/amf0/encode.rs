use super::marker;
use super::{Property, Value};

/// Appends the encoding of `value` to `out`.
///
/// Follows the decoder's view of each variant, so `decode(encode(v)) == v` for values with text
/// within the wire limits. Where a value cannot be written as it is:
/// - a [`Value::String`] longer than 65535 bytes is written as a long string (marker 0x0C);
/// - property names and typed-object class names longer than 65535 bytes are cut at the last
///   character boundary at or below 65535 bytes;
/// - long strings and XML documents longer than `u32::MAX` bytes are cut the same way at
///   `u32::MAX`, and a strict array of more than `u32::MAX` elements keeps its first `u32::MAX`.
///
/// An [`Value::EcmaArray`] is written with its stored count, whatever its number of properties.
pub fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Number(n) => {
            out.push(marker::NUMBER);
            out.extend_from_slice(&n.to_be_bytes());
        }
        Value::Boolean(b) => {
            out.push(marker::BOOLEAN);
            out.push(u8::from(*b));
        }
        Value::String(s) => {
            if s.len() <= usize::from(u16::MAX) {
                out.push(marker::STRING);
                put_short_text(s, out);
            } else {
                out.push(marker::LONG_STRING);
                put_long_text(s, out);
            }
        }
        Value::Object(properties) => {
            out.push(marker::OBJECT);
            put_properties(properties, out);
        }
        Value::Null => out.push(marker::NULL),
        Value::Undefined => out.push(marker::UNDEFINED),
        Value::Reference(index) => {
            out.push(marker::REFERENCE);
            out.extend_from_slice(&index.to_be_bytes());
        }
        Value::EcmaArray { count, properties } => {
            out.push(marker::ECMA_ARRAY);
            out.extend_from_slice(&count.to_be_bytes());
            put_properties(properties, out);
        }
        Value::StrictArray(items) => {
            let count = u32::try_from(items.len()).unwrap_or(u32::MAX);
            out.push(marker::STRICT_ARRAY);
            out.extend_from_slice(&count.to_be_bytes());
            for item in items.iter().take(count as usize) {
                encode_value(item, out);
            }
        }
        Value::Date { millis, time_zone } => {
            out.push(marker::DATE);
            out.extend_from_slice(&millis.to_be_bytes());
            out.extend_from_slice(&time_zone.to_be_bytes());
        }
        Value::LongString(s) => {
            out.push(marker::LONG_STRING);
            put_long_text(s, out);
        }
        Value::Unsupported => out.push(marker::UNSUPPORTED),
        Value::XmlDocument(s) => {
            out.push(marker::XML_DOCUMENT);
            put_long_text(s, out);
        }
        Value::TypedObject {
            class_name,
            properties,
        } => {
            out.push(marker::TYPED_OBJECT);
            put_short_text(class_name, out);
            put_properties(properties, out);
        }
    }
}

/// Appends the encoding of each value in turn.
pub fn encode_all(values: &[Value], out: &mut Vec<u8>) {
    for v in values {
        encode_value(v, out);
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// A 16-bit length and the text (cut to 65535 bytes), without a marker.
fn put_short_text(s: &str, out: &mut Vec<u8>) {
    let s = cut(s, usize::from(u16::MAX));
    let length = u16::try_from(s.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A 32-bit length and the text (cut to `u32::MAX` bytes), without a marker.
fn put_long_text(s: &str, out: &mut Vec<u8>) {
    let s = cut(s, usize::try_from(u32::MAX).unwrap_or(usize::MAX));
    let length = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Each property (name + value), then the end sequence: empty name and the object-end marker.
fn put_properties(properties: &[Property], out: &mut Vec<u8>) {
    for (name, value) in properties {
        put_short_text(name, out);
        encode_value(value, out);
    }
    out.extend_from_slice(&[0, 0, marker::OBJECT_END]);
}
