//! Command messages (types 20 and 17): a name, a transaction id, a command object and arguments.
//!
//! [`Command`] is the typed form of `["name", transaction id, command object, args...]`. The
//! builders ([`Command::connect`], [`Command::publish`], ...) give the commands the probe sends,
//! laid out like ffmpeg's; [`Command::status`] reads the `{level, code, description}` object of a
//! server's `_result`, `_error` or `onStatus`.

use std::fmt;

use super::amf0::{self, Amf0Error, Property, Value};
use super::Limits;

use super::vocab::name::*;
use super::vocab::status;

/// Why a command message body could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommandError {
    #[error("command message is empty")]
    Empty,
    /// A type-17 body whose format byte is not 0x00 (so real AMF3 follows).
    #[error("AMF3-encoded command body (first byte 0x{first_byte:02x}) is not supported")]
    Amf3Body { first_byte: u8 },
    #[error("command name is not a string (found {found})")]
    NameNotString { found: &'static str },
    #[error("transaction id of command {name:?} is not a number (found {found})")]
    TransactionIdNotNumber { name: String, found: &'static str },
    #[error("command body: {0}")]
    Amf0(#[from] Amf0Error),
}

/// A decoded command: `["name", transaction id, command object, args...]`.
///
/// The command object is always present here: a body that stops after the transaction id (as
/// FCS 1.5-era clients send `createStream`) decodes with a [`Value::Null`] command object, so
/// [`Command::encode`] of that command writes one 0x05 byte more than was received.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub name: String,
    pub transaction_id: f64,
    /// The command object (often Null).
    pub command_object: Value,
    pub arguments: Vec<Value>,
}

impl Command {
    /// A command from its parts.
    pub fn new(
        name: impl Into<String>,
        transaction_id: f64,
        command_object: Value,
        arguments: Vec<Value>,
    ) -> Command {
        Command {
            name: name.into(),
            transaction_id,
            command_object,
            arguments,
        }
    }

    /// Decodes a command body. `amf3` is true for message type 17, whose body starts with a 0x00
    /// format byte before AMF0 values.
    ///
    /// The name must be a string (or long string); a missing transaction id reads as 0.0, a
    /// missing command object as Null; every later value is an argument.
    pub fn decode(payload: &[u8], amf3: bool, limits: &Limits) -> Result<Command, CommandError> {
        let body = if amf3 {
            match payload.split_first() {
                None => return Err(CommandError::Empty),
                Some((0x00, rest)) => rest,
                Some((&first_byte, _)) => return Err(CommandError::Amf3Body { first_byte }),
            }
        } else {
            payload
        };
        let mut values = amf0::decode_all(body, limits)?.into_iter();
        let name = match values.next() {
            None => return Err(CommandError::Empty),
            Some(Value::String(s) | Value::LongString(s)) => s,
            Some(other) => {
                return Err(CommandError::NameNotString {
                    found: other.type_name(),
                })
            }
        };
        let transaction_id = match values.next() {
            None => 0.0,
            Some(Value::Number(n)) => n,
            Some(other) => {
                return Err(CommandError::TransactionIdNotNumber {
                    name,
                    found: other.type_name(),
                })
            }
        };
        let command_object = values.next().unwrap_or(Value::Null);
        Ok(Command {
            name,
            transaction_id,
            command_object,
            arguments: values.collect(),
        })
    }

    /// Appends the AMF0 encoding (type 20 body) to `out`: name, transaction id, command object,
    /// arguments.
    pub fn encode(&self, out: &mut Vec<u8>) {
        amf0::encode_value(&Value::String(self.name.clone()), out);
        amf0::encode_value(&Value::Number(self.transaction_id), out);
        amf0::encode_value(&self.command_object, out);
        amf0::encode_all(&self.arguments, out);
    }

    /// The encoding as a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// `connect` with `properties` as its command object (see [`ConnectProperties`]).
    pub fn connect(transaction_id: f64, properties: Vec<Property>) -> Command {
        Command::new(CONNECT, transaction_id, Value::Object(properties), vec![])
    }

    /// `releaseStream(null, name)`.
    pub fn release_stream(transaction_id: f64, name: &str) -> Command {
        Command::with_null(RELEASE_STREAM, transaction_id, vec![name.into()])
    }

    /// `FCPublish(null, name)`.
    pub fn fc_publish(transaction_id: f64, name: &str) -> Command {
        Command::with_null(FC_PUBLISH, transaction_id, vec![name.into()])
    }

    /// `FCUnpublish(null, name)`.
    pub fn fc_unpublish(transaction_id: f64, name: &str) -> Command {
        Command::with_null(FC_UNPUBLISH, transaction_id, vec![name.into()])
    }

    /// `createStream(null)`.
    pub fn create_stream(transaction_id: f64) -> Command {
        Command::with_null(CREATE_STREAM, transaction_id, vec![])
    }

    /// `publish(null, name, publish_type)`; the type is "live", "record" or "append".
    pub fn publish(transaction_id: f64, name: &str, publish_type: &str) -> Command {
        Command::with_null(
            PUBLISH,
            transaction_id,
            vec![name.into(), publish_type.into()],
        )
    }

    /// `play(null, name)`.
    pub fn play(transaction_id: f64, name: &str) -> Command {
        Command::with_null(PLAY, transaction_id, vec![name.into()])
    }

    /// `play(null, name, start)`: `start` as ffmpeg sends it, -1000 for a live stream only,
    /// -2000 for live or recorded, 0 and up for a recorded stream from that position.
    pub fn play_from(transaction_id: f64, name: &str, start: f64) -> Command {
        Command::with_null(PLAY, transaction_id, vec![name.into(), start.into()])
    }

    /// `deleteStream(null, stream_id)`.
    pub fn delete_stream(transaction_id: f64, stream_id: f64) -> Command {
        Command::with_null(DELETE_STREAM, transaction_id, vec![stream_id.into()])
    }

    /// `closeStream(null)` with transaction id 0.
    pub fn close_stream() -> Command {
        Command::with_null(CLOSE_STREAM, 0.0, vec![])
    }

    fn with_null(name: &str, transaction_id: f64, arguments: Vec<Value>) -> Command {
        Command::new(name, transaction_id, Value::Null, arguments)
    }

    /// The name is `_result`.
    pub fn is_result(&self) -> bool {
        self.name == RESULT
    }

    /// The name is `_error`.
    pub fn is_error(&self) -> bool {
        self.name == ERROR
    }

    /// The status information of a reply: the first object (object, ECMA array or typed object)
    /// among the command object and the arguments that has a `code` property.
    pub fn status(&self) -> Option<StatusInfo> {
        std::iter::once(&self.command_object)
            .chain(&self.arguments)
            .find(|v| v.properties().is_some() && v.get("code").is_some())
            .map(StatusInfo::from_value)
    }

    /// The command as its list of values: name, transaction id, command object, arguments.
    pub fn to_values(&self) -> Vec<Value> {
        let mut values = vec![
            Value::String(self.name.clone()),
            Value::Number(self.transaction_id),
            self.command_object.clone(),
        ];
        values.extend(self.arguments.iter().cloned());
        values
    }
}

/// `["name", 1.0, {..}, ...]`, using [`Value`]'s compact rendering.
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{:?}, {:?}, {}",
            self.name, self.transaction_id, self.command_object
        )?;
        for argument in &self.arguments {
            write!(f, ", {argument}")?;
        }
        f.write_str("]")
    }
}

