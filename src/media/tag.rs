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

/// The packet type codes of a tag kind (audio and video number them differently).
pub(crate) struct PacketTypes {
    pub(crate) what: &'static str,
    pub(crate) fourcc_field: &'static str,
    pub(crate) multitrack: u8,
    pub(crate) modex: u8,
}

/// The rest of an Ex header after its ModEx modifiers.
pub(crate) struct ExTail<'a> {
    /// The packet type (of the tracks, for a Multitrack packet).
    pub(crate) packet_type: u8,
    pub(crate) code: FourCc,
    pub(crate) multitrack: Option<Multitrack>,
    /// The bytes after the header (of the first track).
    pub(crate) body: &'a [u8],
}

/// What follows the ModEx modifiers of an Ex header: the FourCC, or for a Multitrack packet the
/// multitrack byte (kind and the tracks' packet type), the shared FourCC unless each track has
/// its own, and the first track (its FourCC, id and size). Returns the packet type, the FourCC,
/// the multitrack signalling and the first track's bytes ([`ExTail`]), which end at the track size or at the
/// end of the input, whichever comes first (the caller may hold only the start of a large
/// message).
pub(crate) fn read_fourcc_and_track<'a>(
    r: &mut Bytes<'a>,
    packet_type: u8,
    types: &PacketTypes,
) -> Result<ExTail<'a>, MediaError> {
    if packet_type != types.multitrack {
        let code = FourCc(r.fourcc(types.fourcc_field)?);
        return Ok(ExTail {
            packet_type,
            code,
            multitrack: None,
            body: r.rest(),
        });
    }
    let b = r.u8("multitrackType")?;
    let kind = match b >> 4 {
        0 => MultitrackKind::OneTrack,
        1 => MultitrackKind::ManyTracks,
        2 => MultitrackKind::ManyTracksManyCodecs,
        other => {
            return Err(MediaError::Reserved {
                what: types.what,
                field: "AvMultitrackType",
                value: u64::from(other),
            })
        }
    };
    let inner = b & 0x0f;
    if inner == types.multitrack || inner == types.modex {
        return Err(MediaError::Invalid {
            what: types.what,
            detail: "the packet type inside a multitrack message is Multitrack or ModEx again",
        });
    }
    // The shared FourCC comes before the tracks; ManyTracksManyCodecs puts one in each track.
    let code = FourCc(r.fourcc(types.fourcc_field)?);
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
    let track = Multitrack {
        kind,
        track_id,
        track_size,
    };
    Ok(ExTail {
        packet_type: inner,
        code,
        multitrack: Some(track),
        body,
    })
}
