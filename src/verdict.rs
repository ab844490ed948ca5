//! The one place that turns what a session recorded into a Nagios state.
//!
//! A server that refused, failed or dropped the stream is CRITICAL; a timeout is CRITICAL unless
//! `--timeout-state` says otherwise; UNKNOWN is the probe's own problem, never the server's. When
//! the session worked, thresholds decide between OK, WARNING and CRITICAL (critical first).
//!
//! Severity, for aggregating several targets and for nothing else: CRITICAL > WARNING > UNKNOWN >
//! OK ([`State::severity`], as monitoring-plugins' `max_state_alt`): a target that could not be
//! checked is worse than a healthy one, and a real failure elsewhere outranks it.

use crate::metrics::{Limits, Metric, Range, Unit};
use crate::session::{FailureKind, Outcome};
use serde::Serialize;
use std::cmp::Ordering;

pub use crate::metrics::ms;

pub mod play;

/// A Nagios plugin state. Ordered by [`State::severity`] (so `max` is the worst), not by exit
/// code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

    /// The one severity order: OK 0, UNKNOWN 1, WARNING 2, CRITICAL 3.
    pub fn severity(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Unknown => 1,
            State::Warning => 2,
            State::Critical => 3,
        }
    }

    /// The worst of several states by [`State::severity`]; UNKNOWN when there are none.
    pub fn worst(states: impl IntoIterator<Item = State>) -> State {
        states.into_iter().max().unwrap_or(State::Unknown)
    }
}

impl Ord for State {
    fn cmp(&self, other: &Self) -> Ordering {
        self.severity().cmp(&other.severity())
    }
}

impl PartialOrd for State {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for State {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Warning and critical limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    pub warning: Limits,
    pub critical: Limits,
}

/// A threshold that a measured value crossed.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossing {
    pub metric: &'static str,
    pub unit: Unit,
    pub value: f64,
    pub range: Range,
    /// WARNING or CRITICAL.
    pub state: State,
}

impl Crossing {
    /// For people: `connect 4.000 ms > 3.000 ms`; media figures in words, what is wrong first:
    /// `keyframe every 10.0 s (critical above 4 s)`, `video at 1.00 Mbit/s (warning below 2.50
    /// Mbit/s)`.
    pub fn describe(&self) -> String {
        if let Some(words) = play::words(self) {
            return words;
        }
        format!(
            "{} {} {}",
            self.metric,
            self.unit.show(self.value),
            self.range.describe_crossing(self.value, self.unit)
        )
    }
}

/// The state and, when thresholds decided it, what crossed them.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub state: State,
    /// The crossings of the level that decided the state (critical ones when any, else warning
    /// ones); empty when no threshold was crossed or the session failed.
    pub crossings: Vec<Crossing>,
}

/// The metrics a session measured that thresholds can judge: each step that succeeded, the
/// total, and what [`measured`] lists (certificate days, a play's window figures).
pub fn metrics(outcome: &Outcome) -> Vec<Metric> {
    let mut out: Vec<Metric> = outcome
        .steps
        .iter()
        .filter(|r| r.ok)
        .map(|r| Metric::seconds(r.step.name(), r.duration))
        .collect();
    out.push(Metric::seconds("total", outcome.total));
    out.extend(measured(outcome));
    out
}

/// What a session measured besides the durations of its steps: the whole days left until the
/// earliest certificate expiry of the chain (`cert_days`, `rtmps://` only), and the figures of a
/// play's watch window (`verdict::play`).
pub fn measured(outcome: &Outcome) -> Vec<Metric> {
    let mut out = Vec::new();
    if let Some(days) = outcome.server.tls.as_ref().and_then(|t| t.days_left) {
        out.push(Metric {
            name: "cert_days",
            unit: Unit::Days,
            value: days as f64,
        });
    }
    if let Some(media) = &outcome.media {
        out.extend(play::metrics(media));
    }
    if let Some(rt) = &outcome.roundtrip {
        out.extend(roundtrip_metrics(rt));
    }
    out
}

/// The round trip's counts, and its latencies when a frame came back.
fn roundtrip_metrics(rt: &crate::session::RoundtripOutcome) -> Vec<Metric> {
    let count = |name, v: u64| Metric {
        name,
        unit: Unit::Count,
        value: v as f64,
    };
    let mut out = vec![
        count("frames_sent", rt.frames_sent),
        count("frames_received", rt.frames_received),
        count("lost", rt.lost),
        count("duplicated", rt.duplicated),
        count("reordered", rt.reordered),
        count("corrupted", rt.corrupted),
    ];
    if let Some(l) = rt.latency {
        out.extend([
            Metric::seconds("latency_min", l.min),
            Metric::seconds("latency_p50", l.p50),
            Metric::seconds("latency_p95", l.p95),
            Metric::seconds("latency_max", l.max),
        ]);
    }
    out
}

