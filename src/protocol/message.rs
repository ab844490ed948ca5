//! Typed RTMP messages (RTMP 1.0 specification §5.4, §6, §7).
//!
//! [`Message::decode`] turns a reassembled [`RawMessage`] into a typed value; message types this
//! probe has no use for (shared objects, aggregates, anything unknown) are kept raw in
//! [`Message::Unknown`], never dropped. Control messages shorter than their fixed layout are
//! errors; bytes after the fixed layout are ignored.

use super::amf0::{self, Amf0Error, Value};
use super::chunk::RawMessage;
use super::command::{Command, CommandError};
use super::Limits;

use super::vocab::{csid, event, type_id};

/// Why a message body could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MessageError {
    #[error("short {kind} message (type {type_id}): {len} payload bytes, it needs {need}")]
    ShortPayload {
        kind: &'static str,
        type_id: u8,
        len: usize,
        need: usize,
    },
    #[error(
        "short user control event {event_type} ({name}): {len} event data bytes, it needs {need}"
    )]
    ShortUserControl {
        event_type: u16,
        name: &'static str,
        len: usize,
        need: usize,
    },
    #[error("{kind} message (type {type_id}) starts with byte {first:#04x}, not the 0x00 that announces AMF0 values; AMF3 is not supported")]
    NotAmf0 {
        kind: &'static str,
        type_id: u8,
        first: u8,
    },
    #[error("data message body: {0}")]
    Amf0(#[from] Amf0Error),
    #[error("command message body: {0}")]
    Command(#[from] CommandError),
}

/// The limit type of a Set Peer Bandwidth message (§5.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitType {
    /// 0: limit the output bandwidth to the window size.
    Hard,
    /// 1: limit to the window size or the limit already in effect, whichever is smaller.
    Soft,
    /// 2: hard if the previous limit was hard, otherwise ignore the message.
    Dynamic,
    /// Any other value, as received.
    Other(u8),
}

impl LimitType {
    pub fn from_u8(v: u8) -> LimitType {
        match v {
            0 => LimitType::Hard,
            1 => LimitType::Soft,
            2 => LimitType::Dynamic,
            other => LimitType::Other(other),
        }
    }

    pub fn to_u8(self) -> u8 {
        match self {
            LimitType::Hard => 0,
            LimitType::Soft => 1,
            LimitType::Dynamic => 2,
            LimitType::Other(v) => v,
        }
    }
}

/// A User Control message event (§7.1.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserControl {
    StreamBegin(u32),
    StreamEof(u32),
    StreamDry(u32),
    SetBufferLength {
        stream_id: u32,
        millis: u32,
    },
    StreamIsRecorded(u32),
    /// The peer's timestamp, to be echoed in a PingResponse.
    PingRequest(u32),
    PingResponse(u32),
    /// Any other event (e.g. 31/32, the buffer empty/ready events some servers send), kept raw.
    Unknown {
        event_type: u16,
        data: Vec<u8>,
    },
}

impl UserControl {
    pub fn event_type(&self) -> u16 {
        match self {
            UserControl::StreamBegin(_) => event::STREAM_BEGIN,
            UserControl::StreamEof(_) => event::STREAM_EOF,
            UserControl::StreamDry(_) => event::STREAM_DRY,
            UserControl::SetBufferLength { .. } => event::SET_BUFFER_LENGTH,
            UserControl::StreamIsRecorded(_) => event::STREAM_IS_RECORDED,
            UserControl::PingRequest(_) => event::PING_REQUEST,
            UserControl::PingResponse(_) => event::PING_RESPONSE,
            UserControl::Unknown { event_type, .. } => *event_type,
        }
    }

