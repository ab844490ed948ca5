//! The command line: clap's definition, and its translation into a [`Plan`].

use crate::plan::{Format, Plan, Probe};
use crate::protocol::command::ConnectProperties;
use crate::protocol::handshake::HandshakeMode;
use crate::protocol::Limits;
use crate::redact::Redactor;
use crate::session::{IpFamily, Mode, SessionConfig, Step};
use crate::target::Target;
use crate::verdict::{self, State, Thresholds};
use clap::{ArgAction, Parser, ValueEnum};
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  rtmp-probe rtmp://ingest.example.com/live/monitor-{random}
      publish check with Nagios output (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)
  rtmp-probe -w 200ms -c 1s -w connect=50ms rtmp://10.0.0.5:1935/live/probe
      thresholds on the total time and on one step
  rtmp-probe --mode connect rtmp://ingest.example.com/live
      stop after connect (no stream key needed)
  rtmp-probe --format json 'rtmp://ingest.example.com/live/key?token=abc' | jq .
      JSON report; the key and token are masked unless --show-secrets
  rtmp-probe -v --format text --trace rtmp://127.0.0.1/live/test
      diagnose by hand: every step, what the server said, hex dumps on stderr
  rtmp-probe --format prometheus --targets /etc/rtmp-probe/targets > /var/lib/node_exporter/rtmp.prom
      many targets at once, for node_exporter's textfile collector

Steps (for per-step thresholds): dns, tcp_connect, handshake, connect, create_stream, publish,
verify, unpublish. Stream name placeholders: {random} (8 hex digits), {unix} (seconds since 1970).";

/// Checks that an RTMP server really accepts a published stream, step by step.
#[derive(Debug, Parser)]
#[command(name = "rtmp-probe", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// rtmp://host[:port]/app[/instance]/stream[?query]; several URLs are probed concurrently.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    /// Read more target URLs from FILE, one a line ('#' starts a comment; '-' is stdin).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<std::path::PathBuf>,

    /// With several targets, how many sessions run at once.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub concurrency: usize,

    /// publish: the whole publish session; connect: stop after connect.
    #[arg(long, value_enum, default_value_t = CliMode::Publish)]
    pub mode: CliMode,

    /// Application to connect to, instead of the one in the URL.
    #[arg(long)]
    pub app: Option<String>,

    /// Stream name to publish (with its ?query), instead of the one in the URL.
    #[arg(long)]
    pub stream: Option<String>,

    /// Hard bound on the whole run (e.g. 10s, 500ms; a bare number is seconds).
    #[arg(short = 't', long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Bound on each step (within --timeout).
    #[arg(long, value_parser = parse_duration)]
    pub step_timeout: Option<Duration>,

    /// State to report when a step times out.
    #[arg(long, value_enum, default_value_t = CliState::Critical)]
    pub timeout_state: CliState,

    /// Warning threshold: DURATION for the total, STEP=DURATION for one step; repeat or separate with commas.
    #[arg(short = 'w', long = "warning", value_name = "[STEP=]DURATION")]
    pub warning: Vec<String>,

    /// Critical threshold, like --warning.
    #[arg(short = 'c', long = "critical", value_name = "[STEP=]DURATION")]
    pub critical: Vec<String>,

    /// Output format on stdout.
    #[arg(short = 'f', long, value_enum, default_value_t = CliFormat::Nagios)]
    pub format: CliFormat,

    /// More detail: -v long output and info logs on stderr, -vv debug, -vvv trace.
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    pub verbose: u8,

    /// Hex dump of every read and write on stderr (secrets masked unless --show-secrets).
    #[arg(long)]
    pub trace: bool,

    /// Show stream keys, passwords and tokens in output and logs.
    #[arg(long)]
    pub show_secrets: bool,

    /// Handshake to perform: digest (Flash Player 9, as ffmpeg and OBS do) or plain.
    #[arg(long, value_enum, default_value_t = CliHandshake::Digest)]
    pub handshake: CliHandshake,

    /// flashVer sent in connect.
    #[arg(long, value_name = "STRING")]
    pub flash_ver: Option<String>,

    /// tcUrl sent in connect (default: rtmp://host[:port]/app).
    #[arg(long, value_name = "URL")]
    pub tc_url: Option<String>,

    /// pageUrl sent in connect.
    #[arg(long, value_name = "URL")]
    pub page_url: Option<String>,

    /// swfUrl sent in connect.
    #[arg(long, value_name = "URL")]
    pub swf_url: Option<String>,

    /// The longest verify watches the connection after Publish.Start (it watches four times the
    /// slowest reply the server gave, at least 1ms).
    #[arg(long, default_value = "200ms", value_parser = parse_duration)]
    pub settle: Duration,

    /// How long the teardown waits for NetStream.Unpublish.Success.
    #[arg(long, default_value = "200ms", value_parser = parse_duration)]
    pub teardown_wait: Duration,

    /// Largest message accepted from the server, in bytes.
    #[arg(long, default_value_t = crate::protocol::limits::DEFAULT_MAX_MESSAGE_SIZE)]
    pub max_message_size: u32,

    /// Connect over IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,

    /// Connect over IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliMode {
    Publish,
    Connect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliFormat {
    Nagios,
    Json,
    Text,
    Prometheus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliState {
    Ok,
    Warning,
    Critical,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliHandshake {
    Digest,
    Plain,
}

/// A command line that parses but cannot be run. The message names the option and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// `10s`, `250ms`, `1m30s` (humantime), or a bare number of seconds (`10`, `0.5`) as Nagios
/// plugins take them.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        if (0.0..1e9).contains(&secs) {
            return Ok(Duration::from_secs_f64(secs));
        }
        return Err(format!("{s:?} is not a usable number of seconds"));
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("{s:?} is not a duration ({e}); write e.g. 10s or 250ms"))
}

