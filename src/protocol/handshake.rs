//! The client side of the RTMP handshake.
//!
//! The client sends C0 (the version byte, 3) and C1 (1536 bytes), the server answers with S0, S1
//! and S2, and the client answers S1 with C2. Two flavours are spoken:
//!
//! - **plain** (RTMP 1.0 specification §5.2): C1 = time, four zero bytes, random bytes; C2 echoes
//!   S1; S2 should echo C1.
//! - **digest** (the Flash Player 9 handshake that ffmpeg, librtmp and OBS send): C1 carries the
//!   player version 9.0.124.2 and an HMAC-SHA256 digest; a server that understands it signs S1 and
//!   answers with an S2 keyed from C1's digest, and C2 is keyed from S1's digest. A server that
//!   does not sign S1 gets the plain echo as C2.
//!
//! [`ClientHandshake`] is sans-IO: the caller passes the time and the random bytes in, writes
//! [`ClientHandshake::c0_c1`] and [`ClientHandshake::take_c2`] to the socket, and feeds what it
//! reads to [`ClientHandshake::feed`], which never consumes bytes past S2 (they are the start of
//! the chunk stream).
//!
//! Mismatched echoes and digests are not errors: they are reported in [`HandshakeInfo`] and the
//! caller decides. Only a wrong S0 version byte is an error. Running out of bytes is not an error
//! either; [`ClientHandshake::progress`] says how far the server got.

use std::fmt;

mod digest;
#[cfg(test)]
mod tests;

use digest::{
    answer_digest, answer_is_valid, block_digest, digest_offset, find_digest, ANSWER_FILLER_LEN,
    DIGEST_LEN, FMS_KEY_SIGN_LEN, FP_KEY_SIGN_LEN, GENUINE_FMS_KEY, GENUINE_FP_KEY,
};

/// Length of C1, C2, S1 and S2.
pub const HANDSHAKE_SIZE: usize = 1536;
/// Length of the random part of C1 (everything after the time and version fields).
pub const RANDOM_SIZE: usize = HANDSHAKE_SIZE - 8;
/// The version byte of plain RTMP in C0/S0.
pub const RTMP_VERSION: u8 = 3;
/// The version byte a server sends in S0 to ask for RTMPE (encrypted RTMP).
pub const RTMPE_VERSION: u8 = 6;
/// The player version written into C1 bytes 4..8 in digest mode (what ffmpeg sends).
pub const FLASH_PLAYER_VERSION: [u8; 4] = [9, 0, 124, 2];
/// Total number of server bytes the handshake consumes: S0 + S1 + S2.
pub const SERVER_HANDSHAKE_LEN: usize = 1 + 2 * HANDSHAKE_SIZE;

/// Which handshake the client offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandshakeMode {
    /// RTMP 1.0 §5.2: no digests, C1 bytes 4..8 are zero.
    Plain,
    /// Flash Player 9 handshake with HMAC-SHA256 digests, falling back to the plain echo when
    /// the server does not sign S1.
    Digest,
}

/// What the server sent that ends the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// S0 = 6: the server wants encrypted RTMP.
    #[error("server asked for RTMPE (S0 version 6), which this probe does not speak")]
    Encrypted,
    /// S0 is neither 3 nor 6.
    #[error("bad S0 version {0} ({0:#04x}{hint}), expected 3", hint = version_hint(*.0))]
    BadVersion(u8),
}

/// A few words about an unexpected S0 byte: its character if printable, and what that suggests.
fn version_hint(byte: u8) -> String {
    match byte {
        b'H' => ", 'H': the peer looks like an HTTP server, not an RTMP one".to_owned(),
        0x16 => ": the peer looks like a TLS server (try rtmps)".to_owned(),
        0x20..=0x7e => format!(
            ", '{}': the peer does not seem to speak RTMP",
            char::from(byte)
        ),
        _ => String::new(),
    }
}

/// One of the three server parts of the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerPart {
    S0,
    S1,
    S2,
}

