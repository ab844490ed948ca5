//! The HMAC-SHA256 digests of the Flash Player 9 ("complex") handshake.
//!
//! A 1536-byte C1 or S1 block carries a 32-byte digest at a position derived from four of its own
//! bytes. Two layouts ("schemes") are in use; they differ only in which four bytes pick the
//! position and where the 764-byte half holding the digest begins:
//!
//! | scheme | offset bytes | digest offset                    |
//! |--------|--------------|----------------------------------|
//! | 0      | 8..12        | (sum of bytes 8..12) % 728 + 12  |
//! | 1      | 772..776     | (sum of bytes 772..776) % 728 + 776 |
//!
//! The digest is HMAC-SHA256 over the block with those 32 bytes left out, keyed with a prefix of
//! the peer's "Genuine" key (30 bytes for the player, 36 for the server). The answer blocks (C2,
//! S2) end with HMAC-SHA256 over their first 1504 bytes, keyed with HMAC-SHA256(full key, the
//! digest of the block being answered).

use hmac::digest::{KeyInit, Mac};
use hmac::Hmac;
use sha2::{Digest, Sha256};

use super::HANDSHAKE_SIZE;

/// Length of a SHA-256 digest and of the digest embedded in handshake blocks.
pub(crate) const DIGEST_LEN: usize = 32;
/// The answer blocks (C2, S2) carry their digest after this many filler bytes.
pub(crate) const ANSWER_FILLER_LEN: usize = HANDSHAKE_SIZE - DIGEST_LEN;
/// How many bytes of the player key sign C1.
pub(crate) const FP_KEY_SIGN_LEN: usize = 30;
/// How many bytes of the server key sign S1.
pub(crate) const FMS_KEY_SIGN_LEN: usize = 36;

/// The 32 bytes both Genuine keys end with.
const KEY_TAIL: [u8; 32] = [
    0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
    0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
];

/// The Genuine Flash Media Server key (68 bytes): the server signs S1 with its first 36 bytes
/// and derives the S2 key from all of it.
pub(crate) const GENUINE_FMS_KEY: [u8; 68] =
    join(b"Genuine Adobe Flash Media Server 001", &KEY_TAIL);
/// The Genuine Flash Player key (62 bytes): the client signs C1 with its first 30 bytes and
/// derives the C2 key from all of it.
pub(crate) const GENUINE_FP_KEY: [u8; 62] = join(b"Genuine Adobe Flash Player 001", &KEY_TAIL);

/// Concatenates two byte strings at compile time; a length mismatch fails the build.
const fn join<const N: usize>(head: &[u8], tail: &[u8]) -> [u8; N] {
    assert!(head.len() + tail.len() == N, "key length mismatch");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < head.len() {
        out[i] = head[i];
        i += 1;
    }
    let mut j = 0;
    while j < tail.len() {
        out[head.len() + j] = tail[j];
        j += 1;
    }
    out
}

/// The two digest layouts, by the number the handshake literature gives them.
pub(crate) const SCHEMES: [u8; 2] = [0, 1];

/// Sets up HMAC-SHA256 with `key`. HMAC pads keys up to the 64-byte block and hashes longer ones
/// first; doing that here lets us use the infallible fixed-size constructor.
fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        let hashed = Sha256::digest(key);
        for (dst, src) in block.iter_mut().zip(hashed.iter()) {
            *dst = *src;
        }
    } else {
        for (dst, src) in block.iter_mut().zip(key.iter()) {
            *dst = *src;
        }
    }
    <Hmac<Sha256> as KeyInit>::new(&block.into())
}

