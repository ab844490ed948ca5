use super::*;

fn number(v: f64) -> String {
    let mut s = String::new();
    push_number(&mut s, v);
    s
}

#[test]
fn numbers_print_without_binary_noise_and_with_the_special_values() {
    assert_eq!(number(0.000008999999999999999), "0.000009");
    assert_eq!(number(1.0), "1");
    assert_eq!(number(0.5), "0.5");
    assert_eq!(number(0.000192183), "0.000192183");
    assert_eq!(number(1796133411.4920714), "1796133411.49207139");
    assert_eq!(number(f64::NAN), "NaN");
    assert_eq!(number(f64::INFINITY), "+Inf");
    assert_eq!(number(f64::NEG_INFINITY), "-Inf");
    assert_eq!(number(-2.0), "-2");
}

#[test]
fn label_values_escape_quotes_backslashes_and_newlines() {
    let mut out = String::new();
    sample(&mut out, "m", &[("a", "x\"y\\z\nw"), ("b", "c")], 1.0);
    assert_eq!(out, "m{a=\"x\\\"y\\\\z\\nw\",b=\"c\"} 1\n");
}

fn metric(name: &'static str, unit: &'static str) -> MetricReport {
    MetricReport {
        name,
        value: 2.0,
        unit,
        warning: None,
        critical: None,
        kind: crate::metrics::Unit::Count,
    }
}

#[test]
fn report_metrics_get_probe_rtmp_names_with_their_unit() {
    assert_eq!(
        metric_name(&metric("bitrate", "bit/s")),
        "probe_rtmp_bitrate_bytes_per_second"
    );
    assert_eq!(
        metric_name(&metric("video_bitrate", "bit/s")),
        "probe_rtmp_video_bytes_per_second",
        "bytes, Prometheus's base unit"
    );
    assert_eq!(
        metric_name(&metric("fps", "1/s")),
        "probe_rtmp_fps_per_second"
    );
    assert_eq!(
        metric_name(&metric("first_frame", "s")),
        "probe_rtmp_first_frame_seconds"
    );
    assert_eq!(metric_name(&metric("frames", "")), "probe_rtmp_frames");
    assert_eq!(metric_name(&metric("a-b.c", "")), "probe_rtmp_a_b_c");
}
