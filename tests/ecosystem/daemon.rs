//! What the ecosystem tests share: the project's files, required programs, a directory of plugins
//! holding a copy of the built probe, and daemons that run in their own process group and are
//! stopped with it.

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::probe::BINARY;

/// How long a daemon may take to produce what a test waits for.
pub const DEADLINE: Duration = Duration::from_secs(30);

const POLL: Duration = Duration::from_millis(100);
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The Debian packages the ecosystem tests run, for the panic messages.
const INSTALL_HINT: &str = "run the tests with scripts/test.sh, which installs them, or: apt-get \
     install --no-install-recommends nagios4-core icinga2-bin icinga2-common nagios-nrpe-server \
     nagios-nrpe-plugin zsh fish";

/// A file of the repository, e.g. `repo_file("nagios/commands.cfg")`.
pub fn repo_file(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

/// The program at `path`; panics with the install command if it is not there.
pub fn require(path: &str) -> PathBuf {
    let path = PathBuf::from(path);
    if !path.is_file() {
        panic!("{} is missing: {INSTALL_HINT}", path.display());
    }
    path
}

/// A temporary directory that every user can enter and read (daemons that drop their privileges to
/// the `nagios` user read their configuration and run the plugins from it).
pub fn open_tempdir(prefix: &str) -> TempDir {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("create a temporary directory");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))
        .expect("make the temporary directory readable");
    dir
}

/// `DIR/plugins/check_rtmp`: the built probe under the name the packages install it as in
/// /usr/lib/nagios/plugins, as a hard link or else a copy, not a symbolic link, so that a daemon
/// running as `nagios` can run it whatever the permissions of the build directory. Returns the
/// plugin directory.
pub fn plugin_dir(dir: &Path) -> PathBuf {
    let plugins = dir.join("plugins");
    fs::create_dir_all(&plugins).expect("create the plugin directory");
    fs::set_permissions(&plugins, fs::Permissions::from_mode(0o755))
        .expect("make the plugin directory readable");
    let check = plugins.join("check_rtmp");
    if fs::hard_link(BINARY, &check).is_err() {
        fs::copy(BINARY, &check).unwrap_or_else(|e| panic!("copy {BINARY}: {e}"));
    }
    fs::set_permissions(&check, fs::Permissions::from_mode(0o755))
        .expect("make check_rtmp executable");
    plugins
}

/// A daemon in the foreground, in a process group of its own, its output in a file; on drop its
/// whole group gets SIGTERM, then SIGKILL after 5 s, and it is reaped.
pub struct Daemon {
    name: String,
    child: Child,
    output: PathBuf,
}

impl Daemon {
    pub fn start(program: &Path, args: &[&str], output: PathBuf) -> Daemon {
        let log = File::create(&output).expect("create the daemon's output file");
        let log_err = log.try_clone().expect("clone the output file handle");
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", program.display()));
        Daemon {
            name: program.display().to_string(),
            child,
            output,
        }
    }

    /// What the daemon printed so far, for assertion messages.
    pub fn output(&self) -> String {
        fs::read(&self.output)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// Panics, with its output, if the daemon has exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited ({status}); its output:\n{}",
                self.name,
                self.output()
            );
        }
    }

    /// Calls `probe` every 100 ms until it returns something, for at most [`DEADLINE`]; panics with
    /// `what` and the daemon's output if nothing came, or if the daemon exited.
    pub fn wait_for<T>(&mut self, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
        let started = Instant::now();
        loop {
            if let Some(found) = probe() {
                return found;
            }
            self.assert_running();
            if started.elapsed() > DEADLINE {
                panic!(
                    "{} did not produce {what} within {DEADLINE:?}; its output:\n{}",
                    self.name,
                    self.output()
                );
            }
            thread::sleep(POLL);
        }
    }

    fn signal_group(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.signal_group("-TERM");
            let deadline = Instant::now() + STOP_GRACE;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
        }
        // Workers or forked children left in the group go too.
        self.signal_group("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a program to its end (60 s at most) and returns its exit code and output together.
pub fn run(program: &Path, args: &[&str]) -> (i32, String) {
    let args: Vec<&str> = args.to_vec();
    let out = crate::support::probe::run_program(program, &args, &[], Duration::from_secs(60));
    assert!(!out.timed_out, "{} did not end: {out}", program.display());
    (out.code, format!("{}{}", out.stdout, out.stderr))
}
