//! Tests of the chunk decoder and encoder. Decoder inputs are real captures (tests/fixtures) or
//! hand-written bytes, never our encoder's output, except in the round-trip properties.

use super::*;
use crate::protocol::Limits;
use proptest::prelude::*;

const NGINX_S2C: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nginx-s2c.bin");
const NMS_S2C: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nms-s2c.bin");
const NGINX_C2S: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nginx-c2s.bin");
const NMS_C2S: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nms-c2s.bin");
const PERL_CONNECT: &[u8] = include_bytes!("../../../tests/fixtures/chunk-perl-connect.bin");
const PERL_CREATE_STREAM: &[u8] =
    include_bytes!("../../../tests/fixtures/chunk-perl-createstream.bin");
const PERL_PUBLISH: &[u8] = include_bytes!("../../../tests/fixtures/chunk-perl-publish.bin");
const PERL_CLOSE_STREAM: &[u8] =
    include_bytes!("../../../tests/fixtures/chunk-perl-closestream.bin");

/// Where the chunk stream starts in the capture files: after C0+C1+C2 (resp. S0+S1+S2).
const AFTER_HANDSHAKE: usize = 3073;

// ---------------------------------------------------------------------------------------------
// helpers

/// Parses whitespace-separated hex bytes.
fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).expect("hex byte"))
        .collect()
}

/// Feeds `input` following the documented contract, collecting messages. Checks the contract:
/// without a message, all of the input is consumed.
fn feed_all(
    dec: &mut ChunkDecoder,
    mut input: &[u8],
    out: &mut Vec<RawMessage>,
) -> Result<(), ChunkError> {
    loop {
        let (n, msg) = dec.feed(input)?;
        assert!(n <= input.len());
        input = &input[n..];
        match msg {
            Some(m) => out.push(m),
            None => {
                assert!(input.is_empty(), "feed stopped early without a message");
                return Ok(());
            }
        }
    }
}

/// Decodes `input` delivered in pieces of the given sizes (the rest in one piece).
fn decode_split(
    limits: Limits,
    input: &[u8],
    pieces: &[usize],
) -> Result<Vec<RawMessage>, ChunkError> {
    let mut dec = ChunkDecoder::new(limits);
    let mut out = Vec::new();
    let mut rest = input;
    for &p in pieces {
        let (piece, tail) = rest.split_at(p.min(rest.len()));
        feed_all(&mut dec, piece, &mut out)?;
        rest = tail;
    }
    feed_all(&mut dec, rest, &mut out)?;
    Ok(out)
}

fn decode(input: &[u8]) -> Vec<RawMessage> {
    decode_split(Limits::default(), input, &[]).expect("decodes")
}

/// Decodes whole, one byte at a time, and split in two at every offset; all must agree.
fn decode_every_way(input: &[u8]) -> Vec<RawMessage> {
    let whole = decode(input);
    let bytewise = decode_split(Limits::default(), input, &vec![1; input.len()]).expect("bytes");
    assert_eq!(bytewise, whole, "byte-by-byte differs from whole");
    for cut in 1..input.len() {
        let split = decode_split(Limits::default(), input, &[cut]).expect("split");
        assert_eq!(split, whole, "split at {cut} differs from whole");
    }
    whole
}

/// The error `input` ends in, checked to be the same however the input is split.
fn decode_error_every_way(limits: Limits, input: &[u8]) -> ChunkError {
    let whole = decode_split(limits, input, &[]).expect_err("should fail");
    let bytewise = decode_split(limits, input, &vec![1; input.len()]).expect_err("should fail");
    assert_eq!(bytewise, whole);
    for cut in 1..input.len() {
        assert_eq!(
            decode_split(limits, input, &[cut]).expect_err("fail"),
            whole
        );
    }
    whole
}

fn raw(csid: u32, timestamp: u32, type_id: u8, stream_id: u32, payload: Vec<u8>) -> RawMessage {
    RawMessage::new(csid, timestamp, type_id, stream_id, payload)
}

/// (csid, timestamp, type, stream id, payload length)
fn summary(msgs: &[RawMessage]) -> Vec<(u32, u32, u8, u32, usize)> {
    msgs.iter()
        .map(|m| (m.csid, m.timestamp, m.type_id, m.stream_id, m.payload.len()))
        .collect()
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed))
        .collect()
}

fn encode_all(enc: &mut ChunkEncoder, msgs: &[RawMessage]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        enc.encode(m, &mut out).expect("encodes");
    }
    out
}

// ---------------------------------------------------------------------------------------------
// real captures: server to client

#[test]
fn nginx_rtmp_replies_decode_to_the_documented_messages() {
    let msgs = decode_every_way(&NGINX_S2C[AFTER_HANDSHAKE..]);
    assert_eq!(
        summary(&msgs),
        vec![
            (2, 0, 5, 0, 4),
            (2, 0, 6, 0, 5),
            (2, 0, 1, 0, 4),
            (3, 0, 20, 0, 190),
            (3, 0, 20, 0, 29),
            (5, 0, 20, 1, 105),
            (5, 0, 20, 1, 108),
        ]
    );
    assert_eq!(msgs[0].payload, hex("00 4c 4b 40")); // 5000000
    assert_eq!(msgs[1].payload, hex("00 4c 4b 40 02")); // 5000000, dynamic
    assert_eq!(msgs[2].payload, hex("00 00 10 00")); // 4096
    assert_eq!(
        msgs[3].payload[..10],
        hex("02 00 07 5f 72 65 73 75 6c 74")[..]
    ); // "_result"
    assert_eq!(*msgs[3].payload.last().unwrap(), 0x09);
    assert_eq!(
        msgs[5].payload[..11],
        hex("02 00 08 6f 6e 53 74 61 74 75 73")[..]
    ); // onStatus
}

#[test]
fn node_media_server_replies_decode_to_the_documented_messages() {
    let msgs = decode_every_way(&NMS_S2C[AFTER_HANDSHAKE..]);
    assert_eq!(
        summary(&msgs),
        vec![
            (2, 0, 5, 0, 4),
            (2, 0, 6, 0, 5),
            (2, 0, 1, 0, 4),
            (3, 0, 20, 0, 190),
            (3, 0, 20, 0, 29),
            (3, 0, 20, 1, 120),
        ]
    );
    assert_eq!(msgs[0].payload, hex("00 4c 4b 40"));
    assert_eq!(msgs[1].payload, hex("00 4c 4b 40 02"));
    assert_eq!(msgs[2].payload, hex("00 00 ff ff")); // 65535
}

#[test]
fn both_servers_send_the_same_connect_result_payload() {
    let nginx = decode(&NGINX_S2C[AFTER_HANDSHAKE..]);
    let nms = decode(&NMS_S2C[AFTER_HANDSHAKE..]);
    assert_eq!(nginx[3].payload, nms[3].payload);
    assert_eq!(nginx[4].payload, nms[4].payload);
}

/// Feeds the server bytes TCP segment by TCP segment, as the capture delivered them
/// (shared/captures/server-bytes-after-handshake-*.txt), and checks what each segment completes.
fn check_segments(bytes: &[u8], segments: &[usize], completes: &[&[u8]], chunk_size: u32) {
    assert_eq!(segments.iter().sum::<usize>(), bytes.len());
    let mut dec = ChunkDecoder::new(Limits::default());
    let mut rest = bytes;
    for (i, (&len, &types)) in segments.iter().zip(completes).enumerate() {
        let (segment, tail) = rest.split_at(len);
        rest = tail;
        let mut out = Vec::new();
        feed_all(&mut dec, segment, &mut out).unwrap();
        let got: Vec<u8> = out.iter().map(|m| m.type_id).collect();
        assert_eq!(got, types, "segment {i}");
        if i == 0 {
            assert_eq!(dec.peer_chunk_size(), 128);
        }
    }
    assert_eq!(dec.peer_chunk_size(), chunk_size);
    assert_eq!(dec.buffered_bytes(), 0);
}

#[test]
fn nginx_rtmp_segments_complete_the_messages_they_carry() {
    check_segments(
        &NGINX_S2C[AFTER_HANDSHAKE..],
        &[16, 235, 41, 117, 120],
        &[&[5], &[6, 1, 20], &[20], &[20], &[20]],
        4096,
    );
}

#[test]
fn node_media_server_segments_complete_the_messages_they_carry() {
    check_segments(
        &NMS_S2C[AFTER_HANDSHAKE..],
        &[16, 235, 41, 132],
        &[&[5], &[6, 1, 20], &[20], &[20]],
        65535,
    );
}

