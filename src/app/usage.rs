//! Usage errors: rendered in the format asked for, delivered where asked, and never echoing what
//! a user typed that may hold a secret.
//!
//! The format and `--output` are read from the raw arguments before clap judges them, so that a
//! JSON Lines log gets a JSON line and a textfile gets an exposition even when the command line is
//! wrong. Anything a message repeats from the arguments goes through [`Masker`] first: a URL that
//! clap took as the value of another option, a misplaced stream key.

use super::output::{self, Sink};
use crate::plan::Format;
use crate::redact::{self, Redactor};
use crate::report::NotRun;
use crate::target::Target;
use crate::verdict::State;
use std::ffi::OsString;

/// Options whose values are secrets whole (a stream key, a query with a token).
const SECRET_VALUED: &[&str] = &["--stream", "--app", "--tc-url", "--page-url", "--swf-url"];

/// How to report a usage error for these arguments.
pub struct Fallback {
    format: Format,
    sink: Sink,
    masker: Masker,
}

impl Fallback {
    pub fn from_args(args: &[OsString]) -> Fallback {
        let args: Vec<String> = args
            .iter()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let format = option_value(&args, "--format", Some('f'))
            .and_then(|v| match v {
                "json" => Some(Format::Json),
                "text" => Some(Format::Text),
                "prometheus" => Some(Format::Prometheus),
                "nagios" => Some(Format::Nagios),
                _ => None,
            })
            .unwrap_or(Format::Nagios);
        let sink = Sink::new(option_value(&args, "--output", None).map(Into::into));
        Fallback {
            format,
            sink,
            masker: Masker::new(&args),
        }
    }

    /// Renders an UNKNOWN for `message` (masked) and delivers it; returns exit code 3.
    pub fn unknown(&self, message: &str) -> i32 {
        let text = crate::report::unknown(self.format, NotRun::Usage, &self.masker.mask(message));
        if let Err(e) = self.sink.write(&text) {
            output::stdout(&crate::report::unknown(self.format, NotRun::Output, &e));
        }
        State::Unknown.code()
    }
}

/// clap's errors: help and version are printed as asked (exit 0); anything else is a usage error,
/// which must be UNKNOWN (3), never clap's 2 (CRITICAL to Nagios).
pub fn clap_error(e: clap::Error, fallback: &Fallback) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            output::stdout(&e.to_string());
            0
        }
        _ => {
            let rendered = e.to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            fallback.unknown(&format!(
                "invalid arguments: {first} (see rtmp-probe --help)"
            ))
        }
    }
}

/// The value of `--long VALUE`, `--long=VALUE`, `-s VALUE` or `-sVALUE`, the last one given.
fn option_value<'a>(args: &'a [String], long: &str, short: Option<char>) -> Option<&'a str> {
    let mut found = None;
    let mut iter = args.iter().peekable();
    while let Some(a) = iter.next() {
        if a == "--" {
            break;
        }
        let short_flag = short.map(|c| format!("-{c}"));
        if a == long || short_flag.as_deref() == Some(a.as_str()) {
            found = iter.peek().map(|v| v.as_str());
        } else if let Some(v) = a.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
            found = Some(v);
        } else if let Some(v) = short_flag.as_deref().and_then(|f| a.strip_prefix(f)) {
            if !a.starts_with("--") && !v.is_empty() {
                found = Some(v.trim_start_matches('='));
            }
        }
    }
    found
}

/// Hides, in messages about the command line, every argument that may hold a secret.
struct Masker {
    /// (what the user typed, what to show instead), longest first.
    replacements: Vec<(String, String)>,
    /// The secrets inside URL-like arguments, for pieces of them a message may quote.
    redactor: Redactor,
}

