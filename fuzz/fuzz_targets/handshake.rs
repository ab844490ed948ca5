//! The client handshake fed arbitrary server bytes (S0, S1, S2 and whatever follows) in arbitrary
//! pieces, in both modes.
//!
//! Input layout (see `Layout`): flags byte (0x10: digest mode, else plain), piece sizes, server
//! bytes. The client's C1 is ffmpeg's from the nginx-rtmp capture, so that nginx's real S1 and S2
//! (the seeds) validate and mutations of them reach both sides of every check.
//!
//! Checked: no panic; nothing past S2 is consumed; C2 is 1536 bytes and comes once, when S1 is
//! complete; whole and split feeding give the same progress, result and C2.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rtmp_probe::protocol::handshake::{
    ClientHandshake, HandshakeInfo, HandshakeMode, HandshakeProgress, HANDSHAKE_SIZE, RANDOM_SIZE,
    SERVER_HANDSHAKE_LEN,
};
use rtmp_probe_fuzz::Layout;

const FFMPEG_C2S: &[u8] = include_bytes!("../../tests/fixtures/ffmpeg-nginx-c2s.bin");

/// A client whose C0+C1 are ffmpeg's (its time field, its random bytes; in digest mode the digest
/// is recomputed at the same place and comes out the same). Built once per mode and cloned.
fn client(mode: HandshakeMode) -> ClientHandshake {
    static CLIENTS: OnceLock<[ClientHandshake; 2]> = OnceLock::new();
    let [plain, digest] = CLIENTS.get_or_init(|| {
        let c1 = &FFMPEG_C2S[1..1 + HANDSHAKE_SIZE];
        let epoch = u32::from_be_bytes([c1[0], c1[1], c1[2], c1[3]]);
        let mut random = [0u8; RANDOM_SIZE];
        random.copy_from_slice(&c1[8..]);
        [
            ClientHandshake::new(HandshakeMode::Plain, epoch, random),
            ClientHandshake::new(HandshakeMode::Digest, epoch, random),
        ]
    });
    match mode {
        HandshakeMode::Plain => plain.clone(),
        HandshakeMode::Digest => digest.clone(),
    }
}

#[derive(Debug, PartialEq)]
struct Run {
    consumed: usize,
    progress: HandshakeProgress,
    info: Option<HandshakeInfo>,
    c2: Option<Vec<u8>>,
}

fn run<'a>(mode: HandshakeMode, pieces: impl IntoIterator<Item = &'a [u8]>) -> Run {
    let mut hs = client(mode);
    let mut consumed = 0usize;
    let mut c2 = None;
    for piece in pieces {
        match hs.feed(piece) {
            Ok(n) => {
                assert!(n <= piece.len());
                consumed += n;
                assert!(
                    consumed <= SERVER_HANDSHAKE_LEN,
                    "consumed past S2: {consumed}"
                );
                if n < piece.len() {
                    assert_eq!(hs.progress(), HandshakeProgress::Complete);
                }
            }
            Err(e) => {
                assert_eq!(hs.progress(), HandshakeProgress::Failed(e));
                assert_eq!(hs.feed(piece), Err(e), "a failure sticks");
                break;
            }
        }
        if let Some(bytes) = hs.take_c2() {
            assert!(c2.is_none(), "C2 handed out twice");
            assert_eq!(bytes.len(), HANDSHAKE_SIZE);
            c2 = Some(bytes);
        }
    }
    let progress = hs.progress();
    let _ = progress.to_string();
    if progress == HandshakeProgress::Complete {
        assert_eq!(consumed, SERVER_HANDSHAKE_LEN);
        assert!(c2.is_some(), "complete without C2");
        assert!(hs.info().is_some(), "complete without a result");
        assert_eq!(hs.feed(&[3, 0, 0]), Ok(0), "bytes after S2 taken");
    } else {
        assert!(hs.info().is_none());
    }
    Run {
        consumed,
        progress,
        info: hs.info().cloned(),
        c2,
    }
}

fuzz_target!(|input: &[u8]| {
    let Some(layout) = Layout::parse(input) else {
        return;
    };
    let mode = if layout.flags & 0x10 != 0 {
        HandshakeMode::Digest
    } else {
        HandshakeMode::Plain
    };
    let whole = run(mode, [layout.data]);
    let split = run(mode, layout.pieces());
    if let HandshakeProgress::Awaiting { .. } = whole.progress {
        assert_eq!(whole.consumed, layout.data.len());
    }
    assert_eq!(whole, split, "whole and split feeding disagree");
});
