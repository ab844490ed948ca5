use super::*;
use std::time::Duration;

fn module(options: Options) -> Module {
    Module::new(options).unwrap()
}

#[test]
fn the_default_options_make_a_publish_probe() {
    let p = module(Options::default())
        .probe("URL", "rtmp://h:1936/live/key")
        .unwrap();
    assert_eq!(p.session.mode, Mode::Publish);
    assert_eq!(p.session.port, 1936);
    assert_eq!(p.session.stream.as_deref(), Some("key"));
    assert_eq!(p.session.timeout, Duration::from_secs(10));
    assert_eq!(p.timeout_state, State::Critical);
}

#[test]
fn publish_needs_a_stream_but_connect_does_not() {
    let e = module(Options::default())
        .probe("URL", "rtmp://h/live")
        .unwrap_err();
    assert!(e.0.contains("--mode connect"), "{e}");
    let connect = Options {
        mode: options::Mode::Connect,
        ..Options::default()
    };
    assert!(module(connect).probe("URL", "rtmp://h/live").is_ok());
}

#[test]
fn overrides_apply_and_empty_ones_are_refused() {
    let o = Options {
        app: Some("/other/inst/".into()),
        stream: Some("s-{random}".into()),
        ..Options::default()
    };
    let p = module(o).probe("URL", "rtmp://h/live/key").unwrap();
    assert_eq!(p.session.connect.app, "other/inst");
    let name = p.session.stream.clone().unwrap();
    assert!(name.starts_with("s-") && !name.contains('{'), "{name}");
    for o in [
        Options {
            app: Some(String::new()),
            ..Options::default()
        },
        Options {
            stream: Some(String::new()),
            ..Options::default()
        },
    ] {
        assert!(Module::new(o).unwrap_err().0.contains("is empty"));
    }
}

#[test]
fn zero_bounds_are_refused_naming_the_option() {
    for (o, flag) in [
        (
            Options {
                timeout: Duration::ZERO,
                ..Options::default()
            },
            "--timeout",
        ),
        (
            Options {
                step_timeout: Some(Duration::ZERO),
                ..Options::default()
            },
            "--step-timeout",
        ),
        (
            Options {
                max_message_size: 0,
                ..Options::default()
            },
            "--max-message-size",
        ),
    ] {
        let e = Module::new(o).unwrap_err();
        assert!(e.0.starts_with(flag), "{e}");
    }
}

#[test]
fn thresholds_are_parsed_once_for_the_mode() {
    let o = Options {
        mode: options::Mode::Connect,
        warning: vec!["connect=50ms".into()],
        critical: vec!["1s".into()],
        ..Options::default()
    };
    let m = module(o);
    assert!(m.thresholds.warning.for_metric("connect").is_some());
    assert!(m.thresholds.critical.for_metric("total").is_some());
    let o = Options {
        mode: options::Mode::Connect,
        warning: vec!["verify=50ms".into()],
        ..Options::default()
    };
    assert!(Module::new(o).unwrap_err().0.contains("--mode connect"));
}

#[test]
fn the_expanded_stream_name_is_a_secret_too() {
    let p = module(Options::default())
        .probe("URL", "rtmp://h/live/key-{random}")
        .unwrap();
    let name = p.session.stream.clone().unwrap();
    assert!(!p
        .session
        .redactor
        .text(&format!("x {name} y"))
        .contains(&name));
}

#[test]
fn a_plan_needs_targets_and_some_concurrency() {
    let m = module(Options::default());
    let out = Output {
        format: Format::Nagios,
        verbosity: 0,
        trace: false,
    };
    assert!(Plan::new(&m, &[], 1, out)
        .unwrap_err()
        .0
        .contains("no target"));
    let t = [TargetInput::argument("rtmp://h/live/a")];
    assert!(Plan::new(&m, &t, 0, out)
        .unwrap_err()
        .0
        .contains("--concurrency"));
    assert_eq!(Plan::new(&m, &t, 4, out).unwrap().probes.len(), 1);
}

#[test]
fn placeholders_expand_to_fresh_values() {
    let a = expand_placeholders("probe-{random}-{unix}");
    let b = expand_placeholders("probe-{random}-{unix}");
    assert!(!a.contains('{') && a.starts_with("probe-"), "{a}");
    assert_ne!(a, b);
}

#[test]
fn every_target_has_a_stable_distinct_id_and_repeats_are_numbered() {
    let m = module(Options::default());
    let out = Output {
        format: Format::Nagios,
        verbosity: 0,
        trace: false,
    };
    let t = [
        TargetInput::argument("rtmp://h/live/monitor-{random}"),
        TargetInput::argument("rtmp://h/live/monitor-{random}"),
        TargetInput::argument("rtmp://h/live/other-key-0123456789"),
    ];
    let p = Plan::new(&m, &t, 4, out).unwrap();
    let ids: Vec<&str> = p.probes.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids[0].len(), 12);
    assert_eq!(ids[1], format!("{}-2", ids[0]));
    assert_ne!(ids[0], ids[2]);
    let again = Plan::new(&m, &t, 4, out).unwrap();
    assert_eq!(again.probes[2].id, ids[2], "stable from run to run");
    assert!(!ids[2].contains("0123456789"));
}
