//! The synthetic stream a publish sends after `Publish.Start` (`media::synth`): verify's opening
//! and the `media` step.
//!
//! - **The opening** is what encoders send first: the `@setDataFrame` metadata and the sequence
//!   headers, in one write. An Enhanced RTMP sequence header (HEVC or AV1 in an
//!   ExVideoTagHeader, Opus in an ExAudioTagHeader) goes out alone after the first settle window
//!   passed quietly, with a window of its own ([`CodecHeader`]): a server that drops the session
//!   then is refusing that codec, not the publish (`codec_refused`).
//! - **The media step** (`--duration`) sends the frames live-paced: each item when it is due (its
//!   media time from the step's start), reading what the server sends while it waits, so a close,
//!   a reset or an error status is seen as it happens; the report then says how far the stream
//!   got. One item is written at a time and the next is made only once that write completed, so a
//!   server that stops reading holds the probe at one frame (until `--step-timeout` or
//!   `--timeout`), never a growing queue. A probe that fell behind (slow writes) sends what is
//!   overdue at once, in order: the sequence numbers stay whole.

use super::config::MediaConfig;
use super::driver::Session;
use super::fault::Fault;
use super::outcome::{Failure, FailureKind, Published, Step};
use super::record::{later, Clock, Deadline};
use super::roundtrip::Link;
use super::words;
use crate::media::synth::{Generator, ItemKind};
use crate::protocol::command::data_set_frame;
use crate::protocol::enhanced::Advertised;
use crate::protocol::message::{Message, Outgoing};
use crate::protocol::vocab::csid;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// The bound of a wait for the next item's due time: its end is no failure.
const PACING: &str = "the pacing";

/// The stream being published: the generator and what went out of it.
pub(super) struct MediaOut {
    gen: Generator,
    stream_id: u32,
    sent: Published,
    /// A round trip's link: send times count from its epoch, and the frames sent are told.
    link: Option<Link>,
}

/// An Enhanced RTMP sequence header that verify sends alone.
pub(super) struct CodecHeader {
    pub(super) message: Outgoing,
    pub(super) codec: Codec,
}

/// An Enhanced RTMP codec, and how a drop right after its sequence header reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct Codec {
    /// `hevc`, `av1`, `opus`: what `--video`/`--audio` called it.
    name: &'static str,
    /// `HEVC`, `AV1`, `Opus`.
    label: &'static str,
}

impl Codec {
    /// A drop in this header's window is the codec's refusal; any other failure stays as it is.
    pub(super) fn refused(self, f: Failure) -> Failure {
        if f.kind != FailureKind::DroppedAfterPublish {
            return f;
        }
        let how = if f.message.starts_with(words::RESET) {
            "reset"
        } else {
            "closed"
        };
        Failure {
            kind: FailureKind::CodecRefused,
            message: format!(
                "the server {how} the connection after the first {} sequence header (Enhanced \
                 RTMP): it does not accept {}",
                self.label, self.name
            ),
            ..f
        }
    }
}

impl MediaOut {
    /// The stream of `cfg` on message stream `stream_id`.
    pub(super) fn new(cfg: &MediaConfig, stream_id: u32) -> Result<MediaOut, Failure> {
        let gen = Generator::new(cfg.synth.clone()).map_err(|e| Failure {
            step: Step::Verify,
            kind: FailureKind::Internal,
            message: format!("synthetic media: {e}"),
            status: None,
        })?;
        let sent = Published {
            synth: cfg.synth.clone(),
            enhanced: cfg.enhanced,
            duration: cfg.duration,
            ..Published::default()
        };
        Ok(MediaOut {
            gen,
            stream_id,
            sent,
            link: None,
        })
    }

    /// In a round trip, the markers carry microseconds from the link's epoch on the monotonic
    /// clock (what the player reads its arrivals on), instead of Unix time.
    pub(super) fn send_times_from(&mut self, link: Option<Link>) {
        self.link = link;
    }

    pub(super) fn link(&self) -> Option<&Link> {
        self.link.as_ref()
    }

