//! `rtmp-probe serve`: the exporter as Prometheus and an operator use it, against a private
//! nginx-rtmp, closed and silent ports, and a real Prometheus.

use crate::support::exporter::{
    encode, example, probe_path, request, try_request, unit_file, Exporter, Prometheus,
};
use crate::support::nginx::Nginx;
use crate::support::probe::{run_program, BINARY};
use crate::support::report::PUBLISH_STEPS;
use crate::support::{closed_port, unanswering_port};
use crate::targets::promtool_check;
use std::net::TcpListener;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

fn config(allow: &[&str], extra: &str) -> String {
    let allow: Vec<String> = allow.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "allow_targets: [{}]\nmodules:\n  publish: {{mode: publish, timeout: 5s}}\n  connect: {{mode: connect, timeout: 2s}}\n{extra}",
        allow.join(", ")
    )
}

fn loopback() -> String {
    config(&["127.0.0.1"], "")
}

#[test]
fn a_publish_probe_of_nginx_rtmp_succeeds_with_blackbox_names_and_passes_promtool() {
    let nginx = Nginx::start();
    let ex = Exporter::start(&loopback(), &[]);
    let r = ex.probe(&nginx.url("live", "exporter-{random}"), "publish");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(r.sample("probe_success"), Some(1.0), "{}", r.body);
    assert_eq!(r.sample("probe_rtmp_status"), Some(0.0), "{}", r.body);
    let total = r.sample("probe_duration_seconds").unwrap();
    assert!(total > 0.0 && total < 5.0, "{total}");
    // Every step but the name lookup of an IP literal and the teardown, which nginx may end.
    for phase in &PUBLISH_STEPS[1..7] {
        let v = r.sample(&format!("probe_rtmp_duration_seconds{{phase=\"{phase}\"}}"));
        assert!(
            v.is_some_and(|v| v >= 0.0 && v < total),
            "{phase}: {}",
            r.body
        );
    }
    assert!(!r.body.contains("probe_rtmp_failure_info{"), "{}", r.body);
    // No target label, no URL: Prometheus adds `instance`.
    assert!(
        !r.body.contains("target=") && !r.body.contains("rtmp://"),
        "{}",
        r.body
    );
    promtool_check(&r.body);
    // The connect module stops after connect.
    let r = ex.probe(&nginx.url("live", ""), "connect");
    assert_eq!(r.sample("probe_success"), Some(1.0), "{}", r.body);
    assert!(!r.body.contains("phase=\"publish\""), "{}", r.body);
    let metrics = ex.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert_eq!(
        metrics.sample("rtmp_probe_exporter_probes_total{module=\"publish\",result=\"success\"}"),
        Some(1.0),
        "{}",
        metrics.body
    );
    promtool_check(&metrics.body);
}

#[test]
fn a_roundtrip_module_publishes_plays_back_and_exposes_what_came_back() {
    let nginx = Nginx::start();
    let extra = "  roundtrip: {mode: roundtrip, timeout: 5s, duration: 1s, fps: 20}\n";
    let ex = Exporter::start(&config(&["127.0.0.1"], extra), &[]);
    let r = ex.probe(&nginx.url("live", "exporter-rt-{random}"), "roundtrip");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.sample("probe_success"), Some(1.0), "{}", r.body);
    assert_eq!(r.sample("probe_rtmp_status"), Some(0.0), "{}", r.body);
    assert_eq!(r.sample("probe_rtmp_frames_sent"), Some(20.0), "{}", r.body);
    assert_eq!(
        r.sample("probe_rtmp_frames_received"),
        Some(20.0),
        "{}",
        r.body
    );
    assert_eq!(r.sample("probe_rtmp_lost"), Some(0.0), "{}", r.body);
    let p95 = r.sample("probe_rtmp_latency_p95_seconds").unwrap();
    assert!(p95 > 0.0 && p95 < 1.0, "{p95}");
    for phase in [
        "publish",
        "media",
        "play_connect",
        "receive",
        "first_frame_back",
    ] {
        assert!(
            r.sample(&format!("probe_rtmp_duration_seconds{{phase=\"{phase}\"}}"))
                .is_some(),
            "{phase}: {}",
            r.body
        );
    }
    promtool_check(&r.body);
}

