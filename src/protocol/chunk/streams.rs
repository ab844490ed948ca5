//! The chunk streams of one peer (RTMP 1.0 specification §5.3.1): what each remembers of its last
//! header and the message it is reassembling, and the bounded table the decoder finds them in.

use super::decoder::ChunkError;
use super::Keep;

/// Most chunk streams one peer may open. Real servers use a handful (nginx-rtmp: 2, 3, 5); the cap
/// keeps a hostile peer from growing the table to all 65598 ids.
pub const MAX_CHUNK_STREAMS: usize = 256;

/// What one chunk stream remembers: its last header, and the message being reassembled on it.
#[derive(Debug, Default)]
pub(super) struct ChunkStream {
    /// Absolute timestamp of the current (or last) message.
    pub(super) timestamp: u32,
    /// The last timestamp-or-delta field read on this chunk stream (extended value resolved).
    pub(super) ts_field: u32,
    /// Whether the last fmt 0/1/2 header used an extended timestamp.
    pub(super) extended: bool,
    /// Whether this peer repeats the extended timestamp on fmt 3 chunks; `None` until seen.
    pub(super) repeats_extended: Option<bool>,
    pub(super) length: u32,
    pub(super) type_id: u8,
    pub(super) stream_id: u32,
    /// A message is in progress (its header was read, not all of its bytes).
    pub(super) receiving: bool,
    /// What is kept of the message in progress.
    pub(super) keep: Keep,
    /// Bytes of the message in progress received so far, stored or not.
    pub(super) received: u32,
    /// The stored bytes of the message in progress: all of them, or its prefix.
    pub(super) payload: Vec<u8>,
}

impl ChunkStream {
    /// How many of the next `n` payload bytes of the message in progress are stored.
    pub(super) fn to_store(&self, n: u32) -> u32 {
        match self.keep {
            Keep::Skip => 0,
            Keep::Whole { .. } => n,
            Keep::Prefix(k) => {
                let stored = u32::try_from(self.payload.len()).unwrap_or(u32::MAX);
                k.saturating_sub(stored).min(n)
            }
        }
    }

    /// Forgets the message in progress; returns how many stored bytes that freed.
    pub(super) fn drop_partial(&mut self) -> u64 {
        let freed = self.payload.len() as u64;
        self.payload = Vec::new();
        self.receiving = false;
        self.received = 0;
        freed
    }
}

/// The chunk streams a peer has used. Real peers use a handful (nginx-rtmp: 2, 3 and 5), so a
/// short list searched from the most recently used end beats a hash map, whose SipHash cost about a
/// third of the decoding time (four look-ups per chunk). The length is capped by
/// [`MAX_CHUNK_STREAMS`], so a hostile peer bounds the search too.
#[derive(Debug, Default)]
pub(super) struct StreamTable {
    pub(super) entries: Vec<(u32, ChunkStream)>,
}

impl StreamTable {
    pub(super) fn position(&self, csid: u32) -> Option<usize> {
        self.entries.iter().rposition(|(id, _)| *id == csid)
    }

    pub(super) fn get(&self, csid: u32) -> Option<&ChunkStream> {
        self.position(csid)
            .and_then(|i| self.entries.get(i))
            .map(|(_, s)| s)
    }

    pub(super) fn get_mut(&mut self, csid: u32) -> Option<&mut ChunkStream> {
        let i = self.position(csid)?;
        self.entries.get_mut(i).map(|(_, s)| s)
    }

    /// Adds a chunk stream that is not there yet, unless the table is full.
    pub(super) fn insert(&mut self, csid: u32) -> Result<(), ChunkError> {
        if self.entries.len() >= MAX_CHUNK_STREAMS {
            return Err(ChunkError::TooManyChunkStreams {
                max: MAX_CHUNK_STREAMS,
            });
        }
        self.entries.push((csid, ChunkStream::default()));
        Ok(())
    }

    pub(super) fn any_receiving(&self) -> bool {
        self.entries.iter().any(|(_, s)| s.receiving)
    }
}
