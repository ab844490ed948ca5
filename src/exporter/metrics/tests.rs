use super::*;

#[test]
fn the_in_flight_limit_is_never_passed_and_places_come_back() {
    let s = Stats::new();
    let a = s.try_start(2).unwrap();
    let b = s.try_start(2).unwrap();
    assert!(s.try_start(2).is_none());
    assert_eq!(s.in_flight(), 2);
    drop(a);
    let c = s.try_start(2).unwrap();
    drop((b, c));
    assert_eq!(s.in_flight(), 0);
}

#[test]
fn probes_land_in_cumulative_buckets_by_module() {
    let s = Stats::new();
    s.probed("publish", true, 0.003);
    s.probed("publish", false, 0.2);
    s.probed("publish", true, 100.0);
    s.reject(Rejection::Forbidden);
    let out = s.render("");
    for line in [
        "rtmp_probe_exporter_probes_total{module=\"publish\",result=\"success\"} 2",
        "rtmp_probe_exporter_probes_total{module=\"publish\",result=\"failure\"} 1",
        "rtmp_probe_exporter_probe_duration_seconds_bucket{module=\"publish\",le=\"0.005\"} 1",
        "rtmp_probe_exporter_probe_duration_seconds_bucket{module=\"publish\",le=\"0.1\"} 1",
        "rtmp_probe_exporter_probe_duration_seconds_bucket{module=\"publish\",le=\"0.25\"} 2",
        "rtmp_probe_exporter_probe_duration_seconds_bucket{module=\"publish\",le=\"60\"} 2",
        "rtmp_probe_exporter_probe_duration_seconds_bucket{module=\"publish\",le=\"+Inf\"} 3",
        "rtmp_probe_exporter_probe_duration_seconds_count{module=\"publish\"} 3",
        "rtmp_probe_exporter_rejected_total{reason=\"forbidden\"} 1",
        "rtmp_probe_exporter_rejected_total{reason=\"over_limit\"} 0",
        "rtmp_probe_exporter_config_last_reload_successful 1",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} missing from\n{out}");
    }
}

#[test]
fn a_failed_reload_shows_and_keeps_the_last_success_time() {
    let s = Stats::new();
    let before = s.render("");
    let time = |out: &str| {
        out.lines()
            .find(|l| {
                l.starts_with("rtmp_probe_exporter_config_last_reload_success_timestamp_seconds ")
            })
            .map(str::to_string)
    };
    s.reloaded(false);
    let after = s.render("");
    assert!(after.contains("rtmp_probe_exporter_config_last_reload_successful 0\n"));
    assert_eq!(time(&before), time(&after));
}

#[test]
fn process_metrics_come_from_proc() {
    let out = process_metrics(1.0);
    for name in [
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
        "process_open_fds ",
        "process_max_fds ",
        "process_start_time_seconds 1",
    ] {
        assert!(out.contains(name), "{name} missing from\n{out}");
    }
    let rss: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("process_resident_memory_bytes "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(rss > 100_000.0, "{rss}");
}
