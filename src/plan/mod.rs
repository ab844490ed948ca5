//! From [`Options`] to probes. [`Module::new`] validates a set of options once (thresholds parsed,
//! bounds checked); [`Module::probe`] makes the probe of one target from it (URL parsed, overrides
//! applied, placeholders expanded, secrets registered). The command line builds a [`Plan`] of many
//! probes from one module; the exporter keeps one module per config entry and makes a probe per
//! request. Nothing here reads the command line.

mod media;
pub mod options;
mod roundtrip;
mod targets;

pub use options::Options;
pub use targets::{expand_placeholders, read_targets, TargetInput};

use crate::metrics::{Range, Threshold};
use crate::protocol::command::ConnectProperties;
use crate::protocol::handshake::HandshakeMode;
use crate::protocol::Limits;
use crate::redact::Redactor;
use crate::session::tls::{self, TlsConfig, TlsOptions};
use crate::session::{Expect, IpFamily, MediaConfig, Mode, PlayConfig, SessionConfig};
use crate::target::Target;
use crate::verdict::{State, Thresholds};
use options::{Choice, ExpectName, Family, Handshake, StateName};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Options that cannot be used. The message names the option and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// How the result is printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line `RTMP <STATE> - <summary> | <perfdata>`, long output with -v.
    Nagios,
    /// One JSON object per target (see docs/report.schema.json).
    Json,
    /// A few lines for people.
    Text,
    /// Prometheus text exposition, for node_exporter's textfile collector.
    Prometheus,
}

/// How a run reports, beyond what each probe does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    /// -v count: 1 adds long output and info logs, 2 debug logs, 3 trace logs.
    pub verbosity: u8,
    /// Hex dumps of every read and write on stderr.
    pub trace: bool,
}

/// Validated options: what every probe made from them shares.
#[derive(Debug, Clone)]
pub struct Module {
    pub options: Options,
    pub thresholds: Thresholds,
    /// The state reported when a step times out.
    pub timeout_state: State,
    /// The stream name read from `stream_file`.
    stream_from_file: Option<String>,
    /// The password from `password_file` or `password`, and which of them it came from.
    password: Option<(String, &'static str)>,
    /// The TLS configuration of `rtmps://` targets: built once, by the first probe that needs it
    /// (never for plain `rtmp://`), or at once when TLS options are given, so that a bad
    /// `--ca-file` is a usage error before anything runs.
    tls: OnceLock<Result<Arc<TlsConfig>, UsageError>>,
    /// What a publish sends after `Publish.Start`.
    media: MediaConfig,
}

/// One target and the session that probes it, with how to judge the outcome.
#[derive(Debug, Clone)]
pub struct Probe {
    /// A stable, secret-free name for this target in every format: 12 hex digits of SHA-256 over
    /// the target as written (template and all), `-2`, `-3`... for a repeat of the same one.
    pub id: String,
    pub target: Target,
    pub session: SessionConfig,
    pub thresholds: Thresholds,
    pub timeout_state: State,
}

/// Everything one run of the command line needs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The targets, in the order given; probed concurrently when there are several.
    pub probes: Vec<Probe>,
    /// How many sessions may run at once.
    pub concurrency: usize,
    pub output: Output,
}

impl Plan {
    /// A plan for `targets`, probed as `module` says.
    pub fn new(
        module: &Module,
        targets: &[TargetInput],
        concurrency: usize,
        output: Output,
    ) -> Result<Plan, UsageError> {
        if targets.is_empty() {
            return Err(UsageError(
                "no target: give an rtmp:// URL or --targets FILE".into(),
            ));
        }
        if concurrency == 0 {
            return Err(UsageError("--concurrency must be at least 1".into()));
        }
        let mut probes = targets
            .iter()
            .map(|t| module.probe(&t.origin, &t.url))
            .collect::<Result<Vec<_>, _>>()?;
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for p in &mut probes {
            let n = seen.entry(p.id.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                p.id = format!("{}-{n}", p.id);
            }
        }
        Ok(Plan {
            probes,
            concurrency,
            output,
        })
    }
}

