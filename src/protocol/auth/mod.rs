//! Challenge authentication of publishers: Adobe's (`authmod=adobe`, Wowza, FMS/AMS, crtmpserver)
//! and Limelight's (`authmod=llnw`), sans-IO.
//!
//! Both schemes work by refusing `connect` and reconnecting. The server's words come in the
//! `description` of the `_error` (code `NetConnection.Connect.Rejected`) that answers `connect`;
//! the client's words go in a query string appended to the `app` and `tcUrl` of the next `connect`.
//! Every round is a new TCP connection with its own handshake: servers close the connection after
//! the refusal, and ffmpeg and librtmp reconnect from scratch.
//!
//! ```text
//! connect 1  app=APP                          -> [ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] :
//! connect 2  app=APP?authmod=adobe&user=USER  -> [ AccessManager.Reject ] : [ authmod=adobe ] :
//!                                                ?reason=needauth&user=USER&salt=S&challenge=C&opaque=O
//!                                                (or ?reason=nosuchuser...)
//! connect 3  app=APP?authmod=adobe&user=USER&challenge=CC&response=R&opaque=O
//!                                             -> NetConnection.Connect.Success, or ...?reason=authfailed...
//! ```
//!
//! The same `?...` goes on `tcUrl`. Limelight has the same three rounds with `authmod=llnw`, a
//! challenge `?reason=needauth&user=USER&nonce=N` and an answer
//! `authmod=llnw&user=USER&nonce=N&cnonce=CN&nc=00000001&response=R`.
//!
//! # The formulas (as ffmpeg's `libavformat/rtmpproto.c` and librtmp's `rtmp.c` compute them)
//!
//! Adobe, with `user` and `salt` as the challenge gives them and `CC` the client's own challenge
//! (8 lowercase hex digits from 4 random bytes; librtmp sends 8 base64 characters instead, and
//! servers take either):
//!
//! ```text
//! digest   = base64(md5(user + salt + password))
//! response = base64(md5(digest + (opaque if the challenge has one, else challenge, else "") + CC))
//! ```
//!
//! base64 is the standard alphabet with padding (24 characters for an MD5), sent as it is (not
//! percent-encoded). `&opaque=` is sent back only when the server gave one.
//!
//! Limelight (HTTP digest, RFC 2617, with fixed parts): realm `live`, method `publish`, qop `auth`,
//! nc `00000001`, the client nonce `CN` 8 lowercase hex digits, every hash in lowercase hex:
//!
//! ```text
//! ha1      = md5hex(user + ":live:" + password)
//! ha2      = md5hex("publish:/" + app + ("/_definst_" if app has no '/'))   app without its query
//! response = md5hex(ha1 + ":" + nonce + ":00000001:" + CN + ":auth:" + ha2)
//! ```
//!
//! # What ffmpeg 5.1 sends (seen by `tests/support/auth_server.rs` in `tests/auth.rs`)
//!
//! - Each round is a new TCP connection with a new handshake, and `connect` starts again at
//!   transaction id 1.
//! - Round 2 appends `?authmod=adobe&user=USER` (or `llnw`) to both `app` and `tcUrl`, USER as
//!   written in the URL: ffmpeg neither decodes nor encodes the userinfo (`b%40b` goes as
//!   `b%40b`), and hashes the password as written too (`p%40ss` is hashed as those 6 bytes).
//! - Round 3 appends the whole answer instead, again to both: for Adobe
//!   `?authmod=adobe&user=USER&challenge=CC&response=R&opaque=O` (`&opaque=` only when the server
//!   sent one), for Limelight `?authmod=llnw&user=USER&nonce=N&cnonce=CN&nc=00000001&response=R`.
//!   USER there is the `user` of the server's challenge. base64 values go unencoded (`+`, `/`, `=`).
//! - It answers one challenge at most and gives up on `?reason=authfailed`,
//!   `?reason=nosuchuser`, and on any `authmod=` refusal when it has no credentials. It does not
//!   count "need auth" rounds: a server that answers every connect with `code=403 need auth`
//!   makes it reconnect without end.
//! - On an `app` that already has a query it appends a second `?` (`app?tok=1?authmod=...`).
//! - It reads only the first 255 bytes of a description (`tmpstr[256]` in its source).
//!
//! Where this module departs from ffmpeg, on purpose (docs/DECISIONS.md gives the reasons):
//! - [`Credentials`] hold the decoded user and password; the user is percent-encoded in round 2
//!   (everything but `A-Z a-z 0-9 - . _ ~`): for a plain user name the bytes are ffmpeg's;
//! - when `app` or `tcUrl` already has a query, the auth query is joined with `&`;
//! - a second "need auth" or a second challenge ends the flow: three connects at most;
//! - a challenge without a `user` is answered with the configured user (ffmpeg hashes an empty
//!   one); a Limelight challenge without a `nonce` is not answered
//!   ([`AuthFailureKind::AuthMalformed`]);
//! - `?reason=authfail...` counts as a refused password (librtmp's test for Limelight), and
//!   `code=403` without `?reason=` as "need auth" (Red5 writes `code=403 .need auth`);
//! - an `authmod=` name must match whole (ffmpeg's `strstr` takes `authmod=adobex` for adobe).
//!
//! # Secrets
//!
//! The password, the Adobe `digest` and the Limelight `ha1` (each stands for the password with
//! that server), and the `response` are secret: [`AuthFlow::secrets`] lists the ones known so far,
//! for the session to register with [`crate::redact::Redactor`] before anything that contains them
//! (the round-3 `connect`, its trace) is logged. The password itself never goes on the wire. The
//! salt, challenge, opaque, nonce and client nonces are not secret: they are worthless without the
//! password.
//!
//! # Hostile descriptions
//!
//! Parsing reads at most [`MAX_DESCRIPTION`] bytes of a description, keeps no value longer than
//! [`MAX_VALUE`] bytes, allocates nothing in proportion to the input beyond that, and never panics.
//! Server values are used verbatim (ffmpeg does not percent-decode them either): they go back to
//! the server inside the answer, never into output, and the scheme names and reasons that can
//! reach a message are restricted to `[A-Za-z0-9_.-]`.

