//! The run, from arguments to exit code: parse, plan, probe, judge, print.

use crate::cli::Cli;
use crate::plan::{Format, Plan};
use crate::report::{self, Report};
use crate::session::{self, Outcome};
use crate::verdict::{self, State};
use clap::Parser;
use std::ffi::OsString;
use std::io::Write;
use std::sync::Arc;

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
    let outcomes = match probe_all(&plan) {
        Ok(outcomes) => outcomes,
        Err(e) => return unknown(&format!("cannot start the async runtime: {e}")),
    };
    let reports: Vec<Report> = plan
        .probes
        .iter()
        .zip(&outcomes)
        .map(|(probe, outcome)| {
            let verdict = verdict::judge(outcome, &plan.thresholds, plan.timeout_state);
            Report::build(&plan, probe, outcome, &verdict)
        })
        .collect();
    let worst = worst_state(reports.iter().map(Report::state));
    print(&plan, &reports, worst);
    worst.code()
}

/// Runs every probe: one target on a single-threaded runtime (cheapest start), several on a
/// multi-threaded one, at most `plan.concurrency` sessions at a time. Outcomes keep the order of
/// the targets.
fn probe_all(plan: &Plan) -> std::io::Result<Vec<Outcome>> {
    if let [only] = plan.probes.as_slice() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let outcome = runtime.block_on(session::run(&only.session));
        // Name lookups run on a blocking thread that a timeout cannot stop: do not wait for it.
        runtime.shutdown_background();
        return Ok(vec![outcome]);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let configs: Vec<Arc<session::SessionConfig>> = plan
        .probes
        .iter()
        .map(|p| Arc::new(p.session.clone()))
        .collect();
    let limit = Arc::new(tokio::sync::Semaphore::new(plan.concurrency));
    let outcomes = runtime.block_on(async move {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, config) in configs.into_iter().enumerate() {
            let limit = Arc::clone(&limit);
            tasks.spawn(async move {
                // The semaphore is never closed, so acquire cannot fail; without a permit the
                // session still runs, only unthrottled.
                let _permit = limit.acquire_owned().await.ok();
                (i, session::run(&config).await)
            });
        }
        let mut slots: Vec<Option<Outcome>> = Vec::new();
        slots.resize_with(tasks.len(), || None);
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, outcome)) = joined {
                if let Some(slot) = slots.get_mut(i) {
                    *slot = Some(outcome);
                }
            }
        }
        slots
    });
    runtime.shutdown_background();
    // A session task only ends without an outcome if it panicked, and the panic hook has already
    // exited the process with UNKNOWN by then.
    Ok(outcomes.into_iter().flatten().collect())
}

/// The worst of several states for one aggregate result: CRITICAL > WARNING > UNKNOWN > OK (as
/// monitoring-plugins' max_state_alt): a target that could not be checked is worse than one that
/// is fine, but a real failure elsewhere outranks it.
pub fn worst_state(states: impl Iterator<Item = State>) -> State {
    let rank = |s: State| match s {
        State::Ok => 0,
        State::Unknown => 1,
        State::Warning => 2,
        State::Critical => 3,
    };
    states.max_by_key(|s| rank(*s)).unwrap_or(State::Unknown)
}

fn print(plan: &Plan, reports: &[Report], worst: State) {
    let long = plan.verbosity > 0;
    let text = match (plan.format, reports) {
        (Format::Nagios, [one]) => report::nagios(one, long),
        (Format::Nagios, many) => report::nagios_many(many, worst, long),
        // JSON Lines: one report per target, in the order given.
        (Format::Json, many) => many.iter().map(|r| r.json() + "\n").collect(),
        (Format::Text, many) => many.iter().map(report::text).collect::<Vec<_>>().join("\n"),
        (Format::Prometheus, many) => report::prometheus(many),
    };
    emit(&text);
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
    if plan.verbosity == 0 && !plan.trace {
        return;
    }
    let level = match plan.verbosity {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let mut filter = format!("rtmp_probe={level}");
    if plan.trace {
        filter.push_str(&format!(",{}=trace", session::wire::TARGET));
    } else if plan.verbosity >= 3 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_outranks_warning_which_outranks_unknown_which_outranks_ok() {
        use State::*;
        assert_eq!(worst_state([Ok, Unknown].into_iter()), Unknown);
        assert_eq!(worst_state([Unknown, Warning, Ok].into_iter()), Warning);
        assert_eq!(
            worst_state([Warning, Critical, Unknown].into_iter()),
            Critical
        );
        assert_eq!(worst_state([Ok, Ok].into_iter()), Ok);
    }
}
