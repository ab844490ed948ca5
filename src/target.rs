//! The probe's target: an `rtmp://` or `rtmps://` URL split into host, port, application and
//! stream name.
//!
//! `rtmp[s]://[user[:password]@]host[:port]/app[/instance]/stream[?query]`: the port defaults to
//! 1935 (443 for `rtmps://`, RTMP over TLS, where platform ingests listen); the last path segment is the stream name and everything before it the application (so
//! `app/instance` stays together, as ffmpeg and OBS do); a query string stays with the stream name,
//! where ffmpeg and OBS send it (`publish("stream?key=...")`, which nginx-rtmp's `on_publish`
//! sees). `--app` and `--stream` override the split.

use crate::protocol::auth::Credentials;
use crate::redact::{self, Redactor};
use std::fmt;

/// The RTMP port when the URL names none.
pub const DEFAULT_PORT: u16 = 1935;
/// The RTMPS port when the URL names none (Facebook's, YouTube's and Twitch's ingests use it).
pub const DEFAULT_TLS_PORT: u16 = 443;

/// The URL's scheme: plain RTMP, or RTMP over TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Rtmp,
    Rtmps,
}

impl Scheme {
    /// `rtmp` or `rtmps`, as URLs write it.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Rtmp => "rtmp",
            Scheme::Rtmps => "rtmps",
        }
    }

    /// The port when the URL names none.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Rtmp => DEFAULT_PORT,
            Scheme::Rtmps => DEFAULT_TLS_PORT,
        }
    }
}

/// Why a URL can't be probed. Each message says what was wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The URL does not start with a scheme we know. Holds the scheme when it is short and plain
    /// enough to show (never anything after `://`, which may hold a password or a key).
    #[error("the URL must start with rtmp:// or rtmps://{}", shown_scheme(.0))]
    Scheme(Option<String>),
    #[error("{0}:// is not supported: rtmp-probe speaks rtmp:// and rtmps:// only")]
    UnsupportedScheme(String),
    #[error("the URL has no host: write rtmp://HOST[:PORT]/APP/STREAM")]
    NoHost,
    /// Holds the port text when it is only digits (anything else may be a query that slipped in).
    #[error("the port{} is not a number from 1 to 65535", .0.as_deref().map(|p| format!(" {p}")).unwrap_or_default())]
    BadPort(Option<String>),
    #[error("an IPv6 address must be in brackets, like rtmp://[::1]:1935/APP/STREAM")]
    BadIpv6,
    #[error(
        "brackets are only for IPv6 addresses: write rtmp://127.0.0.1/... or rtmp://[::1]/..."
    )]
    BracketsNotIpv6,
    #[error("the URL has no application: write rtmp://HOST/APP/STREAM, or give --app")]
    NoApp,
    #[error("the URL contains a space or a control character; percent-encode it")]
    BadCharacter,
}

/// A parsed target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `rtmp://` or `rtmps://`.
    pub scheme: Scheme,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// Whether the URL named the port (it is then kept in tcUrl).
    pub port_given: bool,
    /// Application, e.g. `live` or `app/instance`, with any query string it carries.
    pub app: String,
    /// Stream name with its query string, if the URL has one. `None` when the URL names only the
    /// application (enough for `--mode connect`).
    pub stream: Option<String>,
    /// `user` and `password` from the URL as written (percent-encoded), or from `--user` and
    /// `--password-file`: the credentials of challenge authentication ([`Target::credentials`]
    /// decodes them). The password never goes on the wire and is always masked.
    pub user: Option<String>,
    pub password: Option<String>,
}

