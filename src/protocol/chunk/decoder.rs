//! Reassembling messages from the chunk stream (RTMP 1.0 specification §5.3).
//!
//! # Header semantics
//!
//! Each chunk starts with a basic header (format `fmt` and chunk stream id, 1 to 3 bytes) and a
//! message header whose size depends on `fmt`:
//!
//! | fmt | bytes | carries |
//! |---|---|---|
//! | 0 | 11 | absolute timestamp, length, type id, message stream id |
//! | 1 | 7 | timestamp delta, length, type id |
//! | 2 | 3 | timestamp delta |
//! | 3 | 0 | nothing |
//!
//! A timestamp (or delta) field of `0xFFFFFF` means a 4-byte extended timestamp follows.
//!
//! A chunk stream should start with a fmt 0 header. Some servers open one with fmt 1, which lacks
//! the message stream id; like ffmpeg and OBS, which take the missing fields from a zeroed
//! header, the decoder reads it as message stream 0 and timestamp 0 plus the delta, and lists the
//! chunk stream ([`ChunkDecoder::opened_without_stream_id`]). A fmt 2 or 3 header on a chunk
//! stream never seen is an error: the message length is unknown.
//!
//! Every chunk stream remembers its last header. A fmt 3 chunk either continues the message in
//! progress on its chunk stream, or, when that message is complete, starts a new message with the
//! previous length, type and stream id, whose timestamp is the previous timestamp plus the last
//! timestamp field read on that chunk stream. This is ffmpeg's reading: after a fmt 1 or 2 header
//! the field is the delta (the spec's reading too); after a fmt 0 header it is the absolute
//! timestamp, so a fmt 3 new message after a fmt 0 header with timestamp `t` gets `2t`. ffmpeg
//! sends `deleteStream` as such a fmt 3 new message after `FCUnpublish`, and its media messages use
//! fmt 3 new messages all the time.
//!
//! # Extended timestamps on fmt 3 chunks
//!
//! When the last fmt 0/1/2 header of a chunk stream used an extended timestamp, FMS, Wowza, ffmpeg
//! and librtmp repeat the 4 extended bytes after the basic header of each following fmt 3 chunk;
//! other peers (and a literal reading of the spec) send none. The decoder finds out per chunk
//! stream at its first such fmt 3 chunk by peeking: if the next 4 bytes equal the stored extended
//! value they are the repeated timestamp, otherwise they are payload. The answer is remembered for
//! that chunk stream. Peeking stops at the first byte that differs, so a peer that does not repeat
//! is recognised as soon as one byte of payload differs from the timestamp.
//!
//! What stays ambiguous: a peer that does not repeat, whose first such chunk's payload happens to
//! start with the 4 bytes of the extended timestamp, is taken for a repeating peer, and its stream
//! is misread from there on (most likely ending in an error). And when that chunk carries fewer
//! than 4 payload bytes that all equal the start of the timestamp, the decoder waits for the bytes
//! after them before it can decide, which stalls if the peer sends nothing more.
//!
//! # Bounds
//!
//! What is kept of each message type is the caller's [`KeepPolicy`]: whole up to a maximum
//! ([`Keep::Whole`]: a header announcing more is rejected before any payload is stored), only a
//! prefix ([`Keep::Prefix`]: the rest is counted and dropped, the message comes out with its full
//! announced length), or nothing ([`Keep::Skip`]: parsed chunk by chunk and counted, so a
//! publishing client pays nothing for the media a server might send it). All partially received
//! messages together may not hold more than the largest message the policy keeps
//! ([`KeepPolicy::bound`]). Reassembly buffers grow as bytes arrive (at most 64 KiB is reserved
//! up front), and payload bytes go straight from the input into the buffer of their chunk stream.
//! At most 18 bytes of a chunk header are held while waiting for the rest.

