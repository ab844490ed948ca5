//! A scripted RTMP server that authenticates publishers as Wowza does (`authmod=adobe`) or as
//! Limelight does (`authmod=llnw`), then serves a publish session.
//!
//! Each `connect` is judged on its own connection, from the query on its `app` (the one ffmpeg
//! and librtmp put on both `app` and `tcUrl`):
//!
//! - no `authmod`: `_error` `NetConnection.Connect.Rejected` with
//!   `[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : `, then close;
//! - `authmod=...&user=U` with no response: U unknown, `?reason=nosuchuser`; else a challenge
//!   made for this session, `?reason=needauth&user=U&salt=S&challenge=C&opaque=O` (adobe; the
//!   challenge and the opaque differ, so a client that hashes the wrong one fails) or
//!   `?reason=needauth&user=U&nonce=N` (llnw), remembered until answered;
//! - an answer: checked against the remembered challenge; wrong, `?reason=authfailed`; right,
//!   Connect.Success, and then `createStream`, `publish` (Publish.Start), ping and `deleteStream`
//!   (Unpublish.Success) are served until the client closes.
//!
//! The server computes the expected answers itself, with its own code (MD5 from the md-5 crate,
//! base64 and hex written here), never with `rtmp_probe::protocol::auth`: the probe's scheme and
//! this server cannot share a bug, and ffmpeg authenticating against this server
//! (`tests/auth.rs`) proves the server right. Salts, challenges, opaques and nonces come from the
//! OS random source, fresh for every challenge.

use super::script::{
    connect_result, create_stream_result, error_reply, on_status, serve_n, Conn, Served,
    Transcript, CSID_NGINX_STATUS,
};
use md5::{Digest, Md5};
use rtmp_probe::protocol::command::Command;
use rtmp_probe::protocol::message::{Message, UserControl};
use std::io;
use std::sync::{Arc, Mutex};

/// How many connections a server serves: three rounds and one spare, to catch a client that
/// tries once too often.
const CONNECTIONS: usize = 4;

/// The scheme a server asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMod {
    Adobe,
    Llnw,
}

impl AuthMod {
    pub fn name(self) -> &'static str {
        match self {
            AuthMod::Adobe => "adobe",
            AuthMod::Llnw => "llnw",
        }
    }
}

/// How the server judged one connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No authmod: refused with `code=403 need auth`.
    NeedAuth,
    /// The user was known: refused with a challenge.
    Challenged { user: String },
    /// The user was unknown: refused with `reason=nosuchuser`.
    NoSuchUser { user: String },
    /// An answer that was wrong, or to no challenge of ours: refused with `reason=authfailed`.
    AuthFailed { user: String },
    /// A right answer: Connect.Success.
    Accepted { user: String },
    /// Another authmod than ours, or a query without a user: refused with
    /// `reason=invalid_authmod`.
    Invalid,
}

/// One connection as the server saw it.
#[derive(Debug, Clone)]
pub struct Round {
    /// 1 for the first connect the server judged, 2 for the next...
    pub number: usize,
    /// `app` and `tcUrl` of its connect.
    pub app: String,
    pub tc_url: String,
    /// The query of `app`, split into pairs.
    pub query: Vec<(String, String)>,
    pub verdict: Verdict,
    /// What the server said in its refusal, if it refused.
    pub description: Option<String>,
    /// After Connect.Success: the stream name of `publish`, if one came.
    pub published: Option<String>,
    /// After Connect.Success: audio, video and data messages received.
    pub media_messages: usize,
}

impl Round {
    /// The value of `key` in the query.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A challenge the server issued and waits to see answered.
#[derive(Debug, Clone)]
struct Issued {
    user: String,
    salt: String,
    challenge: String,
    opaque: String,
    nonce: String,
}

struct Shared {
    authmod: AuthMod,
    users: Vec<(String, String)>,
    issued: Vec<Issued>,
    /// How many connects were judged.
    judged: usize,
    rounds: Vec<Round>,
}

/// A running authenticating server; see the module docs.
pub struct AuthServer {
    served: Served,
    shared: Arc<Mutex<Shared>>,
}

/// What a server saw, once it stopped.
#[derive(Debug)]
pub struct AuthLog {
    /// One per connection that sent connect, in the order of their connects.
    pub rounds: Vec<Round>,
    pub transcripts: Vec<Transcript>,
}

impl AuthLog {
    pub fn verdicts(&self) -> Vec<Verdict> {
        self.rounds.iter().map(|r| r.verdict.clone()).collect()
    }
}

impl AuthServer {
    /// A server asking for `authmod`, knowing `users` (user, password).
    pub fn start(authmod: AuthMod, users: &[(&str, &str)]) -> AuthServer {
        AuthServer::serving(CONNECTIONS, authmod, users)
    }

