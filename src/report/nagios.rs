//! `RTMP <STATE> - <summary> | <perfdata>`, as the Monitoring Plugins guidelines want it, with long
//! output (details, one item a line) after it when asked for.

use super::{MetricReport, Report};
use crate::metrics::{trim_number, Unit};
use crate::verdict::State;
use std::fmt::Write;

/// Renders the plugin output. `long` adds the long-output lines (-v).
pub fn render(report: &Report, long: bool) -> String {
    let mut out = format!("RTMP {} - {}", report.status, one_line(&report.summary));
    let perf = perfdata(report);
    if !perf.is_empty() {
        out.push_str(" | ");
        out.push_str(&perf);
    }
    out.push('\n');
    if long {
        for line in super::text::detail_lines(report) {
            out.push_str(&one_line(&line));
            out.push('\n');
        }
    }
    out
}

/// One aggregate line for several targets: the worst state, how many were OK, the first problem,
/// per-target totals as perfdata (labelled by target id); then each target's own line as long
/// output (always: the first line alone cannot say which target failed), ending with the
/// target's id and masked URL.
pub fn render_many(reports: &[Report], worst: State, long: bool) -> String {
    let ok = reports.iter().filter(|r| r.state == State::Ok).count();
    let mut summary = format!("{ok} of {} targets OK", reports.len());
    let mut problems = reports.iter().filter(|r| r.state != State::Ok);
    if let Some(first) = problems.next() {
        let _ = write!(summary, "; {}: {}", first.status, one_line(&first.summary));
        let rest: Vec<&Report> = problems.collect();
        let unchecked = rest
            .iter()
            .filter(|r| r.error.as_ref().is_some_and(|e| e.kind == "not_checked"))
            .count();
        let more = rest.len();
        if unchecked > 0 {
            let _ = write!(summary, " (+{more} more, {unchecked} of them not checked)");
        } else if more > 0 {
            let _ = write!(summary, " (+{more} more)");
        }
    }
    let mut out = format!("RTMP {} - {summary}", worst.name());
    let mut perf = String::new();
    for r in reports {
        if let Some(total) = r.metrics.iter().find(|m| m.name == "total") {
            let label = format!("{} total", r.target.id);
            perf_item(&mut perf, &label, total, r.timeout_ms);
        }
    }
    if !perf.is_empty() {
        out.push_str(" | ");
        out.push_str(&perf);
    }
    out.push('\n');
    for r in reports {
        let _ = writeln!(
            out,
            "RTMP {} - {} [{} {}]",
            r.status,
            one_line(&r.summary),
            r.target.id,
            one_line(&r.target.url)
        );
        if long {
            for line in super::text::detail_lines(r) {
                let _ = writeln!(out, "  {}", one_line(&line));
            }
        }
    }
    out
}

/// Nagios reads up to the first `|` as text: keep the summary on one line and free of pipes. A
/// pipe becomes a broken bar, `¦`, which reads as what it replaces without being it (a `/` would
/// make the application `li|ve` look like `li/ve`, another name).
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('|', "¦")
}

/// `'label'=value[UOM];[warn];[crit];[min];[max]` for every measured metric: each step that ran
/// and the total, in seconds, with their ranges as the guidelines write them.
fn perfdata(report: &Report) -> String {
    let mut out = String::new();
    for m in &report.metrics {
        perf_item(&mut out, m.name, m, report.timeout_ms);
    }
    out
}

/// One perfdata item. Durations go from 0 to the timeout; other units have no bounds.
fn perf_item(out: &mut String, label: &str, m: &MetricReport, timeout_ms: f64) {
    if !out.is_empty() {
        out.push(' ');
    }
    let (value, bounds) = match m.kind {
        Unit::Seconds => (
            seconds(m.value * 1000.0),
            format!("0;{}", seconds(timeout_ms)),
        ),
        _ => (trim_number(m.value), ";".to_string()),
    };
    let _ = write!(
        out,
        "'{}'={value}{};{};{};{bounds}",
        label.replace('\'', "''"),
        m.kind.perfdata_uom(),
        m.warning.as_deref().unwrap_or_default(),
        m.critical.as_deref().unwrap_or_default(),
    );
}

/// Seconds with microsecond precision and a `.` decimal point whatever the locale, trailing zeros
/// trimmed for thresholds (`0.2`), kept for measurements (`0.000412`).
fn seconds(ms: f64) -> String {
    let s = format!("{:.6}", ms / 1000.0);
    let trimmed = s.trim_end_matches('0').trim_end_matches('.');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn seconds_use_a_dot_and_microseconds() {
        assert_eq!(seconds(0.412), "0.000412");
        assert_eq!(seconds(200.0), "0.2");
        assert_eq!(seconds(10_000.0), "10");
        assert_eq!(seconds(0.0), "0");
    }
}
