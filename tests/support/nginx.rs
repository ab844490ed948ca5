//! A private nginx with the RTMP module, one per test, on free loopback ports.
//!
//! Each instance lives in its own temporary prefix (config, pid file, logs and http temp paths are all
//! inside it) and runs in the foreground as a child of the test (`daemon off; master_process off;`), so
//! the test owns it: dropping the [`Nginx`] stops it (SIGQUIT, then SIGKILL after 2 s), reaps it and
//! removes the prefix. Starting and stopping one takes a few tens of milliseconds.
//!
//! Applications of the RTMP server:
//! - `live`: accepts any publish and play;
//! - `auth`: `on_publish` asks the http server of the same nginx (`notify_method get`, so the publish
//!   arguments are in the query string), which answers 200 when `key=secret` and 403 otherwise; the key
//!   travels as the query string of the stream name in `publish` (`name?key=secret`);
//! - any others added with [`NginxBuilder::application`].
//!
//! The http server also serves `/stat` (`rtmp_stat all`, XML).

use std::fmt::Write as _;
use std::fs::{self, File};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::free_port;
use super::http::{self, HttpResponse};

/// Where Debian's libnginx-mod-rtmp puts the module.
pub const RTMP_MODULE: &str = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

/// The stream key that the `auth` application accepts.
pub const AUTH_KEY: &str = "secret";

const START_DEADLINE: Duration = Duration::from_secs(10);
const START_ATTEMPTS: usize = 5;
const QUIT_GRACE: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(2);

pub(super) const INSTALL_HINT: &str =
    "run the tests with scripts/test.sh, or install them: apt-get install nginx libnginx-mod-rtmp";

/// A running private nginx-rtmp; stopped, reaped and cleaned up on drop.
pub struct Nginx {
    child: Child,
    rtmp_port: u16,
    http_port: u16,
    // Dropped after `Drop::drop` has stopped the process.
    prefix: TempDir,
}

/// Builds a [`Nginx`] with extra RTMP applications or server directives.
#[derive(Debug, Clone, Default)]
pub struct NginxBuilder {
    applications: Vec<(String, String)>,
    rtmp_server_directives: Vec<String>,
}

impl NginxBuilder {
    /// Adds `application NAME { BODY }` to the RTMP server, e.g.
    /// `.application("closed", "live on; deny publish all;")`.
    pub fn application(mut self, name: &str, body: &str) -> Self {
        self.applications.push((name.to_owned(), body.to_owned()));
        self
    }

    /// Adds a directive to the RTMP `server` block, e.g. `"chunk_size 128;"`.
    pub fn rtmp_server_directive(mut self, directive: &str) -> Self {
        self.rtmp_server_directives.push(directive.to_owned());
        self
    }

    /// Starts nginx and waits until it accepts connections. Panics (never skips) if nginx or the RTMP
    /// module is missing, or if nginx does not come up within 10 s; retries with new ports when a port
    /// was taken between picking and binding.
    pub fn start(self) -> Nginx {
        let nginx = find_nginx();
        if !Path::new(RTMP_MODULE).is_file() {
            panic!("the nginx RTMP module {RTMP_MODULE} is missing: {INSTALL_HINT}");
        }
        let mut collisions = Vec::new();
        for _ in 0..START_ATTEMPTS {
            match self.attempt(&nginx) {
                Attempt::Ready(instance) => return instance,
                Attempt::AddressInUse(log) => collisions.push(log),
            }
        }
        panic!(
            "nginx could not bind its ports in {START_ATTEMPTS} attempts (address already in use \
             each time); last error log:\n{}",
            collisions.last().map(String::as_str).unwrap_or_default()
        );
    }

    fn attempt(&self, nginx: &Path) -> Attempt {
        let prefix = tempfile::Builder::new()
            .prefix("rtmp-probe-nginx-")
            .tempdir()
            .expect("create a temporary nginx prefix");
        let rtmp_port = free_port();
        let mut http_port = free_port();
        while http_port == rtmp_port {
            http_port = free_port();
        }
        let dir = prefix.path();
        let config_path = dir.join("nginx.conf");
        fs::write(&config_path, self.config(dir, rtmp_port, http_port))
            .expect("write nginx.conf into the prefix");
        let child = spawn(nginx, dir, &config_path);
        let mut instance = Nginx {
            child,
            rtmp_port,
            http_port,
            prefix,
        };

        let ports = [rtmp_port, http_port];
        match wait_until_ready(&mut instance.child, instance.prefix.path(), &ports) {
            Startup::Ready => Attempt::Ready(instance),
            Startup::AddressInUse(log) => Attempt::AddressInUse(log),
        }
    }

