//! The paced stream: metadata, sequence headers, then video and audio frames in media-time order.

use std::time::Duration;

use crate::protocol::amf0::{encode_all, Value};
use crate::protocol::chunk::RawMessage;
use crate::protocol::command::data_set_frame;
use crate::protocol::vocab::{csid, type_id};

use super::audio::{
    aac_audio_specific_config, aac_silent_frame, opus_head, opus_silent_packet, AAC_FRAME_SAMPLES,
    OPUS_CLOCK, OPUS_FRAME_SAMPLES,
};
use super::av1::Av1Encoder;
use super::flv::{self, FOURCC_AV1, FOURCC_HEVC, FOURCC_OPUS};
use super::h264::H264Encoder;
use super::hevc::HevcEncoder;
use super::marker::{self, checksum};
use super::{AudioCodec, SynthConfig, SynthError, VideoCodec};

/// What an [`Item`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// The `@setDataFrame` / `onMetaData` data message (RTMP type 18, AMF0).
    Metadata,
    /// The video sequence header / SequenceStart (the decoder configuration record).
    VideoConfig,
    /// The audio sequence header / SequenceStart (AudioSpecificConfig or OpusHead).
    AudioConfig,
    /// A coded video frame carrying the marker with sequence number `seq` (0, 1, 2...).
    VideoFrame { seq: u64, keyframe: bool },
    /// A coded audio frame.
    AudioFrame,
    /// The end of the video sequence (AVC end of sequence, Enhanced RTMP SequenceEnd).
    VideoEnd,
}

/// One message of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: ItemKind,
    /// The RTMP message / FLV tag timestamp: the media time in milliseconds, wrapping at 2^32.
    pub timestamp_ms: u32,
    /// The message payload (FLV tag body), ready to send.
    pub body: Vec<u8>,
}

impl Item {
    /// The RTMP message type: 18 (AMF0 data), 9 (video) or 8 (audio).
    pub fn message_type(&self) -> u8 {
        match self.kind {
            ItemKind::Metadata => type_id::DATA_AMF0,
            ItemKind::VideoConfig | ItemKind::VideoFrame { .. } | ItemKind::VideoEnd => {
                type_id::VIDEO
            }
            ItemKind::AudioConfig | ItemKind::AudioFrame => type_id::AUDIO,
        }
    }

    /// The RTMP message to hand to the chunk encoder, on message stream `stream_id` (the one
    /// `createStream` returned) and the chunk streams ffmpeg uses: 4 for data and audio, 6 for
    /// video.
    pub fn into_raw(self, stream_id: u32) -> RawMessage {
        let type_id = self.message_type();
        let csid = if type_id == type_id::VIDEO {
            csid::VIDEO
        } else {
            csid::AUDIO
        };
        RawMessage::new(csid, self.timestamp_ms, type_id, stream_id, self.body)
    }
}

#[derive(Debug, Clone)]
enum Video {
    H264(H264Encoder),
    Hevc(HevcEncoder),
    Av1(Av1Encoder),
}

/// Generates the synthetic stream of a [`SynthConfig`], an item at a time, paced by media time.
///
/// The first three items (two without audio) are due at once: metadata, the video
/// configuration, the audio configuration. Then video frame `n` is due at `n / fps` and audio
/// frame `k` at `k * 1024 / rate` (AAC) or `k * 20 ms` (Opus); at equal times video goes first.
/// A caller sends live-paced media for a duration D by sleeping until `start + next_due()`, then
/// sending `next(now_us)`, until `next_due()` reaches D. The generator never ends by itself.
#[derive(Debug, Clone)]
pub struct Generator {
    config: SynthConfig,
    video: Video,
    keyframe_every: u64,
    /// Configuration items still to send, in order.
    preamble: Vec<ItemKind>,
    video_frames: u64,
    audio_frames: u64,
}

impl Generator {
    /// A generator for `config`, or what is wrong with it.
    pub fn new(config: SynthConfig) -> Result<Generator, SynthError> {
        config.validate()?;
        let (w, h, fps) = (config.width, config.height, config.frame_rate);
        let video = match config.video {
            VideoCodec::H264 => Video::H264(H264Encoder::new(w, h, fps)),
            VideoCodec::Hevc => Video::Hevc(HevcEncoder::new(w, h, fps)),
            VideoCodec::Av1 => Video::Av1(Av1Encoder::new(w, h, fps)),
        };
        let mut preamble = vec![ItemKind::Metadata, ItemKind::VideoConfig];
        if config.audio != AudioCodec::None {
            preamble.push(ItemKind::AudioConfig);
        }
        preamble.reverse(); // popped from the end
        Ok(Generator {
            keyframe_every: config.keyframe_every(),
            config,
            video,
            preamble,
            video_frames: 0,
            audio_frames: 0,
        })
    }

    pub fn config(&self) -> &SynthConfig {
        &self.config
    }

