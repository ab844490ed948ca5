//! Readers of the configuration records, written from ISO/IEC 14496-15 and the AV1 ISOBMFF
//! binding independently of the generator, and writers of the elementary-stream files ffmpeg 5.1
//! reads (Annex B byte streams for H.264/HEVC, the low-overhead OBU stream for AV1).

/// A big-endian reader over a byte slice that panics with a message when the record is short.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8], what: &'static str) -> Reader<'a> {
        Reader { data, pos: 0, what }
    }

    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let end = self.pos + n;
        assert!(
            end <= self.data.len(),
            "{}: {} bytes wanted at offset {}, only {} there",
            self.what,
            n,
            self.pos,
            self.data.len()
        );
        let out = &self.data[self.pos..end];
        self.pos = end;
        out
    }

    pub fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.take(2).try_into().unwrap())
    }

    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.data[self.pos..];
        self.pos = self.data.len();
        out
    }

    pub fn is_done(&self) -> bool {
        self.pos == self.data.len()
    }
}

/// The AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1): `(profile, compatibility,
/// level, length size, SPSs, PPSs)`.
pub struct Avcc {
    pub profile: u8,
    pub level: u8,
    pub length_size: usize,
    pub sps: Vec<Vec<u8>>,
    pub pps: Vec<Vec<u8>>,
}

pub fn parse_avcc(record: &[u8]) -> Avcc {
    let mut r = Reader::new(record, "AVCDecoderConfigurationRecord");
    assert_eq!(r.u8(), 1, "configurationVersion");
    let profile = r.u8();
    let _compatibility = r.u8();
    let level = r.u8();
    let b = r.u8();
    assert_eq!(b & 0xfc, 0xfc, "reserved bits before lengthSizeMinusOne");
    let length_size = usize::from(b & 3) + 1;
    let b = r.u8();
    assert_eq!(
        b & 0xe0,
        0xe0,
        "reserved bits before numOfSequenceParameterSets"
    );
    let sps: Vec<Vec<u8>> = (0..b & 0x1f)
        .map(|_| {
            let n = usize::from(r.u16());
            r.take(n).to_vec()
        })
        .collect();
    let pps: Vec<Vec<u8>> = (0..r.u8())
        .map(|_| {
            let n = usize::from(r.u16());
            r.take(n).to_vec()
        })
        .collect();
    assert!(r.is_done(), "bytes after the PPS of a Baseline record");
    for s in &sps {
        assert_eq!(s[0] & 0x1f, 7, "an SPS NAL unit in the SPS list");
        assert_eq!(
            s[1], profile,
            "AVCProfileIndication is the SPS's profile_idc"
        );
        assert_eq!(s[3], level, "AVCLevelIndication is the SPS's level_idc");
    }
    Avcc {
        profile,
        level,
        length_size,
        sps,
        pps,
    }
}

/// The HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1.2): its NAL arrays, checked
/// field by field against the parameter sets.
pub struct Hvcc {
    pub length_size: usize,
    pub arrays: Vec<(u8, Vec<Vec<u8>>)>,
}

pub fn parse_hvcc(record: &[u8]) -> Hvcc {
    let mut r = Reader::new(record, "HEVCDecoderConfigurationRecord");
    assert_eq!(r.u8(), 1, "configurationVersion");
    let profile = r.take(12).to_vec(); // profile_space..general_level_idc
    assert_eq!(
        r.u16() & 0xf000,
        0xf000,
        "reserved before min_spatial_segmentation_idc"
    );
    assert_eq!(r.u8() & 0xfc, 0xfc, "reserved before parallelismType");
    let chroma = r.u8();
    assert_eq!(chroma & 0xfc, 0xfc, "reserved before chromaFormat");
    assert_eq!(chroma & 3, 1, "chromaFormat 4:2:0");
    assert_eq!(r.u8(), 0xf8, "reserved, bitDepthLumaMinus8 0");
    assert_eq!(r.u8(), 0xf8, "reserved, bitDepthChromaMinus8 0");
    let _avg_frame_rate = r.u16();
    let b = r.u8();
    let length_size = usize::from(b & 3) + 1;
    let arrays = (0..r.u8())
        .map(|_| {
            let t = r.u8();
            let nal_type = t & 0x3f;
            let nalus: Vec<Vec<u8>> = (0..r.u16())
                .map(|_| {
                    let n = usize::from(r.u16());
                    let nal = r.take(n).to_vec();
                    assert_eq!((nal[0] >> 1) & 0x3f, nal_type, "NAL type in its array");
                    nal
                })
                .collect();
            (nal_type, nalus)
        })
        .collect::<Vec<_>>();
    assert!(r.is_done(), "bytes after the arrays");
    // The record's profile fields repeat the VPS's profile_tier_level (after 2 + 4 bytes of
    // NAL header and VPS fields).
    let vps = unescape(
        &arrays
            .iter()
            .find(|(t, _)| *t == 32)
            .expect("a VPS array")
            .1[0],
    );
    assert_eq!(
        &vps[6..18],
        &profile[..],
        "the record's profile fields are the VPS's"
    );
    Hvcc {
        length_size,
        arrays,
    }
}

/// The AV1CodecConfigurationRecord: `(seq_profile, seq_level_idx_0, configOBUs)`.
pub fn parse_av1c(record: &[u8]) -> (u8, u8, Vec<u8>) {
    let mut r = Reader::new(record, "AV1CodecConfigurationRecord");
    assert_eq!(r.u8(), 0x81, "marker 1, version 1");
    let b = r.u8();
    let b2 = r.u8();
    assert_eq!(b2 & 0xf0, 0, "tier 0, 8-bit, not monochrome");
    assert_eq!(b2 & 0x0c, 0x0c, "4:2:0 subsampling");
    assert_eq!(r.u8(), 0, "no initial presentation delay");
    (b >> 5, b & 0x1f, r.rest().to_vec())
}

/// The RBSP of an escaped NAL unit: each 0x03 after two zero bytes dropped.
pub fn unescape(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// The NAL units of a length-prefixed (4-byte) sample.
pub fn split_nals(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let n = u32::from_be_bytes(data[..4].try_into().unwrap()) as usize;
        out.push(data[4..4 + n].to_vec());
        data = &data[4 + n..];
    }
    out
}

/// An Annex B byte stream: each NAL unit after a 4-byte start code.
pub fn annex_b<'a>(nals: impl IntoIterator<Item = &'a Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    for nal in nals {
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(nal);
    }
    out
}

/// A temporal delimiter OBU (type 2, with a zero size field).
pub const TEMPORAL_DELIMITER: [u8; 2] = [0x12, 0x00];

/// The OBUs of a temporal unit whose OBUs all have size fields: `(obu_type, whole OBU)`.
pub fn split_obus(mut data: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let header = data[0];
        assert_eq!(header & 0x80, 0, "obu_forbidden_bit");
        assert_eq!(header & 0b110, 0b010, "no extension, a size field");
        let mut size = 0usize;
        let mut at = 1;
        loop {
            let b = data[at];
            size |= usize::from(b & 0x7f) << (7 * (at - 1));
            at += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        out.push((header >> 3, data[..at + size].to_vec()));
        data = &data[at + size..];
    }
    out
}