#[test]
fn server_bytes_reencode_byte_for_byte_with_fmt_0_headers() {
    // nginx-rtmp and node-media-server use fmt 0 for every message. A fresh encoder per message
    // (following the server's Set Chunk Size) also writes fmt 0, so the bytes must match exactly.
    for bytes in [&NGINX_S2C[AFTER_HANDSHAKE..], &NMS_S2C[AFTER_HANDSHAKE..]] {
        let msgs = decode(bytes);
        let mut chunk_size = DEFAULT_CHUNK_SIZE;
        let mut out = Vec::new();
        for m in &msgs {
            let mut enc = ChunkEncoder::new();
            enc.set_chunk_size(chunk_size);
            enc.encode(m, &mut out).unwrap();
            if m.type_id == 1 {
                chunk_size = u32::from_be_bytes(m.payload[..4].try_into().unwrap());
            }
        }
        assert_eq!(out, bytes);
    }
}

#[test]
fn server_bytes_reencoded_with_compact_headers_decode_to_the_same_messages() {
    // One encoder for the whole session picks fmt 1 for Set Peer Bandwidth (same csid, new
    // length), where the servers used fmt 0: compare decoded messages, not bytes.
    let msgs = decode(&NGINX_S2C[AFTER_HANDSHAKE..]);
    let mut enc = ChunkEncoder::new();
    let mut out = Vec::new();
    for m in &msgs {
        enc.encode(m, &mut out).unwrap();
        if m.type_id == 1 {
            enc.set_chunk_size(u32::from_be_bytes(m.payload[..4].try_into().unwrap()));
        }
    }
    assert_eq!(out[16], 0x42, "Set Peer Bandwidth with a fmt 1 header");
    assert!(out.len() < NGINX_S2C.len() - AFTER_HANDSHAKE);
    assert_eq!(decode_every_way(&out), msgs);
}

// ---------------------------------------------------------------------------------------------
// real captures: client to server (ffmpeg)

/// Every message ffmpeg sent after the handshake, from an independent parse of the captures:
/// (csid, type, stream id, length, timestamp). The media messages use fmt 3 headers that start new
/// messages with the previous delta all the time, and deleteStream is one too.
#[rustfmt::skip]
const FFMPEG_C2S: &[(u32, u8, u32, usize, u32)] = &[
    (3, 20, 0, 140, 0), (2, 1, 0, 4, 0), (3, 20, 0, 36, 0), (3, 20, 0, 32, 0), (3, 20, 0, 25, 0),
    (8, 20, 1, 37, 0), (4, 18, 1, 309, 0), (6, 9, 1, 42, 0), (4, 8, 1, 7, 0), (4, 8, 1, 25, 0),
    (6, 9, 1, 877, 23), (4, 8, 1, 8, 23), (4, 8, 1, 8, 46), (6, 9, 1, 28, 56), (4, 8, 1, 8, 69),
    (6, 9, 1, 28, 90), (4, 8, 1, 8, 93), (4, 8, 1, 8, 116), (6, 9, 1, 28, 123), (4, 8, 1, 8, 139),
    (6, 9, 1, 28, 156), (4, 8, 1, 8, 162), (4, 8, 1, 8, 186), (6, 9, 1, 28, 190),
    (4, 8, 1, 8, 209), (6, 9, 1, 28, 223), (4, 8, 1, 8, 232), (4, 8, 1, 8, 255),
    (6, 9, 1, 28, 256), (4, 8, 1, 8, 278), (6, 9, 1, 28, 290), (4, 8, 1, 8, 302),
    (6, 9, 1, 28, 323), (4, 8, 1, 8, 325), (4, 8, 1, 8, 348), (6, 9, 1, 28, 356),
    (4, 8, 1, 8, 371), (6, 9, 1, 28, 390), (4, 8, 1, 8, 395), (4, 8, 1, 8, 418),
    (6, 9, 1, 28, 423), (4, 8, 1, 8, 441), (6, 9, 1, 28, 456), (4, 8, 1, 8, 464),
    (4, 8, 1, 8, 487), (6, 9, 1, 28, 490), (4, 8, 1, 8, 511), (6, 9, 1, 28, 523),
    (4, 8, 1, 8, 534), (6, 9, 1, 28, 556), (4, 8, 1, 8, 557), (4, 8, 1, 8, 580),
    (6, 9, 1, 28, 590), (4, 8, 1, 8, 603), (6, 9, 1, 28, 623), (4, 8, 1, 8, 627),
    (4, 8, 1, 8, 650), (6, 9, 1, 28, 656), (4, 8, 1, 8, 673), (6, 9, 1, 28, 690),
    (4, 8, 1, 8, 696), (4, 8, 1, 8, 720), (6, 9, 1, 28, 723), (4, 8, 1, 8, 743),
    (6, 9, 1, 28, 756), (4, 8, 1, 8, 766), (4, 8, 1, 8, 789), (6, 9, 1, 28, 790),
    (4, 8, 1, 8, 812), (6, 9, 1, 28, 823), (4, 8, 1, 8, 836), (6, 9, 1, 28, 856),
    (4, 8, 1, 8, 859), (4, 8, 1, 8, 882), (6, 9, 1, 28, 890), (4, 8, 1, 8, 905),
    (6, 9, 1, 28, 923), (4, 8, 1, 8, 929), (4, 8, 1, 8, 952), (6, 9, 1, 28, 956),
    (4, 8, 1, 8, 975), (6, 9, 1, 28, 990), (4, 8, 1, 8, 998), (4, 8, 1, 8, 1021),
    (6, 9, 1, 5, 990), (3, 20, 0, 34, 0), (3, 20, 0, 34, 0),
];

fn check_ffmpeg_publish(msgs: &[RawMessage], chunk_size: &[u8]) {
    let got: Vec<(u32, u8, u32, usize, u32)> = msgs
        .iter()
        .map(|m| (m.csid, m.type_id, m.stream_id, m.payload.len(), m.timestamp))
        .collect();
    assert_eq!(got, FFMPEG_C2S);
    let count = |t: u8| msgs.iter().filter(|m| m.type_id == t).count();
    assert_eq!(
        (count(9), count(8), count(20), count(18), count(1)),
        (32, 46, 7, 1, 1)
    );
    // connect: 140 bytes split at 128 by a 0xc3 byte in the capture, whole here.
    assert_eq!(
        msgs[0].payload[..10],
        hex("02 00 07 63 6f 6e 6e 65 63 74")[..]
    );
    assert_eq!(msgs[0].payload[137..], hex("00 00 09")[..]);
    assert_eq!(msgs[1].payload, chunk_size);
    assert_eq!(msgs[5].payload[..9], hex("02 00 07 70 75 62 6c 69 73")[..]); // publish
    assert_eq!(msgs[7].payload[..2], hex("17 00")[..]); // AVC sequence header
    assert_eq!(msgs[8].payload[..2], hex("af 00")[..]); // AAC sequence header
    let fc_unpublish = &msgs[85].payload;
    assert_eq!(
        fc_unpublish[..14],
        hex("02 00 0b 46 43 55 6e 70 75 62 6c 69 73 68")[..]
    );
    let delete_stream = &msgs[86].payload;
    assert_eq!(
        delete_stream[..15],
        hex("02 00 0c 64 65 6c 65 74 65 53 74 72 65 61 6d")[..]
    );
}

#[test]
fn ffmpeg_publish_to_nginx_decodes_every_message() {
    let msgs = decode_every_way(&NGINX_C2S[AFTER_HANDSHAKE..]);
    check_ffmpeg_publish(&msgs, &hex("00 00 10 00"));
    // The connect payload is the one documented in shared/captures/README.md.
    assert_eq!(msgs[0].payload, hex(NGINX_CONNECT));
}

/// ffmpeg's connect payload to nginx-rtmp, from shared/captures/README.md.
const NGINX_CONNECT: &str = "
    02 00 07 63 6f 6e 6e 65 63 74 00 3f f0 00 00 00 00 00 00 03 00 03 61 70 70 02 00 04 6c 69 76 65
    00 04 74 79 70 65 02 00 0a 6e 6f 6e 70 72 69 76 61 74 65 00 08 66 6c 61 73 68 56 65 72 02 00 24
    46 4d 4c 45 2f 33 2e 30 20 28 63 6f 6d 70 61 74 69 62 6c 65 3b 20 4c 61 76 66 35 39 2e 32 37 2e
    31 30 30 29 00 05 74 63 55 72 6c 02 00 1b 72 74 6d 70 3a 2f 2f 31 32 37 2e 30 2e 30 2e 31 3a 31
    39 33 35 30 2f 6c 69 76 65 00 00 09";

#[test]
fn ffmpeg_publish_to_node_media_server_decodes_every_message() {
    let bytes = &NMS_C2S[AFTER_HANDSHAKE..];
    let msgs = decode(bytes);
    let bytewise = decode_split(Limits::default(), bytes, &vec![1; bytes.len()]).unwrap();
    assert_eq!(bytewise, msgs);
    check_ffmpeg_publish(&msgs, &hex("00 00 ff ff"));
    // The same connect but for the port digits: "19360".
    let mut connect = hex(NGINX_CONNECT);
    connect[130] = b'6';
    assert_eq!(msgs[0].payload, connect);
}

