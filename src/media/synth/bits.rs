//! Bit-level writing for the synthetic bitstreams: fixed-width fields, the exp-Golomb codes of
//! H.264/HEVC (ISO/IEC 14496-10 §9.1), RBSP trailing bits, emulation prevention (§7.4.1), and the
//! LEB128 sizes of AV1 (AV1 §4.10.5).
//!
//! Only the probe's own code calls the writers, with values it chose, so they do not fail: a field
//! wider than 32 bits or a value wider than its field is a bug, caught by a debug assertion.

/// Writes bits most significant first into a growing byte buffer.
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    bytes: Vec<u8>,
    /// Bits not yet flushed, right-aligned in the low `pending_bits` bits.
    pending: u32,
    pending_bits: u32,
}

impl BitWriter {
    pub fn new() -> BitWriter {
        BitWriter::default()
    }

    /// A writer whose buffer starts with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> BitWriter {
        BitWriter {
            bytes: Vec::with_capacity(capacity),
            ..BitWriter::default()
        }
    }

    /// Writes the low `bits` bits of `value` (0 to 64 bits), most significant first.
    pub fn bits(&mut self, value: u64, bits: u32) {
        debug_assert!(bits <= 64);
        debug_assert!(
            bits == 64 || value >> bits == 0,
            "{value} does not fit {bits} bits"
        );
        let mut left = bits;
        while left > 0 {
            let room = 8 - self.pending_bits;
            let take = room.min(left);
            let chunk = ((value >> (left - take)) & ((1u64 << take) - 1)) as u32;
            self.pending = (self.pending << take) | chunk;
            self.pending_bits += take;
            left -= take;
            if self.pending_bits == 8 {
                self.bytes.push(self.pending as u8);
                self.pending = 0;
                self.pending_bits = 0;
            }
        }
    }

    /// `u(n)` of the H.264/HEVC syntax tables, `f(n)` of AV1.
    pub fn u(&mut self, value: u32, bits: u32) {
        debug_assert!(bits <= 32);
        self.bits(u64::from(value), bits);
    }

    /// One bit.
    pub fn flag(&mut self, set: bool) {
        self.bits(u64::from(set), 1);
    }

    /// `ue(v)`: unsigned exp-Golomb. `v` is written as `M` zeros then `v + 1` in `M + 1` bits,
    /// where `M = floor(log2(v + 1))`.
    pub fn ue(&mut self, value: u32) {
        self.exp_golomb(u64::from(value));
    }

    /// `se(v)`: signed exp-Golomb, mapping 1, -1, 2, -2... to code numbers 1, 2, 3, 4...
    pub fn se(&mut self, value: i32) {
        let v = i64::from(value);
        let code = if v > 0 { v * 2 - 1 } else { -v * 2 };
        self.exp_golomb(code as u64);
    }

    /// The exp-Golomb code of `code_num` (at most 2^32, so the code fits 65 bits).
    fn exp_golomb(&mut self, code_num: u64) {
        let code = code_num + 1;
        let len = 64 - code.leading_zeros(); // M + 1
        self.bits(0, len - 1);
        if len > 64 {
            self.bits(code >> 32, len - 32);
            self.bits(code & 0xffff_ffff, 32);
        } else {
            self.bits(code, len);
        }
    }

    /// Whole bytes; the writer must be byte-aligned.
    pub fn bytes(&mut self, data: &[u8]) {
        debug_assert!(self.is_aligned());
        if self.is_aligned() {
            self.bytes.extend_from_slice(data);
        } else {
            for &b in data {
                self.bits(u64::from(b), 8);
            }
        }
    }

    /// True when the next bit starts a byte.
    pub fn is_aligned(&self) -> bool {
        self.pending_bits == 0
    }

    /// Bits written so far.
    pub fn bit_len(&self) -> usize {
        self.bytes.len() * 8 + self.pending_bits as usize
    }

    /// Zero bits up to the next byte boundary (`pcm_alignment_zero_bit`, AV1's padding).
    pub fn align_zero(&mut self) {
        if !self.is_aligned() {
            self.bits(0, 8 - self.pending_bits);
        }
    }

    /// `rbsp_trailing_bits()`: a one bit, then zeros to the byte boundary. AV1's `trailing_bits()`
    /// is the same for the byte-aligned OBUs written here.
    pub fn trailing_bits(&mut self) {
        self.flag(true);
        self.align_zero();
    }

    /// The bytes written; a partial last byte is padded with zeros.
    pub fn finish(mut self) -> Vec<u8> {
        self.align_zero();
        self.bytes
    }
}

/// Appends `rbsp` to `out` with emulation prevention (H.264 §7.4.1.1, HEVC §7.4.2): wherever two
/// zero bytes would be followed by a byte of 0x00 to 0x03, an `emulation_prevention_three_byte`
/// (0x03) goes between them, so the NAL unit never contains a start code. A payload ending in
/// two zero bytes (a `cabac_zero_word`) also gets a final 0x03.
pub fn escape_into(rbsp: &[u8], out: &mut Vec<u8>) {
    let mut zeros = 0usize;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    if zeros >= 2 {
        out.push(3);
    }
}

/// Reads the RBSP bytes back out of an escaped NAL unit payload, dropping each 0x03 that follows
/// two zero bytes. An iterator, so a caller reads as far as it needs without allocating.
#[derive(Debug, Clone)]
pub struct Unescape<'a> {
    data: &'a [u8],
    pos: usize,
    zeros: usize,
}

impl<'a> Unescape<'a> {
    pub fn new(data: &'a [u8]) -> Unescape<'a> {
        Unescape {
            data,
            pos: 0,
            zeros: 0,
        }
    }
}

impl Iterator for Unescape<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let mut b = *self.data.get(self.pos)?;
        self.pos += 1;
        if self.zeros >= 2 && b == 3 {
            self.zeros = 0;
            b = *self.data.get(self.pos)?;
            self.pos += 1;
        }
        self.zeros = if b == 0 { self.zeros + 1 } else { 0 };
        Some(b)
    }
}

/// Appends `value` as an unsigned LEB128 (AV1 §4.10.5): seven bits a byte, least significant
/// group first, the top bit set on every byte but the last.
pub fn leb128_into(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let group = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(group);
            return;
        }
        out.push(group | 0x80);
    }
}

/// Reads an unsigned LEB128 from the start of `data`: the value and the bytes it took. `None`
/// when it is cut off or longer than the 8 bytes AV1 allows (§4.10.5).
pub fn read_leb128(data: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in data.iter().take(8).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// FNV-1a, 64 bits (offset basis 0xcbf29ce484222325, prime 0x100000001b3): the checksum of the
/// coded data a marker vouches for. Not cryptographic: it detects corruption, not forgery.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a64 {
    pub fn new() -> Fnv1a64 {
        Fnv1a64::default()
    }

    pub fn update(&mut self, data: &[u8]) {
        let mut h = self.0;
        for &b in data {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }

    pub fn finish(self) -> u64 {
        self.0
    }
}
