//! Tests of message.rs.
use super::*;
use proptest::prelude::*;

fn raw(type_id: u8, payload: &[u8]) -> RawMessage {
    RawMessage::new(2, 0, type_id, 0, payload.to_vec())
}

fn decode(type_id: u8, payload: &[u8]) -> Result<Message, MessageError> {
    Message::decode(raw(type_id, payload), &Limits::default())
}

#[test]
fn control_messages_from_the_nginx_and_nms_captures() {
    assert_eq!(
        decode(5, &[0x00, 0x4c, 0x4b, 0x40]),
        Ok(Message::WindowAckSize(5_000_000))
    );
    assert_eq!(
        decode(6, &[0x00, 0x4c, 0x4b, 0x40, 0x02]),
        Ok(Message::SetPeerBandwidth {
            size: 5_000_000,
            limit: LimitType::Dynamic
        })
    );
    assert_eq!(
        decode(1, &[0x00, 0x00, 0x10, 0x00]),
        Ok(Message::SetChunkSize(4096))
    );
    assert_eq!(
        decode(1, &[0x00, 0x00, 0xff, 0xff]),
        Ok(Message::SetChunkSize(65535))
    );
}

#[test]
fn control_messages_from_the_fms_log_of_the_perl_client() {
    // shared/seeds/000_0adca50fdb2dabb7.txt: packet_server_bw, packet_client_bw, packet_ping.
    assert_eq!(
        decode(5, &[0x07, 0xa1, 0x20, 0x00]),
        Ok(Message::WindowAckSize(128_000_000))
    );
    assert_eq!(
        decode(6, &[0x00, 0x03, 0xd0, 0x90, 0x02]),
        Ok(Message::SetPeerBandwidth {
            size: 250_000,
            limit: LimitType::Dynamic
        })
    );
    assert_eq!(
        decode(4, &[0, 0, 0, 0, 0, 0]),
        Ok(Message::UserControl(UserControl::StreamBegin(0)))
    );
    assert_eq!(
        decode(4, &[0, 0, 0, 0, 0, 1]),
        Ok(Message::UserControl(UserControl::StreamBegin(1)))
    );
}

#[test]
fn every_user_control_event_decodes() {
    let cases = [
        (&[0, 1, 0, 0, 0, 1][..], UserControl::StreamEof(1)),
        (&[0, 2, 0, 0, 0, 2][..], UserControl::StreamDry(2)),
        (
            &[0, 3, 0, 0, 0, 1, 0, 0, 0x0b, 0xb8][..],
            UserControl::SetBufferLength {
                stream_id: 1,
                millis: 3000,
            },
        ),
        (&[0, 4, 0, 0, 0, 1][..], UserControl::StreamIsRecorded(1)),
        (
            &[0, 6, 0x12, 0x34, 0x56, 0x78][..],
            UserControl::PingRequest(0x1234_5678),
        ),
        (&[0, 7, 0, 0, 0, 9][..], UserControl::PingResponse(9)),
        (
            &[0, 31, 0, 0, 0, 1][..],
            UserControl::Unknown {
                event_type: 31,
                data: vec![0, 0, 0, 1],
            },
        ),
        (
            &[0xff, 0xff][..],
            UserControl::Unknown {
                event_type: 0xffff,
                data: vec![],
            },
        ),
    ];
    for (payload, expected) in cases {
        assert_eq!(
            decode(4, payload),
            Ok(Message::UserControl(expected)),
            "{payload:?}"
        );
    }
}

#[test]
fn trailing_bytes_after_a_control_message_are_ignored() {
    assert_eq!(
        decode(3, &[0, 0, 1, 0, 0xee, 0xee]),
        Ok(Message::Acknowledgement { sequence: 256 })
    );
    assert_eq!(
        decode(2, &[0, 0, 0, 4, 0xee]),
        Ok(Message::Abort { csid: 4 })
    );
    assert_eq!(
        decode(4, &[0, 6, 0, 0, 0, 5, 0xee]),
        Ok(Message::UserControl(UserControl::PingRequest(5)))
    );
    assert_eq!(
        decode(6, &[0, 0, 0, 1, 7, 0xee]),
        Ok(Message::SetPeerBandwidth {
            size: 1,
            limit: LimitType::Other(7)
        })
    );
}

