//! Logs on stderr, which can never change the verdict: a full disk, a closed stderr or a broken
//! pipe loses the log line, not the check.

use crate::plan::Output;
use crate::session;
use std::io::{self, Write};

/// Sets up logging on stderr. Without -v or --trace nothing is logged (the probe has no warnings
/// to log: what goes wrong is in the report), so no subscriber is set up: that keeps its
/// allocations and filter parsing out of every monitoring run.
pub fn init(out: &Output) {
    if out.verbosity == 0 && !out.trace {
        return;
    }
    let level = match out.verbosity {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let mut filter = format!("rtmp_probe={level}");
    if out.trace {
        filter.push_str(&format!(",{}=trace", session::wire::TARGET));
    } else if out.verbosity >= 3 {
        filter.push_str(&format!(",{}=debug", session::wire::TARGET));
    }
    with_filter(&filter, "warn");
}

/// Logs on stderr with this tracing filter (or `fallback` when it does not parse), through a
/// writer whose failures never reach the caller. The exporter's logging too.
pub(crate) fn with_filter(filter: &str, fallback: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(fallback));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}

/// stderr that reports every write as done: tracing-subscriber's formatter panics on a write
/// error, and a log line is not worth the check.
struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        Ok(())
    }
}
