//! AMF0 decoding of arbitrary bytes: no panic, and what decodes re-encodes to bytes that decode
//! to the same values (and encode to the same bytes again).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtmp_probe::protocol::amf0::{decode_all, decode_value, encode_all};
use rtmp_probe::protocol::Limits;
use rtmp_probe_fuzz::{all_same, fits_wire, same};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();

    let first = decode_value(data, &limits);
    if let Ok((value, used)) = &first {
        assert!(*used > 0 && *used <= data.len(), "decode_value used {used}");
        // Rendering for logs and reports must not panic either.
        let _ = value.to_string();
    }

    let Ok(values) = decode_all(data, &limits) else {
        return;
    };
    match (values.first(), &first) {
        (Some(v), Ok((w, _))) => assert!(same(v, w), "decode_all and decode_value disagree"),
        (None, _) => assert!(data.is_empty()),
        (Some(_), Err(e)) => panic!("decode_all succeeded but decode_value failed: {e}"),
    }

    let mut encoded = Vec::new();
    encode_all(&values, &mut encoded);
    let again = match decode_all(&encoded, &limits) {
        Ok(again) => again,
        Err(e) => panic!("re-encoded values do not decode: {e}"),
    };
    if values.iter().all(fits_wire) {
        assert!(
            all_same(&values, &again),
            "decode(encode(v)) != v:\n{values:?}\n{again:?}"
        );
    }
    let mut encoded_again = Vec::new();
    encode_all(&again, &mut encoded_again);
    assert_eq!(encoded, encoded_again, "encoding is not a fixed point");
});
