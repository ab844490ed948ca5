//! The operations of the play scenario: `play` until `NetStream.Play.Start`, the first frame
//! and keyframe, the watch window, and a player's teardown. Each is a recorded step under its
//! deadline, like those of `ops.rs`; what the media means is `watch.rs`'s business.
//!
//! | step | we send | we wait for |
//! |---|---|---|
//! | play | Set Buffer Length, `play(name, start)` (one write) | onStatus `NetStream.Play.Start` (`Play.Reset` before it is fine) |
//! | first_frame | | the first audio or video frame, counted from `Play.Start` |
//! | first_keyframe | | the first video keyframe, counted from `Play.Start` (video expected) |
//! | watch | | `--duration` of media after the first keyframe |
//! | close_stream | closeStream, deleteStream (one write) | nothing: players do not wait |
//!
//! Every message read on the way goes to the [`Watch`]; a status of level error fails the step
//! with the server's code, the publisher leaving (`UnpublishNotify`, `Play.Stop`, a Stream EOF
//! user control) fails it as `publisher_left`, and a codec configuration no player can decode as
//! `invalid_media`.

use super::driver::Session;
use super::outcome::{Failure, FailureKind, Step, Teardown};
use super::record::{Clock, Deadline};
use super::watch::{Expected, ExpectedFrom, Watch};
use super::words;
use crate::protocol::client::{Event, Reply, Request};
use crate::protocol::message::{Message, Received, UserControl};
use crate::protocol::vocab::status::{PLAY_START, PLAY_STOP, PLAY_UNPUBLISH_NOTIFY};
use std::time::Duration;
use tokio::time::Instant;

/// The buffer a player announces with Set Buffer Length, in milliseconds (ffmpeg's default).
pub(super) const BUFFER_MS: u32 = 3000;

/// After a Stream EOF, how long and how many messages the probe reads on for the status that
/// names it.
const EOF_LOOK: Duration = Duration::from_millis(50);
const LOOK_AHEAD: usize = 8;

/// What a message of a playing session was.
enum Read {
    /// A command the client read (its status recorded).
    Reply(Reply),
    /// A Stream EOF user control for the played stream.
    StreamEof,
    /// Media, data, or anything else.
    Other,
}

/// How the watch window ended: as asked, or cut short by a bound (its option).
pub(super) type WindowEnd = Option<&'static str>;

