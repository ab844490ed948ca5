//! Tests of the handshake state machine, against the real ffmpeg ↔ nginx-rtmp / node-media-server
//! byte streams in `tests/fixtures/` and against hand-built server answers.

use super::digest::{answer_is_valid, find_digest, GENUINE_FMS_KEY, GENUINE_FP_KEY};
use super::*;
use proptest::prelude::*;

const NGINX_C2S: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nginx-c2s.bin");
const NGINX_S2C: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nginx-s2c.bin");
const NMS_C2S: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nms-c2s.bin");
const NMS_S2C: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nms-s2c.bin");

/// Server bytes the handshake must take: S0 + S1 + S2.
const HS: usize = SERVER_HANDSHAKE_LEN;

fn block(stream: &[u8], index: usize) -> [u8; HANDSHAKE_SIZE] {
    let start = 1 + (index - 1) * HANDSHAKE_SIZE;
    stream[start..start + HANDSHAKE_SIZE].try_into().unwrap()
}

/// A digest-mode client that builds the very C1 ffmpeg sent in `c2s`.
fn ffmpeg_like_client(c2s: &[u8]) -> ClientHandshake {
    let epoch = u32::from_be_bytes(c2s[1..5].try_into().unwrap());
    let random: [u8; RANDOM_SIZE] = c2s[9..HANDSHAKE_SIZE + 1].try_into().unwrap();
    ClientHandshake::new(HandshakeMode::Digest, epoch, random)
}

/// A recognisable random block: byte i is `i * 31 + seed` (mod 256).
fn pattern(seed: u8) -> [u8; RANDOM_SIZE] {
    let mut r = [0u8; RANDOM_SIZE];
    for (i, b) in r.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31).wrapping_add(seed);
    }
    r
}

/// What a driver sees when it feeds a handshake piece by piece.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    /// Bytes consumed in all.
    consumed: usize,
    /// C2 as taken (exactly once).
    c2: Option<Vec<u8>>,
    info: Option<HandshakeInfo>,
    progress: HandshakeProgress,
}

/// Feeds `pieces` in order as a driver would: stops feeding handshake bytes once a piece is not
/// consumed whole (the rest is chunk stream); takes C2 as soon as it is offered.
fn drive<'a>(hs: &mut ClientHandshake, pieces: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut consumed = 0;
    let mut c2: Option<Vec<u8>> = None;
    for piece in pieces {
        let n = hs.feed(piece).unwrap();
        assert!(n <= piece.len());
        consumed += n;
        if let Some(taken) = hs.take_c2() {
            assert!(c2.is_none(), "C2 offered twice");
            c2 = Some(taken);
        }
        assert!(
            hs.take_c2().is_none(),
            "C2 offered again right after being taken"
        );
        if n < piece.len() {
            // Leftover bytes are only possible once S2 is complete.
            assert_eq!(hs.progress(), HandshakeProgress::Complete);
            break;
        }
    }
    Outcome {
        consumed,
        c2,
        info: hs.info().cloned(),
        progress: hs.progress(),
    }
}

fn drive_whole(hs: &mut ClientHandshake, input: &[u8]) -> Outcome {
    drive(hs, [input])
}

// ---------------------------------------------------------------------------------------------
// Digest mode against the real servers.

#[test]
fn digest_c0_c1_is_byte_for_byte_ffmpegs() {
    for c2s in [NGINX_C2S, NMS_C2S] {
        let hs = ffmpeg_like_client(c2s);
        assert_eq!(hs.c0_c1().len(), 1537);
        assert_eq!(hs.c0_c1(), &c2s[..1537]);
        assert_eq!(hs.mode(), HandshakeMode::Digest);
    }
}