fn parse_thresholds(flag: &str, items: &[String]) -> Result<verdict::Limits, UsageError> {
    let mut limits = verdict::Limits::default();
    for item in items.iter().flat_map(|i| i.split(',')).map(str::trim) {
        if item.is_empty() {
            continue;
        }
        let (step, value) = match item.split_once('=') {
            Some((name, value)) => {
                let step = if name == "total" {
                    None
                } else {
                    Some(Step::from_name(name).ok_or_else(|| {
                        let names: Vec<&str> = Step::ALL.iter().map(|s| s.name()).collect();
                        UsageError(format!(
                            "{flag}: unknown step {name:?}; use one of total, {}",
                            names.join(", ")
                        ))
                    })?)
                };
                (step, value)
            }
            None => (None, item),
        };
        let d = parse_duration(value).map_err(|e| UsageError(format!("{flag}: {e}")))?;
        match step {
            None => limits.total = Some(d),
            Some(step) => {
                limits.steps.retain(|(s, _)| *s != step);
                limits.steps.push((step, d));
            }
        }
    }
    Ok(limits)
}

/// Expands `{random}` and `{unix}` in a stream name, so that probes from cron never collide.
pub fn expand_placeholders(name: &str) -> String {
    let mut out = name.to_string();
    while out.contains("{random}") {
        let mut b = [0u8; 4];
        if getrandom::fill(&mut b).is_err() {
            let n = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos() ^ std::process::id())
                .unwrap_or(0);
            b = n.to_be_bytes();
        }
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        out = out.replacen("{random}", &hex, 1);
    }
    if out.contains("{unix}") {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        out = out.replace("{unix}", &secs.to_string());
    }
    out
}

