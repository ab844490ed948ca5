//! Stream statistics from synthetic event sequences: each behaviour of real servers and encoders
//! (GOP-cache burst at join, 32-bit wrap, timestamps backwards, stalls, open keyframe intervals,
//! a join mid-GOP, drift, one kind only).

use std::time::Duration;

use crate::media::stats::{MediaEvent, MediaKind, StatsConfig, StatsSummary, StreamStats};

const MS: Duration = Duration::from_millis(1);

fn config() -> StatsConfig {
    StatsConfig {
        gap_threshold: Duration::from_secs(2),
    }
}

fn video(timestamp: u32, arrival_ms: u64, len: u32, keyframe: bool) -> MediaEvent {
    MediaEvent {
        kind: MediaKind::Video,
        timestamp,
        arrival: MS * arrival_ms as u32,
        len,
        keyframe,
        config: false,
    }
}

fn audio(timestamp: u32, arrival_ms: u64, len: u32) -> MediaEvent {
    MediaEvent {
        kind: MediaKind::Audio,
        keyframe: false,
        ..video(timestamp, arrival_ms, len, false)
    }
}

/// `frames` video frames at 25 fps from `start` (media ms), a keyframe every `gop` frames
/// (keyframes 4000 bytes, others 1000), arriving in real time from `arrival0` ms.
fn gop_stream(start: u32, frames: u32, gop: u32, arrival0: u64) -> Vec<MediaEvent> {
    (0..frames)
        .map(|i| {
            let key = i % gop == 0;
            video(
                start.wrapping_add(i * 40),
                arrival0 + u64::from(i) * 40,
                if key { 4000 } else { 1000 },
                key,
            )
        })
        .collect()
}