/// The state a failure stands for: the one exhaustive match over the error vocabulary.
pub fn failure_state(kind: FailureKind, timeout_state: State) -> State {
    match kind {
        FailureKind::Internal
        | FailureKind::LocalResources
        | FailureKind::NotChecked
        | FailureKind::AuthUnsupported => State::Unknown,
        FailureKind::Timeout => timeout_state,
        FailureKind::ResolveFailed
        | FailureKind::ConnectionRefused
        | FailureKind::ConnectFailed
        | FailureKind::Closed
        | FailureKind::Reset
        | FailureKind::TlsUntrusted
        | FailureKind::TlsSelfSigned
        | FailureKind::TlsExpired
        | FailureKind::TlsNotYetValid
        | FailureKind::TlsNameMismatch
        | FailureKind::TlsBadCertificate
        | FailureKind::TlsNoCommonProtocol
        | FailureKind::TlsAlert
        | FailureKind::NotTls
        | FailureKind::TlsProtocolError
        | FailureKind::TlsTruncated
        | FailureKind::HandshakeVersion
        | FailureKind::HandshakeEncrypted
        | FailureKind::HandshakeTruncated
        | FailureKind::Rejected
        | FailureKind::DroppedAfterPublish
        | FailureKind::CodecRefused
        | FailureKind::AuthRequired
        | FailureKind::AuthFailed
        | FailureKind::NoSuchUser
        | FailureKind::AuthMalformed
        | FailureKind::NoMedia
        | FailureKind::MissingMedia
        | FailureKind::PublisherLeft
        | FailureKind::InvalidMedia
        | FailureKind::ProtocolViolation
        | FailureKind::MessageTooLarge
        | FailureKind::MalformedReply
        | FailureKind::UnexpectedReply
        | FailureKind::Io => State::Critical,
    }
}

/// Decides the state of one session.
pub fn judge(outcome: &Outcome, thresholds: &Thresholds, timeout_state: State) -> Verdict {
    if let Some(failure) = &outcome.failure {
        return Verdict {
            state: failure_state(failure.kind, timeout_state),
            crossings: Vec::new(),
        };
    }
    let measured = metrics(outcome);
    for (limits, state) in [
        (&thresholds.critical, State::Critical),
        (&thresholds.warning, State::Warning),
    ] {
        let crossings = crossings(&measured, limits, state);
        if !crossings.is_empty() {
            return Verdict { state, crossings };
        }
    }
    Verdict {
        state: State::Ok,
        crossings: Vec::new(),
    }
}

/// The thresholds of one level that the measured values cross, in the order they were given.
fn crossings(measured: &[Metric], limits: &Limits, state: State) -> Vec<Crossing> {
    limits
        .items
        .iter()
        .filter_map(|t| {
            let m = measured.iter().find(|m| m.name == t.metric.name)?;
            t.range.alerts(m.value).then_some(Crossing {
                metric: m.name,
                unit: m.unit,
                value: m.value,
                range: t.range,
                state,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Failure, Step, StepRecord};
    use std::time::{Duration, SystemTime};

    fn outcome(connect_ms: u64, total_ms: u64, failure: Option<FailureKind>) -> Outcome {
        Outcome {
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
            ..Outcome::empty(SystemTime::now())
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
    fn only_the_probes_own_problems_are_unknown() {
        let t = Thresholds::default();
        for kind in FailureKind::ALL {
            let state = judge(&outcome(1, 1, Some(kind)), &t, State::Critical).state;
            let expected = if matches!(
                kind,
                FailureKind::Internal
                    | FailureKind::LocalResources
                    | FailureKind::NotChecked
                    | FailureKind::AuthUnsupported
            ) {
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

    fn limits(items: &[&str]) -> Limits {
        let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        Limits::parse("-w", &items, "publish").unwrap()
    }

    #[test]
    fn critical_thresholds_win_over_warning_ones() {
        let t = Thresholds {
            warning: limits(&["5ms"]),
            critical: limits(&["connect=3ms"]),
        };
        let v = judge(&outcome(4, 6, None), &t, State::Critical);
        assert_eq!(v.state, State::Critical);
        let described: Vec<String> = v.crossings.iter().map(Crossing::describe).collect();
        assert_eq!(described, vec!["connect 4.000 ms > 3.000 ms".to_string()]);
        assert_eq!(v.crossings[0].state, State::Critical);
        assert_eq!(v.crossings[0].metric, "connect");
        let v = judge(&outcome(2, 6, None), &t, State::Critical);
        assert_eq!(v.state, State::Warning);
        assert_eq!(v.crossings[0].describe(), "total 6.000 ms > 5.000 ms");
        let v = judge(&outcome(2, 5, None), &t, State::Critical);
        assert_eq!(v.state, State::Ok, "equal to the limit does not cross it");
    }

    #[test]
    fn lower_bounds_and_inside_ranges_judge_too() {
        let t = Thresholds {
            warning: limits(&["connect=3ms:"]),
            critical: limits(&["total=@10ms:20ms"]),
        };
        let v = judge(&outcome(2, 6, None), &t, State::Critical);
        assert_eq!(v.state, State::Warning);
        assert_eq!(v.crossings[0].describe(), "connect 2.000 ms < 3.000 ms");
        let v = judge(&outcome(4, 15, None), &t, State::Critical);
        assert_eq!(v.state, State::Critical);
        assert_eq!(
            v.crossings[0].describe(),
            "total 15.0 ms inside 10.0 ms..20.0 ms"
        );
    }

    #[test]
    fn a_failed_step_is_not_judged_by_thresholds() {
        let t = Thresholds {
            warning: Limits::default(),
            critical: limits(&["connect=1ms"]),
        };
        let v = judge(
            &outcome(4, 6, Some(FailureKind::Rejected)),
            &t,
            State::Critical,
        );
        assert!(v.crossings.is_empty());
    }

    #[test]
    fn critical_outranks_warning_which_outranks_unknown_which_outranks_ok() {
        use State::*;
        assert_eq!(State::worst([Ok, Unknown]), Unknown);
        assert_eq!(State::worst([Unknown, Warning, Ok]), Warning);
        assert_eq!(State::worst([Warning, Critical, Unknown]), Critical);
        assert_eq!(State::worst([Ok, Ok]), Ok);
        assert_eq!(State::worst([]), Unknown, "nothing checked is UNKNOWN");
        assert!(Critical > Warning && Warning > Unknown && Unknown > Ok);
    }
}