#[test]
fn short_control_messages_are_errors_naming_type_and_length() {
    let cases: [(u8, &[u8], &str); 7] = [
        (
            1,
            &[0, 0, 16],
            "short Set Chunk Size message (type 1): 3 payload bytes, it needs 4",
        ),
        (
            2,
            &[],
            "short Abort Message message (type 2): 0 payload bytes, it needs 4",
        ),
        (
            3,
            &[1],
            "short Acknowledgement message (type 3): 1 payload bytes, it needs 4",
        ),
        (
            4,
            &[0],
            "short User Control message (type 4): 1 payload bytes, it needs 2",
        ),
        (
            5,
            &[0, 0],
            "short Window Acknowledgement Size message (type 5): 2 payload bytes, it needs 4",
        ),
        (
            6,
            &[0, 0x4c, 0x4b, 0x40],
            "short Set Peer Bandwidth message (type 6): 4 payload bytes, it needs 5",
        ),
        (
            6,
            &[0, 0x4c],
            "short Set Peer Bandwidth message (type 6): 2 payload bytes, it needs 5",
        ),
    ];
    for (type_id, payload, text) in cases {
        let err = decode(type_id, payload).unwrap_err();
        assert_eq!(err.to_string(), text);
        assert!(
            matches!(err, MessageError::ShortPayload { type_id: t, len, .. }
            if t == type_id && len == payload.len())
        );
    }
}

#[test]
fn short_user_control_events_are_errors_naming_the_event() {
    let err = decode(4, &[0, 0, 0, 0, 1]).unwrap_err();
    assert_eq!(
        err,
        MessageError::ShortUserControl {
            event_type: 0,
            name: "Stream Begin",
            len: 3,
            need: 4
        }
    );
    assert_eq!(
        err.to_string(),
        "short user control event 0 (Stream Begin): 3 event data bytes, it needs 4"
    );
    // Set Buffer Length needs 8 bytes even when the first field is there.
    assert_eq!(
        decode(4, &[0, 3, 0, 0, 0, 1, 0, 0]),
        Err(MessageError::ShortUserControl {
            event_type: 3,
            name: "Set Buffer Length",
            len: 6,
            need: 8
        })
    );
    assert_eq!(
        decode(4, &[0, 6]),
        Err(MessageError::ShortUserControl {
            event_type: 6,
            name: "Ping Request",
            len: 0,
            need: 4
        })
    );
}

#[test]
fn media_and_unknown_types_are_kept_raw() {
    assert_eq!(
        decode(8, &[0xaf, 0x00]),
        Ok(Message::Audio(Bytes::from(vec![0xaf, 0x00])))
    );
    assert_eq!(
        decode(9, &[0x17, 0x00]),
        Ok(Message::Video(Bytes::from(vec![0x17, 0x00])))
    );
    assert_eq!(decode(9, &[]), Ok(Message::Video(Bytes::from(vec![]))));
    for type_id in [0u8, 7, 10, 16, 19, 21, 22, 23, 255] {
        assert_eq!(
            decode(type_id, &[1, 2, 3]),
            Ok(Message::Unknown {
                type_id,
                payload: Bytes::from(vec![1, 2, 3])
            }),
            "type {type_id}"
        );
    }
}

#[test]
fn amf3_data_not_starting_with_0x00_is_an_error() {
    let err = decode(15, &[0x11, 0x0a]).unwrap_err();
    assert_eq!(
        err,
        MessageError::NotAmf0 {
            kind: "Data (AMF3)",
            type_id: 15,
            first: 0x11
        }
    );
    assert_eq!(
        err.to_string(),
        "Data (AMF3) message (type 15) starts with byte 0x11, not the 0x00 that announces AMF0 values; AMF3 is not supported"
    );
}