impl Target {
    /// Parses an `rtmp://` or `rtmps://` URL.
    pub fn parse(url: &str) -> Result<Target, TargetError> {
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TargetError::BadCharacter);
        }
        let (scheme, rest) = url.split_once("://").ok_or(TargetError::Scheme(None))?;
        let scheme_lc = scheme.to_ascii_lowercase();
        let scheme = match scheme_lc.as_str() {
            "rtmp" => Scheme::Rtmp,
            "rtmps" => Scheme::Rtmps,
            "rtmpe" | "rtmpt" | "rtmpte" | "rtmpts" => {
                return Err(TargetError::UnsupportedScheme(scheme_lc))
            }
            _ => return Err(TargetError::Scheme(plain_scheme(scheme))),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(u.to_string()), Some(p.to_string())),
                None => (Some(info.to_string()), None),
            },
            None => (None, None),
        };
        let (host, port_text) = if let Some(after) = hostport.strip_prefix('[') {
            let (h, tail) = after.split_once(']').ok_or(TargetError::BadIpv6)?;
            if h.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(TargetError::BracketsNotIpv6);
            }
            let port = match tail {
                "" => None,
                t => Some(t.strip_prefix(':').ok_or(TargetError::BadIpv6)?),
            };
            (h, port)
        } else {
            if hostport.matches(':').count() > 1 {
                return Err(TargetError::BadIpv6);
            }
            match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(TargetError::NoHost);
        }
        let (port, port_given) = match port_text {
            None => (scheme.default_port(), false),
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => (n, true),
                _ => {
                    let shown = (p.len() <= 10 && p.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| p.to_string());
                    return Err(TargetError::BadPort(shown));
                }
            },
        };
        let (app, stream) = split_path(path);
        Ok(Target {
            scheme,
            host: host.to_string(),
            port,
            port_given,
            app,
            stream,
            user,
            password,
        })
    }

    /// The `tcUrl` sent in `connect`: `rtmp[s]://host[:port]/app` (the URL's scheme, as ffmpeg
    /// and OBS send it).
    pub fn tc_url(&self) -> String {
        let host = self.host_for_url();
        let scheme = self.scheme.name();
        if self.port_given {
            format!("{scheme}://{host}:{}/{}", self.port, self.app)
        } else {
            format!("{scheme}://{host}/{}", self.app)
        }
    }

    /// Whether the session runs over TLS (`rtmps://`).
    pub fn is_tls(&self) -> bool {
        self.scheme == Scheme::Rtmps
    }

    /// The credentials for challenge authentication: the user and password percent-decoded
    /// (`rtmp://b%40b:p%40ss@...` is user `b@b`, password `p@ss`). `None` unless both are set.
    pub fn credentials(&self) -> Option<Credentials> {
        match (&self.user, &self.password) {
            (Some(user), Some(password)) => Some(Credentials::new(
                percent_decode(user),
                percent_decode(password),
            )),
            _ => None,
        }
    }

    fn host_for_url(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// `host:port` for messages (IPv6 in brackets).
    pub fn peer(&self) -> String {
        format!("{}:{}", self.host_for_url(), self.port)
    }

    /// The stream name without its query string.
    pub fn stream_base(&self) -> Option<&str> {
        self.stream
            .as_deref()
            .map(|s| s.split_once('?').map_or(s, |(base, _)| base))
    }

    /// Registers this target's secrets with a redactor: the stream name (whole and without its
    /// query), every query value of the stream and of the app, and the password.
    pub fn add_secrets(&self, redactor: &mut Redactor) {
        if let Some(stream) = &self.stream {
            add_stream_secrets(stream, redactor);
        }
        for v in query_values(&self.app) {
            redactor.add_hidden(v);
        }
        if let Some(p) = &self.password {
            redactor.add_hidden(p);
            redactor.add_hidden(&percent_decode(p));
        }
    }

    /// The URL as the user gave it, with secrets masked unless the redactor reveals them.
    pub fn redacted_url(&self, redactor: &Redactor) -> String {
        RedactedUrl {
            target: self,
            redactor,
        }
        .to_string()
    }

    /// The stream name for display: masked unless revealed.
    pub fn redacted_stream(&self, redactor: &Redactor) -> Option<String> {
        self.stream.as_deref().map(|s| redact_name(s, redactor))
    }

    /// The application for display: query values masked unless revealed.
    pub fn redacted_app(&self, redactor: &Redactor) -> String {
        redact_query(&self.app, redactor)
    }
}