use base64::Engine as _;
use md5::{Digest, Md5};
use std::fmt;

mod flow;

#[cfg(test)]
mod tests;

pub use flow::{AuthFailure, AuthFailureKind, AuthFlow, ConnectNames, Next};

/// How much of a description is read. ffmpeg reads 255 bytes; Wowza's challenges are about 150.
pub const MAX_DESCRIPTION: usize = 4096;

/// The longest value (salt, challenge, opaque, nonce, user) taken from a challenge. Longer ones
/// make the challenge [`Refusal::Malformed`]: cutting them would give a wrong answer.
pub const MAX_VALUE: usize = 512;

/// The longest scheme name or reason kept from a description (for messages).
const MAX_TOKEN: usize = 32;

/// Limelight's fixed digest parts (ffmpeg's `do_llnw_auth`, librtmp's `PublisherAuth`).
const LLNW_REALM: &str = "live";
const LLNW_METHOD: &str = "publish";
const LLNW_QOP: &str = "auth";
const LLNW_NC: &str = "00000001";
/// Appended to a one-segment application in Limelight's digest URI (Wowza's default instance).
const DEFAULT_INSTANCE: &str = "/_definst_";

/// A challenge-authentication scheme the probe speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `authmod=adobe`: Wowza, Adobe Media Server, crtmpserver, Red5's plugin.
    Adobe,
    /// `authmod=llnw`: Limelight Networks' ingest.
    Limelight,
}

impl Scheme {
    /// The `authmod` value: `adobe` or `llnw`.
    pub fn authmod(self) -> &'static str {
        match self {
            Scheme::Adobe => "adobe",
            Scheme::Limelight => "llnw",
        }
    }

    fn from_authmod(token: &str) -> Option<Scheme> {
        match token {
            "adobe" => Some(Scheme::Adobe),
            "llnw" => Some(Scheme::Limelight),
            _ => None,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.authmod())
    }
}

/// A user and password, decoded (a URL's `%40` is already `@` here). `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    user: String,
    password: String,
}