    /// A name for logs, e.g. "Stream Begin".
    pub fn event_name(&self) -> &'static str {
        event_name(self.event_type())
    }

    fn decode(payload: &[u8]) -> Result<UserControl, MessageError> {
        let Some((event, data)) = payload.split_first_chunk::<2>() else {
            return Err(MessageError::ShortPayload {
                kind: kind_name(type_id::USER_CONTROL),
                type_id: type_id::USER_CONTROL,
                len: payload.len(),
                need: 2,
            });
        };
        let event = u16::from_be_bytes(*event);
        let short = |need: usize| MessageError::ShortUserControl {
            event_type: event,
            name: event_name(event),
            len: data.len(),
            need,
        };
        let u32_at = |n: usize| -> Result<u32, MessageError> {
            let field = data
                .get(n * 4..n * 4 + 4)
                .and_then(|b| b.first_chunk::<4>())
                .ok_or_else(|| short(n * 4 + 4))?;
            Ok(u32::from_be_bytes(*field))
        };
        Ok(match event {
            event::STREAM_BEGIN => UserControl::StreamBegin(u32_at(0)?),
            event::STREAM_EOF => UserControl::StreamEof(u32_at(0)?),
            event::STREAM_DRY => UserControl::StreamDry(u32_at(0)?),
            event::SET_BUFFER_LENGTH => {
                if data.len() < 8 {
                    return Err(short(8));
                }
                UserControl::SetBufferLength {
                    stream_id: u32_at(0)?,
                    millis: u32_at(1)?,
                }
            }
            event::STREAM_IS_RECORDED => UserControl::StreamIsRecorded(u32_at(0)?),
            event::PING_REQUEST => UserControl::PingRequest(u32_at(0)?),
            event::PING_RESPONSE => UserControl::PingResponse(u32_at(0)?),
            other => UserControl::Unknown {
                event_type: other,
                data: data.to_vec(),
            },
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.event_type().to_be_bytes());
        match self {
            UserControl::StreamBegin(v)
            | UserControl::StreamEof(v)
            | UserControl::StreamDry(v)
            | UserControl::StreamIsRecorded(v)
            | UserControl::PingRequest(v)
            | UserControl::PingResponse(v) => out.extend_from_slice(&v.to_be_bytes()),
            UserControl::SetBufferLength { stream_id, millis } => {
                out.extend_from_slice(&stream_id.to_be_bytes());
                out.extend_from_slice(&millis.to_be_bytes());
            }
            UserControl::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }
}

/// A name for logs of a user control event type.
pub fn event_name(event: u16) -> &'static str {
    match event {
        event::STREAM_BEGIN => "Stream Begin",
        event::STREAM_EOF => "Stream EOF",
        event::STREAM_DRY => "Stream Dry",
        event::SET_BUFFER_LENGTH => "Set Buffer Length",
        event::STREAM_IS_RECORDED => "Stream Is Recorded",
        event::PING_REQUEST => "Ping Request",
        event::PING_RESPONSE => "Ping Response",
        _ => "unknown event",
    }
}

/// A name for logs of a message type id, e.g. "Window Acknowledgement Size".
pub fn kind_name(type_id: u8) -> &'static str {
    match type_id {
        type_id::SET_CHUNK_SIZE => "Set Chunk Size",
        type_id::ABORT => "Abort Message",
        type_id::ACKNOWLEDGEMENT => "Acknowledgement",
        type_id::USER_CONTROL => "User Control",
        type_id::WINDOW_ACK_SIZE => "Window Acknowledgement Size",
        type_id::SET_PEER_BANDWIDTH => "Set Peer Bandwidth",
        type_id::AUDIO => "Audio",
        type_id::VIDEO => "Video",
        type_id::DATA_AMF3 => "Data (AMF3)",
        type_id::SHARED_OBJECT_AMF3 => "Shared Object (AMF3)",
        type_id::COMMAND_AMF3 => "Command (AMF3)",
        type_id::DATA_AMF0 => "Data (AMF0)",
        type_id::SHARED_OBJECT_AMF0 => "Shared Object (AMF0)",
        type_id::COMMAND_AMF0 => "Command (AMF0)",
        type_id::AGGREGATE => "Aggregate",
        _ => "unknown type",
    }
}

/// One typed RTMP message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Type 1: the sender's new chunk size.
    SetChunkSize(u32),
    /// Type 2: drop the partial message on chunk stream `csid`.
    Abort { csid: u32 },
    /// Type 3: bytes received so far (wrapping).
    Acknowledgement { sequence: u32 },
    /// Type 4.
    UserControl(UserControl),
    /// Type 5: acknowledge after this many bytes.
    WindowAckSize(u32),
    /// Type 6.
    SetPeerBandwidth { size: u32, limit: LimitType },
    /// Type 8.
    Audio(Vec<u8>),
    /// Type 9.
    Video(Vec<u8>),
    /// Type 18 (AMF0 data), or 15 (`amf3`: a 0x00 format byte, then AMF0 values).
    Data { amf3: bool, values: Vec<Value> },
    /// Type 20 (AMF0 command), or 17 (`amf3`: a 0x00 format byte, then AMF0 values).
    Command { amf3: bool, command: Command },
    /// Shared objects (19/16), aggregates (22) and any other type, kept raw.
    Unknown { type_id: u8, payload: Vec<u8> },
}

fn read_u32(kind_type: u8, payload: &[u8], need: usize) -> Result<u32, MessageError> {
    match payload.first_chunk::<4>() {
        Some(b) if payload.len() >= need => Ok(u32::from_be_bytes(*b)),
        _ => Err(MessageError::ShortPayload {
            kind: kind_name(kind_type),
            type_id: kind_type,
            len: payload.len(),
            need,
        }),
    }
}

