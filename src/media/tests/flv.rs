//! FLV tags: aggregate sub-messages (rebased timestamps, overruns) and FLV files.

use super::{fixture, flv_tag, hex};
use crate::media::flv::{aggregate_messages, flv_file, FlvTag, TAG_AUDIO, TAG_VIDEO};
use crate::media::MediaError;

/// One sub-message, with stream id 1.
fn sub(tag_type: u8, timestamp: u32, body: &[u8]) -> Vec<u8> {
    let mut out = flv_tag(tag_type, timestamp, body);
    out[10] = 1;
    out
}

fn collect(payload: &[u8], timestamp: u32) -> Vec<Result<FlvTag<'_>, MediaError>> {
    aggregate_messages(payload, timestamp).collect()
}

#[test]
fn sub_messages_are_rebased_to_the_aggregates_timestamp() {
    // FMS style: the sub-messages carry stream times 5000, 5023, 5040; the aggregate says 1000.
    let payload = [
        sub(TAG_AUDIO, 5000, &[0xaf, 0x01, 0x21]),
        sub(TAG_VIDEO, 5023, &[0x27, 0x01, 0, 0, 0]),
        sub(TAG_AUDIO, 5040, &[0xaf, 0x01]),
    ]
    .concat();
    let tags: Vec<FlvTag<'_>> = collect(&payload, 1000)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let summary: Vec<(u8, u32, usize)> = tags
        .iter()
        .map(|t| (t.tag_type, t.timestamp, t.body.len()))
        .collect();
    assert_eq!(summary, [(8, 1000, 3), (9, 1023, 5), (8, 1040, 2)]);
    assert_eq!(tags[1].stream_id, 1);
    assert_eq!(tags[1].body, [0x27, 0x01, 0, 0, 0]);
    // Sub-messages starting at 0 under an aggregate at 7000 (another server's habit).
    let payload = [sub(TAG_VIDEO, 0, &[0x17]), sub(TAG_VIDEO, 40, &[0x27])].concat();
    let times: Vec<u32> = collect(&payload, 7000)
        .into_iter()
        .map(|t| t.unwrap().timestamp)
        .collect();
    assert_eq!(times, [7000, 7040]);
}

#[test]
fn extended_timestamps_and_wrapping_rebases() {
    // Sub-message times across the 32-bit wrap, read with the extended byte.
    let payload = [
        sub(TAG_VIDEO, 0xffff_ff00, &[0x17]),
        sub(TAG_VIDEO, 0x0000_0100, &[0x27]),
    ]
    .concat();
    let times: Vec<u32> = collect(&payload, 0x0100_0000)
        .into_iter()
        .map(|t| t.unwrap().timestamp)
        .collect();
    assert_eq!(times, [0x0100_0000, 0x0100_0200]);
}

#[test]
fn a_sub_message_size_that_overruns_is_an_error_and_ends_the_iteration() {
    let mut payload = sub(TAG_AUDIO, 0, &[0xaf, 0x01]);
    let mut bad = sub(TAG_VIDEO, 40, &[0x27, 0x01]);
    bad[1..4].copy_from_slice(&[0x00, 0x10, 0x00]); // claims 4096 bytes
    payload.extend(bad);
    payload.extend(sub(TAG_AUDIO, 80, &[0xaf, 0x01]));
    let items = collect(&payload, 0);
    assert_eq!(items.len(), 2, "nothing after the error");
    assert!(items[0].is_ok());
    let err = items[1].clone().unwrap_err();
    assert_eq!(
        err.to_string(),
        "aggregate message is cut short: tag body (DataSize) needs 4096 bytes at offset 28, \
         23 left"
    );
}

#[test]
fn back_pointers_may_be_missing_at_the_end_but_not_cut() {
    let mut payload = sub(TAG_AUDIO, 0, &[0xaf, 0x01]);
    payload.truncate(payload.len() - 4);
    assert_eq!(collect(&payload, 0).len(), 1);
    assert!(collect(&payload, 0)[0].is_ok());
    let mut cut = sub(TAG_AUDIO, 0, &[0xaf, 0x01]);
    cut.truncate(cut.len() - 2);
    assert!(collect(&cut, 0)[0].clone().unwrap_err().is_truncation());
    // A header cut short.
    assert!(collect(&hex("08 0000"), 0)[0]
        .clone()
        .unwrap_err()
        .is_truncation());
    // Nothing at all: no sub-messages.
    assert!(collect(&[], 0).is_empty());
}

#[test]
fn zero_length_sub_messages_and_the_filter_bit() {
    let mut payload = sub(TAG_VIDEO, 10, &[]);
    payload.extend(sub(0x20 | TAG_AUDIO, 20, &[1]));
    let tags: Vec<FlvTag<'_>> = collect(&payload, 10)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(tags[0].body.is_empty());
    assert_eq!((tags[1].tag_type, tags[1].filter), (TAG_AUDIO, true));
}

#[test]
fn an_flv_file_yields_its_header_and_tags_unrebased() {
    let mut file = hex("464c56 01 05 00000009 00000000");
    file.extend(sub(18, 0, fixture!("ffmpeg-onmetadata.bin")));
    file.extend(sub(TAG_VIDEO, 0, fixture!("x264-main30-640x360-seq.bin")));
    file.extend(sub(TAG_VIDEO, 40, &[0x27, 0x01, 0, 0, 0]));
    let (header, tags) = flv_file(&file).unwrap();
    assert_eq!(
        (header.version, header.has_audio, header.has_video),
        (1, true, true)
    );
    let tags: Vec<(u8, u32)> = tags
        .map(|t| t.unwrap())
        .map(|t| (t.tag_type, t.timestamp))
        .collect();
    assert_eq!(tags, [(18, 0), (9, 0), (9, 40)]);
}

#[test]
fn bad_flv_headers() {
    assert!(matches!(
        flv_file(b"FLX\x01\x05\0\0\0\x09\0\0\0\0"),
        Err(MediaError::Invalid { .. })
    ));
    assert!(matches!(
        flv_file(b"FLV\x01\x05\0\0\0\x08\0\0\0\0"),
        Err(MediaError::Invalid { .. })
    ));
    assert!(flv_file(b"FLV\x01\x05\0\0\0\x09\0\0")
        .unwrap_err()
        .is_truncation());
    assert!(flv_file(b"FLV\x01\x05\xff\xff\xff\xff")
        .unwrap_err()
        .is_truncation());
}
