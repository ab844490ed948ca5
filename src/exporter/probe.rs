//! One `/probe` request: the query checked (target, module, allow list, Prometheus's scrape
//! timeout), then one probe of the module's options on the target, answered as an exposition, or
//! with `debug=true` as the probe's log and result in text, as blackbox_exporter does.
//!
//! Nothing connects before the target has passed the allow list; nothing answered or logged holds
//! the URL's secrets (the stream name, a password, a query token).

use super::metrics::Rejection;
use super::{exposition, query, Exporter};
use crate::redact::Redactor;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::instrument::WithSubscriber;

/// The header in which Prometheus says how long it waits for a scrape, in seconds.
pub const SCRAPE_TIMEOUT_HEADER: &str = "x-prometheus-scrape-timeout-seconds";

/// The most log text a `debug=true` answer carries.
const MAX_DEBUG_LOG: usize = 256 * 1024;

/// An answer to a request: status, Content-Type, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Answer {
    pub fn text(status: u16, body: impl Into<String>) -> Answer {
        let mut body = body.into();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
        }
    }
}

/// Answers `/probe` with this raw query string and this scrape timeout header.
pub async fn answer(exporter: &Exporter, raw_query: &str, scrape_header: Option<&str>) -> Answer {
    match prepare(exporter, raw_query, scrape_header) {
        Ok(prepared) => run(exporter, prepared).await,
        Err((why, answer)) => {
            exporter.stats.reject(why);
            tracing::debug!(
                status = answer.status,
                "probe refused: {}",
                answer.body.trim_end()
            );
            answer
        }
    }
}

/// A request that passed every check, ready to probe.
struct Prepared {
    module_name: String,
    probe: crate::plan::Probe,
    debug: bool,
}

type Refusal = (Rejection, Answer);

fn bad(message: String) -> Refusal {
    (Rejection::BadRequest, Answer::text(400, message))
}

fn prepare(
    exporter: &Exporter,
    raw_query: &str,
    scrape_header: Option<&str>,
) -> Result<Prepared, Refusal> {
    let config = exporter.config();
    let pairs = query::parse(raw_query).map_err(bad)?;
    let target = query::get(&pairs, "target")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("missing parameter: target (an rtmp:// URL)".into()))?;
    let module_name = query::get(&pairs, "module").unwrap_or_default();
    if module_name.is_empty() {
        return Err(bad(format!(
            "missing parameter: module (one of: {})",
            config.module_names()
        )));
    }
    let module = config.modules.get(module_name).ok_or_else(|| {
        let shown: String = module_name.chars().take(64).collect();
        bad(format!(
            "unknown module {shown:?} (one of: {})",
            config.module_names()
        ))
    })?;
    let scrape = scrape_header.map(scrape_timeout).transpose().map_err(bad)?;
    let debug = matches!(query::get(&pairs, "debug"), Some("true" | "1"));
    let mut probe = module
        .probe("target", target)
        .map_err(|e| bad(masked(target, &e.0)))?;
    // The host the session connects to, which is what the list is about.
    let host = probe.session.host.as_str();
    if let Err(denied) = config.allow.check(host) {
        let why = match denied {
            super::allow::Denied::NotAllowed => "is not in allow_targets",
            super::allow::Denied::NotCanonical => {
                "looks numeric but is not a canonical IP address (write a.b.c.d)"
            }
        };
        let shown: String = host.chars().take(255).collect();
        return Err((
            Rejection::Forbidden,
            Answer::text(403, format!("target host {shown:?} {why}")),
        ));
    }
    probe.session.timeout = effective_timeout(probe.session.timeout, scrape, config.timeout_offset);
    Ok(Prepared {
        module_name: module_name.to_string(),
        probe,
        debug,
    })
}