impl Message {
    /// Decodes the payload of `raw` according to its type id.
    pub fn decode(raw: &RawMessage, limits: &Limits) -> Result<Message, MessageError> {
        let payload = raw.payload.as_slice();
        let t = raw.type_id;
        Ok(match t {
            type_id::SET_CHUNK_SIZE => Message::SetChunkSize(read_u32(t, payload, 4)?),
            type_id::ABORT => Message::Abort {
                csid: read_u32(t, payload, 4)?,
            },
            type_id::ACKNOWLEDGEMENT => Message::Acknowledgement {
                sequence: read_u32(t, payload, 4)?,
            },
            type_id::USER_CONTROL => Message::UserControl(UserControl::decode(payload)?),
            type_id::WINDOW_ACK_SIZE => Message::WindowAckSize(read_u32(t, payload, 4)?),
            type_id::SET_PEER_BANDWIDTH => {
                let size = read_u32(t, payload, 5)?;
                let limit = payload.get(4).copied().map(LimitType::from_u8).ok_or(
                    MessageError::ShortPayload {
                        kind: kind_name(t),
                        type_id: t,
                        len: payload.len(),
                        need: 5,
                    },
                )?;
                Message::SetPeerBandwidth { size, limit }
            }
            type_id::AUDIO => Message::Audio(raw.payload.clone()),
            type_id::VIDEO => Message::Video(raw.payload.clone()),
            type_id::DATA_AMF0 => Message::Data {
                amf3: false,
                values: amf0::decode_all(payload, limits)?,
            },
            type_id::DATA_AMF3 => {
                let body = match payload.split_first() {
                    None => payload,
                    Some((0, body)) => body,
                    Some((&first, _)) => {
                        return Err(MessageError::NotAmf0 {
                            kind: kind_name(t),
                            type_id: t,
                            first,
                        })
                    }
                };
                Message::Data {
                    amf3: true,
                    values: amf0::decode_all(body, limits)?,
                }
            }
            type_id::COMMAND_AMF0 | type_id::COMMAND_AMF3 => {
                let amf3 = t == type_id::COMMAND_AMF3;
                Message::Command {
                    amf3,
                    command: Command::decode(payload, amf3, limits)?,
                }
            }
            other => Message::Unknown {
                type_id: other,
                payload: raw.payload.clone(),
            },
        })
    }

    /// The message type id this message is sent with.
    pub fn type_id(&self) -> u8 {
        match self {
            Message::SetChunkSize(_) => type_id::SET_CHUNK_SIZE,
            Message::Abort { .. } => type_id::ABORT,
            Message::Acknowledgement { .. } => type_id::ACKNOWLEDGEMENT,
            Message::UserControl(_) => type_id::USER_CONTROL,
            Message::WindowAckSize(_) => type_id::WINDOW_ACK_SIZE,
            Message::SetPeerBandwidth { .. } => type_id::SET_PEER_BANDWIDTH,
            Message::Audio(_) => type_id::AUDIO,
            Message::Video(_) => type_id::VIDEO,
            Message::Data { amf3: false, .. } => type_id::DATA_AMF0,
            Message::Data { amf3: true, .. } => type_id::DATA_AMF3,
            Message::Command { amf3: false, .. } => type_id::COMMAND_AMF0,
            Message::Command { amf3: true, .. } => type_id::COMMAND_AMF3,
            Message::Unknown { type_id, .. } => *type_id,
        }
    }