impl Module {
    /// Validates `options`.
    pub fn new(options: Options) -> Result<Module, UsageError> {
        let o = &options;
        if o.timeout.is_zero() {
            return Err(UsageError("--timeout must be more than zero".into()));
        }
        if o.step_timeout.is_some_and(|d| d.is_zero()) {
            return Err(UsageError(
                "--step-timeout must be more than zero (leave it out for no step bound)".into(),
            ));
        }
        if o.max_message_size == 0 {
            return Err(UsageError("--max-message-size must be at least 1".into()));
        }
        if let Some(app) = &o.app {
            check_name("--app", "application name", app)?;
        }
        if let Some(stream) = &o.stream {
            check_name("--stream", "stream name", stream)?;
        }
        for (flag, value) in [
            ("--tc-url", &o.tc_url),
            ("--page-url", &o.page_url),
            ("--swf-url", &o.swf_url),
            ("--flash-ver", &o.flash_ver),
            ("--user", &o.user),
        ] {
            if let Some(v) = value {
                check_length(flag, v)?;
            }
        }
        let media = media::media_config(o)?;
        let mode = o.mode.name();
        let mut thresholds = Thresholds {
            warning: crate::metrics::Limits::parse("--warning", &o.warning, mode)
                .map_err(UsageError)?,
            critical: crate::metrics::Limits::parse("--critical", &o.critical, mode)
                .map_err(UsageError)?,
        };
        if o.mode == options::Mode::Play {
            check_play(o, &thresholds)?;
            play_defaults(&mut thresholds);
        }
        if o.mode == options::Mode::Roundtrip {
            roundtrip::defaults(&mut thresholds);
        } else if o.play_url.is_some() {
            return Err(UsageError(
                "--play-url only applies to --mode roundtrip (where the stream is played back \
                 from)"
                    .into(),
            ));
        }
        default_cert_days(&mut thresholds);
        let timeout_state = match o.timeout_state {
            StateName::Ok => State::Ok,
            StateName::Warning => State::Warning,
            StateName::Critical => State::Critical,
            StateName::Unknown => State::Unknown,
        };
        let stream_from_file = match &o.stream_file {
            Some(path) => {
                let name = first_line("--stream-file", path)?;
                check_name("--stream-file", "stream name", &name)?;
                Some(name)
            }
            None => None,
        };
        let password = match (&o.password_file, &o.password) {
            (Some(path), _) => Some((first_line("--password-file", path)?, "--password-file")),
            (None, Some(p)) => Some((p.0.clone(), "RTMP_PROBE_PASSWORD")),
            (None, None) => None,
        };
        if let Some(sni) = &o.sni {
            check_length("--sni", sni)?;
        }
        let wants_tls = o.sni.is_some() || !o.ca_file.is_empty() || o.insecure;
        let module = Module {
            options,
            thresholds,
            timeout_state,
            stream_from_file,
            password,
            media,
            tls: OnceLock::new(),
        };
        if wants_tls {
            module.tls_config()?;
        }
        Ok(module)
    }

    /// The TLS configuration for `rtmps://` targets, built the first time it is asked for (it
    /// reads the system trust store and every `--ca-file`: a few milliseconds) and shared by
    /// every probe of this module from then on.
    pub fn tls_config(&self) -> Result<Arc<TlsConfig>, UsageError> {
        self.tls
            .get_or_init(|| {
                let o = &self.options;
                tls::client_config(&TlsOptions {
                    sni: o.sni.clone(),
                    ca_files: o.ca_file.clone(),
                    insecure: o.insecure,
                })
                .map_err(|e| UsageError(e.to_string()))
            })
            .clone()
    }

    /// The TLS configuration of `target` when it is `rtmps://` (its host checked as a server
    /// name); `origin` names it in errors.
    fn tls_for(&self, target: &Target, origin: &str) -> Result<Option<Arc<TlsConfig>>, UsageError> {
        if !target.is_tls() {
            return Ok(None);
        }
        let config = self.tls_config()?;
        config
            .server_name_for(&target.host)
            .map_err(|e| UsageError(format!("{origin}: {e}")))?;
        Ok(Some(config))
    }

    /// The probe of one target. `origin` names where the URL came from in errors ("URL",
    /// "targets.txt line 3").
    pub fn probe(&self, origin: &str, url: &str) -> Result<Probe, UsageError> {
        let (target, stream) = self.target(origin, url)?;
        // Each probe masks its own target's secrets: nothing else reaches its logs or its report
        // (and a run of a thousand targets stays linear).
        let mut redactor = Redactor::new(self.options.show_secrets);
        target.add_secrets(&mut redactor);
        if let Some(s) = &stream {
            crate::target::add_stream_secrets(s, &mut redactor);
        }
        let o = &self.options;
        for url in [&o.tc_url, &o.page_url, &o.swf_url].into_iter().flatten() {
            crate::target::add_url_secrets(url, &mut redactor);
        }
        let tls = self.tls_for(&target, origin)?;
        let roundtrip = match o.mode {
            options::Mode::Roundtrip => {
                Some(self.roundtrip_config(&target, stream.as_deref(), &mut redactor)?)
            }
            _ => None,
        };
        let mut session = self.session_config(&target, stream, redactor);
        session.tls = tls;
        session.roundtrip = roundtrip;
        Ok(Probe {
            id: target_id(url),
            target,
            session,
            thresholds: self.thresholds.clone(),
            timeout_state: self.timeout_state,
        })
    }