#[test]
fn our_digest_c1_validates_like_ffmpegs() {
    let hs = ClientHandshake::new(HandshakeMode::Digest, 0x1234_5678, pattern(9));
    let c = hs.c0_c1();
    assert_eq!(c[0], 3);
    assert_eq!(&c[1..9], &[0x12, 0x34, 0x56, 0x78, 0x09, 0x00, 0x7c, 0x02]);
    let c1: [u8; HANDSHAKE_SIZE] = c[1..].try_into().unwrap();
    let key = &GENUINE_FP_KEY[..30];
    let (scheme, digest) = find_digest(&c1, key).unwrap();
    assert_eq!(scheme, 0);
    // The same validator accepts ffmpeg's C1.
    assert_eq!(
        find_digest(&block(NGINX_C2S, 1), key).map(|(s, _)| s),
        Some(0)
    );
    // Outside the digest, C1 is the random bytes.
    let offset = super::digest::digest_offset(&c1, 0);
    assert_eq!(&c1[offset..offset + 32], &digest);
    assert_eq!(&c1[8..offset], &pattern(9)[..offset - 8]);
    assert_eq!(&c1[offset + 32..], &pattern(9)[offset + 24..]);
}

fn nginx_info() -> HandshakeInfo {
    HandshakeInfo {
        s0_version: 3,
        s1_time: 0x0014_76a5,
        s1_version: [0x0d, 0x0e, 0x0a, 0x0d],
        digest_scheme: Some(0),
        s2_echoes_c1: false,
        s2_digest_valid: Some(true),
    }
}

fn nms_info() -> HandshakeInfo {
    HandshakeInfo {
        s0_version: 3,
        s1_time: 0,
        s1_version: [1, 2, 3, 4],
        digest_scheme: Some(0),
        s2_echoes_c1: false,
        s2_digest_valid: Some(true),
    }
}

#[test]
fn nginx_answer_fed_whole_with_the_chunk_stream_behind_it() {
    let mut hs = ffmpeg_like_client(NGINX_C2S);
    assert!(NGINX_S2C.len() > HS);
    let out = drive_whole(&mut hs, NGINX_S2C);
    assert_eq!(out.consumed, HS);
    assert_eq!(out.progress, HandshakeProgress::Complete);
    let info = out.info.unwrap();
    assert_eq!(info, nginx_info());
    assert_eq!(info.s1_version_dotted().to_string(), "13.14.10.13");
    // The chunk stream begins right after S2: Window Acknowledgement Size on csid 2, fmt 0.
    assert_eq!(NGINX_S2C[HS], 0x02);
    // Once complete, nothing more is taken.
    assert_eq!(hs.feed(&NGINX_S2C[HS..]), Ok(0));
    assert_eq!(hs.info(), Some(&nginx_info()));
}

#[test]
fn nms_answer_fed_whole_and_byte_by_byte() {
    let mut hs = ffmpeg_like_client(NMS_C2S);
    let whole = drive_whole(&mut hs, NMS_S2C);
    assert_eq!(whole.consumed, HS);
    assert_eq!(whole.info.clone().unwrap(), nms_info());
    assert_eq!(nms_info().s1_version_dotted().to_string(), "1.2.3.4");
    let mut hs = ffmpeg_like_client(NMS_C2S);
    let bytewise = drive(&mut hs, NMS_S2C.chunks(1));
    assert_eq!(bytewise, whole);
}

#[test]
fn our_c2_answers_nginx_s1_with_the_full_player_key() {
    let random = pattern(77);
    let mut hs = ClientHandshake::new(HandshakeMode::Digest, 0, random);
    assert_eq!(hs.feed(&NGINX_S2C[..1537]), Ok(1537));
    let c2 = hs.take_c2().unwrap();
    assert_eq!(c2.len(), HANDSHAKE_SIZE);
    assert_eq!(&c2[..1504], &random[..1504]);
    let c2: [u8; HANDSHAKE_SIZE] = c2.try_into().unwrap();
    let s1 = block(NGINX_S2C, 1);
    let (_, s1_digest) = find_digest(&s1, &GENUINE_FMS_KEY[..36]).unwrap();
    assert!(answer_is_valid(&c2, &GENUINE_FP_KEY, &s1_digest));
    assert!(!answer_is_valid(&c2, &GENUINE_FP_KEY[..30], &s1_digest));
    // nginx's S2 answers ffmpeg's C1, not ours: its digest does not validate for us.
    assert_eq!(hs.feed(&NGINX_S2C[1537..]), Ok(1536));
    let info = hs.info().unwrap();
    assert_eq!(info.digest_scheme, Some(0));
    assert_eq!(info.s2_digest_valid, Some(false));
    assert!(!info.s2_echoes_c1);
}

