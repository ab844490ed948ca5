//! What a hostile user and a hostile server could get through (issue 11): one regression test per
//! finding, each failing on the code before its fix.

use crate::support::fake::FakeServer;
use crate::support::nginx::Nginx;
use crate::support::probe::{self, ProbeOutput, BINARY};
use crate::support::script::{error_reply, serve, Conn};
use crate::support::{closed_port, report};
use rtmp_probe::protocol::amf0::Value;
use rtmp_probe::protocol::command::Command;
use std::io;
use std::time::Duration;

/// Runs the probe through `sh -c`, for redirections and limits a plain spawn cannot set.
fn sh(script: &str, args: &[&str]) -> ProbeOutput {
    let mut full = vec!["-c", script, "sh", BINARY];
    full.extend_from_slice(args);
    probe::run_program("sh", &full, &[], probe::DEADLINE)
}

/// Fails when any 8-character piece of `secret` appears in the run's stdout or stderr.
fn assert_no_piece(out: &ProbeOutput, secret: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for window in chars.windows(8) {
        let piece: String = window.iter().collect();
        assert!(
            !out.stdout.contains(&piece) && !out.stderr.contains(&piece),
            "{piece:?} of a secret leaked:\n{out}"
        );
    }
}

#[test]
fn output_file_publishes_a_failure_atomically_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("rtmp.prom");
    std::fs::write(&file, "rtmp_probe_success{target=\"previous-run\"} 1\n").unwrap();
    let refused = format!("rtmp://127.0.0.1:{}/live/x", closed_port());
    let out = probe::run(&[
        "-f",
        "prometheus",
        "--output",
        file.to_str().unwrap(),
        &refused,
        &refused,
    ]);
    assert_eq!(out.code, 2, "the exit code is still the state: {out}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {out}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("previous-run"), "{text}");
    assert!(text.contains("rtmp_probe_success{"), "{text}");
    assert!(text.contains("} 0\n"), "the failure is published: {text}");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["rtmp.prom"], "no temporary file stays");
    // A usage error reaches the file too, as an exposition.
    let out = probe::run(&[
        "-f",
        "prometheus",
        "--output",
        file.to_str().unwrap(),
        "nope",
    ]);
    assert_eq!(out.code, 3, "{out}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("rtmp_probe_status 3\n"), "{text}");
    assert!(
        text.contains("rtmp_probe_not_run_info{kind=\"usage\"} 1"),
        "{text}"
    );
    // The reason is there for the person who reads the file, as a comment parsers pass over.
    assert!(
        text.starts_with("# rtmp-probe UNKNOWN: invalid arguments: ") && text.contains("URL"),
        "{text}"
    );
    // A file that cannot be written is UNKNOWN, said on stdout.
    let missing = dir.path().join("no-such-dir").join("rtmp.prom");
    let out = probe::run(&["--output", missing.to_str().unwrap(), &refused]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout
            .starts_with("RTMP UNKNOWN - cannot write --output "),
        "{out}"
    );
    // In the format asked for, with a kind of its own: the operator's path, not the probe's bug.
    let out = probe::run(&[
        "-f",
        "prometheus",
        "--output",
        missing.to_str().unwrap(),
        &refused,
    ]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout
            .starts_with("# rtmp-probe UNKNOWN: cannot write --output ")
            && out
                .stdout
                .contains("rtmp_probe_not_run_info{kind=\"output\"} 1"),
        "{out}"
    );
}

#[test]
fn no_shipped_recipe_makes_publishing_depend_on_an_ok_exit_code() {
    let root = env!("CARGO_MANIFEST_DIR");
    for file in [
        "README.md",
        "nagios/README.md",
        "packaging/README.md",
        "src/cli.rs",
    ] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
        for (i, line) in text.lines().enumerate() {
            assert!(
                !(line.contains(".prom") && line.contains("&& mv")),
                "{file} line {}: the rename must not depend on the exit code: {line}",
                i + 1
            );
        }
    }
}