#[test]
fn the_client_set_chunk_size_changes_how_the_rest_is_read() {
    let mut dec = ChunkDecoder::new(Limits::default());
    let mut out = Vec::new();
    feed_all(
        &mut dec,
        &NGINX_C2S[AFTER_HANDSHAKE..AFTER_HANDSHAKE + 153],
        &mut out,
    )
    .unwrap();
    assert_eq!(summary(&out), vec![(3, 0, 20, 0, 140)]);
    assert_eq!(dec.peer_chunk_size(), 128);
    feed_all(
        &mut dec,
        &NGINX_C2S[AFTER_HANDSHAKE + 153..AFTER_HANDSHAKE + 169],
        &mut out,
    )
    .unwrap();
    assert_eq!(dec.peer_chunk_size(), 4096);
}

#[test]
fn ffmpeg_messages_reencoded_with_our_headers_decode_to_the_same_messages() {
    // Our header policy differs from ffmpeg's (e.g. fmt 1 for the first audio message on csid 4
    // after @setDataFrame, where ffmpeg sent fmt 0), so re-decoded messages are compared.
    let msgs = decode(&NGINX_C2S[AFTER_HANDSHAKE..]);
    let mut enc = ChunkEncoder::new();
    let mut out = Vec::new();
    for m in &msgs {
        enc.encode(m, &mut out).unwrap();
        if m.type_id == 1 {
            enc.set_chunk_size(u32::from_be_bytes(m.payload[..4].try_into().unwrap()));
        }
    }
    // Everything up to the first audio message (connect, Set Chunk Size, the fmt 1 commands,
    // publish, @setDataFrame, the first video message) comes out exactly as ffmpeg sent it.
    assert_eq!(
        out[..710],
        NGINX_C2S[AFTER_HANDSHAKE..AFTER_HANDSHAKE + 710]
    );
    assert_ne!(out[710], NGINX_C2S[AFTER_HANDSHAKE + 710]);
    let again = decode_split(Limits::default(), &out, &vec![1; out.len()]).unwrap();
    assert_eq!(again, msgs);
}

// ---------------------------------------------------------------------------------------------
// the Perl client's packets (shared/seeds/000_0adca50fdb2dabb7.txt)

#[test]
fn perl_connect_decodes_to_one_message_and_reencodes_byte_for_byte() {
    assert_eq!(PERL_CONNECT.len(), 258);
    assert_eq!(PERL_CONNECT[140], 0xc3);
    let msgs = decode_every_way(PERL_CONNECT);
    assert_eq!(summary(&msgs), vec![(3, 0, 0x14, 0, 245)]);
    let mut expected = PERL_CONNECT[12..140].to_vec();
    expected.extend_from_slice(&PERL_CONNECT[141..]);
    assert_eq!(msgs[0].payload, expected);
    let mut out = Vec::new();
    ChunkEncoder::new().encode(&msgs[0], &mut out).unwrap();
    assert_eq!(out, PERL_CONNECT);
}

#[test]
fn perl_create_stream_publish_and_close_stream_roundtrip_byte_for_byte() {
    for (bytes, stream_id, len) in [
        (PERL_CREATE_STREAM, 0, 24),
        (PERL_PUBLISH, 1, 37),
        (PERL_CLOSE_STREAM, 0, 23),
    ] {
        let msgs = decode_every_way(bytes);
        assert_eq!(summary(&msgs), vec![(3, 0, 0x14, stream_id, len)]);
        assert_eq!(msgs[0].payload, bytes[12..]);
        let mut out = Vec::new();
        ChunkEncoder::new().encode(&msgs[0], &mut out).unwrap();
        assert_eq!(out, bytes);
    }
}

#[test]
fn perl_session_packets_decode_in_sequence_with_compact_reencoding() {
    // The Perl client sent every packet with a fmt 0 header on csid 3; ours uses fmt 1 for the
    // later ones (same stream id, new length) and fmt 0 for publish (stream id 1).
    let mut stream = PERL_CONNECT.to_vec();
    stream.extend_from_slice(PERL_CREATE_STREAM);
    stream.extend_from_slice(PERL_PUBLISH);
    stream.extend_from_slice(PERL_CLOSE_STREAM);
    let msgs = decode_every_way(&stream);
    assert_eq!(msgs.len(), 4);
    let out = encode_all(&mut ChunkEncoder::new(), &msgs);
    let create_at = 258;
    assert_eq!(out[create_at], 0x43); // fmt 1
    assert_eq!(
        out[create_at + 8..create_at + 8 + 24],
        PERL_CREATE_STREAM[12..]
    );
    assert_eq!(out[create_at + 32], 0x03); // publish: fmt 0, stream id 1
    assert_eq!(decode(&out), msgs);
}

// ---------------------------------------------------------------------------------------------
// hand-built bytes: basic headers

#[test]
fn basic_headers_of_every_size_decode_to_their_chunk_stream_ids() {
    // fmt 0, timestamp 7, length 2, type 8, stream id 1, payload aa bb
    let body = "00 00 07 00 00 02 08 01 00 00 00 aa bb";
    for (basic, csid) in [
        ("02", 2),
        ("3f", 63),
        ("00 00", 64),
        ("00 ff", 319),
        ("01 00 01", 320),
        ("01 ff ff", 65599),
        ("01 00 00", 64), // the 3-byte form may also carry small ids
        ("01 ff 00", 319),
    ] {
        let input = hex(&format!("{basic} {body}"));
        let msgs = decode_every_way(&input);
        assert_eq!(msgs, vec![raw(csid, 7, 8, 1, vec![0xaa, 0xbb])], "{basic}");
    }
}

#[test]
fn encoder_writes_the_shortest_basic_header() {
    for (csid, basic) in [
        (2, "02"),
        (63, "3f"),
        (64, "00 00"),
        (319, "00 ff"),
        (320, "01 00 01"),
        (65599, "01 ff ff"),
    ] {
        let mut out = Vec::new();
        ChunkEncoder::new()
            .encode(&raw(csid, 7, 8, 1, vec![0xaa, 0xbb]), &mut out)
            .unwrap();
        let expected = hex(&format!("{basic} 00 00 07 00 00 02 08 01 00 00 00 aa bb"));
        assert_eq!(out, expected, "csid {csid}");
    }
}

#[test]
fn continuation_chunks_use_the_long_basic_headers_too() {
    // csid 320, 130 bytes at chunk size 128: the continuation header is c1 00 01.
    let payload = pattern(130, 3);
    let mut input = hex("01 00 01 00 00 00 00 00 82 09 01 00 00 00");
    input.extend_from_slice(&payload[..128]);
    input.extend_from_slice(&hex("c1 00 01"));
    input.extend_from_slice(&payload[128..]);
    let msgs = decode_every_way(&input);
    assert_eq!(msgs, vec![raw(320, 0, 9, 1, payload.clone())]);
    let mut out = Vec::new();
    ChunkEncoder::new().encode(&msgs[0], &mut out).unwrap();
    assert_eq!(out, input);
}

// ---------------------------------------------------------------------------------------------
// hand-built bytes: header formats and timestamps

#[test]
fn every_header_format_with_timestamp_deltas() {
    let input = hex(concat!(
        "04 00 03 e8 00 00 02 08 01 00 00 00 01 02 ", // fmt 0: ts 1000, len 2, audio, stream 1
        "44 00 00 14 00 00 03 09 03 04 05 ",          // fmt 1: +20, len 3, video
        "84 00 00 1e 06 07 08 ",                      // fmt 2: +30
        "c4 09 0a 0b ",                               // fmt 3 new message: +30 again
        "c4 0c 0d 0e ",                               // and again
        "84 00 00 00 0f 10 11 ",                      // fmt 2: +0
        "c4 12 13 14",                                // fmt 3: +0
    ));
    let msgs = decode_every_way(&input);
    assert_eq!(
        msgs,
        vec![
            raw(4, 1000, 8, 1, hex("01 02")),
            raw(4, 1020, 9, 1, hex("03 04 05")),
            raw(4, 1050, 9, 1, hex("06 07 08")),
            raw(4, 1080, 9, 1, hex("09 0a 0b")),
            raw(4, 1110, 9, 1, hex("0c 0d 0e")),
            raw(4, 1110, 9, 1, hex("0f 10 11")),
            raw(4, 1110, 9, 1, hex("12 13 14")),
        ]
    );
}

#[test]
fn fmt_3_new_message_after_fmt_0_adds_the_fmt_0_timestamp_again_like_ffmpeg() {
    let input = hex("05 00 00 64 00 00 01 14 00 00 00 00 aa c5 bb c5 cc");
    let msgs = decode_every_way(&input);
    assert_eq!(
        summary(&msgs),
        vec![(5, 100, 20, 0, 1), (5, 200, 20, 0, 1), (5, 300, 20, 0, 1)]
    );
}

