//! The cost of the synthetic media (issue 13: "10 s at 30 fps should take a small fraction of a
//! core"): generating 10 s of stream (metadata, sequence headers, 300 video frames, the audio
//! frames) per configuration, and reading one frame's marker back.
//!
//! Run with `cargo bench --bench synth` (add `-- --warm-up-time 1 --measurement-time 3` for a
//! quick run). The fraction of a core the live stream takes is the time per iteration over the
//! 10 s it covers; docs/BENCHMARKS.md-style figures are in the report of the change.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rtmp_probe::media::synth::{
    find_marker, AudioCodec, Generator, ItemKind, SynthConfig, VideoCodec,
};

const TEN_SECONDS: Duration = Duration::from_secs(10);

/// Generates 10 s of `config`'s stream; returns the bytes produced.
fn ten_seconds(config: &SynthConfig) -> usize {
    let mut generator = Generator::new(config.clone()).expect("valid configuration");
    let mut bytes = 0;
    while generator.next_due() < TEN_SECONDS {
        let due = generator.next_due();
        bytes += generator.next(due.as_micros() as u64).body.len();
    }
    bytes
}

fn generate(c: &mut Criterion) {
    let configs = [
        (
            "h264_aac_320x180_30fps",
            VideoCodec::H264,
            AudioCodec::Aac,
            320,
            180,
        ),
        (
            "h264_aac_1280x720_30fps",
            VideoCodec::H264,
            AudioCodec::Aac,
            1280,
            720,
        ),
        (
            "h264_aac_1920x1080_30fps",
            VideoCodec::H264,
            AudioCodec::Aac,
            1920,
            1080,
        ),
        (
            "hevc_opus_1280x720_30fps",
            VideoCodec::Hevc,
            AudioCodec::Opus,
            1280,
            720,
        ),
        (
            "av1_opus_1280x720_30fps",
            VideoCodec::Av1,
            AudioCodec::Opus,
            1280,
            720,
        ),
    ];
    let mut group = c.benchmark_group("synth_10s");
    // Throughput in video frames: criterion then prints frames per second of generation.
    group.throughput(Throughput::Elements(300));
    for (name, video, audio, width, height) in configs {
        let config = SynthConfig {
            video,
            audio,
            width,
            height,
            ..SynthConfig::default()
        };
        group.bench_function(name, |b| b.iter(|| ten_seconds(black_box(&config))));
    }
    group.finish();
}

fn read_markers(c: &mut Criterion) {
    let mut generator = Generator::new(SynthConfig::default()).expect("valid configuration");
    let mut frame = None;
    while frame.is_none() {
        let item = generator.next(1_700_000_000_000_000);
        if let ItemKind::VideoFrame { seq: 1, .. } = item.kind {
            frame = Some(item.body);
        }
    }
    let frame = frame.expect("a P frame");
    assert!(find_marker(&frame).is_some_and(|m| m.checksum_ok));
    let mut group = c.benchmark_group("find_marker");
    group.throughput(Throughput::Elements(1));
    group.bench_function("h264_p_frame", |b| {
        b.iter(|| find_marker(black_box(&frame)))
    });
    group.finish();
}

criterion_group!(benches, generate, read_markers);
criterion_main!(benches);
