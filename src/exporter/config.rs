//! The exporter's config file, shaped like blackbox_exporter's `blackbox.yml`:
//!
//! ```yaml
//! allow_targets: ["127.0.0.1", "*.ingest.example.com", "10.20.0.0/16"]
//! modules:
//!   publish: {mode: publish, timeout: 5s}
//!   connect: {mode: connect, timeout: 2s, warning: ["connect=200ms"]}
//! limits: {max_in_flight: 256}
//! timeout_offset: 0.5s
//! ```
//!
//! Each module is a [`plan::Options`](crate::plan::Options), deserialized straight through serde (so
//! every option the command line gains is a module key too), and validated once here by
//! [`Module::new`]: a bad threshold fails the load with the module's name. Unknown keys are errors
//! at every level. The file is read at start and on reload only, never per request.

use super::allow::AllowList;
use crate::plan::options::duration;
use crate::plan::{Module, Options};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Where the packages install the config, and what `serve` reads without `--config`.
pub const DEFAULT_PATH: &str = "/etc/rtmp-probe/rtmp-probe.yml";

/// The largest config file read (a config is a few KiB; this stops a wrong path such as a log).
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    allow_targets: Vec<String>,
    #[serde(default)]
    modules: BTreeMap<String, Options>,
    #[serde(default)]
    limits: Limits,
    #[serde(default = "default_offset", deserialize_with = "duration")]
    timeout_offset: Duration,
}

/// Bounds on what clients can make the exporter do.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Probes running at once; a request over it gets 503 at once.
    pub max_in_flight: usize,
    /// Open client connections; further ones wait in the kernel's accept queue.
    pub max_connections: usize,
    /// A connection that has not sent a whole request head for this long is closed: slow senders
    /// and idle keep-alive connections alike.
    #[serde(deserialize_with = "duration")]
    pub header_timeout: Duration,
    /// The largest request head (request line and headers), in bytes; over it, 431.
    pub max_header_bytes: usize,
    /// The most header fields in a request; over it, 431.
    pub max_headers: usize,
    /// The largest request body accepted (requests have none; `POST /-/reload` may send an empty
    /// one); over it, 413.
    pub max_body_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_in_flight: 256,
            max_connections: 1024,
            header_timeout: Duration::from_secs(30),
            max_header_bytes: 16 * 1024,
            max_headers: 64,
            max_body_bytes: 4096,
        }
    }
}

/// The blackbox_exporter default: Prometheus's scrape timeout less half a second.
pub const DEFAULT_TIMEOUT_OFFSET: Duration = Duration::from_millis(500);

fn default_offset() -> Duration {
    DEFAULT_TIMEOUT_OFFSET
}

/// A loaded, validated config: what every request reads.
#[derive(Debug)]
pub struct Config {
    pub modules: BTreeMap<String, Arc<Module>>,
    pub allow: AllowList,
    pub limits: Limits,
    pub timeout_offset: Duration,
}

impl Config {
    /// Reads and validates the file. The error is one line naming what is wrong and where.
    pub fn load(path: &Path) -> Result<Config, String> {
        let shown = path.display();
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("{shown}: {}", crate::session::io_words(&e)))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!(
                "{shown}: {} bytes is too large for a config file (at most {MAX_FILE_BYTES})",
                meta.len()
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{shown}: {}", crate::session::io_words(&e)))?;
        Config::parse(&text).map_err(|e| format!("{shown}: {e}"))
    }

    /// Parses and validates config text.
    pub fn parse(text: &str) -> Result<Config, String> {
        let file: File = if text.trim().is_empty() {
            File {
                allow_targets: Vec::new(),
                modules: BTreeMap::new(),
                limits: Limits::default(),
                timeout_offset: DEFAULT_TIMEOUT_OFFSET,
            }
        } else {
            serde_saphyr::from_str(text).map_err(|e| one_line(&e.to_string()))?
        };
        if file.modules.is_empty() {
            return Err("no modules: add at least one under modules: (e.g. publish: {mode: publish, timeout: 5s})".into());
        }
        let mut modules = BTreeMap::new();
        for (name, options) in file.modules {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                return Err(format!(
                    "module {name:?}: a module name is letters, digits, '_', '-' and '.'"
                ));
            }
            let module = Module::new(options).map_err(|e| format!("module {name:?}: {}", e.0))?;
            modules.insert(name, Arc::new(module));
        }
        let allow = AllowList::parse(&file.allow_targets)?;
        let limits = file.limits;
        if limits.max_in_flight == 0 || limits.max_connections == 0 {
            return Err("limits: max_in_flight and max_connections must be at least 1".into());
        }
        if limits.header_timeout.is_zero() {
            return Err("limits: header_timeout must be more than zero".into());
        }
        // hyper needs room for a request line and a few headers.
        if limits.max_header_bytes < 1024 || limits.max_headers == 0 {
            return Err(
                "limits: max_header_bytes must be at least 1024 and max_headers at least 1".into(),
            );
        }
        Ok(Config {
            modules,
            allow,
            limits,
            timeout_offset: file.timeout_offset,
        })
    }

    /// The module names, comma-separated, for error messages.
    pub fn module_names(&self) -> String {
        self.modules
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The parser's message on one line (it may quote the offending lines under it).
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests;