    /// What was sent so far.
    pub(super) fn published(&self) -> Published {
        self.sent.clone()
    }

    /// Verify's opening: the metadata and the legacy sequence headers (one write), and the
    /// Enhanced RTMP sequence headers (each sent alone after them). Counted as sent: a write
    /// that fails fails verify.
    pub(super) fn opening(&mut self) -> (Vec<Outgoing>, Vec<CodecHeader>) {
        let (mut opening, mut codecs) = (Vec::with_capacity(3), Vec::new());
        let config = self.gen.config().clone();
        loop {
            let kind = self.gen.next_kind();
            if !matches!(
                kind,
                ItemKind::Metadata | ItemKind::VideoConfig | ItemKind::AudioConfig
            ) {
                break;
            }
            let item = self.gen.next(0);
            self.sent.bytes += item.body.len() as u64;
            let header = match kind {
                ItemKind::Metadata => {
                    self.sent.metadata += 1;
                    let data = Message::Data {
                        amf3: false,
                        values: data_set_frame(self.gen.metadata()),
                    };
                    opening.push(Outgoing::new(csid::AUDIO, self.stream_id, data).at(0));
                    continue;
                }
                ItemKind::VideoConfig if config.video.is_enhanced() => {
                    Some((config.video.name(), config.video.label()))
                }
                ItemKind::AudioConfig if config.audio.is_enhanced() => {
                    Some((config.audio.name(), config.audio.label()))
                }
                _ => None,
            };
            self.sent.sequence_headers += 1;
            let message = self.outgoing(kind, item.timestamp_ms, item.body);
            match header {
                Some((name, label)) => codecs.push(CodecHeader {
                    message,
                    codec: Codec { name, label },
                }),
                None => opening.push(message),
            }
        }
        (opening, codecs)
    }

    /// The next frame, stamped with the send time, and its size.
    fn next_frame(&mut self) -> (Outgoing, ItemKind, usize) {
        let now = match &self.link {
            Some(link) => link.micros(Instant::now()),
            None => unix_micros(),
        };
        let item = self.gen.next(now);
        let len = item.body.len();
        (
            self.outgoing(item.kind, item.timestamp_ms, item.body),
            item.kind,
            len,
        )
    }

    /// The end of the video sequence, as encoders send it before they stop.
    fn end_of_sequence(&self) -> (Outgoing, usize) {
        let item = self.gen.end_of_sequence();
        let len = item.body.len();
        (self.outgoing(item.kind, item.timestamp_ms, item.body), len)
    }

    /// An audio or video payload on the chunk streams ffmpeg uses (4 for audio, 6 for video).
    fn outgoing(&self, kind: ItemKind, timestamp: u32, body: Vec<u8>) -> Outgoing {
        let (chunk_stream, message) = match kind {
            ItemKind::AudioConfig | ItemKind::AudioFrame => {
                (csid::AUDIO, Message::Audio(body.into()))
            }
            _ => (csid::VIDEO, Message::Video(body.into())),
        };
        Outgoing::new(chunk_stream, self.stream_id, message).at(timestamp)
    }

    /// Counts a frame whose write completed.
    fn count(&mut self, kind: ItemKind, len: usize) {
        let sent = &mut self.sent;
        sent.bytes += len as u64;
        match kind {
            ItemKind::VideoFrame { keyframe, .. } => {
                sent.video_frames += 1;
                sent.keyframes += u64::from(keyframe);
            }
            ItemKind::AudioFrame => sent.audio_frames += 1,
            _ => {}
        }
        sent.media_time = self.gen.next_due();
    }

    /// "36 video frames (1 keyframe), 56 audio frames, 4.1 kB sent".
    fn progress(&self) -> String {
        let s = &self.sent;
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut out = format!(
            "{} ({})",
            plural(s.video_frames, "video frame", "video frames"),
            plural(s.keyframes, "keyframe", "keyframes")
        );
        if s.synth.audio != crate::media::synth::AudioCodec::None {
            out.push_str(&format!(
                ", {}",
                plural(s.audio_frames, "audio frame", "audio frames")
            ));
        }
        out.push_str(&format!(", {:.1} kB sent", s.bytes as f64 / 1000.0));
        out
    }

