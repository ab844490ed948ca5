//! The exporter's own metrics, for `GET /metrics`: probes by module and result, probes in flight,
//! rejected requests by reason, a probe duration histogram by module, the config reload state,
//! build info, and the process metrics every Prometheus client library exports (read from
//! `/proc/self`, no crate needed). Updating them costs an atomic add or one short lock per probe.

use super::exposition::{escape_label, gauge, push_number, sample};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The upper bounds of the probe duration histogram, in seconds (client_golang's defaults, and
/// 30 s and 60 s for long module timeouts).
pub const BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Why a request was turned away without a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// More probes in flight than `limits.max_in_flight`: 503.
    OverLimit,
    /// The target is outside `allow_targets`: 403.
    Forbidden,
    /// No target, an unknown module, a bad URL or header: 400.
    BadRequest,
}

impl Rejection {
    const ALL: [Rejection; 3] = [
        Rejection::OverLimit,
        Rejection::Forbidden,
        Rejection::BadRequest,
    ];

    fn name(self) -> &'static str {
        match self {
            Rejection::OverLimit => "over_limit",
            Rejection::Forbidden => "forbidden",
            Rejection::BadRequest => "bad_request",
        }
    }
}

/// What one module's probes did.
#[derive(Debug, Default)]
struct ModuleStats {
    success: u64,
    failure: u64,
    buckets: [u64; BUCKETS.len()],
    sum: f64,
}

/// Every counter and gauge of the exporter. Shared by all requests.
#[derive(Debug)]
pub struct Stats {
    modules: Mutex<BTreeMap<String, ModuleStats>>,
    in_flight: AtomicUsize,
    rejected: [AtomicU64; 3],
    reload_ok: AtomicU64,
    /// Unix seconds of the last successful load, as f64 bits.
    reload_time: AtomicU64,
    started: f64,
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Default for Stats {
    fn default() -> Self {
        Stats::new()
    }
}

impl Stats {
    pub fn new() -> Stats {
        Stats {
            modules: Mutex::new(BTreeMap::new()),
            in_flight: AtomicUsize::new(0),
            rejected: Default::default(),
            reload_ok: AtomicU64::new(1),
            reload_time: AtomicU64::new(unix_now().to_bits()),
            started: unix_now(),
        }
    }

