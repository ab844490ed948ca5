//! The client side of NetConnection and NetStream (RTMP 1.0 §7.2), sans-IO.
//!
//! [`Client`] builds the commands a client sends, each as an [`Outgoing`] message on the chunk
//! stream and message stream ffmpeg uses, and gives every command that expects a reply the next
//! transaction id (1, 2, 3... as ffmpeg and librtmp count). It remembers what is pending, and
//! [`Client::on_command`] turns each command the server sends into a typed [`Reply`]: the reply to
//! which request, accepted or refused, with the status object it carried. What the session does
//! with a reply (wait on, fail, note) is the scenario's business, not this module's.
//!
//! Replies are matched by transaction id only, as ffmpeg does: servers send `_result` and
//! `_error` on whatever chunk stream and message stream they like (nginx-rtmp answers
//! createStream on message stream 0, publish's `onStatus` comes on the new stream with
//! transaction id 0). An `onStatus` is tied to the publish or play pending on its message stream,
//! if there is one. FMLE's advisory requests (`releaseStream`, `FCPublish`, `FCUnpublish`) are
//! often left unanswered (nginx-rtmp answers none of them): [`Client::pending`] lists what never
//! got a reply.

use super::amf0::{Property, Value};
use super::command::{data_set_frame, Command, StatusInfo};
use super::message::{Message, Outgoing, UserControl};
use super::vocab::{csid, name};

/// A command sent that has, or may get, a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Connect,
    /// Advisory: FMLE's cleanup of a stream name before publishing it.
    ReleaseStream,
    /// Advisory: FMLE's announcement of a publish.
    FcPublish,
    CreateStream,
    Publish {
        stream_id: u32,
    },
    Play {
        stream_id: u32,
    },
    /// Advisory: FMLE's announcement of the end of a publish.
    FcUnpublish,
    DeleteStream {
        stream_id: u32,
    },
}

impl Request {
    /// The command's name on the wire.
    pub fn command_name(self) -> &'static str {
        match self {
            Request::Connect => name::CONNECT,
            Request::ReleaseStream => name::RELEASE_STREAM,
            Request::FcPublish => name::FC_PUBLISH,
            Request::CreateStream => name::CREATE_STREAM,
            Request::Publish { .. } => name::PUBLISH,
            Request::Play { .. } => name::PLAY,
            Request::FcUnpublish => name::FC_UNPUBLISH,
            Request::DeleteStream { .. } => name::DELETE_STREAM,
        }
    }

    /// Whether servers may leave it unanswered or refuse it without harm (FMLE's additions,
    /// which ffmpeg and OBS send and never wait for).
    pub fn is_advisory(self) -> bool {
        matches!(
            self,
            Request::ReleaseStream | Request::FcPublish | Request::FcUnpublish
        )
    }
}

/// What a command from the server means for the requests pending.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `_result` to connect, without an error-level status: the command object (`fmsVer`,
    /// `capabilities`...).
    Connected { properties: Value },
    /// `_error` to a pending request, or connect's `_result` with an error-level status.
    Refused(Request),
    /// `_result` to createStream with a usable message stream id.
    StreamCreated { stream_id: u32 },
    /// `_result` to createStream without a usable message stream id (none, not a number, out of
    /// range).
    NoStreamId,
    /// `_result` to another pending request.
    Answered(Request),
    /// `onStatus` on message stream `stream_id`; `request` is the publish or play pending there.
    Status {
        stream_id: u32,
        request: Option<Request>,
    },
    /// A reply to nothing pending, or a command the client has no use for (`onBWDone`,
    /// `_checkbw`, `onFCPublish`...).
    Other,
}

/// One command from the server, read against what is pending.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The command's name as sent (`_result`, `_error`, `onStatus`...).
    pub name: String,
    pub transaction_id: f64,
    /// Its `{level, code, description}` object, when it carried one.
    pub status: Option<StatusInfo>,
    pub event: Event,
}

impl Reply {
    /// The status, when it is of level "error".
    pub fn error_status(&self) -> Option<&StatusInfo> {
        self.status.as_ref().filter(|s| s.is_error())
    }

    /// Whether the status carries `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.status.as_ref().is_some_and(|s| s.code == code)
    }
}

/// Transaction ids and the requests waiting for replies.
#[derive(Debug, Clone)]
pub struct Client {
    next_transaction: f64,
    pending: Vec<(f64, Request)>,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// A client that has sent nothing: the first transaction id is 1.
    pub fn new() -> Client {
        Client {
            next_transaction: 1.0,
            pending: Vec::new(),
        }
    }

    /// `connect` with `properties` as its command object, on chunk stream 3.
    pub fn connect(&mut self, properties: Vec<Property>) -> Outgoing {
        let tx = self.expect(Request::Connect);
        command(csid::COMMAND, 0, Command::connect(tx, properties))
    }

    /// `releaseStream(null, name)`, advisory.
    pub fn release_stream(&mut self, stream: &str) -> Outgoing {
        let tx = self.expect(Request::ReleaseStream);
        command(csid::COMMAND, 0, Command::release_stream(tx, stream))
    }

    /// `FCPublish(null, name)`, advisory.
    pub fn fc_publish(&mut self, stream: &str) -> Outgoing {
        let tx = self.expect(Request::FcPublish);
        command(csid::COMMAND, 0, Command::fc_publish(tx, stream))
    }

    /// `createStream(null)`.
    pub fn create_stream(&mut self) -> Outgoing {
        let tx = self.expect(Request::CreateStream);
        command(csid::COMMAND, 0, Command::create_stream(tx))
    }

