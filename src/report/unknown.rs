//! The result of a run that could not check anything (bad arguments, the probe's own trouble), in
//! each format: UNKNOWN, exit code 3, with the reason. There is no target and no session to
//! report, so this is not a [`super::Report`]; the JSON form is the schema's `not_run` object.

use crate::plan::Format;
use serde::Serialize;

/// Why nothing was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRun {
    /// The command line (or config) cannot be run.
    Usage,
    /// The probe's own trouble: no async runtime.
    Internal,
    /// The result could not be written where `--output` says (a missing directory, no space,
    /// no permission): the operator's path to fix, said on stdout.
    Output,
}

impl NotRun {
    pub fn name(self) -> &'static str {
        match self {
            NotRun::Usage => "usage",
            NotRun::Internal => "internal",
            NotRun::Output => "output",
        }
    }
}

#[derive(Serialize)]
struct NotRunJson<'a> {
    schema_version: u32,
    probe: super::ProbeInfo,
    status: &'static str,
    exit_code: i32,
    summary: &'a str,
    error: NotRunError<'a>,
}

#[derive(Serialize)]
struct NotRunError<'a> {
    kind: &'static str,
    message: &'a str,
}

/// The UNKNOWN result for `message` in `format`. `message` must already be free of secrets.
pub fn render(format: Format, why: NotRun, message: &str) -> String {
    let message = crate::sanitize::one_line(message);
    match format {
        Format::Nagios => format!("RTMP UNKNOWN - {message}\n"),
        Format::Text => format!("RTMP UNKNOWN: {message}\n"),
        Format::Json => {
            let json = NotRunJson {
                schema_version: super::SCHEMA_VERSION,
                probe: super::ProbeInfo::this(),
                status: "UNKNOWN",
                exit_code: 3,
                summary: &message,
                error: NotRunError {
                    kind: why.name(),
                    message: &message,
                },
            };
            serde_json::to_string(&json).unwrap_or_default() + "\n"
        }
        // The reason as a comment line: parsers (the textfile collector, promtool) pass over
        // it, a person reading the file or cron's mail sees why nothing was checked.
        Format::Prometheus => format!(
            "# rtmp-probe UNKNOWN: {message}\n\
             # HELP rtmp_probe_status Nagios state of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n\
             # TYPE rtmp_probe_status gauge\n\
             rtmp_probe_status 3\n\
             # HELP rtmp_probe_not_run_info Present with value 1 when the probe could not check anything, with why.\n\
             # TYPE rtmp_probe_not_run_info gauge\n\
             rtmp_probe_not_run_info{{kind=\"{}\"}} 1\n",
            why.name()
        ),
    }
}