impl Cli {
    /// Validates the arguments and builds the plan.
    pub fn into_plan(self) -> Result<Plan, UsageError> {
        let mut urls: Vec<(String, String)> = self
            .urls
            .iter()
            .map(|u| ("URL".to_string(), u.clone()))
            .collect();
        if let Some(path) = &self.targets {
            urls.extend(read_targets(path)?);
        }
        if urls.is_empty() {
            return Err(UsageError(
                "no target: give an rtmp:// URL or --targets FILE".into(),
            ));
        }
        if self.concurrency == 0 {
            return Err(UsageError("--concurrency must be at least 1".into()));
        }
        if self.timeout.is_zero() {
            return Err(UsageError("--timeout must be more than zero".into()));
        }
        if self.max_message_size == 0 {
            return Err(UsageError("--max-message-size must be at least 1".into()));
        }
        let thresholds = Thresholds {
            warning: parse_thresholds("--warning", &self.warning)?,
            critical: parse_thresholds("--critical", &self.critical)?,
        };
        let mut probes = Vec::with_capacity(urls.len());
        for (origin, url) in &urls {
            let (target, stream) = self.target(origin, url)?;
            // Each session masks its own target's secrets: nothing else reaches its logs or its
            // report (and a run of a thousand targets stays linear).
            let mut redactor = Redactor::new(self.show_secrets);
            target.add_secrets(&mut redactor);
            if let Some(s) = &stream {
                crate::target::add_stream_secrets(s, &mut redactor);
            }
            let session = self.session_config(&target, stream, redactor);
            probes.push(Probe { target, session });
        }
        Ok(Plan {
            probes,
            concurrency: self.concurrency,
            thresholds,
            timeout_state: match self.timeout_state {
                CliState::Ok => State::Ok,
                CliState::Warning => State::Warning,
                CliState::Critical => State::Critical,
                CliState::Unknown => State::Unknown,
            },
            format: match self.format {
                CliFormat::Nagios => Format::Nagios,
                CliFormat::Json => Format::Json,
                CliFormat::Text => Format::Text,
                CliFormat::Prometheus => Format::Prometheus,
            },
            verbosity: self.verbose,
            trace: self.trace,
        })
    }

    /// One target from its URL and the --app/--stream overrides; `origin` names where the URL
    /// came from in errors ("URL", "targets.txt line 3").
    fn target(&self, origin: &str, url: &str) -> Result<(Target, Option<String>), UsageError> {
        let mut target = Target::parse(url).map_err(|e| UsageError(format!("{origin}: {e}")))?;
        if let Some(app) = &self.app {
            if app.is_empty() {
                return Err(UsageError("--app: the application name is empty".into()));
            }
            target.app = app.trim_matches('/').to_string();
        }
        if let Some(stream) = &self.stream {
            if stream.is_empty() {
                return Err(UsageError("--stream: the stream name is empty".into()));
            }
            target.stream = Some(stream.clone());
        }
        if target.app.is_empty() {
            return Err(UsageError(format!(
                "{origin}: no application; write rtmp://HOST/APP/STREAM or give --app"
            )));
        }
        if self.mode == CliMode::Publish && target.stream.is_none() {
            return Err(UsageError(format!(
                "{origin}: no stream name to publish; write rtmp://HOST/APP/STREAM, give \
                 --stream, or use --mode connect"
            )));
        }
        let stream = target.stream.as_deref().map(expand_placeholders);
        Ok((target, stream))
    }

    fn session_config(
        &self,
        target: &Target,
        stream: Option<String>,
        redactor: Redactor,
    ) -> SessionConfig {
        let mut connect = ConnectProperties::new(
            &target.app,
            self.tc_url.clone().unwrap_or_else(|| target.tc_url()),
        );
        if let Some(v) = &self.flash_ver {
            connect.flash_ver = v.clone();
        }
        if let Some(v) = &self.swf_url {
            connect.swf_url = Some(v.clone());
        }
        if let Some(v) = &self.page_url {
            connect.page_url = Some(v.clone());
        }
        let family = if self.ipv4 {
            IpFamily::V4
        } else if self.ipv6 {
            IpFamily::V6
        } else {
            IpFamily::Any
        };
        SessionConfig {
            host: target.host.clone(),
            port: target.port,
            family,
            mode: match self.mode {
                CliMode::Publish => Mode::Publish,
                CliMode::Connect => Mode::Connect,
            },
            stream,
            connect,
            handshake: match self.handshake {
                CliHandshake::Digest => HandshakeMode::Digest,
                CliHandshake::Plain => HandshakeMode::Plain,
            },
            timeout: self.timeout,
            step_timeout: self.step_timeout,
            settle: self.settle,
            teardown_wait: self.teardown_wait,
            limits: Limits {
                max_message_size: self.max_message_size,
                ..Limits::default()
            },
            redactor,
        }
    }
}

