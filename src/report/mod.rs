//! The result model and its renderers. Redaction happens here, once, when the model is built:
//! renderers only ever see masked values (unless `--show-secrets`).

pub mod media;
mod nagios;
mod prometheus;
mod published;
pub mod roundtrip;
pub mod secure;
mod summary;
mod text;
mod unknown;

pub use nagios::{render as nagios, render_many as nagios_many};
pub use prometheus::{
    base_value as prometheus_value, metric_name as prometheus_metric_name, render as prometheus,
    unit_words as prometheus_unit_words,
};
pub use published::{AudioSent, EnhancedReport, InfoMap, PublishedReport, VideoSent};
pub use secure::{AuthReport, TlsReport};
pub use text::render as text;
pub use unknown::{render as unknown, NotRun};

use crate::metrics::{Range, Unit};
use crate::plan::Probe;
use crate::protocol::message::LimitType;
use crate::sanitize;
use crate::session::Outcome;
use crate::verdict::{State, Thresholds, Verdict};
use serde::Serialize;
use std::time::Duration;

/// Bumped when a field changes meaning or disappears; new fields do not bump it.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub probe: ProbeInfo,
    pub target: TargetReport,
    pub mode: &'static str,
    /// The verdict; `status` and `exit_code` are its name and code.
    #[serde(skip)]
    pub state: State,
    pub status: &'static str,
    pub exit_code: i32,
    /// The summary of the Nagios line, without the `RTMP <STATE> - ` prefix.
    pub summary: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub total_ms: f64,
    pub timeout_ms: f64,
    pub total_warning_ms: Option<f64>,
    pub total_critical_ms: Option<f64>,
    pub steps: Vec<StepReport>,
    pub server: ServerReport,
    /// The rounds of a challenge authentication, when the server asked for one.
    pub auth: Option<AuthReport>,
    /// What the publish sent after `Publish.Start`: `null` when it got no further (and for
    /// connect checks).
    pub published: Option<PublishedReport>,
    pub error: Option<ErrorReport>,
    /// Threshold crossings for people, e.g. "connect 4.100 ms > 3.000 ms".
    pub thresholds_crossed: Vec<String>,
    /// The same crossings as data.
    pub crossings: Vec<CrossingReport>,
    /// Every measured value with its thresholds (the steps that ran, failed ones too, and the
    /// total): what perfdata and the Prometheus output carry.
    pub metrics: Vec<MetricReport>,
    pub notes: Vec<String>,
    /// What a play saw of the media (null in the other modes, and when `play` failed).
    pub media: Option<media::MediaReport>,
    /// What came back of a round trip (null in the other modes, and when its player never got
    /// `Play.Start`).
    pub roundtrip: Option<roundtrip::RoundtripReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CrossingReport {
    pub metric: &'static str,
    pub value: f64,
    pub unit: &'static str,
    /// The range crossed, as perfdata writes it (`0.2`, `10:`, `@1:2`), in the metric's unit.
    pub range: String,
    pub state: State,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricReport {
    pub name: &'static str,
    pub value: f64,
    /// `s`, `bit/s`, `1/s`, `d` or `` (a count).
    pub unit: &'static str,
    /// The warning and critical ranges, as perfdata writes them.
    pub warning: Option<String>,
    pub critical: Option<String>,
    #[serde(skip)]
    pub kind: Unit,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProbeInfo {
    pub name: &'static str,
    pub version: &'static str,
}

impl ProbeInfo {
    /// This program's name and version.
    pub fn this() -> ProbeInfo {
        ProbeInfo {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    /// A stable, secret-free name of the target (see `plan::Probe::id`).
    pub id: String,
    /// The URL with secrets masked.
    pub url: String,
    pub host: String,
    pub port: u16,
    pub app: String,
    pub stream: Option<String>,
    /// The address connected to, `ip:port`.
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub name: &'static str,
    pub ok: bool,
    pub start_ms: f64,
    pub duration_ms: f64,
    pub warning_ms: Option<f64>,
    pub critical_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerReport {
    /// What the TLS step learned (`rtmps://`).
    pub tls: Option<TlsReport>,
    pub handshake: Option<HandshakeReport>,
    pub fms_ver: Option<String>,
    pub capabilities: Option<f64>,
    pub window_ack_size: Option<u32>,
    pub peer_bandwidth: Option<PeerBandwidthReport>,
    pub chunk_size: Option<u32>,
    pub stream_id: Option<u32>,
    /// The Enhanced RTMP codecs the connect reply advertised (`null`: none of those properties).
    pub enhanced: Option<EnhancedReport>,
    pub acknowledgements_sent: u32,
    pub pings_answered: u32,
    /// How the teardown ended: confirmed, closed, not_confirmed or reset (never a failure).
    pub teardown: Option<&'static str>,
    pub statuses: Vec<StatusReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HandshakeReport {
    pub s0_version: u8,
    pub s1_time: u32,
    pub s1_version: String,
    pub digest_scheme: Option<u8>,
    pub s2_echoes_c1: bool,
    pub s2_digest_valid: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeerBandwidthReport {
    pub size: u32,
    pub limit_type: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub step: &'static str,
    pub command: String,
    pub level: String,
    pub code: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorReport {
    pub step: &'static str,
    /// One of the stable kinds in docs/ERRORS.md.
    pub kind: &'static str,
    pub message: String,
    pub code: Option<String>,
    pub description: Option<String>,
}

pub(crate) fn ms(d: Duration) -> f64 {
    // Microsecond resolution, as measured.
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

impl Report {
    /// Builds the model of one run, masking secrets.
    pub fn build(probe: &Probe, outcome: &Outcome, verdict: &Verdict) -> Report {
        let with_auth = secure::redactor(&probe.session.redactor, outcome.auth.as_ref());
        let r = with_auth.as_ref().unwrap_or(&probe.session.redactor);
        let t = &probe.target;
        let th = &probe.thresholds;
        let steps = outcome
            .steps
            .iter()
            .map(|s| StepReport {
                name: s.step.name(),
                ok: s.ok,
                start_ms: ms(s.start),
                duration_ms: ms(s.duration),
                warning_ms: upper_ms(th.warning.for_metric(s.step.name())),
                critical_ms: upper_ms(th.critical.for_metric(s.step.name())),
            })
            .collect();
        let mut measured: Vec<(&'static str, Unit, f64)> = outcome
            .steps
            .iter()
            .map(|s| (s.step.name(), Unit::Seconds, s.duration.as_secs_f64()))
            .collect();
        measured.push(("total", Unit::Seconds, outcome.total.as_secs_f64()));
        measured.extend(
            crate::verdict::measured(outcome)
                .into_iter()
                .map(|m| (m.name, m.unit, m.value)),
        );
        let metrics = measured
            .into_iter()
            .map(|(name, kind, value)| metric_report(name, kind, value, th))
            .collect();
        let server = &outcome.server;
        let server = ServerReport {
            tls: server
                .tls
                .as_ref()
                .map(|t| TlsReport::build(t, r, outcome.started_at)),
            handshake: server.handshake.as_ref().map(|h| HandshakeReport {
                s0_version: h.s0_version,
                s1_time: h.s1_time,
                s1_version: h.s1_version_dotted().to_string(),
                digest_scheme: h.digest_scheme,
                s2_echoes_c1: h.s2_echoes_c1,
                s2_digest_valid: h.s2_digest_valid,
            }),
            fms_ver: server
                .fms_ver
                .as_deref()
                .map(|v| sanitize::field(&r.text(v))),
            capabilities: server.capabilities,
            window_ack_size: server.window_ack_size,
            peer_bandwidth: server
                .peer_bandwidth
                .map(|(size, limit)| PeerBandwidthReport {
                    size,
                    limit_type: limit_name(limit),
                }),
            chunk_size: server.chunk_size,
            stream_id: server.stream_id,
            enhanced: server
                .enhanced
                .as_ref()
                .map(|a| EnhancedReport::build(a, r)),
            acknowledgements_sent: server.acknowledgements_sent,
            pings_answered: server.pings_answered,
            teardown: server.teardown.map(|t| t.name()),
            statuses: server
                .statuses
                .iter()
                .map(|s| StatusReport {
                    step: s.step.name(),
                    command: sanitize::field(&r.text(&s.command)),
                    level: sanitize::field(&r.text(&s.status.level)),
                    code: sanitize::field(&r.text(&s.status.code)),
                    description: sanitize::text(&r.text(&s.status.description)),
                })
                .collect(),
        };
        let error = outcome.failure.as_ref().map(|f| ErrorReport {
            step: f.step.name(),
            kind: f.kind.name(),
            message: sanitize::one_line(&r.text(&f.message)),
            code: f.status.as_ref().map(|s| sanitize::field(&r.text(&s.code))),
            description: f
                .status
                .as_ref()
                .map(|s| sanitize::text(&r.text(&s.description))),
        });
        let media = outcome.media.as_ref().map(|m| media::build(m, r));
        let summary = summary::summary(probe, outcome, verdict, r, media.as_ref());
        Report {
            schema_version: SCHEMA_VERSION,
            probe: ProbeInfo::this(),
            target: TargetReport {
                id: probe.id.clone(),
                url: t.redacted_url(r),
                host: t.host.clone(),
                port: t.port,
                app: t.redacted_app(r),
                stream: probe
                    .session
                    .stream
                    .as_deref()
                    .map(|s| redact_stream(s, probe)),
                address: outcome.address.map(|a| a.to_string()),
            },
            mode: probe.session.mode.name(),
            state: verdict.state,
            status: verdict.state.name(),
            exit_code: verdict.state.code(),
            summary: sanitize::one_line(&r.text(&summary)),
            started_at: humantime::format_rfc3339_micros(outcome.started_at).to_string(),
            total_ms: ms(outcome.total),
            timeout_ms: ms(probe.session.timeout),
            total_warning_ms: upper_ms(th.warning.for_metric("total")),
            total_critical_ms: upper_ms(th.critical.for_metric("total")),
            steps,
            server,
            auth: outcome.auth.as_ref().map(|a| AuthReport::build(a, r)),
            published: outcome.published.as_ref().map(PublishedReport::build),
            error,
            thresholds_crossed: verdict.crossings.iter().map(|c| c.describe()).collect(),
            crossings: verdict
                .crossings
                .iter()
                .map(|c| CrossingReport {
                    metric: c.metric,
                    value: c.value,
                    unit: unit_name(c.unit),
                    range: c.range.perfdata(),
                    state: c.state,
                })
                .collect(),
            metrics,
            notes: outcome
                .notes
                .iter()
                .map(|n| sanitize::one_line(&r.text(n)))
                .collect(),
            media,
            roundtrip: outcome
                .roundtrip
                .as_ref()
                .map(roundtrip::RoundtripReport::build),
        }
    }

    /// The JSON rendering: one object on one line.
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!("{{\"schema_version\":{SCHEMA_VERSION},\"status\":\"UNKNOWN\",\"exit_code\":3,\"summary\":\"cannot render JSON: {e}\"}}")
        })
    }
}

/// The upper end of a plain upper-bound range, in milliseconds (what `warning_ms` holds).
fn upper_ms(range: Option<&Range>) -> Option<f64> {
    range
        .and_then(Range::upper_bound)
        .map(|s| ms(std::time::Duration::from_secs_f64(s.max(0.0))))
}

fn unit_name(unit: Unit) -> &'static str {
    match unit {
        Unit::Seconds => "s",
        Unit::BitsPerSecond => "bit/s",
        Unit::PerSecond => "1/s",
        Unit::Days => "d",
        Unit::Count => "",
    }
}

fn metric_report(name: &'static str, kind: Unit, value: f64, th: &Thresholds) -> MetricReport {
    MetricReport {
        name,
        value,
        unit: unit_name(kind),
        warning: th.warning.for_metric(name).map(Range::perfdata),
        critical: th.critical.for_metric(name).map(Range::perfdata),
        kind,
    }
}

/// The stream name as published (placeholders expanded), masked.
fn redact_stream(stream: &str, probe: &Probe) -> String {
    crate::target::redact_name(stream, &probe.session.redactor)
}

fn limit_name(l: LimitType) -> String {
    match l {
        LimitType::Hard => "hard".into(),
        LimitType::Soft => "soft".into(),
        LimitType::Dynamic => "dynamic".into(),
        LimitType::Other(n) => format!("other({n})"),
    }
}