/// HMAC-SHA256 of the concatenation of `parts`, keyed with `key`.
pub(crate) fn hmac_parts(key: &[u8], parts: &[&[u8]]) -> [u8; DIGEST_LEN] {
    let mut mac = hmac_sha256(key);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Where the digest of a C1/S1 block sits under `scheme` (0 or 1; anything else is treated as 1).
/// Always within the block: the largest result is 727 + 776 = 1503, and 1503 + 32 <= 1536.
pub(crate) fn digest_offset(block: &[u8; HANDSHAKE_SIZE], scheme: u8) -> usize {
    let base: usize = if scheme == 0 { 8 } else { 772 };
    let sum: usize = block
        .iter()
        .skip(base)
        .take(4)
        .map(|&b| usize::from(b))
        .sum();
    sum % 728 + base + 4
}

/// The digest a C1/S1 block should carry at `offset`: HMAC over the block minus those 32 bytes.
/// `None` if `offset` leaves no room for a digest (not reachable through `digest_offset`).
pub(crate) fn block_digest(
    block: &[u8; HANDSHAKE_SIZE],
    offset: usize,
    key: &[u8],
) -> Option<[u8; DIGEST_LEN]> {
    let (before, rest) = block.split_at_checked(offset)?;
    let (_, after) = rest.split_at_checked(DIGEST_LEN)?;
    Some(hmac_parts(key, &[before, after]))
}

/// The digest actually stored in `block` at `offset`.
pub(crate) fn stored_digest(
    block: &[u8; HANDSHAKE_SIZE],
    offset: usize,
) -> Option<[u8; DIGEST_LEN]> {
    let bytes = block.get(offset..offset.checked_add(DIGEST_LEN)?)?;
    bytes.try_into().ok()
}

/// Finds the scheme under which `block` carries a valid digest for `key` (scheme 0 tried first).
/// Returns the scheme and the digest.
pub(crate) fn find_digest(
    block: &[u8; HANDSHAKE_SIZE],
    key: &[u8],
) -> Option<(u8, [u8; DIGEST_LEN])> {
    SCHEMES.iter().find_map(|&scheme| {
        let offset = digest_offset(block, scheme);
        let stored = stored_digest(block, offset)?;
        let expected = block_digest(block, offset, key)?;
        (stored == expected).then_some((scheme, stored))
    })
}

/// The 32 bytes that end an answer block (C2, S2) whose filler is `filler`: HMAC-SHA256 of the
/// filler keyed with HMAC-SHA256(`full_key`, `peer_digest`).
pub(crate) fn answer_digest(
    full_key: &[u8],
    peer_digest: &[u8; DIGEST_LEN],
    filler: &[u8],
) -> [u8; DIGEST_LEN] {
    let answer_key = hmac_parts(full_key, &[peer_digest]);
    hmac_parts(&answer_key, &[filler])
}

/// Whether `block` is a valid answer (C2/S2) to a block whose digest was `peer_digest`.
pub(crate) fn answer_is_valid(
    block: &[u8; HANDSHAKE_SIZE],
    full_key: &[u8],
    peer_digest: &[u8; DIGEST_LEN],
) -> bool {
    match block.split_at_checked(ANSWER_FILLER_LEN) {
        Some((filler, stored)) => answer_digest(full_key, peer_digest, filler).as_slice() == stored,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NGINX_C2S: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nginx-c2s.bin");
    const NGINX_S2C: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nginx-s2c.bin");
    const NMS_C2S: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nms-c2s.bin");
    const NMS_S2C: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nms-s2c.bin");

    /// Block `index` (1 = C1/S1, 2 = C2/S2) of a captured stream that starts with the version byte.
    fn block(stream: &[u8], index: usize) -> [u8; HANDSHAKE_SIZE] {
        let start = 1 + (index - 1) * HANDSHAKE_SIZE;
        stream[start..start + HANDSHAKE_SIZE].try_into().unwrap()
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn keys_have_the_documented_bytes() {
        assert_eq!(GENUINE_FMS_KEY.len(), 68);
        assert_eq!(GENUINE_FP_KEY.len(), 62);
        assert_eq!(
            &GENUINE_FMS_KEY[..36],
            b"Genuine Adobe Flash Media Server 001"
        );
        assert_eq!(&GENUINE_FP_KEY[..30], b"Genuine Adobe Flash Player 001");
        assert_eq!(GENUINE_FMS_KEY[36], 0xf0);
        assert_eq!(GENUINE_FMS_KEY[67], 0xae);
        assert_eq!(GENUINE_FP_KEY[30..], GENUINE_FMS_KEY[36..]);
    }

    // RFC 4231 test case 1: a 20-byte key (padded to the block).
    #[test]
    fn hmac_matches_rfc4231_short_key() {
        let key = [0x0b; 20];
        let mac = hmac_parts(&key, &[b"Hi ", b"There"]);
        assert_eq!(
            mac.to_vec(),
            hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        );
    }

    // RFC 4231 test case 6: a 131-byte key (hashed first), the path the 68-byte FMS key takes.
    #[test]
    fn hmac_matches_rfc4231_long_key() {
        let key = [0xaa; 131];
        let mac = hmac_parts(
            &key,
            &[b"Test Using Larger Than Block-Size Key - Hash Key First"],
        );
        assert_eq!(
            mac.to_vec(),
            hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        );
    }

    #[test]
    fn digest_offsets_follow_both_schemes() {
        let mut b = [0u8; HANDSHAKE_SIZE];
        assert_eq!(digest_offset(&b, 0), 12);
        assert_eq!(digest_offset(&b, 1), 776);
        b[8..12].copy_from_slice(&[0xff; 4]); // 1020 % 728 = 292
        b[772..776].copy_from_slice(&[1, 2, 3, 4]); // 10
        assert_eq!(digest_offset(&b, 0), 292 + 12);
        assert_eq!(digest_offset(&b, 1), 10 + 776);
        // The largest sum that stays below 728 gives the furthest digest: it must still fit.
        b[772..776].copy_from_slice(&[0xff, 0xff, 0xd9, 0]); // 727
        assert_eq!(digest_offset(&b, 1), 1503);
        assert!(stored_digest(&b, 1503).is_some());
        assert!(stored_digest(&b, 1505).is_none());
        assert!(block_digest(&b, 1505, b"k").is_none());
    }

    #[test]
    fn ffmpeg_c1_is_signed_with_the_30_byte_player_key_under_scheme_0() {
        for c2s in [NGINX_C2S, NMS_C2S] {
            let c1 = block(c2s, 1);
            assert_eq!(&c1[4..8], &[0x09, 0x00, 0x7c, 0x02]);
            let (scheme, digest) = find_digest(&c1, &GENUINE_FP_KEY[..FP_KEY_SIGN_LEN]).unwrap();
            assert_eq!(scheme, 0);
            assert_eq!(digest_offset(&c1, 0), 494);
            assert_eq!(digest, c1[494..526]);
            // Neither the full key nor the server key validates it.
            assert_eq!(find_digest(&c1, &GENUINE_FP_KEY), None);
            assert_eq!(find_digest(&c1, &GENUINE_FMS_KEY[..FMS_KEY_SIGN_LEN]), None);
        }
    }

    #[test]
    fn nginx_s1_is_signed_with_the_36_byte_server_key_under_scheme_0() {
        let s1 = block(NGINX_S2C, 1);
        let (scheme, digest) = find_digest(&s1, &GENUINE_FMS_KEY[..FMS_KEY_SIGN_LEN]).unwrap();
        assert_eq!(scheme, 0);
        assert_eq!(digest_offset(&s1, 0), 468);
        assert_eq!(digest, s1[468..500]);
        assert_eq!(find_digest(&s1, &GENUINE_FMS_KEY), None);
        assert_eq!(find_digest(&s1, &GENUINE_FP_KEY[..FP_KEY_SIGN_LEN]), None);
    }

    // node-media-server 4.4.3 answers a digest C1 with a properly signed S1 as well (scheme 0),
    // even though its S1 time is 0 and its version field the placeholder 01 02 03 04.
    #[test]
    fn nms_s1_is_signed_with_the_36_byte_server_key_under_scheme_0() {
        let s1 = block(NMS_S2C, 1);
        assert_eq!(&s1[..8], &[0, 0, 0, 0, 1, 2, 3, 4]);
        let (scheme, digest) = find_digest(&s1, &GENUINE_FMS_KEY[..FMS_KEY_SIGN_LEN]).unwrap();
        assert_eq!(scheme, 0);
        assert_eq!(digest_offset(&s1, 0), 418);
        assert_eq!(digest, s1[418..450]);
    }

    #[test]
    fn a_flipped_byte_breaks_the_s1_digest() {
        let mut s1 = block(NGINX_S2C, 1);
        s1[1000] ^= 1;
        assert_eq!(find_digest(&s1, &GENUINE_FMS_KEY[..FMS_KEY_SIGN_LEN]), None);
        let mut s1 = block(NGINX_S2C, 1);
        s1[470] ^= 0x80; // inside the digest
        assert_eq!(find_digest(&s1, &GENUINE_FMS_KEY[..FMS_KEY_SIGN_LEN]), None);
    }

    /// Builds a block whose digest is valid under scheme 1 only, from arbitrary bytes.
    #[test]
    fn scheme_1_digests_are_found() {
        let mut b = [0u8; HANDSHAKE_SIZE];
        for (i, x) in b.iter_mut().enumerate() {
            *x = (i * 7 + 3) as u8;
        }
        let key = &GENUINE_FMS_KEY[..FMS_KEY_SIGN_LEN];
        let offset = digest_offset(&b, 1);
        let d = block_digest(&b, offset, key).unwrap();
        b[offset..offset + 32].copy_from_slice(&d);
        assert_eq!(find_digest(&b, key), Some((1, d)));
    }

    #[test]
    fn servers_s2_answers_ffmpegs_c1_digest_with_the_full_server_key() {
        for (c2s, s2c) in [(NGINX_C2S, NGINX_S2C), (NMS_C2S, NMS_S2C)] {
            let c1 = block(c2s, 1);
            let s2 = block(s2c, 2);
            let (_, c1_digest) = find_digest(&c1, &GENUINE_FP_KEY[..FP_KEY_SIGN_LEN]).unwrap();
            assert!(answer_is_valid(&s2, &GENUINE_FMS_KEY, &c1_digest));
            // The 36-byte prefix (the S1 signing key) is not the S2 key.
            assert!(!answer_is_valid(
                &s2,
                &GENUINE_FMS_KEY[..FMS_KEY_SIGN_LEN],
                &c1_digest
            ));
            let mut bad = s2;
            bad[3] ^= 1;
            assert!(!answer_is_valid(&bad, &GENUINE_FMS_KEY, &c1_digest));
        }
    }

    // ffmpeg only signs C2 when it plays (`is_input`); publishing, it sends S1 back unchanged.
    // So ffmpeg's C2 is a plain echo of S1 and is NOT a digest-mode C2, for both servers (and
    // both servers accepted it: neither checks C2).
    #[test]
    fn ffmpeg_c2_when_publishing_is_a_plain_echo_of_s1() {
        for (c2s, s2c) in [(NGINX_C2S, NGINX_S2C), (NMS_C2S, NMS_S2C)] {
            let s1 = block(s2c, 1);
            let c2 = block(c2s, 2);
            assert_eq!(c2, s1);
            let (_, s1_digest) = find_digest(&s1, &GENUINE_FMS_KEY[..FMS_KEY_SIGN_LEN]).unwrap();
            assert!(!answer_is_valid(&c2, &GENUINE_FP_KEY, &s1_digest));
        }
    }
}
