//! The marker every synthetic video frame carries, and the receiver side that finds it again.
//!
//! The marker is 40 bytes: the probe's UUID ([`MARKER_UUID`], 16 bytes), the frame's sequence
//! number (u64), the send time in microseconds that the caller passed in (u64), and a checksum
//! (u64), all big-endian. The checksum is FNV-1a/64 over the sequence number and send time (their
//! 16 bytes as written in the marker) followed by the frame's coded data, so a frame whose
//! picture data or marker fields changed on the way fails it:
//! - H.264: every VCL NAL unit (types 1-5) of the frame, in order, as carried (escaped, header
//!   byte included, without its length prefix);
//! - HEVC: every VCL NAL unit (types 0-31) likewise;
//! - AV1: every OBU of the temporal unit other than temporal delimiters, metadata and the marker,
//!   in order, as carried (header and size included).
//!
//! Parameter sets, SEI, delimiters and metadata are not covered, so a relay that adds or drops
//! them does not make a frame look corrupted.
//!
//! Carriage:
//! - H.264 and HEVC: an SEI NAL unit (H.264 type 6; HEVC `PREFIX_SEI_NUT` 39) holding one
//!   `user_data_unregistered` message (payloadType 5, H.264 §D.1.7, HEVC §D.2.7): the UUID is its
//!   `uuid_iso_iec_11578`, the other 24 bytes its payload bytes. It precedes the slice (an SEI
//!   must come before the first VCL NAL unit of an access unit).
//! - AV1: a metadata OBU (type 5) of `metadata_type` [`AV1_METADATA_TYPE`], the first
//!   "unregistered user private" type (AV1 §6.7.1: 6-31), followed by the 40 bytes. ITU-T T.35
//!   would need a registered provider code, and padding OBUs are what remuxers drop first.
//!
//! [`find_marker`] reads a received FLV video tag body (= RTMP video message payload), legacy
//! AVC or Enhanced RTMP (`avc1`, `hvc1`, `av01`; `ModEx` prefixes are skipped). It is bounded
//! and allocation-free: it never panics, never allocates, and trusts no length field.

use super::bits::{escape_into, leb128_into, read_leb128, Fnv1a64, Unescape};
use super::{av1, flv, h264, hevc};

/// The probe's own UUID (59b363fc-5309-498e-8ea6-f8620c6a25f2, generated once for this purpose).
pub const MARKER_UUID: [u8; 16] = [
    0x59, 0xb3, 0x63, 0xfc, 0x53, 0x09, 0x49, 0x8e, 0x8e, 0xa6, 0xf8, 0x62, 0x0c, 0x6a, 0x25, 0xf2,
];

/// Bytes of the marker: UUID, sequence number, send time, checksum.
pub const MARKER_LEN: usize = 16 + 8 + 8 + 8;

/// `payloadType` of `user_data_unregistered` SEI messages.
const SEI_USER_DATA_UNREGISTERED: u8 = 5;

/// The AV1 `metadata_type` of the marker.
pub const AV1_METADATA_TYPE: u8 = 6;

/// What a receiver learns from a frame's marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    /// The sender's sequence number of the frame (0 for the first frame).
    pub seq: u64,
    /// When the sender says it sent the frame, in microseconds of its own clock.
    pub send_time_us: u64,
    /// Whether the checksum in the marker matches the coded data received with it.
    pub checksum_ok: bool,
}

/// The checksum of a frame: FNV-1a/64 over `seq` and `send_time_us` (big-endian) and then each
/// of `units` in order.
pub fn checksum<'a>(seq: u64, send_time_us: u64, units: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    let mut h = Fnv1a64::new();
    h.update(&seq.to_be_bytes());
    h.update(&send_time_us.to_be_bytes());
    for unit in units {
        h.update(unit);
    }
    h.finish()
}

