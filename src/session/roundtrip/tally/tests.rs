use super::*;
use crate::media::synth::Marker;

fn intact(seq: u64, send_us: u64) -> Marker {
    Marker {
        seq,
        send_time_us: send_us,
        checksum_ok: true,
    }
}

fn feed(t: &mut Tally, seqs: &[u64]) {
    let now = Instant::now();
    for &s in seqs {
        // Sent at s ms, received 2 ms later.
        t.on_marker(intact(s, s * 1000), now, s * 1000 + 2000);
    }
}

#[test]
fn every_frame_back_in_order_is_nothing_lost_and_latency_is_arrival_minus_send() {
    let mut t = Tally::new(100);
    feed(&mut t, &(0..90).collect::<Vec<_>>());
    assert!(t.complete(90));
    let r = t.finish(90, Duration::from_secs(1));
    assert_eq!(
        (r.frames_sent, r.frames_received, r.expected, r.lost),
        (90, 90, 90, 0)
    );
    assert_eq!(
        (r.duplicated, r.reordered, r.corrupted, r.foreign),
        (0, 0, 0, 0)
    );
    let l = r.latency.unwrap();
    assert_eq!(l.min, Duration::from_millis(2));
    assert_eq!(l.max, Duration::from_millis(2));
}

#[test]
fn duplicates_reorders_and_corruption_are_each_counted_once() {
    let mut t = Tally::new(20);
    feed(&mut t, &[0, 1, 3, 2, 3, 4]);
    t.on_marker(
        Marker {
            seq: 5,
            send_time_us: 0,
            checksum_ok: false,
        },
        Instant::now(),
        0,
    );
    feed(&mut t, &[6, 7]);
    let r = t.finish(8, Duration::ZERO);
    assert_eq!(r.frames_received, 9);
    assert_eq!(r.duplicated, 1, "3 twice");
    assert_eq!(r.reordered, 1, "2 after 3");
    assert_eq!(r.corrupted, 1, "5 with a bad checksum");
    assert_eq!(r.lost, 0, "the corrupted frame came, damaged: not lost");
}

#[test]
fn frames_missing_after_the_join_are_lost_and_those_before_it_are_not_expected() {
    let mut t = Tally::new(100);
    // The player joined at frame 10 (a keyframe); 15 and 16 never came.
    let seqs: Vec<u64> = (10..30).filter(|s| *s != 15 && *s != 16).collect();
    feed(&mut t, &seqs);
    assert!(!t.complete(30));
    let r = t.finish(30, Duration::ZERO);
    assert_eq!((r.before_join, r.expected, r.lost), (10, 20, 2));
}

#[test]
fn a_reordered_first_frame_moves_the_join_point_back() {
    let mut t = Tally::new(10);
    feed(&mut t, &[1, 0, 2]);
    let r = t.finish(3, Duration::ZERO);
    assert_eq!(
        (r.before_join, r.expected, r.lost, r.reordered),
        (0, 3, 0, 1)
    );
}

#[test]
fn markers_this_run_never_sent_are_foreign_and_cost_no_memory() {
    let mut t = Tally::new(10);
    feed(&mut t, &[0, 1]);
    for seq in [u64::MAX, 1 << 40, 10, 11] {
        t.on_marker(intact(seq, 0), Instant::now(), 0);
    }
    // Sent 3: a frame with seq 5 is in the bitmap but beyond what was sent.
    feed(&mut t, &[5]);
    let r = t.finish(3, Duration::ZERO);
    assert_eq!(r.foreign, 5);
    assert_eq!(r.lost, 1, "frame 2 never came");
    assert_eq!(t.seen.len(), 1, "10 frames: one word of bitmap");
}

#[test]
fn the_bitmap_is_sized_by_the_configuration_and_capped() {
    assert_eq!(Tally::capacity_for(Duration::from_secs(3), 30, 1), 91);
    assert_eq!(Tally::capacity_for(Duration::from_secs(1), 30000, 1001), 31);
    let t = Tally::new(u64::MAX);
    assert_eq!(t.capacity, MAX_TRACKED);
    assert_eq!(t.seen.len() as u64, MAX_TRACKED / 64);
}

#[test]
fn percentiles_are_nearest_rank_and_ordered() {
    let mut t = Tally::new(200);
    let now = Instant::now();
    for s in 0..100u64 {
        // Latency s+1 ms.
        t.on_marker(intact(s, 0), now, (s + 1) * 1000);
    }
    let l = t.finish(100, Duration::ZERO).latency.unwrap();
    assert_eq!(l.min, Duration::from_millis(1));
    assert_eq!(l.p50, Duration::from_millis(50));
    assert_eq!(l.p95, Duration::from_millis(95));
    assert_eq!(l.max, Duration::from_millis(100));
    assert!(l.min <= l.p50 && l.p50 <= l.p95 && l.p95 <= l.max);
}

#[test]
fn a_send_time_in_the_future_is_zero_latency_not_an_overflow() {
    let mut t = Tally::new(4);
    t.on_marker(intact(0, u64::MAX), Instant::now(), 5);
    t.on_marker(intact(1, 0), Instant::now(), u64::MAX);
    let l = t.finish(2, Duration::ZERO).latency.unwrap();
    assert_eq!(l.min, Duration::ZERO);
    assert_eq!(l.max, Duration::from_micros(u64::from(u32::MAX)));
}
