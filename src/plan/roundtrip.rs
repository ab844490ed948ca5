//! `--mode roundtrip`: the player's side of a probe (`--play-url` or the target itself) and the
//! mode's default thresholds.

use super::{Module, UsageError};
use crate::metrics::{Range, Threshold};
use crate::protocol::command::ConnectProperties;
use crate::redact::Redactor;
use crate::session::{PlayTarget, RoundtripConfig};
use crate::target::Target;
use crate::verdict::Thresholds;

impl Module {
    /// A round trip's player: `--play-url` (its own credentials, TLS and stream, masked like
    /// the main URL's) or the publish target itself, with a player's connect and the stream
    /// name as published (placeholders expanded once, so both sides name the same stream).
    pub(super) fn roundtrip_config(
        &self,
        target: &Target,
        published: Option<&str>,
        redactor: &mut Redactor,
    ) -> Result<RoundtripConfig, UsageError> {
        let o = &self.options;
        let (play, from_url) = match &o.play_url {
            Some(url) => {
                let t = Target::parse(url).map_err(|e| UsageError(format!("--play-url: {e}")))?;
                t.add_secrets(redactor);
                if let Some(s) = &t.stream {
                    crate::target::add_stream_secrets(s, redactor);
                }
                if t.app.is_empty() {
                    return Err(UsageError(
                        "--play-url: no application; write rtmp://HOST/APP[/STREAM]".into(),
                    ));
                }
                (t, true)
            }
            None => (target.clone(), false),
        };
        let stream = match (&o.play_url, &play.stream) {
            // The publish's own template (`monitor-{random}`) names the stream as published.
            (Some(_), Some(s)) if Some(s) == target.stream.as_ref() => {
                published.unwrap_or_default().to_string()
            }
            (Some(_), Some(s)) if s.contains("{random}") || s.contains("{unix}") => {
                return Err(UsageError(
                    "--play-url: a placeholder in its stream name would not name the stream \
                     published (each expands on its own); write the URL's stream name as it is, \
                     or leave it out to play the stream as published"
                        .into(),
                ));
            }
            (Some(_), Some(s)) => s.clone(),
            _ => published.unwrap_or_default().to_string(),
        };
        let tls = self.tls_for(&play, "--play-url")?;
        let mut connect = ConnectProperties::new(&play.app, play.tc_url());
        connect.flash_ver = ConnectProperties::PLAYER_FLASH_VER.to_owned();
        connect.connection_type.clear();
        Ok(RoundtripConfig {
            play: PlayTarget {
                host: play.host.clone(),
                port: play.port,
                stream,
                connect,
                tls,
                credentials: play.credentials(),
            },
            play_url: from_url,
            drain: crate::session::DEFAULT_DRAIN,
            link: None,
        })
    }
}

/// The round trip's default thresholds, where `-w`/`-c` set none of their own on the metric:
/// critical on any corrupted frame, warning on any frame lost after the drain
/// (docs/DECISIONS.md).
pub(super) fn defaults(thresholds: &mut Thresholds) {
    for (limits, name) in [
        (&mut thresholds.critical, "corrupted"),
        (&mut thresholds.warning, "lost"),
    ] {
        let Some(metric) = crate::metrics::definition(name) else {
            continue;
        };
        if limits.for_metric(name).is_none() {
            limits.items.push(Threshold {
                metric,
                range: Range::above(0.0),
            });
        }
    }
}