use super::streams::StreamTable;
use super::{Keep, KeepPolicy, RawMessage, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE};
use crate::protocol::vocab::type_id::{ABORT as TYPE_ABORT, SET_CHUNK_SIZE as TYPE_SET_CHUNK_SIZE};
use crate::protocol::Limits;
use bytes::Bytes;

/// Longest chunk header: 3-byte basic header, 11-byte message header, 4-byte extended timestamp.
const MAX_HEADER_LEN: usize = 18;
/// Most capacity reserved for a message before its bytes arrive.
const RESERVE_CAP: usize = 64 * 1024;
/// The timestamp field value announcing an extended timestamp.
const EXTENDED: u32 = 0x00ff_ffff;

/// A chunk-stream protocol violation by the peer. None of these can become valid with more bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    #[error("chunk header refers to chunk stream {csid}, which has no previous header")]
    UnknownChunkStream { csid: u32 },
    #[error(
        "message on chunk stream {csid} announces {len} bytes, more than the limit of {max} bytes"
    )]
    MessageTooLarge {
        csid: u32,
        type_id: u8,
        len: u32,
        max: u32,
    },
    #[error(
        "partially received messages would hold {buffered} bytes, more than the limit of {max} bytes"
    )]
    BufferLimitExceeded { buffered: u64, max: u32 },
    #[error("peer set the chunk size to {size}, outside 1..=2147483647")]
    InvalidChunkSize { size: u32 },
    #[error("set chunk size message has {len} payload bytes, it needs 4")]
    SetChunkSizeTooShort { len: usize },
    #[error("peer opened more than {max} chunk streams")]
    TooManyChunkStreams { max: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a chunk header.
    Header,
    /// Copying `remaining` payload bytes of the current chunk into chunk stream `csid`.
    Payload { csid: u32, remaining: u32 },
}

/// A parsed chunk header.
#[derive(Debug, Clone, Copy)]
struct Header {
    fmt: u8,
    csid: u32,
    /// Header bytes, basic header and extended timestamp included.
    len: usize,
    /// Timestamp or delta field (fmt 0..=2), extended value resolved.
    ts_field: u32,
    extended: bool,
    /// Message length and type id (fmt 0 and 1).
    length: u32,
    type_id: u8,
    /// Message stream id (fmt 0).
    stream_id: u32,
    /// For a fmt 3 chunk: what peeking found out about extended timestamp repetition.
    repeat_decision: Option<bool>,
}

enum Parsed {
    /// At least this many header bytes (counted from the start of the header) are needed.
    Need(usize),
    Done(Header),
}

/// Takes fixed-size fields from the front of the header bytes held so far.
struct Fields<'a> {
    rest: &'a [u8],
    used: usize,
}

impl<'a> Fields<'a> {
    /// The next `N` bytes, or `Err(total)` with the header length needed to have them.
    fn take<const N: usize>(&mut self) -> Result<[u8; N], usize> {
        match self.rest.split_first_chunk::<N>() {
            Some((field, rest)) => {
                self.rest = rest;
                self.used += N;
                Ok(*field)
            }
            None => Err(self.used + N),
        }
    }
}

fn be24(b: [u8; 3]) -> u32 {
    let [b0, b1, b2] = b;
    u32::from_be_bytes([0, b0, b1, b2])
}

/// Reads the message header of a fmt 0, 1 or 2 chunk and its extended timestamp, if any, into
/// `header`; `Err` carries the header length needed to go on.
fn read_message_header(fmt: u8, f: &mut Fields<'_>, header: &mut Header) -> Result<(), usize> {
    let ts = f.take::<3>()?;
    if fmt <= 1 {
        let len = f.take::<3>()?;
        let [type_id] = f.take::<1>()?;
        header.length = be24(len);
        header.type_id = type_id;
    }
    if fmt == 0 {
        header.stream_id = u32::from_le_bytes(f.take::<4>()?);
    }
    header.ts_field = be24(ts);
    if header.ts_field == EXTENDED {
        header.ts_field = u32::from_be_bytes(f.take::<4>()?);
        header.extended = true;
    }
    Ok(())
}