#[test]
fn fmt_1_and_2_deltas_accumulate_and_wrap_at_2_pow_32() {
    // fmt 0 with extended timestamp 0xfffffff0, then fmt 2 +0x20 wraps to 0x10, fmt 3 +0x20.
    let input = hex(concat!(
        "06 ff ff ff 00 00 01 08 01 00 00 00 ff ff ff f0 aa ",
        "86 00 00 20 bb ",
        "c6 cc ",
        "46 7f ff ff 00 00 01 08 dd",
    ));
    let msgs = decode_every_way(&input);
    let ts: Vec<u32> = msgs.iter().map(|m| m.timestamp).collect();
    assert_eq!(ts, vec![0xffff_fff0, 0x10, 0x30, 0x0080_002f]);
}

#[test]
fn a_zero_length_message_is_returned() {
    let input =
        hex("03 00 00 00 00 00 00 14 00 00 00 00 c3 03 00 00 05 00 00 01 14 00 00 00 00 7e");
    let msgs = decode_every_way(&input);
    assert_eq!(
        msgs,
        vec![
            raw(3, 0, 20, 0, vec![]),
            raw(3, 0, 20, 0, vec![]),
            raw(3, 5, 20, 0, vec![0x7e]),
        ]
    );
}

#[test]
fn a_new_header_in_the_middle_of_a_message_drops_the_partial_message() {
    // 200-byte message, first chunk only; then a fmt 0 header on the same chunk stream.
    let mut input = hex("04 00 00 00 00 00 c8 09 01 00 00 00");
    input.extend_from_slice(&pattern(128, 1));
    input.extend_from_slice(&hex("04 00 00 0a 00 00 02 08 01 00 00 00 01 02"));
    let msgs = decode_every_way(&input);
    assert_eq!(msgs, vec![raw(4, 10, 8, 1, hex("01 02"))]);
}

// ---------------------------------------------------------------------------------------------
// hand-built bytes: extended timestamps

/// A 200-byte video message with timestamp 0x01000000 on csid 4, then a fmt 1 message (delta
/// 0x01000000, 130 bytes), then a fmt 3 new message (same delta, 130 bytes), at chunk size 128.
/// `repeat` says whether the fmt 3 chunks carry the extended timestamp again.
fn extended_session(repeat: bool) -> (Vec<u8>, Vec<RawMessage>) {
    let ext = if repeat { "01 00 00 00" } else { "" };
    let p1 = pattern(200, 0x40);
    let p2 = pattern(130, 0x50);
    let p3 = pattern(130, 0x60);
    let mut input = hex("04 ff ff ff 00 00 c8 09 01 00 00 00 01 00 00 00");
    input.extend_from_slice(&p1[..128]);
    input.extend_from_slice(&hex(&format!("c4 {ext}")));
    input.extend_from_slice(&p1[128..]);
    input.extend_from_slice(&hex("44 ff ff ff 00 00 82 09 01 00 00 00"));
    input.extend_from_slice(&p2[..128]);
    input.extend_from_slice(&hex(&format!("c4 {ext}")));
    input.extend_from_slice(&p2[128..]);
    input.extend_from_slice(&hex(&format!("c4 {ext}")));
    input.extend_from_slice(&p3[..128]);
    input.extend_from_slice(&hex(&format!("c4 {ext}")));
    input.extend_from_slice(&p3[128..]);
    let msgs = vec![
        raw(4, 0x0100_0000, 9, 1, p1),
        raw(4, 0x0200_0000, 9, 1, p2),
        raw(4, 0x0300_0000, 9, 1, p3),
    ];
    (input, msgs)
}

#[test]
fn extended_timestamps_repeated_on_fmt_3_chunks_are_skipped() {
    let (input, expected) = extended_session(true);
    assert_eq!(decode_every_way(&input), expected);
}

#[test]
fn extended_timestamps_not_repeated_on_fmt_3_chunks_are_not_skipped() {
    let (input, expected) = extended_session(false);
    assert_eq!(decode_every_way(&input), expected);
}

#[test]
fn our_encoder_repeats_extended_timestamps_like_ffmpeg() {
    let (input, expected) = extended_session(true);
    // Our encoder writes the same headers for this sequence (fmt 0, fmt 1, then fmt 3).
    assert_eq!(encode_all(&mut ChunkEncoder::new(), &expected), input);
}

#[test]
fn timestamp_exactly_0xffffff_is_sent_extended() {
    let payload = pattern(200, 9);
    let mut expected = hex("03 ff ff ff 00 00 c8 09 01 00 00 00 00 ff ff ff");
    expected.extend_from_slice(&payload[..128]);
    expected.extend_from_slice(&hex("c3 00 ff ff ff"));
    expected.extend_from_slice(&payload[128..]);
    let msg = raw(3, 0x00ff_ffff, 9, 1, payload);
    let mut out = Vec::new();
    ChunkEncoder::new().encode(&msg, &mut out).unwrap();
    assert_eq!(out, expected);
    assert_eq!(decode_every_way(&out), vec![msg]);
    // Just below: no extended field.
    let mut out = Vec::new();
    ChunkEncoder::new()
        .encode(&raw(3, 0x00ff_fffe, 9, 1, vec![1]), &mut out)
        .unwrap();
    assert_eq!(out, hex("03 ff ff fe 00 00 01 09 01 00 00 00 01"));
}

#[test]
fn a_non_repeating_peer_whose_payload_starts_like_the_timestamp_is_told_apart_at_the_first_different_byte(
) {
    // Extended timestamp 01 00 00 00; the continuation payload starts 01 00 00 07.
    let mut p = pattern(131, 0);
    p[128..131].copy_from_slice(&[0x01, 0x00, 0x00]);
    let mut input = hex("04 ff ff ff 00 00 84 09 01 00 00 00 01 00 00 00");
    input.extend_from_slice(&p[..128]);
    input.push(0xc4);
    input.extend_from_slice(&p[128..]);
    input.push(0x07);
    let mut expected = p.clone();
    expected.push(0x07);
    // That is 132 bytes: 0x84 announces 132.
    let msgs = decode_every_way(&input);
    assert_eq!(msgs, vec![raw(4, 0x0100_0000, 9, 1, expected)]);
}

#[test]
fn a_short_non_repeated_continuation_is_told_apart_by_the_next_header() {
    // Continuation of 2 bytes (01 00, the start of the timestamp) without repetition, then a
    // fmt 0 header on csid 2: its first byte 02 differs from the timestamp's third byte 00.
    let p = {
        let mut p = pattern(130, 5);
        p[128] = 0x01;
        p[129] = 0x00;
        p
    };
    let mut input = hex("04 ff ff ff 00 00 82 09 01 00 00 00 01 00 00 00");
    input.extend_from_slice(&p[..128]);
    input.push(0xc4);
    input.extend_from_slice(&p[128..]);
    input.extend_from_slice(&hex("02 00 00 00 00 00 04 05 00 00 00 00 00 4c 4b 40"));
    let msgs = decode_every_way(&input);
    assert_eq!(
        msgs,
        vec![
            raw(4, 0x0100_0000, 9, 1, p),
            raw(2, 0, 5, 0, hex("00 4c 4b 40")),
        ]
    );
}

#[test]
fn the_repetition_choice_is_made_per_chunk_stream() {
    // csid 4 repeats the extended timestamp, csid 5 does not; chunks interleave.
    let a = pattern(130, 1);
    let b = pattern(130, 2);
    let mut input = hex("04 ff ff ff 00 00 82 09 01 00 00 00 0a 0b 0c 0d");
    input.extend_from_slice(&a[..128]);
    input.extend_from_slice(&hex("05 ff ff ff 00 00 82 08 01 00 00 00 0e 0f 10 11"));
    input.extend_from_slice(&b[..128]);
    input.extend_from_slice(&hex("c4 0a 0b 0c 0d"));
    input.extend_from_slice(&a[128..]);
    input.push(0xc5);
    input.extend_from_slice(&b[128..]);
    let msgs = decode_every_way(&input);
    assert_eq!(
        msgs,
        vec![raw(4, 0x0a0b_0c0d, 9, 1, a), raw(5, 0x0e0f_1011, 8, 1, b)]
    );
}

// ---------------------------------------------------------------------------------------------
// hand-built bytes: interleaving, Set Chunk Size, Abort

#[test]
fn interleaved_chunk_streams_reassemble_separately() {
    let a = pattern(300, 0x11);
    let b = pattern(300, 0x22);
    let mut input = hex("04 00 00 01 00 01 2c 08 01 00 00 00");
    input.extend_from_slice(&a[..128]);
    input.extend_from_slice(&hex("06 00 00 02 00 01 2c 09 01 00 00 00"));
    input.extend_from_slice(&b[..128]);
    input.push(0xc4);
    input.extend_from_slice(&a[128..256]);
    input.push(0xc6);
    input.extend_from_slice(&b[128..256]);
    input.push(0xc4);
    input.extend_from_slice(&a[256..]);
    input.push(0xc6);
    input.extend_from_slice(&b[256..]);
    let msgs = decode_every_way(&input);
    assert_eq!(msgs, vec![raw(4, 1, 8, 1, a), raw(6, 2, 9, 1, b)]);
}