#[test]
fn usage_errors_never_echo_what_may_hold_a_secret() {
    let secret = "hunter2-0123456789abcdef";
    let dir = tempfile::tempdir().expect("tempdir");
    let targets = dir.path().join("targets");
    std::fs::write(
        &targets,
        format!("rtmp://127.0.0.1/live/ok\nrtmx://bob:{secret}@h:1935/live/key\n"),
    )
    .unwrap();
    let url = format!("rtmp://bob:{secret}@127.0.0.1:1935/live/{secret}");
    let cases: Vec<Vec<String>> = vec![
        vec![format!("rtmx://bob:{secret}@h/live/k")],
        vec![format!("bob:{secret}@h/live/k")],
        vec![format!("rtmp://h:1935?key={secret}/live/k")],
        vec![format!("rtmp://h:{secret}/live/k")],
        vec!["--targets".into(), targets.to_str().unwrap().into()],
        vec!["-w".into(), url.clone()],
        vec!["-t".into(), url.clone()],
        vec!["--concurrency".into(), url.clone()],
        vec!["--format".into(), url.clone(), url.clone()],
        vec![format!("--stream={secret} x"), url.clone()],
        vec!["--stream".into(), format!("{secret}\nRTMP OK"), url.clone()],
        vec!["-c".into(), format!("connect={secret}"), url.clone()],
    ];
    for args in &cases {
        for format in ["nagios", "json", "text", "prometheus"] {
            let mut full: Vec<&str> = vec!["-f", format];
            full.extend(args.iter().map(String::as_str));
            let out = probe::run(&full);
            assert_eq!(out.code, 3, "{args:?}: {out}");
            assert_no_piece(&out, secret);
        }
    }
}

#[test]
fn a_token_in_tc_url_is_masked_in_logs_and_traces() {
    let nginx = Nginx::start();
    let token = "tok-0123456789abcdef0123456789";
    let tc_url = format!("rtmp://127.0.0.1:{}/live?token={token}", nginx.rtmp_port());
    for extra in [&["-vv"][..], &["--trace"]] {
        let mut args = vec!["--mode", "connect", "--tc-url", &tc_url];
        args.extend_from_slice(extra);
        let url = nginx.url("live", "x");
        args.push(&url);
        let out = probe::run(&args);
        assert_eq!(out.code, 0, "{out}");
        assert!(!out.stderr.is_empty(), "logs were written: {out}");
        assert_no_piece(&out, token);
    }
}

#[test]
fn the_stream_key_can_come_from_a_file_or_the_environment() {
    let nginx = Nginx::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key");
    std::fs::write(&key, "\u{feff}file-key-0123456789\n").unwrap();
    let app_url = format!("rtmp://127.0.0.1:{}/live", nginx.rtmp_port());
    let out = probe::run(&[
        "-f",
        "json",
        "--stream-file",
        key.to_str().unwrap(),
        &app_url,
    ]);
    assert_eq!(out.code, 0, "{out}");
    let r = report::parse_valid(&out.stdout);
    assert_eq!(r["target"]["stream"], "file***");
    assert!(
        nginx.error_log().contains("file-key-0123456789"),
        "nginx saw the key"
    );
    let out = probe::run_with_env(
        &["-f", "json", &app_url],
        &[("RTMP_PROBE_STREAM", "env-key-0123456789")],
    );
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        report::parse_valid(&out.stdout)["target"]["stream"],
        "env-***"
    );
    // An empty variable is no stream (Icinga passes one for an unset custom variable).
    let out = probe::run_with_env(&[&app_url], &[("RTMP_PROBE_STREAM", "")]);
    assert_eq!(out.code, 3, "{out}");
    assert!(out.stdout.contains("no stream name to publish"), "{out}");
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let out = probe::run(&["--stream-file", empty.to_str().unwrap(), &app_url]);
    assert_eq!(out.code, 3, "{out}");
    assert!(out.stdout.contains("is empty"), "{out}");
}

/// Control characters, ESC sequences, pipes and newlines in every string a server sends, and a
/// description of 60 KB.
fn hostile(c: &mut Conn) -> io::Result<()> {
    c.handshake()?;
    let connect = c.wait_command("connect")?;
    c.send_nginx_preamble()?;
    let nasty = "FMS/3\u{1b}[2J\u{1b}]0;owned\u{7}\nRTMP OK - forged | 'x'=1";
    let result = Command::new(
        "_result",
        connect.transaction_id,
        Value::Object(vec![
            ("fmsVer".into(), nasty.into()),
            ("capabilities".into(), 31.0.into()),
        ]),
        vec![Value::Object(vec![
            ("level".into(), "status".into()),
            ("code".into(), "NetConnection.Connect.Success".into()),
            ("description".into(), "ok\u{1b}[31m".into()),
        ])],
    );
    c.send_command(3, 0, result)?;
    let create = c.wait_command("createStream")?;
    c.send_command(
        3,
        0,
        Command::new(
            "_result",
            create.transaction_id,
            Value::Null,
            vec![1.0.into()],
        ),
    )?;
    let publish = c.wait_command("publish")?;
    let description = format!("denied\r\nRTMP OK - forged\u{1b}[0m{}", "x".repeat(60_000));
    c.send_command(
        8,
        1,
        error_reply(
            publish.transaction_id,
            "NetStream.Publish.Denied\nRTMP OK - all fine | 'total'=0s\u{1b}[2J",
            &description,
        ),
    )?;
    c.close()
}

