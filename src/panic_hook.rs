//! What a panic turns into: one UNKNOWN line on stdout and exit code 3, never Rust's exit code 101
//! and a backtrace in the monitoring system. A panic is always the probe's own fault (server
//! bytes are never trusted to hold any property the code relies on), so UNKNOWN is the state.

use std::any::Any;
use std::io::Write;

/// The plugin line for a panic whose payload is `payload`: its first line only.
pub fn line(payload: &(dyn Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let first = what.lines().next().unwrap_or_default().trim();
    let first = if first.is_empty() { "panic" } else { first };
    format!("RTMP UNKNOWN - internal error: {first} (please report this as a bug)")
}

/// Installs the hook: print [`line()`] on stdout and exit with 3, from whatever thread panicked.
/// Writing ignores errors (a closed or full stdout must not panic inside the hook, which would
/// abort the process with a signal).
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let text = line(info.payload());
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
        std::process::exit(3);
    }));
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn the_line_keeps_the_first_line_of_the_message() {
        let payload: Box<dyn std::any::Any + Send> = Box::new(String::from("boom\nat frame 2"));
        assert_eq!(
            line(payload.as_ref()),
            "RTMP UNKNOWN - internal error: boom (please report this as a bug)"
        );
        let payload: Box<dyn std::any::Any + Send> = Box::new("static");
        assert_eq!(
            line(payload.as_ref()),
            "RTMP UNKNOWN - internal error: static (please report this as a bug)"
        );
        let payload: Box<dyn std::any::Any + Send> = Box::new(42u8);
        assert_eq!(
            line(payload.as_ref()),
            "RTMP UNKNOWN - internal error: panic (please report this as a bug)"
        );
    }
}