/// The 40 marker bytes.
pub fn marker_bytes(seq: u64, send_time_us: u64, checksum: u64) -> [u8; MARKER_LEN] {
    let mut out = [0u8; MARKER_LEN];
    let (uuid, rest) = out.split_at_mut(16);
    uuid.copy_from_slice(&MARKER_UUID);
    let (s, rest) = rest.split_at_mut(8);
    s.copy_from_slice(&seq.to_be_bytes());
    let (t, c) = rest.split_at_mut(8);
    t.copy_from_slice(&send_time_us.to_be_bytes());
    c.copy_from_slice(&checksum.to_be_bytes());
    out
}

/// The SEI RBSP: one `sei_message()` (payloadType 5, payloadSize 40) and the trailing bits.
fn sei_rbsp(marker: &[u8; MARKER_LEN]) -> [u8; MARKER_LEN + 3] {
    let mut rbsp = [0u8; MARKER_LEN + 3];
    rbsp[0] = SEI_USER_DATA_UNREGISTERED;
    rbsp[1] = MARKER_LEN as u8;
    rbsp[2..2 + MARKER_LEN].copy_from_slice(marker);
    rbsp[MARKER_LEN + 2] = 0x80; // rbsp_trailing_bits
    rbsp
}

/// The H.264 SEI NAL unit carrying a marker.
pub fn h264_sei(seq: u64, send_time_us: u64, checksum: u64) -> Vec<u8> {
    h264::nal_unit(
        0,
        h264::NAL_SEI,
        &sei_rbsp(&marker_bytes(seq, send_time_us, checksum)),
    )
}

/// The HEVC prefix SEI NAL unit carrying a marker.
pub fn hevc_sei(seq: u64, send_time_us: u64, checksum: u64) -> Vec<u8> {
    let rbsp = sei_rbsp(&marker_bytes(seq, send_time_us, checksum));
    let mut out = Vec::with_capacity(rbsp.len() + 8);
    out.extend_from_slice(&hevc::nal_header(hevc::NAL_PREFIX_SEI));
    escape_into(&rbsp, &mut out);
    out
}

/// The AV1 metadata OBU carrying a marker (with `obu_has_size_field`).
pub fn av1_metadata_obu(seq: u64, send_time_us: u64, checksum: u64) -> Vec<u8> {
    let mut payload = Vec::with_capacity(MARKER_LEN + 2);
    leb128_into(u64::from(AV1_METADATA_TYPE), &mut payload);
    payload.extend_from_slice(&marker_bytes(seq, send_time_us, checksum));
    payload.push(0x80); // trailing_bits(): the payload ends byte-aligned
    av1::obu(av1::OBU_METADATA, &payload)
}

/// Parses the 40 marker bytes: `(seq, send_time_us, checksum)` when the UUID is ours.
fn parse_marker(bytes: &[u8; MARKER_LEN]) -> Option<(u64, u64, u64)> {
    let (uuid, rest) = bytes.split_first_chunk::<16>()?;
    if *uuid != MARKER_UUID {
        return None;
    }
    let (seq, rest) = rest.split_first_chunk::<8>()?;
    let (time, rest) = rest.split_first_chunk::<8>()?;
    let sum = rest.first_chunk::<8>()?;
    Some((
        u64::from_be_bytes(*seq),
        u64::from_be_bytes(*time),
        u64::from_be_bytes(*sum),
    ))
}

/// Reads an SEI `ff_byte`-coded value (payloadType or payloadSize, §7.3.2.3.1): 0xFF bytes each
/// add 255, the first other byte ends it. Bounded by the NAL unit, saturating.
fn read_sei_value(bytes: &mut Unescape<'_>) -> Option<usize> {
    let mut value = 0usize;
    loop {
        let b = bytes.next()?;
        value = value.saturating_add(usize::from(b));
        if b != 0xff {
            return Some(value);
        }
    }
}