/// A scheme worth echoing in an error: short letters, digits, `+`, `-`, `.` only.
fn plain_scheme(scheme: &str) -> Option<String> {
    let plain = !scheme.is_empty()
        && scheme.len() <= 12
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    plain.then(|| scheme.to_ascii_lowercase())
}

fn shown_scheme(scheme: &Option<String>) -> String {
    match scheme {
        Some(s) => format!(" (not {s}://)"),
        None => String::new(),
    }
}

/// Splits the path after the host into application and stream name.
///
/// The query string goes with the stream name; the last path segment before it is the stream, the
/// rest the application. Two exceptions: a path of one segment is the application alone
/// (`rtmp://host/live?token=x` names no stream), and a query followed by more path
/// (`rtmp://host/app?token=x/stream`, as some Wowza setups use) stays with the application when
/// the application is a single segment.
fn split_path(path: &str) -> (String, Option<String>) {
    if let Some(q) = path.find('?').filter(|&q| !path[..q].contains('/')) {
        if let Some(slash) = path.rfind('/').filter(|&i| i > q) {
            let stream = &path[slash + 1..];
            return (
                path[..slash].to_string(),
                (!stream.is_empty()).then(|| stream.to_string()),
            );
        }
    }
    let (path_part, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let path_part = path_part.trim_end_matches('/');
    match path_part.rsplit_once('/') {
        Some((app, stream)) if !stream.is_empty() => (
            app.to_string(),
            Some(match query {
                Some(q) => format!("{stream}?{q}"),
                None => stream.to_string(),
            }),
        ),
        _ => match query {
            Some(q) => (format!("{path_part}?{q}"), None),
            None => (path_part.to_string(), None),
        },
    }
}

/// Values of `k=v` pairs after the first `?`.
fn query_values(s: &str) -> impl Iterator<Item = &str> {
    s.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('=').map(|(_, v)| v))
        .filter(|v| !v.is_empty())
}

/// Masks the query values of `s`, keeping the keys.
fn redact_query(s: &str, redactor: &Redactor) -> String {
    if redactor.reveals() {
        return s.to_string();
    }
    match s.split_once('?') {
        None => s.to_string(),
        Some((head, q)) => {
            let pairs: Vec<String> = q
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) if !v.is_empty() => format!("{k}={}", redact::MASK),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{head}?{}", pairs.join("&"))
        }
    }
}

/// Registers the secrets of a stream name: the whole name, the name without its query, and each
/// query value. Also for names that are not the URL's own (placeholders expanded).
pub fn add_stream_secrets(stream: &str, redactor: &mut Redactor) {
    redactor.add(stream);
    if let Some((base, _)) = stream.split_once('?') {
        redactor.add(base);
    }
    for v in query_values(stream) {
        redactor.add_hidden(v);
    }
}

/// Registers the secrets of any URL the probe sends (`--tc-url`, `--page-url`, `--swf-url`): its
/// query values and the password of its user info.
pub fn add_url_secrets(url: &str, redactor: &mut Redactor) {
    for v in query_values(url) {
        redactor.add_hidden(v);
    }
    let authority = url.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?']).next().unwrap_or_default()
    });
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        if let Some((_, password)) = userinfo.split_once(':') {
            redactor.add_hidden(password);
        }
    }
}

/// A stream name for display: the name keeps a few characters, query values are hidden (nothing
/// changes when the redactor reveals secrets).
pub fn redact_name(s: &str, redactor: &Redactor) -> String {
    if redactor.reveals() {
        return s.to_string();
    }
    let (name, query) = match s.split_once('?') {
        Some((n, q)) => (n, Some(q)),
        None => (s, None),
    };
    let masked = redactor.field(name);
    match query {
        Some(q) => redact_query(&format!("{masked}?{q}"), redactor),
        None => masked,
    }
}