#[test]
fn c2_for_ffmpegs_c1_and_nginx_s1_is_a_signed_answer_not_an_echo() {
    let mut hs = ffmpeg_like_client(NGINX_C2S);
    let out = drive_whole(&mut hs, NGINX_S2C);
    let c2 = out.c2.unwrap();
    // ffmpeg (publishing) echoed S1; we sign.
    assert_eq!(&NGINX_C2S[1537..3073], &NGINX_S2C[1..1537]);
    assert_ne!(&c2[..], &NGINX_C2S[1537..3073]);
    let (_, s1_digest) = find_digest(&block(NGINX_S2C, 1), &GENUINE_FMS_KEY[..36]).unwrap();
    assert!(answer_is_valid(
        &c2.try_into().unwrap(),
        &GENUINE_FP_KEY,
        &s1_digest
    ));
}

#[test]
fn nginx_s2_with_a_flipped_byte_is_reported_not_rejected() {
    let mut s2c = NGINX_S2C[..HS].to_vec();
    s2c[1537 + 100] ^= 0x40;
    let mut hs = ffmpeg_like_client(NGINX_C2S);
    let out = drive_whole(&mut hs, &s2c);
    assert_eq!(out.consumed, HS);
    let info = out.info.unwrap();
    assert_eq!(info.s2_digest_valid, Some(false));
    assert_eq!(info.digest_scheme, Some(0));
}

#[test]
fn nginx_answer_split_at_every_offset() {
    let mut hs = ffmpeg_like_client(NGINX_C2S);
    let whole = drive_whole(&mut hs, NGINX_S2C);
    assert_eq!(whole.info.as_ref(), Some(&nginx_info()));
    for k in 0..=NGINX_S2C.len() {
        let mut hs = ffmpeg_like_client(NGINX_C2S);
        let (a, b) = NGINX_S2C.split_at(k);
        let out = drive(&mut hs, [a, b]);
        assert_eq!(out, whole, "split at {k}");
    }
}

#[test]
fn nginx_answer_in_pieces_of_several_sizes_at_every_phase() {
    let mut hs = ffmpeg_like_client(NGINX_C2S);
    let whole = drive_whole(&mut hs, NGINX_S2C);
    for size in [1usize, 2, 7, 100, 1536, 1537] {
        for first in 0..size.min(120) {
            let (head, tail) = NGINX_S2C.split_at(first);
            let pieces = std::iter::once(head).chain(tail.chunks(size));
            let mut hs = ffmpeg_like_client(NGINX_C2S);
            assert_eq!(
                drive(&mut hs, pieces),
                whole,
                "size {size}, first piece {first}"
            );
        }
    }
}

#[test]
fn server_that_waits_for_c2_before_sending_s2() {
    let mut hs = ffmpeg_like_client(NGINX_C2S);
    assert_eq!(hs.feed(&NGINX_S2C[..1536]), Ok(1536));
    assert_eq!(hs.take_c2(), None, "no C2 before the last byte of S1");
    assert_eq!(hs.feed(&NGINX_S2C[1536..1537]), Ok(1));
    assert_eq!(
        hs.progress(),
        HandshakeProgress::Awaiting {
            part: ServerPart::S2,
            received: 0
        }
    );
    assert!(hs.info().is_none());
    let c2 = hs.take_c2().unwrap();
    assert_eq!(c2.len(), 1536);
    assert_eq!(hs.take_c2(), None);
    // ... the driver writes C2, the server sends S2 with the chunk stream.
    assert_eq!(hs.feed(&NGINX_S2C[1537..]), Ok(1536));
    assert_eq!(hs.info(), Some(&nginx_info()));
    assert_eq!(hs.take_c2(), None);
}

