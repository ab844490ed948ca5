//! Benchmarks of the media module on real bytes (tests/fixtures/media/): FLV tag headers,
//! configuration records with their SPS, and the per-frame cost of the statistics and of the
//! whole monitor.
//!
//! Run with `cargo bench --bench media` (add `-- --warm-up-time 1 --measurement-time 3` for a
//! quick run). Criterion reports the time per call.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rtmp_probe::media::audio::parse_audio_tag;
use rtmp_probe::media::audio_config::AacConfig;
use rtmp_probe::media::avc::{AvcConfig, Sps};
use rtmp_probe::media::hevc::HevcConfig;
use rtmp_probe::media::monitor::{MediaMessage, MediaMonitor};
use rtmp_probe::media::stats::{MediaEvent, MediaKind, StatsConfig, StreamStats};
use rtmp_probe::media::video::parse_video_tag;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../tests/fixtures/media/", $name)).as_slice()
    };
}

const AVC_SEQ: &[u8] = fixture!("x264-main30-640x360-seq.bin");
const AVC_SEQ_HIGH: &[u8] = fixture!("x264-high40-642x362-seq.bin");
const AVC_KEY: &[u8] = fixture!("x264-main30-keyframe-head.bin");
const AV1_KEY: &[u8] = fixture!("erl-av1-keyframe-head.bin");
const AAC_SEQ: &[u8] = fixture!("aac-lc-44100-stereo-seq.bin");
const AAC_FRAME: &[u8] = fixture!("aac-lc-frame-head.bin");
const HVCC: &[u8] = fixture!("x265-main-320x240.hvcC");

fn config() -> StatsConfig {
    StatsConfig {
        gap_threshold: Duration::from_secs(2),
    }
}

fn tags(c: &mut Criterion) {
    let mut group = c.benchmark_group("media_tag_header");
    group.bench_function("legacy_avc_keyframe", |b| {
        b.iter(|| parse_video_tag(black_box(AVC_KEY)))
    });
    group.bench_function("enhanced_av1_keyframe", |b| {
        b.iter(|| parse_video_tag(black_box(AV1_KEY)))
    });
    group.bench_function("legacy_aac_frame", |b| {
        b.iter(|| parse_audio_tag(black_box(AAC_FRAME)))
    });
    group.finish();
}

fn configs(c: &mut Criterion) {
    let mut group = c.benchmark_group("media_config");
    for (name, payload) in [
        ("avc_record_and_sps_main30", AVC_SEQ),
        ("avc_record_and_sps_high40", AVC_SEQ_HIGH),
    ] {
        let body = parse_video_tag(payload).expect("fixture parses").body;
        group.bench_function(name, |b| {
            b.iter(|| {
                let record = AvcConfig::parse(black_box(body)).expect("record");
                record.first_sps().expect("an SPS").expect("SPS parses")
            })
        });
    }
    let sps = AvcConfig::parse(parse_video_tag(AVC_SEQ).unwrap().body)
        .unwrap()
        .sps
        .first()
        .unwrap();
    group.bench_function("h264_sps_only", |b| b.iter(|| Sps::parse(black_box(sps))));
    group.bench_function("hevc_record_and_sps_x265", |b| {
        b.iter(|| {
            let record = HevcConfig::parse(black_box(HVCC)).expect("record");
            record.first_sps().expect("an SPS").expect("SPS parses")
        })
    });
    let asc = parse_audio_tag(AAC_SEQ).unwrap().body;
    group.bench_function("aac_audio_specific_config", |b| {
        b.iter(|| AacConfig::parse(black_box(asc)))
    });
    group.finish();
}

fn per_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("media_per_frame");
    group.bench_function("stats_record", |b| {
        let mut stats = StreamStats::new(config());
        let mut i = 0u32;
        b.iter(|| {
            i = i.wrapping_add(1);
            stats.record(black_box(&MediaEvent {
                kind: MediaKind::Video,
                timestamp: i.wrapping_mul(40),
                arrival: Duration::from_millis(u64::from(i) * 40),
                len: 1500,
                keyframe: i.is_multiple_of(50),
                config: false,
            }))
        })
    });
    // One frame message after its sequence header, timestamps `step` ms apart.
    let frames = [
        ("monitor_on_video_avc_frame", AVC_SEQ, AVC_KEY, 40, 6000),
        ("monitor_on_audio_aac_frame", AAC_SEQ, AAC_FRAME, 23, 371),
    ];
    for (name, seq, head, step, len) in frames {
        let video = seq == AVC_SEQ;
        group.bench_function(name, |b| {
            let mut m = MediaMonitor::new(config());
            let header = MediaMessage::whole(0, Duration::ZERO, seq);
            let _ = if video {
                m.on_video(header)
            } else {
                m.on_audio(header)
            };
            let mut i = 0u32;
            b.iter(|| {
                i = i.wrapping_add(1);
                let msg = black_box(MediaMessage {
                    timestamp: i.wrapping_mul(step),
                    arrival: Duration::from_millis(u64::from(i) * u64::from(step)),
                    len,
                    head,
                });
                if video {
                    m.on_video(msg)
                } else {
                    m.on_audio(msg)
                }
            })
        });
    }
    group.bench_function("monitor_summary", |b| {
        let mut m = MediaMonitor::new(config());
        m.on_video(MediaMessage::whole(0, Duration::ZERO, AVC_SEQ))
            .unwrap();
        for i in 0..250u32 {
            let _ = m.on_video(MediaMessage {
                timestamp: i * 40,
                arrival: Duration::from_millis(u64::from(i) * 40),
                len: 1500,
                head: AVC_KEY,
            });
        }
        b.iter(|| m.summary(black_box(Duration::from_secs(10))))
    });
    group.finish();
}

criterion_group!(benches, tags, configs, per_frame);
criterion_main!(benches);
