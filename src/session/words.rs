//! The session's failures and notes in an operator's words: what a close at each step most
//! likely means, how a refusal is quoted, which bound ran out. Server text is quoted here, once;
//! secrets are masked by the redactor before anything reaches an output.

use super::config::SessionConfig;
use super::outcome::{Failure, FailureKind, ServerInfo, Step};
use super::record::Deadline;
use crate::protocol::chunk::ChunkError;
use crate::protocol::command::{CommandError, StatusInfo};
use crate::protocol::handshake::HandshakeProgress;
use crate::protocol::message::MessageError;
use std::io;

/// Whether an error says the probe's own machine ran out of something (descriptors, memory,
/// buffers, local ports): the probe's problem, never the server's.
pub(super) fn is_local_shortage(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM | libc::EADDRNOTAVAIL)
    )
}

/// An I/O error in an operator's words: the OS text without Rust's "(os error N)" suffix.
pub fn io_words(e: &io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
        None => "unknown socket error".to_string(),
    }
}

/// "timed out after 1s (--timeout) waiting for the reply to connect": which bound ran out, with
/// the option that sets it.
pub(super) fn timeout(deadline: &Deadline, waiting_for: &str) -> String {
    format!(
        "timed out after {} ({}) waiting for {waiting_for}",
        humantime::format_duration(deadline.limit),
        deadline.option
    )
}

/// Server text in double quotes, on one line: control characters (newlines included) become
/// spaces and a double quote inside is escaped, so that the operator sees where it starts and
/// ends. Unlike `{:?}`, it keeps every other character as the server sent it.
pub(super) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// "rejected: CODE "description"".
pub(super) fn rejected(status: &StatusInfo) -> String {
    if status.description.is_empty() {
        format!("rejected: {}", status.code)
    } else {
        format!("rejected: {} {}", status.code, quote(&status.description))
    }
}

/// The server refused `what` at `step`, with its status object if it sent one.
pub(super) fn rejection(step: Step, status: Option<StatusInfo>, what: &str) -> Failure {
    let message = match &status {
        Some(st) => rejected(st),
        None => format!("the server answered {what} with _error"),
    };
    Failure {
        step,
        kind: FailureKind::Rejected,
        message,
        status,
    }
}

/// Whether the server is known to be nginx-rtmp: the version its digest handshake signs S1 with
/// (13.14.10.13), or the fmsVer of its connect reply (`FMS/3,0,1,123`), which node-media-server
/// copies too; its S1 version 1.2.3.4 tells it apart.
pub(super) fn is_nginx_rtmp(server: &ServerInfo) -> bool {
    const NGINX_S1_VERSION: [u8; 4] = [13, 14, 10, 13];
    const NMS_S1_VERSION: [u8; 4] = [1, 2, 3, 4];
    let s1 = server.handshake.as_ref().map(|h| h.s1_version);
    s1 == Some(NGINX_S1_VERSION)
        || (server.fms_ver.as_deref() == Some("FMS/3,0,1,123") && s1 != Some(NMS_S1_VERSION))
}

/// What a close at each step most likely means, with the real servers' habits as the hint where
/// they apply.
pub(super) fn closed(step: Step, cfg: &SessionConfig, server: &ServerInfo) -> String {
    match step {
        Step::Connect => format!(
            "the server closed the connection without answering connect (nginx-rtmp does this \
             when the application {} does not exist)",
            quote(&cfg.redactor.text(&cfg.connect.app))
        ),
        Step::CreateStream => {
            "the server closed the connection without answering createStream".into()
        }
        Step::Publish if is_nginx_rtmp(server) => {
            "the server closed the connection without a status for publish (nginx-rtmp \
             does this when its on_publish callback refuses the stream key)"
                .into()
        }
        Step::Publish => "the server closed the connection without a status for publish (a \
                          server does this when it refuses the stream name or key)"
            .into(),
        Step::Play if is_nginx_rtmp(server) => {
            "the server closed the connection without a status for play (nginx-rtmp does this \
             when its on_play callback refuses the stream)"
                .into()
        }
        Step::Play => "the server closed the connection without a status for play (a server \
                       does this when it refuses the stream name or key)"
            .into(),
        Step::Verify => {
            "the server confirmed NetStream.Publish.Start, then dropped the connection \
                         (servers do this to refuse unauthorised or duplicate publishers)"
                .into()
        }
        _ => "the server closed the connection".into(),
    }
}

