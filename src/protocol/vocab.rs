//! The protocol's vocabulary, defined once: message type ids, the chunk stream ids the probe sends
//! on, user control event types, command names and status codes. Every layer (chunk, message,
//! command, client) and the session take them from here.

/// Message type ids (RTMP 1.0 §5.4, §7.1).
pub mod type_id {
    pub const SET_CHUNK_SIZE: u8 = 1;
    pub const ABORT: u8 = 2;
    pub const ACKNOWLEDGEMENT: u8 = 3;
    pub const USER_CONTROL: u8 = 4;
    pub const WINDOW_ACK_SIZE: u8 = 5;
    pub const SET_PEER_BANDWIDTH: u8 = 6;
    pub const AUDIO: u8 = 8;
    pub const VIDEO: u8 = 9;
    pub const DATA_AMF3: u8 = 15;
    pub const SHARED_OBJECT_AMF3: u8 = 16;
    pub const COMMAND_AMF3: u8 = 17;
    pub const DATA_AMF0: u8 = 18;
    pub const SHARED_OBJECT_AMF0: u8 = 19;
    pub const COMMAND_AMF0: u8 = 20;
    pub const AGGREGATE: u8 = 22;
}

/// The chunk stream ids the probe sends on, ffmpeg's choices (any 2..=65599 is allowed; what a
/// server sends on is its own business).
pub mod csid {
    /// Protocol control and user control messages (§5.4: chunk stream 2).
    pub const CONTROL: u32 = 2;
    /// Commands on message stream 0 (connect, createStream, ...).
    pub const COMMAND: u32 = 3;
    /// Audio and data messages.
    pub const AUDIO: u32 = 4;
    /// Video messages.
    pub const VIDEO: u32 = 6;
    /// Commands on a message stream other than 0 (publish, play, closeStream).
    pub const STREAM_COMMAND: u32 = 8;
}

/// User control event types (§7.1.7).
pub mod event {
    pub const STREAM_BEGIN: u16 = 0;
    pub const STREAM_EOF: u16 = 1;
    pub const STREAM_DRY: u16 = 2;
    pub const SET_BUFFER_LENGTH: u16 = 3;
    pub const STREAM_IS_RECORDED: u16 = 4;
    pub const PING_REQUEST: u16 = 6;
    pub const PING_RESPONSE: u16 = 7;
}

/// Command names (§7.2) and the names FMLE, ffmpeg and FMS added.
pub mod name {
    /// `connect`: opens the application (client → server).
    pub const CONNECT: &str = "connect";
    /// `createStream`: asks for a message stream id (client → server).
    pub const CREATE_STREAM: &str = "createStream";
    /// `releaseStream`: FMLE/ffmpeg's pre-publish cleanup of a stream name (client → server).
    pub const RELEASE_STREAM: &str = "releaseStream";
    /// `FCPublish`: FMLE/ffmpeg's pre-publish announcement (client → server).
    pub const FC_PUBLISH: &str = "FCPublish";
    /// `FCUnpublish`: FMLE/ffmpeg's end-of-publish announcement (client → server).
    pub const FC_UNPUBLISH: &str = "FCUnpublish";
    /// `publish` (client → server, on the message stream).
    pub const PUBLISH: &str = "publish";
    /// `play` (client → server, on the message stream).
    pub const PLAY: &str = "play";
    /// `deleteStream` (client → server).
    pub const DELETE_STREAM: &str = "deleteStream";
    /// `closeStream` (client → server, on the message stream).
    pub const CLOSE_STREAM: &str = "closeStream";
    /// `_result`: the success reply to a command with a transaction id.
    pub const RESULT: &str = "_result";
    /// `_error`: the failure reply to a command with a transaction id.
    pub const ERROR: &str = "_error";
    /// `onStatus`: a status event, normally on a message stream.
    pub const ON_STATUS: &str = "onStatus";
    /// `@setDataFrame`: the first value of a data message that stores metadata on the server.
    pub const SET_DATA_FRAME: &str = "@setDataFrame";
    /// `onMetaData`: the name of a stream's metadata.
    pub const ON_METADATA: &str = "onMetaData";
}

/// Status codes and levels of `_result`, `_error` and `onStatus` info objects.
pub mod status {
    pub const LEVEL_ERROR: &str = "error";
    pub const PUBLISH_START: &str = "NetStream.Publish.Start";
    pub const UNPUBLISH_SUCCESS: &str = "NetStream.Unpublish.Success";
    /// A player's stream has started (the reply to `play`).
    pub const PLAY_START: &str = "NetStream.Play.Start";
    /// Sent by FMS and Wowza before `Play.Start`: the playlist was reset.
    pub const PLAY_RESET: &str = "NetStream.Play.Reset";
    /// The stream stopped (nginx-rtmp sends it to a player whose stream ended, FMS at the end of
    /// a recorded stream).
    pub const PLAY_STOP: &str = "NetStream.Play.Stop";
    /// The publisher of a live stream went away (nginx-rtmp with `publish_notify on`, FMS, Wowza).
    pub const PLAY_UNPUBLISH_NOTIFY: &str = "NetStream.Play.UnpublishNotify";
    /// A publisher started on a stream a player waits for.
    pub const PLAY_PUBLISH_NOTIFY: &str = "NetStream.Play.PublishNotify";
}
