//! A small FLV file muxer for the tests (FLV 10.1 annex E.2-E.4): the file header, then each
//! tag (type, 24-bit size, timestamp in 24 + 8 bits, stream id 0, body) followed by its
//! PreviousTagSize. What the muxer writes is what an RTMP server records: the items' bodies are
//! the tag bodies, except that the metadata loses its `@setDataFrame` name (a file's script tag is
//! `onMetaData` and the array).

use rtmp_probe::media::synth::{Item, ItemKind};
use rtmp_probe::protocol::amf0::{decode_all, encode_all};
use rtmp_probe::protocol::Limits;

/// An FLV file of `items`, with the audio flag in the header when `audio` is set.
pub fn mux(items: &[Item], audio: bool) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"FLV");
    out.push(1); // version
    out.push(if audio { 0x05 } else { 0x01 }); // TypeFlagsAudio (4), TypeFlagsVideo (1)
    out.extend_from_slice(&9u32.to_be_bytes()); // DataOffset: the header's size
    out.extend_from_slice(&0u32.to_be_bytes()); // PreviousTagSize0
    for item in items {
        let body = match item.kind {
            ItemKind::Metadata => file_metadata(&item.body),
            _ => item.body.clone(),
        };
        tag(&mut out, item.message_type(), item.timestamp_ms, &body);
    }
    out
}

/// The script tag body of a file: the data message without its first value.
fn file_metadata(message: &[u8]) -> Vec<u8> {
    let values = decode_all(message, &Limits::default()).expect("the metadata decodes as AMF0");
    assert_eq!(values[0].as_str(), Some("@setDataFrame"));
    let mut out = Vec::new();
    encode_all(&values[1..], &mut out);
    out
}

fn tag(out: &mut Vec<u8>, tag_type: u8, timestamp_ms: u32, body: &[u8]) {
    let size = u32::try_from(body.len()).expect("tag size");
    assert!(size < 1 << 24, "an FLV tag body is at most 16 MiB");
    out.push(tag_type);
    out.extend_from_slice(&size.to_be_bytes()[1..]);
    out.extend_from_slice(&(timestamp_ms & 0x00ff_ffff).to_be_bytes()[1..]);
    out.push((timestamp_ms >> 24) as u8); // TimestampExtended
    out.extend_from_slice(&[0, 0, 0]); // StreamID
    out.extend_from_slice(body);
    out.extend_from_slice(&(11 + size).to_be_bytes()); // PreviousTagSize
}

/// The tags of an FLV file: `(type, timestamp, body)`, checking each PreviousTagSize.
pub fn tags(file: &[u8]) -> Vec<(u8, u32, Vec<u8>)> {
    assert_eq!(&file[..3], b"FLV", "FLV signature");
    let offset = u32::from_be_bytes(file[5..9].try_into().unwrap()) as usize;
    let mut at = offset + 4;
    let mut out = Vec::new();
    while at < file.len() {
        let t = file[at];
        let size = u32::from_be_bytes([0, file[at + 1], file[at + 2], file[at + 3]]) as usize;
        let ts = u32::from_be_bytes([file[at + 7], file[at + 4], file[at + 5], file[at + 6]]);
        let body = file[at + 11..at + 11 + size].to_vec();
        let prev = u32::from_be_bytes(file[at + 11 + size..at + 15 + size].try_into().unwrap());
        assert_eq!(
            prev as usize,
            11 + size,
            "PreviousTagSize of the tag at {at}"
        );
        out.push((t & 0x1f, ts, body));
        at += 15 + size;
    }
    out
}
