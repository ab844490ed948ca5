use super::marker;
use super::{Property, Value};
use crate::protocol::Limits;

/// Why AMF0 bytes could not be decoded. Offsets count bytes from the start of the input given to
/// [`decode_value`] or [`decode_all`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Amf0Error {
    /// A fixed-size field (marker, number, length, ...) is cut off.
    #[error("AMF0 {what} at offset {offset} needs {needed} bytes but only {left} are left")]
    Truncated {
        what: &'static str,
        offset: usize,
        needed: usize,
        left: usize,
    },
    /// A length field announces more bytes than the input still holds.
    #[error("AMF0 {what} length {length} at offset {offset} exceeds the {left} bytes left")]
    LengthExceedsInput {
        what: &'static str,
        offset: usize,
        length: u32,
        left: usize,
    },
    /// A strict array announces more elements than there are bytes left (every element takes at
    /// least one byte).
    #[error(
        "AMF0 strict array at offset {offset} declares {count} elements but only {left} bytes are left"
    )]
    StrictArrayCountExceedsInput {
        offset: usize,
        count: u32,
        left: usize,
    },
    /// Containers nested deeper than [`Limits::max_amf_depth`].
    #[error("AMF0 nesting deeper than {limit} levels at offset {offset}")]
    DepthExceeded { limit: usize, offset: usize },
    /// A marker byte that AMF0 does not define.
    #[error("unknown AMF0 marker 0x{marker:02x} at offset {offset}")]
    UnknownMarker { marker: u8, offset: usize },
    /// Movieclip (0x04) or recordset (0x0E): reserved by the specification, never sent.
    #[error("reserved AMF0 marker 0x{marker:02x} ({name}) at offset {offset}")]
    ReservedMarker {
        marker: u8,
        name: &'static str,
        offset: usize,
    },
    /// The switch to AMF3 (0x11), which this decoder does not follow.
    #[error("AMF3 value (marker 0x11) is not supported (offset {offset})")]
    Amf3Marker { offset: usize },
    /// An object-end marker (0x09) where a value was expected.
    #[error("AMF0 object-end marker 0x09 at offset {offset} is outside an object")]
    MisplacedObjectEnd { offset: usize },
}

impl Amf0Error {
    /// True if the input ended too early (a longer input might decode), as opposed to being
    /// malformed.
    pub fn is_truncation(&self) -> bool {
        matches!(
            self,
            Amf0Error::Truncated { .. }
                | Amf0Error::LengthExceedsInput { .. }
                | Amf0Error::StrictArrayCountExceedsInput { .. }
        )
    }

    /// The byte offset the error refers to.
    pub fn offset(&self) -> usize {
        match self {
            Amf0Error::Truncated { offset, .. }
            | Amf0Error::LengthExceedsInput { offset, .. }
            | Amf0Error::StrictArrayCountExceedsInput { offset, .. }
            | Amf0Error::DepthExceeded { offset, .. }
            | Amf0Error::UnknownMarker { offset, .. }
            | Amf0Error::ReservedMarker { offset, .. }
            | Amf0Error::Amf3Marker { offset }
            | Amf0Error::MisplacedObjectEnd { offset } => *offset,
        }
    }
}

/// Decodes one value from the front of `input`; returns it and the number of bytes it used.
///
/// Fails on an empty or cut-off input, on the reserved, AMF3 and unknown markers, on an
/// object-end marker in value position, and on nesting deeper than `limits.max_amf_depth`.
/// Never allocates more than the input holds.
pub fn decode_value(input: &[u8], limits: &Limits) -> Result<(Value, usize), Amf0Error> {
    let mut reader = Reader::new(input, limits);
    let value = reader.value(0)?;
    Ok((value, reader.pos))
}

/// Decodes every value in `input` (a whole command or data message body), until the input is used
/// up. An empty input gives no values.
pub fn decode_all(input: &[u8], limits: &Limits) -> Result<Vec<Value>, Amf0Error> {
    let mut reader = Reader::new(input, limits);
    let mut values = Vec::new();
    while reader.left() > 0 {
        values.push(reader.value(0)?);
    }
    Ok(values)
}

