//! The `tls` step of `rtmps://`: the TLS handshake on the new TCP connection, under the step's
//! deadline, with what it learned recorded for the report (`ServerInfo::tls`) and its failures
//! given their kinds (docs/ERRORS.md, "TLS"). The TLS layer itself is `tls/`; this file only
//! wires it into the session.

use super::driver::Session;
use super::outcome::{Failure, FailureKind, Step, TlsRecord};
use super::record::Deadline;
use super::tls::{self, TlsConfig, TlsFailure, TlsSessionFault, TlsStream};
use super::transport::{BoxStream, Stream};
use super::words;
use std::io;
use std::time::SystemTime;
use tokio::net::TcpStream;

impl Stream for TlsStream<TcpStream> {
    /// TCP_QUICKACK is the TCP stream's, under the TLS session.
    fn after_read(&self) {
        self.get_ref().0.get_ref().after_read();
    }

    fn session_fault(&self, error: &io::Error) -> Option<TlsSessionFault> {
        TlsSessionFault::from_io(error)
    }
}

impl Session<'_> {
    /// The `tls` step: a TLS handshake with `config` over `tcp`, ended by the step's deadline
    /// whatever the server does. Verification and the days left count from the same instant.
    /// With `--insecure`, a certificate that fails verification is a note, not a failure.
    pub(super) async fn secure(
        &mut self,
        tcp: TcpStream,
        config: &TlsConfig,
    ) -> Result<BoxStream, Failure> {
        let clock = self.begin(Step::Tls);
        let now = SystemTime::now();
        let host = self.cfg.host.as_str();
        let r = tls::handshake_at(tcp, config, host, clock.deadline.at, now).await;
        self.end(&clock, r.is_ok());
        let (stream, info) = r.map_err(|f| failure(f, &clock.deadline))?;
        if config.insecure() {
            self.note(insecure_note(info.verification_error.as_ref()));
        }
        self.outcome.server.tls = Some(TlsRecord {
            days_left: info.days_left(now),
            info,
            insecure: config.insecure(),
            roots: config.roots().clone(),
        });
        Ok(Box::new(stream))
    }
}

/// What `--insecure` let through, in words: the check went on without verification, and what
/// verification found.
fn insecure_note(found: Option<&TlsFailure>) -> String {
    match found {
        Some(f) => format!(
            "TLS certificate not verified (--insecure); verification would have failed with {}: \
             {f}",
            tls_kind(f).name()
        ),
        None => {
            "TLS certificate not verified (--insecure); it would have passed verification".into()
        }
    }
}

/// The session's kind for a TLS failure (the TLS layer's `kind_name`, as a [`FailureKind`]).
pub fn tls_kind(f: &TlsFailure) -> FailureKind {
    match f {
        TlsFailure::Untrusted { .. } => FailureKind::TlsUntrusted,
        TlsFailure::SelfSigned { .. } => FailureKind::TlsSelfSigned,
        TlsFailure::Expired { .. } => FailureKind::TlsExpired,
        TlsFailure::NotYetValid { .. } => FailureKind::TlsNotYetValid,
        TlsFailure::NameMismatch { .. } => FailureKind::TlsNameMismatch,
        TlsFailure::BadCertificate { .. } => FailureKind::TlsBadCertificate,
        TlsFailure::NoCommonProtocol { .. } => FailureKind::TlsNoCommonProtocol,
        TlsFailure::Alert { .. } => FailureKind::TlsAlert,
        TlsFailure::NotTls { .. } => FailureKind::NotTls,
        TlsFailure::Protocol { .. } => FailureKind::TlsProtocolError,
        TlsFailure::Timeout { .. } => FailureKind::Timeout,
        TlsFailure::Closed { .. } => FailureKind::Closed,
        TlsFailure::Reset => FailureKind::Reset,
        TlsFailure::Io(_) => FailureKind::Io,
        TlsFailure::Internal(_) => FailureKind::Internal,
    }
}

/// A failed `tls` step: its kind, and the layer's message, or for a timeout the session's words
/// with the bound that ran out.
fn failure(f: TlsFailure, deadline: &Deadline) -> Failure {
    let message = match f.waiting_for() {
        Some(what) => words::timeout(deadline, &what),
        None => f.to_string(),
    };
    Failure {
        step: Step::Tls,
        kind: tls_kind(&f),
        message,
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tls_kind_is_a_session_kind_of_the_same_name() {
        let failures = [
            TlsFailure::Untrusted { issuer: "x".into() },
            TlsFailure::SelfSigned {
                subject: "x".into(),
            },
            TlsFailure::BadCertificate { reason: "x".into() },
            TlsFailure::NoCommonProtocol {
                what: "version",
                offer: None,
            },
            TlsFailure::Alert {
                alert: "x".into(),
                hint: "",
            },
            TlsFailure::NotTls {
                looks_like: "x".into(),
            },
            TlsFailure::Protocol { reason: "x".into() },
            TlsFailure::Timeout { received: 0 },
            TlsFailure::Closed { received: 0 },
            TlsFailure::Reset,
            TlsFailure::Internal("x".into()),
        ];
        for f in failures {
            assert_eq!(tls_kind(&f).name(), f.kind_name(), "{f:?}");
        }
        // The layer's "io" is the session's io_error.
        assert_eq!(tls_kind(&TlsFailure::Io("x".into())), FailureKind::Io);
    }

    #[test]
    fn a_tls_timeout_says_which_bound_ran_out_and_what_it_waited_for() {
        let deadline = Deadline {
            at: tokio::time::Instant::now(),
            limit: std::time::Duration::from_millis(800),
            option: "--step-timeout",
        };
        let f = failure(TlsFailure::Timeout { received: 0 }, &deadline);
        assert_eq!((f.step, f.kind), (Step::Tls, FailureKind::Timeout));
        assert!(
            f.message.starts_with(
                "timed out after 800ms (--step-timeout) waiting for the server's answer to the \
                 TLS ClientHello"
            ),
            "{}",
            f.message
        );
    }

    #[test]
    fn the_insecure_note_says_what_verification_found() {
        let found = TlsFailure::SelfSigned {
            subject: "CN=localhost".into(),
        };
        let note = insecure_note(Some(&found));
        assert!(
            note.starts_with("TLS certificate not verified (--insecure)"),
            "{note}"
        );
        assert!(note.contains("tls_self_signed"), "{note}");
        assert!(insecure_note(None).ends_with("it would have passed verification"));
    }
}