/// `%XX` escapes decoded (the rest kept as written). An escape that is not two hex digits, or
/// bytes that are not UTF-8 once decoded, leave the text as written: a password is used as the
/// operator typed it rather than guessed at.
pub fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(decoded) => {
                    out.push(decoded);
                    i += 3;
                    continue;
                }
                None => return text.to_string(),
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

struct RedactedUrl<'a> {
    target: &'a Target,
    redactor: &'a Redactor,
}

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.target;
        write!(f, "{}://", t.scheme.name())?;
        if let Some(user) = &t.user {
            write!(f, "{user}")?;
            if t.password.is_some() {
                let shown = if self.redactor.reveals() {
                    t.password.clone().unwrap_or_default()
                } else {
                    redact::MASK.to_string()
                };
                write!(f, ":{shown}")?;
            }
            write!(f, "@")?;
        }
        write!(f, "{}", t.host_for_url())?;
        if t.port_given {
            write!(f, ":{}", t.port)?;
        }
        write!(f, "/{}", t.redacted_app(self.redactor))?;
        if let Some(s) = t.redacted_stream(self.redactor) {
            write!(f, "/{s}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn splits_app_and_stream_with_default_port() {
        let x = t("rtmp://example.com/live/abc");
        assert_eq!(
            (x.host.as_str(), x.port, x.port_given),
            ("example.com", 1935, false)
        );
        assert_eq!(x.app, "live");
        assert_eq!(x.stream.as_deref(), Some("abc"));
        assert_eq!(x.tc_url(), "rtmp://example.com/live");
    }

    #[test]
    fn keeps_instance_in_the_app_and_query_with_the_stream() {
        let x = t("rtmp://10.0.0.1:1936/app/inst/key123?key=secret&x=1");
        assert_eq!(x.port, 1936);
        assert_eq!(x.app, "app/inst");
        assert_eq!(x.stream.as_deref(), Some("key123?key=secret&x=1"));
        assert_eq!(x.stream_base(), Some("key123"));
        assert_eq!(x.tc_url(), "rtmp://10.0.0.1:1936/app/inst");
    }

    #[test]
    fn a_single_segment_is_the_app() {
        let x = t("rtmp://h/live");
        assert_eq!(x.app, "live");
        assert_eq!(x.stream, None);
        let y = t("rtmp://h/live?token=abc");
        assert_eq!(y.app, "live?token=abc");
        assert_eq!(y.stream, None);
    }

    #[test]
    fn a_query_on_a_one_segment_app_followed_by_a_stream_stays_with_the_app() {
        let x = t("rtmp://h/live?token=abc/key");
        assert_eq!(x.app, "live?token=abc");
        assert_eq!(x.stream.as_deref(), Some("key"));
        assert_eq!(x.tc_url(), "rtmp://h/live?token=abc");
        let y = t("rtmp://h/live/key?next=/x");
        assert_eq!(y.app, "live");
        assert_eq!(y.stream.as_deref(), Some("key?next=/x"));
    }

    #[test]
    fn ipv6_and_userinfo() {
        let x = t("rtmp://bob:pw@[::1]:1940/live/s");
        assert_eq!(x.host, "::1");
        assert_eq!(x.port, 1940);
        assert_eq!(x.user.as_deref(), Some("bob"));
        assert_eq!(x.password.as_deref(), Some("pw"));
        assert_eq!(x.tc_url(), "rtmp://[::1]:1940/live");
        assert_eq!(x.peer(), "[::1]:1940");
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        assert_eq!(
            Target::parse("http://h/a/b"),
            Err(TargetError::Scheme(Some("http".into())))
        );
        assert_eq!(
            Target::parse("rtmpe://h/a/b"),
            Err(TargetError::UnsupportedScheme("rtmpe".into()))
        );
        assert_eq!(Target::parse("rtmp:///a/b"), Err(TargetError::NoHost));
        assert_eq!(
            Target::parse("rtmp://h:0/a/b"),
            Err(TargetError::BadPort(Some("0".into())))
        );
        assert_eq!(
            Target::parse("rtmp://h:99999/a"),
            Err(TargetError::BadPort(Some("99999".into())))
        );
        assert_eq!(Target::parse("rtmp://::1/a/b"), Err(TargetError::BadIpv6));
        assert_eq!(
            Target::parse("rtmp://h/a b/c"),
            Err(TargetError::BadCharacter)
        );
        assert!(Target::parse("live/abc").is_err());
        assert_eq!(
            Target::parse("rtmp://[127.0.0.1]/a/b"),
            Err(TargetError::BracketsNotIpv6)
        );
        assert_eq!(
            Target::parse("rtmp://h:+1935/a/b"),
            Err(TargetError::BadPort(None))
        );
    }

    #[test]
    fn errors_never_echo_what_may_hold_a_secret() {
        for url in [
            "xyz://user:hunter2hunter2@h/live/key",
            "rtmp//user:hunter2hunter2@h/live/key",
            "user:hunter2hunter2@h/live/key",
            "rtmp://user:hunter2hunter2@h:1935?key=hunter2hunter2/live/key",
            "rtmp://h:hunter2hunter2/live/key",
            "this-is-a-very-long-scheme-hunter2hunter2://h/live/key",
        ] {
            let e = Target::parse(url).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{url}: {e}");
            assert!(!e.contains("user"), "{url}: {e}");
        }
        assert_eq!(
            Target::parse("HTTP://h/a/b").unwrap_err().to_string(),
            "the URL must start with rtmp:// or rtmps:// (not http://)"
        );
    }

    #[test]
    fn rtmps_defaults_to_port_443_and_keeps_its_scheme_in_tc_url_and_display() {
        let x = t("RTMPS://live-api-s.facebook.com/rtmp/FB-123-abc");
        assert_eq!(x.scheme, Scheme::Rtmps);
        assert!(x.is_tls());
        assert_eq!((x.port, x.port_given), (443, false));
        assert_eq!(x.tc_url(), "rtmps://live-api-s.facebook.com/rtmp");
        let y = t("rtmps://h:8443/live/k");
        assert_eq!(y.tc_url(), "rtmps://h:8443/live");
        let mut r = Redactor::new(false);
        y.add_secrets(&mut r);
        assert_eq!(y.redacted_url(&r), "rtmps://h:8443/live/***");
        assert!(!t("rtmp://h/a/b").is_tls());
    }

    #[test]
    fn credentials_are_percent_decoded_and_need_both_parts() {
        let x = t("rtmp://b%40b:p%40ss%3a1@h/live/s");
        let c = x.credentials().expect("user and password");
        assert_eq!((c.user(), c.password()), ("b@b", "p@ss:1"));
        assert_eq!(t("rtmp://bob@h/live/s").credentials(), None);
        assert_eq!(t("rtmp://h/live/s").credentials(), None);
        // A broken escape is kept as written.
        assert_eq!(percent_decode("50%zz"), "50%zz");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
        assert_eq!(percent_decode("%ff"), "%ff", "not UTF-8 once decoded");
        // Both forms of the password are masked.
        let mut r = Redactor::new(false);
        x.add_secrets(&mut r);
        assert!(!r.text("p@ss:1 and p%40ss%3a1").contains("ss"));
    }

    #[test]
    fn redaction_hides_stream_key_query_values_and_password() {
        let x = t("rtmp://bob:hunter2@h/live?tok=abcdef/streamkey123?key=secret");
        let mut r = Redactor::new(false);
        x.add_secrets(&mut r);
        let shown = x.redacted_url(&r);
        for secret in ["hunter2", "streamkey123", "secret", "abcdef"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.starts_with("rtmp://bob:***@h/"), "{shown}");
        let revealed = x.redacted_url(&Redactor::new(true));
        assert!(revealed.contains("streamkey123?key=secret"), "{revealed}");
    }
}