/// Reassembles messages from chunks. Feed it any slices of the byte stream that follows the
/// handshake; it keeps per-chunk-stream header state and partial messages.
///
/// After an error the decoder keeps returning that error: the stream cannot be resynchronised.
#[derive(Debug)]
pub struct ChunkDecoder {
    policy: KeepPolicy,
    chunk_size: u32,
    streams: StreamTable,
    /// Bytes read but not yet used: the start of a chunk header, or, after peeking for a repeated
    /// extended timestamp that was not there, payload bytes (possibly followed by the start of the
    /// next header). They come before any further input.
    stash: [u8; MAX_HEADER_LEN],
    stash_len: usize,
    state: State,
    /// Payload bytes held in all partially received messages together.
    buffered: u64,
    /// Messages skipped whole, and payload bytes skipped (of partial messages too).
    skipped_messages: u64,
    skipped_bytes: u64,
    /// Messages handed out as a prefix ([`Keep::Prefix`]), and the bytes dropped after it.
    truncated_messages: u64,
    truncated_bytes: u64,
    /// Chunk streams the peer opened with a fmt 1 header (at most [`super::MAX_CHUNK_STREAMS`]).
    opened_by_fmt1: Vec<u32>,
    failed: Option<ChunkError>,
}

impl ChunkDecoder {
    /// A decoder that keeps every message whole up to `limits.max_message_size` bytes.
    pub fn new(limits: Limits) -> Self {
        Self::with_policy(KeepPolicy::all(Keep::Whole {
            max: limits.max_message_size,
        }))
    }

    /// A decoder that keeps what `policy` says.
    pub fn with_policy(policy: KeepPolicy) -> Self {
        ChunkDecoder {
            policy,
            chunk_size: DEFAULT_CHUNK_SIZE,
            streams: StreamTable::default(),
            stash: [0; MAX_HEADER_LEN],
            stash_len: 0,
            state: State::Header,
            buffered: 0,
            skipped_messages: 0,
            skipped_bytes: 0,
            truncated_messages: 0,
            truncated_bytes: 0,
            opened_by_fmt1: Vec::new(),
            failed: None,
        }
    }

    /// Replaces the policy. It applies to messages that start after the call.
    pub fn set_keep(&mut self, policy: KeepPolicy) {
        self.policy = policy;
    }

    /// How many messages were skipped whole ([`Keep::Skip`]), and how many payload bytes were
    /// skipped (those of aborted or abandoned messages included).
    pub fn skipped(&self) -> (u64, u64) {
        (self.skipped_messages, self.skipped_bytes)
    }

    /// How many messages were handed out as a prefix ([`Keep::Prefix`]) of a longer message, and
    /// how many bytes after those prefixes were dropped.
    pub fn truncated(&self) -> (u64, u64) {
        (self.truncated_messages, self.truncated_bytes)
    }

    /// The chunk streams the peer opened with a fmt 1 header, which has no message stream id:
    /// their messages were read as message stream 0 (what ffmpeg and OBS do, taking the missing
    /// field from a zeroed header). Strictly the first chunk on a chunk stream is fmt 0.
    pub fn opened_without_stream_id(&self) -> &[u32] {
        &self.opened_by_fmt1
    }

    /// The chunk size the peer currently sends with (128 until it sends Set Chunk Size).
    pub fn peer_chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// Capacity of the reassembly buffer of chunk stream `csid`.
    #[cfg(test)]
    pub(super) fn reassembly_capacity(&self, csid: u32) -> Option<usize> {
        self.streams.get(csid).map(|s| s.payload.capacity())
    }

    /// True between messages: no header bytes are held and no message is partly received. A
    /// connection that ends when the decoder is not idle ended in the middle of a message.
    pub fn is_idle(&self) -> bool {
        self.stash_len == 0 && matches!(self.state, State::Header) && !self.streams.any_receiving()
    }

