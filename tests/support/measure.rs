//! Runs the probe and watches its peak resident memory (`VmHWM` of /proc/PID/status, read every
//! few milliseconds while it runs: a high-water mark, so any read after the peak sees it), for
//! tests that assert a bound on memory under hostile input. Not a benchmark: the bounds are
//! generous, the point is that a 16 MiB frame or a flood does not cost its size.
//!
//! (`wait4`'s `ru_maxrss` would be simpler and is wrong here: a child started with vfork
//! semantics inherits the high-water mark of the parent's address space at exec, so it reports
//! the test binary's own peak.)

use super::probe::{ProbeOutput, BINARY};
use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// What a run did, and its peak RSS in KiB.
pub struct Measured {
    pub out: ProbeOutput,
    pub max_rss_kib: u64,
}

/// `VmHWM` of a running process, in KiB.
fn high_water(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `rtmp-probe ARGS` to its end (killed after 60 s) and measures its peak RSS.
pub fn run(args: &[&str]) -> Measured {
    let started = Instant::now();
    let mut child = Command::new(BINARY)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the probe");
    let pid = child.id();
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut peak = 0;
    let mut timed_out = false;
    let status = loop {
        if let Some(hwm) = high_water(pid) {
            peak = peak.max(hwm);
        }
        match child.try_wait().expect("wait for the probe") {
            Some(status) => break status,
            None if started.elapsed() > Duration::from_secs(60) => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().expect("reap the probe");
            }
            None => thread::sleep(Duration::from_millis(2)),
        }
    };
    use std::os::unix::process::ExitStatusExt;
    let out = ProbeOutput {
        code: status.code().unwrap_or(-1),
        signal: status.signal(),
        timed_out,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
        elapsed: started.elapsed(),
    };
    out.assert_exited();
    assert!(peak > 0, "no /proc reading of the probe: {out}");
    Measured {
        out,
        max_rss_kib: peak,
    }
}