/// The `{level, code, description}` object of `_result`, `_error` and `onStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusInfo {
    /// "status", "warning" or "error".
    pub level: String,
    /// E.g. "NetStream.Publish.Start".
    pub code: String,
    pub description: String,
}

impl StatusInfo {
    /// Reads the three properties of an object. A missing property gives an empty string; a
    /// property that is not a string gives its compact rendering (e.g. `1.0`).
    pub fn from_value(value: &Value) -> StatusInfo {
        let text = |key: &str| match value.get(key) {
            None => String::new(),
            Some(v) => match v.as_str() {
                Some(s) => s.to_owned(),
                None => v.to_string(),
            },
        };
        StatusInfo {
            level: text("level"),
            code: text("code"),
            description: text("description"),
        }
    }

    /// The level is "error".
    pub fn is_error(&self) -> bool {
        self.level == status::LEVEL_ERROR
    }
}

/// The values of the data message (type 18) that sets a stream's metadata:
/// `["@setDataFrame", "onMetaData", EcmaArray(metadata)]`, the ECMA array's count being the number
/// of properties.
pub fn data_set_frame(metadata: Vec<Property>) -> Vec<Value> {
    vec![
        SET_DATA_FRAME.into(),
        ON_METADATA.into(),
        Value::ecma_array(metadata),
    ]
}