    /// A name for logs, e.g. "Window Acknowledgement Size".
    pub fn kind_name(&self) -> &'static str {
        kind_name(self.type_id())
    }

    /// Appends the message payload (the bytes after the chunk headers) to `out`.
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        match self {
            Message::SetChunkSize(v)
            | Message::Abort { csid: v }
            | Message::Acknowledgement { sequence: v }
            | Message::WindowAckSize(v) => out.extend_from_slice(&v.to_be_bytes()),
            Message::UserControl(event) => event.encode(out),
            Message::SetPeerBandwidth { size, limit } => {
                out.extend_from_slice(&size.to_be_bytes());
                out.push(limit.to_u8());
            }
            Message::Audio(data) | Message::Video(data) => out.extend_from_slice(data),
            Message::Data { amf3, values } => {
                if *amf3 {
                    out.push(0);
                }
                amf0::encode_all(values, out);
            }
            Message::Command { amf3, command } => {
                if *amf3 {
                    out.push(0);
                }
                command.encode(out);
            }
            Message::Unknown { payload, .. } => out.extend_from_slice(payload),
        }
    }

    /// The conventional chunk stream id for this message on message stream `stream_id`: 2 for
    /// protocol control and user control messages, 3 for commands on stream 0, 8 for commands on
    /// other streams, 4 for audio and data, 6 for video (ffmpeg's choices), 3 for anything else.
    pub fn conventional_csid(&self, stream_id: u32) -> u32 {
        match self {
            Message::SetChunkSize(_)
            | Message::Abort { .. }
            | Message::Acknowledgement { .. }
            | Message::UserControl(_)
            | Message::WindowAckSize(_)
            | Message::SetPeerBandwidth { .. } => csid::CONTROL,
            Message::Command { .. } if stream_id == 0 => csid::COMMAND,
            Message::Command { .. } => csid::STREAM_COMMAND,
            Message::Audio(_) | Message::Data { .. } => csid::AUDIO,
            Message::Video(_) => csid::VIDEO,
            Message::Unknown { .. } => csid::COMMAND,
        }
    }

    /// Encodes the payload and wraps it in a [`RawMessage`] for the chunk encoder. Audio, video
    /// and unknown payloads are moved, not copied.
    pub fn into_raw(self, csid: u32, stream_id: u32, timestamp: u32) -> RawMessage {
        let type_id = self.type_id();
        let payload = match self {
            Message::Audio(data) | Message::Video(data) => data,
            Message::Unknown { payload, .. } => payload,
            other => {
                let mut out = Vec::new();
                other.encode_payload(&mut out);
                out
            }
        };
        RawMessage {
            csid,
            timestamp,
            type_id,
            stream_id,
            payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw(type_id: u8, payload: &[u8]) -> RawMessage {
        RawMessage {
            csid: 2,
            timestamp: 0,
            type_id,
            stream_id: 0,
            payload: payload.to_vec(),
        }
    }

    fn decode(type_id: u8, payload: &[u8]) -> Result<Message, MessageError> {
        Message::decode(&raw(type_id, payload), &Limits::default())
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
            Ok(Message::Audio(vec![0xaf, 0x00]))
        );
        assert_eq!(
            decode(9, &[0x17, 0x00]),
            Ok(Message::Video(vec![0x17, 0x00]))
        );
        assert_eq!(decode(9, &[]), Ok(Message::Video(vec![])));
        for type_id in [0u8, 7, 10, 16, 19, 21, 22, 23, 255] {
            assert_eq!(
                decode(type_id, &[1, 2, 3]),
                Ok(Message::Unknown {
                    type_id,
                    payload: vec![1, 2, 3]
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
            (Message::Audio(vec![]), 8, "Audio"),
            (Message::Video(vec![]), 9, "Video"),
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
                    payload: vec![],
                },
                22,
                "Aggregate",
            ),
            (
                Message::Unknown {
                    type_id: 19,
                    payload: vec![],
                },
                19,
                "Shared Object (AMF0)",
            ),
            (
                Message::Unknown {
                    type_id: 16,
                    payload: vec![],
                },
                16,
                "Shared Object (AMF3)",
            ),
            (
                Message::Unknown {
                    type_id: 99,
                    payload: vec![],
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
    fn conventional_chunk_stream_ids() {
        assert_eq!(Message::WindowAckSize(1).conventional_csid(0), 2);
        assert_eq!(
            Message::Acknowledgement { sequence: 1 }.conventional_csid(0),
            2
        );
        assert_eq!(
            Message::UserControl(UserControl::PingResponse(1)).conventional_csid(0),
            2
        );
        assert_eq!(Message::SetChunkSize(4096).conventional_csid(0), 2);
        assert_eq!(Message::Audio(vec![]).conventional_csid(1), 4);
        assert_eq!(Message::Video(vec![]).conventional_csid(1), 6);
        let data = Message::Data {
            amf3: false,
            values: vec![],
        };
        assert_eq!(data.conventional_csid(1), 4);
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
                payload: vec![0, 0, 0x10, 0]
            }
        );
        assert_eq!(
            Message::Video(vec![0x17, 0x01]).into_raw(6, 1, 40),
            RawMessage {
                csid: 6,
                timestamp: 40,
                type_id: 9,
                stream_id: 1,
                payload: vec![0x17, 0x01]
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
            (any::<u32>(), any::<u32>()).prop_map(|(stream_id, millis)| {
                UserControl::SetBufferLength { stream_id, millis }
            }),
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
            prop::collection::vec(any::<u8>(), 0..64).prop_map(Message::Audio),
            prop::collection::vec(any::<u8>(), 0..64).prop_map(Message::Video),
            (
                prop_oneof![Just(16u8), Just(19u8), Just(22u8), 23u8..=255],
                prop::collection::vec(any::<u8>(), 0..64)
            )
                .prop_map(|(type_id, payload)| Message::Unknown { type_id, payload }),
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
            prop_assert_eq!(Message::decode(&raw, &Limits::default()), Ok(msg));
        }

        #[test]
        fn control_decoding_never_panics_and_reencodes_a_prefix(type_id in 1u8..=9, payload in prop::collection::vec(any::<u8>(), 0..12)) {
            // Whatever decodes re-encodes to a prefix of the input (trailing bytes are ignored);
            // whatever does not is a short message.
            match Message::decode(&raw(type_id, &payload), &Limits::default()) {
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
}