#[test]
fn a_hostile_server_cannot_forge_lines_escape_sequences_or_a_huge_line() {
    for format in ["nagios", "text", "json"] {
        let served = serve(hostile);
        let url = served.url("live", "hostile-0123456789");
        let out = probe::run(&["-t", "5s", "-v", "-f", format, &url]);
        assert_eq!(out.code, 2, "{format}: {out}");
        assert!(!out.stdout.contains('\u{1b}'), "{format}: no ESC: {out}");
        assert!(!out.stdout.contains('\u{7}'), "{format}: no BEL: {out}");
        assert!(
            !out.stdout.lines().any(|l| l.starts_with("RTMP OK")),
            "{format}: no forged status line: {out}"
        );
        let first = out.stdout.lines().next().unwrap_or_default();
        if format != "json" {
            assert!(
                first.len() < 4096,
                "{format}: the first line is bounded: {}",
                first.len()
            );
        }
        if format == "nagios" {
            let (text, _) = first.split_once(" | ").expect("perfdata");
            assert!(
                !text.contains('|'),
                "one pipe only, before perfdata: {first}"
            );
        }
        if format == "json" {
            let r = report::parse_valid(&out.stdout);
            let code = r["error"]["code"].as_str().unwrap();
            assert!(
                code.starts_with("NetStream.Publish.Denied RTMP OK"),
                "{code}"
            );
            let d = r["error"]["description"].as_str().unwrap();
            assert!(
                d.len() < 1024 && d.contains("bytes)"),
                "bounded: {}",
                d.len()
            );
        }
        served.finish_one();
    }
    // Logs are output too: -vv shows every message, --trace every byte.
    for flags in [&["-vv"][..], &["-vvv", "--trace"]] {
        let served = serve(hostile);
        let mut args = vec!["-t", "5s"];
        args.extend_from_slice(flags);
        let url = served.url("live", "hostile-0123456789");
        args.push(&url);
        let out = probe::run(&args);
        assert_eq!(out.code, 2, "{flags:?}: {out}");
        assert!(
            out.stderr.contains("onStatus") || out.stderr.contains("_error"),
            "{out}"
        );
        for bad in ['\u{1b}', '\u{7}', '\r'] {
            assert!(
                !out.stderr.contains(bad),
                "{flags:?}: {bad:?} in the logs: {out}"
            );
        }
        assert!(
            !out.stderr.lines().any(|l| l.starts_with("RTMP OK")),
            "{flags:?}: a forged line in the logs: {out}"
        );
        assert!(
            out.stderr.lines().all(|l| l.len() < 8192),
            "{flags:?}: log lines are bounded"
        );
        served.finish_one();
    }
}

#[test]
fn a_low_descriptor_limit_caps_concurrency_instead_of_failing_targets() {
    let nginx = Nginx::start();
    let urls: Vec<String> = (0..120)
        .map(|i| nginx.url("live", &format!("fd-{i}-{{random}}")))
        .collect();
    let mut args: Vec<&str> = vec!["-f", "json", "--concurrency", "500"];
    args.extend(urls.iter().map(String::as_str));
    let out = sh("ulimit -n 96 && exec \"$@\"", &args);
    assert_eq!(
        out.code,
        0,
        "{}",
        out.stdout
            .lines()
            .find(|l| !l.contains("\"OK\""))
            .unwrap_or("")
    );
    assert_eq!(out.stdout.lines().count(), 120);
    assert!(!out.stdout.contains("too many open files"), "{out}");
}

#[test]
fn a_log_that_cannot_be_written_does_not_change_the_verdict() {
    let nginx = Nginx::start();
    let url = nginx.url("live", "logs-{random}");
    for redirect in ["2>/dev/full", "2>&-"] {
        let out = sh(
            &format!("exec \"$@\" {redirect}"),
            &["-vv", "--trace", &url],
        );
        assert_eq!(out.code, 0, "{redirect}: {out}");
        assert!(out.stdout.starts_with("RTMP OK - "), "{redirect}: {out}");
    }
}

