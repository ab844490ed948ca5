//! Server text is data, not output. Everything a server sent that reaches a report (status codes,
//! levels, descriptions, fmsVer, command names) passes through here once, when the report is
//! built, and so does every log line that shows what a server sent (`session::wire`), so that no
//! renderer and no terminal ever sees a control character or an unbounded string.
//!
//! - Control characters become a space: C0 (newlines, ESC and the rest), DEL, C1, the Unicode line
//!   and paragraph separators, and the bidirectional overrides and isolates that reorder what an
//!   operator reads. A server cannot start a second line, move the cursor, clear a screen or
//!   disguise a code. Every other character is kept as sent (no debug escaping).
//! - Length is bounded by characters, with a note of how much was cut: a 60 KB description must
//!   not make a 60 KB Nagios line that pushes the perfdata out of what Nagios keeps.

/// Most characters kept of a server's free text (a description).
pub const MAX_TEXT: usize = 512;
/// Most characters kept of a server's short fields (a code, a level, fmsVer, a command name).
pub const MAX_FIELD: usize = 128;
/// Most characters of a line the probe composes around server text (a failure message, a note).
pub const MAX_LINE: usize = 1024;

/// Whether `c` is replaced: a control character, a line or paragraph separator, or a
/// bidirectional formatting character.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{200E}' | '\u{200F}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` with unsafe characters replaced by spaces and at most `max` characters kept; what is cut
/// is counted: `…(+1234 bytes)`.
pub fn bounded(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max + 16));
    for (count, (i, c)) in text.char_indices().enumerate() {
        if count == max {
            out.push_str(&format!("…(+{} bytes)", text.len() - i));
            return out;
        }
        out.push(if is_unsafe(c) { ' ' } else { c });
    }
    out
}

/// A server's free text (a description).
pub fn text(s: &str) -> String {
    bounded(s, MAX_TEXT)
}

/// A server's short field (a code, a level, fmsVer, a command name).
pub fn field(s: &str) -> String {
    bounded(s, MAX_FIELD)
}

/// Most characters of a log line that shows a message (a command with all its values).
pub const MAX_LOG_LINE: usize = 4096;

/// A line composed around server text (a failure message, a note, a summary).
pub fn one_line(s: &str) -> String {
    bounded(s, MAX_LINE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_escapes_and_separators_become_spaces() {
        assert_eq!(
            field("Net\nStream\r\u{1b}[2J\u{7}\u{9b}x\u{2028}y\u{202e}z\u{2066}"),
            "Net Stream  [2J  x y z "
        );
        assert_eq!(text("tab\there"), "tab here");
    }

    #[test]
    fn other_characters_are_kept_as_sent() {
        assert_eq!(
            text("Zugriff verweigert: «Schlüssel» | 拒否 \"q\""),
            "Zugriff verweigert: «Schlüssel» | 拒否 \"q\""
        );
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary_and_says_how_much() {
        let long = "é".repeat(600);
        let cut = text(&long);
        assert!(cut.starts_with(&"é".repeat(MAX_TEXT)));
        assert!(cut.ends_with("…(+176 bytes)"), "{cut}");
        assert_eq!(field(&"a".repeat(MAX_FIELD)), "a".repeat(MAX_FIELD));
    }
}