// ---------------------------------------------------------------------------------------------
// Plain mode and digest mode against hand-built (plain) servers.

/// A plain S1: time 0x01020304, zero version, bytes i*13 + 5.
fn plain_s1() -> Vec<u8> {
    let mut s1 = vec![0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0];
    s1.extend((0..RANDOM_SIZE).map(|i| (i as u8).wrapping_mul(13).wrapping_add(5)));
    s1
}

/// S0 + `s1` + `s2`.
fn server_bytes(s1: &[u8], s2: &[u8]) -> Vec<u8> {
    let mut v = vec![3];
    v.extend_from_slice(s1);
    v.extend_from_slice(s2);
    v
}

#[test]
fn plain_c0_c1_layout() {
    let hs = ClientHandshake::new(HandshakeMode::Plain, 0xdead_beef, pattern(1));
    let c = hs.c0_c1();
    assert_eq!(c.len(), 1537);
    assert_eq!(&c[..9], &[3, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]);
    assert_eq!(&c[9..], &pattern(1)[..]);
}

#[test]
fn plain_mode_with_an_echoing_server() {
    let mut hs = ClientHandshake::new(HandshakeMode::Plain, 1000, pattern(2));
    let c1 = hs.c0_c1()[1..].to_vec();
    // S2: C1's time, the server's own time2 (free), C1's random bytes.
    let mut s2 = c1.clone();
    s2[4..8].copy_from_slice(&[0, 0, 0, 42]);
    let s1 = plain_s1();
    let input = server_bytes(&s1, &s2);
    let out = drive_whole(&mut hs, &input);
    assert_eq!(out.consumed, HS);
    assert_eq!(out.c2.as_deref(), Some(&s1[..]));
    assert_eq!(
        out.info.unwrap(),
        HandshakeInfo {
            s0_version: 3,
            s1_time: 0x0102_0304,
            s1_version: [0; 4],
            digest_scheme: None,
            s2_echoes_c1: true,
            s2_digest_valid: None,
        }
    );
}

#[test]
fn plain_mode_with_a_non_echoing_server() {
    let s1 = plain_s1();
    let c1 = ClientHandshake::new(HandshakeMode::Plain, 1000, pattern(3)).c0_c1()[1..].to_vec();
    // Time differs; last random byte differs; S2 all zero.
    let mut wrong_time = c1.clone();
    wrong_time[3] ^= 1;
    let mut wrong_last = c1.clone();
    wrong_last[1535] ^= 1;
    let mut wrong_first_random = c1.clone();
    wrong_first_random[8] ^= 1;
    for s2 in [wrong_time, wrong_last, wrong_first_random, vec![0; 1536]] {
        let mut hs = ClientHandshake::new(HandshakeMode::Plain, 1000, pattern(3));
        let out = drive_whole(&mut hs, &server_bytes(&s1, &s2));
        assert_eq!(out.consumed, HS);
        let info = out.info.unwrap();
        assert!(!info.s2_echoes_c1);
        assert_eq!(info.s2_digest_valid, None);
        assert_eq!(info.digest_scheme, None);
    }
}

#[test]
fn plain_mode_does_not_validate_a_signed_s1() {
    // nginx's S1 is signed, but a plain client neither checks it nor signs C2.
    let mut hs = ClientHandshake::new(HandshakeMode::Plain, 0, pattern(4));
    let out = drive_whole(&mut hs, NGINX_S2C);
    assert_eq!(out.consumed, HS);
    assert_eq!(out.c2.as_deref(), Some(&NGINX_S2C[1..1537]));
    let info = out.info.unwrap();
    assert_eq!(info.digest_scheme, None);
    assert_eq!(info.s2_digest_valid, None);
    assert_eq!(info.s1_time, 0x0014_76a5);
}