    /// `publish(null, name, kind)` on message stream `stream_id`; `kind` is "live", "record" or
    /// "append".
    pub fn publish(&mut self, stream_id: u32, stream: &str, kind: &str) -> Outgoing {
        let tx = self.expect(Request::Publish { stream_id });
        let publish = Command::publish(tx, stream, kind);
        command(csid::STREAM_COMMAND, stream_id, publish)
    }

    /// `play(null, name)` on message stream `stream_id`.
    pub fn play(&mut self, stream_id: u32, stream: &str) -> Outgoing {
        let tx = self.expect(Request::Play { stream_id });
        command(csid::STREAM_COMMAND, stream_id, Command::play(tx, stream))
    }

    /// `play(null, name, start)` on message stream `stream_id` (see [`Command::play_from`]).
    pub fn play_from(&mut self, stream_id: u32, stream: &str, start: f64) -> Outgoing {
        let tx = self.expect(Request::Play { stream_id });
        let play = Command::play_from(tx, stream, start);
        command(csid::STREAM_COMMAND, stream_id, play)
    }

    /// The User Control Set Buffer Length a player sends for `stream_id` (chunk stream 2,
    /// message stream 0): how many milliseconds it buffers.
    pub fn set_buffer_length(&self, stream_id: u32, millis: u32) -> Outgoing {
        Outgoing::control(Message::UserControl(UserControl::SetBufferLength {
            stream_id,
            millis,
        }))
    }

    /// `FCUnpublish(null, name)`, advisory.
    pub fn fc_unpublish(&mut self, stream: &str) -> Outgoing {
        let tx = self.expect(Request::FcUnpublish);
        command(csid::COMMAND, 0, Command::fc_unpublish(tx, stream))
    }

    /// `closeStream(null)` on message stream `stream_id`; it has no reply (transaction id 0).
    pub fn close_stream(&mut self, stream_id: u32) -> Outgoing {
        command(csid::STREAM_COMMAND, stream_id, Command::close_stream())
    }

    /// `deleteStream(null, stream_id)`, on message stream 0.
    pub fn delete_stream(&mut self, stream_id: u32) -> Outgoing {
        let tx = self.expect(Request::DeleteStream { stream_id });
        let delete = Command::delete_stream(tx, f64::from(stream_id));
        command(csid::COMMAND, 0, delete)
    }

    /// The data message encoders send right after `NetStream.Publish.Start`:
    /// `@setDataFrame("onMetaData", metadata)` on message stream `stream_id`, chunk stream 4,
    /// timestamp 0 (the stream's start), as ffmpeg sends it.
    pub fn set_data_frame(&self, stream_id: u32, metadata: Vec<Property>) -> Outgoing {
        let data = Message::Data {
            amf3: false,
            values: data_set_frame(metadata),
        };
        Outgoing::new(csid::AUDIO, stream_id, data).at(0)
    }

    /// Reads a command the server sent on message stream `stream_id` against what is pending;
    /// a `_result` or `_error` settles its request.
    pub fn on_command(&mut self, stream_id: u32, command: Command) -> Reply {
        let status = command.status();
        let Command {
            name,
            transaction_id,
            command_object,
            arguments,
        } = command;
        let event = match name.as_str() {
            name::RESULT | name::ERROR => match self.settle(transaction_id) {
                None => Event::Other,
                Some(request) if name == name::ERROR => Event::Refused(request),
                Some(Request::Connect) if status.as_ref().is_some_and(|s| s.is_error()) => {
                    Event::Refused(Request::Connect)
                }
                Some(Request::Connect) => Event::Connected {
                    properties: command_object,
                },
                Some(Request::CreateStream) => match arguments.first().and_then(Value::as_f64) {
                    Some(id) if id.is_finite() && (0.0..=f64::from(u32::MAX)).contains(&id) => {
                        // A fraction is dropped, as ffmpeg's integer conversion does.
                        Event::StreamCreated {
                            stream_id: id as u32,
                        }
                    }
                    _ => Event::NoStreamId,
                },
                Some(request) => Event::Answered(request),
            },
            name::ON_STATUS => Event::Status {
                stream_id,
                request: self.pending_on(stream_id),
            },
            _ => Event::Other,
        };
        Reply {
            name,
            transaction_id,
            status,
            event,
        }
    }

    /// The requests still waiting for a reply, oldest first.
    pub fn pending(&self) -> impl Iterator<Item = Request> + '_ {
        self.pending.iter().map(|&(_, request)| request)
    }

    /// The next transaction id, now pending for `request`.
    fn expect(&mut self, request: Request) -> f64 {
        let tx = self.next_transaction;
        self.next_transaction += 1.0;
        self.pending.push((tx, request));
        tx
    }

    /// Takes the request pending under `transaction_id` (a NaN id matches nothing).
    fn settle(&mut self, transaction_id: f64) -> Option<Request> {
        let i = self
            .pending
            .iter()
            .position(|&(tx, _)| tx == transaction_id)?;
        Some(self.pending.remove(i).1)
    }

    /// The publish or play pending on message stream `stream_id`.
    fn pending_on(&self, stream_id: u32) -> Option<Request> {
        self.pending().find(|r| {
            matches!(r, Request::Publish { stream_id: s } | Request::Play { stream_id: s }
                if *s == stream_id)
        })
    }
}

fn command(csid: u32, stream_id: u32, command: Command) -> Outgoing {
    Outgoing::new(
        csid,
        stream_id,
        Message::Command {
            amf3: false,
            command,
        },
    )
}

#[cfg(test)]
mod tests;