    fn config(&self, dir: &Path, rtmp_port: u16, http_port: u16) -> String {
        let p = dir.display();
        let mut extra_directives = String::new();
        for directive in &self.rtmp_server_directives {
            let _ = writeln!(extra_directives, "        {directive}");
        }
        let mut extra_applications = String::new();
        for (name, body) in &self.applications {
            let _ = writeln!(
                extra_applications,
                "        application {name} {{ {body} }}"
            );
        }
        format!(
            r#"# A private nginx-rtmp for one rtmp-probe test.
load_module {RTMP_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid "{p}/nginx.pid";
error_log "{p}/error.log" info;

events {{
    worker_connections 256;
}}

rtmp {{
    access_log "{p}/rtmp-access.log";
    server {{
        listen 127.0.0.1:{rtmp_port};
{extra_directives}
        application live {{
            live on;
            allow publish all;
            allow play all;
        }}
        application auth {{
            live on;
            on_publish http://127.0.0.1:{http_port}/auth;
            notify_method get;
        }}
{extra_applications}    }}
}}

http {{
    access_log "{p}/access.log";
    client_body_temp_path "{p}/client_body";
    proxy_temp_path "{p}/proxy";
    fastcgi_temp_path "{p}/fastcgi";
    uwsgi_temp_path "{p}/uwsgi";
    scgi_temp_path "{p}/scgi";
    server {{
        listen 127.0.0.1:{http_port};
        location = /auth {{
            if ($arg_key = "{AUTH_KEY}") {{
                return 200;
            }}
            return 403;
        }}
        location /stat {{
            rtmp_stat all;
        }}
    }}
}}
"#
        )
    }
}

enum Attempt {
    Ready(Nginx),
    AddressInUse(String),
}

impl Nginx {
    /// A private nginx-rtmp with the `live` and `auth` applications.
    pub fn start() -> Nginx {
        Nginx::builder().start()
    }

    pub fn builder() -> NginxBuilder {
        NginxBuilder::default()
    }

    pub fn rtmp_port(&self) -> u16 {
        self.rtmp_port
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// `rtmp://127.0.0.1:PORT/app/stream`.
    pub fn url(&self, app: &str, stream: &str) -> String {
        format!("rtmp://127.0.0.1:{}/{app}/{stream}", self.rtmp_port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The temporary prefix holding nginx.conf, the pid file and the logs.
    pub fn prefix(&self) -> &Path {
        self.prefix.path()
    }

    /// The error log (level info: connections, `connect`, `publish`... are in it), followed by
    /// anything nginx wrote to its stdout or stderr; for assertion messages.
    pub fn error_log(&self) -> String {
        prefix_logs(self.prefix.path())
    }

    /// `GET path` on the http server of this nginx.
    pub fn http_get(&self, path: &str) -> HttpResponse {
        http::get(self.http_port, path)
    }

    /// The `/stat` XML page (`rtmp_stat all`): live applications, streams and clients.
    pub fn stat(&self) -> String {
        let response = self.http_get("/stat");
        assert_eq!(
            response.status, 200,
            "GET /stat answered {}: {}",
            response.status, response.body
        );
        response.body
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// How a freshly spawned nginx came up.
pub(super) enum Startup {
    Ready,
    /// It exited because a port was taken (its logs): try again with other ports.
    AddressInUse(String),
}

/// Waits until the nginx of `prefix` is ready: its pid file names our child (nginx writes it only
/// after it has bound every listening socket, so a port taken by someone else cannot pass for
/// ours), and every port accepts. Panics on any other exit, or after 10 s (killing it first).
pub(super) fn wait_until_ready(child: &mut Child, prefix: &Path, ports: &[u16]) -> Startup {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(None) => {}
            Ok(Some(status)) => {
                let log = prefix_logs(prefix);
                if log.contains("Address already in use") {
                    return Startup::AddressInUse(log);
                }
                panic!("nginx exited at start ({status}); its error log:\n{log}");
            }
            Err(e) => panic!("wait for nginx: {e}"),
        }
        let pid_file = read_lossy(&prefix.join("nginx.pid"));
        if pid_file.trim() == child.id().to_string() && ports.iter().all(|p| accepts(*p)) {
            return Startup::Ready;
        }
        if started.elapsed() > START_DEADLINE {
            stop(child);
            panic!(
                "nginx did not accept connections on 127.0.0.1:{ports:?} within {:?}; its error \
                 log:\n{}",
                START_DEADLINE,
                prefix_logs(prefix)
            );
        }
        thread::sleep(POLL);
    }
}

/// The error log (level info: connections, `connect`, `publish`... are in it), followed by
/// anything nginx wrote to its stdout or stderr; for assertion messages.
pub(super) fn prefix_logs(prefix: &Path) -> String {
    let mut log = read_lossy(&prefix.join("error.log"));
    let output = read_lossy(&prefix.join("nginx.out"));
    if !output.trim().is_empty() {
        log.push_str("\n--- nginx stdout/stderr ---\n");
        log.push_str(&output);
    }
    log
}

/// Starts nginx in the foreground with its prefix, config and error log in `dir`; its stdout and
/// stderr go to `dir/nginx.out`.
pub(super) fn spawn(nginx: &Path, dir: &Path, config_path: &Path) -> Child {
    let output = File::create(dir.join("nginx.out")).expect("create nginx.out in the prefix");
    let output_err = output.try_clone().expect("clone the nginx.out handle");
    Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(config_path)
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdin(Stdio::null())
        .stdout(output)
        .stderr(output_err)
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", nginx.display()))
}

/// SIGQUIT (graceful; with `master_process off` nginx exits at once), up to 2 s for it to exit, then
/// SIGKILL; always reaped, so no zombie is left.
pub(super) fn stop(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let quit_sent = Command::new("kill")
        .args(["-QUIT", &child.id().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if quit_sent {
        let deadline = Instant::now() + QUIT_GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            thread::sleep(POLL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

pub(super) fn accepts(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

pub(super) fn read_lossy(path: &Path) -> String {
    fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// `/usr/sbin/nginx` (Debian's place, not always on a user's PATH), else `nginx` on PATH.
pub(super) fn find_nginx() -> PathBuf {
    let debian = Path::new("/usr/sbin/nginx");
    if debian.is_file() {
        return debian.to_path_buf();
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("nginx"))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or_else(|| {
            panic!("nginx was not found (not /usr/sbin/nginx, not on PATH): {INSTALL_HINT}")
        })
}