/// Looks for the marker among the `sei_message()`s of an SEI RBSP (read from the escaped
/// payload `data`, after the NAL header).
fn marker_in_sei(data: &[u8]) -> Option<(u64, u64, u64)> {
    let mut bytes = Unescape::new(data);
    loop {
        let payload_type = read_sei_value(&mut bytes)?;
        let payload_size = read_sei_value(&mut bytes)?;
        if payload_type == usize::from(SEI_USER_DATA_UNREGISTERED) && payload_size == MARKER_LEN {
            let mut marker = [0u8; MARKER_LEN];
            for slot in marker.iter_mut() {
                *slot = bytes.next()?;
            }
            if let Some(found) = parse_marker(&marker) {
                return Some(found);
            }
        } else {
            for _ in 0..payload_size {
                bytes.next()?;
            }
        }
        // The rbsp_trailing_bits byte (0x80) reads as one more payloadType whose size is
        // missing, which ends the loop.
    }
}

/// The NAL units of an AVCC/HVCC payload (4-byte big-endian lengths). Yields `Err(())` once,
/// and then stops, where a length overruns the payload or a length field is cut off.
struct LengthPrefixed<'a> {
    rest: &'a [u8],
    broken: bool,
}

impl<'a> Iterator for LengthPrefixed<'a> {
    type Item = Result<&'a [u8], ()>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() || self.broken {
            return None;
        }
        let Some((len, rest)) = self.rest.split_first_chunk::<4>() else {
            self.broken = true;
            return Some(Err(()));
        };
        let len = u32::from_be_bytes(*len) as usize;
        match rest.split_at_checked(len) {
            Some((nal, rest)) => {
                self.rest = rest;
                Some(Ok(nal))
            }
            None => {
                self.broken = true;
                Some(Err(()))
            }
        }
    }
}

fn length_prefixed(data: &[u8]) -> LengthPrefixed<'_> {
    LengthPrefixed {
        rest: data,
        broken: false,
    }
}

/// Which NAL syntax a length-prefixed payload uses.
#[derive(Clone, Copy)]
enum NalSyntax {
    H264,
    Hevc,
}

/// Finds the marker in the NAL units of one frame and checks its checksum.
fn marker_in_nals(data: &[u8], syntax: NalSyntax) -> Option<Marker> {
    let is_sei_with_marker = |nal: &[u8]| -> Option<(u64, u64, u64)> {
        match syntax {
            NalSyntax::H264 => {
                let (&header, payload) = nal.split_first()?;
                (header & 0x1f == h264::NAL_SEI).then(|| marker_in_sei(payload))?
            }
            NalSyntax::Hevc => {
                let (header, payload) = nal.split_first_chunk::<2>()?;
                (hevc::nal_type_of(*header) == hevc::NAL_PREFIX_SEI)
                    .then(|| marker_in_sei(payload))?
            }
        }
    };
    let is_vcl = |nal: &[u8]| match syntax {
        NalSyntax::H264 => h264::nal_type(nal).is_some_and(h264::is_vcl),
        NalSyntax::Hevc => nal
            .first_chunk::<2>()
            .is_some_and(|h| hevc::is_vcl(hevc::nal_type_of(*h))),
    };
    let found = length_prefixed(data)
        .map_while(Result::ok)
        .find_map(is_sei_with_marker)?;
    let units = length_prefixed(data).map(|nal| nal.map(|nal| (is_vcl(nal), nal)));
    Some(verify(found, units))
}

/// The marker `(seq, send_time_us, checksum)` found in a frame, checked against the frame's
/// units: `(whether the checksum covers it, its bytes)`, or `Err(())` where the framing broke.
fn verify<'a>(
    (seq, send_time_us, sent_sum): (u64, u64, u64),
    units: impl Iterator<Item = Result<(bool, &'a [u8]), ()>>,
) -> Marker {
    let mut intact = true;
    let mut h = Fnv1a64::new();
    h.update(&seq.to_be_bytes());
    h.update(&send_time_us.to_be_bytes());
    for unit in units {
        match unit {
            Ok((true, bytes)) => h.update(bytes),
            Ok((false, _)) => {}
            Err(()) => intact = false,
        }
    }
    Marker {
        seq,
        send_time_us,
        checksum_ok: intact && h.finish() == sent_sum,
    }
}

/// The OBUs of an AV1 temporal unit in the low-overhead format (every OBU with
/// `obu_has_size_field`); `Err(())` once where one is cut off, has no size field, or is longer
/// than what is left.
struct Obus<'a> {
    rest: &'a [u8],
    broken: bool,
}

