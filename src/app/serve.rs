//! `rtmp-probe serve`: the command line of the Prometheus exporter (src/exporter/), its runtime,
//! signals and exit codes.
//!
//! `serve` is recognised as the first argument (in src/main.rs) before the check's own parser
//! sees anything, so `rtmp-probe [OPTIONS] URL...` parses exactly as before (a URL is never the
//! word `serve`), and the check's help, man page and completions are unchanged.
//!
//! Exit codes: 0 after a clean shutdown (SIGTERM, SIGINT) or a config that checks; 1 when the
//! config is broken, the address cannot be bound, or a second signal cut the shutdown short; 2 for
//! a bad command line.

use crate::exporter::{self, config, Config, Exporter};
use clap::Parser;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The default port: the Prometheus wiki's exporter range 9100-9999 is allocated to the last
/// port, so this one is outside it and outside what other exporters took above it; it reads as
/// 1935, RTMP's port, with a 9 in front.
pub const DEFAULT_PORT: u16 = 19935;

/// Runs Prometheus probes on demand: GET /probe?target=rtmp://...&module=NAME (see docs/EXPORTER.md).
#[derive(Debug, Parser)]
#[command(name = "rtmp-probe serve", version)]
pub struct ServeCli {
    /// Address to listen on, e.g. 127.0.0.1:19935 (IPv6: the address in brackets, then the port).
    #[arg(long, value_name = "ADDR", default_value_t = SocketAddr::from(([0, 0, 0, 0], DEFAULT_PORT)))]
    pub listen: SocketAddr,

    /// Config file (YAML: modules, allow_targets, limits).
    #[arg(long, value_name = "FILE", default_value = config::DEFAULT_PATH)]
    pub config: PathBuf,

    /// Check the config FILE and exit: 0 when it is good, 1 (and what is wrong) when not.
    #[arg(long, value_name = "FILE", conflicts_with = "config")]
    pub check_config: Option<PathBuf>,

    /// Log level on stderr: error, warn, info, debug (one line per probe), trace.
    #[arg(long, value_name = "LEVEL", default_value = "info",
          value_parser = ["error", "warn", "info", "debug", "trace"])]
    pub log_level: String,
}

/// Runs `rtmp-probe serve ARGS` (`args` without the program name and `serve`); returns the exit
/// code.
pub fn run(args: Vec<OsString>) -> i32 {
    let mut full: Vec<OsString> = vec!["rtmp-probe serve".into()];
    full.extend(args);
    let cli = match ServeCli::try_parse_from(full) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    if let Some(path) = &cli.check_config {
        return check_config(path);
    }
    init_logging(&cli.log_level);
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rtmp-probe serve: {e}");
            return 1;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rtmp-probe serve: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let code = runtime.block_on(serve(cli.listen, config, cli.config));
    // Name lookups on blocking threads cannot be stopped: do not wait for them.
    runtime.shutdown_background();
    code
}

fn check_config(path: &std::path::Path) -> i32 {
    match Config::load(path) {
        Ok(c) => {
            println!(
                "{}: ok ({} modules: {}; {})",
                path.display(),
                c.modules.len(),
                c.module_names(),
                if c.allow.loopback_only {
                    "allow_targets empty: loopback only"
                } else if c.allow.is_open() {
                    "allow_targets \"*\": every target allowed"
                } else {
                    "allow_targets set"
                }
            );
            0
        }
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}

async fn serve(listen: SocketAddr, config: Config, path: PathBuf) -> i32 {
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "rtmp-probe serve: cannot listen on {listen}: {}",
                crate::session::io_words(&e)
            );
            return 1;
        }
    };
    let bound = listener.local_addr().unwrap_or(listen);
    // As the one-shot check does: a low soft limit must not cap what the system allows.
    let _ = super::limits::descriptor_limit();
    exporter::warn_about(&config);
    // Probes finish within their timeouts; the longest module's bounds the shutdown.
    let grace = config
        .modules
        .values()
        .map(|m| m.options.timeout)
        .max()
        .unwrap_or_default()
        .min(Duration::from_secs(60))
        + Duration::from_secs(1);
    let exporter = Arc::new(Exporter::new(config, Some(path)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    if let Err(e) = watch_signals(Arc::clone(&exporter), stop) {
        eprintln!("rtmp-probe serve: cannot watch signals: {e}");
        return 1;
    }
    tracing::info!(
        "listening on http://{bound} (modules: {})",
        exporter.config().module_names()
    );
    exporter::http::serve(listener, exporter, stopped, grace).await;
    tracing::info!("stopped");
    0
}

/// SIGTERM and SIGINT stop the server; SIGHUP reloads the config. The signals are taken on a
/// thread of their own (signal-hook's self-pipe) and handed to the runtime; tokio's own signal
/// support is not compiled in, because it sets up its driver in every runtime, the one-shot
/// check's too (a socket pair and an epoll registration per check, measured in
/// docs/BENCHMARKS.md, section 6).
fn watch_signals(
    exporter: Arc<Exporter>,
    stop: tokio::sync::watch::Sender<bool>,
) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])?;
    let runtime = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if signal != SIGHUP {
                    break;
                }
                tracing::info!("SIGHUP: reloading the config");
                let exporter = Arc::clone(&exporter);
                runtime.spawn(async move {
                    let _ = exporter.reload().await;
                });
            }
            tracing::info!("shutting down: no new connections; running probes finish");
            let _ = stop.send(true);
            // A second SIGTERM or SIGINT does not wait for the probes.
            if signals.forever().any(|s| s != SIGHUP) {
                tracing::warn!("second signal: exiting without waiting for running probes");
                std::process::exit(1);
            }
        })?;
    Ok(())
}

/// Logs on stderr at `level` (for this crate; other crates at warn).
fn init_logging(level: &str) {
    super::logging::with_filter(&format!("warn,rtmp_probe={level}"), "info");
}
