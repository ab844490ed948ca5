//! A few lines for a person at a shell: the verdict, every step with its time, and what the server
//! said. The same detail lines are the Nagios long output.

use super::Report;

pub fn render(report: &Report) -> String {
    let mut out = format!("RTMP {}: {}\n", report.status, report.summary);
    for line in detail_lines(report) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// What a step came to, in words. The teardown is reported as what it is (it never fails a check
/// whose publish worked): confirmed, closed by the server, not confirmed, reset.
fn step_result(report: &Report, step: &super::StepReport) -> &'static str {
    match (step.name, report.server.teardown) {
        ("unpublish", Some("confirmed")) => "confirmed",
        ("unpublish", Some("closed")) => "closed by the server",
        ("unpublish", Some("not_confirmed")) => "not confirmed",
        ("unpublish", Some("reset")) => "reset by the server",
        _ if step.ok => "ok",
        _ => "FAILED",
    }
}

/// Detail lines shared by the text format and the Nagios long output.
pub fn detail_lines(report: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    let t = &report.target;
    let address = t.address.as_deref().unwrap_or("-");
    lines.push(format!(
        "target: {} ({address}), mode {}",
        t.url, report.mode
    ));
    // 14 columns fit the publish and play steps; a round trip's play_create_stream needs more.
    let width = report
        .steps
        .iter()
        .map(|s| s.name.len() + 1)
        .fold(14, usize::max);
    for s in &report.steps {
        let mut line = format!(
            "step {:<width$}{:>10.3} ms  {}",
            s.name,
            s.duration_ms,
            step_result(report, s)
        );
        if let Some(w) = s.warning_ms {
            line.push_str(&format!("  (warning > {w} ms)"));
        }
        if let Some(c) = s.critical_ms {
            line.push_str(&format!("  (critical > {c} ms)"));
        }
        lines.push(line);
    }
    lines.push(format!(
        "step {:<width$}{:>10.3} ms",
        "total", report.total_ms
    ));
    let sv = &report.server;
    if let Some(t) = &sv.tls {
        lines.extend(super::secure::tls_lines(t));
    }
    if let Some(a) = &report.auth {
        lines.extend(super::secure::auth_lines(a));
    }
    if let Some(h) = &sv.handshake {
        let digest = match (h.digest_scheme, h.s2_digest_valid) {
            (Some(scheme), Some(valid)) => format!(
                "digest scheme {scheme}, S2 digest {}",
                if valid { "valid" } else { "INVALID" }
            ),
            (Some(scheme), None) => format!("digest scheme {scheme}"),
            (None, _) => format!(
                "plain, S2 {} C1",
                if h.s2_echoes_c1 {
                    "echoes"
                } else {
                    "does NOT echo"
                }
            ),
        };
        lines.push(format!(
            "server handshake: version {}, S1 version {}, S1 time {}, {digest}",
            h.s0_version, h.s1_version, h.s1_time
        ));
    }
    if sv.fms_ver.is_some() || sv.capabilities.is_some() {
        lines.push(format!(
            "server: fmsVer {}, capabilities {}",
            sv.fms_ver.as_deref().unwrap_or("-"),
            sv.capabilities.map(|c| c.to_string()).unwrap_or("-".into())
        ));
    }
    if let Some(w) = sv.window_ack_size {
        let bw = sv
            .peer_bandwidth
            .as_ref()
            .map(|b| format!(", peer bandwidth {} ({})", b.size, b.limit_type))
            .unwrap_or_default();
        let cs = sv
            .chunk_size
            .map(|c| format!(", chunk size {c}"))
            .unwrap_or_default();
        lines.push(format!("server: window ack size {w}{bw}{cs}"));
    }
    if let Some(e) = &sv.enhanced {
        lines.push(e.line());
    }
    for s in &sv.statuses {
        lines.push(format!(
            "status at {}: {} {} {} \"{}\"",
            s.step,
            s.command,
            s.level,
            s.code,
            s.description.replace('"', "\\\"")
        ));
    }
    if let Some(p) = &report.published {
        lines.push(p.line());
    }
    if let Some(m) = &report.media {
        lines.extend(super::media::lines(m));
    }
    if let Some(r) = &report.roundtrip {
        lines.push(r.line());
    }
    if let Some(e) = &report.error {
        lines.push(format!(
            "error: {} at step {}: {}",
            e.kind, e.step, e.message
        ));
    }
    for n in &report.notes {
        lines.push(format!("note: {n}"));
    }
    lines
}
