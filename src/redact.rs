//! Keeping secrets out of what the probe prints.
//!
//! Stream names are often stream keys, and URLs can carry passwords and tokens. Every string that
//! reaches an output or a log goes through a [`Redactor`], which knows the secrets of this run and
//! masks them, keeping a few first characters so that an operator can still tell keys apart.

/// The mask put in place of the hidden part of a secret.
pub const MASK: &str = "***";

/// Shortest secret that is also masked where it occurs inside free text (server descriptions,
/// logs). Shorter ones are masked only in the fields known to hold them: masking every "ab" in a
/// server's message would garble it without protecting anything.
const MIN_FREE_TEXT_SECRET: usize = 4;

/// In raw bytes, every piece this long of a longer secret is masked too, wherever it is: a secret
/// that the server's chunking or a read boundary splits shows at most this many characters less
/// one on each side of the split.
const FRAGMENT: usize = 8;

/// Masks one secret: keeps a few leading characters (none for short values) and adds [`MASK`].
pub fn mask(secret: &str) -> String {
    let chars = secret.chars().count();
    let keep = if chars >= 12 {
        4
    } else if chars >= 6 {
        2
    } else {
        0
    };
    let mut out: String = secret.chars().take(keep).collect();
    out.push_str(MASK);
    out
}

/// Masks secrets in text. With `reveal` set (the user's `--show-secrets`), it changes nothing.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
    /// The secrets that keep no leading characters (passwords, tokens): telling two apart is no
    /// reason to show a piece of one.
    hidden: Vec<String>,
    reveal: bool,
}

impl Redactor {
    pub fn new(reveal: bool) -> Self {
        Redactor {
            secrets: Vec::new(),
            hidden: Vec::new(),
            reveal,
        }
    }

    /// Whether secrets are shown as they are.
    pub fn reveals(&self) -> bool {
        self.reveal
    }

    /// Adds a secret to hide. Empty values are ignored.
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() || self.secrets.iter().any(|s| s == secret) {
            return;
        }
        self.secrets.push(secret.to_string());
        // Longest first, so that a key is masked whole before any shorter secret inside it.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Adds a secret that is masked as [`MASK`] alone, without the leading characters that
    /// [`add`](Self::add)'s keep: a password, a token, a query value.
    pub fn add_hidden(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        self.add(secret);
        if !self.hidden.iter().any(|s| s == secret) {
            self.hidden.push(secret.to_string());
        }
    }

    /// Masks a value known to be secret as a whole (a stream name, a password).
    pub fn field(&self, value: &str) -> String {
        if self.reveal || value.is_empty() {
            value.to_string()
        } else {
            mask(value)
        }
    }

    /// Masks every occurrence of a known secret inside free text.
    pub fn text(&self, text: &str) -> String {
        if self.reveal {
            return text.to_string();
        }
        let mut out = text.to_string();
        for secret in &self.secrets {
            if secret.len() >= MIN_FREE_TEXT_SECRET && out.contains(secret.as_str()) {
                let masked = if self.hidden.contains(secret) {
                    MASK.to_string()
                } else {
                    mask(secret)
                };
                out = out.replace(secret.as_str(), &masked);
            }
        }
        out
    }

    /// Overwrites secrets inside raw bytes (packet traces) with `*` bytes of the same length, so
    /// offsets in a hex dump stay true: whole secrets, and every run of 8 bytes or
    /// more that is a piece of a longer one (a secret split across chunks or reads).
    pub fn bytes(&self, data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        if self.reveal {
            return out;
        }
        self.mask_fragments(data, &mut out);
        for secret in &self.secrets {
            let needle = secret.as_bytes();
            if needle.len() < MIN_FREE_TEXT_SECRET || needle.len() > out.len() {
                continue;
            }
            let mut i = 0;
            while i + needle.len() <= out.len() {
                if out.get(i..i + needle.len()) == Some(needle) {
                    for b in out.iter_mut().skip(i).take(needle.len()) {
                        *b = b'*';
                    }
                    i += needle.len();
                } else {
                    i += 1;
                }
            }
        }
        out
    }
}

