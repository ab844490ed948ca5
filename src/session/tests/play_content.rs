//! The play scenario in process, over what the stream carries: configuration records and SPS
//! no player can decode, a 16 MiB frame, aggregates, and data messages that do not decode.

use super::peer::{session, Peer};
use super::play::{failure, generator, play, stream, stream_then_hold, with_expect};
use crate::media::synth::{Item, ItemKind};
use crate::protocol::message::Message;
use crate::session::{Expect, FailureKind, Outcome, SessionConfig, Step};
use std::time::Duration;
use tokio::time::{sleep_until, Instant};

/// An AVC sequence header with `record` as its configuration record.
fn avc_sequence_header(record: &[u8]) -> Vec<u8> {
    let mut body = vec![0x17, 0x00, 0, 0, 0];
    body.extend_from_slice(record);
    body
}

/// Plays a stream whose video sequence header is replaced by `header`.
async fn with_video_header(cfg: &SessionConfig, header: Vec<u8>) -> Outcome {
    let (o, _) = session(cfg, |mut p: Peer| async move {
        p.playing().await;
        stream_then_hold(&mut p, Duration::from_secs(2), |item| {
            if item.kind == ItemKind::VideoConfig {
                item.body = header.clone();
            }
            true
        })
        .await;
        p
    })
    .await;
    o
}

#[tokio::test(start_paused = true)]
async fn a_truncated_avc_configuration_record_is_invalid_media_with_what_was_wrong() {
    let cfg = play(Duration::from_secs(1));
    let truncated = avc_sequence_header(&[1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x20, 0x67]);
    let o = with_video_header(&cfg, truncated).await;
    let (step, kind, message) = failure(&o);
    assert_eq!((step, kind), (Step::FirstFrame, FailureKind::InvalidMedia));
    assert!(
        message.starts_with("no player can decode the stream: video sequence header at 0 ms:"),
        "{message}"
    );
    assert!(message.contains("AVC configuration record"), "{message}");
    // The media object is kept: what came before the failure.
    let m = o.media.as_ref().expect("media");
    assert_eq!(m.summary.problem_count, 1);

    // A kind --expect leaves out is not judged.
    let cfg = with_expect(play(Duration::from_secs(1)), Expect::Audio);
    let truncated = avc_sequence_header(&[1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x20, 0x67]);
    let o = with_video_header(&cfg, truncated).await;
    assert_eq!(o.failure, None, "{o:?}");
    assert!(o.step(Step::FirstKeyframe).is_none(), "no keyframe wanted");
}

#[tokio::test(start_paused = true)]
async fn an_sps_with_absurd_exp_golomb_runs_is_invalid_media() {
    let cfg = play(Duration::from_secs(1));
    // An SPS whose seq_parameter_set_id is 64 zero bits and then some: no decoder reads it.
    let mut sps = vec![0x67, 0x64, 0x00, 0x1e];
    sps.extend_from_slice(&[0; 8]);
    sps.push(0x80);
    let mut record = vec![1, 0x64, 0x00, 0x1e, 0xff, 0xe1];
    record.extend_from_slice(&(sps.len() as u16).to_be_bytes());
    record.extend_from_slice(&sps);
    record.extend_from_slice(&[1, 0, 4, 0x68, 0xce, 0x38, 0x80]);
    let o = with_video_header(&cfg, avc_sequence_header(&record)).await;
    let (_, kind, message) = failure(&o);
    assert_eq!(kind, FailureKind::InvalidMedia);
    assert!(message.contains("exp-Golomb"), "{message}");
}

