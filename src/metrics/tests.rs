use super::*;

fn r(text: &str, unit: Unit) -> Range {
    Range::parse(text, unit).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

#[test]
fn a_bare_value_alerts_above_it_and_below_zero() {
    let range = r("10", Unit::Count);
    assert_eq!(range, Range::above(10.0));
    assert!(!range.alerts(0.0));
    assert!(!range.alerts(10.0), "an end is inclusive");
    assert!(range.alerts(10.5));
    assert!(range.alerts(-1.0));
}

#[test]
fn start_colon_alerts_below_the_start() {
    let range = r("10:", Unit::Count);
    assert_eq!((range.start, range.end), (10.0, f64::INFINITY));
    assert!(range.alerts(9.9));
    assert!(!range.alerts(10.0));
    assert!(!range.alerts(1e12));
}

#[test]
fn tilde_means_no_lower_end() {
    let range = r("~:10", Unit::Count);
    assert_eq!(range.start, f64::NEG_INFINITY);
    assert!(!range.alerts(-1e9));
    assert!(range.alerts(11.0));
}

#[test]
fn start_and_end_alert_outside_and_at_alerts_inside() {
    let outside = r("10:20", Unit::Count);
    assert!(outside.alerts(9.0) && outside.alerts(21.0));
    assert!(!outside.alerts(10.0) && !outside.alerts(15.0) && !outside.alerts(20.0));
    let inside = r("@10:20", Unit::Count);
    assert!(inside.inside);
    assert!(!inside.alerts(9.0) && !inside.alerts(21.0));
    assert!(inside.alerts(10.0) && inside.alerts(15.0) && inside.alerts(20.0));
    let neg = r("-5:5", Unit::Count);
    assert!(neg.alerts(-6.0) && !neg.alerts(-5.0));
}

#[test]
fn durations_take_units_and_bare_numbers_are_seconds() {
    assert_eq!(r("50ms", Unit::Seconds).end, 0.05);
    assert_eq!(r("2s", Unit::Seconds).end, 2.0);
    assert_eq!(r("1m30s", Unit::Seconds).end, 90.0);
    assert_eq!(r("1.5", Unit::Seconds).end, 1.5);
    let both = r("100ms:2s", Unit::Seconds);
    assert_eq!((both.start, both.end), (0.1, 2.0));
    assert_eq!(r("~:-250ms", Unit::Seconds).end, -0.25);
}

#[test]
fn bit_rates_take_si_suffixes() {
    assert_eq!(r("2500k:", Unit::BitsPerSecond).start, 2_500_000.0);
    assert_eq!(r("1.5M", Unit::BitsPerSecond).end, 1_500_000.0);
    assert_eq!(r("1G", Unit::BitsPerSecond).end, 1e9);
    assert_eq!(r("6000kbps", Unit::BitsPerSecond).end, 6e6);
    assert_eq!(r("800", Unit::BitsPerSecond).end, 800.0);
}

#[test]
fn days_take_a_d_or_nothing() {
    assert_eq!(r("14d:", Unit::Days).start, 14.0);
    assert_eq!(r("30:", Unit::Days).start, 30.0);
}

#[test]
fn empty_inverted_and_unitless_ranges_are_errors_that_say_why() {
    for (text, unit, words) in [
        ("", Unit::Seconds, "empty"),
        ("@", Unit::Seconds, "empty"),
        ("20:10", Unit::Count, "inverted"),
        ("2s:1s", Unit::Seconds, "inverted"),
        ("~:", Unit::Count, "never alert"),
        ("fast", Unit::Seconds, "10s or 250ms"),
        ("5Mb", Unit::BitsPerSecond, "bit rate"),
        ("3x", Unit::Count, "a number"),
        ("10ms", Unit::Days, "days"),
        ("inf", Unit::Count, "a number"),
        ("NaN", Unit::Count, "a number"),
    ] {
        let e = Range::parse(text, unit).expect_err(text);
        assert!(e.contains(words), "{text:?}: {e}");
    }
}

#[test]
fn perfdata_writes_ranges_as_the_guidelines_do() {
    assert_eq!(r("10", Unit::Count).perfdata(), "10");
    assert_eq!(r("0:10", Unit::Count).perfdata(), "10");
    assert_eq!(r("10:", Unit::Count).perfdata(), "10:");
    assert_eq!(r("~:10", Unit::Count).perfdata(), "~:10");
    assert_eq!(r("10:20", Unit::Count).perfdata(), "10:20");
    assert_eq!(r("@10:20", Unit::Count).perfdata(), "@10:20");
    assert_eq!(r("@10", Unit::Count).perfdata(), "@0:10");
    assert_eq!(r("200ms", Unit::Seconds).perfdata(), "0.2");
    assert_eq!(r("2500k:", Unit::BitsPerSecond).perfdata(), "2500000:");
}

#[test]
fn only_plain_upper_bounds_have_an_upper_bound() {
    assert_eq!(r("10", Unit::Count).upper_bound(), Some(10.0));
    assert_eq!(r("~:10", Unit::Count).upper_bound(), Some(10.0));
    assert_eq!(r("10:", Unit::Count).upper_bound(), None);
    assert_eq!(r("5:10", Unit::Count).upper_bound(), None);
    assert_eq!(r("@0:10", Unit::Count).upper_bound(), None);
}

#[test]
fn crossings_are_described_by_their_side() {
    let above = r("3ms", Unit::Seconds);
    assert_eq!(above.describe_crossing(0.004, Unit::Seconds), "> 3.000 ms");
    let below = r("2500k:", Unit::BitsPerSecond);
    assert_eq!(
        below.describe_crossing(1e6, Unit::BitsPerSecond),
        "< 2.50 Mbit/s"
    );
    assert_eq!(
        r("10:20", Unit::Count).describe_crossing(25.0, Unit::Count),
        "outside 10..20"
    );
    assert_eq!(
        r("@10:20", Unit::Count).describe_crossing(15.0, Unit::Count),
        "inside 10..20"
    );
}

#[test]
fn limits_take_names_commas_repeats_and_a_bare_total() {
    let items = vec![
        "200ms,connect=50ms".to_string(),
        "handshake=1".into(),
        "connect=60ms".into(),
    ];
    let l = Limits::parse("--warning", &items, "publish").unwrap();
    assert_eq!(l.for_metric("total"), Some(&Range::above(0.2)));
    assert_eq!(
        l.for_metric("connect"),
        Some(&Range::above(0.06)),
        "the later one wins"
    );
    assert_eq!(l.for_metric("handshake"), Some(&Range::above(1.0)));
    assert_eq!(l.items.len(), 3);
}

#[test]
fn limits_refuse_unknown_metrics_and_metrics_of_other_modes() {
    let e = Limits::parse("--warning", &["bogus=1s".into()], "publish").unwrap_err();
    assert!(e.starts_with("--warning: unknown metric \"bogus\""), "{e}");
    assert!(e.contains("create_stream"), "lists the names: {e}");
    let e = Limits::parse("--critical", &["publish=1s".into()], "connect").unwrap_err();
    assert!(e.contains("not measured in --mode connect"), "{e}");
    let e = Limits::parse("--critical", &["connect=".into()], "connect").unwrap_err();
    assert!(e.contains("--critical: connect: the range is empty"), "{e}");
}

#[test]
fn every_definition_has_a_unique_name_and_a_mode() {
    for (i, d) in DEFINITIONS.iter().enumerate() {
        assert!(!d.modes.is_empty(), "{}", d.name);
        assert!(
            DEFINITIONS.iter().skip(i + 1).all(|o| o.name != d.name),
            "{}",
            d.name
        );
    }
}