    /// Video frames generated so far (the sequence number the next one gets).
    pub fn video_frames(&self) -> u64 {
        self.video_frames
    }

    /// Audio frames generated so far.
    pub fn audio_frames(&self) -> u64 {
        self.audio_frames
    }

    /// Frames from one key frame to the next.
    pub fn keyframe_every(&self) -> u64 {
        self.keyframe_every
    }

    /// The media time of video frame `n`.
    fn video_due(&self, n: u64) -> Duration {
        let fps = self.config.frame_rate;
        nanos_to_duration(u128::from(n) * u128::from(fps.den) * 1_000_000_000 / u128::from(fps.num))
    }

    /// The media time of audio frame `k`, `None` without audio.
    fn audio_due(&self, k: u64) -> Option<Duration> {
        let (samples, rate) = match self.config.audio {
            AudioCodec::None => return None,
            AudioCodec::Aac => (AAC_FRAME_SAMPLES, self.config.audio_sample_rate),
            AudioCodec::Opus => (OPUS_FRAME_SAMPLES, OPUS_CLOCK),
        };
        Some(nanos_to_duration(
            u128::from(k) * u128::from(samples) * 1_000_000_000 / u128::from(rate),
        ))
    }

    /// What [`Generator::next`] will produce, and its media time.
    fn upcoming(&self) -> (ItemKind, Duration) {
        if let Some(&kind) = self.preamble.last() {
            return (kind, Duration::ZERO);
        }
        let video = self.video_due(self.video_frames);
        match self.audio_due(self.audio_frames) {
            Some(audio) if audio < video => (ItemKind::AudioFrame, audio),
            _ => {
                let seq = self.video_frames;
                let keyframe = seq.is_multiple_of(self.keyframe_every);
                (ItemKind::VideoFrame { seq, keyframe }, video)
            }
        }
    }

    /// The media time (from the start of the stream) at which the next item is due.
    pub fn next_due(&self) -> Duration {
        self.upcoming().1
    }

    /// The kind of the next item.
    pub fn next_kind(&self) -> ItemKind {
        self.upcoming().0
    }

    /// Produces the next item; a video frame's marker records `send_time_us` (microseconds on
    /// the caller's clock, e.g. since the Unix epoch or since the run started).
    pub fn next(&mut self, send_time_us: u64) -> Item {
        let (kind, due) = self.upcoming();
        let body = match kind {
            ItemKind::Metadata => {
                self.preamble.pop();
                let mut out = Vec::with_capacity(256);
                encode_all(&data_set_frame(self.metadata()), &mut out);
                out
            }
            ItemKind::VideoConfig => {
                self.preamble.pop();
                self.video_config()
            }
            ItemKind::AudioConfig => {
                self.preamble.pop();
                self.audio_config()
            }
            ItemKind::VideoFrame { seq, keyframe } => {
                self.video_frames += 1;
                self.video_frame(seq, keyframe, send_time_us)
            }
            ItemKind::AudioFrame => {
                self.audio_frames += 1;
                self.audio_frame()
            }
            ItemKind::VideoEnd => Vec::new(), // never upcoming
        };
        Item {
            kind,
            timestamp_ms: timestamp_ms(due),
            body,
        }
    }

    /// The message that ends the video sequence, stamped with the media time of the last item
    /// produced; to send before unpublishing (optional: servers accept a publisher that just
    /// stops).
    pub fn end_of_sequence(&self) -> Item {
        let last_video = self.video_due(self.video_frames.saturating_sub(1));
        let last_audio = self
            .audio_due(self.audio_frames.saturating_sub(1))
            .unwrap_or_default();
        let body = match self.video {
            Video::H264(_) => flv::avc_tag(false, flv::AVC_END_OF_SEQUENCE, &[]),
            Video::Hevc(_) => flv::ex_video_tag(false, flv::PACKET_SEQUENCE_END, FOURCC_HEVC, &[]),
            Video::Av1(_) => flv::ex_video_tag(false, flv::PACKET_SEQUENCE_END, FOURCC_AV1, &[]),
        };
        Item {
            kind: ItemKind::VideoEnd,
            timestamp_ms: timestamp_ms(last_video.max(last_audio)),
            body,
        }
    }

