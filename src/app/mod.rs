//! The run, from arguments to exit code: parse, plan, then the one-shot check (`check`).

pub mod check;
pub mod serve;

use crate::cli::Cli;
use crate::plan::Plan;
use crate::session;
use crate::verdict::State;
use clap::Parser;
use std::ffi::OsString;
use std::io::Write;

/// Runs the probe with these arguments; returns the exit code. Prints the report on stdout.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let plan = match cli.into_plan() {
        Ok(plan) => plan,
        Err(e) => return unknown(&format!("invalid arguments: {e}")),
    };
    init_logging(&plan);
    check::run(&plan)
}

/// Writes to stdout, ignoring a closed or full stdout: nothing is left to tell anyone then, and
/// `print!` would panic.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// One UNKNOWN line on stdout; exit code 3.
pub fn unknown(message: &str) -> i32 {
    emit(&format!("RTMP UNKNOWN - {message}\n"));
    State::Unknown.code()
}

/// clap's errors: help and version are printed as asked (exit 0); anything else is a usage error,
/// which must be UNKNOWN (3), never clap's 2 (CRITICAL to Nagios).
fn usage_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            emit(&e.to_string());
            0
        }
        _ => {
            let rendered = e.to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ")
                .to_string();
            unknown(&format!(
                "invalid arguments: {first} (see rtmp-probe --help)"
            ))
        }
    }
}

/// Logs go to stderr only, never into the plugin output. Without -v or --trace nothing is logged
/// (the probe has no warnings to log: what goes wrong is in the report), so no subscriber is set
/// up: that keeps its allocations and filter parsing out of every monitoring run.
fn init_logging(plan: &Plan) {
    let out = plan.output;
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
    let filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}