#[test]
fn set_chunk_size_takes_effect_at_the_very_next_chunk() {
    // Set Chunk Size 300, then in the same buffer a 300-byte message in one chunk.
    let payload = pattern(300, 7);
    let mut input = hex("02 00 00 00 00 00 04 01 00 00 00 00 00 00 01 2c");
    input.extend_from_slice(&hex("03 00 00 00 00 01 2c 14 00 00 00 00"));
    input.extend_from_slice(&payload);
    let msgs = decode_every_way(&input);
    assert_eq!(
        msgs,
        vec![
            raw(2, 0, 1, 0, hex("00 00 01 2c")),
            raw(3, 0, 20, 0, payload)
        ]
    );
    // The message is returned as soon as it completes, with the new size already in force.
    let mut dec = ChunkDecoder::new(Limits::default());
    let (n, msg) = dec.feed(&input).unwrap();
    assert_eq!(n, 16);
    assert_eq!(msg.unwrap().type_id, 1);
    assert_eq!(dec.peer_chunk_size(), 300);
}

#[test]
fn set_chunk_size_in_the_middle_of_another_message_applies_to_its_next_chunk() {
    let payload = pattern(200, 3);
    let mut input = hex("04 00 00 00 00 00 c8 09 01 00 00 00");
    input.extend_from_slice(&payload[..128]);
    input.extend_from_slice(&hex("02 00 00 00 00 00 04 01 00 00 00 00 00 00 00 32")); // 50
    input.push(0xc4);
    input.extend_from_slice(&payload[128..178]);
    input.push(0xc4);
    input.extend_from_slice(&payload[178..]);
    let msgs = decode_every_way(&input);
    assert_eq!(
        msgs,
        vec![
            raw(2, 0, 1, 0, hex("00 00 00 32")),
            raw(4, 0, 9, 1, payload)
        ]
    );
}

#[test]
fn chunk_size_1_works() {
    let mut input = hex("02 00 00 00 00 00 04 01 00 00 00 00 00 00 00 01");
    input.extend_from_slice(&hex(
        "03 00 00 00 00 00 05 14 00 00 00 00 61 c3 62 c3 63 c3 64 c3 65",
    ));
    let msgs = decode_every_way(&input);
    assert_eq!(msgs[1], raw(3, 0, 20, 0, b"abcde".to_vec()));
    // Our encoder writes the same bytes at chunk size 1.
    let mut enc = ChunkEncoder::new();
    let mut out = Vec::new();
    enc.encode(&msgs[0], &mut out).unwrap();
    enc.set_chunk_size(1);
    enc.encode(&msgs[1], &mut out).unwrap();
    assert_eq!(out, input);
}

#[test]
fn abort_discards_the_partial_message_of_its_chunk_stream() {
    let mut input = hex("04 00 00 00 00 00 c8 09 01 00 00 00");
    input.extend_from_slice(&pattern(128, 1));
    input.extend_from_slice(&hex("02 00 00 00 00 00 04 02 00 00 00 00 00 00 00 04")); // abort 4
    input.extend_from_slice(&hex("04 00 00 0a 00 00 02 08 01 00 00 00 01 02"));
    let msgs = decode_every_way(&input);
    assert_eq!(
        msgs,
        vec![
            raw(2, 0, 2, 0, hex("00 00 00 04")),
            raw(4, 10, 8, 1, hex("01 02"))
        ]
    );
    // The partial bytes are released at once.
    let mut dec = ChunkDecoder::new(Limits::default());
    let mut out = Vec::new();
    feed_all(&mut dec, &input[..140], &mut out).unwrap();
    assert_eq!(dec.buffered_bytes(), 128);
    feed_all(&mut dec, &input[140..156], &mut out).unwrap();
    assert_eq!(dec.buffered_bytes(), 0);
    assert_eq!(out.len(), 1);
}

