//! Prometheus text exposition (format 0.0.4) for node_exporter's textfile collector: the cron use
//! case. Metric names follow blackbox_exporter's probe metrics, prefixed `rtmp_`.

use super::Report;
use std::fmt::Write;

/// Renders one exposition for any number of reports: each metric family once (HELP, TYPE), then
/// one sample per target.
pub fn render(reports: &[Report]) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "rtmp_probe_success",
        "Whether the RTMP server accepted the session (1) or not (0), whatever the thresholds.",
        reports,
        |r, out| {
            sample(
                out,
                "rtmp_probe_success",
                r,
                &[],
                f64::from(u8::from(r.error.is_none())),
            )
        },
    );
    family(
        &mut out,
        "rtmp_probe_status",
        "Nagios state of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
        reports,
        |r, out| sample(out, "rtmp_probe_status", r, &[], f64::from(r.exit_code)),
    );
    family(
        &mut out,
        "rtmp_probe_duration_seconds",
        "Duration of each step of the session in seconds.",
        reports,
        |r, out| {
            for s in &r.steps {
                sample(
                    out,
                    "rtmp_probe_duration_seconds",
                    r,
                    &[("phase", s.name)],
                    s.duration_ms / 1000.0,
                );
            }
        },
    );
    family(
        &mut out,
        "rtmp_probe_total_duration_seconds",
        "Duration of the whole session in seconds.",
        reports,
        |r, out| {
            sample(
                out,
                "rtmp_probe_total_duration_seconds",
                r,
                &[],
                r.total_ms / 1000.0,
            )
        },
    );
    // The other figures of the reports (a play's media), each as a family of its own, named by
    // the metric and its unit in Prometheus's base units: rtmp_probe_video_bytes_per_second.
    let mut extra: Vec<(&str, &str)> = Vec::new();
    for r in reports {
        for m in &r.metrics {
            // Days are not a Prometheus unit (promtool refuses them): cert_days is in the TLS
            // families, in seconds.
            let other =
                m.name != "total" && m.unit != "d" && !r.steps.iter().any(|s| s.name == m.name);
            if other && !extra.iter().any(|(n, _)| *n == m.name) {
                extra.push((m.name, m.unit));
            }
        }
    }
    for (metric, unit) in extra {
        let name = metric_name("rtmp_probe_", metric, unit);
        let help = format!("The {metric} figure of the check ({}).", unit_words(unit));
        family(&mut out, &name, &help, reports, |r, out| {
            if let Some(m) = r.metrics.iter().find(|m| m.name == metric) {
                sample(out, &name, r, &[], base_value(m.unit, m.value));
            }
        });
    }
    if reports.iter().any(|r| r.server.tls.is_some()) {
        tls_families(&mut out, reports);
    }
    family(
        &mut out,
        "rtmp_probe_failure_info",
        "Present with value 1 when the session failed: the step and the error kind.",
        reports,
        |r, out| {
            if let Some(e) = &r.error {
                sample(
                    out,
                    "rtmp_probe_failure_info",
                    r,
                    &[("step", e.step), ("kind", e.kind)],
                    1.0,
                );
            }
        },
    );
    out
}