impl Masker {
    fn new(args: &[String]) -> Masker {
        let mut redactor = Redactor::new(false);
        let mut replacements = Vec::new();
        let mut secret_next = false;
        for a in args {
            let mut candidates = vec![a.as_str()];
            if let Some((flag, value)) = a.split_once('=').filter(|(f, _)| f.starts_with('-')) {
                candidates.push(value);
                if SECRET_VALUED.contains(&flag) {
                    replacements.push((value.to_string(), redact::mask(value)));
                }
            } else if a.starts_with('-') && a.len() > 2 && !a.starts_with("--") {
                candidates.push(a.get(2..).unwrap_or_default());
            }
            if secret_next && !a.starts_with('-') {
                replacements.push((a.clone(), redact::mask(a)));
            }
            secret_next = SECRET_VALUED.contains(&a.as_str());
            for c in candidates {
                if let Some(shown) = url_like(c, &mut redactor) {
                    replacements.push((c.to_string(), shown));
                }
            }
        }
        replacements.retain(|(typed, _)| !typed.is_empty());
        replacements.sort_by_key(|(typed, _)| std::cmp::Reverse(typed.len()));
        Masker {
            replacements,
            redactor,
        }
    }

    fn mask(&self, message: &str) -> String {
        let mut out = message.to_string();
        for (typed, shown) in &self.replacements {
            if out.contains(typed.as_str()) {
                out = out.replace(typed.as_str(), shown);
            }
        }
        self.redactor.text(&out)
    }
}

/// For an argument that looks like a URL (or carries `user@`, `?query`), what to show instead,
/// registering its secrets; `None` for anything else.
fn url_like(text: &str, redactor: &mut Redactor) -> Option<String> {
    if let Ok(target) = Target::parse(text) {
        let mut own = Redactor::new(false);
        target.add_secrets(&mut own);
        target.add_secrets(redactor);
        return Some(target.redacted_url(&own));
    }
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None if text.contains('@') || text.contains('?') => (None, text),
        None => return None,
    };
    // Not a URL we can split: keep a plain scheme and host, hide all the rest.
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    for piece in rest.split(['/', '?', '&', '=', '@', ':']) {
        redactor.add(piece);
    }
    let plain = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']'))
    };
    let mut shown = String::new();
    if let Some(s) = scheme.filter(|s| plain(s)) {
        shown.push_str(s);
        shown.push_str("://");
    }
    if scheme.is_some() && plain(host) {
        shown.push_str(host);
        shown.push('/');
    }
    shown.push_str(redact::MASK);
    Some(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_format_and_output_are_found_in_every_spelling() {
        for list in [
            &["-f", "json", "x"][..],
            &["-fjson", "x"],
            &["--format", "json"],
            &["--format=json"],
            &["-f", "text", "--format", "json"],
        ] {
            let a = args(list);
            assert_eq!(
                option_value(&a, "--format", Some('f')),
                Some("json"),
                "{list:?}"
            );
        }
        let a = args(&["--output", "/tmp/x.prom", "rtmp://h/a/b"]);
        assert_eq!(option_value(&a, "--output", None), Some("/tmp/x.prom"));
        let a = args(&["--", "-f", "json"]);
        assert_eq!(option_value(&a, "--format", Some('f')), None);
    }

    #[test]
    fn urls_keys_and_tokens_typed_anywhere_are_masked_in_messages() {
        let a = args(&[
            "-w",
            "rtmp://user:hunter2hunter2@h:1935/live/key-abcdefghij",
            "--stream=sk_live_0123456789",
            "--tc-url",
            "rtmp://h/live?token=tok-0123456789",
            "-cfoo://bob:pw12345678@host/x",
            "broken:pass-9876543210@h",
        ]);
        let m = Masker::new(&a);
        for typed in &a {
            let message = format!("invalid value '{typed}' for '--warning'");
            let shown = m.mask(&message);
            for secret in [
                "hunter2",
                "abcdefghij",
                "0123456789",
                "pw12345678",
                "9876543210",
            ] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
        let shown = m.mask("'rtmp://user:hunter2hunter2@h:1935/live/key-abcdefghij'");
        assert!(shown.contains("rtmp://user:***@h:1935/live/"), "{shown}");
    }
}