#[test]
fn abort_of_an_idle_or_unknown_chunk_stream_changes_nothing() {
    let input = hex(concat!(
        "02 00 00 00 00 00 04 02 00 00 00 00 00 00 00 09 ", // abort 9 (never seen)
        "03 00 00 00 00 00 01 14 00 00 00 00 aa ",
        "42 00 00 00 00 00 04 02 00 00 00 03 ", // abort 3 (idle)
        "c3 bb",                                // fmt 3 new message on csid 3
    ));
    let msgs = decode_every_way(&input);
    assert_eq!(
        summary(&msgs),
        vec![
            (2, 0, 2, 0, 4),
            (3, 0, 20, 0, 1),
            (2, 0, 2, 0, 4),
            (3, 0, 20, 0, 1)
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// a fmt 1 header opening a chunk stream

#[test]
fn a_fmt_1_header_opening_a_chunk_stream_is_read_as_message_stream_0() {
    // A 200-byte command on chunk stream 5 opened with fmt 1 (delta 16, no message stream id),
    // a fmt 3 continuation, then a fmt 3 new message of the same length and type.
    let body = pattern(200, 3);
    let mut input = hex("45 00 00 10 00 00 c8 14");
    input.extend_from_slice(&body[..128]);
    input.push(0xc5);
    input.extend_from_slice(&body[128..]);
    input.push(0xc5);
    input.extend_from_slice(&body[..128]);
    input.push(0xc5);
    input.extend_from_slice(&body[128..]);
    let msgs = decode_every_way(&input);
    assert_eq!(
        msgs,
        [raw(5, 16, 20, 0, body.clone()), raw(5, 32, 20, 0, body)]
    );
    let mut dec = ChunkDecoder::new(Limits::default());
    feed_all(&mut dec, &input, &mut Vec::new()).expect("decodes");
    assert_eq!(dec.opened_without_stream_id(), [5]);
    // Opened properly, nothing is listed.
    let mut dec = ChunkDecoder::new(Limits::default());
    feed_all(&mut dec, &NGINX_S2C[AFTER_HANDSHAKE..], &mut Vec::new()).expect("decodes");
    assert_eq!(dec.opened_without_stream_id(), [] as [u32; 0]);
}

// ---------------------------------------------------------------------------------------------
// errors and limits

#[test]
fn fmt_2_or_3_on_an_unknown_chunk_stream_is_an_error() {
    // Their message length is unknown (fmt 1 opening a chunk stream is read, see below).
    for input in ["85 00 00 00 aa", "c5 aa", "c0 05 aa"] {
        let err = decode_error_every_way(Limits::default(), &hex(input));
        let csid = if input.starts_with("c0") { 69 } else { 5 };
        assert_eq!(err, ChunkError::UnknownChunkStream { csid }, "{input}");
    }
    assert_eq!(
        ChunkError::UnknownChunkStream { csid: 5 }.to_string(),
        "chunk header refers to chunk stream 5, which has no previous header"
    );
}

#[test]
fn the_largest_length_a_header_can_announce_is_checked_against_the_limit() {
    // The length field has 24 bits: 0xffffff (16 MiB - 1) is the most a header can announce, so
    // "16 MiB + 1" cannot be sent; with a 16 MiB limit the largest announcement passes, and a
    // limit one below refuses it before any payload.
    let input = hex("04 00 00 00 ff ff ff 09 01 00 00 00");
    let mut dec = ChunkDecoder::new(Limits {
        max_message_size: 16 * 1024 * 1024,
        ..Limits::default()
    });
    assert_eq!(dec.feed(&input), Ok((12, None)));
    let limits = Limits {
        max_message_size: 0x00ff_fffe,
        ..Limits::default()
    };
    let err = decode_error_every_way(limits, &input);
    assert_eq!(
        err,
        ChunkError::MessageTooLarge {
            csid: 4,
            type_id: 9,
            len: 0x00ff_ffff,
            max: 0x00ff_fffe
        }
    );
    assert_eq!(
        err.to_string(),
        "message on chunk stream 4 announces 16777215 bytes, more than the limit of 16777214 bytes"
    );
}

#[test]
fn a_fmt_1_header_over_the_limit_is_refused_too() {
    let limits = Limits {
        max_message_size: 100,
        ..Limits::default()
    };
    let input = hex("04 00 00 00 00 00 01 09 01 00 00 00 aa 44 00 00 00 00 00 65 09");
    let err = decode_error_every_way(limits, &input);
    assert_eq!(
        err,
        ChunkError::MessageTooLarge {
            csid: 4,
            type_id: 9,
            len: 101,
            max: 100
        }
    );
}

#[test]
fn a_16_mib_announcement_followed_by_a_few_bytes_keeps_memory_small() {
    // 16 MiB - 1 announced (the most the length field holds) under a 16 MiB limit, 5 bytes sent.
    let mut input = hex("04 00 00 00 ff ff ff 09 01 00 00 00");
    input.extend_from_slice(&[1, 2, 3, 4, 5]);
    let mut dec = ChunkDecoder::new(Limits {
        max_message_size: 16 * 1024 * 1024,
        ..Limits::default()
    });
    let mut out = Vec::new();
    feed_all(&mut dec, &input, &mut out).unwrap();
    assert!(out.is_empty());
    assert_eq!(dec.buffered_bytes(), 5);
    let capacity = dec.reassembly_capacity(4).unwrap();
    assert!(capacity <= 64 * 1024, "reserved {capacity} bytes");
}

#[test]
fn bytes_buffered_across_partial_messages_are_bounded() {
    let limits = Limits {
        max_message_size: 300,
        ..Limits::default()
    };
    // Two 250-byte messages: 128 + 128 buffered, then the next 122 would make 378.
    let mut input = hex("04 00 00 00 00 00 fa 09 01 00 00 00");
    input.extend_from_slice(&pattern(128, 0));
    input.extend_from_slice(&hex("05 00 00 00 00 00 fa 09 01 00 00 00"));
    input.extend_from_slice(&pattern(128, 0));
    input.push(0xc4);
    input.extend_from_slice(&pattern(122, 0));
    let err = decode_error_every_way(limits, &input);
    assert_eq!(
        err,
        ChunkError::BufferLimitExceeded {
            buffered: 378,
            max: 300
        }
    );
    assert_eq!(
        err.to_string(),
        "partially received messages would hold 378 bytes, more than the limit of 300 bytes"
    );
    // One such message alone is fine.
    let mut one = hex("04 00 00 00 00 00 fa 09 01 00 00 00");
    one.extend_from_slice(&pattern(128, 0));
    one.push(0xc4);
    one.extend_from_slice(&pattern(122, 0));
    assert_eq!(decode_split(limits, &one, &[]).unwrap().len(), 1);
}

#[test]
fn set_chunk_size_0_or_with_the_top_bit_is_an_error() {
    for (value, size) in [
        ("00 00 00 00", 0),
        ("80 00 00 00", 0x8000_0000),
        ("ff ff ff ff", u32::MAX),
    ] {
        let input = hex(&format!("02 00 00 00 00 00 04 01 00 00 00 00 {value}"));
        let err = decode_error_every_way(Limits::default(), &input);
        assert_eq!(err, ChunkError::InvalidChunkSize { size });
    }
    assert_eq!(
        ChunkError::InvalidChunkSize { size: 0 }.to_string(),
        "peer set the chunk size to 0, outside 1..=2147483647"
    );
    // The largest valid value is accepted.
    let input = hex("02 00 00 00 00 00 04 01 00 00 00 00 7f ff ff ff");
    let mut dec = ChunkDecoder::new(Limits::default());
    feed_all(&mut dec, &input, &mut Vec::new()).unwrap();
    assert_eq!(dec.peer_chunk_size(), 0x7fff_ffff);
}

#[test]
fn a_short_set_chunk_size_is_an_error() {
    let input = hex("02 00 00 00 00 00 02 01 00 00 00 00 10 00");
    let err = decode_error_every_way(Limits::default(), &input);
    assert_eq!(err, ChunkError::SetChunkSizeTooShort { len: 2 });
    assert_eq!(
        err.to_string(),
        "set chunk size message has 2 payload bytes, it needs 4"
    );
}

#[test]
fn errors_are_sticky() {
    let mut dec = ChunkDecoder::new(Limits::default());
    let err = dec.feed(&hex("c7")).unwrap_err();
    assert_eq!(err, ChunkError::UnknownChunkStream { csid: 7 });
    // Even valid bytes afterwards give the same error.
    assert_eq!(
        dec.feed(&hex("03 00 00 00 00 00 00 14 00 00 00 00")),
        Err(err)
    );
}

#[test]
fn a_new_keep_policy_applies_to_later_headers() {
    let mut dec = ChunkDecoder::new(Limits::default());
    dec.set_keep(KeepPolicy::all(Keep::Whole { max: 10 }));
    let err = dec
        .feed(&hex("03 00 00 00 00 00 0b 14 00 00 00 00"))
        .unwrap_err();
    assert_eq!(
        err,
        ChunkError::MessageTooLarge {
            csid: 3,
            type_id: 20,
            len: 11,
            max: 10
        }
    );
}

#[test]
fn an_empty_feed_consumes_nothing() {
    let mut dec = ChunkDecoder::new(Limits::default());
    assert_eq!(dec.feed(&[]), Ok((0, None)));
}

// ---------------------------------------------------------------------------------------------
// encoder

#[test]
fn encoder_header_choice() {
    let mut enc = ChunkEncoder::new();
    let mut first_bytes = Vec::new();
    let mut stream = Vec::new();
    let msgs = [
        raw(3, 100, 20, 0, vec![1; 10]), // first: fmt 0
        raw(3, 100, 20, 0, vec![2; 10]), // same, delta 0 after fmt 0: fmt 2
        raw(3, 100, 20, 0, vec![3; 10]), // same delta after fmt 2: fmt 3
        raw(3, 100, 20, 0, vec![4; 11]), // length changes: fmt 1
        raw(3, 100, 18, 0, vec![5; 11]), // type changes: fmt 1
        raw(3, 99, 18, 0, vec![6; 11]),  // backwards: fmt 0
        raw(3, 99, 18, 1, vec![7; 11]),  // stream id changes: fmt 0
        raw(3, 104, 18, 1, vec![8; 11]), // +5: fmt 2
        raw(3, 109, 18, 1, vec![9; 11]), // +5 again: fmt 3
        raw(3, 114, 18, 1, vec![9; 11]), // +5 again: fmt 3
        raw(3, 120, 18, 1, vec![9; 11]), // +6: fmt 2
        raw(4, 120, 18, 1, vec![9; 11]), // other chunk stream: fmt 0
    ];
    for m in &msgs {
        let mut out = Vec::new();
        enc.encode(m, &mut out).unwrap();
        first_bytes.push(out[0] >> 6);
        stream.extend_from_slice(&out);
    }
    assert_eq!(first_bytes, vec![0, 2, 3, 1, 1, 0, 0, 2, 3, 3, 2, 0]);
    assert_eq!(decode_every_way(&stream), msgs);
}

#[test]
fn encoder_writes_exact_compact_headers() {
    let mut enc = ChunkEncoder::new();
    let out = encode_all(
        &mut enc,
        &[
            raw(4, 1000, 8, 1, hex("01 02")),
            raw(4, 1020, 9, 1, hex("03 04 05")),
            raw(4, 1050, 9, 1, hex("06 07 08")),
            raw(4, 1080, 9, 1, hex("09 0a 0b")),
        ],
    );
    assert_eq!(
        out,
        hex(concat!(
            "04 00 03 e8 00 00 02 08 01 00 00 00 01 02 ",
            "44 00 00 14 00 00 03 09 03 04 05 ",
            "84 00 00 1e 06 07 08 ",
            "c4 09 0a 0b",
        ))
    );
}

#[test]
fn encoder_splits_by_its_chunk_size() {
    let payload = pattern(10, 0);
    let mut enc = ChunkEncoder::new();
    assert_eq!(enc.chunk_size(), 128);
    enc.set_chunk_size(4);
    assert_eq!(enc.chunk_size(), 4);
    let mut out = Vec::new();
    enc.encode(&raw(5, 0, 8, 1, payload.clone()), &mut out)
        .unwrap();
    let mut expected = hex("05 00 00 00 00 00 0a 08 01 00 00 00");
    expected.extend_from_slice(&payload[..4]);
    expected.push(0xc5);
    expected.extend_from_slice(&payload[4..8]);
    expected.push(0xc5);
    expected.extend_from_slice(&payload[8..]);
    assert_eq!(out, expected);
    // Exactly one chunk's worth: no empty continuation chunk.
    let mut out = Vec::new();
    enc.encode(&raw(6, 0, 8, 1, vec![1, 2, 3, 4]), &mut out)
        .unwrap();
    assert_eq!(out, hex("06 00 00 00 00 00 04 08 01 00 00 00 01 02 03 04"));
    // An empty message is a header alone.
    let mut out = Vec::new();
    enc.encode(&raw(7, 0, 20, 0, vec![]), &mut out).unwrap();
    assert_eq!(out, hex("07 00 00 00 00 00 00 14 00 00 00 00"));
}

#[test]
fn encoder_chunk_size_is_clamped_to_the_valid_range() {
    let mut enc = ChunkEncoder::new();
    enc.set_chunk_size(0);
    assert_eq!(enc.chunk_size(), 1);
    enc.set_chunk_size(u32::MAX);
    assert_eq!(enc.chunk_size(), 0x7fff_ffff);
}

#[test]
fn encoder_refuses_what_a_header_cannot_carry() {
    let mut enc = ChunkEncoder::new();
    let mut out = Vec::new();
    for csid in [0, 1, 65600] {
        assert_eq!(
            enc.encode(&raw(csid, 0, 8, 1, vec![1]), &mut out),
            Err(EncodeError::InvalidChunkStreamId { csid })
        );
    }
    let big = raw(3, 0, 8, 1, vec![0; 0x0100_0000]);
    let err = enc.encode(&big, &mut out).unwrap_err();
    assert_eq!(err, EncodeError::PayloadTooLong { len: 0x0100_0000 });
    assert_eq!(
        err.to_string(),
        "message payload of 16777216 bytes does not fit the 24-bit length field (16777215 bytes at most)"
    );
    assert!(out.is_empty());
    // The failed message left no header memory: the next one on csid 3 is fmt 0.
    enc.encode(&raw(3, 0, 8, 1, vec![1]), &mut out).unwrap();
    assert_eq!(out[0], 0x03);
}

// ---------------------------------------------------------------------------------------------
// properties

fn arb_csid() -> impl Strategy<Value = u32> {
    prop_oneof![
        2u32..=5,
        Just(63u32),
        Just(64u32),
        Just(65u32),
        Just(319u32),
        Just(320u32),
        Just(65599u32),
        2u32..=65599,
    ]
}

fn arb_timestamp() -> impl Strategy<Value = u32> {
    prop_oneof![
        0u32..2000,
        Just(0x00ff_fffe),
        Just(0x00ff_ffff),
        Just(0x0100_0000),
        0x00ff_ff00u32..=0x0100_00ff,
        any::<u32>(),
    ]
}

fn arb_message() -> impl Strategy<Value = RawMessage> {
    (
        arb_csid(),
        arb_timestamp(),
        // Types 1 and 2 act on the chunk layer; they are generated valid, separately.
        prop_oneof![Just(0u8), 3u8..=255],
        prop_oneof![Just(0u32), Just(1u32), any::<u32>()],
        prop::collection::vec(any::<u8>(), 0..2000),
    )
        .prop_map(|(csid, timestamp, type_id, stream_id, payload)| {
            RawMessage::new(csid, timestamp, type_id, stream_id, payload)
        })
}

/// A message to send, possibly preceded by a change of our chunk size and by an Abort Message
/// (a no-op for the decoder: our encoder never leaves a message half sent).
#[derive(Debug, Clone)]
struct Step {
    chunk_size: Option<u32>,
    abort: Option<u32>,
    msg: RawMessage,
}

fn arb_step() -> impl Strategy<Value = Step> {
    (
        prop::option::weighted(0.2, prop_oneof![1u32..=16, 1u32..=5000]),
        prop::option::weighted(0.05, arb_csid()),
        arb_message(),
    )
        .prop_map(|(chunk_size, abort, msg)| Step {
            chunk_size,
            abort,
            msg,
        })
}

/// Follows `steps` with an encoder, emitting Set Chunk Size messages (at the old size) when the
/// size changes; returns the bytes and the messages the decoder must return.
fn encode_steps(initial: u32, steps: &[Step]) -> (Vec<u8>, Vec<RawMessage>) {
    fn control(enc: &mut ChunkEncoder, type_id: u8, value: u32, out: &mut Vec<u8>) -> RawMessage {
        let msg = raw(2, 0, type_id, 0, value.to_be_bytes().to_vec());
        enc.encode(&msg, out).unwrap();
        msg
    }
    let mut enc = ChunkEncoder::new();
    let mut out = Vec::new();
    let mut expected = Vec::new();
    if initial != DEFAULT_CHUNK_SIZE {
        expected.push(control(&mut enc, 1, initial, &mut out));
        enc.set_chunk_size(initial);
    }
    for step in steps {
        if let Some(size) = step.chunk_size {
            expected.push(control(&mut enc, 1, size, &mut out));
            enc.set_chunk_size(size);
        }
        if let Some(csid) = step.abort {
            expected.push(control(&mut enc, 2, csid, &mut out));
        }
        enc.encode(&step.msg, &mut out).unwrap();
        expected.push(step.msg.clone());
    }
    (out, expected)
}

/// Cuts `len` bytes into pieces whose sizes cycle through `cuts` (each at least 1).
fn pieces(len: usize, cuts: &[usize]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut left = len;
    for &c in cuts.iter().cycle() {
        if left == 0 || cuts.is_empty() {
            break;
        }
        let c = c.clamp(1, left);
        out.push(c);
        left -= c;
    }
    out
}

proptest! {
    #[test]
    fn encoded_messages_decode_to_the_same_messages_however_split(
        initial in prop_oneof![Just(128u32), 1u32..=5000],
        steps in prop::collection::vec(arb_step(), 0..12),
        cuts in prop::collection::vec(1usize..300, 1..8),
    ) {
        let (bytes, expected) = encode_steps(initial, &steps);
        let whole = decode_split(Limits::default(), &bytes, &[]).unwrap();
        prop_assert_eq!(&whole, &expected);
        let split = decode_split(Limits::default(), &bytes, &pieces(bytes.len(), &cuts)).unwrap();
        prop_assert_eq!(&split, &expected);
    }

    #[test]
    fn byte_at_a_time_decoding_matches(
        steps in prop::collection::vec(arb_step(), 0..5),
    ) {
        let (bytes, expected) = encode_steps(DEFAULT_CHUNK_SIZE, &steps);
        let bytewise = decode_split(Limits::default(), &bytes, &vec![1; bytes.len()]).unwrap();
        prop_assert_eq!(bytewise, expected);
    }

    #[test]
    fn the_decoder_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..3000),
        cuts in prop::collection::vec(1usize..64, 1..8),
        max in prop_oneof![Just(16u32 * 1024 * 1024), 0u32..5000],
    ) {
        let limits = Limits { max_message_size: max, ..Limits::default() };
        let whole = decode_split(limits, &bytes, &[]);
        let split = decode_split(limits, &bytes, &pieces(bytes.len(), &cuts));
        // Splitting never changes the outcome.
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn the_decoder_never_panics_on_corrupted_streams(
        steps in prop::collection::vec(arb_step(), 1..6),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cuts in prop::collection::vec(1usize..64, 1..8),
    ) {
        let (mut bytes, _) = encode_steps(DEFAULT_CHUNK_SIZE, &steps);
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let whole = decode_split(Limits::default(), &bytes, &[]);
        let split = decode_split(Limits::default(), &bytes, &pieces(bytes.len(), &cuts));
        prop_assert_eq!(whole, split);
    }
}

// ---------------------------------------------------------------------------------------------
// skipped message types

/// What a publishing client keeps: control messages and commands whole, up to the limit.
fn skip_media(limits: Limits) -> KeepPolicy {
    KeepPolicy::all(Keep::Skip).with_types(
        &CONTROL_AND_COMMANDS,
        Keep::Whole {
            max: limits.max_message_size,
        },
    )
}

/// Decodes under `policy`, whole, byte by byte and split in two at every offset; all must agree.
/// Returns the messages and the decoder's skip and truncation counters.
fn decode_keeping_every_way(
    policy: KeepPolicy,
    input: &[u8],
) -> (Vec<RawMessage>, (u64, u64), (u64, u64)) {
    let run = |pieces: &[usize]| {
        let mut dec = ChunkDecoder::with_policy(policy.clone());
        let mut out = Vec::new();
        let mut rest = input;
        for &p in pieces {
            let (piece, tail) = rest.split_at(p.min(rest.len()));
            feed_all(&mut dec, piece, &mut out).expect("decodes");
            rest = tail;
        }
        feed_all(&mut dec, rest, &mut out).expect("decodes");
        assert!(dec.is_idle());
        assert_eq!(dec.buffered_bytes(), 0);
        (out, dec.skipped(), dec.truncated())
    };
    let whole = run(&[]);
    assert_eq!(run(&vec![1; input.len()]), whole, "byte by byte");
    for cut in 1..input.len() {
        assert_eq!(run(&[cut]), whole, "split at {cut}");
    }
    whole
}

/// Decodes with media skipped, every way (see [`decode_keeping_every_way`]). Returns the messages
/// and the decoder's skip counters.
fn decode_skipping_every_way(limits: Limits, input: &[u8]) -> (Vec<RawMessage>, (u64, u64)) {
    let (msgs, skipped, _) = decode_keeping_every_way(skip_media(limits), input);
    (msgs, skipped)
}

#[test]
fn skipped_types_are_parsed_and_counted_but_never_stored_or_limited() {
    let limits = Limits {
        max_message_size: 100,
        ..Limits::default()
    };
    // A 300-byte audio message (over the limit) on csid 4, then a 5-byte command on csid 3.
    let mut input = hex("04 00 00 00 00 01 2c 08 01 00 00 00");
    input.extend_from_slice(&pattern(128, 1));
    input.push(0xc4);
    input.extend_from_slice(&pattern(128, 2));
    input.push(0xc4);
    input.extend_from_slice(&pattern(44, 3));
    input.extend_from_slice(&hex("03 00 00 07 00 00 05 14 00 00 00 00 aa bb cc dd ee"));
    let (msgs, skipped) = decode_skipping_every_way(limits, &input);
    assert_eq!(summary(&msgs), [(3, 7, 20, 0, 5)]);
    assert_eq!(msgs[0].payload, hex("aa bb cc dd ee"));
    assert_eq!(skipped, (1, 300));
    // Without skipping the same bytes are refused.
    assert_eq!(
        decode_error_every_way(limits, &input),
        ChunkError::MessageTooLarge {
            csid: 4,
            type_id: 8,
            len: 300,
            max: 100
        }
    );
}

#[test]
fn a_skipped_message_interleaved_with_a_kept_one_leaves_the_kept_one_whole() {
    // Data (type 18) on csid 4 and a command on csid 3, chunk by chunk, 128-byte chunks.
    let data = pattern(300, 9);
    let command = pattern(200, 4);
    let mut input = hex("04 00 00 00 00 01 2c 12 01 00 00 00");
    input.extend_from_slice(&data[..128]);
    input.extend_from_slice(&hex("03 00 00 00 00 00 c8 14 00 00 00 00"));
    input.extend_from_slice(&command[..128]);
    input.push(0xc4);
    input.extend_from_slice(&data[128..256]);
    input.push(0xc3);
    input.extend_from_slice(&command[128..]);
    input.push(0xc4);
    input.extend_from_slice(&data[256..]);
    let (msgs, skipped) = decode_skipping_every_way(Limits::default(), &input);
    assert_eq!(msgs, [raw(3, 0, 20, 0, command)]);
    assert_eq!(skipped, (1, 300));
}

#[test]
fn a_huge_skipped_message_costs_no_memory() {
    // 16 MiB - 1 announced, at the largest chunk size, with a tight limit: nothing is reserved.
    let mut dec = ChunkDecoder::with_policy(skip_media(Limits {
        max_message_size: 1024,
        ..Limits::default()
    }));
    let mut out = Vec::new();
    feed_all(
        &mut dec,
        &hex("02 00 00 00 00 00 04 01 00 00 00 00 7f ff ff ff"),
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 1, "set chunk size is returned");
    feed_all(
        &mut dec,
        &hex("04 00 00 00 ff ff ff 09 01 00 00 00"),
        &mut out,
    )
    .unwrap();
    let block = vec![0x55u8; 1 << 20];
    for _ in 0..15 {
        feed_all(&mut dec, &block, &mut out).unwrap();
        assert_eq!(dec.buffered_bytes(), 0);
        assert_eq!(dec.reassembly_capacity(4), Some(0));
    }
    assert!(!dec.is_idle(), "in the middle of the skipped message");
    feed_all(&mut dec, &block[..(1 << 20) - 1], &mut out).unwrap();
    assert!(dec.is_idle());
    assert_eq!(out.len(), 1);
    assert_eq!(dec.skipped(), (1, 0x00ff_ffff));
}

#[test]
fn an_abort_drops_a_skipped_message_and_set_chunk_size_is_never_skipped() {
    let mut dec = ChunkDecoder::with_policy(KeepPolicy::all(Keep::Skip));
    let mut out = Vec::new();
    // 200-byte video on csid 6, first chunk only; Abort(6); then a fmt 3 chunk on csid 6 starts a
    // new 200-byte video message (same length and type), sent whole.
    let mut input = hex("06 00 00 00 00 00 c8 09 01 00 00 00");
    input.extend_from_slice(&pattern(128, 0));
    input.extend_from_slice(&hex("02 00 00 00 00 00 04 02 00 00 00 00 00 00 00 06"));
    input.push(0xc6);
    input.extend_from_slice(&pattern(128, 1));
    input.push(0xc6);
    input.extend_from_slice(&pattern(72, 2));
    // Set Chunk Size 4096 still applies: the next 300-byte message is one chunk.
    input.extend_from_slice(&hex("02 00 00 00 00 00 04 01 00 00 00 00 00 00 10 00"));
    input.extend_from_slice(&hex("05 00 00 00 00 01 2c 08 01 00 00 00"));
    input.extend_from_slice(&pattern(300, 3));
    feed_all(&mut dec, &input, &mut out).unwrap();
    assert_eq!(
        summary(&out),
        [(2, 0, 2, 0, 4), (2, 0, 1, 0, 4)],
        "abort and set chunk size come out, media does not"
    );
    assert_eq!(dec.peer_chunk_size(), 4096);
    assert_eq!(
        dec.skipped(),
        (2, 628),
        "the aborted message does not count, its 128 bytes do"
    );
    assert!(dec.is_idle());
}

#[test]
fn a_peer_opening_more_than_the_maximum_of_chunk_streams_is_refused() {
    // Zero-length fmt 0 messages, each on a new chunk stream (3-byte basic headers).
    let mut bytes = Vec::new();
    for i in 0..=MAX_CHUNK_STREAMS as u32 {
        bytes.extend_from_slice(&[0x01, (i & 0xff) as u8, (i >> 8) as u8]);
        bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0]);
    }
    let mut dec = ChunkDecoder::new(Limits::default());
    let mut input = bytes.as_slice();
    let mut messages = 0;
    let err = loop {
        match dec.feed(input) {
            Ok((used, msg)) => {
                messages += usize::from(msg.is_some());
                input = &input[used..];
                assert!(
                    !input.is_empty(),
                    "the table must fill up before the input ends"
                );
            }
            Err(e) => break e,
        }
    };
    assert_eq!(messages, MAX_CHUNK_STREAMS);
    assert_eq!(
        err,
        ChunkError::TooManyChunkStreams {
            max: MAX_CHUNK_STREAMS
        }
    );
    assert_eq!(err.to_string(), "peer opened more than 256 chunk streams");
}