    /// Takes a place for a probe if fewer than `limit` run; the place is given back on drop.
    pub fn try_start(&self, limit: usize) -> Option<InFlight<'_>> {
        let before = self.in_flight.fetch_add(1, Ordering::AcqRel);
        if before >= limit {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(InFlight(&self.in_flight))
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    pub fn reject(&self, why: Rejection) {
        if let Some(c) = self.rejected.get(why as usize) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one probe of `module` that took `seconds`.
    pub fn probed(&self, module: &str, success: bool, seconds: f64) {
        let mut modules = self.modules.lock().unwrap_or_else(|p| p.into_inner());
        let stats = match modules.get_mut(module) {
            Some(s) => s,
            None => modules.entry(module.to_string()).or_default(),
        };
        if success {
            stats.success += 1;
        } else {
            stats.failure += 1;
        }
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            if let Some(b) = stats.buckets.get_mut(i) {
                *b += 1;
            }
        }
        stats.sum += seconds;
    }

    /// Records a load of the config: success, or a failure that keeps the old one.
    pub fn reloaded(&self, ok: bool) {
        self.reload_ok.store(u64::from(ok), Ordering::Release);
        if ok {
            self.reload_time
                .store(unix_now().to_bits(), Ordering::Release);
        }
    }

    /// The `/metrics` exposition; `process` is what [`process_metrics`] read.
    pub fn render(&self, process: &str) -> String {
        let mut out = String::with_capacity(4096);
        let p = "rtmp_probe_exporter";
        counter(
            &mut out,
            &format!("{p}_probes_total"),
            "Probes run, by module and result (success: the server accepted the session).",
        );
        let modules = self.modules.lock().unwrap_or_else(|p| p.into_inner());
        for (name, s) in modules.iter() {
            for (result, n) in [("success", s.success), ("failure", s.failure)] {
                sample(
                    &mut out,
                    &format!("{p}_probes_total"),
                    &[("module", name), ("result", result)],
                    n as f64,
                );
            }
        }
        let h = format!("{p}_probe_duration_seconds");
        let _ = writeln!(out, "# HELP {h} Duration of the probes, by module.");
        let _ = writeln!(out, "# TYPE {h} histogram");
        for (name, s) in modules.iter() {
            let mut cumulative = 0u64;
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                cumulative += n;
                bucket(&mut out, &h, name, &bound.to_string(), cumulative);
            }
            let count = s.success + s.failure;
            bucket(&mut out, &h, name, "+Inf", count);
            sample(&mut out, &format!("{h}_sum"), &[("module", name)], s.sum);
            sample(
                &mut out,
                &format!("{h}_count"),
                &[("module", name)],
                count as f64,
            );
        }
        drop(modules);
        gauge(
            &mut out,
            &format!("{p}_probes_in_flight"),
            "Probes running now.",
        );
        sample(
            &mut out,
            &format!("{p}_probes_in_flight"),
            &[],
            self.in_flight() as f64,
        );
        counter(
            &mut out,
            &format!("{p}_rejected_total"),
            "Requests answered without a probe, by reason (over_limit 503, forbidden 403, bad_request 400).",
        );
        for why in Rejection::ALL {
            let n = self
                .rejected
                .get(why as usize)
                .map_or(0, |c| c.load(Ordering::Relaxed));
            sample(
                &mut out,
                &format!("{p}_rejected_total"),
                &[("reason", why.name())],
                n as f64,
            );
        }
        gauge(
            &mut out,
            &format!("{p}_config_last_reload_successful"),
            "Whether the last load of the config succeeded (0: the previous config is still in use).",
        );
        sample(
            &mut out,
            &format!("{p}_config_last_reload_successful"),
            &[],
            self.reload_ok.load(Ordering::Acquire) as f64,
        );
        gauge(
            &mut out,
            &format!("{p}_config_last_reload_success_timestamp_seconds"),
            "Time of the last successful load of the config, in seconds since 1970.",
        );
        sample(
            &mut out,
            &format!("{p}_config_last_reload_success_timestamp_seconds"),
            &[],
            f64::from_bits(self.reload_time.load(Ordering::Acquire)),
        );
        gauge(
            &mut out,
            &format!("{p}_build_info"),
            "Always 1; the version of rtmp-probe as a label.",
        );
        sample(
            &mut out,
            &format!("{p}_build_info"),
            &[("version", env!("CARGO_PKG_VERSION"))],
            1.0,
        );
        out.push_str(process);
        out
    }

    /// Unix seconds when the exporter started.
    pub fn started(&self) -> f64 {
        self.started
    }
}

/// A probe's place among those in flight; given back when dropped (also when Prometheus gives up
/// and the request is cancelled).
#[derive(Debug)]
pub struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn counter(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
}

fn bucket(out: &mut String, name: &str, module: &str, le: &str, n: u64) {
    let _ = write!(out, "{name}_bucket{{module=\"");
    escape_label(out, module);
    let _ = write!(out, "\",le=\"{le}\"}} ");
    push_number(out, n as f64);
    out.push('\n');
}

/// The process metrics of the Prometheus client libraries, from `/proc/self` (Linux): resident and
/// virtual memory, CPU seconds, open and maximum file descriptors, start time. Reads files: call
/// it off the request threads (it is cheap, but it is file I/O). Missing files leave their
/// metrics out.
pub fn process_metrics(started: f64) -> String {
    let mut out = String::with_capacity(1024);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map(|k| k * 1024.0)
    };
    let mut one = |name: &str, help: &str, kind: &str, value: Option<f64>| {
        if let Some(v) = value {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            sample(&mut out, name, &[], v);
        }
    };
    one(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        "gauge",
        kib("VmRSS:"),
    );
    one(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes.",
        "gauge",
        kib("VmSize:"),
    );
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks of USER_HZ (100 on Linux).
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    let cpu = match (ticks(11), ticks(12)) {
        (Some(u), Some(s)) => Some((u + s) / 100.0),
        _ => None,
    };
    one(
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.",
        "counter",
        cpu,
    );
    let fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|d| d.count() as f64);
    one(
        "process_open_fds",
        "Number of open file descriptors.",
        "gauge",
        fds,
    );
    let max_fds = max_fds().map(|n| n as f64);
    one(
        "process_max_fds",
        "Maximum number of open file descriptors.",
        "gauge",
        max_fds,
    );
    one(
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds.",
        "gauge",
        Some(started),
    );
    out
}

/// The soft limit on open file descriptors, from `/proc/self/limits`.
pub fn max_fds() -> Option<u64> {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|v| v.parse().ok())
        })
}

#[cfg(test)]
mod tests;
