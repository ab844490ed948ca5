//! The one-shot run: every probe of a plan, judged and rendered once.

use crate::plan::{Format, Plan, Probe};
use crate::report::{self, Report};
use crate::session::{self, Failure, FailureKind, Outcome, SessionConfig, Step};
use crate::verdict::{self, State};
use std::sync::Arc;
use tokio::time::Instant;

/// Probes every target of the plan; returns the rendered result and the state it ends in.
pub fn run(plan: &Plan) -> (String, State) {
    let outcomes = match probe_all(plan) {
        Ok(outcomes) => outcomes,
        Err(e) => {
            let message = format!("cannot start the async runtime: {e}");
            return (
                report::unknown(plan.output.format, report::NotRun::Internal, &message),
                State::Unknown,
            );
        }
    };
    let reports: Vec<Report> = plan
        .probes
        .iter()
        .zip(&outcomes)
        .map(|(probe, outcome)| judged(probe, outcome))
        .collect();
    let worst = State::worst(reports.iter().map(|r| r.state));
    (render(plan, &reports, worst), worst)
}

/// Runs one probe to its report: the session, the verdict, the model. What the exporter calls
/// per request.
pub async fn check(probe: &Probe) -> Report {
    let outcome = session::run(&probe.session).await;
    judged(probe, &outcome)
}

fn judged(probe: &Probe, outcome: &Outcome) -> Report {
    let verdict = verdict::judge(outcome, &probe.thresholds, probe.timeout_state);
    Report::build(probe, outcome, &verdict)
}

/// Runs every probe: one target on a single-threaded runtime (cheapest start), several on a
/// multi-threaded one, as many at a time as `--concurrency` and the machine allow, all within the
/// run's `--timeout`: a target whose turn comes after it ran out is not checked, one cut short by
/// it is reported as such. Outcomes keep the order of the targets.
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
    let start = Instant::now();
    let configs: Vec<Arc<session::SessionConfig>> = plan
        .probes
        .iter()
        .map(|p| Arc::new(p.session.clone()))
        .collect();
    let concurrency = super::limits::concurrency(plan.concurrency, configs.len());
    let limit = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let outcomes = runtime.block_on(async move {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, config) in configs.into_iter().enumerate() {
            let limit = Arc::clone(&limit);
            tasks.spawn(async move {
                // A target whose turn comes at once has its whole --timeout (it started with the
                // run); one that waited has what is left of the run's.
                if let Ok(_permit) = Arc::clone(&limit).try_acquire_owned() {
                    return (i, session::run(&config).await);
                }
                let run_deadline = later(start, config.timeout);
                let permit = tokio::time::timeout_at(run_deadline, limit.acquire_owned());
                // The semaphore is never closed: only the deadline ends the wait without a permit.
                let Ok(_permit) = permit.await else {
                    return (i, not_checked(&config, start));
                };
                (i, within(&config, start, run_deadline).await)
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

/// Runs one session in what is left of the run's time. A session that the run's deadline cut
/// short (it had less than its own `--timeout`, and ran out) was not fully checked.
async fn within(config: &SessionConfig, start: Instant, run_deadline: Instant) -> Outcome {
    let left = run_deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return not_checked(config, start);
    }
    let mut cut = config.clone();
    cut.timeout = left;
    let mut outcome = session::run(&cut).await;
    if let Some(f) = outcome.failure.as_mut() {
        if f.kind == FailureKind::Timeout && Instant::now() >= run_deadline {
            f.kind = FailureKind::NotChecked;
            f.message = format!(
                "not finished: the run's --timeout ({}) ran out {} after this target's turn came \
                 (the targets before it held the sessions; raise --concurrency or check fewer \
                 targets per run)",
                humantime::format_duration(config.timeout),
                crate::metrics::ms(left)
            );
        }
    }
    outcome
}

/// `from + wait`, or thirty years from `from` when that overflows (`-t 18446744073709551615s`).
fn later(from: Instant, wait: std::time::Duration) -> Instant {
    from.checked_add(wait)
        .or_else(|| from.checked_add(std::time::Duration::from_secs(30 * 365 * 86_400)))
        .unwrap_or(from)
}

/// The outcome of a target whose turn came after the run's deadline.
fn not_checked(config: &SessionConfig, start: Instant) -> Outcome {
    let mut outcome = Outcome::empty(std::time::SystemTime::now());
    outcome.total = start.elapsed();
    outcome.failure = Some(Failure {
        step: Step::Dns,
        kind: FailureKind::NotChecked,
        message: format!(
            "not checked: the run's --timeout ({}) ran out before this target's turn (the \
             targets before it held the sessions; raise --concurrency or check fewer targets per \
             run)",
            humantime::format_duration(config.timeout)
        ),
        status: None,
    });
    outcome
}

fn render(plan: &Plan, reports: &[Report], worst: State) -> String {
    let long = plan.output.verbosity > 0;
    match (plan.output.format, reports) {
        (Format::Nagios, [one]) => report::nagios(one, long),
        (Format::Nagios, many) => report::nagios_many(many, worst, long),
        // JSON Lines: one report per target, in the order given.
        (Format::Json, many) => many.iter().map(|r| r.json() + "\n").collect(),
        (Format::Text, many) => many.iter().map(report::text).collect::<Vec<_>>().join("\n"),
        (Format::Prometheus, many) => report::prometheus(many),
    }
}