/// A cursor over the input. Every read checks the length first, so nothing past the end is ever
/// touched and no buffer is sized from a length field before its bytes are known to be there.
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    max_depth: usize,
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8], limits: &Limits) -> Self {
        Reader {
            input,
            pos: 0,
            max_depth: limits.max_amf_depth,
        }
    }

    fn rest(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or_default()
    }

    fn left(&self) -> usize {
        self.rest().len()
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], Amf0Error> {
        match self.rest().first_chunk::<N>() {
            Some(bytes) => {
                self.pos += N;
                Ok(*bytes)
            }
            None => Err(Amf0Error::Truncated {
                what,
                offset: self.pos,
                needed: N,
                left: self.left(),
            }),
        }
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, Amf0Error> {
        let [b] = self.array::<1>(what)?;
        Ok(b)
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, Amf0Error> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, Amf0Error> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    fn f64(&mut self, what: &'static str) -> Result<f64, Amf0Error> {
        Ok(f64::from_be_bytes(self.array(what)?))
    }

    /// `length` bytes of text whose length field started at `length_offset`, decoded lossily.
    fn text(
        &mut self,
        what: &'static str,
        length_offset: usize,
        length: u32,
    ) -> Result<String, Amf0Error> {
        let rest = self.rest();
        let bytes = usize::try_from(length)
            .ok()
            .and_then(|n| rest.get(..n))
            .ok_or(Amf0Error::LengthExceedsInput {
                what,
                offset: length_offset,
                length,
                left: rest.len(),
            })?;
        self.pos += bytes.len();
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    /// A string with a 16-bit length (string values, property names, class names).
    fn short_text(&mut self, what: &'static str) -> Result<String, Amf0Error> {
        let offset = self.pos;
        let length = self.u16(what)?;
        self.text(what, offset, u32::from(length))
    }

    /// A string with a 32-bit length (long strings, XML documents).
    fn long_text(&mut self, what: &'static str) -> Result<String, Amf0Error> {
        let offset = self.pos;
        let length = self.u32(what)?;
        self.text(what, offset, length)
    }

    /// Checks that a container starting at `offset` and holding `depth` enclosing containers may
    /// be opened; returns the depth of its children.
    fn enter(&self, depth: usize, offset: usize) -> Result<usize, Amf0Error> {
        let inner = depth.saturating_add(1);
        if inner > self.max_depth {
            return Err(Amf0Error::DepthExceeded {
                limit: self.max_depth,
                offset,
            });
        }
        Ok(inner)
    }

    /// One value; `depth` is the number of containers around it.
    fn value(&mut self, depth: usize) -> Result<Value, Amf0Error> {
        let offset = self.pos;
        let marker = self.u8("value marker")?;
        let value = match marker {
            marker::NUMBER => Value::Number(self.f64("number")?),
            marker::BOOLEAN => Value::Boolean(self.u8("boolean")? != 0),
            marker::STRING => Value::String(self.short_text("string")?),
            marker::OBJECT => {
                let inner = self.enter(depth, offset)?;
                Value::Object(self.properties(inner)?)
            }
            marker::MOVIECLIP => {
                return Err(Amf0Error::ReservedMarker {
                    marker,
                    name: "movieclip",
                    offset,
                })
            }
            marker::NULL => Value::Null,
            marker::UNDEFINED => Value::Undefined,
            marker::REFERENCE => Value::Reference(self.u16("reference")?),
            marker::ECMA_ARRAY => {
                let inner = self.enter(depth, offset)?;
                // The count is advisory: the properties run to the end marker whatever it says.
                let count = self.u32("ECMA array count")?;
                let properties = self.properties(inner)?;
                Value::EcmaArray { count, properties }
            }
            marker::OBJECT_END => return Err(Amf0Error::MisplacedObjectEnd { offset }),
            marker::STRICT_ARRAY => {
                let inner = self.enter(depth, offset)?;
                let count = self.u32("strict array count")?;
                let left = self.left();
                if usize::try_from(count).map_or(true, |n| n > left) {
                    return Err(Amf0Error::StrictArrayCountExceedsInput {
                        offset,
                        count,
                        left,
                    });
                }
                // Grows with the elements actually decoded, never from the count.
                let mut items = Vec::new();
                for _ in 0..count {
                    items.push(self.value(inner)?);
                }
                Value::StrictArray(items)
            }
            marker::DATE => {
                let millis = self.f64("date")?;
                let time_zone = i16::from_be_bytes(self.array("date time zone")?);
                Value::Date { millis, time_zone }
            }
            marker::LONG_STRING => Value::LongString(self.long_text("long string")?),
            marker::UNSUPPORTED => Value::Unsupported,
            marker::RECORDSET => {
                return Err(Amf0Error::ReservedMarker {
                    marker,
                    name: "recordset",
                    offset,
                })
            }
            marker::XML_DOCUMENT => Value::XmlDocument(self.long_text("XML document")?),
            marker::TYPED_OBJECT => {
                let inner = self.enter(depth, offset)?;
                let class_name = self.short_text("typed object class name")?;
                let properties = self.properties(inner)?;
                Value::TypedObject {
                    class_name,
                    properties,
                }
            }
            marker::AVMPLUS => return Err(Amf0Error::Amf3Marker { offset }),
            _ => return Err(Amf0Error::UnknownMarker { marker, offset }),
        };
        Ok(value)
    }

    /// Properties up to and including the end sequence (empty name + 0x09). An empty name
    /// followed by anything else is a property with an empty name. `depth` is the depth of the
    /// property values.
    fn properties(&mut self, depth: usize) -> Result<Vec<Property>, Amf0Error> {
        let mut properties = Vec::new();
        loop {
            let name = self.short_text("property name")?;
            if name.is_empty() {
                let offset = self.pos;
                match self.rest().first() {
                    Some(&marker::OBJECT_END) => {
                        self.pos += 1;
                        return Ok(properties);
                    }
                    Some(_) => {}
                    None => {
                        return Err(Amf0Error::Truncated {
                            what: "object end marker",
                            offset,
                            needed: 1,
                            left: 0,
                        })
                    }
                }
            }
            let value = self.value(depth)?;
            properties.push((name, value));
        }
    }
}