/// The connect command object the probe sends.
///
/// [`ConnectProperties::to_properties`] lists, in this order: `app`, `type`, `flashVer`, `tcUrl`,
/// `swfUrl` (only if set), `pageUrl` (only if set), `fpad`, `capabilities`, `audioCodecs`,
/// `videoCodecs`, `videoFunction`, `objectEncoding`, then the `extra` properties.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectProperties {
    /// The application name (the first path segment of the URL, or more).
    pub app: String,
    /// The `type` property; "nonprivate" as FMLE and ffmpeg send for a publisher. Left out when
    /// empty, as ffmpeg leaves it out for a player.
    pub connection_type: String,
    /// `flashVer`: the client's version string.
    pub flash_ver: String,
    /// `tcUrl`: the URL of the application, e.g. `rtmp://host:1935/live`.
    pub tc_url: String,
    /// `swfUrl`, left out when None.
    pub swf_url: Option<String>,
    /// `pageUrl`, left out when None.
    pub page_url: Option<String>,
    /// `fpad`: whether a proxy is used.
    pub fpad: bool,
    pub capabilities: f64,
    /// Bit set of the audio codecs the client supports.
    pub audio_codecs: f64,
    /// Bit set of the video codecs the client supports.
    pub video_codecs: f64,
    pub video_function: f64,
    /// 0 for AMF0.
    pub object_encoding: f64,
    /// More properties, after the ones above. One whose name equals a property above replaces
    /// that property's value in place instead of being added a second time.
    pub extra: Vec<Property>,
}

impl ConnectProperties {
    /// The default flashVer: FMLE's prefix, which servers treat as a publisher.
    pub const DEFAULT_FLASH_VER: &'static str = "FMLE/3.0 (compatible; rtmp-probe)";
    /// The flashVer of a player: Flash Player 9 on Linux, what ffmpeg and librtmp send when they
    /// play.
    pub const PLAYER_FLASH_VER: &'static str = "LNX 9,0,124,2";

    /// Defaults for `app` and `tc_url`: type "nonprivate", flashVer
    /// [`Self::DEFAULT_FLASH_VER`], no swfUrl or pageUrl, fpad false, capabilities 15,
    /// audioCodecs 3191, videoCodecs 252, videoFunction 1, objectEncoding 0, no extra.
    pub fn new(app: impl Into<String>, tc_url: impl Into<String>) -> ConnectProperties {
        ConnectProperties {
            app: app.into(),
            connection_type: "nonprivate".to_owned(),
            flash_ver: Self::DEFAULT_FLASH_VER.to_owned(),
            tc_url: tc_url.into(),
            swf_url: None,
            page_url: None,
            fpad: false,
            capabilities: 15.0,
            audio_codecs: 3191.0,
            video_codecs: 252.0,
            video_function: 1.0,
            object_encoding: 0.0,
            extra: Vec::new(),
        }
    }

    /// The command object's properties, in the order documented on the type.
    pub fn to_properties(&self) -> Vec<Property> {
        let mut properties: Vec<Property> = vec![("app".to_owned(), self.app.as_str().into())];
        if !self.connection_type.is_empty() {
            properties.push(("type".to_owned(), self.connection_type.as_str().into()));
        }
        properties.extend([
            ("flashVer".to_owned(), self.flash_ver.as_str().into()),
            ("tcUrl".to_owned(), self.tc_url.as_str().into()),
        ]);
        if let Some(swf_url) = &self.swf_url {
            properties.push(("swfUrl".to_owned(), swf_url.as_str().into()));
        }
        if let Some(page_url) = &self.page_url {
            properties.push(("pageUrl".to_owned(), page_url.as_str().into()));
        }
        properties.extend([
            ("fpad".to_owned(), self.fpad.into()),
            ("capabilities".to_owned(), self.capabilities.into()),
            ("audioCodecs".to_owned(), self.audio_codecs.into()),
            ("videoCodecs".to_owned(), self.video_codecs.into()),
            ("videoFunction".to_owned(), self.video_function.into()),
            ("objectEncoding".to_owned(), self.object_encoding.into()),
        ]);
        for (name, value) in &self.extra {
            match properties.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = value.clone(),
                None => properties.push((name.clone(), value.clone())),
            }
        }
        properties
    }
}

#[cfg(test)]
mod tests;