async fn run(exporter: &Exporter, p: Prepared) -> Answer {
    let limit = exporter.config().limits.max_in_flight;
    let Some(_place) = exporter.stats.try_start(limit) else {
        exporter.stats.reject(Rejection::OverLimit);
        return Answer::text(
            503,
            format!("too many probes in flight (limits.max_in_flight is {limit}); try again"),
        );
    };
    let started = Instant::now();
    let (report, log) = if p.debug {
        let (dispatch, buffer) = capture();
        let report = crate::app::check::check(&p.probe)
            .with_subscriber(dispatch)
            .await;
        let log = buffer.lock().map(|b| b.clone()).unwrap_or_default();
        (report, Some(String::from_utf8_lossy(&log).into_owned()))
    } else {
        (crate::app::check::check(&p.probe).await, None)
    };
    let seconds = started.elapsed().as_secs_f64();
    let success = report.error.is_none();
    exporter.stats.probed(&p.module_name, success, seconds);
    tracing::debug!(
        module = p.module_name.as_str(),
        target = report.target.url.as_str(),
        status = report.status,
        success,
        duration_ms = seconds * 1000.0,
        "probe: {}",
        report.summary
    );
    let metrics = exposition::render(&report, seconds);
    match log {
        None => Answer {
            status: 200,
            content_type: exposition::CONTENT_TYPE,
            body: metrics,
        },
        Some(log) => Answer::text(
            200,
            format!(
                "Logs for the probe:\n{log}\n\n\nMetrics that would have been returned:\n{metrics}\n\n\n\
                 Result:\n{}\n\n\nModule configuration:\nmodule: {}\nmode: {}\ntimeout: {:?} \
                 (after the scrape timeout cap)\n",
                crate::report::text(&report),
                p.module_name,
                report.mode,
                p.probe.session.timeout,
            ),
        ),
    }
}

/// Prometheus's scrape timeout from its header: a positive number of seconds.
pub fn scrape_timeout(header: &str) -> Result<f64, String> {
    match header.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(s),
        _ => Err(format!(
            "bad X-Prometheus-Scrape-Timeout-Seconds: {:?} is not a positive number of seconds",
            header.chars().take(32).collect::<String>()
        )),
    }
}

/// The module's timeout, capped by the scrape timeout less `offset`, so that the answer reaches
/// Prometheus before it gives up. An offset as long as the scrape timeout is not taken off (the
/// cap is then the whole scrape timeout).
pub fn effective_timeout(module: Duration, scrape: Option<f64>, offset: Duration) -> Duration {
    let Some(scrape) = scrape.filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9) else {
        return module;
    };
    let less = scrape - offset.as_secs_f64();
    let cap = if less > 0.0 { less } else { scrape };
    module.min(Duration::from_secs_f64(cap))
}

/// A one-line error about `url` that holds none of its secrets: the URL did not parse far enough
/// for the probe's own masking, so any echo of it is left out (`(got "...")`) and every part that
/// can hold a secret (user information, path segments, query values) is masked in what remains.
pub fn masked(url: &str, message: &str) -> String {
    let mut r = Redactor::new(false);
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        r.add(userinfo);
        for part in userinfo.split(':') {
            r.add(part);
        }
    }
    for segment in path.split(['/', '?', '&', '=']) {
        r.add(segment);
    }
    r.add(path);
    r.add(url);
    let line = message.lines().next().unwrap_or_default();
    let line = line
        .find(" (got ")
        .map_or(line, |i| line.get(..i).unwrap_or(line));
    r.text(line)
}

/// A log writer into a shared, bounded buffer.
#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            let room = MAX_DEBUG_LOG.saturating_sub(b.len());
            b.extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A subscriber that keeps the debug log of one probe (secrets are masked by the session's own
/// redactor before anything is logged).
fn capture() -> (tracing::Dispatch, Arc<Mutex<Vec<u8>>>) {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = Capture(Arc::clone(&buffer));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("rtmp_probe=debug"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_target(false)
        .finish();
    (tracing::Dispatch::new(subscriber), buffer)
}

#[cfg(test)]
mod tests;
