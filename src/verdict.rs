//! The one place that turns what a session recorded into a Nagios state.
//!
//! Order of severity: OK < WARNING < CRITICAL, with UNKNOWN meaning "could not check" (the probe's
//! own problem, never the server's). A server that refused, failed or dropped the stream is
//! CRITICAL; a timeout is CRITICAL unless `--timeout-state` says otherwise.

use crate::session::{FailureKind, Outcome, Step};
use std::time::Duration;

/// A Nagios plugin state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl State {
    /// The plugin's exit code.
    pub fn code(self) -> i32 {
        match self {
            State::Ok => 0,
            State::Warning => 1,
            State::Critical => 2,
            State::Unknown => 3,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }
}

/// Time limits on the total and on single steps. A time strictly above a limit crosses it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    pub total: Option<Duration>,
    pub steps: Vec<(Step, Duration)>,
}

impl Limits {
    pub fn for_step(&self, step: Step) -> Option<Duration> {
        self.steps.iter().find(|(s, _)| *s == step).map(|(_, d)| *d)
    }

    pub fn is_empty(&self) -> bool {
        self.total.is_none() && self.steps.is_empty()
    }
}

/// Warning and critical limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thresholds {
    pub warning: Limits,
    pub critical: Limits,
}

/// The state and, for a threshold, what crossed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub state: State,
    /// Human lines such as "total 120.3 ms > 100 ms", empty when no threshold was crossed.
    pub crossed: Vec<String>,
}

/// Decides the state of one session.
pub fn judge(outcome: &Outcome, thresholds: &Thresholds, timeout_state: State) -> Verdict {
    if let Some(failure) = &outcome.failure {
        let state = match failure.kind {
            FailureKind::Internal => State::Unknown,
            FailureKind::Timeout => timeout_state,
            FailureKind::ResolveFailed
            | FailureKind::ConnectionRefused
            | FailureKind::ConnectFailed
            | FailureKind::Closed
            | FailureKind::Reset
            | FailureKind::HandshakeVersion
            | FailureKind::HandshakeEncrypted
            | FailureKind::HandshakeTruncated
            | FailureKind::Rejected
            | FailureKind::DroppedAfterPublish
            | FailureKind::ProtocolViolation
            | FailureKind::MessageTooLarge
            | FailureKind::MalformedReply
            | FailureKind::UnexpectedReply
            | FailureKind::Io => State::Critical,
        };
        return Verdict {
            state,
            crossed: Vec::new(),
        };
    }
    for (limits, state) in [
        (&thresholds.critical, State::Critical),
        (&thresholds.warning, State::Warning),
    ] {
        let crossed = crossings(outcome, limits);
        if !crossed.is_empty() {
            return Verdict { state, crossed };
        }
    }
    Verdict {
        state: State::Ok,
        crossed: Vec::new(),
    }
}

fn crossings(outcome: &Outcome, limits: &Limits) -> Vec<String> {
    let mut out = Vec::new();
    for (step, limit) in &limits.steps {
        if let Some(r) = outcome.step(*step).filter(|r| r.ok) {
            if r.duration > *limit {
                out.push(format!(
                    "{} {} > {}",
                    step.name(),
                    ms(r.duration),
                    ms(*limit)
                ));
            }
        }
    }
    if let Some(limit) = limits.total {
        if outcome.total > limit {
            out.push(format!("total {} > {}", ms(outcome.total), ms(limit)));
        }
    }
    out
}

/// A duration in milliseconds for people: `0.412 ms`, `43.1 ms`, `1204 ms`.
pub fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.3} ms")
    } else if v < 1000.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.0} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Failure, ServerInfo, StepRecord};
    use std::time::SystemTime;

    fn outcome(connect_ms: u64, total_ms: u64, failure: Option<FailureKind>) -> Outcome {
        Outcome {
            started_at: SystemTime::now(),
            address: None,
            steps: vec![StepRecord {
                step: Step::Connect,
                start: Duration::ZERO,
                duration: Duration::from_millis(connect_ms),
                ok: failure.is_none(),
            }],
            total: Duration::from_millis(total_ms),
            failure: failure.map(|kind| Failure {
                step: Step::Connect,
                kind,
                message: String::new(),
                status: None,
            }),
            server: ServerInfo::default(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn failures_are_critical_except_the_probes_own_and_timeouts_follow_the_option() {
        let t = Thresholds::default();
        assert_eq!(
            judge(
                &outcome(1, 1, Some(FailureKind::Rejected)),
                &t,
                State::Critical
            )
            .state,
            State::Critical
        );
        assert_eq!(
            judge(
                &outcome(1, 1, Some(FailureKind::Internal)),
                &t,
                State::Critical
            )
            .state,
            State::Unknown
        );
        assert_eq!(
            judge(
                &outcome(1, 1, Some(FailureKind::Timeout)),
                &t,
                State::Warning
            )
            .state,
            State::Warning
        );
    }

    #[test]
    fn only_the_probes_own_fault_is_unknown() {
        let t = Thresholds::default();
        for kind in FailureKind::ALL {
            let state = judge(&outcome(1, 1, Some(kind)), &t, State::Critical).state;
            let expected = if kind == FailureKind::Internal {
                State::Unknown
            } else {
                State::Critical
            };
            assert_eq!(state, expected, "{}", kind.name());
        }
    }

    #[test]
    fn every_error_kind_is_documented_and_in_the_schema() {
        let errors = include_str!("../docs/ERRORS.md");
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../docs/report.schema.json")).unwrap();
        let in_schema: Vec<&str> = schema["$defs"]["error_kind"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let names: Vec<&str> = FailureKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(
            in_schema, names,
            "the schema lists the kinds in the same order"
        );
        let headings: Vec<&str> = errors
            .lines()
            .filter_map(|l| l.strip_prefix("### `"))
            .filter_map(|l| l.strip_suffix('`'))
            .collect();
        assert_eq!(
            headings, names,
            "docs/ERRORS.md has one heading per kind, in order"
        );
    }

    #[test]
    fn critical_thresholds_win_over_warning_ones() {
        let t = Thresholds {
            warning: Limits {
                total: Some(Duration::from_millis(5)),
                steps: vec![],
            },
            critical: Limits {
                total: None,
                steps: vec![(Step::Connect, Duration::from_millis(3))],
            },
        };
        let v = judge(&outcome(4, 6, None), &t, State::Critical);
        assert_eq!(v.state, State::Critical);
        assert_eq!(v.crossed, vec!["connect 4.000 ms > 3.000 ms".to_string()]);
        let v = judge(&outcome(2, 6, None), &t, State::Critical);
        assert_eq!(v.state, State::Warning);
        let v = judge(&outcome(2, 5, None), &t, State::Critical);
        assert_eq!(v.state, State::Ok, "equal to the limit does not cross it");
    }
}
