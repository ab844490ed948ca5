//! Runs the built `rtmp-probe` binary and collects its exit code, output and duration.
//!
//! Every run has a hard deadline (60 s for the probe): a hung binary is killed and the test fails with
//! a message saying so, instead of hanging CI. A probe must always exit with a Nagios code, so [`run`]
//! also fails the test when the binary died of a signal (a crash or an abort).

use std::ffi::OsStr;
use std::fmt;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The built binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_rtmp-probe");

/// How long a probe run may take before it is killed.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// How long to wait for the output pipes to close once the process has exited (a grandchild could hold
/// them open).
const PIPE_GRACE: Duration = Duration::from_secs(5);

/// What one run of a program did.
#[derive(Debug, Clone)]
pub struct ProbeOutput {
    /// The exit code; -1 when the process was killed by a signal (ours at the deadline, or a crash).
    pub code: i32,
    /// The signal that killed the process, if one did.
    pub signal: Option<i32>,
    /// Whether the runner killed the process because it outlived its deadline.
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
    /// From spawn to exit (or to the kill at the deadline).
    pub elapsed: Duration,
}

/// Runs `rtmp-probe ARGS`, killing it after 60 s. Panics, with the output so far, if it had to be
/// killed or if it died of a signal: both are bugs of the probe, never a verdict.
pub fn run(args: &[&str]) -> ProbeOutput {
    run_with_env(args, &[])
}

/// [`run`] with extra environment variables (e.g. `RUST_LOG`).
pub fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> ProbeOutput {
    let output = run_program(BINARY, args, env, DEADLINE);
    output.assert_exited();
    output
}

/// Runs any program with a deadline and reports what happened; never panics over the program's
/// outcome (only if it cannot be spawned). The probe's tests use [`run`]; this is the general runner
/// it is built on, testable on `sleep`.
pub fn run_program(
    program: impl AsRef<OsStr>,
    args: &[&str],
    env: &[(&str, &str)],
    deadline: Duration,
) -> ProbeOutput {
    let program = program.as_ref();
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", program.to_string_lossy()));
    let stdout = collect(child.stdout.take().expect("piped stdout"));
    let stderr = collect(child.stderr.take().expect("piped stderr"));

    let mut timed_out = false;
    let status: ExitStatus = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => panic!("wait for {}: {e}", program.to_string_lossy()),
        }
        let elapsed = started.elapsed();
        if elapsed >= deadline {
            timed_out = true;
            let _ = child.kill();
            break child
                .wait()
                .unwrap_or_else(|e| panic!("reap {}: {e}", program.to_string_lossy()));
        }
        // Fine-grained at first so that short runs are timed precisely, coarser later.
        let pause = if elapsed < Duration::from_millis(200) {
            Duration::from_millis(1)
        } else {
            Duration::from_millis(5)
        };
        thread::sleep(pause.min(deadline - elapsed));
    };
    let elapsed = started.elapsed();

    ProbeOutput {
        code: status.code().unwrap_or(-1),
        signal: status.signal(),
        timed_out,
        stdout: finish(stdout, "stdout"),
        stderr: finish(stderr, "stderr"),
        elapsed,
    }
}

impl ProbeOutput {
    /// Panics, with the output, unless the process exited by itself with an exit code.
    pub fn assert_exited(&self) {
        if self.timed_out {
            panic!("the process did not exit in time and was killed: {self}");
        }
        if self.signal.is_some() {
            panic!("the process died of a signal instead of exiting with a code: {self}");
        }
    }
}

impl fmt::Display for ProbeOutput {
    /// How the run ended, then stdout and stderr: made for assertion messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.timed_out, self.signal) {
            (true, _) => write!(
                f,
                "killed by the test runner at its deadline after {:?}",
                self.elapsed
            )?,
            (false, Some(signal)) => write!(
                f,
                "killed by signal {signal} ({}) after {:?}",
                signal_name(signal),
                self.elapsed
            )?,
            (false, None) => write!(f, "exit code {} after {:?}", self.code, self.elapsed)?,
        }
        write!(
            f,
            "\n--- stdout ---\n{}\n--- stderr ---\n{}\n--- end ---",
            self.stdout, self.stderr
        )
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => "another signal",
    }
}

type Collected = mpsc::Receiver<std::io::Result<Vec<u8>>>;

/// Reads a pipe to its end on a thread of its own, so a full pipe never blocks the child.
fn collect(mut pipe: impl Read + Send + 'static) -> Collected {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let result = pipe.read_to_end(&mut bytes).map(|_| bytes);
        let _ = sender.send(result);
    });
    receiver
}

fn finish(collected: Collected, name: &str) -> String {
    match collected.recv_timeout(PIPE_GRACE) {
        Ok(Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        Ok(Err(e)) => format!("<reading {name} failed: {e}>"),
        Err(_) => format!("<{name} still open {PIPE_GRACE:?} after the process ended>"),
    }
}