#[test]
fn digest_mode_against_a_plain_server_falls_back_to_the_echo() {
    let mut hs = ClientHandshake::new(HandshakeMode::Digest, 7, pattern(5));
    let c1 = hs.c0_c1()[1..].to_vec();
    let s1 = plain_s1();
    let input = server_bytes(&s1, &c1);
    let out = drive_whole(&mut hs, &input);
    assert_eq!(out.consumed, HS);
    assert_eq!(out.c2.as_deref(), Some(&s1[..]));
    assert_eq!(
        out.info.unwrap(),
        HandshakeInfo {
            s0_version: 3,
            s1_time: 0x0102_0304,
            s1_version: [0; 4],
            digest_scheme: None,
            s2_echoes_c1: true,
            s2_digest_valid: None,
        }
    );
}

// ---------------------------------------------------------------------------------------------
// S0 errors and progress.

#[test]
fn s0_rtmpe_is_rejected_at_the_first_byte() {
    let mut hs = ClientHandshake::new(HandshakeMode::Digest, 0, pattern(6));
    let err = hs.feed(&[6]).unwrap_err();
    assert_eq!(err, HandshakeError::Encrypted);
    assert_eq!(
        err.to_string(),
        "server asked for RTMPE (S0 version 6), which this probe does not speak"
    );
    // Sticky: more bytes do not revive it.
    assert_eq!(hs.feed(&NGINX_S2C[1..]), Err(HandshakeError::Encrypted));
    assert_eq!(
        hs.progress(),
        HandshakeProgress::Failed(HandshakeError::Encrypted)
    );
    assert_eq!(hs.progress().consumed(), 1);
    assert_eq!(hs.take_c2(), None);
    assert_eq!(hs.info(), None);
}