/// The certificate's families, for the targets that ran a TLS step: what blackbox_exporter's TLS
/// probes export, under the same names with the `rtmp_` prefix, and the time left in seconds
/// (Prometheus's base unit: promtool refuses a `_days` name).
fn tls_families(out: &mut String, reports: &[Report]) {
    family(
        out,
        "rtmp_probe_ssl_earliest_cert_expiry",
        "Earliest expiry of the certificates the server sent, in seconds since 1970 (rtmps:// only).",
        reports,
        |r, out| {
            if let Some(at) = tls(r).and_then(|t| t.chain_earliest_expiry_unix) {
                sample(out, "rtmp_probe_ssl_earliest_cert_expiry", r, &[], at as f64);
            }
        },
    );
    family(
        out,
        "rtmp_probe_cert_expires_in_seconds",
        "Seconds from the check until the earliest certificate expiry of the chain, negative once expired (rtmps:// only; cert_days in whole days in perfdata and JSON).",
        reports,
        |r, out| {
            if let Some(left) = tls(r).and_then(|t| t.expires_in_s) {
                sample(out, "rtmp_probe_cert_expires_in_seconds", r, &[], left.round());
            }
        },
    );
    family(
        out,
        "rtmp_probe_tls_verified",
        "Whether the certificate was verified (1), or not because of --insecure (0) (rtmps:// only).",
        reports,
        |r, out| {
            if let Some(t) = tls(r) {
                sample(out, "rtmp_probe_tls_verified", r, &[], f64::from(u8::from(t.verified)));
            }
        },
    );
    family(
        out,
        "rtmp_probe_tls_version_info",
        "The TLS version negotiated, as a label (rtmps:// only).",
        reports,
        |r, out| {
            if let Some(t) = tls(r) {
                sample(
                    out,
                    "rtmp_probe_tls_version_info",
                    r,
                    &[("version", t.version)],
                    1.0,
                );
            }
        },
    );
}

fn tls(r: &Report) -> Option<&super::TlsReport> {
    r.server.tls.as_ref()
}

fn family(
    out: &mut String,
    name: &str,
    help: &str,
    reports: &[Report],
    mut samples: impl FnMut(&Report, &mut String),
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for r in reports {
        samples(r, out);
    }
}

fn sample(out: &mut String, name: &str, r: &Report, extra: &[(&str, &str)], value: f64) {
    let _ = write!(
        out,
        "{name}{{target=\"{}\",mode=\"{}\"",
        escape(&r.target.url),
        escape(r.mode),
    );
    for (k, v) in extra {
        let _ = write!(out, ",{k}=\"{}\"", escape(v));
    }
    // The masked URL can be the same for two targets (two keys that mask alike): the id keeps
    // their series apart.
    let _ = write!(out, ",target_id=\"{}\"", escape(&r.target.id));
    let _ = writeln!(out, "}} {}", crate::metrics::trim_number(value));
}

/// `PREFIX<name>` with the unit's suffix (`_seconds`, `_bytes_per_second`, `_per_second`,
/// `_days`; none for a count), unless the name ends with it already. Bit rates go in bytes,
/// Prometheus's base unit (promtool refuses bits), and a `_bitrate` name loses that word:
/// `video_bitrate` is `PREFIX_video_bytes_per_second` (see [`base_value`]). The exporter names
/// its metrics the same way.
pub fn metric_name(prefix: &str, metric: &str, unit: &str) -> String {
    let metric = match unit {
        "bit/s" => metric.strip_suffix("_bitrate").unwrap_or(metric),
        _ => metric,
    };
    let base: String = metric
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let suffix = match unit {
        "s" => "_seconds",
        "bit/s" => "_bytes_per_second",
        "1/s" => "_per_second",
        "d" => "_days",
        _ => "",
    };
    if base.ends_with(suffix) {
        format!("{prefix}{base}")
    } else {
        format!("{prefix}{base}{suffix}")
    }
}

/// A report value in the unit [`metric_name`] names: bit rates in bytes per second.
pub fn base_value(unit: &str, value: f64) -> f64 {
    match unit {
        "bit/s" => value / 8.0,
        _ => value,
    }
}

/// A unit in words (as [`metric_name`] and [`base_value`] expose it), for help texts.
pub fn unit_words(unit: &str) -> &'static str {
    match unit {
        "s" => "seconds",
        "bit/s" => "bytes per second",
        "1/s" => "per second",
        "d" => "days",
        _ => "a count",
    }
}

/// Label values escape backslash, double quote and newline.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn numbers_print_plainly() {
        use crate::metrics::trim_number as number;
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.000412), "0.000412");
        assert_eq!(number(0.014558999999999999), "0.014559");
    }
}
