//! The run, from arguments to exit code: parse, plan, then the one-shot check (`check`). Every
//! way out, usage errors included, is rendered in the format asked for and delivered where asked
//! (stdout, or `--output FILE` written atomically), with a Nagios exit code.

pub mod check;
mod limits;
mod logging;
mod output;
pub mod serve;
mod usage;

pub use output::Sink;

use crate::cli::Cli;
use crate::plan::Format;
use crate::verdict::State;
use std::ffi::OsString;

/// Runs the probe with these arguments; returns the exit code. Prints the report on stdout (or
/// writes it to `--output`).
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // Where a usage error goes and how it looks, read from the arguments before clap judges them.
    let fallback = usage::Fallback::from_args(&args);
    let cli = match Cli::parse_args(&args) {
        Ok(cli) => cli,
        Err(e) => return usage::clap_error(e, &fallback),
    };
    let sink = Sink::new(cli.output_file.clone());
    let plan = match cli.into_plan() {
        Ok(plan) => plan,
        Err(e) => return fallback.unknown(&format!("invalid arguments: {e}")),
    };
    logging::init(&plan.output);
    let (text, state) = check::run(&plan);
    deliver(&sink, plan.output.format, &text, state)
}

/// Writes the rendered result where it goes and returns the exit code: the state's, or UNKNOWN
/// when the result could not be written (said on stdout, which is all that is left).
fn deliver(sink: &Sink, format: Format, text: &str, state: State) -> i32 {
    match sink.write(text) {
        Ok(()) => state.code(),
        Err(e) => {
            let text = crate::report::unknown(format, crate::report::NotRun::Output, &e);
            output::stdout(&text);
            State::Unknown.code()
        }
    }
}
