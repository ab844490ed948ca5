//! The answer to `/probe`: one probe's [`Report`] as a Prometheus text exposition (format 0.0.4),
//! under blackbox_exporter's names, so that its dashboards and alert rules carry over:
//!
//! - `probe_success`: 1 when the server accepted the session, whatever the thresholds (as
//!   `rtmp_probe_success` of the textfile output: see docs/DECISIONS.md);
//! - `probe_duration_seconds`: the whole probe, as the exporter timed it;
//! - `probe_rtmp_duration_seconds{phase}`: each step that ran, failed ones too, like blackbox's
//!   `probe_http_duration_seconds{phase}`;
//! - `probe_rtmp_status`: the Nagios state with the module's thresholds (0 OK .. 3 UNKNOWN);
//! - `probe_rtmp_failure_info{step,kind}`: present when the session failed;
//! - every other metric of the report (media, certificates as the modes add them) as
//!   `probe_rtmp_<name>` with its unit as a suffix (`_seconds`, `_bytes_per_second`, `_per_second`,
//!   `_days`), so a new metric appears here without a change to this file;
//! - a few under blackbox's own names as well (the `KNOWN` table).
//!
//! Nothing here names the target: Prometheus adds `instance`, and stream names (often keys) never
//! appear.

use crate::report::{MetricReport, Report};
use std::fmt::Write;

/// The Content-Type of the text exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Report metrics that blackbox_exporter users know under another name: (report metric, name,
/// help). Each is emitted under both names.
const KNOWN: &[(&str, &str, &str)] = &[];

/// Renders the exposition of one probe that took `duration_s` seconds.
pub fn render(report: &Report, duration_s: f64) -> String {
    let mut out = String::with_capacity(1536);
    gauge(
        &mut out,
        "probe_rtmp_duration_seconds",
        "Duration of each step of the RTMP session in seconds.",
    );
    for s in &report.steps {
        sample(
            &mut out,
            "probe_rtmp_duration_seconds",
            &[("phase", s.name)],
            s.duration_ms / 1000.0,
        );
    }
    let extra: Vec<&MetricReport> = report
        .metrics
        .iter()
        .filter(|m| m.name != "total" && !report.steps.iter().any(|s| s.name == m.name))
        .collect();
    for m in &extra {
        let name = metric_name(m);
        gauge(
            &mut out,
            &name,
            &format!(
                "The {} metric of the probe ({}).",
                m.name,
                unit_words(m.unit)
            ),
        );
        let value = crate::report::prometheus_value(m.unit, m.value);
        sample(&mut out, &name, &[], value);
        for (from, name, help) in KNOWN {
            if *from == m.name {
                gauge(&mut out, name, help);
                sample(&mut out, name, &[], value);
            }
        }
    }
    gauge(
        &mut out,
        "probe_rtmp_status",
        "Nagios state of the probe with the module's thresholds: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
    );
    sample(
        &mut out,
        "probe_rtmp_status",
        &[],
        f64::from(report.exit_code),
    );
    gauge(
        &mut out,
        "probe_rtmp_failure_info",
        "Present with value 1 when the session failed: the step and the error kind (docs/ERRORS.md).",
    );
    if let Some(e) = &report.error {
        sample(
            &mut out,
            "probe_rtmp_failure_info",
            &[("step", e.step), ("kind", e.kind)],
            1.0,
        );
    }
    gauge(
        &mut out,
        "probe_duration_seconds",
        "Returns how long the probe took to complete in seconds",
    );
    sample(&mut out, "probe_duration_seconds", &[], duration_s);
    gauge(
        &mut out,
        "probe_success",
        "Displays whether or not the probe was a success",
    );
    sample(
        &mut out,
        "probe_success",
        &[],
        f64::from(u8::from(report.error.is_none())),
    );
    out
}

/// `probe_rtmp_<name>` with the unit's suffix, unless the name already ends with it.
fn metric_name(m: &MetricReport) -> String {
    crate::report::prometheus_metric_name("probe_rtmp_", m.name, m.unit)
}

fn unit_words(unit: &str) -> &'static str {
    crate::report::prometheus_unit_words(unit)
}

/// `# HELP` and `# TYPE ... gauge` lines.
pub fn gauge(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// One sample line.
pub fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"");
            escape_label(out, v);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    push_number(out, value);
    out.push('\n');
}

/// A value as the exposition writes it: `NaN`, `+Inf`, `-Inf`, or a plain number.
pub fn push_number(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        let _ = write!(out, "{v:.0}");
    } else {
        // Nanoseconds are the finest any duration here has; more digits would only be the noise
        // of binary fractions (0.000008999999999999999).
        let start = out.len();
        let _ = write!(out, "{v:.9}");
        let trimmed = out.trim_end_matches('0').trim_end_matches('.').len();
        out.truncate(trimmed.max(start + 1));
    }
}

/// Label values escape backslash, double quote and newline.
pub fn escape_label(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Help text escapes backslash and newline.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests;
