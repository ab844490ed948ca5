//! `rtmp-probe serve` as a child of the test: its config in a temporary directory, a free loopback
//! port, stderr kept for the test to read, and SIGTERM (then SIGKILL) on drop. Also a small
//! HTTP/1.1 client with headers and methods, and `promtool check metrics`.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::free_port;
use super::probe::BINARY;

const START_DEADLINE: Duration = Duration::from_secs(10);

/// A running exporter.
pub struct Exporter {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Exporter {
    /// Starts `rtmp-probe serve` with this config (YAML text) and extra arguments, and waits
    /// until `/-/healthy` answers. Retries on another port if the one picked was taken.
    pub fn start(config: &str, extra: &[&str]) -> Exporter {
        let dir = tempfile::tempdir().expect("a temporary directory for the exporter");
        fs::write(dir.path().join("rtmp-probe.yml"), config).expect("write the config");
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(BINARY)
                .arg("serve")
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--config")
                .arg(dir.path().join("rtmp-probe.yml"))
                .args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("spawn {BINARY} serve: {e}"));
            let stderr = Arc::new(Mutex::new(Vec::new()));
            let mut pipe = child.stderr.take().expect("piped stderr");
            let sink = Arc::clone(&stderr);
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
            let started = Instant::now();
            while started.elapsed() < START_DEADLINE {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if let Ok(r) = try_request(port, "GET", "/-/healthy", &[]) {
                    if r.status == 200 {
                        return Exporter {
                            child: Some(child),
                            port,
                            dir,
                            stderr,
                        };
                    }
                }
                thread::sleep(Duration::from_millis(10));
            }
            let _ = child.kill();
            let _ = child.wait();
            let log = String::from_utf8_lossy(&stderr.lock().unwrap()).into_owned();
            if !log.contains("cannot listen") {
                panic!("the exporter did not come up within {START_DEADLINE:?}:\n{log}");
            }
        }
        panic!("the exporter found no free port in 5 attempts");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("rtmp-probe.yml")
    }

    /// Replaces the config file (a reload reads it).
    pub fn write_config(&self, text: &str) {
        fs::write(self.config_path(), text).expect("write the config");
    }

    /// What the exporter wrote on stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    pub fn get(&self, path: &str) -> Response {
        request(self.port, "GET", path, &[])
    }

    /// `GET /probe?target=...&module=...` with the target percent-encoded.
    pub fn probe(&self, target: &str, module: &str) -> Response {
        self.get(&probe_path(target, module))
    }

    /// A line of /proc/PID/status, in kB (`VmHWM`, `VmRSS`).
    pub fn status_kib(&self, key: &str) -> u64 {
        let status = fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in /proc/PID/status"))
    }

    /// Sends a signal (by number) to the exporter.
    pub fn signal(&self, signal: i32) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Sends SIGTERM and waits for the exit code (at most `deadline`).
    pub fn terminate(&mut self, deadline: Duration) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let started = Instant::now();
        while started.elapsed() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code();
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        if self.terminate(Duration::from_secs(3)).is_none() {
            if let Some(mut child) = self.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// `/probe?target=...&module=...`, percent-encoded.
pub fn probe_path(target: &str, module: &str) -> String {
    format!("/probe?target={}&module={}", encode(target), encode(module))
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub elapsed: Duration,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of the sample line `name` (with its labels as written), if present.
    pub fn sample(&self, name: &str) -> Option<f64> {
        self.body.lines().find_map(|l| {
            l.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
                .and_then(|v| v.parse().ok())
        })
    }
}

/// One request on a new connection (`Connection: close`); panics if it fails.
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    try_request(port, method, path, headers)
        .unwrap_or_else(|e| panic!("{method} {path} on 127.0.0.1:{port}: {e}"))
}

pub fn try_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<Response> {
    let started = Instant::now();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let has_length = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
    if (method == "POST" || method == "PUT") && !has_length {
        head.push_str("Content-Length: 0\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no end of headers in {raw:?}")))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line in {raw:?}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: body.to_string(),
        elapsed: started.elapsed(),
    })
}

/// The unit file shipped in the packages.
pub fn unit_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/systemd/rtmp-probe.service")
}

/// A private Prometheus (Debian's `prometheus`): its config and storage in a temporary directory,
/// its web port on loopback; killed on drop.
pub struct Prometheus {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Prometheus {
    /// Starts Prometheus with `config` (prometheus.yml) and other files beside it (rule files),
    /// and waits until it is ready.
    pub fn start(config: &str, files: &[(&str, &str)]) -> Prometheus {
        let dir = tempfile::tempdir().expect("a temporary directory for Prometheus");
        fs::write(dir.path().join("prometheus.yml"), config).expect("write prometheus.yml");
        for (name, text) in files {
            fs::write(dir.path().join(name), text).expect("write a file for Prometheus");
        }
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new("prometheus")
                .arg(format!(
                    "--config.file={}",
                    dir.path().join("prometheus.yml").display()
                ))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.path().join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("prometheus is needed (apt-get install prometheus): {e}")
                });
            let ready = || {
                try_request(port, "GET", "/-/ready", &[])
                    .map(|r| r.status)
                    .ok()
                    == Some(200)
            };
            let started = Instant::now();
            while started.elapsed() < START_DEADLINE && !ready() {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
            if ready() {
                return Prometheus {
                    child,
                    port,
                    _dir: dir,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("Prometheus did not come up in 5 attempts (config:\n{config})");
    }

    /// The JSON answer of an instant query, once it holds at least `series` results (waits up to
    /// 30 s, as scrapes come every second).
    pub fn query(&self, query: &str, series: usize) -> String {
        let path = format!("/api/v1/query?query={}", encode(query));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = request(self.port, "GET", &path, &[]);
            if r.body.matches("\"value\":[").count() >= series {
                return r.body;
            }
            assert!(
                Instant::now() < deadline,
                "{query}: fewer than {series} series in Prometheus after 30 s: {}",
                r.body
            );
            thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An example file of docs/examples/.
pub fn example(name: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/examples")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("docs/examples/{name}: {e}"))
}