    /// The onMetaData properties (Enhanced RTMP v2 "Enhancing onMetaData": FourCC codec ids as
    /// numbers for the enhanced codecs).
    pub fn metadata(&self) -> Vec<(String, Value)> {
        let c = &self.config;
        let mut props: Vec<(String, Value)> = vec![
            ("duration".into(), 0.0.into()),
            ("width".into(), f64::from(c.width).into()),
            ("height".into(), f64::from(c.height).into()),
            ("framerate".into(), c.frame_rate.as_f64().into()),
        ];
        let video_id = match c.video {
            VideoCodec::H264 => flv::METADATA_AVC,
            VideoCodec::Hevc => flv::fourcc_number(FOURCC_HEVC),
            VideoCodec::Av1 => flv::fourcc_number(FOURCC_AV1),
        };
        props.push(("videocodecid".into(), video_id.into()));
        let audio_id = match c.audio {
            AudioCodec::None => None,
            AudioCodec::Aac => Some(flv::METADATA_AAC),
            AudioCodec::Opus => Some(flv::fourcc_number(FOURCC_OPUS)),
        };
        if let Some(id) = audio_id {
            let rate = match c.audio {
                AudioCodec::Opus => OPUS_CLOCK,
                _ => c.audio_sample_rate,
            };
            props.push(("audiocodecid".into(), id.into()));
            props.push(("audiosamplerate".into(), f64::from(rate).into()));
            props.push(("audiosamplesize".into(), 16.0.into()));
            props.push(("stereo".into(), (c.audio_channels == 2).into()));
        }
        props.push(("encoder".into(), "rtmp-probe synthetic media".into()));
        props.push(("filesize".into(), 0.0.into()));
        props
    }

    fn video_config(&self) -> Vec<u8> {
        match &self.video {
            Video::H264(enc) => flv::avc_tag(
                true,
                flv::AVC_SEQUENCE_HEADER,
                &enc.decoder_configuration_record(),
            ),
            Video::Hevc(enc) => flv::ex_video_tag(
                true,
                flv::PACKET_SEQUENCE_START,
                FOURCC_HEVC,
                &enc.decoder_configuration_record(self.config.frame_rate),
            ),
            Video::Av1(enc) => flv::ex_video_tag(
                true,
                flv::PACKET_SEQUENCE_START,
                FOURCC_AV1,
                &enc.codec_configuration_record(),
            ),
        }
    }

    fn audio_config(&self) -> Vec<u8> {
        let c = &self.config;
        match c.audio {
            AudioCodec::Aac => flv::aac_tag(
                flv::AAC_SEQUENCE_HEADER,
                &aac_audio_specific_config(c.audio_sample_rate, c.audio_channels),
            ),
            AudioCodec::Opus => flv::ex_audio_tag(
                flv::PACKET_SEQUENCE_START,
                FOURCC_OPUS,
                &opus_head(c.audio_channels, c.audio_sample_rate),
            ),
            AudioCodec::None => Vec::new(),
        }
    }

    fn audio_frame(&self) -> Vec<u8> {
        let channels = self.config.audio_channels;
        match self.config.audio {
            AudioCodec::Aac => flv::aac_tag(flv::AAC_RAW, &aac_silent_frame(channels)),
            AudioCodec::Opus => flv::ex_audio_tag(
                flv::PACKET_CODED_FRAMES,
                FOURCC_OPUS,
                &opus_silent_packet(channels),
            ),
            AudioCodec::None => Vec::new(),
        }
    }

    fn video_frame(&mut self, seq: u64, keyframe: bool, send_time_us: u64) -> Vec<u8> {
        match &mut self.video {
            Video::H264(enc) => {
                let slice = enc.encode(keyframe);
                let sum = checksum(seq, send_time_us, [slice.as_slice()]);
                let sei = marker::h264_sei(seq, send_time_us, sum);
                let data = flv::length_prefixed([sei.as_slice(), slice.as_slice()]);
                flv::avc_tag(keyframe, flv::AVC_NALU, &data)
            }
            Video::Hevc(enc) => {
                let slice = enc.encode(keyframe);
                let sum = checksum(seq, send_time_us, [slice.as_slice()]);
                let sei = marker::hevc_sei(seq, send_time_us, sum);
                let data = flv::length_prefixed([sei.as_slice(), slice.as_slice()]);
                // CodedFramesX: composition time 0 is implied (as ffmpeg sends HEVC).
                flv::ex_video_tag(keyframe, flv::PACKET_CODED_FRAMES_X, FOURCC_HEVC, &data)
            }
            Video::Av1(enc) => {
                let (sequence_header, frame) = enc.encode(keyframe);
                let sum = checksum(seq, send_time_us, [frame.as_slice()]);
                let metadata = marker::av1_metadata_obu(seq, send_time_us, sum);
                let mut data = Vec::with_capacity(64 + frame.len());
                data.extend_from_slice(sequence_header.unwrap_or_default());
                data.extend_from_slice(&metadata);
                data.extend_from_slice(&frame);
                flv::ex_video_tag(keyframe, flv::PACKET_CODED_FRAMES, FOURCC_AV1, &data)
            }
        }
    }
}

fn nanos_to_duration(nanos: u128) -> Duration {
    let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
    Duration::new(secs, (nanos % 1_000_000_000) as u32)
}

/// Milliseconds, rounded to the nearest, modulo 2^32 (RTMP timestamps wrap).
fn timestamp_ms(due: Duration) -> u32 {
    ((due.as_nanos() + 500_000) / 1_000_000) as u32
}
