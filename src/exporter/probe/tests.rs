use super::*;

const S: Duration = Duration::from_secs(1);

#[test]
fn the_timeout_is_the_modules_capped_by_the_scrape_timeout_less_the_offset() {
    let half = Duration::from_millis(500);
    assert_eq!(effective_timeout(5 * S, None, half), 5 * S);
    assert_eq!(effective_timeout(5 * S, Some(10.0), half), 5 * S);
    assert_eq!(
        effective_timeout(5 * S, Some(3.0), half),
        Duration::from_millis(2500)
    );
    // An offset as long as the scrape timeout: the whole scrape timeout is the cap.
    assert_eq!(
        effective_timeout(5 * S, Some(0.4), half),
        Duration::from_millis(400)
    );
    assert_eq!(effective_timeout(5 * S, Some(f64::NAN), half), 5 * S);
    assert_eq!(effective_timeout(5 * S, Some(-1.0), half), 5 * S);
}

#[test]
fn the_scrape_timeout_header_is_a_positive_number_of_seconds() {
    assert_eq!(scrape_timeout("9.5"), Ok(9.5));
    assert_eq!(scrape_timeout(" 10 "), Ok(10.0));
    for bad in ["", "0", "-3", "NaN", "inf", "ten", "1e12"] {
        let e = scrape_timeout(bad).unwrap_err();
        assert!(
            e.contains("X-Prometheus-Scrape-Timeout-Seconds"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn errors_about_a_bad_url_hold_none_of_its_secrets() {
    let url = "http://user:hunter2@example.com/live/stream-key-123?token=abcdef";
    let e = crate::plan::Module::new(crate::plan::Options::default())
        .unwrap()
        .probe("target", url)
        .unwrap_err();
    let m = masked(url, &e.0);
    assert!(
        m.starts_with("target: the URL must start with rtmp://"),
        "{m}"
    );
    for secret in ["hunter2", "stream-key-123", "abcdef", "user:"] {
        assert!(!m.contains(secret), "{secret} in {m}");
    }
    // Secrets inside a message that repeats them are masked too.
    let m = masked(
        "rtmp://h/live/stream-key-123",
        "no good: stream-key-123\nsecond line",
    );
    assert_eq!(m, "no good: stre***");
}
