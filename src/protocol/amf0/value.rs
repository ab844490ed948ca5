/// One property of an AMF0 object, ECMA array or typed object, in wire order.
pub type Property = (String, Value);

/// One AMF0 value (AMF0 specification §2). Markers and their variants:
/// 0x00 Number, 0x01 Boolean, 0x02 String, 0x03 Object, 0x05 Null, 0x06 Undefined, 0x07 Reference,
/// 0x08 EcmaArray, 0x0A StrictArray, 0x0B Date, 0x0C LongString, 0x0D Unsupported,
/// 0x0F XmlDocument, 0x10 TypedObject. 0x09 (object end) only terminates containers.
/// 0x04 (movieclip) and 0x0E (recordset) are reserved and 0x11 switches to AMF3: all three are errors.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Boolean(bool),
    /// A string of at most 65535 bytes (marker 0x02).
    String(String),
    Object(Vec<Property>),
    Null,
    Undefined,
    /// Index into the table of complex values already seen in this message.
    Reference(u16),
    /// The associative count as sent (advisory only: real peers send 0 or wrong counts), and the
    /// properties up to the object-end marker.
    EcmaArray { count: u32, properties: Vec<Property> },
    StrictArray(Vec<Value>),
    /// Milliseconds since the Unix epoch, and the time-zone field (reserved, normally 0).
    Date { millis: f64, time_zone: i16 },
    /// A string sent with a 32-bit length (marker 0x0C), kept apart so it re-encodes the same.
    LongString(String),
    Unsupported,
    XmlDocument(String),
    TypedObject { class_name: String, properties: Vec<Property> },
}