    /// A failure of the media step, with how far the stream got: a close or a reset is the
    /// server dropping a publish it had accepted.
    fn dropped(&self, f: Failure, into: Duration) -> Failure {
        let when = format!("{:.2} s into the media", into.as_secs_f64());
        let progress = self.progress();
        let (kind, message) = match f.kind {
            FailureKind::Closed => (
                FailureKind::DroppedAfterPublish,
                format!("the server closed the connection {when}, after {progress}"),
            ),
            FailureKind::Reset => (
                FailureKind::DroppedAfterPublish,
                format!("{} {when}, after {progress}", f.message),
            ),
            kind => (kind, format!("{} ({when}; {progress})", f.message)),
        };
        Failure { kind, message, ..f }
    }
}

impl Session<'_> {
    /// The `media` step: `duration` of live-paced frames after verify, watched for a close, a
    /// reset or an error status all along. It lasts as long as it was asked to, so only the
    /// run's `--timeout` bounds the window; `--step-timeout` bounds each write.
    pub(super) async fn media(
        &mut self,
        out: &mut MediaOut,
        duration: Duration,
    ) -> Result<(), Failure> {
        let clock = self.begin(Step::Media);
        let r = self.pace(&clock, out, duration).await;
        self.end(&clock, r.is_ok());
        r.map_err(|f| out.dropped(f, clock.started.elapsed()))
    }

    async fn pace(
        &mut self,
        clock: &Clock,
        out: &mut MediaOut,
        duration: Duration,
    ) -> Result<(), Failure> {
        let window = self.record.overall();
        let waiting_for = format!(
            "the end of the media window (--duration {})",
            humantime::format_duration(duration)
        );
        while out.gen.next_due() < duration {
            let due = later(clock.started, out.gen.next_due());
            self.wait_until(clock, &window, due, &waiting_for).await?;
            let (message, kind, len) = out.next_frame();
            self.write_media(message).await?;
            out.count(kind, len);
            if let Some(link) = &out.link {
                link.sent(out.sent.video_frames);
            }
        }
        if let Some(link) = &out.link {
            link.publisher_done(Instant::now());
        }
        // The window lasts its whole duration: a drop after the last frame counts too.
        let end = later(clock.started, duration);
        self.wait_until(clock, &window, end, &waiting_for).await?;
        let (end, len) = out.end_of_sequence();
        self.write_media(end).await?;
        out.sent.bytes += len as u64;
        // One last look without waiting, as verify ends.
        loop {
            let r = self.transport()?.recv_now(window.at).await;
            match r {
                Ok(Some(received)) => self.refused_at_verify(clock, received)?,
                Ok(None) => return Ok(()),
                Err(f) => return Err(self.fail(Step::Media, f, &window, &waiting_for)),
            }
        }
    }

    /// Reads what the server sends until `due` (never past `window`): error statuses fail the
    /// step, as do a close and a reset.
    async fn wait_until(
        &mut self,
        clock: &Clock,
        window: &Deadline,
        due: Instant,
        waiting_for: &str,
    ) -> Result<(), Failure> {
        loop {
            let now = Instant::now();
            if now >= due {
                return Ok(());
            }
            let wait = window.within(now, due - now, PACING);
            let r = self.transport()?.recv(wait.at).await;
            match r {
                Ok(received) => self.refused_at_verify(clock, received)?,
                Err(Fault::Timeout) if wait.is(PACING) => return Ok(()),
                Err(f) => return Err(self.fail(Step::Media, f, &wait, waiting_for)),
            }
        }
    }

    /// Writes one item, within `--step-timeout` from now and the run's deadline.
    async fn write_media(&mut self, message: Outgoing) -> Result<(), Failure> {
        let bound = self.record.bound(Instant::now());
        let r = self.transport()?.send([message], bound.at).await;
        r.map_err(|f| self.fail(Step::Media, f, &bound, "the server to take our media"))
    }
}

