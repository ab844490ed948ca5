//! Every media parser on arbitrary bytes, and the monitor and statistics driven by them.
//!
//! Input: the bytes themselves, given to each parser (tag headers, configuration records, SPSs
//! with and without a NAL header in front, audio configurations, onMetaData, aggregates, FLV
//! files), to `MediaMonitor` as a video, an audio and an aggregate message, and read as a list
//! of 8-byte statistics events. Checked: no panic; borrowed slices lie inside the input;
//! iterations end; pictures are no larger than their coded size; summary figures are finite and
//! ordered (min <= mean <= max); the monitor keeps no more than its bounds.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use rtmp_probe::media::audio::{parse_audio_tag, parse_multichannel_config};
use rtmp_probe::media::audio_config::{AacConfig, FlacStreamInfo, Mp3FrameHeader, OpusHead};
use rtmp_probe::media::av1::{Av1Config, Av1SequenceHeader, VpConfig};
use rtmp_probe::media::avc::{AvcConfig, Sps};
use rtmp_probe::media::flv::{aggregate_messages, flv_file};
use rtmp_probe::media::hevc::{HevcConfig, HevcSps};
use rtmp_probe::media::metadata::{disagreements, Metadata, StreamFacts};
use rtmp_probe::media::monitor::{MediaMessage, MediaMonitor, MAX_PROBLEMS};
use rtmp_probe::media::stats::{MediaEvent, MediaKind, StatsConfig, StreamStats};
use rtmp_probe::media::video::parse_video_tag;
use rtmp_probe::protocol::Limits;

/// `inner` is a sub-slice of `outer` (same memory).
fn inside(inner: &[u8], outer: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    inner.is_empty() || (i >= o && i + inner.len() <= o + outer.len())
}

fn check_sps(sps: &Sps) {
    assert!(sps.width > 0 && sps.width <= sps.coded_width, "{sps:?}");
    assert!(sps.height > 0 && sps.height <= sps.coded_height, "{sps:?}");
    assert!(sps.coded_width <= 65536 && sps.coded_height <= 2 * 65536);
    let _ = (sps.profile_name(), sps.level_name(), sps.frame_rate());
}

fn check_hevc_sps(sps: &HevcSps) {
    assert!(sps.width > 0 && sps.width <= sps.coded_width, "{sps:?}");
    assert!(sps.height > 0 && sps.height <= sps.coded_height, "{sps:?}");
    let _ = sps.profile_name();
}

