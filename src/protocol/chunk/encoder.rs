//! Splitting messages into chunks (RTMP 1.0 specification §5.3).
//!
//! Header choice for the first chunk of a message, per chunk stream:
//!
//! - fmt 0 for the first message on the chunk stream, when the message stream id changes, or when
//!   the timestamp goes backwards (deltas are unsigned);
//! - fmt 1 when the length or the type id changes;
//! - fmt 3 when length, type, stream id and delta all equal the previous message's and the
//!   previous header carried a delta (fmt 1, 2 or 3);
//! - fmt 2 otherwise. In particular right after a fmt 0 header a same-delta message gets fmt 2,
//!   not fmt 3: peers disagree on which delta a fmt 3 header after a fmt 0 header implies (ffmpeg
//!   adds the whole fmt 0 timestamp again).
//!
//! Continuation chunks are fmt 3. Timestamp fields of 0xFFFFFF or more are sent as 0xFFFFFF plus
//! a 4-byte extended timestamp, which is repeated after every fmt 3 basic header that follows it
//! (as FMS, ffmpeg and librtmp do).

use std::collections::HashMap;

use super::{MessageHeader, RawMessage, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE};

/// Lowest and highest chunk stream ids a basic header can carry.
const MIN_CSID: u32 = 2;
const MAX_CSID: u32 = 65599;
/// Largest message length a message header can carry (24 bits).
const MAX_LENGTH: u32 = 0x00ff_ffff;
const EXTENDED: u32 = 0x00ff_ffff;

/// A message that cannot be put into chunks. All are mistakes of the caller, not of the peer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("chunk stream id {csid} is outside 2..=65599")]
    InvalidChunkStreamId { csid: u32 },
    #[error("message payload of {len} bytes does not fit the 24-bit length field (16777215 bytes at most)")]
    PayloadTooLong { len: usize },
    #[error("a payload of {len} bytes was written with chunk headers planned for {planned} bytes")]
    LengthMismatch { planned: u32, len: usize },
}

/// The header of the last message sent on a chunk stream.
#[derive(Debug, Clone, Copy)]
struct LastHeader {
    timestamp: u32,
    /// The timestamp field of that header: the delta for fmt 1/2/3, the timestamp for fmt 0.
    ts_field: u32,
    /// Whether that header carried a delta (fmt 1, 2 or 3).
    carried_delta: bool,
    length: u32,
    type_id: u8,
    stream_id: u32,
}

/// Splits messages into chunks, choosing the most compact header for each chunk stream.
#[derive(Debug)]
pub struct ChunkEncoder {
    chunk_size: u32,
    streams: HashMap<u32, LastHeader>,
}

/// The chunk headers [`ChunkEncoder::plan`] chose for one message. [`ChunkPlan::write`] writes
/// them around a payload of the planned length; writing it twice, once with the real payload and
/// once with a masked copy of it, gives a packet trace that shows the very chunks that were sent
/// with no secret split across them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    csid: u32,
    fmt: u8,
    ts_field: u32,
    length: u32,
    type_id: u8,
    stream_id: u32,
    chunk_size: u32,
}

impl ChunkEncoder {
    /// An encoder with the default chunk size of 128 and no header memory.
    pub fn new() -> Self {
        ChunkEncoder {
            chunk_size: DEFAULT_CHUNK_SIZE,
            streams: HashMap::new(),
        }
    }

    /// Our outgoing chunk size.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// Sets our outgoing chunk size for the messages encoded from now on. The caller sends the Set
    /// Chunk Size message (encoded at the old size) first. Values are clamped into
    /// 1..=0x7fffffff, the range the message can carry.
    pub fn set_chunk_size(&mut self, size: u32) {
        self.chunk_size = size.clamp(1, MAX_CHUNK_SIZE);
    }

    /// Appends the chunks of `msg` to `out`. On error nothing is written and no state changes.
    pub fn encode(&mut self, msg: &RawMessage, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.plan(&msg.header(), msg.payload.len())?
            .write(&msg.payload, out)
    }

