//! Helpers shared by the fuzz targets: cutting the input into a control header and pieces, and
//! comparing AMF0 values.

use rtmp_probe::protocol::amf0::Value;

/// Fuzz input laid out as: one flags byte, whose low nibble `n` says how many piece-size bytes
/// follow, then those `n` bytes, then the data. The high nibble is left to the target.
pub struct Layout<'a> {
    pub flags: u8,
    pub sizes: &'a [u8],
    pub data: &'a [u8],
}

impl<'a> Layout<'a> {
    /// `None` when the input is too short for its own header.
    pub fn parse(input: &'a [u8]) -> Option<Layout<'a>> {
        let (&flags, rest) = input.split_first()?;
        let n = usize::from(flags & 0x0f);
        let (sizes, data) = rest.split_at_checked(n)?;
        Some(Layout { flags, sizes, data })
    }

    /// The data cut into pieces whose lengths cycle through the size bytes (a size byte of 0
    /// gives an empty piece, which the decoders must accept). No size bytes, or only zeros:
    /// one byte at a time.
    pub fn pieces(&self) -> Vec<&'a [u8]> {
        let mut sizes: Vec<usize> = self.sizes.iter().map(|&b| usize::from(b)).collect();
        if sizes.iter().all(|&s| s == 0) {
            sizes = vec![1];
        }
        let mut out = Vec::new();
        let mut rest = self.data;
        for &size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (piece, tail) = rest.split_at(size.min(rest.len()));
            out.push(piece);
            rest = tail;
        }
        out
    }
}

/// Structural equality that compares numbers by their bits, so that NaN equals the same NaN
/// (`Value`'s `PartialEq` follows `f64` and says NaN != NaN).
pub fn same(a: &Value, b: &Value) -> bool {
    use Value as V;
    let props = |x: &[(String, Value)], y: &[(String, Value)]| {
        x.len() == y.len()
            && x.iter()
                .zip(y)
                .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
    };
    match (a, b) {
        (V::Number(x), V::Number(y)) => x.to_bits() == y.to_bits(),
        (V::Boolean(x), V::Boolean(y)) => x == y,
        (V::String(x), V::String(y))
        | (V::LongString(x), V::LongString(y))
        | (V::XmlDocument(x), V::XmlDocument(y)) => x == y,
        (V::Object(x), V::Object(y)) => props(x, y),
        (V::Null, V::Null) | (V::Undefined, V::Undefined) | (V::Unsupported, V::Unsupported) => {
            true
        }
        (V::Reference(x), V::Reference(y)) => x == y,
        (
            V::EcmaArray {
                count: cx,
                properties: px,
            },
            V::EcmaArray {
                count: cy,
                properties: py,
            },
        ) => cx == cy && props(px, py),
        (V::StrictArray(x), V::StrictArray(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(vx, vy)| same(vx, vy))
        }
        (
            V::Date {
                millis: mx,
                time_zone: zx,
            },
            V::Date {
                millis: my,
                time_zone: zy,
            },
        ) => mx.to_bits() == my.to_bits() && zx == zy,
        (
            V::TypedObject {
                class_name: cx,
                properties: px,
            },
            V::TypedObject {
                class_name: cy,
                properties: py,
            },
        ) => cx == cy && props(px, py),
        _ => false,
    }
}

/// All slices of values compare equal with [`same`].
pub fn all_same(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
}

/// True when every text in `v` fits its wire length field, so that the encoder writes it
/// unchanged (see `encode_value`: longer strings become long strings, longer names are cut).
/// Lossy UTF-8 decoding can make a text longer than the bytes it came from (one invalid byte
/// becomes the 3-byte U+FFFD).
pub fn fits_wire(v: &Value) -> bool {
    const SHORT: usize = u16::MAX as usize;
    let props = |p: &[(String, Value)]| p.iter().all(|(k, v)| k.len() <= SHORT && fits_wire(v));
    match v {
        Value::String(s) => s.len() <= SHORT,
        Value::Object(p) | Value::EcmaArray { properties: p, .. } => props(p),
        Value::TypedObject {
            class_name,
            properties,
        } => class_name.len() <= SHORT && props(properties),
        Value::StrictArray(items) => items.iter().all(fits_wire),
        _ => true,
    }
}