impl Session<'_> {
    /// The `play` step: Set Buffer Length and `play` in one write, then `NetStream.Play.Start`.
    pub(super) async fn play(
        &mut self,
        stream_id: u32,
        name: &str,
        watch: &mut Watch,
    ) -> Result<(), Failure> {
        let clock = self.begin(Step::Play);
        let r = self.start_play(&clock, stream_id, name, watch).await;
        self.end(&clock, r.is_ok());
        r
    }

    async fn start_play(
        &mut self,
        clock: &Clock,
        stream_id: u32,
        name: &str,
        watch: &mut Watch,
    ) -> Result<(), Failure> {
        let batch = vec![
            self.client.set_buffer_length(stream_id, BUFFER_MS),
            self.client.play_from(stream_id, name, self.cfg.play.start),
        ];
        self.send(clock, batch).await?;
        loop {
            let received = self.next(clock.step, &clock.deadline, PLAY_START).await?;
            if let Read::Reply(reply) = self.read_play(clock.step, stream_id, received, watch)? {
                if reply.has_code(PLAY_START) {
                    watch.started(Instant::now());
                    return Ok(());
                }
            }
        }
    }

    /// The `first_frame` and `first_keyframe` steps, both counted from `Play.Start`; then the
    /// expectation is settled and the watch window starts.
    pub(super) async fn first_media(
        &mut self,
        stream_id: u32,
        watch: &mut Watch,
    ) -> Result<(), Failure> {
        let frame = self.begin(Step::FirstFrame);
        let key = self.begin(Step::FirstKeyframe);
        let r = self.until(&frame, stream_id, watch, Wanted::Frame).await;
        self.end(&frame, r.is_ok());
        r?;
        if watch.resolve().video {
            let r = self.until(&key, stream_id, watch, Wanted::Keyframe).await;
            self.end(&key, r.is_ok());
            r?;
        }
        watch.start_window(Instant::now());
        Ok(())
    }

    async fn until(
        &mut self,
        clock: &Clock,
        stream_id: u32,
        watch: &mut Watch,
        wanted: Wanted,
    ) -> Result<(), Failure> {
        let waiting_for = match wanted {
            Wanted::Frame => "the first audio or video frame",
            Wanted::Keyframe => "the first video keyframe",
        };
        loop {
            let (video, audio) = watch.frames();
            let done = match wanted {
                Wanted::Frame => video + audio > 0,
                Wanted::Keyframe => watch.has_keyframe(),
            };
            if done {
                return Ok(());
            }
            let received = match self.next(clock.step, &clock.deadline, waiting_for).await {
                Ok(received) => received,
                Err(f) if f.kind == FailureKind::Timeout => {
                    return Err(self.nothing_came(clock, watch, wanted))
                }
                Err(f) => return Err(self.broke_off(f, watch, wanted.phrase())),
            };
            if let Read::StreamEof = self.read_play(clock.step, stream_id, received, watch)? {
                return Err(self.stream_eof(clock.step, watch).await);
            }
        }
    }

    /// The `watch` step: `--duration` of media after the first keyframe. An expected kind that
    /// has sent no frame yet is waited for up to the stall threshold (`max_gap`) from the
    /// window's start, however short the window. A bound that ends it earlier (`--timeout`,
    /// `--step-timeout`) cuts the window, which is judged as it is.
    pub(super) async fn watch_media(
        &mut self,
        stream_id: u32,
        watch: &mut Watch,
    ) -> Result<WindowEnd, Failure> {
        let clock = self.begin(Step::Watch);
        let r = self.watch_window(&clock, stream_id, watch).await;
        self.end(&clock, r.is_ok());
        r
    }

    async fn watch_window(
        &mut self,
        clock: &Clock,
        stream_id: u32,
        watch: &mut Watch,
    ) -> Result<WindowEnd, Failure> {
        let start = watch.window_start().unwrap_or(clock.started);
        let (window, grace) = (self.cfg.play.duration, self.cfg.play.gap_threshold);
        let cut = loop {
            let wait = if watch.missing().is_some() && grace > window {
                clock.deadline.within(start, grace, "max_gap")
            } else {
                clock.deadline.within(start, window, "--duration")
            };
            match self
                .next(clock.step, &wait, "the end of the watch window")
                .await
            {
                Ok(received) => {
                    if let Read::StreamEof =
                        self.read_play(clock.step, stream_id, received, watch)?
                    {
                        return Err(self.stream_eof(clock.step, watch).await);
                    }
                }
                Err(f) if f.kind == FailureKind::Timeout => {
                    let asked = wait.is("--duration") || wait.is("max_gap");
                    break (!asked).then_some(wait.option);
                }
                Err(f) => return Err(self.broke_off(f, watch, "of the watch window")),
            }
        };
        if let (Some(missing), Some(expected)) = (watch.missing(), watch.expected()) {
            let watched = Instant::now().saturating_duration_since(start);
            return Err(Failure {
                step: clock.step,
                kind: FailureKind::MissingMedia,
                message: format!(
                    "expected {} ({}), but no {missing} arrived in the {} watched after the \
                     first {}{}",
                    expected.words(),
                    from_words(&expected),
                    seconds(watched),
                    if expected.video { "keyframe" } else { "frame" },
                    what_did(watch)
                ),
                status: None,
            });
        }
        Ok(cut)
    }

    /// The `close_stream` step, a player's teardown: closeStream and deleteStream in one
    /// write. Players do not wait for an answer (nginx-rtmp sends `Play.Stop` only when the
    /// player was the stream's last), so neither does the probe; it never fails the check.
    pub(super) async fn close_stream(&mut self, stream_id: u32) -> Teardown {
        let clock = self.begin(Step::CloseStream);
        let batch = vec![
            self.client.close_stream(stream_id),
            self.client.delete_stream(stream_id),
        ];
        let sent = self.send(&clock, batch).await;
        self.end(&clock, sent.is_ok());
        let teardown = match sent {
            Ok(()) => Teardown::NotConfirmed,
            Err(f) => {
                self.note(format!("teardown could not be sent: {}", f.message));
                if f.kind == FailureKind::Reset {
                    Teardown::Reset
                } else {
                    Teardown::NotConfirmed
                }
            }
        };
        self.outcome.server.teardown = Some(teardown);
        teardown
    }

    /// Reads one message of a playing session. Media and data go to the watch; a command is
    /// read by the client and its status recorded. Says what it was; fails on an error status,
    /// on the publisher leaving (a status, after `Play.Start`), and on a codec configuration no
    /// player can decode.
    fn read_play(
        &mut self,
        step: Step,
        stream_id: u32,
        received: Received,
        watch: &mut Watch,
    ) -> Result<Read, Failure> {
        let now = Instant::now();
        match &received.message {
            Message::Command { .. } => {
                let Some(reply) = self.heard(step, received) else {
                    return Ok(Read::Other);
                };
                let refused = matches!(reply.event, Event::Refused(Request::Play { .. }))
                    || (matches!(reply.event, Event::Status { .. })
                        && reply.error_status().is_some());
                if refused {
                    return Err(words::rejection(step, reply.status, "play"));
                }
                let left = reply.has_code(PLAY_UNPUBLISH_NOTIFY) || reply.has_code(PLAY_STOP);
                if left && step != Step::Play {
                    let code = reply.status.as_ref().map(|s| s.code.clone());
                    return Err(publisher_left(
                        step,
                        watch,
                        now,
                        code.as_deref().unwrap_or(""),
                    ));
                }
                Ok(Read::Reply(reply))
            }
            Message::UserControl(UserControl::StreamEof(id))
                if *id == stream_id && step != Step::Play =>
            {
                Ok(Read::StreamEof)
            }
            _ => {
                let heard = watch.on_message(&received, now);
                match heard.invalid {
                    Some(problem) => Err(Failure {
                        step,
                        kind: FailureKind::InvalidMedia,
                        message: format!("no player can decode the stream: {problem}"),
                        status: None,
                    }),
                    None => Ok(Read::Other),
                }
            }
        }
    }

    /// The stream ended (Stream EOF): the publisher left. nginx-rtmp sends the user control
    /// first and the status that names it (`UnpublishNotify`, `Play.Stop`) right after: the
    /// probe reads on for a moment ([`EOF_LOOK`], a few messages at most) for the status to
    /// quote.
    async fn stream_eof(&mut self, step: Step, watch: &mut Watch) -> Failure {
        let now = Instant::now();
        let look = now + EOF_LOOK;
        for _ in 0..LOOK_AHEAD {
            let Ok(transport) = self.transport() else {
                break;
            };
            let Ok(received) = transport.recv(look).await else {
                break;
            };
            if let Message::Command { .. } = received.message {
                if let Some(reply) = self.heard(step, received) {
                    let code = reply.status.map(|s| s.code).unwrap_or_default();
                    if code == PLAY_UNPUBLISH_NOTIFY || code == PLAY_STOP {
                        return publisher_left(step, watch, now, &code);
                    }
                }
            }
        }
        publisher_left(step, watch, now, "a Stream EOF user control")
    }

    /// The first frame or keyframe did not come by the step's deadline.
    fn nothing_came(&self, clock: &Clock, watch: &Watch, wanted: Wanted) -> Failure {
        let waited = watch.since_start(Instant::now());
        let within = format!(
            "within {} of NetStream.Play.Start ({})",
            seconds(waited),
            ran_out(&clock.deadline)
        );
        let (video, audio) = watch.frames();
        let (kind, message) = match wanted {
            Wanted::Frame if watch.only_headers() => (
                FailureKind::NoMedia,
                format!(
                    "only onMetaData and sequence headers arrived, no audio or video frame, \
                     {within}"
                ),
            ),
            Wanted::Frame => {
                let who = if words::is_nginx_rtmp(&self.outcome.server) {
                    "nginx-rtmp answers"
                } else {
                    "servers such as nginx-rtmp answer"
                };
                (
                    FailureKind::NoMedia,
                    format!(
                        "no media arrived {within}: {who} play this way when nobody publishes \
                         the stream"
                    ),
                )
            }
            Wanted::Keyframe if video == 0 => {
                let from = watch.expected().map(|e| from_words(&e)).unwrap_or_default();
                (
                    FailureKind::MissingMedia,
                    format!(
                        "expected video ({from}), but no video arrived {within}; audio did \
                         ({audio} frame{})",
                        plural(audio)
                    ),
                )
            }
            Wanted::Keyframe => (
                FailureKind::MissingMedia,
                format!(
                    "no video keyframe arrived {within}: {video} video frame{} came, none of \
                     them a keyframe",
                    plural(video)
                ),
            ),
        };
        Failure {
            step: clock.step,
            kind,
            message,
            status: None,
        }
    }

    /// A close or reset while media was awaited or watched: when, in words.
    fn broke_off(&self, mut f: Failure, watch: &Watch, phrase: &str) -> Failure {
        if matches!(f.kind, FailureKind::Closed | FailureKind::Reset) && f.status.is_none() {
            let what = if f.kind == FailureKind::Closed {
                "the server closed the connection"
            } else {
                "the connection was reset"
            };
            let when = match watch.window_start() {
                Some(start) => seconds(Instant::now().saturating_duration_since(start)),
                None => seconds(watch.since_start(Instant::now())),
            };
            f.message = format!("{what} after {when} {phrase}{}", what_did(watch));
        }
        f
    }
}