impl Credentials {
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials {
            user: user.into(),
            password: password.into(),
        }
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

/// What a `connect` refusal's description says about authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `authmod=` in it: an ordinary refusal.
    NotAuth,
    /// `authmod=` names a scheme the probe does not speak (the name, `[A-Za-z0-9_.-]`, at most
    /// 32 characters).
    Unsupported { authmod: String },
    /// `code=403 need auth; authmod=...`: send the user (round 2).
    NeedAuth { scheme: Scheme },
    /// `?reason=needauth&...`: answer the challenge (round 3).
    Challenge(Challenge),
    /// `?reason=authfailed`: the server refused the answer (wrong password).
    AuthFailed { scheme: Scheme },
    /// `?reason=nosuchuser`: the server does not know the user.
    NoSuchUser { scheme: Scheme },
    /// An `authmod=` refusal with another reason (`invalid_authmod`, `invalid_session_id`...),
    /// or none the probe can read; `reason` restricted like [`Refusal::Unsupported`]'s name.
    Other {
        scheme: Scheme,
        reason: Option<String>,
    },
    /// A challenge with a value longer than [`MAX_VALUE`] or with control characters.
    Malformed { scheme: Scheme, problem: String },
}

/// The parameters of a `?reason=needauth` challenge, verbatim. The last of repeated keys wins
/// (as in ffmpeg); unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: Scheme,
    pub user: Option<String>,
    pub salt: Option<String>,
    pub challenge: Option<String>,
    pub opaque: Option<String>,
    pub nonce: Option<String>,
}

impl Challenge {
    /// A challenge of `scheme` with no parameters yet.
    pub fn new(scheme: Scheme) -> Challenge {
        Challenge {
            scheme,
            user: None,
            salt: None,
            challenge: None,
            opaque: None,
            nonce: None,
        }
    }
}

/// Reads a refusal's description. Never panics; reads at most [`MAX_DESCRIPTION`] bytes.
pub fn parse_refusal(description: &str) -> Refusal {
    let text = prefix(description, MAX_DESCRIPTION);
    let scheme = match find_authmod(text) {
        None => return Refusal::NotAuth,
        Some(Err(other)) => return Refusal::Unsupported { authmod: other },
        Some(Ok(scheme)) => scheme,
    };
    let Some(at) = text.find("?reason=") else {
        if text.contains("code=403") {
            return Refusal::NeedAuth { scheme };
        }
        return Refusal::Other {
            scheme,
            reason: None,
        };
    };
    let query = text
        .get(at + 1..)
        .unwrap_or_default()
        .split(char::is_whitespace)
        .next()
        .unwrap_or_default();
    let mut reason = "";
    let mut challenge = Challenge::new(scheme);
    for pair in query.split('&') {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        let slot = match key {
            "reason" => {
                reason = value;
                continue;
            }
            "user" => &mut challenge.user,
            "salt" => &mut challenge.salt,
            "challenge" => &mut challenge.challenge,
            "opaque" => &mut challenge.opaque,
            "nonce" => &mut challenge.nonce,
            _ => continue,
        };
        if value.len() > MAX_VALUE {
            return Refusal::Malformed {
                scheme,
                problem: format!("its {key} is longer than {MAX_VALUE} bytes"),
            };
        }
        if value.chars().any(char::is_control) {
            return Refusal::Malformed {
                scheme,
                problem: format!("its {key} contains control characters"),
            };
        }
        *slot = Some(value.to_string());
    }
    match reason {
        "needauth" => Refusal::Challenge(challenge),
        "nosuchuser" => Refusal::NoSuchUser { scheme },
        r if r.starts_with("authfail") => Refusal::AuthFailed { scheme },
        r => Refusal::Other {
            scheme,
            reason: Some(token(r)),
        },
    }
}

/// The first `authmod=` naming a scheme the probe speaks (as ffmpeg looks for `authmod=adobe`,
/// then `authmod=llnw`), else the first other non-empty name, else `None`.
fn find_authmod(text: &str) -> Option<Result<Scheme, String>> {
    let mut other = None;
    for (at, _) in text.match_indices("authmod=") {
        let rest = text.get(at + "authmod=".len()..).unwrap_or_default();
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .unwrap_or(rest.len());
        let name = rest.get(..end).unwrap_or_default();
        if let Some(scheme) = Scheme::from_authmod(name) {
            return Some(Ok(scheme));
        }
        if other.is_none() && !name.is_empty() {
            other = Some(token(name));
        }
    }
    other.map(Err)
}

