//! The chunk decoder fed arbitrary bytes in arbitrary pieces, then `Message::decode` on every
//! message that comes out.
//!
//! Input layout (see `Layout`): flags byte, piece sizes, chunk stream bytes. Flag 0x10 lowers the
//! message size limit to 1000 bytes so that the limit checks are reached with small inputs.
//!
//! Checked: no panic; the decoder contract (a call that returns no message consumed all it was
//! given); the same messages, the same error and the same final state whether the stream is fed
//! whole or in pieces; the limits hold; every decoded message re-encodes to a payload that decodes
//! and encodes to the same bytes again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtmp_probe::protocol::chunk::{ChunkDecoder, ChunkError, RawMessage};
use rtmp_probe::protocol::conn::ConnState;
use rtmp_probe::protocol::message::Message;
use rtmp_probe::protocol::Limits;
use rtmp_probe_fuzz::Layout;

#[derive(Debug, PartialEq)]
struct Run {
    messages: Vec<RawMessage>,
    error: Option<ChunkError>,
    idle: bool,
    buffered: u64,
    chunk_size: u32,
}

fn run<'a>(limits: Limits, pieces: impl IntoIterator<Item = &'a [u8]>) -> Run {
    let mut decoder = ChunkDecoder::new(limits);
    let mut messages = Vec::new();
    let mut error = None;
    'pieces: for piece in pieces {
        let mut rest = piece;
        loop {
            match decoder.feed(rest) {
                Ok((used, message)) => {
                    assert!(used <= rest.len(), "consumed {used} of {}", rest.len());
                    rest = &rest[used..];
                    assert!(decoder.buffered_bytes() <= u64::from(limits.max_message_size));
                    match message {
                        Some(m) => {
                            assert!((2..=65599).contains(&m.csid), "csid {}", m.csid);
                            assert!(m.payload.len() <= limits.max_message_size as usize);
                            messages.push(m);
                        }
                        None => {
                            assert!(rest.is_empty(), "stopped with {} bytes left", rest.len());
                            break;
                        }
                    }
                }
                Err(e) => {
                    // An error sticks.
                    assert_eq!(decoder.feed(&[]), Err(e.clone()));
                    error = Some(e);
                    break 'pieces;
                }
            }
        }
    }
    Run {
        messages,
        error,
        idle: decoder.is_idle(),
        buffered: decoder.buffered_bytes(),
        chunk_size: decoder.peer_chunk_size(),
    }
}

fuzz_target!(|input: &[u8]| {
    let Some(layout) = Layout::parse(input) else {
        return;
    };
    let mut limits = Limits::default();
    if layout.flags & 0x10 != 0 {
        limits.max_message_size = 1000;
    }

    let whole = run(limits, [layout.data]);
    let split = run(limits, layout.pieces());
    if whole.error.is_some() {
        // Fed in pieces, the decoder may stop at the same error only after the messages before it.
        assert_eq!(whole.messages, split.messages);
        assert_eq!(whole.error, split.error);
    } else {
        assert_eq!(whole, split, "whole and split feeding disagree");
    }

    let mut conn = ConnState::new();
    conn.on_bytes_received(layout.data.len());
    for raw in &whole.messages {
        let Ok(message) = Message::decode(raw.clone(), &limits) else {
            continue;
        };
        let _ = conn.on_message(&message);
        let _ = conn.ack_due();
        if let Message::Command { command, .. } = &message {
            let _ = command.to_string();
            let _ = command.status();
        }
        let mut payload = Vec::new();
        message.encode_payload(&mut payload);
        let again = RawMessage::new(
            raw.csid,
            raw.timestamp,
            raw.type_id,
            raw.stream_id,
            payload.clone(),
        );
        let decoded = match Message::decode(again, &limits) {
            Ok(m) => m,
            Err(e) => panic!("re-encoded {} does not decode: {e}", message.kind_name()),
        };
        let mut payload_again = Vec::new();
        decoded.encode_payload(&mut payload_again);
        assert_eq!(
            payload, payload_again,
            "payload encoding is not a fixed point"
        );
    }
});