/// Microseconds since the Unix epoch, the send time each frame's marker carries: a receiver in
/// another process (or on another machine with a synchronised clock) can compute the latency too.
fn unix_micros() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The note for a server whose connect reply says nothing of Enhanced RTMP, or does not name the
/// codecs the probe sends, when connect asked (`--enhanced`, HEVC, AV1, Opus).
pub(super) fn enhanced_note(cfg: &MediaConfig, advertised: Option<&Advertised>) -> Option<String> {
    if !cfg.enhanced {
        return None;
    }
    let Some(advertised) = advertised else {
        return Some(
            "the server's connect reply advertises no Enhanced RTMP codecs (no fourCcList, \
             videoFourCcInfoMap or capsEx): it predates Enhanced RTMP or does not say"
                .into(),
        );
    };
    let synth = &cfg.synth;
    let ours = [Some(synth.video.fourcc()), synth.audio.fourcc()];
    let missing: Vec<String> = ours
        .into_iter()
        .flatten()
        .map(|f| String::from_utf8_lossy(&f).into_owned())
        .filter(|f| f != "avc1" && f != "mp4a" && !advertised.accepts(f))
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "the server's connect reply advertises Enhanced RTMP but not {} (what the probe sends)",
            missing.join(" or ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::synth::{AudioCodec, SynthConfig, VideoCodec};

    fn cfg(video: VideoCodec, audio: AudioCodec) -> MediaConfig {
        MediaConfig {
            synth: SynthConfig {
                video,
                audio,
                ..SynthConfig::default()
            },
            duration: None,
            enhanced: true,
        }
    }

    #[test]
    fn the_opening_keeps_enhanced_sequence_headers_apart() {
        let mut out = MediaOut::new(&cfg(VideoCodec::H264, AudioCodec::Aac), 1).unwrap();
        let (opening, codecs) = out.opening();
        assert_eq!(
            opening.len(),
            3,
            "metadata, AVC and AAC headers in one write"
        );
        assert!(codecs.is_empty());
        let mut out = MediaOut::new(&cfg(VideoCodec::Hevc, AudioCodec::Opus), 1).unwrap();
        let (opening, codecs) = out.opening();
        assert_eq!(opening.len(), 1, "the metadata alone");
        let names: Vec<&str> = codecs.iter().map(|c| c.codec.name).collect();
        assert_eq!(names, ["hevc", "opus"]);
        let sent = out.published();
        assert_eq!((sent.metadata, sent.sequence_headers), (1, 2));
        let mut out = MediaOut::new(&cfg(VideoCodec::Av1, AudioCodec::None), 1).unwrap();
        let (opening, codecs) = out.opening();
        assert_eq!((opening.len(), codecs.len()), (1, 1));
        assert!(matches!(
            out.gen.next_kind(),
            ItemKind::VideoFrame { seq: 0, .. }
        ));
    }

    #[test]
    fn the_note_says_when_a_server_advertises_nothing_or_not_our_codec() {
        let hevc = cfg(VideoCodec::Hevc, AudioCodec::Aac);
        let note = enhanced_note(&hevc, None).unwrap();
        assert!(note.contains("no Enhanced RTMP codecs"), "{note}");
        let av1_only = Advertised {
            fourcc_list: Some(vec!["av01".into()]),
            ..Advertised::default()
        };
        let note = enhanced_note(&hevc, Some(&av1_only)).unwrap();
        assert!(
            note.ends_with("but not hvc1 (what the probe sends)"),
            "{note}"
        );
        let all = Advertised {
            fourcc_list: Some(vec!["hvc1".into()]),
            ..Advertised::default()
        };
        assert_eq!(enhanced_note(&hevc, Some(&all)), None);
        let legacy = MediaConfig {
            enhanced: false,
            ..cfg(VideoCodec::H264, AudioCodec::Aac)
        };
        assert_eq!(enhanced_note(&legacy, None), None);
    }
}