/// What a first-media step waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Frame,
    Keyframe,
}

impl Wanted {
    /// "after 1.2 s ..." for a close while waiting.
    fn phrase(self) -> &'static str {
        match self {
            Wanted::Frame => "of NetStream.Play.Start, before any media frame",
            Wanted::Keyframe => "of NetStream.Play.Start, before the first video keyframe",
        }
    }
}

/// The publisher went away at `now`: how long into the window (or after `Play.Start`), and how
/// the server said it.
fn publisher_left(step: Step, watch: &Watch, now: Instant, how: &str) -> Failure {
    let how = if how.is_empty() { "a status" } else { how };
    let message = match watch.window_start() {
        Some(start) if step == Step::Watch => format!(
            "the publisher left after {} of the watch window ({how})",
            seconds(now.saturating_duration_since(start))
        ),
        _ => format!(
            "the publisher left {} after NetStream.Play.Start, before the first {} ({how})",
            seconds(watch.since_start(now)),
            if step == Step::FirstFrame {
                "frame"
            } else {
                "keyframe"
            }
        ),
    };
    Failure {
        step,
        kind: FailureKind::PublisherLeft,
        message,
        status: None,
    }
}

/// Why video or audio was expected, in words.
fn from_words(e: &Expected) -> String {
    match e.from {
        ExpectedFrom::Option => format!(
            "--expect {}",
            match (e.video, e.audio) {
                (true, true) => "av",
                (true, false) => "video",
                _ => "audio",
            }
        ),
        ExpectedFrom::Metadata => "onMetaData announces it".into(),
        ExpectedFrom::Stream => "its sequence header came".into(),
    }
}

/// "; video did (50 frames)": what did come, for a message about what did not.
fn what_did(watch: &Watch) -> String {
    match watch.frames() {
        (0, 0) => String::new(),
        (v, 0) => format!("; video did ({v} frame{})", plural(v)),
        (0, a) => format!("; audio did ({a} frame{})", plural(a)),
        (v, a) => format!(
            " ({v} video and {a} audio frame{} came)",
            plural(v.saturating_add(a))
        ),
    }
}

/// "--timeout 10s ran out".
fn ran_out(deadline: &Deadline) -> String {
    format!(
        "{} {} ran out",
        deadline.option,
        humantime::format_duration(deadline.limit)
    )
}

/// A duration for a sentence: "1.5 s", "0.041 s".
pub(super) fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{s:.3} s")
    } else {
        format!("{s:.1} s")
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
