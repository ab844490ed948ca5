//! A validated plan: everything one run needs, built once from the command line. Nothing reads
//! the command line after this.

use crate::redact::Redactor;
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
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub target: Target,
    pub session: SessionConfig,
    pub thresholds: Thresholds,
    /// The state reported when a step times out.
    pub timeout_state: State,
    pub format: Format,
    /// -v count: 1 adds long output and info logs, 2 debug logs, 3 trace logs.
    pub verbosity: u8,
    /// Hex dumps of every read and write on stderr.
    pub trace: bool,
    pub redactor: Redactor,
}