impl ServerPart {
    /// How many bytes the part has: 1 for S0, 1536 for S1 and S2.
    pub fn len(self) -> usize {
        match self {
            ServerPart::S0 => 1,
            ServerPart::S1 | ServerPart::S2 => HANDSHAKE_SIZE,
        }
    }

    /// Never true; present because `len` is.
    pub fn is_empty(self) -> bool {
        false
    }
}

impl fmt::Display for ServerPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServerPart::S0 => "S0",
            ServerPart::S1 => "S1",
            ServerPart::S2 => "S2",
        })
    }
}

/// Where the handshake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeProgress {
    /// Waiting for the rest of `part`; `received` of its `part.len()` bytes are in.
    Awaiting { part: ServerPart, received: usize },
    /// S0, S1 and S2 are all in; [`ClientHandshake::info`] has the result.
    Complete,
    /// S0 was rejected with this error.
    Failed(HandshakeError),
}

impl HandshakeProgress {
    /// How many server bytes have been consumed so far (0..=3073); for a failed handshake, the
    /// rejected S0 byte counts.
    pub fn consumed(&self) -> usize {
        match *self {
            HandshakeProgress::Awaiting {
                part: ServerPart::S0,
                received,
            } => received,
            HandshakeProgress::Awaiting {
                part: ServerPart::S1,
                received,
            } => 1 + received,
            HandshakeProgress::Awaiting {
                part: ServerPart::S2,
                received,
            } => 1 + HANDSHAKE_SIZE + received,
            HandshakeProgress::Complete => SERVER_HANDSHAKE_LEN,
            HandshakeProgress::Failed(_) => 1,
        }
    }
}

/// For an error message when the connection ends early, e.g. "S1 truncated: 200 of 1536 bytes"
/// or "S2 missing: 0 of 1536 bytes".
impl fmt::Display for HandshakeProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            HandshakeProgress::Awaiting { part, received: 0 } => {
                write!(f, "{part} missing: 0 of {} bytes", part.len())
            }
            HandshakeProgress::Awaiting { part, received } => {
                write!(f, "{part} truncated: {received} of {} bytes", part.len())
            }
            HandshakeProgress::Complete => f.write_str("handshake complete"),
            HandshakeProgress::Failed(err) => write!(f, "handshake failed: {err}"),
        }
    }
}

/// Four version bytes shown dotted, e.g. "13.14.10.13".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DottedVersion(pub [u8; 4]);

impl fmt::Display for DottedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

/// What the server's S0, S1 and S2 said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeInfo {
    /// S0's version byte (always 3 here: other values are errors).
    pub s0_version: u8,
    /// S1 bytes 0..4: the server's time (often uptime in milliseconds, or 0).
    pub s1_time: u32,
    /// S1 bytes 4..8: the server's version in digest handshakes, zero in plain ones.
    pub s1_version: [u8; 4],
    /// Digest mode: the scheme (0 or 1) under which S1 carries a valid digest for the Genuine
    /// FMS key. `None` if S1 is not signed, and always in plain mode.
    pub digest_scheme: Option<u8>,
    /// Whether S2 echoes C1 as plain RTMP wants: S2 bytes 0..4 and 8..1536 equal C1's.
    pub s2_echoes_c1: bool,
    /// Digest mode with a signed S1: whether S2 ends with the HMAC of its first 1504 bytes keyed
    /// with HMAC-SHA256(Genuine FMS key, C1's digest). `None` otherwise.
    pub s2_digest_valid: Option<bool>,
}

impl HandshakeInfo {
    /// `s1_version` as "13.14.10.13".
    pub fn s1_version_dotted(&self) -> DottedVersion {
        DottedVersion(self.s1_version)
    }
}

/// Which part the state machine is filling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    S0,
    S1,
    S2,
    Done,
    Failed(HandshakeError),
}