// ---------------------------------------------------------------------------------------------
// prefix-kept message types

/// Video (type 9) kept as an 8-byte prefix, everything else whole up to the default limit.
fn video_prefix(n: u32) -> KeepPolicy {
    KeepPolicy::all(Keep::Whole {
        max: Limits::default().max_message_size,
    })
    .with(9, Keep::Prefix(n))
}

#[test]
fn a_prefix_kept_message_comes_out_with_its_first_bytes_and_its_full_length() {
    // A 300-byte video message in 128-byte chunks, then a 5-byte command: whole, byte by byte and
    // split anywhere, the video comes out as its first 8 bytes and length 300.
    let video = pattern(300, 5);
    let mut input = hex("06 00 00 10 00 01 2c 09 01 00 00 00");
    input.extend_from_slice(&video[..128]);
    input.push(0xc6);
    input.extend_from_slice(&video[128..256]);
    input.push(0xc6);
    input.extend_from_slice(&video[256..]);
    input.extend_from_slice(&hex("03 00 00 00 00 00 05 14 00 00 00 00 aa bb cc dd ee"));
    let whole = decode_keeping_every_way(video_prefix(8), &input);
    let (msgs, skipped, truncated) = whole;
    assert_eq!(msgs.len(), 2);
    assert_eq!(
        (msgs[0].csid, msgs[0].timestamp, msgs[0].type_id),
        (6, 16, 9)
    );
    assert_eq!(msgs[0].length, 300);
    assert_eq!(msgs[0].payload, video[..8].to_vec());
    assert!(!msgs[0].is_whole());
    assert_eq!(msgs[1], raw(3, 0, 20, 0, hex("aa bb cc dd ee")));
    assert!(msgs[1].is_whole());
    assert_eq!(truncated, (1, 292));
    assert_eq!(skipped, (0, 0));
}

