use std::fmt;

/// One property of an AMF0 object, ECMA array or typed object, in wire order.
pub type Property = (String, Value);

/// One AMF0 value (AMF0 specification §2). Markers and their variants:
/// 0x00 Number, 0x01 Boolean, 0x02 String, 0x03 Object, 0x05 Null, 0x06 Undefined, 0x07 Reference,
/// 0x08 EcmaArray, 0x0A StrictArray, 0x0B Date, 0x0C LongString, 0x0D Unsupported,
/// 0x0F XmlDocument, 0x10 TypedObject. 0x09 (object end) only terminates containers.
/// 0x04 (movieclip) and 0x0E (recordset) are reserved and 0x11 switches to AMF3: all three are errors.
///
/// Text (strings, long strings, XML documents, property names, class names) is decoded leniently:
/// bytes that are not valid UTF-8 are replaced by U+FFFD (`String::from_utf8_lossy`), because a
/// probe must still be able to report what a server said even when the server got the encoding
/// wrong. Such a value then re-encodes to the replacement characters, not to the original bytes.
///
/// Encoding notes: a [`Value::String`] longer than 65535 bytes cannot be written with the 0x02
/// marker and is written as a long string (0x0C) instead, so it decodes back as
/// [`Value::LongString`]. Property names and typed-object class names longer than 65535 bytes are
/// cut at the last character boundary at or below 65535 bytes (names the probe itself sends are
/// short, so this only matters for values built from foreign input).
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
    EcmaArray {
        count: u32,
        properties: Vec<Property>,
    },
    StrictArray(Vec<Value>),
    /// Milliseconds since the Unix epoch, and the time-zone field (reserved, normally 0).
    Date {
        millis: f64,
        time_zone: i16,
    },
    /// A string sent with a 32-bit length (marker 0x0C), kept apart so it re-encodes the same.
    LongString(String),
    Unsupported,
    XmlDocument(String),
    TypedObject {
        class_name: String,
        properties: Vec<Property>,
    },
}

impl Value {
    /// The properties of an object, ECMA array or typed object, in wire order; `None` for other
    /// values.
    pub fn properties(&self) -> Option<&[Property]> {
        match self {
            Value::Object(properties)
            | Value::EcmaArray { properties, .. }
            | Value::TypedObject { properties, .. } => Some(properties),
            _ => None,
        }
    }

    /// The value of the first property named `key` of an object, ECMA array or typed object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.properties()?
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    /// The text of a string or long string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::LongString(s) => Some(s),
            _ => None,
        }
    }

    /// The number of a number value.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The flag of a boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// True for [`Value::Null`] and [`Value::Undefined`].
    pub fn is_null_or_undefined(&self) -> bool {
        matches!(self, Value::Null | Value::Undefined)
    }

    /// A short lower-case name of the kind of value, for error messages ("number", "object", ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Number(_) => "number",
            Value::Boolean(_) => "boolean",
            Value::String(_) => "string",
            Value::Object(_) => "object",
            Value::Null => "null",
            Value::Undefined => "undefined",
            Value::Reference(_) => "reference",
            Value::EcmaArray { .. } => "ECMA array",
            Value::StrictArray(_) => "strict array",
            Value::Date { .. } => "date",
            Value::LongString(_) => "long string",
            Value::Unsupported => "unsupported",
            Value::XmlDocument(_) => "XML document",
            Value::TypedObject { .. } => "typed object",
        }
    }

    /// An ECMA array whose advisory count is the number of `properties` (saturating at
    /// `u32::MAX`).
    pub fn ecma_array(properties: Vec<Property>) -> Value {
        let count = u32::try_from(properties.len()).unwrap_or(u32::MAX);
        Value::EcmaArray { count, properties }
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Boolean(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

/// A compact JSON-like rendering for logs and traces: `{level: "status", code: "X"}`,
/// `[1.0, null]`, `"text"`. Numbers are written with a decimal point (`1.0`), ECMA arrays like
/// objects, typed objects as `ClassName {..}`, dates as `date(millis, tz)`, references as
/// `ref(n)`, XML documents as `xml("..")`. Property names that are not plain identifiers are
/// quoted.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n:?}"),
            Value::Boolean(b) => write!(f, "{b}"),
            Value::String(s) | Value::LongString(s) => write!(f, "{s:?}"),
            Value::Object(properties) | Value::EcmaArray { properties, .. } => {
                write_properties(f, properties)
            }
            Value::Null => f.write_str("null"),
            Value::Undefined => f.write_str("undefined"),
            Value::Reference(index) => write!(f, "ref({index})"),
            Value::StrictArray(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Date { millis, time_zone } => write!(f, "date({millis:?}, {time_zone})"),
            Value::Unsupported => f.write_str("unsupported"),
            Value::XmlDocument(s) => write!(f, "xml({s:?})"),
            Value::TypedObject {
                class_name,
                properties,
            } => {
                write_name(f, class_name)?;
                f.write_str(" ")?;
                write_properties(f, properties)
            }
        }
    }
}

fn write_properties(f: &mut fmt::Formatter<'_>, properties: &[Property]) -> fmt::Result {
    if properties.is_empty() {
        return f.write_str("{}");
    }
    f.write_str("{")?;
    for (i, (name, value)) in properties.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_name(f, name)?;
        write!(f, ": {value}")?;
    }
    f.write_str("}")
}

fn write_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$' || c == '@')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '@');
    if plain {
        f.write_str(name)
    } else {
        write!(f, "{name:?}")
    }
}
