use super::*;

#[test]
fn the_shape_of_the_issue_loads_with_defaults_for_the_rest() {
    let c = Config::parse(
        r#"
allow_targets: ["127.0.0.1", "*.ingest.example.com", "10.20.0.0/16"]
modules:
  publish: {mode: publish, timeout: 5s}
  connect: {mode: connect, timeout: 2s, warning: ["connect=200ms"]}
"#,
    )
    .unwrap();
    assert_eq!(c.module_names(), "connect, publish");
    let connect = &c.modules["connect"];
    assert_eq!(connect.options.mode, crate::plan::options::Mode::Connect);
    assert_eq!(connect.options.timeout, Duration::from_secs(2));
    assert!(connect.thresholds.warning.for_metric("connect").is_some());
    assert_eq!(c.modules["publish"].options.timeout, Duration::from_secs(5));
    assert!(c.allow.check("a.ingest.example.com").is_ok());
    assert!(c.allow.check("10.20.3.4").is_ok());
    assert!(c.allow.check("10.21.3.4").is_err());
    assert_eq!(c.limits, Limits::default());
    assert_eq!(c.timeout_offset, DEFAULT_TIMEOUT_OFFSET);
}

#[test]
fn durations_are_written_as_text_or_seconds_and_limits_can_be_set() {
    let c = Config::parse(
        "modules:\n  m: {timeout: 1.5, step_timeout: 250ms}\nlimits:\n  max_in_flight: 3\n  header_timeout: 2\ntimeout_offset: 100ms\n",
    )
    .unwrap();
    let m = &c.modules["m"];
    assert_eq!(m.options.timeout, Duration::from_millis(1500));
    assert_eq!(m.options.step_timeout, Some(Duration::from_millis(250)));
    assert_eq!(c.limits.max_in_flight, 3);
    assert_eq!(c.limits.header_timeout, Duration::from_secs(2));
    assert_eq!(c.limits.max_connections, Limits::default().max_connections);
    assert_eq!(c.timeout_offset, Duration::from_millis(100));
}

#[test]
fn a_bad_threshold_names_its_module() {
    let e = Config::parse("modules:\n  fast: {warning: [\"bogus=1s\"]}\n").unwrap_err();
    assert!(
        e.starts_with("module \"fast\": --warning: unknown metric"),
        "{e}"
    );
    let e = Config::parse("modules:\n  zero: {timeout: 0s}\n").unwrap_err();
    assert!(
        e.contains("module \"zero\"") && e.contains("timeout"),
        "{e}"
    );
}

#[test]
fn unknown_keys_are_errors_at_every_level() {
    let e = Config::parse("modules:\n  m: {timeuot: 2s}\n").unwrap_err();
    assert!(e.contains("timeuot"), "{e}");
    let e = Config::parse("modules:\n  m: {}\nallow_target: []\n").unwrap_err();
    assert!(e.contains("allow_target"), "{e}");
    let e = Config::parse("modules:\n  m: {}\nlimits: {max_inflight: 1}\n").unwrap_err();
    assert!(e.contains("max_inflight"), "{e}");
}

#[test]
fn errors_are_one_line() {
    for text in [
        "modules:\n  m: {mode: pull}\n",
        "modules: [1, 2\n",
        "modules:\n  m: {}\nallow_targets: [\"10.0.0.0/40\"]\n",
        "modules:\n  m: {}\nlimits: {max_in_flight: 0}\n",
        "",
        "modules:\n  \"bad name\": {}\n",
    ] {
        let e = Config::parse(text).unwrap_err();
        assert!(!e.contains('\n') && !e.is_empty(), "{text:?}: {e:?}");
    }
    let e = Config::parse("modules:\n  m: {mode: pull}\n").unwrap_err();
    assert!(e.contains("publish, connect"), "{e}");
    assert!(Config::parse("").unwrap_err().contains("no modules"));
}

#[test]
fn an_absent_allow_list_is_loopback_only() {
    let c = Config::parse("modules:\n  m: {}\n").unwrap();
    assert!(c.allow.loopback_only);
    assert!(c.allow.check("127.0.0.1").is_ok());
    assert!(c.allow.check("192.0.2.1").is_err());
}

#[test]
fn a_missing_file_says_which() {
    let e = Config::load(Path::new("/nonexistent/rtmp-probe.yml")).unwrap_err();
    assert!(e.starts_with("/nonexistent/rtmp-probe.yml: "), "{e}");
}

#[test]
fn the_shipped_example_configs_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for path in ["packaging/rtmp-probe.yml", "docs/examples/rtmp-probe.yml"] {
        Config::load(&root.join(path)).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn a_module_with_synthetic_media_loads_as_the_command_line_writes_it() {
    let c = Config::parse(
        "modules:\n  media: {timeout: 8s, duration: 3s, video: hevc, audio: opus, size: 1280x720, fps: 25, keyframe_interval: 1s}\n  odd: {size: 1280x720, fps: 30000/1001}\n",
    )
    .unwrap();
    let m = &c.modules["media"].options;
    assert_eq!(m.duration, Some(Duration::from_secs(3)));
    assert_eq!(m.video, crate::plan::options::Video::Hevc);
    assert_eq!(m.size.to_string(), "1280x720");
    assert_eq!(m.fps.to_string(), "25");
    assert_eq!(c.modules["odd"].options.fps.to_string(), "30000/1001");
    let e = Config::parse("modules:\n  long: {timeout: 2s, duration: 5s}\n").unwrap_err();
    assert!(
        e.starts_with("module \"long\": --duration 5s leaves no time"),
        "{e}"
    );
    let e = Config::parse("modules:\n  big: {size: 9000x9000}\n").unwrap_err();
    assert!(
        e.contains("module \"big\": --size: video size 9000x9000"),
        "{e}"
    );
}
