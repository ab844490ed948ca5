//! The general secret rule, as one scan: stream keys, query tokens and passwords longer than two
//! chunks (the probe chunks at 128 bytes) never show, not even an 8-character piece of one, in any
//! output format, at any verbosity, in packet traces, for several targets at once, on every path:
//! success, a parse error, a refusal, a close, a name that does not resolve, a timeout.

use crate::support::fake::FakeServer;
use crate::support::nginx::Nginx;
use crate::support::{closed_port, probe};
use std::io::Read;
use std::time::Duration;

/// A secret of `len` characters that no other text contains.
fn secret(tag: &str, len: usize) -> String {
    let mut s = format!("{tag}-");
    let mut x: u32 = 0x9e37_79b9 ^ tag.len() as u32;
    while s.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s.push(char::from(
            b"abcdefghijkmnpqrstuvwxyz23456789"[(x % 32) as usize],
        ));
    }
    s
}

/// Fails if any 8-character piece of one of `secrets` is in `text` (also used by tests/challenge.rs).
pub(crate) fn assert_no_piece(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        let chars: Vec<char> = s.chars().collect();
        for w in chars.windows(8) {
            let piece: String = w.iter().collect();
            assert!(
                !text.contains(&piece),
                "{what}: {piece:?} of a secret shows:\n{text}"
            );
        }
    }
}

#[test]
fn no_piece_of_a_long_secret_shows_in_any_format_verbosity_trace_or_error_path() {
    let key = secret("key", 300);
    let token = secret("tok", 260);
    let password = secret("pw", 140);
    let secrets = [key.as_str(), token.as_str(), password.as_str()];
    let nginx = Nginx::start();
    let silent = FakeServer::start_n(64, |mut s| {
        let _ = s.read(&mut [0u8; 1]);
        std::thread::sleep(Duration::from_secs(2));
    });
    let tail = format!("{key}?token={token}");
    let targets = [
        // Accepted (the password is never sent: nginx asks for none).
        format!(
            "rtmp://monitor:{password}@127.0.0.1:{}/live/{tail}",
            nginx.rtmp_port()
        ),
        // Closed at connect: nginx has no such application.
        format!(
            "rtmp://monitor:{password}@127.0.0.1:{}/nope/{tail}",
            nginx.rtmp_port()
        ),
        // Refused.
        format!(
            "rtmp://monitor:{password}@127.0.0.1:{}/live/{tail}",
            closed_port()
        ),
        // A name that does not resolve.
        format!("rtmp://monitor:{password}@nothing-here.invalid/live/{tail}"),
        // Silent: a timeout.
        format!(
            "rtmp://monitor:{password}@127.0.0.1:{}/live/{tail}",
            silent.port()
        ),
    ];
    let verbosities: [&[&str]; 4] = [&[], &["-v"], &["-vv"], &["-vvv", "--trace"]];
    for format in ["nagios", "json", "text", "prometheus"] {
        for extra in verbosities {
            let mut args = vec!["-f", format, "-t", "800ms", "--concurrency", "5"];
            args.extend_from_slice(extra);
            args.extend(targets.iter().map(String::as_str));
            let out = probe::run(&args);
            assert_eq!(out.code, 2, "{format} {extra:?}: {out}");
            let what = format!("{format} {extra:?}");
            assert_no_piece(&what, &out.stdout, &secrets);
            assert_no_piece(&what, &out.stderr, &secrets);
        }
    }
    // Each target alone too (one target takes the single-threaded path), and a parse error.
    for target in &targets {
        let out = probe::run(&["-vvv", "--trace", "-t", "800ms", target]);
        assert_no_piece(
            target.split('@').nth(1).unwrap_or(""),
            &out.stdout,
            &secrets,
        );
        assert_no_piece("stderr", &out.stderr, &secrets);
    }
    let broken = format!("rtmpx://monitor:{password}@h/live/{tail}");
    for format in ["nagios", "json", "text", "prometheus"] {
        let out = probe::run(&["-f", format, "-vv", &broken]);
        assert_eq!(out.code, 3, "{out}");
        assert_no_piece("a parse error", &out.stdout, &secrets);
        assert_no_piece("a parse error", &out.stderr, &secrets);
    }
}

#[test]
fn no_piece_of_a_secret_shows_in_a_roundtrip_or_its_play_url_on_success_or_failure() {
    let key = secret("rtkey", 300);
    let token = secret("rttok", 260);
    let play_token = secret("playtok", 200);
    let password = secret("rtpw", 140);
    let secrets = [
        key.as_str(),
        token.as_str(),
        play_token.as_str(),
        password.as_str(),
    ];
    let nginx = Nginx::start();
    let port = nginx.rtmp_port();
    let publish = format!("rtmp://127.0.0.1:{port}/live/{key}?token={token}");
    let plays = [
        // Played back (nginx asks for no password: it is never sent).
        format!("rtmp://monitor:{password}@127.0.0.1:{port}/live/{key}?token={play_token}"),
        // The player is refused a connection.
        format!(
            "rtmp://monitor:{password}@127.0.0.1:{}/live/{key}?token={play_token}",
            closed_port()
        ),
    ];
    let verbosities: [&[&str]; 3] = [&[], &["-vv"], &["-vvv", "--trace"]];
    for format in ["nagios", "json", "text", "prometheus"] {
        for extra in verbosities {
            for (i, play) in plays.iter().enumerate() {
                let mut args = vec!["--mode", "roundtrip", "--duration", "200ms", "-f", format];
                args.extend_from_slice(extra);
                args.extend(["--play-url", play.as_str(), publish.as_str()]);
                let out = probe::run(&args);
                assert_eq!(
                    out.code,
                    if i == 0 { 0 } else { 2 },
                    "{format} {extra:?}: {out}"
                );
                let what = format!("roundtrip {format} {extra:?} {i}");
                assert_no_piece(&what, &out.stdout, &secrets);
                assert_no_piece(&what, &out.stderr, &secrets);
            }
        }
    }
}
