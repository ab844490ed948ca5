//! What the Enhanced RTMP audio and video tag headers share: the ModEx loop and multitrack
//! signalling (Enhanced RTMP v2, "Enhanced Audio" and "Enhanced Video").

use super::bits::Bytes;
use super::codec::FourCc;
use super::MediaError;

/// `AvMultitrackType` (Enhanced RTMP v2): how the tracks of a multitrack message are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultitrackKind {
    /// One track in this message (no track size field).
    OneTrack,
    /// Several tracks of one codec, each with its size.
    ManyTracks,
    /// Several tracks, each with its own FourCC and size.
    ManyTracksManyCodecs,
}

/// The multitrack signalling of a message, and its first track (the one the parser reads; the
/// specification recommends track 0 as the default track).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multitrack {
    pub kind: MultitrackKind,
    /// `trackId` of the first track in the message.
    pub track_id: u8,
    /// `sizeOfVideoTrack` / `sizeOfAudioTrack` of the first track (absent for
    /// [`MultitrackKind::OneTrack`]).
    pub track_size: Option<u32>,
}

/// The packet type after any ModEx modifiers, and the nanosecond timestamp offset if one was
/// given. `first` is the packet type of the first byte; `modex` its ModEx value (7 for both audio
/// and video). Each round consumes at least two bytes, so the loop ends with the input.
pub(crate) fn read_mod_ex(
    r: &mut Bytes<'_>,
    first: u8,
    modex: u8,
) -> Result<(u8, Option<u32>), MediaError> {
    let mut packet_type = first;
    let mut offset_ns = None;
    while packet_type == modex {
        let mut size = usize::from(r.u8("modExDataSize")?) + 1;
        if size == 256 {
            size = usize::from(r.u16("modExDataSize (16 bits)")?) + 1;
        }
        let data = r.take(size, "modExData")?;
        let next = r.u8("packetModExType")?;
        packet_type = next & 0x0f;
        // TimestampOffsetNano (0): the first three bytes (the specification requires at
        // least three). Other modifiers are not defined yet; their size lets us skip them.
        if next >> 4 == 0 {
            if let Some(&[a, b, c]) = data.first_chunk::<3>() {
                offset_ns = Some(u32::from_be_bytes([0, a, b, c]));
            }
        }
    }
    Ok((packet_type, offset_ns))
}

/// The multitrack byte after a Multitrack packet type: the kind and the packet type of the
/// tracks. `multitrack` and `modex` are the packet type values of Multitrack and ModEx.
pub(crate) fn read_multitrack_header(
    r: &mut Bytes<'_>,
    what: &'static str,
    multitrack: u8,
    modex: u8,
) -> Result<(MultitrackKind, u8), MediaError> {
    let b = r.u8("multitrackType")?;
    let kind = match b >> 4 {
        0 => MultitrackKind::OneTrack,
        1 => MultitrackKind::ManyTracks,
        2 => MultitrackKind::ManyTracksManyCodecs,
        other => {
            return Err(MediaError::Reserved {
                what,
                field: "AvMultitrackType",
                value: u64::from(other),
            })
        }
    };
    let packet_type = b & 0x0f;
    if packet_type == multitrack || packet_type == modex {
        return Err(MediaError::Invalid {
            what,
            detail: "the packet type inside a multitrack message is Multitrack or ModEx again",
        });
    }
    Ok((kind, packet_type))
}

/// The first track of a multitrack body: its FourCC (the shared one, or its own for
/// ManyTracksManyCodecs), its id and size, and its bytes. The bytes end at the track size or at
/// the end of the input, whichever comes first (the caller may hold only the start of a large
/// message).
pub(crate) fn read_first_track<'a>(
    r: &mut Bytes<'a>,
    kind: MultitrackKind,
    shared: Option<FourCc>,
) -> Result<(FourCc, Multitrack, &'a [u8]), MediaError> {
    let code = match shared {
        Some(code) if kind != MultitrackKind::ManyTracksManyCodecs => code,
        _ => FourCc(r.fourcc("track FourCC")?),
    };
    let track_id = r.u8("trackId")?;
    let track_size = match kind {
        MultitrackKind::OneTrack => None,
        _ => Some(r.u24("sizeOfTrack")?),
    };
    let rest = r.rest();
    let body = match track_size {
        Some(size) => rest.get(..size as usize).unwrap_or(rest),
        None => rest,
    };
    Ok((
        code,
        Multitrack {
            kind,
            track_id,
            track_size,
        },
        body,
    ))
}
