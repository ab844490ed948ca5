//! The one-line summary of a probe: what a person reads after `RTMP <STATE> - `, in every
//! format. A failure names the step and the peer it happened with; a play and a round trip put
//! what is wrong first; the other modes say what was accepted, then what crossed a threshold.

use super::{media, redact_stream};
use crate::plan::Probe;
use crate::redact::Redactor;
use crate::session::{FailureKind, Outcome, Step};
use crate::verdict::Verdict;
use std::net::SocketAddr;

/// Said of a session whose certificate was not verified.
const INSECURE: &str = " (TLS certificate not verified: --insecure)";

/// The crossings of the verdict in words.
fn crossed(verdict: &Verdict) -> Vec<String> {
    verdict.crossings.iter().map(|c| c.describe()).collect()
}

/// Where a round trip's player played from: the address it reached, else its host and port;
/// `None` outside a round trip.
fn player_peer(probe: &Probe, address: Option<SocketAddr>) -> Option<String> {
    match (address, &probe.session.roundtrip) {
        (Some(a), _) => Some(a.to_string()),
        (None, Some(c)) => Some(format!("{}:{}", c.play.host, c.play.port)),
        (None, None) => None,
    }
}

/// What a person reads after `RTMP <STATE> - `.
pub(super) fn summary(
    probe: &Probe,
    outcome: &Outcome,
    verdict: &Verdict,
    r: &Redactor,
    media: Option<&media::MediaReport>,
) -> String {
    let peer = outcome
        .address
        .map(|a| a.to_string())
        .unwrap_or_else(|| probe.target.peer());
    if let Some(f) = &outcome.failure {
        if f.kind == FailureKind::NotChecked {
            // It never reached a step: no step's wording ("DNS lookup for ... failed") fits.
            return format!("{} {}", probe.target.peer(), f.message);
        }
        let what = match f.step {
            Step::Dns => "DNS lookup for",
            Step::TcpConnect => "TCP connection to",
            Step::Tls => "TLS handshake with",
            Step::Handshake => "handshake with",
            Step::Connect => "connect to",
            Step::CreateStream => "createStream on",
            Step::Publish => "publish to",
            Step::Verify | Step::Media => "publish to",
            Step::Unpublish => "unpublish on",
            Step::Play | Step::FirstFrame | Step::FirstKeyframe | Step::Watch => "play from",
            Step::CloseStream => "closeStream on",
            Step::PlayDns => "DNS lookup for the player of",
            Step::PlayTcpConnect => "the player's TCP connection to",
            Step::PlayTls => "the player's TLS handshake with",
            Step::PlayHandshake => "the player's handshake with",
            Step::PlayConnect => "the player's connect to",
            Step::PlayCreateStream => "the player's createStream on",
            Step::Receive => "play back from",
            Step::FirstFrameBack => "roundtrip through",
        };
        let is_player = probe.session.mode == crate::session::Mode::Roundtrip
            && matches!(
                f.step,
                Step::PlayTcpConnect
                    | Step::PlayTls
                    | Step::PlayHandshake
                    | Step::PlayConnect
                    | Step::PlayCreateStream
                    | Step::Play
                    | Step::Receive
                    | Step::CloseStream
            );
        let peer = match f.step {
            Step::Dns => probe.target.host.clone(),
            Step::PlayDns => probe
                .session
                .roundtrip
                .as_ref()
                .map(|rt| rt.play.host.clone())
                .unwrap_or_default(),
            _ if is_player => {
                let address = outcome.roundtrip.as_ref().and_then(|r| r.address);
                player_peer(probe, address).unwrap_or_else(|| peer.clone())
            }
            _ => peer,
        };
        return if f.kind == FailureKind::Rejected {
            format!("{what} {peer} {}", f.message)
        } else {
            format!("{what} {peer} failed: {}", f.message)
        };
    }
    let app = probe.target.redacted_app(r);
    let stream = || {
        probe
            .session
            .stream
            .as_deref()
            .map(|s| redact_stream(s, probe))
            .unwrap_or_default()
    };
    let insecure = outcome.server.tls.as_ref().is_some_and(|t| !t.verified());
    if probe.session.mode == crate::session::Mode::Play {
        // What is wrong comes first: the operator reads the start of the line.
        let crossed = crossed(verdict);
        let mut healthy = format!(
            "play of {app}/{} from {peer}: {}",
            stream(),
            media.map(media::summary).unwrap_or_default()
        );
        if insecure {
            healthy.push_str(INSECURE);
        }
        return if crossed.is_empty() {
            healthy
        } else {
            format!("{}; {healthy}", crossed.join(", "))
        };
    }
    if probe.session.mode == crate::session::Mode::Roundtrip {
        if let Some(rt) = &outcome.roundtrip {
            return roundtrip_summary(probe, rt, &peer, &app, &stream(), verdict, insecure);
        }
    }
    let mut s = match probe.session.mode {
        crate::session::Mode::Connect => format!(
            "connect accepted by {peer} (app {app}) in {}",
            crate::verdict::ms(outcome.total)
        ),
        crate::session::Mode::Publish
        | crate::session::Mode::Play
        | crate::session::Mode::Roundtrip => {
            let media = match &outcome.published {
                Some(p) if p.duration.is_some() => format!(
                    " with {:.2} s of {}/{} media",
                    p.media_time.as_secs_f64(),
                    p.synth.video.name(),
                    p.synth.audio.name()
                ),
                _ => String::new(),
            };
            format!(
                "publish{media} accepted by {peer} (app {app}, stream {}) in {}",
                stream(),
                crate::verdict::ms(outcome.total)
            )
        }
    };
    if insecure {
        s.push_str(INSECURE);
    }
    if !verdict.crossings.is_empty() {
        s.push_str(&format!(", but {}", crossed(verdict).join(", ")));
    }
    s
}

/// "roundtrip through 127.0.0.1:1935 (app live, stream moni***): 90/90 frames back, latency
/// p50 3.1 ms p95 5.0 ms, first frame back after 40 ms", what is wrong first.
fn roundtrip_summary(
    probe: &Probe,
    rt: &crate::session::RoundtripOutcome,
    peer: &str,
    app: &str,
    stream: &str,
    verdict: &Verdict,
    insecure: bool,
) -> String {
    let mut s = format!("roundtrip through {peer}");
    if rt.play_url {
        let back = player_peer(probe, rt.address).unwrap_or_default();
        s.push_str(&format!(" and back from {back}"));
    }
    s.push_str(&format!(
        " (app {app}, stream {stream}): {}/{} frames back",
        rt.frames_received
            .saturating_sub(rt.duplicated)
            .saturating_sub(rt.foreign),
        rt.expected
    ));
    for (n, what) in [
        (rt.lost, "lost"),
        (rt.corrupted, "corrupted"),
        (rt.duplicated, "duplicated"),
        (rt.reordered, "reordered"),
    ] {
        if n > 0 {
            s.push_str(&format!(", {n} {what}"));
        }
    }
    if let Some(l) = rt.latency {
        s.push_str(&format!(
            ", latency p50 {} p95 {}",
            crate::verdict::ms(l.p50),
            crate::verdict::ms(l.p95)
        ));
    }
    if let Some(first) = rt.first_frame_back {
        s.push_str(&format!(
            ", first frame back after {}",
            crate::verdict::ms(first)
        ));
    }
    if insecure {
        s.push_str(INSECURE);
    }
    let crossed = crossed(verdict);
    if crossed.is_empty() {
        s
    } else {
        format!("{}; {s}", crossed.join(", "))
    }
}