    /// The target from its URL and the app/stream overrides, and the stream name to send
    /// (placeholders expanded).
    fn target(&self, origin: &str, url: &str) -> Result<(Target, Option<String>), UsageError> {
        let o = &self.options;
        let mut target = Target::parse(url).map_err(|e| UsageError(format!("{origin}: {e}")))?;
        if let Some(app) = &o.app {
            target.app = app.trim_matches('/').to_string();
        }
        if let Some(stream) = o.stream.as_ref().or(self.stream_from_file.as_ref()) {
            target.stream = Some(stream.clone());
        }
        if let Some(user) = &o.user {
            target.user = Some(user.clone());
        }
        if target.password.is_none() {
            target.password = self.password.as_ref().map(|(p, _)| p.clone());
        }
        match (&target.user, &target.password) {
            (Some(_), None) => {
                return Err(UsageError(format!(
                    "{origin}: a user for authentication but no password; give --password-file \
                     FILE or set RTMP_PROBE_PASSWORD (or write USER:PASSWORD@ in the URL)"
                )))
            }
            (None, Some(_)) => {
                let from = self.password.as_ref().map_or("the URL", |(_, from)| *from);
                return Err(UsageError(format!(
                    "{origin}: a password ({from}) but no user for authentication; give --user \
                     NAME or write USER@ in the URL"
                )));
            }
            _ => {}
        }
        check_length(origin, &target.app)?;
        if let Some(stream) = &target.stream {
            check_length(origin, stream)?;
        }
        if target.app.is_empty() {
            return Err(UsageError(format!(
                "{origin}: no application; write rtmp://HOST/APP/STREAM or give --app"
            )));
        }
        if matches!(o.mode, options::Mode::Publish | options::Mode::Roundtrip)
            && target.stream.is_none()
        {
            return Err(UsageError(format!(
                "{origin}: no stream name to publish; write rtmp://HOST/APP/STREAM, give \
                 --stream, or use --mode connect"
            )));
        }
        if o.mode == options::Mode::Play && target.stream.is_none() {
            return Err(UsageError(format!(
                "{origin}: no stream name to play; write rtmp://HOST/APP/STREAM or give --stream"
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
        let o = &self.options;
        let mut connect = ConnectProperties::new(
            &target.app,
            o.tc_url.clone().unwrap_or_else(|| target.tc_url()),
        );
        if o.mode == options::Mode::Play {
            // What ffmpeg sends when it plays: a player's flashVer and no `type`.
            connect.flash_ver = ConnectProperties::PLAYER_FLASH_VER.to_owned();
            connect.connection_type.clear();
        }
        if let Some(v) = &o.flash_ver {
            connect.flash_ver = v.clone();
        }
        if let Some(v) = &o.swf_url {
            connect.swf_url = Some(v.clone());
        }
        if let Some(v) = &o.page_url {
            connect.page_url = Some(v.clone());
        }
        if self.media.enhanced {
            connect
                .extra
                .extend(crate::media::synth::connect::enhanced_connect_properties());
        }
        SessionConfig {
            host: target.host.clone(),
            port: target.port,
            family: match o.ip_family {
                Family::Any => IpFamily::Any,
                Family::Ipv4 => IpFamily::V4,
                Family::Ipv6 => IpFamily::V6,
            },
            mode: match o.mode {
                options::Mode::Publish => Mode::Publish,
                options::Mode::Connect => Mode::Connect,
                options::Mode::Play => Mode::Play,
                options::Mode::Roundtrip => Mode::Roundtrip,
            },
            stream,
            connect,
            tls: None,
            credentials: target.credentials(),
            handshake: match o.handshake {
                Handshake::Digest => HandshakeMode::Digest,
                Handshake::Plain => HandshakeMode::Plain,
            },
            timeout: o.timeout,
            step_timeout: o.step_timeout,
            settle: o.settle,
            teardown_wait: o.teardown_wait,
            media: self.media.clone(),
            limits: Limits {
                max_message_size: o.max_message_size,
                ..Limits::default()
            },
            redactor,
            play: PlayConfig {
                start: o.play_start as f64,
                duration: o.duration.unwrap_or_default(),
                expect: match o.expect {
                    ExpectName::Auto => Expect::Auto,
                    ExpectName::Video => Expect::Video,
                    ExpectName::Audio => Expect::Audio,
                    ExpectName::Av => Expect::Both,
                },
                gap_threshold: stall_threshold(&self.thresholds),
            },
            roundtrip: None,
        }
    }
}

/// The default stall threshold of the play check, and its default critical `max_gap`.
pub const DEFAULT_MAX_GAP: Duration = Duration::from_secs(2);

/// What `--mode play` cannot do: a window that does not fit in the timeout, a threshold on a
/// window figure without a window.
fn check_play(o: &Options, thresholds: &Thresholds) -> Result<(), UsageError> {
    let window = o.duration.unwrap_or_default();
    if window >= o.timeout {
        return Err(UsageError(format!(
            "--duration {} does not fit in --timeout {}: the play check needs time to connect \
             and for the first keyframe before the window; give a longer --timeout (e.g. -t {})",
            humantime::format_duration(window),
            humantime::format_duration(o.timeout),
            humantime::format_duration(window.saturating_add(Duration::from_secs(10)))
        )));
    }
    if window.is_zero() {
        let set = thresholds
            .warning
            .items
            .iter()
            .map(|t| ("--warning", t))
            .chain(thresholds.critical.items.iter().map(|t| ("--critical", t)));
        for (flag, t) in set {
            if crate::metrics::WINDOW_METRICS.contains(&t.metric.name) {
                return Err(UsageError(format!(
                    "{flag}: {} is measured over the watch window, and without --duration the \
                     play check stops at the first keyframe; give --duration (e.g. --duration \
                     10s)",
                    t.metric.name
                )));
            }
        }
    }
    Ok(())
}

/// The play check's default critical thresholds, where `--critical` sets none of its own: a
/// stall over 2 s (`max_gap`) and any timestamp that goes backwards (docs/DECISIONS.md).
fn play_defaults(thresholds: &mut Thresholds) {
    for (name, limit) in [
        ("max_gap", DEFAULT_MAX_GAP.as_secs_f64()),
        ("backwards_timestamps", 0.0),
    ] {
        let Some(metric) = crate::metrics::definition(name) else {
            continue;
        };
        if thresholds.critical.for_metric(name).is_none() {
            thresholds.critical.items.push(Threshold {
                metric,
                range: Range::above(limit),
            });
        }
    }
}

/// What counts as a stall: the critical `max_gap` when it is an upper bound (the default 2 s
/// otherwise).
fn stall_threshold(thresholds: &Thresholds) -> Duration {
    thresholds
        .critical
        .for_metric("max_gap")
        .and_then(Range::upper_bound)
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_MAX_GAP)
}

/// Without a `cert_days` threshold at either level, the default warning one
/// ([`crate::metrics::DEFAULT_CERT_DAYS_WARNING`]); any `cert_days` threshold replaces it.
fn default_cert_days(thresholds: &mut Thresholds) {
    let named = |l: &crate::metrics::Limits| l.for_metric("cert_days").is_some();
    if named(&thresholds.warning) || named(&thresholds.critical) {
        return;
    }
    if let Some(metric) = crate::metrics::definition("cert_days") {
        thresholds.warning.items.push(crate::metrics::Threshold {
            metric,
            range: crate::metrics::DEFAULT_CERT_DAYS_WARNING,
        });
    }
}

/// 12 hex digits of SHA-256 over the target as written: stable from run to run, distinct for
/// distinct targets, and with 48 bits of a one-way hash nothing of a key can be read back from it
/// (docs/DECISIONS.md, "Every target has an id").
fn target_id(url: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(url.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// The longest string the probe sends in a command (an AMF0 string's 16-bit length).
const MAX_STRING: usize = u16::MAX as usize;

/// A name sent to the server: not empty, no white space or control character (as in a URL, where
/// they must be percent-encoded), no longer than an AMF0 string. The message never repeats it.
fn check_name(flag: &str, what: &str, value: &str) -> Result<(), UsageError> {
    if value.is_empty() {
        return Err(UsageError(format!("{flag}: the {what} is empty")));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UsageError(format!(
            "{flag}: the {what} contains a space or a control character; percent-encode it"
        )));
    }
    check_length(flag, value)
}

fn check_length(what: &str, value: &str) -> Result<(), UsageError> {
    if value.len() > MAX_STRING {
        return Err(UsageError(format!(
            "{what}: {} bytes is longer than the {MAX_STRING} bytes an RTMP command string can \
             hold",
            value.len()
        )));
    }
    Ok(())
}

/// The first line of a file that holds a secret, trimmed. The message names the file, never its
/// contents.
fn first_line(flag: &str, path: &std::path::Path) -> Result<String, UsageError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        UsageError(format!(
            "{flag}: cannot read {}: {}",
            path.display(),
            crate::session::io_words(&e)
        ))
    })?;
    let line = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or_default()
        .trim();
    if line.is_empty() {
        return Err(UsageError(format!(
            "{flag}: {} is empty (it must hold the value on its first line)",
            path.display()
        )));
    }
    Ok(line.to_string())
}

#[cfg(test)]
mod tests;