    /// Payload bytes currently held in partially received messages.
    pub fn buffered_bytes(&self) -> u64 {
        self.buffered
    }

    /// Consumes bytes from the front of `input` until one message is complete or `input` is used
    /// up. Returns how many bytes were consumed and the completed message, if any. Call again with
    /// the rest of the input while it consumed something or returned a message.
    ///
    /// A Set Chunk Size message from the peer takes effect for the chunk right after it; an Abort
    /// Message drops the partial message of the chunk stream it names. Both are returned as well.
    pub fn feed(&mut self, input: &[u8]) -> Result<(usize, Option<RawMessage>), ChunkError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = self.feed_inner(input);
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    fn stash(&self) -> &[u8] {
        self.stash.get(..self.stash_len).unwrap_or_default()
    }

    /// Drops the first `n` stashed bytes.
    fn unstash(&mut self, n: usize) {
        let n = n.min(self.stash_len);
        self.stash.copy_within(n..self.stash_len, 0);
        self.stash_len -= n;
    }

    fn feed_inner(&mut self, input: &[u8]) -> Result<(usize, Option<RawMessage>), ChunkError> {
        let mut pos = 0usize;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            match self.state {
                State::Header => match self.parse_header(self.stash())? {
                    Parsed::Need(total) => {
                        let want = total
                            .min(MAX_HEADER_LEN)
                            .saturating_sub(self.stash_len)
                            .min(rest.len());
                        if want == 0 {
                            return Ok((pos, None));
                        }
                        let bytes = rest.get(..want).unwrap_or_default();
                        let end = self.stash_len + want;
                        let Some(dst) = self.stash.get_mut(self.stash_len..end) else {
                            return Ok((pos, None));
                        };
                        dst.copy_from_slice(bytes);
                        self.stash_len = end;
                        pos += want;
                    }
                    Parsed::Done(header) => {
                        self.unstash(header.len);
                        if let Some(msg) = self.start_chunk(header)? {
                            return Ok((pos, Some(msg)));
                        }
                    }
                },
                State::Payload { csid, remaining } => {
                    let from_stash = self.stash_len > 0;
                    let stash = self.stash;
                    let source = if from_stash {
                        stash.get(..self.stash_len).unwrap_or_default()
                    } else {
                        rest
                    };
                    if source.is_empty() {
                        return Ok((pos, None));
                    }
                    let n = source
                        .len()
                        .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    let bytes = source.get(..n).unwrap_or_default();
                    let Some(stream) = self.streams.get_mut(csid) else {
                        return Err(ChunkError::UnknownChunkStream { csid });
                    };
                    // n <= remaining, which fits in u32.
                    let n32 = u32::try_from(n).unwrap_or(u32::MAX);
                    let store = stream.to_store(n32);
                    stream.received = stream.received.saturating_add(n32);
                    let kept = bytes
                        .get(..usize::try_from(store).unwrap_or(usize::MAX))
                        .unwrap_or(bytes);
                    stream.payload.extend_from_slice(kept);
                    self.buffered = self.buffered.saturating_add(kept.len() as u64);
                    let dropped = u64::from(n32 - store);
                    if stream.keep == Keep::Skip {
                        self.skipped_bytes = self.skipped_bytes.saturating_add(dropped);
                    } else {
                        self.truncated_bytes = self.truncated_bytes.saturating_add(dropped);
                    }
                    if from_stash {
                        self.unstash(n);
                    } else {
                        pos += n;
                    }
                    // n <= remaining, and remaining fits in u32.
                    let remaining = remaining - u32::try_from(n).unwrap_or(remaining);
                    if remaining > 0 {
                        self.state = State::Payload { csid, remaining };
                        continue;
                    }
                    self.state = State::Header;
                    if let Some(msg) = self.finish_if_complete(csid)? {
                        return Ok((pos, Some(msg)));
                    }
                }
            }
        }
    }

    /// Parses a chunk header from the front of `bytes`, or says how many bytes it needs.
    fn parse_header(&self, bytes: &[u8]) -> Result<Parsed, ChunkError> {
        let mut f = Fields {
            rest: bytes,
            used: 0,
        };
        let [b0] = match f.take::<1>() {
            Ok(b) => b,
            Err(need) => return Ok(Parsed::Need(need)),
        };
        let fmt = b0 >> 6;
        let csid = match b0 & 0x3f {
            0 => match f.take::<1>() {
                Ok([b]) => 64 + u32::from(b),
                Err(need) => return Ok(Parsed::Need(need)),
            },
            1 => match f.take::<2>() {
                Ok(b) => 64 + u32::from(u16::from_le_bytes(b)),
                Err(need) => return Ok(Parsed::Need(need)),
            },
            n => u32::from(n),
        };
        let known = self.streams.get(csid);
        // A fmt 1 header carries all but the message stream id: it may open a chunk stream
        // (message stream 0, as ffmpeg and OBS read it). After fmt 2 or 3 the length is unknown.
        if fmt >= 2 && known.is_none() {
            return Err(ChunkError::UnknownChunkStream { csid });
        }
        let mut header = Header {
            fmt,
            csid,
            len: 0,
            ts_field: 0,
            extended: false,
            length: 0,
            type_id: 0,
            stream_id: 0,
            repeat_decision: None,
        };
        match (fmt, known) {
            (0..=2, _) => {
                let fields = read_message_header(fmt, &mut f, &mut header);
                if let Err(need) = fields {
                    return Ok(Parsed::Need(need));
                }
            }
            (_, Some(stream)) if stream.extended => match stream.repeats_extended {
                Some(true) => {
                    if let Err(need) = f.take::<4>() {
                        return Ok(Parsed::Need(need));
                    }
                }
                Some(false) => {}
                None => {
                    let expected = stream.ts_field.to_be_bytes();
                    let seen = f.rest.iter().take(4);
                    let count = seen.len();
                    if seen.zip(expected.iter()).any(|(a, b)| a != b) {
                        header.repeat_decision = Some(false);
                    } else if count == 4 {
                        if let Err(need) = f.take::<4>() {
                            return Ok(Parsed::Need(need));
                        }
                        header.repeat_decision = Some(true);
                    } else {
                        return Ok(Parsed::Need(f.used + count + 1));
                    }
                }
            },
            _ => {}
        }
        header.len = f.used;
        Ok(Parsed::Done(header))
    }

    /// Applies a parsed header to its chunk stream and starts the chunk's payload. Returns the
    /// message if it is already complete (a zero-length message).
    fn start_chunk(&mut self, h: Header) -> Result<Option<RawMessage>, ChunkError> {
        let bound = self.policy.bound();
        if h.fmt <= 1 && self.streams.get(h.csid).is_none() {
            self.streams.insert(h.csid)?;
            if h.fmt == 1 {
                self.opened_by_fmt1.push(h.csid);
            }
        }
        let Some(stream) = self.streams.get_mut(h.csid) else {
            return Err(ChunkError::UnknownChunkStream { csid: h.csid });
        };
        if h.fmt <= 2 && stream.receiving {
            // A new message header in the middle of a message: the peer gave that message up.
            let freed = stream.drop_partial();
            self.buffered = self.buffered.saturating_sub(freed);
        }
        match h.fmt {
            0 => {
                stream.timestamp = h.ts_field;
                stream.ts_field = h.ts_field;
                stream.extended = h.extended;
                stream.length = h.length;
                stream.type_id = h.type_id;
                stream.stream_id = h.stream_id;
            }
            1 | 2 => {
                stream.timestamp = stream.timestamp.wrapping_add(h.ts_field);
                stream.ts_field = h.ts_field;
                stream.extended = h.extended;
                if h.fmt == 1 {
                    stream.length = h.length;
                    stream.type_id = h.type_id;
                }
            }
            _ => {
                if let Some(decision) = h.repeat_decision {
                    stream.repeats_extended = Some(decision);
                }
                if !stream.receiving {
                    stream.timestamp = stream.timestamp.wrapping_add(stream.ts_field);
                }
            }
        }
        if !stream.receiving {
            let keep = self.policy.get(stream.type_id);
            if let Keep::Whole { max } = keep {
                if stream.length > max {
                    return Err(ChunkError::MessageTooLarge {
                        csid: h.csid,
                        type_id: stream.type_id,
                        len: stream.length,
                        max,
                    });
                }
            }
            let reserve = stream.length.min(keep.stored());
            let reserve = usize::try_from(reserve)
                .unwrap_or(usize::MAX)
                .min(RESERVE_CAP);
            stream.payload = Vec::with_capacity(reserve);
            stream.keep = keep;
            stream.received = 0;
            stream.receiving = true;
        }
        let remaining = stream
            .length
            .saturating_sub(stream.received)
            .min(self.chunk_size);
        if remaining > 0 {
            // Checked for the whole chunk before any of it is stored, so that the outcome does
            // not depend on how the input was split.
            let stored = stream.to_store(remaining);
            let buffered = self.buffered.saturating_add(u64::from(stored));
            if stored > 0 && buffered > u64::from(bound) {
                return Err(ChunkError::BufferLimitExceeded {
                    buffered,
                    max: bound,
                });
            }
            self.state = State::Payload {
                csid: h.csid,
                remaining,
            };
            Ok(None)
        } else {
            self.state = State::Header;
            self.finish_if_complete(h.csid)
        }
    }

    /// If the message on `csid` has all its bytes, hands it out and applies its effect on the
    /// chunk layer (Set Chunk Size, Abort Message).
    fn finish_if_complete(&mut self, csid: u32) -> Result<Option<RawMessage>, ChunkError> {
        let Some(stream) = self.streams.get_mut(csid) else {
            return Ok(None);
        };
        if !stream.receiving || stream.received < stream.length {
            return Ok(None);
        }
        if stream.keep == Keep::Skip {
            stream.drop_partial();
            self.skipped_messages = self.skipped_messages.saturating_add(1);
            return Ok(None);
        }
        stream.receiving = false;
        stream.received = 0;
        let payload = std::mem::take(&mut stream.payload);
        self.buffered = self.buffered.saturating_sub(payload.len() as u64);
        if (payload.len() as u64) < u64::from(stream.length) {
            self.truncated_messages = self.truncated_messages.saturating_add(1);
        }
        let msg = RawMessage {
            csid,
            timestamp: stream.timestamp,
            type_id: stream.type_id,
            stream_id: stream.stream_id,
            length: stream.length,
            payload: Bytes::from(payload),
        };
        match msg.type_id {
            TYPE_SET_CHUNK_SIZE => {
                let Some(bytes) = msg.payload.first_chunk::<4>() else {
                    return Err(ChunkError::SetChunkSizeTooShort {
                        len: msg.payload.len(),
                    });
                };
                let size = u32::from_be_bytes(*bytes);
                if size == 0 || size > MAX_CHUNK_SIZE {
                    return Err(ChunkError::InvalidChunkSize { size });
                }
                self.chunk_size = size;
            }
            TYPE_ABORT => {
                // A short Abort Message is left for the message layer to report.
                if let Some(bytes) = msg.payload.first_chunk::<4>() {
                    let target = u32::from_be_bytes(*bytes);
                    if let Some(aborted) = self.streams.get_mut(target) {
                        if aborted.receiving {
                            let freed = aborted.drop_partial();
                            self.buffered = self.buffered.saturating_sub(freed);
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(Some(msg))
    }
}