#[test]
fn a_closed_port_is_probe_success_0_with_the_failure_named() {
    let ex = Exporter::start(&loopback(), &[]);
    let port = closed_port();
    let r = ex.probe(&format!("rtmp://127.0.0.1:{port}/live/x"), "publish");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.sample("probe_success"), Some(0.0), "{}", r.body);
    assert_eq!(r.sample("probe_rtmp_status"), Some(2.0), "{}", r.body);
    assert_eq!(
        r.sample("probe_rtmp_failure_info{step=\"tcp_connect\",kind=\"connection_refused\"}"),
        Some(1.0),
        "{}",
        r.body
    );
    promtool_check(&r.body);
}

#[test]
fn bad_requests_are_400_with_a_one_line_reason() {
    let ex = Exporter::start(&loopback(), &[]);
    let r = ex.probe("rtmp://127.0.0.1/live/x", "nope");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        "unknown module \"nope\" (one of: connect, publish)\n"
    );
    let r = ex.get("/probe?module=publish");
    assert_eq!(r.status, 400);
    assert!(
        r.body.starts_with("missing parameter: target"),
        "{}",
        r.body
    );
    let r = ex.get("/probe?target=rtmp%3A%2F%2F127.0.0.1%2Flive%2Fx");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("one of: connect, publish"), "{}", r.body);
    let r = ex.probe("http://127.0.0.1/live/key-abcdef", "publish");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        "target: the URL must start with rtmp:// or rtmps:// (not http://)\n"
    );
    let r = request(
        ex.port(),
        "GET",
        &probe_path("rtmp://127.0.0.1/live/x", "publish"),
        &[("X-Prometheus-Scrape-Timeout-Seconds", "soon")],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("X-Prometheus-Scrape-Timeout-Seconds"),
        "{}",
        r.body
    );
    assert_eq!(ex.get("/nowhere").status, 404);
    assert_eq!(request(ex.port(), "GET", "/-/reload", &[]).status, 405);
    let m = ex.get("/metrics");
    assert_eq!(
        m.sample("rtmp_probe_exporter_rejected_total{reason=\"bad_request\"}"),
        Some(5.0),
        "{}",
        m.body
    );
}

#[test]
fn a_target_outside_allow_targets_is_403_and_nothing_connects_to_it() {
    // A listener on another loopback address, which the list does not allow.
    let listener = TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let ex = Exporter::start(&loopback(), &[]);
    for target in [
        format!("rtmp://127.0.0.2:{port}/live/x"),
        // Names are not resolved for the check: localhost is not 127.0.0.1 to the list.
        format!("rtmp://localhost:{port}/live/x"),
        format!("rtmp://[::ffff:127.0.0.2]:{port}/live/x"),
    ] {
        let r = ex.probe(&target, "publish");
        assert_eq!(r.status, 403, "{target}: {}", r.body);
        assert!(r.body.contains("is not in allow_targets"), "{}", r.body);
    }
    let r = ex.probe(&format!("rtmp://2130706433:{port}/live/x"), "publish");
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("canonical"), "{}", r.body);
    thread::sleep(Duration::from_millis(100));
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("something connected to the forbidden listener: {other:?}"),
    }
    let m = ex.get("/metrics");
    assert_eq!(
        m.sample("rtmp_probe_exporter_rejected_total{reason=\"forbidden\"}"),
        Some(4.0),
        "{}",
        m.body
    );
}

