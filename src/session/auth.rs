//! Challenge authentication in the session: when the server refuses `connect` with an
//! `authmod=adobe` or `authmod=llnw` challenge, the rounds that ffmpeg and librtmp go through,
//! driven by the sans-IO [`AuthFlow`] of `protocol::auth` (docs/ERRORS.md, "Authentication").
//!
//! Each round after the first is a new TCP connection (and TLS session) with a new handshake and
//! a `connect` that starts again at transaction id 1, as ffmpeg does: servers close after the
//! refusal. All of it is the one `connect` step; each round is recorded as an attempt with its
//! own phases (`Outcome::auth`). At most three connects: the flow answers one challenge and never
//! loops.
//!
//! Secrets: the password is masked from the start (the plan registers it); the digest and the
//! response the flow computes are added to the session's redactor as soon as they exist, before
//! the connect that carries them is logged or traced, and handed to the report with the record.

use super::driver::Session;
use super::ops::os_random;
use super::outcome::{
    AttemptResult, AuthAttempt, AuthRecord, Failure, FailureKind, Step, StepRecord,
};
use super::record::Clock;
use crate::protocol::auth::{
    parse_refusal, AuthFailureKind, AuthFlow, ConnectNames, Next, Refusal,
};
use tokio::time::Instant;

impl Session<'_> {
    /// Goes on after the first `connect` (under `first`, the step's clock) was refused with
    /// `refusal`: an ordinary refusal is handed back as it is; an authentication challenge runs
    /// the rounds until the server accepts or the flow gives up.
    pub(super) async fn authenticate(
        &mut self,
        first: &Clock,
        refusal: Failure,
    ) -> Result<(), Failure> {
        let description = refusal_description(&refusal);
        if matches!(parse_refusal(&description), Refusal::NotAuth) {
            return Err(refusal);
        }
        let cfg = self.cfg;
        let mut flow = AuthFlow::new(
            cfg.credentials.clone(),
            cfg.connect.app.clone(),
            cfg.connect.tc_url.clone(),
        );
        let mut record = AuthRecord {
            scheme: None,
            user: cfg.credentials.as_ref().map(|c| c.user().to_string()),
            attempts: Vec::new(),
            secrets: Vec::new(),
        };
        let now = Instant::now();
        let start = self
            .record
            .steps
            .iter()
            .find(|r| r.step == Step::TcpConnect)
            .map_or_else(|| self.record.offset(first.started), |r| r.start);
        let mut attempt = AuthAttempt {
            number: 1,
            start,
            duration: self.record.offset(now).saturating_sub(start),
            phases: vec![StepRecord {
                step: Step::Connect,
                start: self.record.offset(first.started),
                duration: now.saturating_duration_since(first.started),
                ok: false,
            }],
            app: cfg.connect.app.clone(),
            result: AttemptResult::Refused,
            description: Some(description),
        };
        let mut refusal = refusal;
        loop {
            let said = attempt.description.clone().unwrap_or_default();
            let next = flow.on_refusal(&said, os_random());
            // Before anything that carries them is sent, logged or traced.
            for secret in flow.secrets() {
                self.redactor.add_hidden(secret);
            }
            record.secrets = flow.secrets().into_iter().map(str::to_string).collect();
            let failed = match &next {
                Next::Fail(f) => f.scheme,
                _ => None,
            };
            record.scheme = flow.scheme().or(record.scheme).or(failed);
            attempt.result = match (&next, parse_refusal(&said)) {
                (Next::Reconnect(_), Refusal::NeedAuth { .. }) => AttemptResult::AuthRequested,
                (Next::Reconnect(_), _) => AttemptResult::Challenged,
                _ => AttemptResult::Refused,
            };
            tracing::info!(
                "connect: authentication round {} ({}): {}",
                attempt.number,
                record.scheme.map_or("-", |s| s.authmod()),
                attempt.result.name()
            );
            record.attempts.push(attempt);
            let names = match next {
                Next::Reconnect(names) => names,
                Next::NotAuth => {
                    self.outcome.auth = Some(record);
                    return Err(refusal);
                }
                Next::Fail(f) => {
                    self.outcome.auth = Some(record);
                    return Err(Failure {
                        step: Step::Connect,
                        kind: kind(f.kind),
                        message: f.message,
                        status: refusal.status,
                    });
                }
            };
            let (result, round) = self.round(flow.attempt(), names).await;
            attempt = round;
            match result {
                Ok(()) => {
                    attempt.result = AttemptResult::Accepted;
                    tracing::info!(
                        "connect: authentication round {} ({}): accepted",
                        attempt.number,
                        record.scheme.map_or("-", |s| s.authmod())
                    );
                    record.attempts.push(attempt);
                    self.outcome.auth = Some(record);
                    return Ok(());
                }
                Err(f) if f.kind == FailureKind::Rejected && f.status.is_some() => {
                    attempt.description = Some(refusal_description(&f));
                    refusal = f;
                }
                Err(f) => {
                    attempt.result = AttemptResult::Failed;
                    let number = attempt.number;
                    record.attempts.push(attempt);
                    let scheme = record.scheme.map_or("", |s| s.authmod());
                    self.outcome.auth = Some(record);
                    return Err(Failure {
                        message: format!(
                            "authentication round {number} ({scheme}): {} failed: {}",
                            f.step.name(),
                            f.message
                        ),
                        step: Step::Connect,
                        ..f
                    });
                }
            }
        }
    }

    /// One round after the first: hang up, connect again to the address that answered
    /// (`tcp_connect`, `tls`, `handshake`), and send `connect` with `names`. Its steps are the
    /// round's phases, not the session's steps.
    async fn round(
        &mut self,
        number: u8,
        names: ConnectNames,
    ) -> (Result<(), Failure>, AuthAttempt) {
        let started = Instant::now();
        self.hang_up().await;
        self.record.start_detour();
        let app = names.app.clone();
        let result = self.reconnect(names).await;
        let phases = self.record.take_detour();
        let attempt = AuthAttempt {
            number,
            start: self.record.offset(started),
            duration: started.elapsed(),
            phases,
            app,
            result: AttemptResult::Refused,
            description: None,
        };
        (result, attempt)
    }

    async fn reconnect(&mut self, names: ConnectNames) -> Result<(), Failure> {
        let address = self.outcome.address.ok_or_else(|| Failure {
            step: Step::TcpConnect,
            kind: FailureKind::Internal,
            message: "no address to connect to again".into(),
            status: None,
        })?;
        self.dial(&[address]).await?;
        self.handshake().await?;
        let mut properties = self.cfg.connect.clone();
        properties.app = names.app;
        properties.tc_url = names.tc_url;
        let clock = self.begin(Step::Connect);
        let r = self.connect_app(&clock, &properties).await;
        self.end(&clock, r.is_ok());
        r
    }
}

/// The session's kind for the way an authentication ended.
fn kind(k: AuthFailureKind) -> FailureKind {
    match k {
        AuthFailureKind::AuthRequired => FailureKind::AuthRequired,
        AuthFailureKind::AuthFailed => FailureKind::AuthFailed,
        AuthFailureKind::NoSuchUser => FailureKind::NoSuchUser,
        AuthFailureKind::AuthUnsupported => FailureKind::AuthUnsupported,
        AuthFailureKind::AuthMalformed => FailureKind::AuthMalformed,
    }
}

/// The description of a refusal's status (empty without one).
fn refusal_description(refusal: &Failure) -> String {
    refusal
        .status
        .as_ref()
        .map(|s| s.description.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_authentication_kind_is_a_session_kind_of_the_same_name() {
        for k in AuthFailureKind::ALL {
            assert_eq!(kind(k).name(), k.as_str());
        }
    }

    #[test]
    fn client_challenges_differ_from_one_refusal_to_the_next() {
        assert_ne!(os_random::<4>(), os_random::<4>());
    }
}
