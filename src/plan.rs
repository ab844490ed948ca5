//! A validated plan: everything one run needs, built once from the command line. Nothing reads
//! the command line after this.

use crate::session::SessionConfig;
use crate::target::Target;
use crate::verdict::{State, Thresholds};

/// How the result is printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line `RTMP <STATE> - <summary> | <perfdata>`, long output with -v.
    Nagios,
    /// One JSON object (see docs/report.schema.json).
    Json,
    /// A few lines for people.
    Text,
    /// Prometheus text exposition, for node_exporter's textfile collector.
    Prometheus,
}

/// One target and the session that probes it.
#[derive(Debug, Clone)]
pub struct Probe {
    pub target: Target,
    pub session: SessionConfig,
}

#[derive(Debug, Clone)]
pub struct Plan {
    /// The targets, in the order given; probed concurrently when there are several.
    pub probes: Vec<Probe>,
    /// How many sessions may run at once.
    pub concurrency: usize,
    pub thresholds: Thresholds,
    /// The state reported when a step times out.
    pub timeout_state: State,
    pub format: Format,
    /// -v count: 1 adds long output and info logs, 2 debug logs, 3 trace logs.
    pub verbosity: u8,
    /// Hex dumps of every read and write on stderr.
    pub trace: bool,
}