/// A reset at verify: the publish was confirmed and then dropped.
pub(super) fn reset_after_publish(message: &str) -> String {
    format!(
        "{message}, right after NetStream.Publish.Start (servers do this to refuse \
         unauthorised or duplicate publishers)"
    )
}

pub(super) const RESET: &str = "the connection was reset by the server";
pub(super) const CLOSED_MID_MESSAGE: &str =
    "the server closed the connection in the middle of a message";

/// A chunk-stream fault: a size limit, which the operator sets, or a broken rule.
pub(super) fn chunk_failure(e: &ChunkError) -> (FailureKind, String) {
    match e {
        ChunkError::MessageTooLarge { csid, len, max, .. } => (
            FailureKind::MessageTooLarge,
            format!(
                "the server announced a message of {len} bytes on chunk stream {csid}, more than \
                 --max-message-size ({max} bytes)"
            ),
        ),
        ChunkError::BufferLimitExceeded { buffered, max } => (
            FailureKind::MessageTooLarge,
            format!(
                "the server's partly sent messages would hold {buffered} bytes, more than \
                 --max-message-size ({max} bytes)"
            ),
        ),
        other => (
            FailureKind::ProtocolViolation,
            format!("protocol violation: {other}"),
        ),
    }
}

/// A message body that does not decode, without the layers' nested prefixes.
pub(super) fn malformed(e: &MessageError) -> String {
    match e {
        MessageError::Command(CommandError::Amf0(a)) => {
            format!("malformed reply: invalid AMF0 in a command ({a})")
        }
        other => format!("malformed reply: {other}"),
    }
}

/// What the handshake waits for, in words: "the server's S0", "the rest of S1 (19 of 1536 bytes
/// received)".
pub(super) fn awaiting(progress: HandshakeProgress) -> String {
    match progress {
        HandshakeProgress::Awaiting { part, received: 0 } => format!("the server's {part}"),
        HandshakeProgress::Awaiting { part, received } => format!(
            "the rest of {part} ({received} of {} bytes received)",
            part.len()
        ),
        HandshakeProgress::Complete | HandshakeProgress::Failed(_) => "the handshake".into(),
    }
}

pub(super) const S2_NOTE: &str = "the server's S2 neither echoes our C1 nor carries a valid \
                                  digest (clients such as ffmpeg go on regardless)";

/// The note on media and data a publisher was sent and skipped (a player: the message types
/// it does not read, shared objects and unknown types).
pub(super) fn skipped(player: bool, messages: u64, bytes: u64) -> String {
    let s = if messages == 1 { "" } else { "s" };
    if player {
        format!(
            "the server sent {messages} message{s} of a type a player does not read (shared \
             objects, unknown types: {bytes} bytes); they were skipped unread"
        )
    } else {
        format!(
            "the server sent {messages} media or data message{s} ({bytes} bytes) to a publishing \
             client; they were skipped unread"
        )
    }
}

/// The note on chunk streams the server opened with a fmt 1 header.
pub(super) fn opened_without_stream_id(csids: &[u32]) -> String {
    let list: Vec<String> = csids.iter().map(u32::to_string).collect();
    format!(
        "the server opened chunk stream{} {} with a type-1 header, which has no message stream \
         id; read as message stream 0, as ffmpeg and OBS do",
        if csids.len() == 1 { "" } else { "s" },
        list.join(", ")
    )
}

/// The note on malformed messages of no use to the client, passed over as ffmpeg does.
pub(super) fn passed_over(count: u64, first: &str) -> String {
    format!(
        "the server sent {count} malformed message{} the probe has no use for, passed over as \
         ffmpeg does (the first: {first})",
        if count == 1 { "" } else { "s" }
    )
}

/// The note on an advisory request the server refused.
pub(super) fn advisory_refused(what: &str, status: Option<&StatusInfo>) -> String {
    format!(
        "the server answered {what} with _error{} (not fatal: it is advisory)",
        status.map(|st| format!(" {}", st.code)).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests;