#[test]
fn a_prefix_of_a_16_mib_frame_costs_only_the_prefix() {
    let mut dec = ChunkDecoder::with_policy(video_prefix(64));
    let mut out = Vec::new();
    feed_all(
        &mut dec,
        &hex("02 00 00 00 00 00 04 01 00 00 00 00 7f ff ff ff"),
        &mut out,
    )
    .unwrap();
    feed_all(
        &mut dec,
        &hex("06 00 00 00 ff ff ff 09 01 00 00 00"),
        &mut out,
    )
    .unwrap();
    let block = vec![0x17u8; 1 << 20];
    for _ in 0..15 {
        feed_all(&mut dec, &block, &mut out).unwrap();
        assert_eq!(dec.buffered_bytes(), 64);
        assert_eq!(dec.reassembly_capacity(6), Some(64));
    }
    feed_all(&mut dec, &block[..(1 << 20) - 1], &mut out).unwrap();
    assert_eq!(out.len(), 2, "set chunk size and the frame");
    assert_eq!(out[1].length, 0x00ff_ffff);
    assert_eq!(out[1].payload.len(), 64);
    assert_eq!(dec.buffered_bytes(), 0);
    assert_eq!(dec.truncated(), (1, 0x00ff_ffff - 64));
}

#[test]
fn a_prefix_as_long_as_the_message_gives_the_whole_message() {
    let mut dec = ChunkDecoder::with_policy(video_prefix(4));
    let mut out = Vec::new();
    feed_all(
        &mut dec,
        &hex("06 00 00 00 00 00 04 09 01 00 00 00 17 00 00 00"),
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [raw(6, 0, 9, 1, hex("17 00 00 00"))]);
    assert_eq!(dec.truncated(), (0, 0));
}