#[test]
fn the_scrape_timeout_header_caps_the_modules_timeout_less_the_offset() {
    let (_listener, _fillers, port) = unanswering_port();
    let ex = Exporter::start(
        &config(&["127.0.0.1"], "timeout_offset: 0.3s\n").replace("timeout: 5s", "timeout: 20s"),
        &[],
    );
    let r = request(
        ex.port(),
        "GET",
        &probe_path(&format!("rtmp://127.0.0.1:{port}/live/x"), "publish"),
        &[("X-Prometheus-Scrape-Timeout-Seconds", "1.3")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.sample("probe_success"), Some(0.0), "{}", r.body);
    assert!(r.body.contains("kind=\"timeout\""), "{}", r.body);
    let took = r.sample("probe_duration_seconds").unwrap();
    assert!(
        (0.95..1.3).contains(&took),
        "the probe took {took} s, not the 1 s cap"
    );
    assert!(r.elapsed < Duration::from_millis(1300), "{:?}", r.elapsed);
}

#[test]
fn a_flood_against_a_silent_server_is_answered_in_time_with_503s_over_the_limit() {
    let (_listener, _fillers, port) = unanswering_port();
    let ex = Exporter::start(
        &config(&["127.0.0.1"], "limits: {max_in_flight: 8}\n")
            .replace("timeout: 5s", "timeout: 1s"),
        &[],
    );
    let path = probe_path(&format!("rtmp://127.0.0.1:{port}/live/x"), "publish");
    let before = ex.status_kib("VmRSS");
    let started = Instant::now();
    let workers: Vec<_> = (0..64)
        .map(|_| {
            let path = path.clone();
            let port = ex.port();
            thread::spawn(move || try_request(port, "GET", &path, &[]))
        })
        .collect();
    let answers: Vec<_> = workers
        .into_iter()
        .map(|w| w.join().unwrap().expect("every request is answered"))
        .collect();
    let wall = started.elapsed();
    let ok: Vec<_> = answers.iter().filter(|r| r.status == 200).collect();
    let busy: Vec<_> = answers.iter().filter(|r| r.status == 503).collect();
    assert_eq!(ok.len() + busy.len(), 64, "other statuses: {answers:?}");
    assert!(ok.len() >= 8, "only {} probes ran", ok.len());
    assert!(
        busy.len() >= 32,
        "only {} of 64 were turned away",
        busy.len()
    );
    for r in &ok {
        assert_eq!(r.sample("probe_success"), Some(0.0), "{}", r.body);
        assert!(r.elapsed < Duration::from_secs(3), "{:?}", r.elapsed);
    }
    for r in &busy {
        assert!(r.body.contains("max_in_flight is 8"), "{}", r.body);
    }
    assert!(wall < Duration::from_secs(5), "the flood took {wall:?}");
    let m = ex.get("/metrics");
    assert_eq!(m.sample("rtmp_probe_exporter_probes_in_flight"), Some(0.0));
    assert_eq!(
        m.sample("rtmp_probe_exporter_rejected_total{reason=\"over_limit\"}"),
        Some(busy.len() as f64),
        "{}",
        m.body
    );
    let (hwm, after) = (ex.status_kib("VmHWM"), ex.status_kib("VmRSS"));
    assert!(hwm < 64 * 1024, "peak RSS {hwm} kB");
    assert!(
        after < before + 16 * 1024,
        "RSS grew from {before} to {after} kB"
    );
}

#[test]
fn a_reload_takes_a_good_config_and_keeps_the_old_one_when_the_new_is_broken() {
    let nginx = Nginx::start();
    let ex = Exporter::start(&loopback(), &[]);
    let target = nginx.url("live", "");
    assert_eq!(ex.probe(&target, "quick").status, 400);
    ex.write_config(&config(&["127.0.0.1"], "").replace(
        "modules:\n",
        "modules:\n  quick: {mode: connect, timeout: 1s}\n",
    ));
    let r = request(ex.port(), "POST", "/-/reload", &[]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        ex.probe(&target, "quick").sample("probe_success"),
        Some(1.0)
    );
    let good_time = ex
        .get("/metrics")
        .sample("rtmp_probe_exporter_config_last_reload_success_timestamp_seconds")
        .unwrap();

    ex.write_config("modules:\n  quick: {mode: connect, warning: [\"nonsense=1\"]}\n");
    let r = request(ex.port(), "POST", "/-/reload", &[]);
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(
        r.body.starts_with("failed to reload config: ") && r.body.contains("module \"quick\""),
        "{}",
        r.body
    );
    // The old config is still in use.
    assert_eq!(
        ex.probe(&target, "quick").sample("probe_success"),
        Some(1.0)
    );
    let m = ex.get("/metrics");
    assert_eq!(
        m.sample("rtmp_probe_exporter_config_last_reload_successful"),
        Some(0.0)
    );
    assert_eq!(
        m.sample("rtmp_probe_exporter_config_last_reload_success_timestamp_seconds"),
        Some(good_time)
    );
    assert!(
        ex.stderr().contains("config reload failed"),
        "{}",
        ex.stderr()
    );

    // SIGHUP reads it again.
    ex.write_config(&loopback());
    ex.signal(1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while ex
        .get("/metrics")
        .sample("rtmp_probe_exporter_config_last_reload_successful")
        != Some(1.0)
    {
        assert!(
            Instant::now() < deadline,
            "SIGHUP did not reload: {}",
            ex.stderr()
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(ex.probe(&target, "quick").status, 400);
}

#[test]
fn debug_true_answers_the_probes_log_and_result_as_text() {
    let nginx = Nginx::start();
    let ex = Exporter::start(&loopback(), &[]);
    let r = ex.get(&(probe_path(&nginx.url("live", "dbg-{random}"), "publish") + "&debug=true"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    let b = &r.body;
    let logs = b.find("Logs for the probe:").expect("a log section");
    let metrics = b
        .find("Metrics that would have been returned:")
        .expect("metrics");
    assert!(logs < metrics, "{b}");
    let log = &b[logs..metrics];
    assert!(log.contains("DEBUG"), "no debug lines in the log:\n{log}");
    assert!(b.contains("probe_success 1"), "{b}");
    assert!(b.contains("module: publish"), "{b}");
}

#[test]
fn secrets_in_the_target_appear_in_no_answer_metric_or_log() {
    let nginx = Nginx::start();
    let ex = Exporter::start(&loopback(), &["--log-level", "debug"]);
    let (password, key, token) = ("pa55word-x", "streamkey-1234567", "tok-98765");
    let url = format!(
        "rtmp://monitor:{password}@127.0.0.1:{}/live/{key}?token={token}",
        nginx.rtmp_port()
    );
    let mut bodies = Vec::new();
    let r = ex.probe(&url, "publish");
    assert_eq!(r.sample("probe_success"), Some(1.0), "{}", r.body);
    bodies.push(r.body);
    bodies.push(ex.get(&(probe_path(&url, "publish") + "&debug=true")).body);
    bodies.push(
        ex.probe(&url.replace("rtmp://", "rtmpx://"), "publish")
            .body,
    );
    bodies.push(
        ex.probe(&url.replace("127.0.0.1", "127.0.0.3"), "publish")
            .body,
    );
    bodies.push(ex.probe(&url, "nope").body);
    bodies.push(ex.get("/metrics").body);
    thread::sleep(Duration::from_millis(50));
    bodies.push(ex.stderr());
    assert!(bodies[1].contains("Logs for the probe:"), "{}", bodies[1]);
    assert!(
        ex.stderr().contains("probe: publish accepted"),
        "{}",
        ex.stderr()
    );
    for text in &bodies {
        for secret in [password, key, token, &encode(key)] {
            assert!(!text.contains(secret), "{secret} leaked in:\n{text}");
        }
    }
}

#[test]
fn check_config_exits_0_for_a_good_file_and_1_naming_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yml");
    std::fs::write(&good, loopback()).unwrap();
    let out = run_program(
        BINARY,
        &["serve", "--check-config", good.to_str().unwrap()],
        &[],
        Duration::from_secs(10),
    );
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains("ok (2 modules: connect, publish"),
        "{out}"
    );
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, "modules:\n  slow: {critical: [\"fast\"]}\n").unwrap();
    let out = run_program(
        BINARY,
        &["serve", "--check-config", bad.to_str().unwrap()],
        &[],
        Duration::from_secs(10),
    );
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains("bad.yml: module \"slow\": --critical"),
        "{out}"
    );
    assert_eq!(out.stderr.trim().lines().count(), 1, "{out}");
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/rtmp-probe.yml");
    let out = run_program(
        BINARY,
        &["serve", "--check-config", shipped],
        &[],
        Duration::from_secs(10),
    );
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn sigterm_lets_a_running_probe_answer_then_exits_0() {
    let (_listener, _fillers, silent) = unanswering_port();
    let mut ex = Exporter::start(&loopback().replace("timeout: 5s", "timeout: 1s"), &[]);
    let r = ex.get("/-/healthy");
    assert_eq!((r.status, r.body.as_str()), (200, "Healthy\n"));
    let port = ex.port();
    let path = probe_path(&format!("rtmp://127.0.0.1:{silent}/live/x"), "publish");
    let running = thread::spawn(move || try_request(port, "GET", &path, &[]));
    thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(ex.terminate(Duration::from_secs(5)), Some(0));
    let stopped = started.elapsed();
    let r = running
        .join()
        .unwrap()
        .expect("the running probe is answered");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("kind=\"timeout\""), "{}", r.body);
    assert!(
        stopped < Duration::from_secs(3),
        "the shutdown took {stopped:?}"
    );
    assert!(try_request(port, "GET", "/-/healthy", &[]).is_err());
}

#[test]
fn oversized_heads_and_bodies_are_refused_and_silent_connections_closed() {
    use std::io::{Read, Write};
    let ex = Exporter::start(
        &config(
            &["127.0.0.1"],
            "limits: {header_timeout: 1s, max_header_bytes: 2048, max_headers: 8}\n",
        ),
        &[],
    );
    let big = "x".repeat(4096);
    let r = request(ex.port(), "GET", "/-/healthy", &[("X-Big", &big)]);
    assert_eq!(r.status, 431, "{r:?}");
    let many: Vec<(String, String)> = (0..20).map(|i| (format!("X-H{i}"), "v".into())).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(request(ex.port(), "GET", "/-/healthy", &many).status, 431);
    let r = request(
        ex.port(),
        "POST",
        "/-/reload",
        &[("Content-Length", "100000")],
    );
    assert_eq!(r.status, 413, "{r:?}");
    // A connection that never sends a request head is closed after header_timeout.
    let mut idle = std::net::TcpStream::connect(("127.0.0.1", ex.port())).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let n = idle.read(&mut buf).unwrap_or(0);
    let waited = started.elapsed();
    assert!(
        n == 0 || String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
        "{n}"
    );
    assert!(
        (Duration::from_millis(900)..Duration::from_secs(3)).contains(&waited),
        "closed after {waited:?}"
    );
    // So does one that sends half a head and stops.
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", ex.port())).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    slow.write_all(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let _ = slow.read(&mut buf);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ex.get("/-/healthy").status, 200);
}

/// An example Prometheus config made to run here: scrapes every second, and the example hosts
/// replaced.
fn runnable(example_config: &str, replacements: &[(&str, String)]) -> String {
    let mut text = example_config
        .replace("scrape_interval: 30s", "scrape_interval: 1s")
        .replace("scrape_timeout: 10s", "scrape_timeout: 1s");
    for (from, to) in replacements {
        assert!(text.contains(from), "the example has no {from}");
        text = text.replace(from, to);
    }
    text
}

#[test]
fn a_real_prometheus_scrapes_probe_success_through_the_multi_target_relabelling() {
    let nginx = Nginx::start();
    let ex = Exporter::start(&loopback(), &[]);
    let config = runnable(
        &example("prometheus.yml"),
        &[
            (
                "rtmp://a.ingest.example.com/live/monitor-{random}",
                nginx.url("live", "a-{random}?token=tok-4242"),
            ),
            (
                "rtmp://b.ingest.example.com:1936/live/monitor-{random}",
                nginx
                    .url("live", "b-{random}")
                    .replace("rtmp://", "rtmp://mon:pa55-4242@"),
            ),
            ("rtmp://edge-fra1.example.com/live", nginx.url("live", "")),
            (
                "rtmp://10.20.0.5/live",
                nginx.url("live", "").replace("127.0.0.1", "localhost"),
            ),
            ("127.0.0.1:19935", format!("127.0.0.1:{}", ex.port())),
        ],
    );
    let prometheus = Prometheus::start(
        &config,
        &[("rtmp-probe-alerts.yml", &example("rtmp-probe-alerts.yml"))],
    );
    let publish = prometheus.query("probe_success{job=\"rtmp_publish\"}", 2);
    assert_eq!(
        publish.matches("\"1\"]").count(),
        2,
        "probe_success is not 1 twice: {publish}"
    );
    // The instance is the URL without user information and query: no password or token is
    // stored in Prometheus.
    for stream in ["a", "b"] {
        let instance = format!(
            "\"instance\":\"{}\"",
            nginx.url("live", &format!("{stream}-{{random}}"))
        );
        assert!(publish.contains(&instance), "{instance} not in {publish}");
    }
    assert!(!publish.contains("4242"), "{publish}");
    // localhost is not in allow_targets (names are not resolved): that probe is refused, so its
    // scrape fails and `up` says so.
    let connect = prometheus.query("up{job=\"rtmp_connect\"}", 2);
    assert!(
        connect.contains("\"1\"]") && connect.contains("\"0\"]"),
        "{connect}"
    );
    let own = prometheus.query("rtmp_probe_exporter_build_info", 1);
    assert!(own.contains("\"1\"]"), "{own}");
}

#[test]
fn the_sharded_example_spreads_the_targets_over_three_exporters_by_hashmod() {
    let nginx = Nginx::start();
    let exporters: Vec<Exporter> = (0..3).map(|_| Exporter::start(&loopback(), &[])).collect();
    let mut replacements = vec![
        (
            "rtmp://a.ingest.example.com/live/monitor-{random}",
            nginx.url("live", "a-{random}"),
        ),
        (
            "rtmp://b.ingest.example.com/live/monitor-{random}",
            nginx.url("live", "b-{random}"),
        ),
        (
            "rtmp://c.ingest.example.com/live/monitor-{random}",
            nginx.url("live", "c-{random}"),
        ),
    ];
    let names = [
        "probe-0.example.com:19935",
        "probe-1.example.com:19935",
        "probe-2.example.com:19935",
    ];
    for (name, ex) in names.iter().zip(&exporters) {
        replacements.push((name, format!("127.0.0.1:{}", ex.port())));
    }
    let config = runnable(&example("prometheus-sharded.yml"), &replacements);
    let prometheus = Prometheus::start(
        &config,
        &[("rtmp-probe-alerts.yml", &example("rtmp-probe-alerts.yml"))],
    );
    let answer = prometheus.query("probe_success{job=\"rtmp_publish\"}", 3);
    assert_eq!(answer.matches("\"1\"]").count(), 3, "{answer}");
    // Each series names its exporter, and that exporter did probe.
    for ex in &exporters {
        let label = format!("\"exporter\":\"127.0.0.1:{}\"", ex.port());
        let shown = answer.matches(&label).count();
        let probed = ex
            .get("/metrics")
            .sample("rtmp_probe_exporter_probes_total{module=\"publish\",result=\"success\"}")
            .unwrap_or(0.0);
        assert_eq!(
            shown > 0,
            probed > 0.0,
            "exporter {}: {shown} series, {probed} probes: {answer}",
            ex.port()
        );
    }
}

#[test]
fn the_example_rules_and_configs_pass_promtool_and_the_alerts_fire_as_tested() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/examples");
    for args in [
        vec!["check", "rules", "rtmp-probe-alerts.yml"],
        vec!["test", "rules", "rtmp-probe-alerts.test.yml"],
        vec!["check", "config", "prometheus.yml"],
        vec!["check", "config", "prometheus-sharded.yml"],
    ] {
        let out = Command::new("promtool")
            .args(&args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("promtool is needed (apt-get install prometheus): {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "promtool {args:?}:\n{text}");
        assert!(!text.contains("WARNING"), "promtool {args:?}:\n{text}");
    }
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let dir = tempfile::tempdir().unwrap();
    let unit = std::fs::read_to_string(unit_file()).expect("the unit file");
    // The unit names the installed binary; verify checks that it exists, so point it at ours.
    let unit = unit.replace("/usr/bin/rtmp-probe", BINARY);
    let path = dir.path().join("rtmp-probe.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        // The man page comes with the package; it is not installed where the tests run.
        .arg("--man=no")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("systemd-analyze is needed (apt-get install systemd): {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{stderr}"
    );
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("rtmp-probe.service"))
        .collect();
    assert!(ours.is_empty(), "systemd-analyze verify warned:\n{stderr}");
}