#[test]
fn type_ids_and_names() {
    let cases: Vec<(Message, u8, &str)> = vec![
        (Message::SetChunkSize(1), 1, "Set Chunk Size"),
        (Message::Abort { csid: 3 }, 2, "Abort Message"),
        (
            Message::Acknowledgement { sequence: 1 },
            3,
            "Acknowledgement",
        ),
        (
            Message::UserControl(UserControl::StreamBegin(1)),
            4,
            "User Control",
        ),
        (Message::WindowAckSize(1), 5, "Window Acknowledgement Size"),
        (
            Message::SetPeerBandwidth {
                size: 1,
                limit: LimitType::Hard,
            },
            6,
            "Set Peer Bandwidth",
        ),
        (Message::Audio(Bytes::from(vec![])), 8, "Audio"),
        (Message::Video(Bytes::from(vec![])), 9, "Video"),
        (
            Message::Data {
                amf3: false,
                values: vec![],
            },
            18,
            "Data (AMF0)",
        ),
        (
            Message::Data {
                amf3: true,
                values: vec![],
            },
            15,
            "Data (AMF3)",
        ),
        (
            Message::Unknown {
                type_id: 22,
                payload: Bytes::from(vec![]),
            },
            22,
            "Aggregate",
        ),
        (
            Message::Unknown {
                type_id: 19,
                payload: Bytes::from(vec![]),
            },
            19,
            "Shared Object (AMF0)",
        ),
        (
            Message::Unknown {
                type_id: 16,
                payload: Bytes::from(vec![]),
            },
            16,
            "Shared Object (AMF3)",
        ),
        (
            Message::Unknown {
                type_id: 99,
                payload: Bytes::from(vec![]),
            },
            99,
            "unknown type",
        ),
    ];
    for (msg, type_id, name) in cases {
        assert_eq!(msg.type_id(), type_id, "{msg:?}");
        assert_eq!(msg.kind_name(), name, "{msg:?}");
    }
    assert_eq!(kind_name(20), "Command (AMF0)");
    assert_eq!(kind_name(17), "Command (AMF3)");
    assert_eq!(UserControl::PingRequest(0).event_name(), "Ping Request");
    assert_eq!(
        UserControl::Unknown {
            event_type: 32,
            data: vec![]
        }
        .event_name(),
        "unknown event"
    );
}

#[test]
fn into_raw_carries_the_header_fields_and_payload() {
    assert_eq!(
        Message::SetChunkSize(4096).into_raw(2, 0, 0),
        RawMessage {
            csid: 2,
            timestamp: 0,
            type_id: 1,
            stream_id: 0,
            length: 4,
            payload: Bytes::from(vec![0, 0, 0x10, 0])
        }
    );
    assert_eq!(
        Message::Video(Bytes::from(vec![0x17, 0x01])).into_raw(6, 1, 40),
        RawMessage {
            csid: 6,
            timestamp: 40,
            type_id: 9,
            stream_id: 1,
            length: 2,
            payload: Bytes::from(vec![0x17, 0x01])
        }
    );
    assert_eq!(
        Message::UserControl(UserControl::SetBufferLength {
            stream_id: 1,
            millis: 3000
        })
        .into_raw(2, 0, 0)
        .payload,
        vec![0, 3, 0, 0, 0, 1, 0, 0, 0x0b, 0xb8]
    );
    assert_eq!(
        Message::SetPeerBandwidth {
            size: 5_000_000,
            limit: LimitType::Dynamic
        }
        .into_raw(2, 0, 0)
        .payload,
        vec![0x00, 0x4c, 0x4b, 0x40, 0x02]
    );
}

#[test]
fn limit_type_values() {
    for v in 0..=255u8 {
        assert_eq!(LimitType::from_u8(v).to_u8(), v);
    }
    assert_eq!(LimitType::from_u8(0), LimitType::Hard);
    assert_eq!(LimitType::from_u8(1), LimitType::Soft);
    assert_eq!(LimitType::from_u8(2), LimitType::Dynamic);
    assert_eq!(LimitType::from_u8(3), LimitType::Other(3));
}

fn arb_user_control() -> impl Strategy<Value = UserControl> {
    prop_oneof![
        any::<u32>().prop_map(UserControl::StreamBegin),
        any::<u32>().prop_map(UserControl::StreamEof),
        any::<u32>().prop_map(UserControl::StreamDry),
        (any::<u32>(), any::<u32>())
            .prop_map(|(stream_id, millis)| { UserControl::SetBufferLength { stream_id, millis } }),
        any::<u32>().prop_map(UserControl::StreamIsRecorded),
        any::<u32>().prop_map(UserControl::PingRequest),
        any::<u32>().prop_map(UserControl::PingResponse),
        (
            any::<u16>().prop_filter("known events", |e| !matches!(e, 0..=4 | 6 | 7)),
            prop::collection::vec(any::<u8>(), 0..16)
        )
            .prop_map(|(event_type, data)| UserControl::Unknown { event_type, data }),
    ]
}

