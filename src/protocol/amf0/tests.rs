//! AMF0 codec tests: hand-written bytes for every marker and every error, truncation at every
//! offset, the depth limit, hostile length fields, real payloads, and property tests.

use super::*;
use crate::protocol::Limits;
use proptest::prelude::*;

/// Bytes from a hex string; whitespace is ignored.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// The onMetaData properties ffmpeg sent in the nginx capture's @setDataFrame, in order.
pub(crate) fn ffmpeg_metadata() -> Vec<Property> {
    props(&[
        ("duration", n(1.0)),
        ("width", n(320.0)),
        ("height", n(240.0)),
        ("videodatarate", n(0.0)),
        ("framerate", n(30.0)),
        ("videocodecid", n(7.0)),
        ("audiodatarate", n(125.0)),
        ("audiosamplerate", n(44100.0)),
        ("audiosamplesize", n(16.0)),
        ("stereo", Value::Boolean(true)),
        ("audiocodecid", n(10.0)),
        ("encoder", s("Lavf59.27.100")),
        ("filesize", n(0.0)),
    ])
}

pub(crate) fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

pub(crate) fn n(x: f64) -> Value {
    Value::Number(x)
}

pub(crate) fn props(list: &[(&str, Value)]) -> Vec<Property> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

pub(crate) fn obj(list: &[(&str, Value)]) -> Value {
    Value::Object(props(list))
}

fn limits() -> Limits {
    Limits::default()
}

fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value(value, &mut out);
    out
}

/// Equality that compares numbers by their bits, so NaN equals itself and 0.0 differs from -0.0.
fn same(a: &Value, b: &Value) -> bool {
    fn same_props(a: &[Property], b: &[Property]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
        (
            Value::Date {
                millis: x,
                time_zone: tx,
            },
            Value::Date {
                millis: y,
                time_zone: ty,
            },
        ) => x.to_bits() == y.to_bits() && tx == ty,
        (Value::Object(pa), Value::Object(pb)) => same_props(pa, pb),
        (
            Value::EcmaArray {
                count: ca,
                properties: pa,
            },
            Value::EcmaArray {
                count: cb,
                properties: pb,
            },
        ) => ca == cb && same_props(pa, pb),
        (
            Value::TypedObject {
                class_name: ca,
                properties: pa,
            },
            Value::TypedObject {
                class_name: cb,
                properties: pb,
            },
        ) => ca == cb && same_props(pa, pb),
        (Value::StrictArray(xa), Value::StrictArray(xb)) => {
            xa.len() == xb.len() && xa.iter().zip(xb).all(|(x, y)| same(x, y))
        }
        _ => a == b,
    }
}

/// Decodes `bytes` as exactly one value equal to `expected`, checks that every strict prefix is a
/// truncation error, and that encoding the value gives `bytes` back when `reencodes` is true.
fn check_value(bytes: &[u8], expected: &Value, reencodes: bool) {
    let (value, used) = decode_value(bytes, &limits()).unwrap();
    assert!(same(&value, expected), "{value:?} != {expected:?}");
    assert_eq!(used, bytes.len(), "bytes used for {expected:?}");
    // decode_value ignores what follows the value.
    let mut longer = bytes.to_vec();
    longer.extend_from_slice(&[0x05, 0xff]);
    let (value2, used2) = decode_value(&longer, &limits()).unwrap();
    assert!(same(&value2, expected));
    assert_eq!(used2, bytes.len());
    assert_truncations(bytes);
    if reencodes {
        assert_eq!(encode(&value), bytes, "re-encoding {value:?}");
    }
}