    /// [`AuthServer::start`] for `connections` connections (a daemon that checks again and
    /// again).
    pub fn serving(connections: usize, authmod: AuthMod, users: &[(&str, &str)]) -> AuthServer {
        let shared = Arc::new(Mutex::new(Shared {
            authmod,
            users: users
                .iter()
                .map(|(u, p)| (u.to_string(), p.to_string()))
                .collect(),
            issued: Vec::new(),
            judged: 0,
            rounds: Vec::new(),
        }));
        let for_script = Arc::clone(&shared);
        let served = serve_n(connections, move |conn| serve(conn, &for_script));
        AuthServer { served, shared }
    }

    pub fn port(&self) -> u16 {
        self.served.port()
    }

    /// `rtmp://[USER:PASSWORD@]127.0.0.1:PORT/app/stream`.
    pub fn url(&self, credentials: Option<(&str, &str)>, app: &str, stream: &str) -> String {
        let userinfo = credentials.map_or(String::new(), |(u, p)| format!("{u}:{p}@"));
        format!("rtmp://{userinfo}127.0.0.1:{}/{app}/{stream}", self.port())
    }

    /// Waits for the connections to end (failing the test if a script panicked) and returns what
    /// the server saw.
    pub fn finish(self) -> AuthLog {
        let transcripts = self.served.finish();
        let mut rounds = std::mem::take(&mut self.shared.lock().expect("auth server state").rounds);
        rounds.sort_by_key(|r| r.number);
        AuthLog {
            rounds,
            transcripts,
        }
    }
}

/// What to do with a connect.
enum Decision {
    Refuse(String),
    Accept,
}

fn serve(conn: &mut Conn, shared: &Mutex<Shared>) -> io::Result<()> {
    conn.handshake()?;
    let connect = conn.wait_command("connect")?;
    let field = |name: &str| {
        connect
            .command_object
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let (app, tc_url) = (field("app"), field("tcUrl"));
    let query = split_query(app.split_once('?').map_or("", |(_, q)| q));
    let (number, verdict, decision) = judge(shared, &app, &query);
    let mut round = Round {
        number,
        app,
        tc_url,
        query,
        verdict,
        description: None,
        published: None,
        media_messages: 0,
    };
    let result = match decision {
        Decision::Refuse(description) => {
            round.description = Some(description.clone());
            refuse(conn, &connect, &description)
        }
        Decision::Accept => conn
            .send_nginx_preamble()
            .and_then(|()| conn.send_command(3, 0, connect_result(connect.transaction_id)))
            .and_then(|()| serve_publisher(conn, &mut round)),
    };
    shared.lock().expect("auth server state").rounds.push(round);
    result
}

/// `_error` with the description, then close, as Wowza does.
fn refuse(conn: &mut Conn, connect: &Command, description: &str) -> io::Result<()> {
    conn.send_command(
        3,
        0,
        error_reply(
            connect.transaction_id,
            "NetConnection.Connect.Rejected",
            description,
        ),
    )?;
    conn.close()
}

/// The connect's number, how it was judged and what to do.
fn judge(
    shared: &Mutex<Shared>,
    app: &str,
    query: &[(String, String)],
) -> (usize, Verdict, Decision) {
    let mut state = shared.lock().expect("auth server state");
    state.judged += 1;
    let number = state.judged;
    let (verdict, decision) = judge_locked(&mut state, app, query);
    (number, verdict, decision)
}

fn judge_locked(state: &mut Shared, app: &str, query: &[(String, String)]) -> (Verdict, Decision) {
    let authmod = state.authmod;
    let name = authmod.name();
    let get = |key: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let reject = |rest: &str| {
        Decision::Refuse(format!(
            "[ AccessManager.Reject ] : [ authmod={name} ] : {rest}"
        ))
    };
    let Some(client_authmod) = get("authmod") else {
        return (
            Verdict::NeedAuth,
            Decision::Refuse(format!(
                "[ AccessManager.Reject ] : [ code=403 need auth; authmod={name} ] : "
            )),
        );
    };
    let (Some(user), true) = (get("user"), client_authmod == name) else {
        return (Verdict::Invalid, reject("?reason=invalid_authmod&opaque=-"));
    };
    let Some(password) = state
        .users
        .iter()
        .find(|(u, _)| *u == user)
        .map(|(_, p)| p.clone())
    else {
        return (Verdict::NoSuchUser { user }, reject("?reason=nosuchuser"));
    };
    let Some(response) = get("response") else {
        let issued = Issued {
            user: user.clone(),
            salt: base64_encode(&random::<4>()),
            challenge: base64_encode(&random::<4>()),
            opaque: base64_encode(&random::<4>()),
            nonce: base64_encode(&random::<12>()),
        };
        let description = match authmod {
            AuthMod::Adobe => format!(
                "?reason=needauth&user={user}&salt={}&challenge={}&opaque={}",
                issued.salt, issued.challenge, issued.opaque
            ),
            AuthMod::Llnw => format!("?reason=needauth&user={user}&nonce={}", issued.nonce),
        };
        state.issued.push(issued);
        return (Verdict::Challenged { user }, reject(&description));
    };
    // The challenge this answer is for: by its opaque (adobe) or nonce (llnw).
    let issued = state
        .issued
        .iter()
        .find(|i| {
            i.user == user
                && match authmod {
                    AuthMod::Adobe => get("opaque").as_deref() == Some(i.opaque.as_str()),
                    AuthMod::Llnw => get("nonce").as_deref() == Some(i.nonce.as_str()),
                }
        })
        .cloned();
    let expected = issued.map(|i| match authmod {
        AuthMod::Adobe => {
            let client_challenge = get("challenge").unwrap_or_default();
            let digest = base64_encode(&md5_of(&format!("{}{}{password}", i.user, i.salt)));
            base64_encode(&md5_of(&format!("{digest}{}{client_challenge}", i.opaque)))
        }
        AuthMod::Llnw => {
            let path = app.split('?').next().unwrap_or_default();
            let uri = if path.contains('/') {
                format!("/{path}")
            } else {
                format!("/{path}/_definst_")
            };
            let ha1 = hex(&md5_of(&format!("{}:live:{password}", i.user)));
            let ha2 = hex(&md5_of(&format!("publish:{uri}")));
            let nc = get("nc").unwrap_or_default();
            let cnonce = get("cnonce").unwrap_or_default();
            hex(&md5_of(&format!(
                "{ha1}:{}:{nc}:{cnonce}:auth:{ha2}",
                i.nonce
            )))
        }
    });
    if expected.as_deref() == Some(response.as_str()) {
        return (Verdict::Accepted { user }, Decision::Accept);
    }
    let rest = match authmod {
        AuthMod::Adobe => format!(
            "?reason=authfailed&opaque={}",
            get("opaque").unwrap_or_default()
        ),
        AuthMod::Llnw => "?reason=authfailed".to_string(),
    };
    (Verdict::AuthFailed { user }, reject(&rest))
}

/// Serves an authenticated publisher until it closes: createStream, publish, ping, deleteStream.
fn serve_publisher(conn: &mut Conn, round: &mut Round) -> io::Result<()> {
    loop {
        let message = match conn.next_message() {
            Ok(m) => m,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
                ) =>
            {
                return Ok(())
            }
            Err(e) => return Err(e),
        };
        match message {
            Message::Command { command, .. } => match command.name.as_str() {
                "createStream" => {
                    conn.send_command(3, 0, create_stream_result(command.transaction_id, 1.0))?
                }
                "publish" => {
                    round.published = command
                        .arguments
                        .first()
                        .and_then(|v| v.as_str())
                        .map(str::to_string);
                    conn.send_command(
                        CSID_NGINX_STATUS,
                        1,
                        on_status("status", "NetStream.Publish.Start", "Start publishing"),
                    )?;
                }
                "deleteStream" => {
                    // ffmpeg closes right after deleteStream: the answer may find no reader.
                    let _ = conn.send_command(
                        CSID_NGINX_STATUS,
                        1,
                        on_status("status", "NetStream.Unpublish.Success", "Stop publishing"),
                    );
                    let _ = conn.close();
                    return Ok(());
                }
                _ => {}
            },
            Message::UserControl(UserControl::PingRequest(stamp)) => {
                conn.send_control(Message::UserControl(UserControl::PingResponse(stamp)))?
            }
            Message::Audio(_) | Message::Video(_) | Message::Data { .. } => {
                round.media_messages += 1
            }
            _ => {}
        }
    }
}

/// `a=1&b=2` into pairs; a piece without `=` has an empty value.
fn split_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).expect("OS random bytes");
    bytes
}

fn md5_of(text: &str) -> [u8; 16] {
    Md5::digest(text.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard base64 with padding (RFC 4648 §4), written here so that the server shares no
/// encoding code with the probe.
pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let b = [
            group.first().copied().unwrap_or(0),
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
