//! The one-shot run: every probe of a plan, judged and rendered once.

use crate::plan::{Format, Plan, Probe};
use crate::report::{self, Report};
use crate::session::{self, Outcome};
use crate::verdict::{self, State};
use std::sync::Arc;

/// Probes every target of the plan, prints the report on stdout and returns the exit code.
pub fn run(plan: &Plan) -> i32 {
    let outcomes = match probe_all(plan) {
        Ok(outcomes) => outcomes,
        Err(e) => return super::unknown(&format!("cannot start the async runtime: {e}")),
    };
    let reports: Vec<Report> = plan
        .probes
        .iter()
        .zip(&outcomes)
        .map(|(probe, outcome)| judged(probe, outcome))
        .collect();
    let worst = State::worst(reports.iter().map(|r| r.state));
    print(plan, &reports, worst);
    worst.code()
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

fn print(plan: &Plan, reports: &[Report], worst: State) {
    let long = plan.output.verbosity > 0;
    let text = match (plan.output.format, reports) {
        (Format::Nagios, [one]) => report::nagios(one, long),
        (Format::Nagios, many) => report::nagios_many(many, worst, long),
        // JSON Lines: one report per target, in the order given.
        (Format::Json, many) => many.iter().map(|r| r.json() + "\n").collect(),
        (Format::Text, many) => many.iter().map(report::text).collect::<Vec<_>>().join("\n"),
        (Format::Prometheus, many) => report::prometheus(many),
    };
    super::emit(&text);
}
