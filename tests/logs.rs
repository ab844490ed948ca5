//! What each -v level logs on stderr, pinned: -v one line per step and what was sent and came
//! back, -vv every message, -vvv every read and every housekeeping answer, --trace the bytes.

use crate::support::nginx::Nginx;
use crate::support::probe;

fn levels(stderr: &str) -> (usize, usize, usize) {
    let count = |level: &str| stderr.lines().filter(|l| l.contains(level)).count();
    (count(" INFO "), count(" DEBUG "), count(" TRACE "))
}

#[test]
fn each_verbosity_adds_its_own_kind_of_line() {
    let nginx = Nginx::start();
    let url = nginx.url("live", "logs-{random}");
    let out = probe::run(&[&url]);
    assert!(out.stderr.is_empty(), "no -v, no logs: {out}");

    let out = probe::run(&["-v", &url]);
    assert_eq!(out.code, 0, "{out}");
    let (info, debug, trace) = levels(&out.stderr);
    assert!(info >= 8 && debug == 0 && trace == 0, "{out}");
    for line in [
        "step connect ok in ",
        "connect: sent connect(1)",
        "connect: got _result(1) status NetConnection.Connect.Success",
        "create_stream: sent releaseStream(2), FCPublish(3), createStream(4)",
        "publish: got onStatus(0) status NetStream.Publish.Start",
        "step unpublish ok in ",
    ] {
        assert!(out.stderr.contains(line), "-v shows {line:?}: {out}");
    }

    let out = probe::run(&["-vv", &url]);
    let (info, debug, trace) = levels(&out.stderr);
    assert!(info >= 8 && debug >= 8 && trace == 0, "{out}");
    assert!(
        out.stderr
            .contains("DEBUG send csid=3 msid=0 connect(1, {app: \"live\""),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("DEBUG recv csid=2 msid=0 WindowAckSize("),
        "{out}"
    );

    let out = probe::run(&["-vvv", &url]);
    let (_, _, trace) = levels(&out.stderr);
    assert!(trace > 0, "{out}");
    assert!(
        out.stderr.contains("TRACE read 1537 bytes") || out.stderr.contains("TRACE read "),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("answering the server's housekeeping: WindowAckSize"),
        "{out}"
    );
    assert!(
        !out.stderr.contains("0x0000 : "),
        "no hex dump without --trace: {out}"
    );

    let out = probe::run(&["--trace", &url]);
    assert!(
        out.stderr.contains("0x0000 : 03 "),
        "--trace dumps C0+C1: {out}"
    );
}
