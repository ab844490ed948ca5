//! Deadlines and step records: the run's overall deadline, each step's own, which bound a wait is
//! under (and the option that sets it, for the message when it runs out), and what each step took.

use super::outcome::{Step, StepRecord};
use std::time::Duration;
use tokio::time::Instant;

/// A point in time a wait may not pass, with the bound it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Deadline {
    pub(super) at: Instant,
    /// The configured duration of that bound (what the message says ran out).
    pub(super) limit: Duration,
    /// The option that sets it: `--timeout`, `--step-timeout`, `--settle`...
    pub(super) option: &'static str,
}

impl Deadline {
    /// The earlier of this deadline and a window of `wait` from `now` set by `option`; this one
    /// when they fall together.
    pub(super) fn within(self, now: Instant, wait: Duration, option: &'static str) -> Deadline {
        let at = later(now, wait);
        if at < self.at {
            Deadline {
                at,
                limit: wait,
                option,
            }
        } else {
            self
        }
    }

    /// Whether this deadline is the bound `option` set.
    pub(super) fn is(&self, option: &str) -> bool {
        self.option == option
    }
}

/// One step under way: when it began and the deadline it runs under.
#[derive(Debug, Clone, Copy)]
pub(super) struct Clock {
    pub(super) step: Step,
    pub(super) started: Instant,
    pub(super) deadline: Deadline,
}

/// The session's clock and the steps it recorded.
#[derive(Debug)]
pub(super) struct Record {
    t0: Instant,
    overall: Deadline,
    step_timeout: Option<Duration>,
    pub(super) steps: Vec<StepRecord>,
    /// While set, steps are recorded here instead (see [`Record::start_detour`]).
    detour: Option<Vec<StepRecord>>,
}

impl Record {
    /// Starts the clock now: `timeout` bounds the whole run, `step_timeout` each step.
    pub(super) fn start(timeout: Duration, step_timeout: Option<Duration>) -> Record {
        let t0 = Instant::now();
        Record {
            t0,
            overall: Deadline {
                at: later(t0, timeout),
                limit: timeout,
                option: "--timeout",
            },
            step_timeout,
            steps: Vec::new(),
            detour: None,
        }
    }

    /// When the session started: timestamps and step offsets count from here.
    pub(super) fn t0(&self) -> Instant {
        self.t0
    }

    /// Starts `step`: its deadline is its own bound, within the overall one.
    pub(super) fn begin(&self, step: Step) -> Clock {
        let now = Instant::now();
        Clock {
            step,
            started: now,
            deadline: self.bound(now),
        }
    }

    /// The deadline of a wait that starts at `now`: `--step-timeout` from then, within the overall
    /// deadline.
    pub(super) fn bound(&self, now: Instant) -> Deadline {
        match self.step_timeout {
            Some(d) => self.overall.within(now, d, "--step-timeout"),
            None => self.overall,
        }
    }

    /// The run's own deadline (`--timeout`): what bounds a step that lasts as long as it was asked
    /// to (the media window) rather than until a reply.
    pub(super) fn overall(&self) -> Deadline {
        self.overall
    }

    /// Records `clock`'s step as ended now.
    pub(super) fn end(&mut self, clock: &Clock, ok: bool) {
        let now = Instant::now();
        let record = StepRecord {
            step: clock.step,
            start: clock.started.duration_since(self.t0),
            duration: now.duration_since(clock.started),
            ok,
        };
        match &mut self.detour {
            Some(side) => side.push(record),
            None => self.steps.push(record),
        }
    }

    /// Records the steps that follow on a side list, not as the session's steps, until
    /// [`Record::take_detour`]: an authentication's later rounds reconnect (`tcp_connect`,
    /// `tls`, `handshake`), and those belong to the round, inside the one `connect` step.
    pub(super) fn start_detour(&mut self) {
        self.detour = Some(Vec::new());
    }

    /// Ends the detour; what was recorded on it.
    pub(super) fn take_detour(&mut self) -> Vec<StepRecord> {
        self.detour.take().unwrap_or_default()
    }

    /// The time from the session's start to `at`.
    pub(super) fn offset(&self, at: Instant) -> Duration {
        at.saturating_duration_since(self.t0)
    }

    /// The time since the session started.
    pub(super) fn elapsed(&self) -> Duration {
        self.t0.elapsed()
    }

    /// The longest of the recorded steps in `steps`.
    pub(super) fn slowest(&self, steps: &[Step]) -> Option<Duration> {
        self.steps
            .iter()
            .filter(|r| steps.contains(&r.step))
            .map(|r| r.duration)
            .max()
    }
}

/// `from + wait`, or thirty years from `from` when that overflows: durations come from the command
/// line, and `--timeout 18446744073709551615s` must not panic.
pub(super) fn later(from: Instant, wait: Duration) -> Instant {
    from.checked_add(wait)
        .or_else(|| from.checked_add(Duration::from_secs(30 * 365 * 86_400)))
        .unwrap_or(from)
}