#[test]
fn targets_that_mask_alike_keep_distinct_identities_in_every_format() {
    let nginx = Nginx::start();
    let url = nginx.url("live", "monitor-{random}");
    let out = probe::run(&["-f", "prometheus", &url, &url]);
    assert_eq!(out.code, 0, "{out}");
    let series: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("rtmp_probe_success{"))
        .collect();
    assert_eq!(series.len(), 2, "{out}");
    assert_ne!(series[0], series[1], "distinct series: {out}");
    let out = probe::run(&[&url, &url]);
    let first = out.stdout.lines().next().unwrap_or_default();
    let perf = first.split(" | ").nth(1).unwrap_or_default();
    let labels: Vec<&str> = perf
        .split("'=")
        .filter_map(|chunk| chunk.rsplit_once('\'').map(|(_, label)| label))
        .collect();
    assert_eq!(labels.len(), 2, "{out}");
    assert_ne!(labels[0], labels[1], "distinct perfdata labels: {out}");
    for line in out.stdout.lines().skip(1) {
        assert!(
            line.contains("/live/moni***]"),
            "names the app and masked stream: {line}"
        );
    }
    let out = probe::run(&["-f", "json", &url, &url]);
    let ids: Vec<String> = out
        .stdout
        .lines()
        .map(|l| {
            report::parse_valid(l)["target"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn the_timeout_bounds_the_whole_run_whatever_the_number_of_targets() {
    let silent = FakeServer::start_n(200, |mut s| {
        let _ = io::Read::read(&mut s, &mut [0u8; 1]);
        std::thread::sleep(Duration::from_secs(3));
    });
    let url = silent.url("live", "x");
    let urls = vec![url; 40];
    let mut args: Vec<&str> = vec!["-f", "json", "-t", "1s", "--concurrency", "4"];
    args.extend(urls.iter().map(String::as_str));
    let out = probe::run(&args);
    assert!(
        out.elapsed < Duration::from_millis(1900),
        "{:?}",
        out.elapsed
    );
    assert_eq!(
        out.code, 2,
        "the targets that were checked timed out: {out}"
    );
    let kinds: Vec<String> = out
        .stdout
        .lines()
        .map(|l| {
            report::parse_valid(l)["error"]["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds.len(), 40);
    assert_eq!(
        kinds.iter().filter(|k| *k == "timeout").count(),
        4,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "not_checked").count(),
        36,
        "{kinds:?}"
    );
    let not_checked = out.stdout.lines().last().unwrap();
    let r = report::parse_valid(not_checked);
    assert_eq!(r["status"], "UNKNOWN");
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("--concurrency"));
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.contains(" not checked: ") && !summary.contains("DNS"),
        "a target never reached has no step to blame: {summary}"
    );
    // The aggregate line counts them apart from the targets that failed.
    args.drain(..2);
    let out = probe::run(&args);
    let first = out.stdout.lines().next().unwrap();
    assert!(
        first.contains("0 of 40 targets OK; CRITICAL: ")
            && first.contains("(+39 more, 36 of them not checked)"),
        "{first}"
    );
}

#[test]
fn a_timeout_reported_ok_is_still_no_success() {
    let silent = FakeServer::start(|mut s| {
        let _ = io::Read::read(&mut s, &mut [0u8; 1]);
        std::thread::sleep(Duration::from_secs(2));
    });
    let url = silent.url("live", "x");
    let out = probe::run(&[
        "-f",
        "prometheus",
        "-t",
        "300ms",
        "--timeout-state",
        "ok",
        &url,
    ]);
    assert_eq!(out.code, 0, "{out}");
    let success = out
        .stdout
        .lines()
        .find(|l| l.starts_with("rtmp_probe_success{"))
        .expect("a success sample");
    assert!(success.ends_with(" 0"), "{success}");
}

#[test]
fn usage_errors_come_in_the_format_asked_for() {
    let out = probe::run(&["-f", "json", "notaurl"]);
    assert_eq!(out.code, 3, "{out}");
    let r = report::parse_valid(&out.stdout);
    assert_eq!(r["status"], "UNKNOWN");
    assert_eq!(r["error"]["kind"], "usage");
    let out = probe::run(&["--format=json", "--no-such-option"]);
    assert_eq!(report::parse_valid(&out.stdout)["error"]["kind"], "usage");
    let out = probe::run(&["-fprometheus", "notaurl"]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout
            .starts_with("# rtmp-probe UNKNOWN: invalid arguments: ")
            && out.stdout.contains("\n# HELP rtmp_probe_status"),
        "{out}"
    );
    crate::targets::promtool_check(&out.stdout);
    let out = probe::run(&["-f", "text", "notaurl"]);
    assert!(
        out.stdout.starts_with("RTMP UNKNOWN: invalid arguments: "),
        "{out}"
    );
}

#[test]
fn small_holes_are_closed() {
    // A concurrency no semaphore can hold.
    let refused = format!("rtmp://127.0.0.1:{}/live/x", closed_port());
    let out = probe::run(&["--concurrency", "18446744073709551615", &refused, &refused]);
    assert_eq!(out.code, 2, "{out}");
    assert!(!out.stdout.contains("internal error"), "{out}");
    // A byte-order mark at the start of a targets file.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("t.txt");
    std::fs::write(&file, format!("\u{feff}{refused}\n")).unwrap();
    let out = probe::run(&["--targets", file.to_str().unwrap()]);
    assert_eq!(out.code, 2, "read as a URL: {out}");
    // Names the URL would refuse, and names no command can hold, are refused before connecting.
    let big = "a".repeat(100 * 1024);
    for args in [
        vec!["--stream", "a key", refused.as_str()],
        vec!["--stream", "a\nkey", refused.as_str()],
        vec!["--app", big.as_str(), refused.as_str()],
        vec!["rtmp://[127.0.0.1]/live/x"],
        vec!["rtmp://127.0.0.1:+1935/live/x"],
    ] {
        let out = probe::run(&args);
        assert_eq!(out.code, 3, "{out}");
        assert!(out.elapsed < Duration::from_secs(5), "{:?}", out.elapsed);
    }
    // A pipe in a name is shown as a broken bar, not as another name.
    let nginx = Nginx::start();
    let out = probe::run(&["--mode", "connect", &nginx.url("li|ve", "")]);
    let line = out.stdout.lines().next().unwrap_or_default();
    assert!(line.contains("li¦ve") && !line.contains("li/ve"), "{line}");
}

#[test]
fn a_teardown_that_is_not_confirmed_is_reported_as_what_it_is_never_as_a_failure() {
    use crate::support::script::on_status;
    type Teardown = fn(&mut Conn) -> io::Result<()>;
    let cases: [(Teardown, &str, &str); 3] = [
        (
            |c| {
                c.wait_command("deleteStream")?;
                c.send_command(
                    5,
                    1,
                    on_status("status", "NetStream.DeleteStream.Suceess", "misspelt"),
                )?;
                c.hold()
            },
            "not_confirmed",
            "not confirmed",
        ),
        (
            |c| {
                c.wait_command("FCUnpublish")?;
                c.reset()
            },
            "reset",
            "reset by the server",
        ),
        (|c| c.serve_unpublish(), "confirmed", "confirmed"),
    ];
    for (teardown, name, words) in cases {
        let served = serve(move |c| {
            c.handshake()?;
            c.serve_connect()?;
            c.serve_create_stream()?;
            c.serve_publish()?;
            c.serve_verify()?;
            teardown(c)
        });
        let url = served.url("live", "teardown-0123456789");
        let out = probe::run(&["-v", "--teardown-wait", "100ms", &url]);
        assert_eq!(out.code, 0, "{name}: {out}");
        assert!(!out.stdout.contains("FAILED"), "{name}: {out}");
        let line = out
            .stdout
            .lines()
            .find(|l| l.starts_with("step unpublish"))
            .unwrap_or_else(|| panic!("{name}: no unpublish line: {out}"));
        assert!(line.ends_with(words), "{name}: {line}");
        served.finish_one();
        let served = serve(move |c| {
            c.handshake()?;
            c.serve_connect()?;
            c.serve_create_stream()?;
            c.serve_publish()?;
            c.serve_verify()?;
            teardown(c)
        });
        let out = probe::run(&[
            "-f",
            "json",
            "--teardown-wait",
            "100ms",
            &served.url("live", "x"),
        ]);
        assert_eq!(
            report::parse_valid(&out.stdout)["server"]["teardown"],
            name,
            "{out}"
        );
        served.finish_one();
    }
}

#[test]
fn running_out_of_descriptors_is_the_probes_unknown_never_the_servers_critical() {
    let refused = format!("rtmp://127.0.0.1:{}/live/x", closed_port());
    let mut local = 0;
    for n in 4..=12 {
        let out = sh(
            &format!("ulimit -n {n} && exec \"$@\""),
            &["-f", "json", &refused],
        );
        if out.code == 3 && out.stdout.contains("\"kind\":\"local_resources\"") {
            local += 1;
            assert!(out.stdout.contains("too many open files"), "{out}");
        } else {
            assert!(
                !out.stdout.contains("too many open files"),
                "ulimit -n {n}: {out}"
            );
        }
    }
    assert!(local > 0, "some low limit ran the probe out of descriptors");
}
