//! The report's parts for RTMPS and challenge authentication: what the `tls` step learned
//! (`server.tls`) and the rounds of an authentication (`auth`). Certificate text is the
//! server's: bounded and cleaned in `session::tls::cert`, and again here like all server text.

use super::ms;
use crate::redact::Redactor;
use crate::sanitize;
use crate::session::tls::RootSource;
use crate::session::{AuthRecord, TlsRecord};
use serde::Serialize;
use std::time::SystemTime;

#[derive(Debug, Clone, Serialize)]
pub struct TlsReport {
    /// `TLS 1.3` or `TLS 1.2`.
    pub version: &'static str,
    /// The IANA name of the cipher suite.
    pub cipher: String,
    pub alpn: Option<String>,
    /// The name sent as SNI (none for an IP address).
    pub sni: Option<String>,
    /// The name the certificate was checked against (the URL's host, or `--sni`).
    pub verified_name: String,
    /// The certificate was verified and the check depended on it: false with `--insecure`.
    pub verified: bool,
    /// `--insecure` was given.
    pub insecure: bool,
    /// With `--insecure`: the failure verification found (none: it would have passed).
    pub verification_error: Option<VerificationReport>,
    /// The server's own certificate.
    pub certificate: Option<CertificateReport>,
    /// How many certificates the server sent.
    pub chain_length: usize,
    /// The earliest expiry over the certificates the server sent (RFC 3339).
    pub chain_earliest_expiry: Option<String>,
    /// The same in seconds since 1970: blackbox_exporter's `probe_ssl_earliest_cert_expiry`.
    #[serde(skip)]
    pub chain_earliest_expiry_unix: Option<i64>,
    /// Seconds from the check's start until then (negative once expired): the time left in
    /// Prometheus's base unit.
    #[serde(skip)]
    pub expires_in_s: Option<f64>,
    /// Whole days until then: the `cert_days` metric.
    pub days_left: Option<i64>,
    pub trust_store: TrustReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerificationReport {
    /// The kind verification would have failed with (docs/ERRORS.md).
    pub kind: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertificateReport {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses it is valid for.
    pub sans: Vec<String>,
    /// Names beyond the ones listed.
    pub sans_left_out: usize,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrustReport {
    /// `system` (the bundle or directories named in `location`), `compiled` (the Mozilla roots
    /// built into the probe, where the machine has no store), or `none`.
    pub source: &'static str,
    pub location: Option<String>,
    /// Anchors from that source.
    pub anchors: usize,
    /// Anchors from `--ca-file`.
    pub ca_file_anchors: usize,
}

impl TlsReport {
    /// The report of `t`, for a check that started at `started`.
    pub fn build(t: &TlsRecord, r: &Redactor, started: SystemTime) -> TlsReport {
        let info = &t.info;
        let (source, location) = match &t.roots.source {
            RootSource::System(place) => ("system", Some(sanitize::text(place))),
            RootSource::Compiled => ("compiled", None),
            RootSource::None => ("none", None),
        };
        TlsReport {
            version: info.version,
            cipher: sanitize::field(&info.cipher),
            alpn: info.alpn.as_deref().map(sanitize::field),
            sni: info.sni.as_deref().map(sanitize::field),
            verified_name: sanitize::field(&info.verified_name),
            verified: t.verified(),
            insecure: t.insecure,
            verification_error: info
                .verification_error
                .as_ref()
                .map(|f| VerificationReport {
                    kind: crate::session::tls_kind(f).name(),
                    message: sanitize::one_line(&r.text(&f.to_string())),
                }),
            certificate: info.leaf.as_ref().map(|c| CertificateReport {
                subject: sanitize::text(&c.subject),
                issuer: sanitize::text(&c.issuer),
                sans: c.sans.iter().map(|n| sanitize::text(n)).collect(),
                sans_left_out: c.sans_left_out,
                not_before: c.not_before.to_string(),
                not_after: c.not_after.to_string(),
                days_left: c.days_left,
            }),
            chain_length: info.chain_len,
            chain_earliest_expiry: info.chain_earliest_expiry.map(|e| e.to_string()),
            chain_earliest_expiry_unix: info.chain_earliest_expiry.map(|e| e.unix()),
            expires_in_s: info.chain_earliest_expiry.map(|e| {
                let start = started
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64());
                e.unix() as f64 - start
            }),
            days_left: t.days_left,
            trust_store: TrustReport {
                source,
                location,
                anchors: t.roots.base,
                ca_file_anchors: t.roots.ca_files,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthReport {
    /// `adobe` or `llnw`, once the server said which.
    pub scheme: Option<&'static str>,
    /// The user the probe authenticated as.
    pub user: Option<String>,
    /// Each `connect`, on its own connection, in order.
    pub attempts: Vec<AttemptReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttemptReport {
    /// 1, 2 or 3.
    pub attempt: u8,
    pub start_ms: f64,
    pub duration_ms: f64,
    /// What the round did: `tcp_connect`, `tls`, `handshake` (rounds 2 and 3; the first
    /// round's are the report's own steps), `connect`.
    pub phases: Vec<PhaseReport>,
    /// The `app` this connect sent, with the authentication query (the response masked).
    pub app: String,
    /// `accepted`, `auth_requested`, `challenged`, `refused` or `failed`.
    pub result: &'static str,
    /// The server's refusal, as it described it.
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhaseReport {
    pub name: &'static str,
    pub ok: bool,
    pub start_ms: f64,
    pub duration_ms: f64,
}

impl AuthReport {
    pub fn build(a: &AuthRecord, r: &Redactor) -> AuthReport {
        AuthReport {
            scheme: a.scheme.map(|s| s.authmod()),
            user: a.user.as_deref().map(|u| sanitize::field(&r.text(u))),
            attempts: a
                .attempts
                .iter()
                .map(|at| AttemptReport {
                    attempt: at.number,
                    start_ms: ms(at.start),
                    duration_ms: ms(at.duration),
                    phases: at
                        .phases
                        .iter()
                        .map(|p| PhaseReport {
                            name: p.step.name(),
                            ok: p.ok,
                            start_ms: ms(p.start),
                            duration_ms: ms(p.duration),
                        })
                        .collect(),
                    app: sanitize::text(&r.text(&at.app)),
                    result: at.result.name(),
                    description: at
                        .description
                        .as_deref()
                        .map(|d| sanitize::text(&r.text(d))),
                })
                .collect(),
        }
    }
}

/// The redactor of a report: the probe's, with the secrets an authentication computed.
pub fn redactor(base: &Redactor, auth: Option<&AuthRecord>) -> Option<Redactor> {
    let secrets = &auth?.secrets;
    if secrets.is_empty() {
        return None;
    }
    let mut r = base.clone();
    for s in secrets {
        r.add_hidden(s);
    }
    Some(r)
}

/// The TLS step's lines of the text format and the Nagios long output.
pub fn tls_lines(t: &TlsReport) -> Vec<String> {
    let mut lines = Vec::new();
    let sni = t
        .sni
        .as_deref()
        .map_or("no SNI".to_string(), |n| format!("SNI {n}"));
    let verified = match (t.verified, &t.verification_error) {
        (true, _) => format!("certificate verified for {}", t.verified_name),
        (false, Some(e)) => format!(
            "certificate NOT verified (--insecure; it fails: {})",
            e.kind
        ),
        (false, None) => "certificate NOT verified (--insecure; it would pass)".to_string(),
    };
    lines.push(format!(
        "tls: {}, {}, {sni}, {verified}",
        t.version, t.cipher
    ));
    if let Some(c) = &t.certificate {
        let mut names = c.sans.join(", ");
        if c.sans_left_out > 0 {
            names.push_str(&format!(" and {} more", c.sans_left_out));
        }
        lines.push(format!(
            "certificate: {}; issued by {}; names {}; valid {} to {} ({} days left)",
            c.subject,
            c.issuer,
            if names.is_empty() { "none" } else { &names },
            c.not_before,
            c.not_after,
            c.days_left
        ));
    }
    let store = match (&t.trust_store.location, t.trust_store.source) {
        (Some(place), _) => format!("the system store {place} ({})", t.trust_store.anchors),
        (None, "compiled") => format!("the compiled-in roots ({})", t.trust_store.anchors),
        (None, _) => "no system store".to_string(),
    };
    let extra = match t.trust_store.ca_file_anchors {
        0 => String::new(),
        n => format!(" + {n} from --ca-file"),
    };
    lines.push(format!(
        "tls chain: {} certificate{}, earliest expiry {} ({} days left); trusting {store}{extra}",
        t.chain_length,
        if t.chain_length == 1 { "" } else { "s" },
        t.chain_earliest_expiry.as_deref().unwrap_or("-"),
        t.days_left.map_or("-".to_string(), |d| d.to_string()),
    ));
    lines
}

/// The authentication's lines: one per round.
pub fn auth_lines(a: &AuthReport) -> Vec<String> {
    let scheme = a.scheme.unwrap_or("-");
    let user = a.user.as_deref().unwrap_or("no user");
    a.attempts
        .iter()
        .map(|at| {
            let phases: Vec<String> = at
                .phases
                .iter()
                .map(|p| format!("{} {:.3} ms", p.name, p.duration_ms))
                .collect();
            let said = at
                .description
                .as_deref()
                .map(|d| format!(": \"{}\"", d.replace('"', "\\\"")))
                .unwrap_or_default();
            format!(
                "auth connect {} ({scheme}, {user}): {} in {:.3} ms ({}), app \"{}\"{said}",
                at.attempt,
                at.result,
                at.duration_ms,
                phases.join(", "),
                at.app
            )
        })
        .collect()
}