/// The client side of one RTMP handshake. See the module documentation.
#[derive(Debug, Clone)]
pub struct ClientHandshake {
    mode: HandshakeMode,
    /// C0 followed by C1.
    c0_c1: Vec<u8>,
    /// The digest placed in C1 (digest mode).
    c1_digest: Option<[u8; DIGEST_LEN]>,
    /// The random bytes the caller gave; the first 1504 fill a digest-mode C2.
    random: Box<[u8; RANDOM_SIZE]>,
    stage: Stage,
    s0_version: u8,
    /// S1 as it arrives; never longer than `HANDSHAKE_SIZE`.
    s1: Vec<u8>,
    /// S2 as it arrives; never longer than `HANDSHAKE_SIZE`.
    s2: Vec<u8>,
    /// S1's digest when it validated, with its scheme.
    s1_digest: Option<(u8, [u8; DIGEST_LEN])>,
    /// C2 once S1 is complete, until taken.
    c2: Option<Vec<u8>>,
    info: Option<HandshakeInfo>,
}

impl ClientHandshake {
    /// Prepares C0 and C1. `epoch` goes into C1's time field; `random` fills C1 bytes 8..1536
    /// (in digest mode 32 of them are then overwritten by the digest) and, in digest mode, the
    /// first 1504 bytes of C2.
    pub fn new(mode: HandshakeMode, epoch: u32, random: [u8; RANDOM_SIZE]) -> Self {
        let mut c1 = [0u8; HANDSHAKE_SIZE];
        let (head, body) = c1.split_at_mut(8);
        let (time, version) = head.split_at_mut(4);
        time.copy_from_slice(&epoch.to_be_bytes());
        body.copy_from_slice(&random);
        let mut c1_digest = None;
        if mode == HandshakeMode::Digest {
            version.copy_from_slice(&FLASH_PLAYER_VERSION);
            let offset = digest_offset(&c1, 0);
            if let Some(digest) = block_digest(&c1, offset, &GENUINE_FP_KEY[..FP_KEY_SIGN_LEN]) {
                if let Some(slot) = c1.get_mut(offset..offset + DIGEST_LEN) {
                    slot.copy_from_slice(&digest);
                    c1_digest = Some(digest);
                }
            }
        }
        let mut c0_c1 = Vec::with_capacity(1 + HANDSHAKE_SIZE);
        c0_c1.push(RTMP_VERSION);
        c0_c1.extend_from_slice(&c1);
        ClientHandshake {
            mode,
            c0_c1,
            c1_digest,
            random: Box::new(random),
            stage: Stage::S0,
            s0_version: 0,
            s1: Vec::with_capacity(HANDSHAKE_SIZE),
            s2: Vec::with_capacity(HANDSHAKE_SIZE),
            s1_digest: None,
            c2: None,
            info: None,
        }
    }

    /// The mode this handshake was created with.
    pub fn mode(&self) -> HandshakeMode {
        self.mode
    }

    /// C0 + C1: the 1537 bytes to send first.
    pub fn c0_c1(&self) -> &[u8] {
        &self.c0_c1
    }

    /// Consumes server bytes (S0, S1, S2) from the front of `input`, never past the end of S2, and
    /// returns how many it took. Bytes after S2 belong to the chunk stream: the caller keeps them.
    /// Once the handshake is complete this returns `Ok(0)`. S0 is checked as soon as it arrives; a
    /// rejected S0 makes this and every later call fail with the same error.
    pub fn feed(&mut self, input: &[u8]) -> Result<usize, HandshakeError> {
        let mut rest = input;
        let mut consumed = 0usize;
        loop {
            match self.stage {
                Stage::Failed(err) => return Err(err),
                Stage::Done => break,
                Stage::S0 => {
                    let Some((&version, tail)) = rest.split_first() else {
                        break;
                    };
                    rest = tail;
                    consumed += 1;
                    self.s0_version = version;
                    self.stage = match version {
                        RTMP_VERSION => Stage::S1,
                        RTMPE_VERSION => Stage::Failed(HandshakeError::Encrypted),
                        other => Stage::Failed(HandshakeError::BadVersion(other)),
                    };
                }
                Stage::S1 | Stage::S2 => {
                    let in_s1 = self.stage == Stage::S1;
                    let buf = if in_s1 { &mut self.s1 } else { &mut self.s2 };
                    let wanted = HANDSHAKE_SIZE.saturating_sub(buf.len());
                    let (now, tail) = rest.split_at_checked(wanted).unwrap_or((rest, &[]));
                    buf.extend_from_slice(now);
                    rest = tail;
                    consumed += now.len();
                    if buf.len() < HANDSHAKE_SIZE {
                        break;
                    }
                    if in_s1 {
                        self.s1_complete();
                        self.stage = Stage::S2;
                    } else {
                        self.s2_complete();
                        self.stage = Stage::Done;
                    }
                }
            }
        }
        Ok(consumed)
    }

