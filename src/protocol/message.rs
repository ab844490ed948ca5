//! Typed RTMP messages (RTMP 1.0 specification §5.4, §6, §7).
//!
//! [`Message::decode`] turns a reassembled [`RawMessage`] into a typed value, by value: audio,
//! video and unknown payloads keep the received [`Bytes`], no copy. Message types this probe has
//! no use for (shared objects, aggregates, anything unknown) are kept raw in
//! [`Message::Unknown`], never dropped, and so is a message of which the chunk decoder kept only
//! a prefix, unless it is audio or video. [`Received`] is a message with the header fields it
//! came with; [`Outgoing`] one to send, with where it goes. Control messages shorter than their fixed layout are
//! errors; bytes after the fixed layout are ignored.

use super::amf0::{self, Amf0Error, Value};
use super::chunk::RawMessage;
use super::command::{Command, CommandError};
use super::Limits;
use bytes::Bytes;

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
    /// Type 8: the FLV audio tag body (or the prefix the decoder kept of it).
    Audio(Bytes),
    /// Type 9: the FLV video tag body (or the prefix the decoder kept of it).
    Video(Bytes),
    /// Type 18 (AMF0 data), or 15 (`amf3`: a 0x00 format byte, then AMF0 values).
    Data { amf3: bool, values: Vec<Value> },
    /// Type 20 (AMF0 command), or 17 (`amf3`: a 0x00 format byte, then AMF0 values).
    Command { amf3: bool, command: Command },
    /// Shared objects (19/16), aggregates (22) and any other type, kept raw; also any other
    /// message the decoder kept only a prefix of.
    Unknown { type_id: u8, payload: Bytes },
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
    /// Decodes the payload of `raw` according to its type id. A prefix of a longer message
    /// ([`RawMessage::is_whole`] false) cannot be parsed: unless it is audio or video, it is kept
    /// raw in [`Message::Unknown`].
    pub fn decode(raw: RawMessage, limits: &Limits) -> Result<Message, MessageError> {
        let t = raw.type_id;
        if !raw.is_whole() && t != type_id::AUDIO && t != type_id::VIDEO {
            return Ok(Message::Unknown {
                type_id: t,
                payload: raw.payload,
            });
        }
        let payload: &[u8] = &raw.payload;
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
            type_id::AUDIO => Message::Audio(raw.payload),
            type_id::VIDEO => Message::Video(raw.payload),
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
                payload: raw.payload,
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
                Bytes::from(out)
            }
        };
        RawMessage::new(csid, timestamp, type_id, stream_id, payload)
    }

    /// The payload bytes the message already holds (audio, video, unknown), which need no
    /// encoding; `None` for the others.
    pub fn raw_payload(&self) -> Option<&Bytes> {
        match self {
            Message::Audio(data) | Message::Video(data) => Some(data),
            Message::Unknown { payload, .. } => Some(payload),
            _ => None,
        }
    }
}

/// A message as it was received: the typed message and the header fields it came with.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub csid: u32,
    /// Absolute timestamp in milliseconds.
    pub timestamp: u32,
    pub stream_id: u32,
    /// The length its header announced, which is more than the payload held when the decoder kept
    /// only a prefix.
    pub length: u32,
    pub message: Message,
}

impl Received {
    /// Decodes `raw` (see [`Message::decode`]), keeping its header fields.
    pub fn decode(raw: RawMessage, limits: &Limits) -> Result<Received, MessageError> {
        let (csid, timestamp, stream_id, length) =
            (raw.csid, raw.timestamp, raw.stream_id, raw.length);
        Ok(Received {
            csid,
            timestamp,
            stream_id,
            length,
            message: Message::decode(raw, limits)?,
        })
    }
}

/// A message to send, with the chunk stream and message stream it goes on.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub csid: u32,
    pub stream_id: u32,
    /// The timestamp to send it with; `None` leaves it to the sender (the session stamps it with
    /// the milliseconds since it started).
    pub timestamp: Option<u32>,
    pub message: Message,
}

impl Outgoing {
    /// `message` on chunk stream `csid` and message stream `stream_id`, stamped by the sender.
    pub fn new(csid: u32, stream_id: u32, message: Message) -> Outgoing {
        Outgoing {
            csid,
            stream_id,
            timestamp: None,
            message,
        }
    }

    /// A protocol control or user control message (chunk stream 2, message stream 0).
    pub fn control(message: Message) -> Outgoing {
        Outgoing::new(csid::CONTROL, 0, message)
    }

    /// The same message with a timestamp of its own.
    pub fn at(self, timestamp: u32) -> Outgoing {
        Outgoing {
            timestamp: Some(timestamp),
            ..self
        }
    }
}

#[cfg(test)]
mod tests;
