//! The rounds of one session's authentication: a pure state machine over refusals.

use super::{adobe_answer, llnw_answer, parse_refusal, user_query, with_query};
use super::{Answer, Credentials, Refusal, Scheme};
use std::fmt;

/// `app` and `tcUrl` as one round's `connect` sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectNames {
    pub app: String,
    pub tc_url: String,
}

/// Why authentication ended the check. docs/ERRORS.md ("Authentication") describes each; all are CRITICAL but `auth_unsupported` (UNKNOWN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailureKind {
    /// The server wants authentication and no credentials were given.
    AuthRequired,
    /// The server refused the answer (wrong password), or challenged again after it.
    AuthFailed,
    /// The server does not know the user.
    NoSuchUser,
    /// The server wants a scheme the probe does not speak.
    AuthUnsupported,
    /// The server's challenge cannot be answered (no nonce, oversized values, a scheme switch).
    AuthMalformed,
}

impl AuthFailureKind {
    /// Every kind, in the order of docs/ERRORS.md.
    pub const ALL: [AuthFailureKind; 5] = [
        AuthFailureKind::AuthRequired,
        AuthFailureKind::AuthFailed,
        AuthFailureKind::NoSuchUser,
        AuthFailureKind::AuthUnsupported,
        AuthFailureKind::AuthMalformed,
    ];

    /// The stable `kind` string of the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFailureKind::AuthRequired => "auth_required",
            AuthFailureKind::AuthFailed => "auth_failed",
            AuthFailureKind::NoSuchUser => "no_such_user",
            AuthFailureKind::AuthUnsupported => "auth_unsupported",
            AuthFailureKind::AuthMalformed => "auth_malformed",
        }
    }
}

/// The end of an authentication that failed: a kind and a one-line message that says what to do.
/// The message holds no secret and no server text but scheme names and reasons (`[A-Za-z0-9_.-]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    pub kind: AuthFailureKind,
    pub scheme: Option<Scheme>,
    pub message: String,
}

