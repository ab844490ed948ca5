//! Logging of what crosses the wire: one line per message at debug level, and hex dumps of every
//! read and write at trace level under the target `rtmp_probe::wire` (`--trace`). Secrets are
//! masked in both, unless `--show-secrets` was given.

use crate::protocol::message::Message;
use crate::redact::Redactor;
use std::fmt::Write;

/// The tracing target of the packet trace.
pub const TARGET: &str = "rtmp_probe::wire";

/// Logs a one-line description of a message.
pub(crate) fn message(
    direction: &str,
    csid: u32,
    stream_id: u32,
    message: &Message,
    redactor: &Redactor,
) {
    if tracing::enabled!(tracing::Level::DEBUG) {
        let text = crate::sanitize::bounded(
            &redactor.text(&describe(message)),
            crate::sanitize::MAX_LOG_LINE,
        );
        tracing::debug!("{direction} csid={csid} msid={stream_id} {text}");
    }
}

/// What a message says, for logs.
pub(crate) fn describe(message: &Message) -> String {
    match message {
        Message::Command { command, .. } => {
            let mut s = format!("{}({}", command.name, command.transaction_id);
            let _ = write!(s, ", {}", command.command_object);
            for a in &command.arguments {
                let _ = write!(s, ", {a}");
            }
            s.push(')');
            s
        }
        Message::Data { values, .. } => {
            let parts: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            format!("data [{}]", parts.join(", "))
        }
        Message::Audio(b) => format!("audio {} bytes", b.len()),
        Message::Video(b) => format!("video {} bytes", b.len()),
        other => format!("{other:?}"),
    }
}

/// Whether the packet trace is on.
pub(crate) fn tracing() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::TRACE)
}

/// Logs a hex dump of raw bytes, the way the Perl client's log shows packets, with secrets masked.
pub(crate) fn dump(direction: &str, bytes: &[u8], redactor: &Redactor) {
    if tracing() {
        dump_masked(direction, &redactor.bytes(bytes));
    }
}

/// Logs a hex dump of bytes whose secrets were masked already.
pub(crate) fn dump_masked(direction: &str, shown: &[u8]) {
    if tracing() {
        tracing::trace!(target: TARGET, "{direction} {} bytes\n{}", shown.len(), hexdump(shown));
    }
}

/// `  0x0000 : 03 00 ... : ascii` lines, 16 bytes each.
pub(crate) fn hexdump(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, row) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "  0x{:04X} : ", i * 16);
        for b in row {
            let _ = write!(out, "{b:02X} ");
        }
        for _ in row.len()..16 {
            out.push_str("   ");
        }
        out.push_str(": ");
        for &b in row {
            out.push(if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hexdump_rows_match_the_perl_clients_layout() {
        let d = hexdump(b"\x03\x00\x00\x00\x00\x00\x18\x14\x00\x00\x00\x00\x02\x00\x0Cc\x72");
        assert_eq!(
            d,
            "  0x0000 : 03 00 00 00 00 00 18 14 00 00 00 00 02 00 0C 63 : ...............c\n  0x0010 : 72                                              : r\n"
        );
    }
}
