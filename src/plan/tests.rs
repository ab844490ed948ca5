use super::*;
use crate::metrics::Range;
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

fn media_error(o: Options) -> String {
    Module::new(o).unwrap_err().0
}

#[test]
fn media_options_reach_the_session_and_enhanced_codecs_carry_the_enhanced_connect() {
    let o = Options {
        duration: Some(Duration::from_secs(3)),
        size: "1280x720".parse().unwrap(),
        fps: "30000/1001".parse().unwrap(),
        keyframe_interval: Duration::from_secs(1),
        ..Options::default()
    };
    let p = module(o).probe("URL", "rtmp://h/live/key").unwrap();
    let m = &p.session.media;
    assert_eq!(m.duration, Some(Duration::from_secs(3)));
    assert_eq!((m.synth.width, m.synth.height), (1280, 720));
    assert_eq!(
        m.synth.frame_rate,
        crate::media::synth::FrameRate::new(30000, 1001)
    );
    assert!(!m.enhanced);
    let names = |p: &Probe| -> Vec<String> {
        p.session
            .connect
            .to_properties()
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    assert!(!names(&p).contains(&"fourCcList".to_string()));
    for o in [
        Options {
            video: options::Video::Hevc,
            ..Options::default()
        },
        Options {
            audio: options::Audio::Opus,
            ..Options::default()
        },
        Options {
            enhanced: true,
            ..Options::default()
        },
        Options {
            mode: options::Mode::Connect,
            enhanced: true,
            ..Options::default()
        },
    ] {
        let p = module(o).probe("URL", "rtmp://h/live/key").unwrap();
        assert!(p.session.media.enhanced);
        let sent = names(&p);
        for prop in [
            "fourCcList",
            "videoFourCcInfoMap",
            "audioFourCcInfoMap",
            "capsEx",
        ] {
            assert!(sent.iter().any(|n| n == prop), "{prop} in {sent:?}");
        }
    }
}

#[test]
fn bad_media_options_are_usage_errors_that_name_the_option() {
    let cases = [
        (
            Options {
                size: options::VideoSize {
                    width: 13,
                    height: 7,
                },
                ..Options::default()
            },
            "--size: video size 13x7: width and height must be even",
        ),
        (
            Options {
                fps: options::Fps { num: 500, den: 1 },
                ..Options::default()
            },
            "--fps: frame rate 500: must be between 1/1000 and 240",
        ),
        (
            Options {
                keyframe_interval: Duration::from_secs(7200),
                ..Options::default()
            },
            "--keyframe-interval: keyframe interval 7200s: must be at most 1 hour",
        ),
        (
            Options {
                duration: Some(Duration::ZERO),
                ..Options::default()
            },
            "--duration must be more than zero",
        ),
        (
            Options {
                duration: Some(Duration::from_secs(10)),
                ..Options::default()
            },
            "--duration 10s leaves no time for the rest of the check within --timeout 10s: \
             give a --timeout longer than the media (e.g. -t 15s)",
        ),
        (
            Options {
                mode: options::Mode::Connect,
                duration: Some(Duration::from_secs(1)),
                ..Options::default()
            },
            "--duration only applies to --mode publish, play and roundtrip",
        ),
        (
            Options {
                mode: options::Mode::Connect,
                video: options::Video::Av1,
                ..Options::default()
            },
            "--video only applies to --mode publish and roundtrip",
        ),
    ];
    for (o, start) in cases {
        let e = media_error(o);
        assert!(e.starts_with(start), "{e:?} should start with {start:?}");
        assert!(!e.contains('\n'));
    }
}

#[test]
fn media_options_deserialize_from_a_config_file_as_the_command_line_writes_them() {
    let o: Options = serde_json::from_str(
        r#"{"duration": "3s", "video": "av1", "audio": "none", "size": "1920x1080",
            "fps": 25, "keyframe_interval": 1, "enhanced": true}"#,
    )
    .unwrap();
    assert_eq!(o.duration, Some(Duration::from_secs(3)));
    assert_eq!(o.video, options::Video::Av1);
    assert_eq!(o.audio, options::Audio::None);
    assert_eq!(o.size.to_string(), "1920x1080");
    assert_eq!(o.fps, options::Fps { num: 25, den: 1 });
    assert_eq!(o.keyframe_interval, Duration::from_secs(1));
    assert!(o.enhanced);
    let e = serde_json::from_str::<Options>(r#"{"size": "big"}"#).unwrap_err();
    assert!(
        e.to_string().contains("is not a size: write WIDTHxHEIGHT"),
        "{e}"
    );
    let e = serde_json::from_str::<Options>(r#"{"fps": "fast"}"#).unwrap_err();
    assert!(e.to_string().contains("is not a frame rate"), "{e}");
}

fn play(duration: Duration, warning: &[&str], critical: &[&str]) -> Options {
    Options {
        mode: options::Mode::Play,
        duration: Some(duration),
        timeout: Duration::from_secs(20),
        warning: warning.iter().map(|s| s.to_string()).collect(),
        critical: critical.iter().map(|s| s.to_string()).collect(),
        ..Options::default()
    }
}

#[test]
fn a_play_probe_connects_as_a_player_and_carries_its_window() {
    let o = Options {
        expect: options::ExpectName::Av,
        play_start: -2000,
        ..play(Duration::from_secs(5), &[], &[])
    };
    let p = module(o).probe("URL", "rtmp://h/live/chan").unwrap();
    assert_eq!(p.session.mode, Mode::Play);
    let props = p.session.connect.to_properties();
    let names: Vec<&str> = props.iter().map(|(k, _)| k.as_str()).collect();
    assert!(
        !names.contains(&"type"),
        "a player sends no type: {names:?}"
    );
    assert_eq!(p.session.connect.flash_ver, "LNX 9,0,124,2");
    assert_eq!(p.session.play.duration, Duration::from_secs(5));
    assert_eq!(p.session.play.expect, crate::session::Expect::Both);
    assert_eq!(p.session.play.start, -2000.0);
    // --flash-ver still wins.
    let o = Options {
        flash_ver: Some("WIN 32,0,0,465".into()),
        ..play(Duration::ZERO, &[], &[])
    };
    let p = module(o).probe("URL", "rtmp://h/live/chan").unwrap();
    assert_eq!(p.session.connect.flash_ver, "WIN 32,0,0,465");
    // A play needs a stream name.
    let e = module(play(Duration::ZERO, &[], &[]))
        .probe("URL", "rtmp://h/live")
        .unwrap_err();
    assert!(e.0.contains("no stream name to play"), "{e}");
}

#[test]
fn play_has_default_critical_thresholds_that_the_command_line_replaces() {
    let m = module(play(Duration::from_secs(5), &[], &[]));
    let c = &m.thresholds.critical;
    assert_eq!(c.for_metric("max_gap"), Some(&Range::above(2.0)));
    assert_eq!(
        c.for_metric("backwards_timestamps"),
        Some(&Range::above(0.0))
    );
    let p = m.probe("URL", "rtmp://h/live/chan").unwrap();
    assert_eq!(p.session.play.gap_threshold, Duration::from_secs(2));
    let m = module(play(
        Duration::from_secs(5),
        &["max_gap=500ms"],
        &["max_gap=5s"],
    ));
    assert_eq!(
        m.thresholds.critical.for_metric("max_gap"),
        Some(&Range::above(5.0))
    );
    assert_eq!(
        m.thresholds.warning.for_metric("max_gap"),
        Some(&Range::above(0.5))
    );
    let p = m.probe("URL", "rtmp://h/live/chan").unwrap();
    assert_eq!(p.session.play.gap_threshold, Duration::from_secs(5));
    // The publish check has none of them.
    assert!(module(Options::default()).thresholds.critical.is_empty());
}

#[test]
fn play_refuses_a_window_that_does_not_fit_and_window_thresholds_without_a_window() {
    let o = Options {
        timeout: Duration::from_secs(10),
        ..play(Duration::from_secs(10), &[], &[])
    };
    let e = Module::new(o).unwrap_err();
    assert!(
        e.0.starts_with("--duration 10s does not fit in --timeout 10s"),
        "{e}"
    );
    for (w, c, flag) in [
        (
            &["video_bitrate=2500k:"][..],
            &[][..],
            "--warning: video_bitrate",
        ),
        (
            &[][..],
            &["keyframe_interval=4s"][..],
            "--critical: keyframe_interval",
        ),
        (&[][..], &["fps=24:"][..], "--critical: fps"),
    ] {
        let e = Module::new(play(Duration::ZERO, w, c)).unwrap_err();
        assert!(e.0.starts_with(flag), "{e}");
        assert!(e.0.contains("--duration"), "{e}");
        assert!(Module::new(play(Duration::from_secs(5), w, c)).is_ok());
    }
    // Steps need no window.
    assert!(Module::new(play(Duration::ZERO, &["first_keyframe=3s"], &[])).is_ok());
    // Media metrics belong to play.
    let o = Options {
        critical: vec!["fps=24:".into()],
        ..Options::default()
    };
    assert!(Module::new(o).unwrap_err().0.contains("--mode play"));
}

#[test]
fn the_tls_configuration_is_built_once_per_module_and_never_for_plain_rtmp() {
    let m = module(Options::default());
    let plain = m.probe("URL", "rtmp://h/live/key").unwrap();
    assert!(plain.session.tls.is_none());
    assert!(m.tls.get().is_none(), "nothing built for rtmp://");
    let a = m.probe("URL", "rtmps://a.example/live/key").unwrap();
    let b = m.probe("URL", "rtmps://b.example:8443/live/key").unwrap();
    let (a_tls, b_tls) = (a.session.tls.unwrap(), b.session.tls.unwrap());
    assert!(
        Arc::ptr_eq(&a_tls, &b_tls),
        "one configuration for every probe"
    );
    assert_eq!(a.session.port, 443, "rtmps:// defaults to 443");
    assert_eq!(a.session.connect.tc_url, "rtmps://a.example/live");
    // TLS options build it at once: a bad --ca-file is a usage error before any target.
    let e = Module::new(Options {
        ca_file: vec!["/nonexistent/ca.pem".into()],
        ..Options::default()
    })
    .unwrap_err();
    assert!(e.0.starts_with("--ca-file /nonexistent/ca.pem: "), "{e}");
    let e = Module::new(Options {
        sni: Some("not a name".into()),
        ..Options::default()
    })
    .unwrap_err();
    assert!(e.0.starts_with("--sni \"not a name\""), "{e}");
}

#[test]
fn a_host_that_cannot_be_a_tls_server_name_is_a_usage_error() {
    let e = module(Options::default())
        .probe("URL", "rtmps://bad_name!/live/key")
        .unwrap_err();
    assert!(
        e.0.starts_with("URL: the host \"bad_name!\" cannot be a TLS server name"),
        "{e}"
    );
}

#[test]
fn credentials_reach_the_session_decoded_and_a_half_of_them_is_refused() {
    let m = module(Options::default());
    let p = m.probe("URL", "rtmp://bob:p%40ss@h/live/key").unwrap();
    let c = p.session.credentials.unwrap();
    assert_eq!((c.user(), c.password()), ("bob", "p@ss"));
    assert!(m
        .probe("URL", "rtmp://h/live/key")
        .unwrap()
        .session
        .credentials
        .is_none());
    let with_user = module(Options {
        user: Some("bob".into()),
        password: Some(options::Secret("hunter2-long".into())),
        ..Options::default()
    });
    let c = with_user
        .probe("URL", "rtmp://h/live/key")
        .unwrap()
        .session
        .credentials;
    assert_eq!(c.map(|c| c.user().to_string()), Some("bob".into()));
    let e = module(Options {
        user: Some("bob".into()),
        ..Options::default()
    })
    .probe("URL", "rtmp://h/live/key")
    .unwrap_err();
    assert!(e.0.contains("no password"), "{e}");
    let e = module(Options {
        password: Some(options::Secret("hunter2-long".into())),
        ..Options::default()
    })
    .probe("URL", "rtmp://h/live/key")
    .unwrap_err();
    assert!(e.0.contains("(RTMP_PROBE_PASSWORD) but no user"), "{e}");
    assert!(!e.0.contains("hunter2"), "{e}");
}

#[test]
fn without_a_cert_days_threshold_the_default_warning_applies_and_any_replaces_it() {
    let default = module(Options::default());
    assert_eq!(
        default.thresholds.warning.for_metric("cert_days"),
        Some(&crate::metrics::DEFAULT_CERT_DAYS_WARNING)
    );
    assert_eq!(default.thresholds.critical.for_metric("cert_days"), None);
    for (warning, critical) in [
        (vec!["cert_days=30:"], vec![]),
        (vec![], vec!["cert_days=7:"]),
    ] {
        let m = module(Options {
            warning: warning.iter().map(|s| s.to_string()).collect(),
            critical: critical.iter().map(|s| s.to_string()).collect(),
            ..Options::default()
        });
        let w = m.thresholds.warning.for_metric("cert_days").copied();
        assert_ne!(
            w,
            Some(crate::metrics::DEFAULT_CERT_DAYS_WARNING),
            "{warning:?} {critical:?}"
        );
    }
}

#[test]
fn duration_is_the_play_window_in_play_and_the_publish_media_options_are_refused_there() {
    let p = module(play(Duration::from_secs(4), &[], &[]))
        .probe("URL", "rtmp://h/live/chan")
        .unwrap();
    assert_eq!(p.session.play.duration, Duration::from_secs(4));
    assert_eq!(p.session.media.duration, None, "a player sends no media");
    // Zero is a play's "stop at the first keyframe", not an error as it is for a publish.
    assert!(Module::new(play(Duration::ZERO, &[], &[])).is_ok());
    let o = Options {
        video: options::Video::Hevc,
        ..play(Duration::ZERO, &[], &[])
    };
    let e = media_error(o);
    assert!(
        e.starts_with("--video only applies to --mode publish and roundtrip"),
        "{e}"
    );
    let o = Options {
        enhanced: true,
        ..play(Duration::ZERO, &[], &[])
    };
    assert!(
        Module::new(o).is_ok(),
        "--enhanced applies to a player's connect"
    );
}

fn roundtrip(duration: Option<Duration>, play_url: Option<&str>) -> Options {
    Options {
        mode: options::Mode::Roundtrip,
        duration,
        play_url: play_url.map(str::to_string),
        ..Options::default()
    }
}

#[test]
fn a_roundtrip_sends_three_seconds_by_default_and_plays_back_from_the_target_itself() {
    let p = module(roundtrip(None, None))
        .probe("URL", "rtmp://h/live/mon-{random}")
        .unwrap();
    assert_eq!(p.session.mode, Mode::Roundtrip);
    assert_eq!(p.session.media.duration, Some(Duration::from_secs(3)));
    let rt = p.session.roundtrip.as_ref().unwrap();
    assert!(!rt.play_url);
    assert_eq!((rt.play.host.as_str(), rt.play.port), ("h", 1935));
    // The placeholder expanded once: the player plays what the publisher publishes.
    assert_eq!(Some(rt.play.stream.as_str()), p.session.stream.as_deref());
    assert!(!rt.play.stream.contains("{random}"));
    let props = rt.play.connect.to_properties();
    assert!(
        !props.iter().any(|(k, _)| k == "type"),
        "a player's connect"
    );
    // The defaults: critical on a corrupted frame, warning on a lost one.
    assert_eq!(
        p.thresholds.critical.for_metric("corrupted"),
        Some(&Range::above(0.0))
    );
    assert_eq!(
        p.thresholds.warning.for_metric("lost"),
        Some(&Range::above(0.0))
    );
    let p = module(Options {
        warning: vec!["lost=5".into()],
        ..roundtrip(None, None)
    })
    .probe("URL", "rtmp://h/live/s")
    .unwrap();
    assert_eq!(
        p.thresholds.warning.for_metric("lost"),
        Some(&Range::above(5.0))
    );
}

#[test]
fn a_play_url_has_its_own_server_stream_credentials_and_secrets() {
    let p = module(roundtrip(
        Some(Duration::from_secs(2)),
        Some("rtmp://viewer:pa55word@edge:1936/relay/chan?token=qx7tok"),
    ))
    .probe("URL", "rtmp://origin/live/key")
    .unwrap();
    let rt = p.session.roundtrip.as_ref().unwrap();
    assert!(rt.play_url);
    assert_eq!((rt.play.host.as_str(), rt.play.port), ("edge", 1936));
    assert_eq!(rt.play.stream, "chan?token=qx7tok");
    assert!(rt.play.credentials.is_some());
    let masked = p.session.redactor.text("pa55word qx7tok");
    assert!(
        !masked.contains("pa55word") && !masked.contains("qx7tok"),
        "{masked}"
    );
    // Without a stream name, the published one.
    let p = module(roundtrip(None, Some("rtmp://edge/relay")))
        .probe("URL", "rtmp://origin/live/key")
        .unwrap();
    assert_eq!(p.session.roundtrip.unwrap().play.stream, "key");
    // The publish's own template plays the stream as published, its placeholders expanded once.
    let p = module(roundtrip(None, Some("rtmp://edge/relay/mon-{random}")))
        .probe("URL", "rtmp://origin/live/mon-{random}")
        .unwrap();
    let played = p.session.roundtrip.as_ref().unwrap().play.stream.clone();
    assert_eq!(Some(played.as_str()), p.session.stream.as_deref());
    assert!(!played.contains('{'), "{played}");
    // Any other placeholder would name another stream: said, not left to fail as no_media.
    let e = module(roundtrip(None, Some("rtmp://edge/relay/other-{random}")))
        .probe("URL", "rtmp://origin/live/mon-{random}")
        .unwrap_err();
    assert!(e.0.starts_with("--play-url: a placeholder"), "{e}");
}

#[test]
fn roundtrip_options_that_cannot_work_are_usage_errors_naming_them() {
    let e = Module::new(Options {
        play_url: Some("rtmp://edge/live".into()),
        ..Options::default()
    })
    .unwrap_err();
    assert!(
        e.0.starts_with("--play-url only applies to --mode roundtrip"),
        "{e}"
    );
    let e = Module::new(roundtrip(Some(Duration::from_secs(9)), None)).unwrap_err();
    assert!(
        e.0.contains("drain") && e.0.contains("--timeout 10s"),
        "{e}"
    );
    let e = Module::new(Options {
        timeout: Duration::from_secs(900),
        ..roundtrip(Some(Duration::from_secs(301)), None)
    })
    .unwrap_err();
    assert!(e.0.contains("at most 5m"), "{e}");
    let e = module(roundtrip(None, None))
        .probe("URL", "rtmp://h/live")
        .unwrap_err();
    assert!(e.0.contains("no stream name"), "{e}");
    let e = module(roundtrip(None, Some("rtmpx://edge/live")))
        .probe("URL", "rtmp://h/live/s")
        .unwrap_err();
    assert!(e.0.starts_with("--play-url: "), "{e}");
    let e = Module::new(Options {
        critical: vec!["watch=1s".into()],
        ..roundtrip(None, None)
    })
    .unwrap_err();
    assert!(e.0.contains("not measured in --mode roundtrip"), "{e}");
}