impl AuthFailure {
    fn new(kind: AuthFailureKind, scheme: Option<Scheme>, message: String) -> AuthFailure {
        AuthFailure {
            kind,
            scheme,
            message,
        }
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What the session does after a refused `connect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Close this connection, open a new one (TCP, handshake) and send `connect` with these.
    Reconnect(ConnectNames),
    /// Stop: the check fails with this.
    Fail(AuthFailure),
    /// Not about authentication: report the refusal as it is (kind `rejected`).
    NotAuth,
}

/// Where a flow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Round 1: no query yet.
    Plain,
    /// Round 2 sent the user.
    SentUser(Scheme),
    /// Round 3 sent the answer.
    SentAnswer(Scheme),
    /// Gave up, or passed the refusal on: no more rounds.
    Done,
}

/// The rounds of one session's authentication, as a pure state machine: the session sends
/// `connect` with [`AuthFlow::connect_names`], and on a refusal asks [`AuthFlow::on_refusal`]
/// what to do. It asks for at most two reconnects (three connects), answers at most one
/// challenge, and once it said [`Next::Fail`] or [`Next::NotAuth`] it never says
/// [`Next::Reconnect`] again.
#[derive(Clone)]
pub struct AuthFlow {
    credentials: Option<Credentials>,
    app: String,
    tc_url: String,
    stage: Stage,
    /// The query of the round to send (none in round 1).
    query: Option<String>,
    attempt: u8,
    answer: Option<Answer>,
}

impl fmt::Debug for AuthFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthFlow")
            .field("credentials", &self.credentials)
            .field("app", &self.app)
            .field("stage", &self.stage)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

impl AuthFlow {
    /// A flow for a session whose `connect` would send `app` and `tc_url` without authentication.
    pub fn new(
        credentials: Option<Credentials>,
        app: impl Into<String>,
        tc_url: impl Into<String>,
    ) -> AuthFlow {
        AuthFlow {
            credentials,
            app: app.into(),
            tc_url: tc_url.into(),
            stage: Stage::Plain,
            query: None,
            attempt: 1,
            answer: None,
        }
    }

    /// The number of the `connect` to send now: 1, 2 or 3.
    pub fn attempt(&self) -> u8 {
        self.attempt
    }

    /// The scheme the server asked for, once it did.
    pub fn scheme(&self) -> Option<Scheme> {
        match self.stage {
            Stage::SentUser(scheme) | Stage::SentAnswer(scheme) => Some(scheme),
            Stage::Plain | Stage::Done => None,
        }
    }

    /// `app` and `tcUrl` for the `connect` to send now.
    pub fn connect_names(&self) -> ConnectNames {
        match &self.query {
            None => ConnectNames {
                app: self.app.clone(),
                tc_url: self.tc_url.clone(),
            },
            Some(query) => ConnectNames {
                app: with_query(&self.app, query),
                tc_url: with_query(&self.tc_url, query),
            },
        }
    }

    /// The secrets known so far: the password, then (once a challenge was answered) the digest
    /// and the response. Register each with the run's `Redactor` after every call to
    /// [`AuthFlow::on_refusal`], before logging the `connect` that follows.
    pub fn secrets(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if let Some(credentials) = &self.credentials {
            out.push(credentials.password());
        }
        if let Some(answer) = &self.answer {
            out.push(answer.digest.as_str());
            out.push(answer.response.as_str());
        }
        out
    }

    /// What to do after the server refused the `connect` of [`AuthFlow::attempt`] with
    /// `description`. `random` is 4 fresh random bytes: the client challenge (Adobe) or nonce
    /// (Limelight) if this refusal is a challenge; ignored otherwise.
    pub fn on_refusal(&mut self, description: &str, random: [u8; 4]) -> Next {
        let next = self.decide(parse_refusal(description), random);
        match &next {
            Next::Reconnect(_) => self.attempt = self.attempt.saturating_add(1),
            Next::Fail(_) | Next::NotAuth => self.stage = Stage::Done,
        }
        next
    }

    fn decide(&mut self, refusal: Refusal, random: [u8; 4]) -> Next {
        use AuthFailureKind as K;
        let scheme = match &refusal {
            Refusal::NotAuth => return Next::NotAuth,
            Refusal::Unsupported { authmod } => {
                return fail(
                    K::AuthUnsupported,
                    None,
                    format!(
                        "the server wants authentication with authmod={authmod}, which rtmp-probe does not speak (it speaks adobe and llnw)"
                    ),
                )
            }
            Refusal::NeedAuth { scheme }
            | Refusal::AuthFailed { scheme }
            | Refusal::NoSuchUser { scheme }
            | Refusal::Other { scheme, .. }
            | Refusal::Malformed { scheme, .. } => *scheme,
            Refusal::Challenge(challenge) => challenge.scheme,
        };
        if self.stage == Stage::Done {
            return fail(
                K::AuthFailed,
                Some(scheme),
                format!("authentication ({scheme}) already ended; rtmp-probe does not retry"),
            );
        }
        let Some(credentials) = self.credentials.clone() else {
            return fail(
                K::AuthRequired,
                Some(scheme),
                format!(
                    "the server wants authentication ({scheme}): give a user and password (rtmp://USER:PASSWORD@HOST/..., or --user with --password-file)"
                ),
            );
        };
        if let Some(asked) = self.scheme() {
            if asked != scheme {
                return fail(
                    K::AuthMalformed,
                    Some(scheme),
                    format!("the server asked for {asked} authentication, then for {scheme}"),
                );
            }
        }
        match refusal {
            // Answered above.
            Refusal::NotAuth | Refusal::Unsupported { .. } => Next::NotAuth,
            Refusal::AuthFailed { .. } => fail(
                K::AuthFailed,
                Some(scheme),
                format!(
                    "authentication failed ({scheme}): the server refused the password (reason=authfailed); check the password"
                ),
            ),
            Refusal::NoSuchUser { .. } => fail(
                K::NoSuchUser,
                Some(scheme),
                format!(
                    "authentication failed ({scheme}): the server does not know the user (reason=nosuchuser); check the user name"
                ),
            ),
            Refusal::Other { reason, .. } => fail(
                K::AuthFailed,
                Some(scheme),
                match reason {
                    Some(reason) => format!(
                        "authentication failed ({scheme}): the server refused it (reason={reason})"
                    ),
                    None => format!(
                        "authentication failed ({scheme}): the server refused it without a reason rtmp-probe knows"
                    ),
                },
            ),
            Refusal::Malformed { problem, .. } => fail(
                K::AuthMalformed,
                Some(scheme),
                format!("the server's {scheme} challenge cannot be answered: {problem}"),
            ),
            Refusal::NeedAuth { .. } => match self.stage {
                Stage::Plain => {
                    self.query = Some(user_query(scheme, credentials.user()));
                    self.stage = Stage::SentUser(scheme);
                    Next::Reconnect(self.connect_names())
                }
                _ => fail(
                    K::AuthFailed,
                    Some(scheme),
                    format!(
                        "authentication failed ({scheme}): the server asked for the user again after it was sent; check the user name and password"
                    ),
                ),
            },
            Refusal::Challenge(challenge) => match self.stage {
                Stage::Plain | Stage::SentUser(_) => {
                    let answer = match scheme {
                        Scheme::Adobe => Ok(adobe_answer(&challenge, &credentials, random)),
                        Scheme::Limelight => {
                            llnw_answer(&challenge, &credentials, &self.app, random)
                        }
                    };
                    match answer {
                        Ok(answer) => {
                            self.query = Some(answer.query.clone());
                            self.answer = Some(answer);
                            self.stage = Stage::SentAnswer(scheme);
                            Next::Reconnect(self.connect_names())
                        }
                        Err(problem) => fail(
                            K::AuthMalformed,
                            Some(scheme),
                            format!("the server's {scheme} challenge cannot be answered: {problem}"),
                        ),
                    }
                }
                Stage::SentAnswer(_) | Stage::Done => fail(
                    K::AuthFailed,
                    Some(scheme),
                    format!(
                        "authentication failed ({scheme}): the server challenged again after the answer (rtmp-probe answers one challenge); check the password"
                    ),
                ),
            },
        }
    }
}

fn fail(kind: AuthFailureKind, scheme: Option<Scheme>, message: String) -> Next {
    Next::Fail(AuthFailure::new(kind, scheme, message))
}
