//! Message and command decoding of arbitrary payloads.
//!
//! Input: the message type id, then the payload. Checked: no panic; the typed command agrees
//! with `Command::decode`; what decodes re-encodes to a payload that decodes and encodes to the
//! same bytes again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtmp_probe::protocol::chunk::RawMessage;
use rtmp_probe::protocol::command::Command;
use rtmp_probe::protocol::conn::ConnState;
use rtmp_probe::protocol::message::Message;
use rtmp_probe::protocol::Limits;

fuzz_target!(|input: &[u8]| {
    let Some((&type_id, payload)) = input.split_first() else {
        return;
    };
    let limits = Limits::default();

    // Command::decode in both framings, whatever the type id.
    for amf3 in [false, true] {
        if let Ok(command) = Command::decode(payload, amf3, &limits) {
            let _ = command.to_string();
            let _ = command.status();
            let _ = command.to_values();
            let bytes = command.to_bytes();
            let again = match Command::decode(&bytes, false, &limits) {
                Ok(c) => c,
                Err(e) => panic!("re-encoded command does not decode: {e}"),
            };
            assert_eq!(
                bytes,
                again.to_bytes(),
                "command encoding is not a fixed point"
            );
        }
    }

    let raw = RawMessage::new(3, 0, type_id, 0, payload.to_vec());
    let Ok(message) = Message::decode(raw.clone(), &limits) else {
        return;
    };
    assert_eq!(message.type_id(), type_id);
    if let Message::Command { amf3, command } = &message {
        // Compared as bytes: a NaN transaction id is not equal to itself.
        let direct = Command::decode(payload, *amf3, &limits).map(|c| c.to_bytes());
        assert_eq!(direct, Ok(command.to_bytes()));
    }
    let mut conn = ConnState::new();
    if let Some(reply) = conn.on_message(&message) {
        let _ = reply.into_raw(2, 0, 0);
    }

    let mut encoded = Vec::new();
    message.encode_payload(&mut encoded);
    let again = RawMessage::new(
        raw.csid,
        raw.timestamp,
        raw.type_id,
        raw.stream_id,
        encoded.clone(),
    );
    let decoded = match Message::decode(again, &limits) {
        Ok(m) => m,
        Err(e) => panic!("re-encoded {} does not decode: {e}", message.kind_name()),
    };
    let mut encoded_again = Vec::new();
    decoded.encode_payload(&mut encoded_again);
    assert_eq!(
        encoded, encoded_again,
        "payload encoding is not a fixed point"
    );
});
