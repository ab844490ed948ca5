//! Readers over untrusted bytes: [`Bytes`] for byte-aligned fields, [`Bits`] for bit fields and
//! exp-Golomb codes. Neither copies, allocates or panics; every read checks what is left and
//! fails with a [`MediaError`] naming the field.
//!
//! [`Bits::rbsp`] reads a NAL unit payload (H.264 §7.4.1, H.265 §7.4.2) and drops the
//! emulation-prevention bytes (`00 00 03` -> `00 00`) as it goes, so a parameter set is never
//! copied into a buffer: there is no size cap to choose and nothing to allocate. The work stays
//! bounded by the syntax (a fixed number of fields, loops limited by range-checked counts), not by
//! the length of the input.

use super::MediaError;

/// Byte-aligned big-endian fields of `data`, front to back.
#[derive(Debug, Clone)]
pub(crate) struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Bytes<'a> {
    pub(crate) fn new(data: &'a [u8], what: &'static str) -> Self {
        Bytes { data, pos: 0, what }
    }

    /// The first byte of `data` and a reader after it; an empty `data` is [`MediaError::Empty`].
    pub(crate) fn first(data: &'a [u8], what: &'static str) -> Result<(u8, Bytes<'a>), MediaError> {
        match data.split_first() {
            Some((&b, _)) => Ok((b, Bytes { data, pos: 1, what })),
            None => Err(MediaError::Empty { what }),
        }
    }

    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    /// The next `n` bytes, borrowed.
    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], MediaError> {
        let end = self.pos.checked_add(n);
        match end.and_then(|end| self.data.get(self.pos..end)) {
            Some(slice) => {
                self.pos += n;
                Ok(slice)
            }
            None => Err(MediaError::Truncated {
                what: self.what,
                field,
                offset: self.pos,
                needed: n,
                left: self.remaining(),
            }),
        }
    }

    pub(crate) fn skip(&mut self, n: usize, field: &'static str) -> Result<(), MediaError> {
        self.take(n, field).map(|_| ())
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], MediaError> {
        let slice = self.take(N, field)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, MediaError> {
        Ok(u8::from_be_bytes(self.array(field)?))
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, MediaError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    pub(crate) fn u24(&mut self, field: &'static str) -> Result<u32, MediaError> {
        let [a, b, c] = self.array(field)?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// A signed 24-bit big-endian integer (FLV `SI24`, the composition time).
    pub(crate) fn i24(&mut self, field: &'static str) -> Result<i32, MediaError> {
        let v = self.u24(field)?;
        // Shift the 24 bits to the top and back to extend the sign.
        Ok(((v << 8) as i32) >> 8)
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, MediaError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    pub(crate) fn fourcc(&mut self, field: &'static str) -> Result<[u8; 4], MediaError> {
        self.array(field)
    }
}

/// Bit fields of `data`, most significant bit first, optionally over a NAL unit's RBSP.
#[derive(Debug, Clone)]
pub(crate) struct Bits<'a> {
    data: &'a [u8],
    /// Next byte of `data` to load.
    pos: usize,
    /// The byte being read and how many of its bits are left (0..=8).
    cur: u8,
    left: u8,
    /// Drop emulation-prevention bytes (`03` after two zero bytes).
    rbsp: bool,
    /// Zero bytes loaded in a row (for the emulation-prevention rule).
    zeros: u8,
    what: &'static str,
}

impl<'a> Bits<'a> {
    /// Plain bits of `data`.
    pub(crate) fn new(data: &'a [u8], what: &'static str) -> Self {
        Bits {
            data,
            pos: 0,
            cur: 0,
            left: 0,
            rbsp: false,
            zeros: 0,
            what,
        }
    }

    /// The bits of a NAL unit payload (after its header), emulation-prevention bytes removed.
    pub(crate) fn rbsp(data: &'a [u8], what: &'static str) -> Self {
        Bits {
            rbsp: true,
            ..Bits::new(data, what)
        }
    }

    fn exhausted(&self, field: &'static str) -> MediaError {
        MediaError::BitsExhausted {
            what: self.what,
            field,
        }
    }

    /// Loads the next byte of the payload into `cur`.
    fn load(&mut self, field: &'static str) -> Result<(), MediaError> {
        let mut byte = *self.data.get(self.pos).ok_or(self.exhausted(field))?;
        self.pos += 1;
        if self.rbsp && self.zeros >= 2 && byte == 0x03 {
            byte = *self.data.get(self.pos).ok_or(self.exhausted(field))?;
            self.pos += 1;
            self.zeros = 0;
        }
        self.zeros = if byte == 0 {
            self.zeros.saturating_add(1)
        } else {
            0
        };
        self.cur = byte;
        self.left = 8;
        Ok(())
    }

    pub(crate) fn flag(&mut self, field: &'static str) -> Result<bool, MediaError> {
        Ok(self.bits(1, field)? == 1)
    }

    /// `n` bits (0..=32; a larger `n` reads 32) as an unsigned number.
    pub(crate) fn bits(&mut self, n: u32, field: &'static str) -> Result<u32, MediaError> {
        let mut want = n.min(32);
        let mut out: u64 = 0;
        while want > 0 {
            if self.left == 0 {
                self.load(field)?;
            }
            let take = want.min(u32::from(self.left));
            let shift = u32::from(self.left) - take;
            let mask = (1u32 << take) - 1;
            let chunk = (u32::from(self.cur) >> shift) & mask;
            out = (out << take) | u64::from(chunk);
            // take <= left <= 8, so this fits in a u8.
            self.left -= take as u8;
            want -= take;
        }
        Ok(out as u32)
    }

    /// Bits not read yet. Exact for plain bits; for an RBSP it counts emulation-prevention bytes
    /// not reached yet too (an upper bound).
    pub(crate) fn remaining_bits(&self) -> usize {
        self.data
            .len()
            .saturating_sub(self.pos)
            .saturating_mul(8)
            .saturating_add(usize::from(self.left))
    }

    /// Skips `n` bits (any number; at most what is left).
    pub(crate) fn skip(&mut self, n: u32, field: &'static str) -> Result<(), MediaError> {
        let mut n = n;
        while n > 0 {
            let step = n.min(32);
            self.bits(step, field)?;
            n -= step;
        }
        Ok(())
    }

    /// `ue(v)`: an unsigned exp-Golomb code (H.264 §9.1). At most 31 leading zero bits, so the
    /// value fits in a `u32` (up to 2^32 - 2); 32 or more is [`MediaError::ExpGolombTooLong`]
    /// (the read stops there, it never scans on through the input).
    pub(crate) fn ue(&mut self, field: &'static str) -> Result<u32, MediaError> {
        let mut zeros = 0u32;
        while !self.flag(field)? {
            zeros += 1;
            if zeros >= 32 {
                return Err(MediaError::ExpGolombTooLong {
                    what: self.what,
                    field,
                });
            }
        }
        let suffix = self.bits(zeros, field)?;
        // zeros <= 31: (2^zeros - 1) + suffix <= 2^32 - 2.
        Ok(((1u64 << zeros) - 1 + u64::from(suffix)) as u32)
    }

    /// `ue(v)` with an upper bound from the specification.
    pub(crate) fn ue_max(&mut self, field: &'static str, max: u32) -> Result<u32, MediaError> {
        let v = self.ue(field)?;
        if v > max {
            return Err(MediaError::OutOfRange {
                what: self.what,
                field,
                value: u64::from(v),
                max: u64::from(max),
            });
        }
        Ok(v)
    }

    /// `se(v)`: a signed exp-Golomb code (H.264 §9.1.1): 0, 1, -1, 2, -2, ...
    pub(crate) fn se(&mut self, field: &'static str) -> Result<i32, MediaError> {
        let k = i64::from(self.ue(field)?);
        let v = if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) };
        // |v| <= 2^31 - 1 since k <= 2^32 - 2.
        Ok(v as i32)
    }

    /// AV1's `uvlc()` (AV1 §4.10.3): like `ue(v)`, 32 or more leading zeros is an error here
    /// (the specification saturates; no sequence header field needs that).
    pub(crate) fn uvlc(&mut self, field: &'static str) -> Result<u32, MediaError> {
        self.ue(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_big_endian_fields_and_sign_extend_24_bits() {
        let data = [0x01, 0x02, 0x03, 0xff, 0xff, 0xfe, 0x00, 0x00, 0x10, 0xaa];
        let mut r = Bytes::new(&data, "test");
        assert_eq!(r.u16("a"), Ok(0x0102));
        assert_eq!(r.u8("b"), Ok(0x03));
        assert_eq!(r.i24("c"), Ok(-2));
        assert_eq!(r.i24("d"), Ok(16));
        assert_eq!(r.offset(), 9);
        assert_eq!(r.rest(), &[0xaa]);
        assert_eq!(
            r.u16("e"),
            Err(MediaError::Truncated {
                what: "test",
                field: "e",
                offset: 9,
                needed: 2,
                left: 1
            })
        );
        // A failed read consumes nothing.
        assert_eq!(r.u8("f"), Ok(0xaa));
        assert!(r.take(usize::MAX, "g").unwrap_err().is_truncation());
    }

    #[test]
    fn bits_cross_byte_boundaries() {
        let data = [0b1011_0011, 0b0101_1111, 0xff, 0xff, 0xff, 0xff];
        let mut r = Bits::new(&data, "test");
        assert_eq!(r.bits(3, "a"), Ok(0b101));
        assert_eq!(r.bits(7, "b"), Ok(0b100_1101));
        assert_eq!(r.bits(0, "zero"), Ok(0));
        assert_eq!(
            r.bits(32, "c"),
            Ok(0b0111_1111_1111_1111_1111_1111_1111_1111)
        );
        assert_eq!(r.bits(6, "d"), Ok(0b11_1111));
        assert_eq!(
            r.flag("e"),
            Err(MediaError::BitsExhausted {
                what: "test",
                field: "e"
            })
        );
    }

    #[test]
    fn exp_golomb_codes_decode_per_the_h264_table() {
        // 1 | 010 | 011 | 00100 | 00101 | 0001000 -> ue 0, 1, 2, 3, 4, 7
        // bits: 1010 0110 0100 0010 1000 1000
        let data = [0b1010_0110, 0b0100_0010, 0b1000_1000];
        let mut r = Bits::new(&data, "test");
        let got: Vec<u32> = (0..6).map(|_| r.ue("x").unwrap()).collect();
        assert_eq!(got, [0, 1, 2, 3, 4, 7]);
        // se: codes 1, 010, 011, 00100, 00101 -> 0, 1, -1, 2, -2
        let mut r = Bits::new(&data, "test");
        let got: Vec<i32> = (0..5).map(|_| r.se("x").unwrap()).collect();
        assert_eq!(got, [0, 1, -1, 2, -2]);
    }

    #[test]
    fn the_longest_exp_golomb_code_fits_and_one_more_zero_is_an_error() {
        // 31 zeros, a one, 31 ones: 2^32 - 2.
        let mut data = vec![0u8; 3];
        data.extend([0b0000_0001, 0xff, 0xff, 0xff, 0xfe]);
        let mut r = Bits::new(&data, "test");
        assert_eq!(r.ue("max"), Ok(u32::MAX - 1));
        // se of the largest code: -(2^31 - 1).
        let mut r = Bits::new(&data, "test");
        assert_eq!(r.se("max"), Ok(-(i32::MAX)));

        let data = [0u8, 0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0xff];
        let mut r = Bits::new(&data, "SPS");
        assert_eq!(
            r.ue("field"),
            Err(MediaError::ExpGolombTooLong {
                what: "SPS",
                field: "field"
            })
        );
        // All zeros to the end: an error at 32 zeros, never a scan through megabytes.
        let zeros = vec![0u8; 1 << 20];
        let mut r = Bits::new(&zeros, "SPS");
        assert!(matches!(
            r.ue("field"),
            Err(MediaError::ExpGolombTooLong { .. })
        ));
        // Cut short inside the code.
        let mut r = Bits::new(&[0x00, 0x01], "SPS");
        assert!(matches!(
            r.ue("field"),
            Err(MediaError::BitsExhausted { .. })
        ));
    }

    #[test]
    fn ue_max_reports_the_range() {
        let mut r = Bits::new(&[0b0001_0000], "SPS");
        assert_eq!(
            r.ue_max("seq_parameter_set_id", 6),
            Err(MediaError::OutOfRange {
                what: "SPS",
                field: "seq_parameter_set_id",
                value: 7,
                max: 6
            })
        );
    }

    #[test]
    fn rbsp_drops_emulation_prevention_bytes_only_after_two_zeros() {
        // 00 00 03 01 -> 00 00 01; 00 03 stays; 00 00 03 03 -> 00 00 03.
        let data = [
            0x00, 0x00, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x03, 0x03, 0x7f,
        ];
        let mut r = Bits::rbsp(&data, "test");
        let got: Vec<u32> = (0..8).map(|_| r.bits(8, "b").unwrap()).collect();
        assert_eq!(got, [0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x03]);
        assert_eq!(r.bits(8, "b"), Ok(0x7f));
        // The same bytes read plainly keep every byte.
        let mut r = Bits::new(&data, "test");
        assert_eq!(r.bits(24, "b"), Ok(0x000003));
    }

    #[test]
    fn rbsp_ending_in_an_emulation_prevention_byte_is_exhausted() {
        let mut r = Bits::rbsp(&[0x00, 0x00, 0x03], "test");
        assert_eq!(r.bits(16, "a"), Ok(0));
        assert!(matches!(
            r.bits(1, "b"),
            Err(MediaError::BitsExhausted { .. })
        ));
    }

    #[test]
    fn skip_moves_over_any_number_of_bits() {
        let data = [0xff; 10];
        let mut r = Bits::new(&data, "test");
        assert_eq!(r.skip(75, "s"), Ok(()));
        assert_eq!(r.bits(5, "t"), Ok(0b11111));
        assert!(r.skip(1, "u").is_err());
    }
}