fn run(events: &[MediaEvent], window_end_ms: u64) -> StatsSummary {
    let mut stats = StreamStats::new(config());
    for e in events {
        stats.record(e);
    }
    stats.summary(MS * window_end_ms as u32)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn a_steady_25_fps_stream_with_a_2_s_gop() {
    let s = run(&gop_stream(0, 125, 50, 0), 5000);
    let v = s.video.unwrap();
    assert_eq!((v.frames, v.keyframes), (125, 3));
    assert_eq!(v.media_ms, 124 * 40);
    assert!(close(v.fps.unwrap(), 25.0));
    // 3 keyframes of 4000 bytes, 122 frames of 1000: mean 1072 bytes, x 8 x 25.
    assert_eq!(v.bytes, 3 * 4000 + 122 * 1000);
    assert_eq!(v.bitrate_bps, Some(214_400));
    let k = v.keyframe_interval.unwrap();
    assert_eq!((k.min_s, k.max_s, k.mean_s, k.closed), (2.0, 2.0, 2.0, 2));
    assert!(close(k.open_s, 0.96));
    assert_eq!(v.frames_before_first_keyframe, 0);
    assert_eq!((v.backwards, v.timestamp_gaps, v.stalls), (0, 0, 0));
    assert_eq!(v.largest_timestamp_step_ms, 40);
    assert_eq!((s.stalls, s.max_gap), (0, MS * 40));
    assert_eq!(s.audio, None);
    assert_eq!(s.av_drift_ms, None, "video only: no drift");
}

#[test]
fn a_gop_cache_burst_at_join_does_not_inflate_the_rates() {
    // 2 s of cached media (50 frames) delivered within 10 ms, then 3 s live in real time.
    let mut events: Vec<MediaEvent> = gop_stream(10_000, 50, 50, 0)
        .into_iter()
        .enumerate()
        .map(|(i, e)| MediaEvent {
            arrival: MS * (i as u32 / 5),
            ..e
        })
        .collect();
    events.extend(gop_stream(12_000, 75, 50, 40));
    let burst = run(&events, 3000).video.unwrap();
    let steady = run(&gop_stream(10_000, 125, 50, 0), 5000).video.unwrap();
    assert_eq!(burst.frames, 125);
    assert!(close(burst.fps.unwrap(), 25.0));
    assert_eq!(burst.bitrate_bps, steady.bitrate_bps);
    // What an arrival-time rate would have said: 125 frames' bits over 3 s, not 5 s.
    let naive = burst.bytes as f64 * 8.0 / 3.0;
    assert!(naive > 1.6 * burst.bitrate_bps.unwrap() as f64);
}

#[test]
fn timestamps_that_wrap_at_32_bits_go_forward() {
    let s = run(&gop_stream(0xFFFF_F000, 250, 50, 0), 10_000);
    let v = s.video.unwrap();
    assert_eq!((v.backwards, v.frames), (0, 250));
    assert!(close(v.fps.unwrap(), 25.0));
    assert_eq!(v.keyframe_interval.unwrap().max_s, 2.0);
    assert_eq!(
        v.last_timestamp,
        Some(0xFFFF_F000u32.wrapping_add(249 * 40))
    );
    // The step of the specification's example: 0xFFFFFF00 -> 0x00000100 is +512 ms.
    let v = run(
        &[
            video(0xFFFF_FF00, 0, 100, true),
            video(0x100, 20, 100, false),
        ],
        40,
    )
    .video
    .unwrap();
    assert_eq!(
        (v.backwards, v.largest_timestamp_step_ms, v.media_ms),
        (0, 512, 512)
    );
}

#[test]
fn timestamps_going_backwards_are_counted_with_the_worst_jump() {
    let events = [
        video(0, 0, 100, false),
        video(40, 40, 100, false),
        video(80, 80, 100, false),
        video(40, 120, 100, false), // back 40
        video(5000, 160, 100, true),
        video(1000, 200, 100, true), // back 4000
        video(1040, 240, 100, false),
    ];
    let v = run(&events, 280).video.unwrap();
    assert_eq!((v.backwards, v.worst_backwards_ms), (2, 4000));
    // Covered media time only counts the forward steps: 40 + 40 + 4960 + 40.
    assert_eq!(v.media_ms, 5080);
    // The keyframe after the jump back is no interval of -3960 ms.
    assert_eq!(v.keyframe_interval.unwrap().closed, 0);
    // Audio and video timestamps interleaving (audio behind video) is no jump back.
    let mixed = [
        video(1000, 0, 1, true),
        audio(980, 1, 1),
        video(1040, 40, 1, false),
        audio(1003, 41, 1),
    ];
    let s = run(&mixed, 50);
    assert_eq!(
        (s.video.unwrap().backwards, s.audio.unwrap().backwards),
        (0, 0)
    );
}

#[test]
fn a_delivery_gap_longer_than_the_threshold_is_a_stall() {
    let mut events = gop_stream(0, 50, 50, 0); // arrivals 0..1960
    events.extend(gop_stream(2000, 50, 50, 1960 + 3000)); // 3 s without media
    events.extend(gop_stream(4000, 25, 50, 6920 + 1500)); // 1.5 s without: no stall
    let s = run(&events, 8420 + 960);
    assert_eq!(s.stalls, 1);
    assert_eq!(s.max_gap, Duration::from_millis(3000));
    let v = s.video.unwrap();
    assert_eq!((v.stalls, v.max_gap), (1, Duration::from_millis(3000)));
    // The media timestamps have no gap: the server held it back.
    assert_eq!(v.timestamp_gaps, 0);
}

#[test]
fn media_that_stops_before_the_end_of_the_window_is_a_stall() {
    let s = run(&gop_stream(0, 50, 50, 0), 1960 + 2500);
    assert_eq!((s.stalls, s.max_gap), (1, Duration::from_millis(2500)));
    // And a window without any media is one long gap.
    let empty = run(&[], 5000);
    assert_eq!((empty.stalls, empty.max_gap), (1, Duration::from_secs(5)));
    assert_eq!((empty.video, empty.audio), (None, None));
    // The time before the first frame counts too.
    let late = run(&gop_stream(0, 10, 50, 2100), 2100 + 400);
    assert_eq!(
        (late.stalls, late.max_gap),
        (1, Duration::from_millis(2100))
    );
}

#[test]
fn a_forward_jump_of_the_timestamps_is_a_timestamp_gap() {
    let events = [
        video(0, 0, 1, true),
        video(40, 40, 1, false),
        video(5040, 80, 1, false),
        video(5080, 120, 1, false),
    ];
    let v = run(&events, 160).video.unwrap();
    assert_eq!((v.timestamp_gaps, v.largest_timestamp_step_ms), (1, 5000));
    assert_eq!(v.stalls, 0);
}

#[test]
fn an_interval_still_open_at_the_end_counts() {
    // A 10 s GOP watched for 5 s from its keyframe: one keyframe, at least 4.96 s.
    let v = run(&gop_stream(0, 125, 250, 0), 5000).video.unwrap();
    let k = v.keyframe_interval.unwrap();
    assert_eq!((v.keyframes, k.closed), (1, 0));
    assert!(close(k.max_s, 4.96) && close(k.min_s, 4.96) && close(k.mean_s, 4.96));
    // 12 s of it: one closed interval of 10 s, and an open one of 1.96 s that does not lower
    // the minimum or the mean.
    let k = run(&gop_stream(0, 300, 250, 0), 12_000)
        .video
        .unwrap()
        .keyframe_interval
        .unwrap();
    assert_eq!(
        (k.closed, k.min_s, k.max_s, k.mean_s),
        (1, 10.0, 10.0, 10.0)
    );
    assert!(close(k.open_s, 1.96));
    // A 2 s GOP whose encoder then stops sending keyframes for 6 s: the maximum is the open one.
    let mut events = gop_stream(0, 100, 50, 0);
    events.extend(
        gop_stream(4000, 150, 1000, 4000)
            .into_iter()
            .map(|e| MediaEvent {
                keyframe: false,
                ..e
            }),
    );
    let k = run(&events, 10_000)
        .video
        .unwrap()
        .keyframe_interval
        .unwrap();
    assert_eq!((k.closed, k.min_s, k.mean_s), (1, 2.0, 2.0));
    assert!(close(k.max_s, 7.96), "{}", k.max_s);
}

#[test]
fn a_join_in_the_middle_of_a_gop_reports_the_first_keyframe() {
    // Joined 1.2 s into a GOP: 30 inter frames, then the keyframe at 1200 ms.
    let events: Vec<MediaEvent> = gop_stream(6800, 81, 50, 0)
        .into_iter()
        .map(|e| MediaEvent {
            keyframe: (e.timestamp - 6800) % 2000 == 1200,
            ..e
        })
        .collect();
    let v = run(&events, 3240).video.unwrap();
    assert_eq!(v.frames_before_first_keyframe, 30);
    assert_eq!(v.first_keyframe_media_ms, Some(1200));
    assert_eq!(v.first_keyframe_arrival, Some(Duration::from_millis(1200)));
    assert_eq!(v.keyframes, 2);
    assert_eq!(v.keyframe_interval.unwrap().min_s, 2.0);
}

#[test]
fn drift_is_the_last_video_timestamp_minus_the_last_audio_timestamp() {
    let mut events: Vec<MediaEvent> = (0..125u32)
        .map(|i| video(i * 40, u64::from(i) * 40, 1000, i % 50 == 0))
        .collect();
    // AAC frames of 1024 samples at 44.1 kHz, stamped 500 ms behind the video, each arriving
    // when its video peer would.
    for k in 0u32.. {
        let at = (f64::from(k) * 1024.0 * 1000.0 / 44100.0).round() as u32;
        if at > 124 * 40 {
            break;
        }
        if at >= 500 {
            events.push(audio(at - 500, u64::from(at), 371));
        }
    }
    events.sort_by_key(|e| e.arrival);
    let s = run(&events, 5000);
    let a = s.audio.unwrap();
    let last_video = 124 * 40;
    let last_audio = a.last_timestamp.unwrap();
    assert_eq!(
        s.av_drift_ms,
        Some(i64::from(last_video) - i64::from(last_audio))
    );
    assert!(
        (500..540).contains(&s.av_drift_ms.unwrap()),
        "{:?}",
        s.av_drift_ms
    );
    // AAC at 44.1 kHz: 43.07 frames a second, 371 bytes each: about 128 kbit/s.
    assert!(
        (a.fps.unwrap() - 44100.0 / 1024.0).abs() < 0.1,
        "{:?}",
        a.fps
    );
    let bps = a.bitrate_bps.unwrap();
    assert!((127_000..=129_000).contains(&bps), "{bps}");
    assert_eq!(a.keyframes, 0);
}

#[test]
fn audio_only_streams_have_no_video_and_no_drift() {
    let events: Vec<MediaEvent> = (0..100u32)
        .map(|i| audio(i * 23, u64::from(i) * 23, 300))
        .collect();
    let s = run(&events, 2300);
    assert_eq!((s.video, s.av_drift_ms), (None, None));
    assert_eq!(s.audio.unwrap().frames, 100);
    assert_eq!(s.audio.unwrap().keyframe_interval, None);
}

#[test]
fn configuration_messages_take_no_part_in_the_timeline() {
    let mut events = gop_stream(5000, 50, 50, 0);
    // A sequence header re-sent with timestamp 0 in the middle of the frames.
    events.insert(
        10,
        MediaEvent {
            config: true,
            ..video(0, 400, 45, true)
        },
    );
    let s = run(&events, 2000);
    let v = s.video.unwrap();
    assert_eq!((v.frames, v.keyframes, v.backwards), (50, 1, 0));
    assert_eq!(s.config_messages, 1);
}

#[test]
fn one_frame_gives_counts_but_no_rate() {
    let v = run(&[video(0, 0, 100, true)], 10).video.unwrap();
    assert_eq!((v.frames, v.fps, v.bitrate_bps), (1, None, None));
    assert_eq!(v.keyframe_interval.unwrap().max_s, 0.0);
}

#[test]
fn the_statistics_take_constant_memory() {
    // No list of frames: the whole state is one fixed-size value, whatever was recorded.
    assert!(std::mem::size_of::<StreamStats>() < 1024);
    let mut stats = StreamStats::new(config());
    let before = stats.clone();
    for e in gop_stream(0, 100_000, 50, 0) {
        stats.record(&e);
    }
    assert_ne!(stats, before);
    assert_eq!(stats.summary(MS * 4_000_000).video.unwrap().frames, 100_000);
}