/// Reads a targets file: one URL a line; blank lines and `#` comments (at the start of a line or
/// after white space) are skipped.
fn read_targets(path: &std::path::Path) -> Result<Vec<(String, String)>, UsageError> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| UsageError(format!("--targets: cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            UsageError(format!(
                "--targets: cannot read {}: {}",
                path.display(),
                crate::session::io_words(&e)
            ))
        })?
    };
    let name = path.display().to_string();
    Ok(text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            // A comment starts a line or follows white space ('#' may be part of a stream key).
            let line = match line.trim_start().starts_with('#') {
                true => "",
                false => line
                    .find(" #")
                    .or_else(|| line.find("\t#"))
                    .map_or(line, |i| &line[..i])
                    .trim(),
            };
            (!line.is_empty()).then(|| (format!("{name} line {}", i + 1), line.to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(args: &[&str]) -> Result<Plan, UsageError> {
        let mut full = vec!["rtmp-probe"];
        full.extend_from_slice(args);
        Cli::try_parse_from(full)
            .map_err(|e| UsageError(e.to_string()))?
            .into_plan()
    }

    #[test]
    fn thresholds_take_totals_and_steps_in_any_mix() {
        let p = plan(&[
            "-w",
            "200ms,connect=50ms",
            "-w",
            "handshake=1",
            "-c",
            "1s",
            "rtmp://h/a/s",
        ])
        .unwrap();
        assert_eq!(p.thresholds.warning.total, Some(Duration::from_millis(200)));
        assert_eq!(
            p.thresholds.warning.for_step(Step::Connect),
            Some(Duration::from_millis(50))
        );
        assert_eq!(
            p.thresholds.warning.for_step(Step::Handshake),
            Some(Duration::from_secs(1))
        );
        assert_eq!(p.thresholds.critical.total, Some(Duration::from_secs(1)));
    }

    #[test]
    fn bad_thresholds_name_the_flag_and_the_fix() {
        let e = plan(&["-w", "bogus=1s", "rtmp://h/a/s"]).unwrap_err();
        assert!(e.0.starts_with("--warning: unknown step \"bogus\""), "{e}");
        let e = plan(&["-c", "fast", "rtmp://h/a/s"]).unwrap_err();
        assert!(e.0.contains("--critical") && e.0.contains("10s"), "{e}");
    }

    #[test]
    fn publish_needs_a_stream_but_connect_does_not() {
        assert!(plan(&["rtmp://h/live"])
            .unwrap_err()
            .0
            .contains("--mode connect"));
        assert!(plan(&["--mode", "connect", "rtmp://h/live"]).is_ok());
    }

    #[test]
    fn placeholders_expand_to_fresh_values() {
        let a = expand_placeholders("probe-{random}-{unix}");
        let b = expand_placeholders("probe-{random}-{unix}");
        assert!(!a.contains('{') && a.starts_with("probe-"), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn the_expanded_stream_name_is_a_secret_too() {
        let p = plan(&["rtmp://h/live/key-{random}"]).unwrap();
        let name = p.probes[0].session.stream.clone().unwrap();
        assert!(!p.probes[0]
            .session
            .redactor
            .text(&format!("x {name} y"))
            .contains(&name));
    }
}