fn arb_control() -> impl Strategy<Value = Message> {
    prop_oneof![
        any::<u32>().prop_map(Message::SetChunkSize),
        any::<u32>().prop_map(|csid| Message::Abort { csid }),
        any::<u32>().prop_map(|sequence| Message::Acknowledgement { sequence }),
        arb_user_control().prop_map(Message::UserControl),
        any::<u32>().prop_map(Message::WindowAckSize),
        (any::<u32>(), any::<u8>()).prop_map(|(size, l)| Message::SetPeerBandwidth {
            size,
            limit: LimitType::from_u8(l)
        }),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|v| Message::Audio(v.into())),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|v| Message::Video(v.into())),
        (
            prop_oneof![Just(16u8), Just(19u8), Just(22u8), 23u8..=255],
            prop::collection::vec(any::<u8>(), 0..64)
        )
            .prop_map(|(type_id, payload)| Message::Unknown {
                type_id,
                payload: payload.into()
            }),
    ]
}

proptest! {
    #[test]
    fn control_and_media_messages_round_trip(msg in arb_control(), csid in 2u32..100, sid in any::<u32>(), ts in any::<u32>()) {
        let raw = msg.clone().into_raw(csid, sid, ts);
        prop_assert_eq!(raw.type_id, msg.type_id());
        prop_assert_eq!((raw.csid, raw.stream_id, raw.timestamp), (csid, sid, ts));
        let mut payload = Vec::new();
        msg.encode_payload(&mut payload);
        prop_assert_eq!(&payload, &raw.payload);
        prop_assert_eq!(Message::decode(raw, &Limits::default()), Ok(msg));
    }

    #[test]
    fn control_decoding_never_panics_and_reencodes_a_prefix(type_id in 1u8..=9, payload in prop::collection::vec(any::<u8>(), 0..12)) {
        // Whatever decodes re-encodes to a prefix of the input (trailing bytes are ignored);
        // whatever does not is a short message.
        match Message::decode(raw(type_id, &payload), &Limits::default()) {
            Ok(msg) => {
                let mut again = Vec::new();
                msg.encode_payload(&mut again);
                prop_assert!(payload.starts_with(&again));
            }
            Err(err) => {
                let short = matches!(
                    err,
                    MessageError::ShortPayload { .. } | MessageError::ShortUserControl { .. }
                );
                prop_assert!(short, "unexpected error {:?}", err);
            }
        }
    }
}

#[test]
fn decoding_moves_media_payloads_without_copying_them() {
    let payload = Bytes::from(vec![0x17u8, 0x01, 0, 0, 0]);
    let at = payload.as_ptr();
    let received = Received::decode(RawMessage::new(6, 40, 9, 1, payload), &Limits::default())
        .expect("video decodes");
    assert_eq!((received.csid, received.timestamp), (6, 40));
    assert_eq!((received.stream_id, received.length), (1, 5));
    let Message::Video(data) = received.message else {
        panic!("not video: {received:?}");
    };
    assert_eq!(data.as_ptr(), at, "the same bytes, not a copy");
}

#[test]
fn a_prefix_of_a_longer_message_is_video_still_but_a_command_stays_raw() {
    let prefix = |type_id: u8, payload: &[u8]| RawMessage {
        length: 1000,
        ..raw(type_id, payload)
    };
    let video = Message::decode(prefix(9, &[0x17, 0x00]), &Limits::default());
    assert_eq!(video, Ok(Message::Video(Bytes::from(vec![0x17, 0x00]))));
    // A command cut short would not decode; it is kept as it came.
    let command = Message::decode(prefix(20, &[0x02, 0x00, 0x07]), &Limits::default());
    assert_eq!(
        command,
        Ok(Message::Unknown {
            type_id: 20,
            payload: Bytes::from(vec![0x02, 0x00, 0x07])
        })
    );
}
