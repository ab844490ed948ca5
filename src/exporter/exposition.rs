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
//! - every other metric of the report (a play's media figures, as the modes add them) as
//!   `probe_rtmp_<name>` with its unit as a suffix (`_seconds`, `_per_second`, and bit rates in
//!   bytes, `_bytes_per_second`), so a new metric appears here without a change to this file;
//!   metrics in days are not among them (Prometheus wants base units, promtool refuses `_days`):
//!   `cert_days` is `probe_rtmp_cert_expires_in_seconds` below;
//! - for `rtmps://`, the certificate under blackbox's own TLS names (the `KNOWN` table):
//!   `probe_ssl_earliest_cert_expiry` (seconds since 1970), `probe_tls_version_info{version}`,
//!   `probe_tls_cipher_info{cipher}`, and `probe_rtmp_tls_verified` (0 with `insecure`).
//!
//! Nothing here names the target: Prometheus adds `instance`, and stream names (often keys) never
//! appear.

use crate::report::{MetricReport, Report};
use std::fmt::Write;

/// The Content-Type of the text exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// One of blackbox_exporter's metrics, read from the report: a label and the value, when the
/// probe measured it.
type Known = fn(&Report) -> Option<(Option<(&'static str, String)>, f64)>;

/// What blackbox_exporter users know under its own names (the TLS facts of `rtmps://`): (name,
/// help, how to read it). The help is blackbox's own.
const KNOWN: &[(&str, &str, Known)] = &[
    (
        "probe_ssl_earliest_cert_expiry",
        "Returns earliest SSL cert expiry date",
        |r| {
            let at = r.server.tls.as_ref()?.chain_earliest_expiry_unix?;
            Some((None, at as f64))
        },
    ),
    (
        "probe_tls_version_info",
        "Contains TLS version information",
        |r| {
            let t = r.server.tls.as_ref()?;
            Some((Some(("version", t.version.to_string())), 1.0))
        },
    ),
    (
        "probe_tls_cipher_info",
        "Contains TLS cipher information",
        |r| {
            let t = r.server.tls.as_ref()?;
            Some((Some(("cipher", t.cipher.clone())), 1.0))
        },
    ),
    (
        "probe_rtmp_cert_expires_in_seconds",
        "Seconds from the probe until the earliest certificate expiry of the chain, negative once expired.",
        |r| {
            let left = r.server.tls.as_ref()?.expires_in_s?;
            Some((None, left.round()))
        },
    ),
    (
        "probe_rtmp_tls_verified",
        "Whether the certificate was verified (1), or not because the module is insecure (0).",
        |r| {
            let t = r.server.tls.as_ref()?;
            Some((None, f64::from(u8::from(t.verified))))
        },
    ),
];

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
        .filter(|m| m.name != "total" && m.unit != "d")
        .filter(|m| !report.steps.iter().any(|s| s.name == m.name))
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
    }
    for (name, help, read) in KNOWN {
        if let Some((label, value)) = read(report) {
            gauge(&mut out, name, help);
            match &label {
                Some((key, text)) => sample(&mut out, name, &[(key, text.as_str())], value),
                None => sample(&mut out, name, &[], value),
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