    /// C2, once S1 is in (S2 is not awaited: some servers send S2 only after they get C2).
    /// Returns it once; `None` before S1 is complete and after it was taken.
    pub fn take_c2(&mut self) -> Option<Vec<u8>> {
        self.c2.take()
    }

    /// The result, once S2 is complete.
    pub fn info(&self) -> Option<&HandshakeInfo> {
        self.info.as_ref()
    }

    /// Where the handshake stands: which part is awaited and how many of its bytes are in.
    pub fn progress(&self) -> HandshakeProgress {
        match self.stage {
            Stage::S0 => HandshakeProgress::Awaiting {
                part: ServerPart::S0,
                received: 0,
            },
            Stage::S1 => HandshakeProgress::Awaiting {
                part: ServerPart::S1,
                received: self.s1.len(),
            },
            Stage::S2 => HandshakeProgress::Awaiting {
                part: ServerPart::S2,
                received: self.s2.len(),
            },
            Stage::Done => HandshakeProgress::Complete,
            Stage::Failed(err) => HandshakeProgress::Failed(err),
        }
    }

    /// C1 (without C0).
    fn c1(&self) -> &[u8] {
        self.c0_c1.get(1..).unwrap_or_default()
    }

    /// S1 is complete: validate its digest (digest mode) and prepare C2.
    fn s1_complete(&mut self) {
        let Ok(s1) = <&[u8; HANDSHAKE_SIZE]>::try_from(self.s1.as_slice()) else {
            return;
        };
        if self.mode == HandshakeMode::Digest {
            self.s1_digest = find_digest(s1, &GENUINE_FMS_KEY[..FMS_KEY_SIGN_LEN]);
        }
        let c2 = match self.s1_digest {
            Some((_, s1_digest)) => {
                let filler = self.random.get(..ANSWER_FILLER_LEN).unwrap_or_default();
                let mut c2 = Vec::with_capacity(HANDSHAKE_SIZE);
                c2.extend_from_slice(filler);
                c2.extend_from_slice(&answer_digest(&GENUINE_FP_KEY, &s1_digest, filler));
                c2
            }
            None => s1.to_vec(),
        };
        self.c2 = Some(c2);
    }

    /// S2 is complete: compare it with C1 and check its digest, and record the result.
    fn s2_complete(&mut self) {
        let (Ok(s1), Ok(s2)) = (
            <&[u8; HANDSHAKE_SIZE]>::try_from(self.s1.as_slice()),
            <&[u8; HANDSHAKE_SIZE]>::try_from(self.s2.as_slice()),
        ) else {
            return;
        };
        let c1 = self.c1();
        let s2_echoes_c1 = s2.get(..4) == c1.get(..4) && s2.get(8..) == c1.get(8..);
        let s2_digest_valid = match (self.s1_digest, self.c1_digest) {
            (Some(_), Some(c1_digest)) => Some(answer_is_valid(s2, &GENUINE_FMS_KEY, &c1_digest)),
            _ => None,
        };
        let (time, version) = s1
            .split_first_chunk::<4>()
            .map_or(([0; 4], [0; 4]), |(t, rest)| {
                (*t, rest.first_chunk::<4>().copied().unwrap_or_default())
            });
        self.info = Some(HandshakeInfo {
            s0_version: self.s0_version,
            s1_time: u32::from_be_bytes(time),
            s1_version: version,
            digest_scheme: self.s1_digest.map(|(scheme, _)| scheme),
            s2_echoes_c1,
            s2_digest_valid,
        });
    }
}
