//! Tests of the media parsers and statistics: bytes built by hand from the specifications (with
//! the bit writer below, which shares no code with the parsers), and real vectors from ffmpeg
//! 5.1's encoders and ffmpeg 8's Enhanced FLV muxer in tests/fixtures/media/ (see its README).

mod audio;
mod avc;
mod codecs;
mod flv;
mod metadata;
mod monitor;
mod stats;
mod video;

/// A media fixture's bytes.
macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../../tests/fixtures/media/", $name)).as_slice()
    };
}
pub(crate) use fixture;

pub(crate) use crate::protocol::amf0::tests::hex;

/// An FLV tag / aggregate sub-message: header (stream id 0), body, back pointer (11 + body).
pub(crate) fn flv_tag(tag_type: u8, timestamp: u32, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag_type];
    out.extend(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend(&timestamp.to_be_bytes()[1..]);
    out.push((timestamp >> 24) as u8);
    out.extend([0, 0, 0]);
    out.extend(body);
    out.extend((11 + body.len() as u32).to_be_bytes());
    out
}

/// Writes bit fields MSB first, as the H.264/H.265/AAC syntax tables describe them.
#[derive(Default)]
pub(crate) struct BitWriter {
    bytes: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn bits(&mut self, n: u32, v: u64) -> &mut Self {
        for i in (0..n).rev() {
            let bit = if i < 64 { (v >> i) & 1 } else { 0 };
            self.acc = (self.acc << 1) | bit;
            self.n += 1;
            if self.n == 8 {
                self.bytes.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
        self
    }

    pub(crate) fn flag(&mut self, f: bool) -> &mut Self {
        self.bits(1, u64::from(f))
    }

    /// ue(v): leading zeros, a one, then the low bits of v + 1.
    pub(crate) fn ue(&mut self, v: u64) -> &mut Self {
        let x = v + 1;
        let len = 64 - x.leading_zeros();
        self.bits(len - 1, 0).bits(len, x)
    }

    pub(crate) fn se(&mut self, v: i64) -> &mut Self {
        let k = if v > 0 { 2 * v - 1 } else { -2 * v };
        self.ue(k as u64)
    }

    /// The bytes, padded with zero bits.
    pub(crate) fn finish(&mut self) -> Vec<u8> {
        if self.n > 0 {
            let pad = 8 - self.n;
            self.bits(pad, 0);
        }
        std::mem::take(&mut self.bytes)
    }

    /// The bytes as an RBSP: a stop bit, zero padding.
    pub(crate) fn rbsp(&mut self) -> Vec<u8> {
        self.flag(true);
        self.finish()
    }
}

/// Inserts emulation-prevention bytes (00 00 0x -> 00 00 03 0x for x <= 3), as an encoder does.
pub(crate) fn escape(rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

#[test]
fn the_bit_writer_writes_the_h264_exp_golomb_table() {
    let bytes = BitWriter::new()
        .ue(0)
        .ue(1)
        .ue(2)
        .ue(3)
        .ue(4)
        .ue(7)
        .finish();
    assert_eq!(bytes, [0b1010_0110, 0b0100_0010, 0b1000_1000]);
    assert_eq!(BitWriter::new().se(-2).finish(), [0b0010_1000]);
    assert_eq!(escape(&[0, 0, 1, 0, 0, 0, 5]), [0, 0, 3, 1, 0, 0, 3, 0, 5]);
}