/// A server word fit for a message: `[A-Za-z0-9_.-]` only, at most 32 characters.
fn token(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .take(MAX_TOKEN)
        .collect()
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    text.get(..end).unwrap_or_default()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `base` with `query` (no leading `?`) appended: after `?`, or after `&` when `base` already
/// has a query.
pub fn with_query(base: &str, query: &str) -> String {
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{query}")
}

/// The query of round 2: `authmod=adobe&user=USER` (USER percent-encoded).
pub fn user_query(scheme: Scheme, user: &str) -> String {
    format!("authmod={}&user={}", scheme.authmod(), percent_encode(user))
}

/// The answer to a challenge: the query of round 3 and the secrets in it or behind it.
#[derive(Clone, PartialEq, Eq)]
pub struct Answer {
    /// What to append to `app` and `tcUrl` (no leading `?`).
    pub query: String,
    /// The response inside `query`: secret.
    pub response: String,
    /// Adobe's `digest` or Limelight's `ha1`: secret (it stands for the password).
    pub digest: String,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Answer { .. }")
    }
}

/// Adobe's answer to `challenge`, with `client_challenge` as the 4 random bytes of our own
/// challenge (sent as 8 lowercase hex digits). A missing salt, challenge or opaque counts as
/// empty, as in ffmpeg.
pub fn adobe_answer(
    challenge: &Challenge,
    credentials: &Credentials,
    client_challenge: [u8; 4],
) -> Answer {
    // The user as the server wrote it is the one it hashes; ffmpeg takes it from the challenge.
    let user = challenge.user.as_deref();
    let hash_user = user.unwrap_or(credentials.user());
    let salt = challenge.salt.as_deref().unwrap_or_default();
    let digest = b64(&md5_of(&[
        hash_user.as_bytes(),
        salt.as_bytes(),
        credentials.password().as_bytes(),
    ]));
    let server_part = challenge
        .opaque
        .as_deref()
        .or(challenge.challenge.as_deref())
        .unwrap_or_default();
    let ours = hex(&client_challenge);
    let response = b64(&md5_of(&[
        digest.as_bytes(),
        server_part.as_bytes(),
        ours.as_bytes(),
    ]));
    let query_user = user.map_or_else(|| percent_encode(credentials.user()), str::to_string);
    let mut query = format!("authmod=adobe&user={query_user}&challenge={ours}&response={response}");
    if let Some(opaque) = &challenge.opaque {
        query.push_str("&opaque=");
        query.push_str(opaque);
    }
    Answer {
        query,
        response,
        digest,
    }
}

/// Limelight's answer to `challenge` for the application `app` (its query, if any, is left out
/// of the digest), with `cnonce` as the 4 random bytes of the client nonce. An error says what
/// the challenge lacks (a nonce).
pub fn llnw_answer(
    challenge: &Challenge,
    credentials: &Credentials,
    app: &str,
    cnonce: [u8; 4],
) -> Result<Answer, String> {
    let nonce = challenge
        .nonce
        .as_deref()
        .ok_or_else(|| "it has no nonce".to_string())?;
    let user = challenge.user.as_deref();
    let hash_user = user.unwrap_or(credentials.user());
    let ha1 = hex(&md5_of(&[
        hash_user.as_bytes(),
        b":",
        LLNW_REALM.as_bytes(),
        b":",
        credentials.password().as_bytes(),
    ]));
    let path = app.split('?').next().unwrap_or_default();
    let instance = if path.contains('/') {
        ""
    } else {
        DEFAULT_INSTANCE
    };
    let ha2 = hex(&md5_of(&[
        LLNW_METHOD.as_bytes(),
        b":/",
        path.as_bytes(),
        instance.as_bytes(),
    ]));
    let cnonce = hex(&cnonce);
    let response = hex(&md5_of(&[
        ha1.as_bytes(),
        b":",
        nonce.as_bytes(),
        b":",
        LLNW_NC.as_bytes(),
        b":",
        cnonce.as_bytes(),
        b":",
        LLNW_QOP.as_bytes(),
        b":",
        ha2.as_bytes(),
    ]));
    let query_user = user.map_or_else(|| percent_encode(credentials.user()), str::to_string);
    let query = format!(
        "authmod=llnw&user={query_user}&nonce={nonce}&cnonce={cnonce}&nc={LLNW_NC}&response={response}"
    );
    Ok(Answer {
        query,
        response,
        digest: ha1,
    })
}

fn md5_of(parts: &[&[u8]]) -> [u8; 16] {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