#[tokio::test(start_paused = true)]
async fn a_16_mib_video_frame_is_counted_at_its_length_and_kept_to_its_head() {
    let cfg = play(Duration::from_secs(1));
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        p.set_chunk_size(65536).await;
        let mut g = generator(false);
        let mut first = true;
        stream(
            &mut p,
            &mut g,
            Instant::now(),
            Duration::from_millis(1500),
            |item| {
                if first && matches!(item.kind, ItemKind::VideoFrame { .. }) {
                    // The first keyframe, padded to 16 MiB - 1 with filler after its NAL units.
                    first = false;
                    item.body.resize(16 * 1024 * 1024 - 1, 0);
                }
                true
            },
        )
        .await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    let m = o.media.as_ref().unwrap();
    assert!(m.bytes >= 16 * 1024 * 1024 - 1, "{}", m.bytes);
    let v = m.summary.video.as_ref().unwrap();
    assert!(v.keyframes() >= 1);
}

/// An Aggregate message (RTMP 1.0 §7.1.6) of `items`: each an FLV tag (header, body, back
/// pointer), built here by hand.
fn aggregate(items: &[Item]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        let size = item.body.len() as u32;
        out.push(item.message_type());
        out.extend_from_slice(&size.to_be_bytes()[1..]);
        out.extend_from_slice(&item.timestamp_ms.to_be_bytes()[1..]);
        out.push((item.timestamp_ms >> 24) as u8);
        out.extend_from_slice(&[0, 0, 0]);
        out.extend_from_slice(&item.body);
        out.extend_from_slice(&(size + 11).to_be_bytes());
    }
    out
}

#[tokio::test(start_paused = true)]
async fn aggregate_messages_count_as_their_sub_messages_with_their_timestamps() {
    let window = Duration::from_millis(2980);
    let cfg = play(window);
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        let mut g = generator(true);
        let start = Instant::now();
        // As FMS and Wowza send it: 200 ms of media in each aggregate, sent when its last
        // frame is due, stamped with its first sub-message's time.
        let mut batch: Vec<Item> = Vec::new();
        while g.next_due() < Duration::from_secs(4) {
            let due = g.next_due();
            batch.push(g.next(0));
            if due.as_millis() % 200 >= 160 || batch.len() > 32 {
                sleep_until(start + due).await;
                let first = batch[0].timestamp_ms;
                let payload = aggregate(&batch);
                p.send_at(
                    6,
                    1,
                    first,
                    Message::Unknown {
                        type_id: 22,
                        payload: payload.into(),
                    },
                )
                .await;
                batch.clear();
            }
        }
        p.hold().await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    let m = o.media.as_ref().unwrap();
    assert!(m.aggregates >= 15, "{}", m.aggregates);
    let v = m.summary.video.as_ref().unwrap();
    assert_eq!(v.fps(), Some(25.0));
    let k = v.keyframe_interval().unwrap();
    assert_eq!((k.max_s, k.closed), (2.0, 1));
    assert_eq!(m.summary.problem_count, 0, "{:?}", m.summary.problems);
    let e = m.expected.unwrap();
    assert_eq!((e.video, e.audio), (true, true));
}

#[tokio::test(start_paused = true)]
async fn a_data_message_that_does_not_decode_and_a_shared_object_are_passed_over_with_notes() {
    let cfg = play(Duration::from_secs(1));
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.playing().await;
        // An AMF0 string that claims 200 bytes and has 3: no valid onTextData.
        let broken = Message::Unknown {
            type_id: 18,
            payload: vec![0x02, 0x00, 0xc8, b'o', b'n', b'T'].into(),
        };
        p.send_at(4, 1, 0, broken).await;
        // A shared object message: a type a player does not read.
        let shared = Message::Unknown {
            type_id: 19,
            payload: vec![0; 40].into(),
        };
        p.send_at(4, 0, 0, shared).await;
        stream_then_hold(&mut p, Duration::from_secs(2), |_| true).await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    assert!(
        o.notes
            .iter()
            .any(|n| n.starts_with("the server sent 1 malformed message")),
        "{:?}",
        o.notes
    );
    assert!(
        o.notes.iter().any(|n| n
            == "the server sent 1 message of a type a player does not read (shared objects, \
                unknown types: 40 bytes); they were skipped unread"),
        "{:?}",
        o.notes
    );
}