    /// Chooses the chunk headers of a message of `len` payload bytes and remembers them for the
    /// next message on its chunk stream. On error no state changes.
    pub fn plan(&mut self, header: &MessageHeader, len: usize) -> Result<ChunkPlan, EncodeError> {
        let csid = header.csid;
        if !(MIN_CSID..=MAX_CSID).contains(&csid) {
            return Err(EncodeError::InvalidChunkStreamId { csid });
        }
        let length = match u32::try_from(len) {
            Ok(length) if length <= MAX_LENGTH => length,
            _ => return Err(EncodeError::PayloadTooLong { len }),
        };
        let ts = header.timestamp;
        let (fmt, ts_field) = match self.streams.get(&csid) {
            Some(prev) if prev.stream_id == header.stream_id && ts >= prev.timestamp => {
                let delta = ts - prev.timestamp;
                if prev.length != length || prev.type_id != header.type_id {
                    (1, delta)
                } else if prev.carried_delta && prev.ts_field == delta {
                    (3, delta)
                } else {
                    (2, delta)
                }
            }
            _ => (0u8, ts),
        };
        self.streams.insert(
            csid,
            LastHeader {
                timestamp: ts,
                ts_field,
                carried_delta: fmt != 0,
                length,
                type_id: header.type_id,
                stream_id: header.stream_id,
            },
        );
        Ok(ChunkPlan {
            csid,
            fmt,
            ts_field,
            length,
            type_id: header.type_id,
            stream_id: header.stream_id,
            chunk_size: self.chunk_size,
        })
    }
}

impl ChunkPlan {
    /// Appends the planned chunks with `payload` in them to `out`; `payload` must have the planned
    /// length (nothing is written otherwise).
    pub fn write(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let len = payload.len();
        if u32::try_from(len) != Ok(self.length) {
            return Err(EncodeError::LengthMismatch {
                planned: self.length,
                len,
            });
        }
        let (csid, fmt, ts_field) = (self.csid, self.fmt, self.ts_field);
        let extended = ts_field >= EXTENDED;
        let basic_len = basic_header_len(csid);
        let ext_len = if extended { 4 } else { 0 };
        let chunk = usize::try_from(self.chunk_size).unwrap_or(usize::MAX);
        let chunks = len.div_ceil(chunk).max(1);
        let message_header_len = match fmt {
            0 => 11,
            1 => 7,
            2 => 3,
            _ => 0,
        };
        let first_len = basic_len + message_header_len + ext_len;
        out.reserve(first_len + (chunks - 1) * (basic_len + ext_len) + len);

        write_basic_header(out, fmt, csid);
        if fmt <= 2 {
            out.extend_from_slice(&be24(ts_field.min(EXTENDED)));
        }
        if fmt <= 1 {
            out.extend_from_slice(&be24(self.length));
            out.push(self.type_id);
        }
        if fmt == 0 {
            out.extend_from_slice(&self.stream_id.to_le_bytes());
        }
        if extended {
            out.extend_from_slice(&ts_field.to_be_bytes());
        }
        let mut pieces = payload.chunks(chunk);
        if let Some(first) = pieces.next() {
            out.extend_from_slice(first);
        }
        for piece in pieces {
            write_basic_header(out, 3, csid);
            if extended {
                out.extend_from_slice(&ts_field.to_be_bytes());
            }
            out.extend_from_slice(piece);
        }
        Ok(())
    }
}

impl Default for ChunkEncoder {
    fn default() -> Self {
        Self::new()
    }
}

fn be24(v: u32) -> [u8; 3] {
    let [_, a, b, c] = v.to_be_bytes();
    [a, b, c]
}

fn basic_header_len(csid: u32) -> usize {
    match csid {
        0..=63 => 1,
        64..=319 => 2,
        _ => 3,
    }
}

/// Writes the 1-, 2- or 3-byte basic header; `csid` is in 2..=65599.
fn write_basic_header(out: &mut Vec<u8>, fmt: u8, csid: u32) {
    let fmt = fmt << 6;
    match csid {
        0..=63 => out.push(fmt | csid as u8),
        64..=319 => out.extend_from_slice(&[fmt, (csid - 64) as u8]),
        _ => {
            let [lo, hi] = ((csid - 64) as u16).to_le_bytes();
            out.extend_from_slice(&[fmt | 1, lo, hi]);
        }
    }
}