fn parsers(data: &[u8]) {
    if let Ok(tag) = parse_video_tag(data) {
        assert!(inside(tag.body, data));
        if let Some(size) = tag.multitrack.and_then(|m| m.track_size) {
            assert!(tag.body.len() <= size as usize);
        }
        let _ = tag.codec.map(|c| c.to_string());
    }
    if let Ok(tag) = parse_audio_tag(data) {
        assert!(inside(tag.body, data));
        let _ = tag.codec.to_string();
        let _ = tag.legacy.map(|l| l.sample_rate());
    }
    if let Ok(rec) = AvcConfig::parse(data) {
        assert_eq!(rec.sps.iter().count(), rec.sps.len());
        assert_eq!(rec.pps.iter().count(), rec.pps.len());
        for unit in rec.sps.iter().chain(rec.pps.iter()) {
            assert!(inside(unit, data));
        }
        if let Some(Ok(sps)) = rec.first_sps() {
            check_sps(&sps);
        }
    }
    if let Ok(sps) = Sps::parse(data) {
        check_sps(&sps);
    }
    let with_header = [&[0x67], data].concat();
    if let Ok(sps) = Sps::parse(&with_header) {
        check_sps(&sps);
    }
    if let Ok(rec) = HevcConfig::parse(data) {
        for array in rec.arrays() {
            assert_eq!(array.units.iter().count(), array.units.len());
            for unit in array.units.iter() {
                assert!(inside(unit, data));
            }
        }
        if let Some(Ok(sps)) = rec.first_sps() {
            check_hevc_sps(&sps);
        }
        let _ = rec.profile_name();
    }
    let with_header = [&[0x42, 0x01], data].concat();
    if let Ok(sps) = HevcSps::parse(&with_header) {
        check_hevc_sps(&sps);
    }
    if let Ok(rec) = Av1Config::parse(data) {
        assert!(inside(rec.config_obus, data));
        if let Some(Ok(seq)) = rec.sequence_header() {
            assert!(seq.max_frame_width > 0 && seq.max_frame_height > 0);
        }
        let _ = (rec.profile_name(), rec.chroma_name());
    }
    if let Ok(seq) = Av1SequenceHeader::parse(data) {
        assert!(seq.frame_rate.is_none_or(|f| f.is_finite() && f >= 0.0));
    }
    let _ = VpConfig::parse(data).map(|r| r.vp9_profile_name());
    if let Ok(asc) = AacConfig::parse(data) {
        assert!(asc.sample_rate() > 0);
        let _ = (asc.channels(), asc.profile_name());
    }
    let _ = OpusHead::parse(data);
    let _ = FlacStreamInfo::parse(data);
    let _ = Mp3FrameHeader::parse(data);
    let _ = parse_multichannel_config(data);

    let mut total = 0usize;
    for (n, sub) in aggregate_messages(data, 1000).enumerate() {
        assert!(n <= data.len() / 11, "more sub-messages than headers fit");
        match sub {
            Ok(sub) => {
                assert!(inside(sub.body, data));
                total += 11 + sub.body.len();
                assert!(total <= data.len());
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    if let Ok((_, tags)) = flv_file(data) {
        for tag in tags.flatten() {
            assert!(inside(tag.body, data));
        }
    }
    if let Ok(Some(meta)) = Metadata::from_payload(data, &Limits::default()) {
        let _ = disagreements(&meta, &StreamFacts::default());
    }
}

/// The input as statistics events, 8 bytes each: flags (bit 0 audio, 1 keyframe, 2 config),
/// timestamp (u32), arrival step in ms (u16), length (u8, times 64).
fn stats(data: &[u8]) {
    let mut s = StreamStats::new(StatsConfig {
        gap_threshold: Duration::from_millis(500),
    });
    let mut arrival = Duration::ZERO;
    for e in data.chunks_exact(8) {
        let ts = u32::from_be_bytes([e[1], e[2], e[3], e[4]]);
        arrival += Duration::from_millis(u64::from(u16::from_be_bytes([e[5], e[6]])));
        s.record(&MediaEvent {
            kind: if e[0] & 1 != 0 { MediaKind::Audio } else { MediaKind::Video },
            timestamp: ts,
            arrival,
            len: u32::from(e[7]) * 64,
            keyframe: e[0] & 2 != 0,
            config: e[0] & 4 != 0,
        });
    }
    let summary = s.summary(arrival + Duration::from_millis(1));
    for track in [summary.video, summary.audio].into_iter().flatten() {
        assert!(track.fps.is_none_or(|f| f.is_finite() && f > 0.0), "{track:?}");
        assert!(track.keyframes <= track.frames && track.stalls <= track.frames + 1);
        if let Some(k) = track.keyframe_interval {
            assert!(k.min_s <= k.mean_s + 1e-9 && k.mean_s <= k.max_s + 1e-9, "{k:?}");
            assert!(k.min_s >= 0.0 && k.open_s >= 0.0 && k.open_s <= k.max_s);
        }
    }
}

fn monitor(data: &[u8]) {
    let mut m = MediaMonitor::new(StatsConfig {
        gap_threshold: Duration::from_secs(2),
    });
    let limits = Limits::default();
    let _ = m.on_video(MediaMessage::whole(0, Duration::ZERO, data));
    let _ = m.on_audio(MediaMessage::whole(0, Duration::ZERO, data));
    // As the start of a larger message.
    let head = MediaMessage {
        len: u32::MAX,
        ..MediaMessage::whole(10, Duration::from_millis(10), data)
    };
    let _ = m.on_video(head);
    let _ = m.on_aggregate(MediaMessage::whole(20, Duration::from_millis(20), data), &limits);
    let summary = m.summary(Duration::from_millis(100));
    assert!(summary.problems.len() <= MAX_PROBLEMS);
    assert!(summary.problems.len() as u64 <= summary.problem_count);
    for p in &summary.problems {
        let _ = p.to_string();
    }
    let _ = summary.video.as_ref().and_then(|v| v.codec_name());
    let _ = summary.audio.as_ref().and_then(|a| a.codec_name());
}

fuzz_target!(|data: &[u8]| {
    parsers(data);
    stats(data);
    monitor(data);
});
