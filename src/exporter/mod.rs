//! `rtmp-probe serve`: a Prometheus exporter in the manner of blackbox_exporter. Prometheus
//! schedules the probes (`GET /probe?target=URL&module=NAME`) and the exporter runs each on demand,
//! on the same tokio runtime as every other request, and answers a text exposition.
//!
//! - [`config`]: the YAML file (modules of [`Options`](crate::plan::Options), `allow_targets`,
//!   limits), validated once at load;
//! - [`allow`]: the allow-list matcher, checked before any connection;
//! - [`probe`]: one `/probe` request, from query to answer;
//! - [`exposition`]: the probe's report as blackbox-style metrics;
//! - [`metrics`]: the exporter's own metrics (`/metrics`);
//! - [`http`]: the HTTP server (hyper), routing, limits and graceful shutdown.
//!
//! The command line (`rtmp-probe serve ...`) is in `src/app/serve.rs`.

pub mod allow;
pub mod config;
pub mod exposition;
pub mod http;
pub mod metrics;
pub mod probe;
mod query;

pub use config::Config;

use metrics::Stats;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// What every request shares: the config in use, where it came from, and the counters.
#[derive(Debug)]
pub struct Exporter {
    config: RwLock<Arc<Config>>,
    path: Option<PathBuf>,
    pub stats: Stats,
    /// One reload at a time (SIGHUP and `POST /-/reload` may come together).
    reloading: tokio::sync::Mutex<()>,
}

impl Exporter {
    /// An exporter serving `config`, read from `path` (reloads read it again; `None`: a config
    /// given in memory, which reloads keep).
    pub fn new(config: Config, path: Option<PathBuf>) -> Exporter {
        Exporter {
            config: RwLock::new(Arc::new(config)),
            path,
            stats: Stats::new(),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The config in use now. A reload swaps it; requests already running keep theirs.
    pub fn config(&self) -> Arc<Config> {
        Arc::clone(&self.config.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Reads the config file again (on a blocking thread). A broken file keeps the config in use:
    /// the error says why, is logged, and `rtmp_probe_exporter_config_last_reload_successful`
    /// drops to 0 until a load succeeds.
    pub async fn reload(&self) -> Result<(), String> {
        let _one = self.reloading.lock().await;
        let Some(path) = self.path.clone() else {
            self.stats.reloaded(true);
            return Ok(());
        };
        let loaded = tokio::task::spawn_blocking(move || Config::load(&path))
            .await
            .unwrap_or_else(|e| Err(format!("the reload task failed: {e}")));
        match loaded {
            Ok(config) => {
                warn_about(&config);
                *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
                self.stats.reloaded(true);
                tracing::info!("config reloaded");
                Ok(())
            }
            Err(e) => {
                self.stats.reloaded(false);
                tracing::error!("config reload failed, the previous config stays in use: {e}");
                Err(e)
            }
        }
    }
}

/// Logs what an operator should know about a config that loaded.
pub fn warn_about(config: &Config) {
    if config.allow.is_open() {
        tracing::warn!(
            "allow_targets contains \"*\": anyone who reaches this exporter can make it connect \
             anywhere its network can (see docs/EXPORTER.md)"
        );
    } else if config.allow.loopback_only {
        tracing::warn!("allow_targets is empty: only loopback targets will be probed");
    }
    // Each connection holds a descriptor, each probe one for its socket and one for a lookup.
    let l = &config.limits;
    let needed = l.max_connections as u64 + 2 * l.max_in_flight as u64 + 64;
    if let Some(limit) = metrics::max_fds().filter(|limit| *limit < needed) {
        tracing::warn!(
            "the open file limit ({limit}) is below what limits.max_connections and \
             limits.max_in_flight can use ({needed}): raise it (LimitNOFILE= in the unit) or lower them"
        );
    }
}
