//! Thresholds in the Monitoring Plugins range syntax, end to end against a real nginx-rtmp: each
//! form decides the state, reaches perfdata as the guidelines write it, and bad ranges are usage
//! errors.

use crate::support::nginx::Nginx;
use crate::support::{probe, report};

/// The perfdata item of `label` in a Nagios line.
fn perf_item<'a>(stdout: &'a str, label: &str) -> &'a str {
    let line = stdout.lines().next().unwrap_or_default();
    let (_, perf) = line.split_once(" | ").expect("perfdata after ' | '");
    perf.split(' ')
        .find(|i| i.starts_with(&format!("'{label}'=")))
        .unwrap_or_else(|| panic!("no perfdata item {label}: {perf}"))
}

#[test]
fn each_range_form_decides_the_state_and_reaches_perfdata_as_written() {
    let nginx = Nginx::start();
    let url = nginx.url("live", "range-{random}");
    // Below a floor nobody reaches on loopback: `10s:` alerts for any faster connect.
    let out = probe::run(&["--mode", "connect", "-w", "connect=10s:", &url]);
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stdout.contains(", but connect "), "{out}");
    assert!(
        out.stdout.contains(" < 10000 ms"),
        "the side crossed: {out}"
    );
    assert!(
        perf_item(&out.stdout, "connect").ends_with("s;10:;;0;10"),
        "{out}"
    );
    // Inside a range that holds every loopback time: `@0:10s` alerts.
    let out = probe::run(&["--mode", "connect", "-c", "@0:10s", &url]);
    assert_eq!(out.code, 2, "{out}");
    assert!(
        perf_item(&out.stdout, "total").ends_with(";;@0:10;0;10"),
        "{out}"
    );
    // Outside a range that holds every loopback time: nothing crosses.
    let out = probe::run(&[
        "--mode",
        "connect",
        "-w",
        "handshake=0:10s",
        "-c",
        "~:10s",
        &url,
    ]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        perf_item(&out.stdout, "handshake").ends_with("s;10;;0;10"),
        "{out}"
    );
    assert!(
        perf_item(&out.stdout, "total").ends_with("s;;~:10;0;10"),
        "{out}"
    );
}

#[test]
fn the_json_report_carries_crossings_and_metrics_as_data() {
    let nginx = Nginx::start();
    let url = nginx.url("live", "range-{random}");
    let out = probe::run(&[
        "--format",
        "json",
        "-w",
        "1us,connect=1us",
        "-c",
        "handshake=5s",
        &url,
    ]);
    assert_eq!(out.code, 1, "{out}");
    let r = report::parse_valid(&out.stdout);
    let crossings = r["crossings"].as_array().expect("crossings");
    let names: Vec<&str> = crossings
        .iter()
        .filter_map(|c| c["metric"].as_str())
        .collect();
    assert_eq!(names, ["total", "connect"], "{}", r["crossings"]);
    for c in crossings {
        assert_eq!(c["state"], "WARNING");
        assert_eq!(c["unit"], "s");
        assert_eq!(c["range"], "0.000001");
        assert!(c["value"].as_f64().unwrap() > 0.000001);
    }
    assert_eq!(r["thresholds_crossed"].as_array().unwrap().len(), 2);
    let metrics = r["metrics"].as_array().expect("metrics");
    let handshake = metrics
        .iter()
        .find(|m| m["name"] == "handshake")
        .expect("a handshake metric");
    assert_eq!(handshake["critical"], "5");
    assert_eq!(handshake["warning"], serde_json::Value::Null);
    assert_eq!(metrics.last().unwrap()["name"], "total");
}

#[test]
fn empty_inverted_or_unitless_ranges_are_unknown_naming_the_fix() {
    for (args, words) in [
        (vec!["-w", "connect="], "the range is empty"),
        (vec!["-c", "2s:1s"], "inverted"),
        (vec!["-w", "connect=@"], "the range is empty"),
        (vec!["-c", "~:"], "can never alert"),
        (vec!["-w", "publish=fast"], "10s or 250ms"),
        (
            vec!["-w", "fps=25:"],
            "fps is not measured in --mode publish (it is in --mode play)",
        ),
        (vec!["-w", "bogus=25:"], "unknown metric \"bogus\""),
        (
            vec!["--mode", "connect", "-w", "verify=1s"],
            "not measured in --mode connect",
        ),
        (
            vec!["--step-timeout", "0", "-t", "5s"],
            "--step-timeout must be more than zero",
        ),
    ] {
        let mut full = args.clone();
        full.push("rtmp://127.0.0.1:1/live/x");
        let out = probe::run(&full);
        assert_eq!(out.code, 3, "{args:?}: {out}");
        assert_eq!(out.stdout.lines().count(), 1, "{args:?}: {out}");
        assert!(
            out.stdout.starts_with("RTMP UNKNOWN - invalid arguments: "),
            "{args:?}: {out}"
        );
        assert!(out.stdout.contains(words), "{args:?}: {out}");
    }
}
