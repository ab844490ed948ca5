//! The RTMP protocol, sans-IO.
//!
//! Nothing in this module touches a socket, a clock or a source of randomness: callers pass bytes,
//! times and random bytes in, and get typed values and bytes out. The layers, bottom to top:
//!
//! ```text
//! handshake   C0/C1/C2 against S0/S1/S2 (plain and Flash Player 9 digest)        handshake.rs
//! chunk       chunk stream framing: bytes <-> RawMessage (RTMP 1.0 §5.3)        chunk/
//! message     RawMessage <-> typed Message (control, user control, command, ...) message.rs
//! amf0        the values carried by command and data messages                    amf0/
//! command     typed commands: connect, createStream, publish, _result, onStatus  command.rs
//! client      NetConnection/NetStream transactions: commands out, typed replies  client.rs
//! conn        connection bookkeeping: acknowledgement window, ping -> pong       conn.rs
//! enhanced    Enhanced RTMP codecs a server advertises in connect's reply        enhanced.rs
//! ```
//!
//! The numbers and names every layer uses (message type ids, chunk stream ids, user control
//! events, command names, status codes) are defined once, in `vocab.rs`.
//!
//! Everything the server sends is untrusted: decoders never panic, never allocate in proportion to a
//! length field before the bytes are there, and bound what they buffer (see [`Limits`]).

// Nothing pub for nothing in this layer: what is pub is the library's API.
#![warn(unreachable_pub)]

pub mod amf0;
pub mod auth;
pub mod chunk;
pub mod client;
pub mod command;
pub mod conn;
pub mod enhanced;
pub mod handshake;
pub mod limits;
pub mod message;
pub mod vocab;

pub use limits::Limits;