/// Every strict prefix of a valid single-value encoding is a truncation error pointing inside it.
fn assert_truncations(bytes: &[u8]) {
    for cut in 0..bytes.len() {
        match decode_value(&bytes[..cut], &limits()) {
            Err(e) => {
                assert!(e.is_truncation(), "prefix {cut}: {e:?}");
                assert!(e.offset() <= cut, "prefix {cut}: {e:?}");
            }
            Ok(v) => panic!("prefix {cut} of {bytes:02x?} decoded to {v:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Every marker

#[test]
fn number() {
    check_value(&hex("00 3f f0 00 00 00 00 00 00"), &n(1.0), true);
    check_value(&hex("00 40 a8 ee 00 00 00 00 00"), &n(3191.0), true);
    check_value(&hex("00 c0 00 00 00 00 00 00 00"), &n(-2.0), true);
    check_value(&hex("00 80 00 00 00 00 00 00 00"), &n(-0.0), true);
    check_value(
        &hex("00 7f f8 00 00 00 00 00 01"),
        &n(f64::from_bits(0x7ff8_0000_0000_0001)),
        true,
    );
    check_value(&hex("00 7f f0 00 00 00 00 00 00"), &n(f64::INFINITY), true);
}

#[test]
fn boolean() {
    check_value(&hex("01 00"), &Value::Boolean(false), true);
    check_value(&hex("01 01"), &Value::Boolean(true), true);
    // Any non-zero byte is true; it re-encodes as 0x01.
    check_value(&hex("01 7f"), &Value::Boolean(true), false);
    assert_eq!(encode(&Value::Boolean(true)), hex("01 01"));
}

#[test]
fn string() {
    check_value(&hex("02 00 00"), &s(""), true);
    check_value(&hex("02 00 04 6c 69 76 65"), &s("live"), true);
    // UTF-8 passes through unchanged: "日本" is 6 bytes.
    check_value(&hex("02 00 06 e6 97 a5 e6 9c ac"), &s("日本"), true);
}

#[test]
fn string_with_invalid_utf8_is_decoded_lossily() {
    check_value(&hex("02 00 03 61 ff 62"), &s("a\u{fffd}b"), false);
    // A multi-byte sequence cut short inside the string.
    check_value(&hex("02 00 02 e6 97"), &s("\u{fffd}"), false);
    check_value(
        &hex("0c 00 00 00 01 c0"),
        &Value::LongString("\u{fffd}".into()),
        false,
    );
    let (v, _) = decode_value(&hex("03 00 02 ff 61 05 00 00 09"), &limits()).unwrap();
    assert_eq!(v, Value::Object(vec![("\u{fffd}a".into(), Value::Null)]));
}

#[test]
fn object() {
    check_value(&hex("03 00 00 09"), &obj(&[]), true);
    check_value(
        &hex("03 00 01 61 00 3f f0 00 00 00 00 00 00 00 01 62 02 00 01 78 00 00 09"),
        &obj(&[("a", n(1.0)), ("b", s("x"))]),
        true,
    );
    // Nested, with the inner end marker immediately followed by the outer one.
    check_value(
        &hex("03 00 01 6f 03 00 01 69 05 00 00 09 00 00 09"),
        &obj(&[("o", obj(&[("i", Value::Null)]))]),
        true,
    );
    // Duplicate names are kept in order; get() returns the first.
    let (v, _) = decode_value(&hex("03 00 01 6b 05 00 01 6b 06 00 00 09"), &limits()).unwrap();
    assert_eq!(v, obj(&[("k", Value::Null), ("k", Value::Undefined)]));
    assert_eq!(v.get("k"), Some(&Value::Null));
}

#[test]
fn object_property_with_empty_name() {
    // An empty name followed by anything but 0x09 is a property named "".
    check_value(
        &hex("03 00 00 05 00 00 09"),
        &obj(&[("", Value::Null)]),
        true,
    );
    check_value(
        &hex("03 00 00 01 01 00 01 61 06 00 00 09"),
        &obj(&[("", Value::Boolean(true)), ("a", Value::Undefined)]),
        true,
    );
}

#[test]
fn null_undefined_unsupported() {
    check_value(&hex("05"), &Value::Null, true);
    check_value(&hex("06"), &Value::Undefined, true);
    check_value(&hex("0d"), &Value::Unsupported, true);
}

#[test]
fn reference() {
    check_value(&hex("07 00 00"), &Value::Reference(0), true);
    check_value(&hex("07 01 02"), &Value::Reference(0x0102), true);
}

#[test]
fn ecma_array() {
    let two = props(&[("a", n(1.0)), ("b", Value::Boolean(false))]);
    let body = "00 01 61 00 3f f0 00 00 00 00 00 00 00 01 62 01 00 00 00 09";
    check_value(
        &hex(&format!("08 00 00 00 02 {body}")),
        &Value::EcmaArray {
            count: 2,
            properties: two.clone(),
        },
        true,
    );
    // Wrong counts (0, as some servers send, and too many) are kept and do not matter.
    check_value(
        &hex(&format!("08 00 00 00 00 {body}")),
        &Value::EcmaArray {
            count: 0,
            properties: two.clone(),
        },
        true,
    );
    check_value(
        &hex("08 ff ff ff ff 00 00 09"),
        &Value::EcmaArray {
            count: u32::MAX,
            properties: vec![],
        },
        true,
    );
    assert_eq!(
        Value::ecma_array(two.clone()),
        Value::EcmaArray {
            count: 2,
            properties: two
        }
    );
}

#[test]
fn strict_array() {
    check_value(&hex("0a 00 00 00 00"), &Value::StrictArray(vec![]), true);
    check_value(
        &hex("0a 00 00 00 03 05 02 00 01 61 0a 00 00 00 01 06"),
        &Value::StrictArray(vec![
            Value::Null,
            s("a"),
            Value::StrictArray(vec![Value::Undefined]),
        ]),
        true,
    );
    // A 0x09 among the elements is not an end marker.
    assert_eq!(
        decode_value(&hex("0a 00 00 00 02 05 09"), &limits()),
        Err(Amf0Error::MisplacedObjectEnd { offset: 6 })
    );
}

#[test]
fn date() {
    // 2009-03-30 07:21:25 UTC in milliseconds, time zone -540 (as written by old players).
    check_value(
        &hex("0b 42 71 f3 d7 4a a6 80 00 fd e4"),
        &Value::Date {
            millis: f64::from_bits(0x4271_f3d7_4aa6_8000),
            time_zone: -540,
        },
        true,
    );
    check_value(
        &hex("0b 00 00 00 00 00 00 00 00 00 00"),
        &Value::Date {
            millis: 0.0,
            time_zone: 0,
        },
        true,
    );
}

#[test]
fn long_string() {
    check_value(
        &hex("0c 00 00 00 00"),
        &Value::LongString(String::new()),
        true,
    );
    check_value(
        &hex("0c 00 00 00 03 61 62 63"),
        &Value::LongString("abc".into()),
        true,
    );
}

#[test]
fn xml_document() {
    check_value(
        &hex("0f 00 00 00 04 3c 61 2f 3e"),
        &Value::XmlDocument("<a/>".into()),
        true,
    );
    check_value(
        &hex("0f 00 00 00 00"),
        &Value::XmlDocument(String::new()),
        true,
    );
}

#[test]
fn typed_object() {
    check_value(
        &hex("10 00 03 46 6f 6f 00 01 78 01 01 00 00 09"),
        &Value::TypedObject {
            class_name: "Foo".into(),
            properties: props(&[("x", Value::Boolean(true))]),
        },
        true,
    );
    check_value(
        &hex("10 00 00 00 00 09"),
        &Value::TypedObject {
            class_name: String::new(),
            properties: vec![],
        },
        true,
    );
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn reserved_markers() {
    let e = decode_value(&hex("04"), &limits()).unwrap_err();
    assert_eq!(
        e,
        Amf0Error::ReservedMarker {
            marker: 0x04,
            name: "movieclip",
            offset: 0
        }
    );
    assert_eq!(
        e.to_string(),
        "reserved AMF0 marker 0x04 (movieclip) at offset 0"
    );
    let e = decode_value(&hex("03 00 01 61 0e 00 00 09"), &limits()).unwrap_err();
    assert_eq!(
        e,
        Amf0Error::ReservedMarker {
            marker: 0x0e,
            name: "recordset",
            offset: 4
        }
    );
    assert!(e.to_string().starts_with("reserved AMF0 marker 0x0e"));
    assert!(!e.is_truncation());
}

#[test]
fn amf3_marker() {
    let e = decode_value(&hex("11 04 01"), &limits()).unwrap_err();
    assert_eq!(e, Amf0Error::Amf3Marker { offset: 0 });
    assert_eq!(
        e.to_string(),
        "AMF3 value (marker 0x11) is not supported (offset 0)"
    );
    let e = decode_all(&hex("05 05 11 04 01"), &limits()).unwrap_err();
    assert_eq!(e, Amf0Error::Amf3Marker { offset: 2 });
}

#[test]
fn unknown_markers() {
    for marker in 0x12..=0xffu8 {
        let e = decode_value(&[marker, 0, 0, 0, 0], &limits()).unwrap_err();
        assert_eq!(e, Amf0Error::UnknownMarker { marker, offset: 0 });
    }
    let e = decode_all(&hex("05 00 00 00 00 00 00 00 00 00 ab"), &limits()).unwrap_err();
    assert_eq!(
        e,
        Amf0Error::UnknownMarker {
            marker: 0xab,
            offset: 10
        }
    );
    assert_eq!(e.to_string(), "unknown AMF0 marker 0xab at offset 10");
}

#[test]
fn misplaced_object_end() {
    let e = decode_value(&hex("09"), &limits()).unwrap_err();
    assert_eq!(e, Amf0Error::MisplacedObjectEnd { offset: 0 });
    assert_eq!(
        e.to_string(),
        "AMF0 object-end marker 0x09 at offset 0 is outside an object"
    );
    assert_eq!(
        decode_all(&hex("05 09"), &limits()),
        Err(Amf0Error::MisplacedObjectEnd { offset: 1 })
    );
    // A named property whose value is 0x09 (an object closed without the empty name).
    assert_eq!(
        decode_value(&hex("03 00 01 61 09"), &limits()),
        Err(Amf0Error::MisplacedObjectEnd { offset: 4 })
    );
    // A stray end sequence after a complete value reads as a cut-off number (marker 0x00).
    assert_eq!(
        decode_all(&hex("03 00 00 09 00 00 09"), &limits()),
        Err(Amf0Error::Truncated {
            what: "number",
            offset: 5,
            needed: 8,
            left: 2
        })
    );
}

#[test]
fn truncation_errors_say_what_and_how_much() {
    let e = decode_value(&hex("00 3f f0 00"), &limits()).unwrap_err();
    assert_eq!(
        e,
        Amf0Error::Truncated {
            what: "number",
            offset: 1,
            needed: 8,
            left: 3
        }
    );
    assert_eq!(
        e.to_string(),
        "AMF0 number at offset 1 needs 8 bytes but only 3 are left"
    );
    let e = decode_value(
        &hex("02 01 2c 61 62 63 64 65 66 67 68 69 6a 6b 6c"),
        &limits(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        Amf0Error::LengthExceedsInput {
            what: "string",
            offset: 1,
            length: 300,
            left: 12
        }
    );
    assert_eq!(
        e.to_string(),
        "AMF0 string length 300 at offset 1 exceeds the 12 bytes left"
    );
    assert_eq!(
        decode_value(&[], &limits()),
        Err(Amf0Error::Truncated {
            what: "value marker",
            offset: 0,
            needed: 1,
            left: 0
        })
    );
    assert_eq!(
        decode_value(&hex("03 00 00"), &limits()),
        Err(Amf0Error::Truncated {
            what: "object end marker",
            offset: 3,
            needed: 1,
            left: 0
        })
    );
    assert_eq!(
        decode_value(&hex("03 00"), &limits()),
        Err(Amf0Error::Truncated {
            what: "property name",
            offset: 1,
            needed: 2,
            left: 1
        })
    );
    assert_eq!(
        decode_value(&hex("0b 00 00 00 00 00 00 00 00 00"), &limits()),
        Err(Amf0Error::Truncated {
            what: "date time zone",
            offset: 9,
            needed: 2,
            left: 1
        })
    );
    for (bytes, what) in [
        ("01", "boolean"),
        ("02 00", "string"),
        ("07 00", "reference"),
        ("08 00 00", "ECMA array count"),
        ("0a 00", "strict array count"),
        ("0b 00", "date"),
        ("0c 00 00 00", "long string"),
        ("0f 00", "XML document"),
        ("10 00", "typed object class name"),
    ] {
        match decode_value(&hex(bytes), &limits()) {
            Err(Amf0Error::Truncated { what: w, .. }) => assert_eq!(w, what, "{bytes}"),
            other => panic!("{bytes}: {other:?}"),
        }
    }
}

#[test]
fn strict_array_declaring_four_billion_elements() {
    let start = std::time::Instant::now();
    let e = decode_value(&hex("0a ee 6b 28 00"), &limits()).unwrap_err();
    assert_eq!(
        e,
        Amf0Error::StrictArrayCountExceedsInput {
            offset: 0,
            count: 4_000_000_000,
            left: 0
        }
    );
    assert!(e.is_truncation());
    assert_eq!(
        e.to_string(),
        "AMF0 strict array at offset 0 declares 4000000000 elements but only 0 bytes are left"
    );
    // Also when some plausible elements follow.
    let e = decode_value(&hex("0a ff ff ff ff 05 05 05"), &limits()).unwrap_err();
    assert_eq!(
        e,
        Amf0Error::StrictArrayCountExceedsInput {
            offset: 0,
            count: u32::MAX,
            left: 3
        }
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn long_string_declaring_four_gib() {
    for (bytes, what) in [
        ("0c ff ff ff ff", "long string"),
        ("0c ff ff ff ff 61 62", "long string"),
        ("0f ff ff ff ff 3c", "XML document"),
    ] {
        let input = hex(bytes);
        let e = decode_value(&input, &limits()).unwrap_err();
        assert_eq!(
            e,
            Amf0Error::LengthExceedsInput {
                what,
                offset: 1,
                length: u32::MAX,
                left: input.len() - 5
            }
        );
        assert!(e.is_truncation());
    }
    // 16-bit lengths too.
    assert_eq!(
        decode_value(&hex("02 ff ff 61"), &limits()),
        Err(Amf0Error::LengthExceedsInput {
            what: "string",
            offset: 1,
            length: 65535,
            left: 1
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Depth

/// `levels` objects nested through a property "a"; the innermost one is empty.
fn nested_objects(levels: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 1..levels {
        out.extend_from_slice(&hex("03 00 01 61"));
    }
    out.extend_from_slice(&hex("03 00 00 09"));
    for _ in 1..levels {
        out.extend_from_slice(&hex("00 00 09"));
    }
    out
}

fn depth_of(v: &Value) -> usize {
    match v {
        Value::StrictArray(items) => 1 + items.iter().map(depth_of).max().unwrap_or(0),
        other => match other.properties() {
            Some(p) => 1 + p.iter().map(|(_, v)| depth_of(v)).max().unwrap_or(0),
            None => 0,
        },
    }
}

#[test]
fn depth_limit() {
    let ok = nested_objects(64);
    let (v, used) = decode_value(&ok, &limits()).unwrap();
    assert_eq!(used, ok.len());
    assert_eq!(depth_of(&v), 64);
    assert_eq!(encode(&v), ok);

    let too_deep = nested_objects(65);
    let e = decode_value(&too_deep, &limits()).unwrap_err();
    assert_eq!(
        e,
        Amf0Error::DepthExceeded {
            limit: 64,
            offset: 64 * 4
        }
    );
    assert_eq!(
        e.to_string(),
        "AMF0 nesting deeper than 64 levels at offset 256"
    );

    // Every container kind counts, mixed.
    let mut mixed = Vec::new();
    for i in 0..65 {
        match i % 4 {
            0 => mixed.extend_from_slice(&hex("0a 00 00 00 01")),
            1 => mixed.extend_from_slice(&hex("08 00 00 00 01 00 01 61")),
            2 => mixed.extend_from_slice(&hex("10 00 01 43 00 01 61")),
            _ => mixed.extend_from_slice(&hex("03 00 01 61")),
        }
    }
    mixed.push(0x05);
    assert!(matches!(
        decode_value(&mixed, &limits()),
        Err(Amf0Error::DepthExceeded { limit: 64, .. })
    ));

    // A configured limit applies; 0 allows scalars only.
    let strict = Limits {
        max_amf_depth: 2,
        ..Limits::default()
    };
    assert!(decode_value(&nested_objects(2), &strict).is_ok());
    assert_eq!(
        decode_value(&nested_objects(3), &strict),
        Err(Amf0Error::DepthExceeded {
            limit: 2,
            offset: 8
        })
    );
    let none = Limits {
        max_amf_depth: 0,
        ..Limits::default()
    };
    assert_eq!(decode_value(&hex("05"), &none), Ok((Value::Null, 1)));
    assert_eq!(
        decode_value(&hex("0a 00 00 00 00"), &none),
        Err(Amf0Error::DepthExceeded {
            limit: 0,
            offset: 0
        })
    );
}

#[test]
fn very_deep_input_fails_without_exhausting_the_stack() {
    let deep: Vec<u8> = hex("03 00 01 61").repeat(200_000);
    assert!(matches!(
        decode_all(&deep, &limits()),
        Err(Amf0Error::DepthExceeded { limit: 64, .. })
    ));
    let deep_arrays: Vec<u8> = hex("0a 00 00 00 01").repeat(200_000);
    assert!(matches!(
        decode_all(&deep_arrays, &limits()),
        Err(Amf0Error::DepthExceeded { limit: 64, .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// decode_all

#[test]
fn decode_all_reads_to_the_end() {
    assert_eq!(decode_all(&[], &limits()), Ok(vec![]));
    assert_eq!(
        decode_all(&hex("05 06 01 01 02 00 01 61"), &limits()),
        Ok(vec![
            Value::Null,
            Value::Undefined,
            Value::Boolean(true),
            s("a")
        ])
    );
    // A cut-off last value is an error, not a shorter list.
    assert!(decode_all(&hex("05 02 00 05 61"), &limits())
        .unwrap_err()
        .is_truncation());
}

/// Checks a real multi-value payload: decodes to `expected`, re-encodes byte for byte, and every
/// cut gives either a truncation error or (at a value boundary) the values before the cut.
pub(crate) fn check_payload(bytes: &[u8], expected: &[Value]) {
    let values = decode_all(bytes, &limits()).unwrap();
    assert_eq!(values, expected);
    let mut out = Vec::new();
    encode_all(&values, &mut out);
    assert_eq!(out, bytes, "re-encoding {values:?}");
    let mut boundaries = vec![0];
    for v in &values {
        let mut one = Vec::new();
        encode_value(v, &mut one);
        boundaries.push(boundaries.last().unwrap() + one.len());
    }
    for cut in 0..bytes.len() {
        match decode_all(&bytes[..cut], &limits()) {
            Ok(prefix) => {
                let k = boundaries
                    .iter()
                    .position(|&b| b == cut)
                    .unwrap_or_else(|| {
                        panic!("cut at {cut} is no value boundary but decoded to {prefix:?}")
                    });
                assert_eq!(prefix, values[..k]);
            }
            Err(e) => {
                assert!(e.is_truncation(), "cut at {cut}: {e:?}");
                assert!(!boundaries.contains(&cut));
            }
        }
    }
}

#[test]
fn ffmpeg_set_data_frame_payload() {
    // tests/fixtures/amf0-ffmpeg-setdataframe.bin: ffmpeg's metadata data message (type 18).
    let bytes = include_bytes!("../../../tests/fixtures/amf0-ffmpeg-setdataframe.bin");
    check_payload(
        bytes,
        &[
            s("@setDataFrame"),
            s("onMetaData"),
            Value::EcmaArray {
                count: 13,
                properties: ffmpeg_metadata(),
            },
        ],
    );
    // The fixture is the real stream's bytes (data message on csid 4 at offset 3408).
    let c2s = include_bytes!("../../../tests/fixtures/ffmpeg-nginx-c2s.bin");
    assert_eq!(
        &c2s[3408..3420],
        &hex("04 00 00 00 00 01 35 12 01 00 00 00")[..]
    );
    assert_eq!(&c2s[3420..3420 + 309], &bytes[..]);
}

// ---------------------------------------------------------------------------------------------
// Encoding edge cases

#[test]
fn encodes_oversized_string_as_long_string() {
    let text = "x".repeat(70_000);
    let bytes = encode(&Value::String(text.clone()));
    assert_eq!(&bytes[..5], &hex("0c 00 01 11 70")[..]);
    assert_eq!(bytes.len(), 5 + 70_000);
    assert_eq!(
        decode_value(&bytes, &limits()),
        Ok((Value::LongString(text), bytes.len()))
    );
    // Exactly 65535 bytes still fits a short string.
    let text = "y".repeat(65_535);
    let bytes = encode(&Value::String(text.clone()));
    assert_eq!(&bytes[..3], &hex("02 ff ff")[..]);
    assert_eq!(
        decode_value(&bytes, &limits()),
        Ok((Value::String(text), bytes.len()))
    );
}

#[test]
fn encodes_oversized_names_cut_at_a_char_boundary() {
    // 65534 ASCII bytes then a 3-byte character: the character does not fit and is dropped.
    let name = format!("{}日", "k".repeat(65_534));
    let value = Value::Object(vec![(name, Value::Null)]);
    let bytes = encode(&value);
    assert_eq!(&bytes[..3], &hex("03 ff fe")[..]);
    let (decoded, _) = decode_value(&bytes, &limits()).unwrap();
    assert_eq!(
        decoded,
        Value::Object(vec![("k".repeat(65_534), Value::Null)])
    );

    let class_name = "c".repeat(70_000);
    let value = Value::TypedObject {
        class_name,
        properties: vec![],
    };
    let bytes = encode(&value);
    assert_eq!(bytes.len(), 1 + 2 + 65_535 + 3);
    let (decoded, _) = decode_value(&bytes, &limits()).unwrap();
    assert_eq!(
        decoded,
        Value::TypedObject {
            class_name: "c".repeat(65_535),
            properties: vec![]
        }
    );
}

#[test]
fn ecma_array_encodes_its_stored_count() {
    let v = Value::EcmaArray {
        count: 7,
        properties: vec![],
    };
    assert_eq!(encode(&v), hex("08 00 00 00 07 00 00 09"));
}

// ---------------------------------------------------------------------------------------------
// Convenience and Display

#[test]
fn accessors() {
    let o = obj(&[
        ("level", s("status")),
        ("n", n(2.5)),
        ("b", Value::Boolean(true)),
    ]);
    assert_eq!(o.get("level").and_then(Value::as_str), Some("status"));
    assert_eq!(o.get("n").and_then(Value::as_f64), Some(2.5));
    assert_eq!(o.get("b").and_then(Value::as_bool), Some(true));
    assert_eq!(o.get("missing"), None);
    assert_eq!(o.properties().map(<[Property]>::len), Some(3));
    let e = Value::ecma_array(props(&[("k", Value::Null)]));
    assert_eq!(e.get("k"), Some(&Value::Null));
    let t = Value::TypedObject {
        class_name: "C".into(),
        properties: props(&[("k", n(1.0))]),
    };
    assert_eq!(t.get("k"), Some(&n(1.0)));
    assert_eq!(Value::LongString("l".into()).as_str(), Some("l"));
    assert_eq!(Value::XmlDocument("x".into()).as_str(), None);
    assert_eq!(s("1").as_f64(), None);
    assert_eq!(n(1.0).as_bool(), None);
    assert_eq!(n(1.0).as_str(), None);
    assert_eq!(s("x").get("x"), None);
    assert_eq!(Value::StrictArray(vec![]).properties(), None);
    assert!(Value::Null.is_null_or_undefined());
    assert!(Value::Undefined.is_null_or_undefined());
    assert!(!n(0.0).is_null_or_undefined());
    assert_eq!(Value::from("a"), s("a"));
    assert_eq!(Value::from(String::from("a")), s("a"));
    assert_eq!(Value::from(3.0), n(3.0));
    assert_eq!(Value::from(false), Value::Boolean(false));
    assert_eq!(o.type_name(), "object");
    assert_eq!(
        Value::XmlDocument(String::new()).type_name(),
        "XML document"
    );
}

#[test]
fn display() {
    let v = obj(&[("level", s("status")), ("code", s("X"))]);
    assert_eq!(v.to_string(), r#"{level: "status", code: "X"}"#);
    let v = Value::StrictArray(vec![
        n(1.0),
        n(-0.5),
        Value::Null,
        Value::Undefined,
        Value::Boolean(false),
        obj(&[]),
        Value::Reference(3),
        Value::Unsupported,
    ]);
    assert_eq!(
        v.to_string(),
        "[1.0, -0.5, null, undefined, false, {}, ref(3), unsupported]"
    );
    let v = Value::ecma_array(props(&[
        ("duration", n(1.0)),
        ("my key", s("a\"b\n")),
        ("", Value::LongString("日本".into())),
    ]));
    assert_eq!(
        v.to_string(),
        r#"{duration: 1.0, "my key": "a\"b\n", "": "日本"}"#
    );
    let v = Value::TypedObject {
        class_name: "flex.Msg".into(),
        properties: props(&[("x", Value::XmlDocument("<a/>".into()))]),
    };
    assert_eq!(v.to_string(), r#""flex.Msg" {x: xml("<a/>")}"#);
    let v = Value::Date {
        millis: 1.5e12,
        time_zone: 0,
    };
    assert_eq!(v.to_string(), "date(1500000000000.0, 0)");
    assert_eq!(n(f64::NAN).to_string(), "NaN");
}

// ---------------------------------------------------------------------------------------------
// Property tests

fn arb_text() -> BoxedStrategy<String> {
    "\\PC{0,8}".boxed()
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<f64>().prop_map(Value::Number),
        any::<bool>().prop_map(Value::Boolean),
        arb_text().prop_map(Value::String),
        Just(Value::Null),
        Just(Value::Undefined),
        any::<u16>().prop_map(Value::Reference),
        (any::<f64>(), any::<i16>())
            .prop_map(|(millis, time_zone)| Value::Date { millis, time_zone }),
        arb_text().prop_map(Value::LongString),
        Just(Value::Unsupported),
        arb_text().prop_map(Value::XmlDocument),
    ];
    leaf.prop_recursive(6, 64, 5, |inner| {
        let properties = prop::collection::vec((arb_text(), inner.clone()), 0..5);
        prop_oneof![
            properties.clone().prop_map(Value::Object),
            (any::<u32>(), properties.clone())
                .prop_map(|(count, properties)| Value::EcmaArray { count, properties }),
            prop::collection::vec(inner, 0..5).prop_map(Value::StrictArray),
            (arb_text(), properties).prop_map(|(class_name, properties)| {
                Value::TypedObject {
                    class_name,
                    properties,
                }
            }),
        ]
    })
}

/// Bytes that look like AMF0 more often than uniform noise does.
fn amf0ish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => 0x00u8..=0x11,
        1 => Just(0xffu8),
        2 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..300)
}

proptest! {
    #[test]
    fn encode_then_decode_round_trips(value in arb_value()) {
        let bytes = encode(&value);
        let (decoded, used) = decode_value(&bytes, &limits()).unwrap();
        prop_assert!(same(&decoded, &value), "{:?} != {:?}", decoded, value);
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(encode(&decoded), bytes);
    }

    #[test]
    fn every_prefix_of_an_encoding_is_a_truncation(value in arb_value()) {
        let bytes = encode(&value);
        for cut in 0..bytes.len() {
            let e = decode_value(&bytes[..cut], &limits()).unwrap_err();
            prop_assert!(e.is_truncation(), "cut {}: {:?}", cut, e);
        }
    }

    #[test]
    fn decode_all_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_all(&bytes, &limits());
    }

    #[test]
    fn decode_encode_decode_is_stable(bytes in amf0ish_bytes()) {
        if let Ok(values) = decode_all(&bytes, &limits()) {
            let mut once = Vec::new();
            encode_all(&values, &mut once);
            let again = decode_all(&once, &limits()).unwrap();
            prop_assert_eq!(values.len(), again.len());
            for (a, b) in values.iter().zip(&again) {
                prop_assert!(same(a, b), "{:?} != {:?}", a, b);
            }
            let mut twice = Vec::new();
            encode_all(&again, &mut twice);
            prop_assert_eq!(once, twice);
        }
    }

    #[test]
    fn decode_value_never_uses_more_than_it_has(bytes in amf0ish_bytes()) {
        if let Ok((_, used)) = decode_value(&bytes, &limits()) {
            prop_assert!(used >= 1 && used <= bytes.len());
        }
    }
}