impl<'a> Iterator for Obus<'a> {
    type Item = Result<av1::Obu<'a>, ()>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() || self.broken {
            return None;
        }
        match av1::split_obu(self.rest) {
            Some((obu, rest)) => {
                self.rest = rest;
                Some(Ok(obu))
            }
            None => {
                self.broken = true;
                Some(Err(()))
            }
        }
    }
}

/// The marker in an AV1 metadata OBU payload, if it is one of ours.
fn marker_in_av1_metadata(payload: &[u8]) -> Option<(u64, u64, u64)> {
    let (metadata_type, used) = read_leb128(payload)?;
    if metadata_type != u64::from(AV1_METADATA_TYPE) {
        return None;
    }
    let marker = payload.get(used..)?.first_chunk::<MARKER_LEN>()?;
    parse_marker(marker)
}

fn marker_in_obus(data: &[u8]) -> Option<Marker> {
    let obus = || Obus {
        rest: data,
        broken: false,
    };
    let found = obus()
        .map_while(Result::ok)
        .filter(|obu| obu.obu_type == av1::OBU_METADATA)
        .find_map(|obu| marker_in_av1_metadata(obu.payload))?;
    let units = obus().map(|obu| obu.map(|o| (av1::is_checksummed(o.obu_type), o.bytes)));
    Some(verify(found, units))
}

/// Finds the probe's marker in a received FLV video tag body (an RTMP video message payload) and
/// checks the frame against its checksum.
///
/// Understands legacy AVC tags (codec id 7, AVC packet type 1) and Enhanced RTMP tags
/// (`IsExHeader`, packet type CodedFrames or CodedFramesX, FourCC `avc1`, `hvc1` or `av01`,
/// after any `ModEx` prefixes). `None` for anything else: sequence headers, other codecs,
/// multitrack tags, frames without our marker, or bytes too broken to find it. A frame whose
/// marker is found but whose data is cut short or altered gives `checksum_ok: false`.
pub fn find_marker(video_tag_body: &[u8]) -> Option<Marker> {
    let (&first, rest) = video_tag_body.split_first()?;
    if first & flv::VIDEO_EX_HEADER == 0 {
        // Legacy: FrameType(4) CodecID(4), AVCPacketType, CompositionTime SI24, NAL units.
        if first & 0x0f != flv::VIDEO_CODEC_AVC {
            return None;
        }
        let (&packet_type, rest) = rest.split_first()?;
        if packet_type != flv::AVC_NALU {
            return None;
        }
        let (_cts, nals) = rest.split_first_chunk::<3>()?;
        return marker_in_nals(nals, NalSyntax::H264);
    }
    let mut packet_type = first & 0x0f;
    let mut rest = rest;
    // ModEx: UI8 size - 1 (UI16 when that is 255), the data, then ModExType(4) PacketType(4).
    // Each round consumes at least two bytes, so the loop ends with the input.
    while packet_type == flv::PACKET_MOD_EX {
        let (&size, after) = rest.split_first()?;
        let (size, after) = if size == 0xff {
            let (wide, after) = after.split_first_chunk::<2>()?;
            (usize::from(u16::from_be_bytes(*wide)) + 1, after)
        } else {
            (usize::from(size) + 1, after)
        };
        let after = after.get(size..)?;
        let (&types, after) = after.split_first()?;
        packet_type = types & 0x0f;
        rest = after;
    }
    let (fourcc, rest) = rest.split_first_chunk::<4>()?;
    let has_cts = match packet_type {
        flv::PACKET_CODED_FRAMES => fourcc != &flv::FOURCC_AV1,
        flv::PACKET_CODED_FRAMES_X => false,
        _ => return None,
    };
    let data = if has_cts { rest.get(3..)? } else { rest };
    match *fourcc {
        flv::FOURCC_AVC => marker_in_nals(data, NalSyntax::H264),
        flv::FOURCC_HEVC => marker_in_nals(data, NalSyntax::Hevc),
        flv::FOURCC_AV1 => marker_in_obus(data),
        _ => None,
    }
}
