//! Many targets in one run, and the Prometheus exposition.

use crate::support::nginx::Nginx;
use crate::support::{closed_port, probe, report};
use std::collections::HashSet;
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `promtool check metrics` on an exposition and panics with its complaints.
pub fn promtool_check(exposition: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run promtool ({e}): run scripts/test.sh or apt-get install prometheus")
        });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(exposition.as_bytes())
        .expect("write the exposition to promtool");
    let out = child.wait_with_output().expect("promtool ran");
    assert!(
        out.status.success(),
        "promtool rejects the exposition:\n{}{}\n{exposition}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn two_hundred_stream_names_on_one_nginx_at_once_all_report_ok() {
    let nginx = Nginx::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("targets");
    let mut text = String::from("# two hundred probes\n\n");
    for i in 0..200 {
        text.push_str(&nginx.url("live", &format!("many-{i}-{{random}}")));
        text.push('\n');
    }
    std::fs::write(&file, text).expect("write the targets file");
    let out = probe::run(&[
        "--format",
        "json",
        "--show-secrets",
        "--targets",
        file.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(
        out.code,
        0,
        "{}\n{}",
        out.stdout
            .lines()
            .find(|l| !l.contains("\"OK\""))
            .unwrap_or(""),
        nginx.error_log()
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 200, "one JSON line per target");
    let mut streams = HashSet::new();
    for (i, line) in lines.iter().enumerate() {
        let r = report::parse_valid(line);
        assert_eq!(r["status"], "OK", "{line}");
        assert_eq!(report::step_names(&r).len(), 8, "{line}");
        let stream = r["target"]["stream"].as_str().expect("stream").to_string();
        assert!(
            stream.starts_with(&format!("many-{i}-")),
            "reports keep the order of the targets: {stream} at {i}"
        );
        streams.insert(stream);
    }
    assert_eq!(streams.len(), 200, "every probe used its own stream name");
}

#[test]
fn the_nagios_line_of_several_targets_gives_the_worst_state_and_each_target_below() {
    let nginx = Nginx::start();
    let refused = format!("rtmp://127.0.0.1:{}/live/x", closed_port());
    let out = probe::run(&[
        &nginx.url("live", "a-{random}"),
        &refused,
        &nginx.url("live", "b-{random}"),
    ]);
    assert_eq!(out.code, 2, "{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("RTMP CRITICAL - 2 of 3 targets OK; CRITICAL: TCP connection to"),
        "{out}"
    );
    assert_eq!(lines[0].matches(" total'=").count(), 3, "{out}");
    assert!(lines[1].starts_with("RTMP OK - publish accepted"), "{out}");
    assert!(
        lines[2].starts_with("RTMP CRITICAL - TCP connection to"),
        "{out}"
    );
    assert!(lines[3].starts_with("RTMP OK - publish accepted"), "{out}");
}

#[test]
fn the_prometheus_exposition_passes_promtool_and_names_metrics_like_blackbox() {
    let nginx = Nginx::start();
    let out = probe::run(&[
        "--format",
        "prometheus",
        &nginx.url("live", "prom-key-{random}"),
        &nginx.url("nope", "x"),
    ]);
    assert_eq!(out.code, 2, "{out}");
    promtool_check(&out.stdout);
    let text = &out.stdout;
    for family in [
        "rtmp_probe_success",
        "rtmp_probe_status",
        "rtmp_probe_duration_seconds",
        "rtmp_probe_total_duration_seconds",
    ] {
        assert!(text.contains(&format!("# TYPE {family} gauge\n")), "{text}");
        assert_eq!(
            text.matches(&format!("# HELP {family} ")).count(),
            1,
            "{text}"
        );
    }
    let sample = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no sample {prefix}: {text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .to_string()
    };
    let ok_url = format!("rtmp://127.0.0.1:{}/live/prom***", nginx.rtmp_port());
    assert_eq!(
        sample(&format!(
            "rtmp_probe_success{{target=\"{ok_url}\",mode=\"publish\"}}"
        )),
        "1"
    );
    assert_eq!(
        sample(&format!(
            "rtmp_probe_status{{target=\"{ok_url}\",mode=\"publish\"}}"
        )),
        "0"
    );
    let handshake: f64 = sample(&format!(
        "rtmp_probe_duration_seconds{{target=\"{ok_url}\",mode=\"publish\",phase=\"handshake\"}}"
    ))
    .parse()
    .expect("a number");
    assert!(handshake > 0.0 && handshake < 10.0);
    assert!(
        text.contains(",step=\"connect\",kind=\"closed\"} 1"),
        "the failure is labelled: {text}"
    );
    assert!(
        !text.contains("prom-key-"),
        "the stream key is masked: {text}"
    );
}

#[test]
fn a_bad_line_in_a_targets_file_is_unknown_naming_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("t.txt");
    std::fs::write(&file, "# probes\nrtmp://h/live/a\n\nhttp://h/live/b\n").unwrap();
    let out = probe::run(&["--targets", file.to_str().unwrap()]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout
            .contains("t.txt line 4: URL must start with rtmp://")
            || out
                .stdout
                .contains("t.txt line 4: the URL must start with rtmp://"),
        "{out}"
    );
    let out = probe::run(&["--targets", "/nonexistent/targets"]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout.contains("cannot read /nonexistent/targets"),
        "{out}"
    );
}