impl Redactor {
    /// Masks in `out` every window of [`FRAGMENT`] bytes of `data` that occurs in a secret longer
    /// than that (found in `data`, so that runs longer than a window are masked whole).
    fn mask_fragments(&self, data: &[u8], out: &mut [u8]) {
        for secret in &self.secrets {
            let secret = secret.as_bytes();
            if secret.len() <= FRAGMENT {
                continue;
            }
            let pieces: std::collections::HashSet<&[u8]> = secret.windows(FRAGMENT).collect();
            for (i, window) in data.windows(FRAGMENT).enumerate() {
                if pieces.contains(window) {
                    for b in out.iter_mut().skip(i).take(FRAGMENT) {
                        *b = b'*';
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_a_few_characters_only_for_long_secrets() {
        assert_eq!(mask("abc"), "***");
        assert_eq!(mask("secret"), "se***");
        assert_eq!(mask("live_1234567890"), "live***");
    }

    #[test]
    fn free_text_masks_every_occurrence_longest_first() {
        let mut r = Redactor::new(false);
        r.add("key");
        r.add("stream-key-123");
        r.add("stream-key-123?key=hunter2");
        r.add("hunter2");
        let out =
            r.text("publishing stream-key-123?key=hunter2 and stream-key-123 with hunter2, key");
        assert!(!out.contains("hunter2"), "{out}");
        assert!(!out.contains("stream-key-123"), "{out}");
        // "key" is too short to mask inside free text.
        assert!(out.ends_with(", key"), "{out}");
    }

    #[test]
    fn hidden_secrets_keep_no_characters_in_free_text() {
        let mut r = Redactor::new(false);
        r.add("stream-key-123");
        r.add_hidden("sekrit123pw");
        assert_eq!(
            r.text("rtmp://u:sekrit123pw@h/live/stream-key-123"),
            "rtmp://u:***@h/live/stre***"
        );
        // Hidden once, hidden for good, whichever way it was added first.
        r.add("sekrit123pw");
        r.add("token-abcdef");
        r.add_hidden("token-abcdef");
        assert_eq!(r.text("sekrit123pw token-abcdef"), "*** ***");
    }

    #[test]
    fn reveal_changes_nothing() {
        let mut r = Redactor::new(true);
        r.add("hunter2");
        assert_eq!(r.text("a hunter2 b"), "a hunter2 b");
        assert_eq!(r.field("hunter2"), "hunter2");
        assert_eq!(r.bytes(b"xhunter2x"), b"xhunter2x".to_vec());
    }

    #[test]
    fn bytes_are_overwritten_in_place() {
        let mut r = Redactor::new(false);
        r.add("hunter2");
        assert_eq!(
            r.bytes(b"\x02\x00\x07hunter2\x05"),
            b"\x02\x00\x07*******\x05".to_vec()
        );
    }

    #[test]
    fn pieces_of_a_long_secret_split_by_chunk_headers_are_masked_too() {
        let secret = "tok-0123456789abcdefghijklmnopqrstuvwxyz";
        let mut r = Redactor::new(false);
        r.add(secret);
        // Split after 11 and 33 bytes by one-byte chunk headers (0xc3), as 128-byte chunks do.
        let mut data = b"\x02\x00\x28".to_vec();
        data.extend_from_slice(&secret.as_bytes()[..11]);
        data.push(0xc3);
        data.extend_from_slice(&secret.as_bytes()[11..33]);
        data.push(0xc3);
        data.extend_from_slice(&secret.as_bytes()[33..]);
        let out = r.bytes(&data);
        assert_eq!(&out[..3], b"\x02\x00\x28");
        assert_eq!(out[14], 0xc3, "headers stay");
        assert_eq!(out[37], 0xc3);
        // The pieces of 11 and 22 bytes are masked whole; the last 7 are shorter than a window.
        assert_eq!(&out[3..14], b"***********");
        assert_eq!(&out[15..37], [b'*'; 22].as_slice());
        assert_eq!(&out[38..], &secret.as_bytes()[33..]);
        for w in secret.as_bytes().windows(FRAGMENT) {
            assert!(
                !out.windows(FRAGMENT).any(|o| o == w),
                "{:?}",
                String::from_utf8_lossy(w)
            );
        }
    }
}