#[test]
fn s0_from_an_http_server_is_a_bad_version() {
    let mut hs = ClientHandshake::new(HandshakeMode::Plain, 0, pattern(7));
    let err = hs.feed(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap_err();
    assert_eq!(err, HandshakeError::BadVersion(0x48));
    assert_eq!(
        err.to_string(),
        "bad S0 version 72 (0x48, 'H': the peer looks like an HTTP server, not an RTMP one), expected 3"
    );
    assert_eq!(
        hs.progress().to_string(),
        "handshake failed: bad S0 version 72 (0x48, 'H': the peer looks like an HTTP server, not an RTMP one), expected 3"
    );
}

#[test]
fn other_s0_versions_name_the_byte() {
    let cases: [(u8, &str); 4] = [
        (0, "bad S0 version 0 (0x00), expected 3"),
        (0xff, "bad S0 version 255 (0xff), expected 3"),
        (
            0x16,
            "bad S0 version 22 (0x16: the peer looks like a TLS server (try rtmps)), expected 3",
        ),
        (
            b'S',
            "bad S0 version 83 (0x53, 'S': the peer does not seem to speak RTMP), expected 3",
        ),
    ];
    for (byte, message) in cases {
        let mut hs = ClientHandshake::new(HandshakeMode::Digest, 0, pattern(8));
        let err = hs.feed(&[byte, 0, 0]).unwrap_err();
        assert_eq!(err, HandshakeError::BadVersion(byte));
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn progress_names_the_part_and_its_bytes() {
    let mut hs = ffmpeg_like_client(NGINX_C2S);
    let p = hs.progress();
    assert_eq!(
        p,
        HandshakeProgress::Awaiting {
            part: ServerPart::S0,
            received: 0
        }
    );
    assert_eq!(p.to_string(), "S0 missing: 0 of 1 bytes");
    assert_eq!(p.consumed(), 0);
    assert_eq!(hs.feed(&[]), Ok(0));
    assert_eq!(hs.feed(&NGINX_S2C[..201]), Ok(201));
    let p = hs.progress();
    assert_eq!(
        p,
        HandshakeProgress::Awaiting {
            part: ServerPart::S1,
            received: 200
        }
    );
    assert_eq!(p.to_string(), "S1 truncated: 200 of 1536 bytes");
    assert_eq!(p.consumed(), 201);
    assert_eq!(hs.feed(&NGINX_S2C[201..1537]), Ok(1336));
    assert_eq!(hs.progress().to_string(), "S2 missing: 0 of 1536 bytes");
    assert_eq!(hs.feed(&NGINX_S2C[1537..3000]), Ok(1463));
    let p = hs.progress();
    assert_eq!(p.to_string(), "S2 truncated: 1463 of 1536 bytes");
    assert_eq!(p.consumed(), 3000);
    assert!(hs.info().is_none());
    assert_eq!(hs.feed(&NGINX_S2C[3000..]), Ok(73));
    assert_eq!(hs.progress(), HandshakeProgress::Complete);
    assert_eq!(hs.progress().consumed(), HS);
    assert_eq!(hs.progress().to_string(), "handshake complete");
}

#[test]
fn server_part_lengths() {
    assert_eq!(ServerPart::S0.len(), 1);
    assert_eq!(ServerPart::S1.len(), 1536);
    assert_eq!(ServerPart::S2.len(), 1536);
    assert!(!ServerPart::S2.is_empty());
    assert_eq!(SERVER_HANDSHAKE_LEN, 3073);
    assert_eq!(DottedVersion([9, 0, 124, 2]).to_string(), "9.0.124.2");
}

// ---------------------------------------------------------------------------------------------
// Properties.

proptest! {
    /// Whatever the server sends, feeding never panics and never takes more than S0+S1+S2 or
    /// more than it was given.
    #[test]
    fn arbitrary_server_bytes_never_overrun(
        digest in any::<bool>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..4000),
        cuts in proptest::collection::vec(0usize..4000, 0..6),
    ) {
        let mode = if digest { HandshakeMode::Digest } else { HandshakeMode::Plain };
        let mut hs = ClientHandshake::new(mode, 1, pattern(10));
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
        cuts.push(0);
        cuts.push(bytes.len());
        cuts.sort_unstable();
        let mut total = 0usize;
        for w in cuts.windows(2) {
            let piece = &bytes[w[0]..w[1]];
            match hs.feed(piece) {
                Ok(n) => {
                    prop_assert!(n <= piece.len());
                    total += n;
                    prop_assert!(total <= HS);
                    prop_assert!(total <= bytes.len());
                    prop_assert_eq!(hs.progress().consumed(), total);
                }
                Err(_) => {
                    prop_assert_ne!(bytes.first().copied(), Some(3));
                    break;
                }
            }
            let _ = hs.take_c2();
        }
        if bytes.first() == Some(&3) {
            prop_assert_eq!(total, bytes.len().min(HS));
            prop_assert_eq!(hs.info().is_some(), bytes.len() >= HS);
        }
    }

    /// With a valid S0, any S1/S2 gives the same result whole and in arbitrary pieces.
    #[test]
    fn pieces_and_whole_agree(
        digest in any::<bool>(),
        rest in proptest::collection::vec(any::<u8>(), 3072..3200),
        sizes in proptest::collection::vec(1usize..2000, 1..8),
    ) {
        let mode = if digest { HandshakeMode::Digest } else { HandshakeMode::Plain };
        let mut input = vec![3u8];
        input.extend_from_slice(&rest);
        let mut hs = ClientHandshake::new(mode, 5, pattern(11));
        let whole = drive_whole(&mut hs, &input);
        prop_assert_eq!(whole.consumed, HS);
        prop_assert!(whole.info.is_some());
        prop_assert_eq!(whole.c2.as_ref().map(Vec::len), Some(HANDSHAKE_SIZE));

        let mut pieces = Vec::new();
        let mut at = 0;
        for size in sizes.iter().cycle() {
            if at >= input.len() {
                break;
            }
            let end = (at + size).min(input.len());
            pieces.push(&input[at..end]);
            at = end;
        }
        let mut hs = ClientHandshake::new(mode, 5, pattern(11));
        prop_assert_eq!(drive(&mut hs, pieces), whole);
    }
}
