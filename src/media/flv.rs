//! FLV tags: the 11-byte tag header and the 4-byte back pointer after each tag (FLV 10.1 §E.4.1),
//! as they appear in the sub-messages of an RTMP Aggregate message (type 22; RTMP 1.0 §7.1.6)
//! and in FLV files.
//!
//! An Aggregate message is a run of `header, body, back pointer` where the header is
//! `type:8 size:24 timestamp:24 timestamp_extended:8 stream_id:24`. The specification says the
//! difference between the aggregate's own timestamp and its first sub-message's is the offset
//! that renormalises every sub-message, so [`aggregate_messages`] yields timestamps that start at
//! the aggregate's and keep the sub-messages' spacing. FMS, Wowza and Red5 send aggregates (FMS
//! puts absolute stream times in the sub-messages and the same time on the aggregate; others
//! have been seen to start sub-messages at 0), and the rebasing makes both come out right.
//!
//! Everything is borrowed; a size that runs past the end is an error and ends the iteration.
//! Back pointer values are not checked (ffmpeg does not check them either), and a missing final
//! back pointer is accepted.

use super::bits::Bytes;
use super::MediaError;

/// FLV tag types (the RTMP message type ids of the same media).
pub const TAG_AUDIO: u8 = 8;
pub const TAG_VIDEO: u8 = 9;
pub const TAG_SCRIPT_DATA: u8 = 18;

/// The size of a tag header.
pub const TAG_HEADER_SIZE: usize = 11;

/// One FLV tag or aggregate sub-message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlvTag<'a> {
    /// TagType (the low 5 bits): 8 audio, 9 video, 18 script data.
    pub tag_type: u8,
    /// The Filter bit (encrypted or pre-processed content, FLV 10.1).
    pub filter: bool,
    /// Milliseconds; rebased for aggregate sub-messages (see the module documentation).
    pub timestamp: u32,
    /// StreamID (0 in files; the aggregate's own stream id overrides it in RTMP).
    pub stream_id: u32,
    pub body: &'a [u8],
}

/// An iterator over tags, each followed by a back pointer. After an error it yields nothing
/// more.
#[derive(Debug, Clone)]
pub struct FlvTags<'a> {
    r: Bytes<'a>,
    /// For aggregates: the aggregate's timestamp, and the first sub-message's once seen.
    rebase: Option<(u32, Option<u32>)>,
    done: bool,
}

/// The sub-messages of an Aggregate message whose own timestamp is `timestamp`.
pub fn aggregate_messages(payload: &[u8], timestamp: u32) -> FlvTags<'_> {
    FlvTags {
        r: Bytes::new(payload, "aggregate message"),
        rebase: Some((timestamp, None)),
        done: false,
    }
}

impl<'a> FlvTags<'a> {
    fn read(&mut self) -> Result<FlvTag<'a>, MediaError> {
        let r = &mut self.r;
        let b = r.u8("TagType")?;
        let size = r.u24("DataSize")?;
        let low = r.u24("Timestamp")?;
        let high = r.u8("TimestampExtended")?;
        let stream_id = r.u24("StreamID")?;
        let body = r.take(size as usize, "tag body (DataSize)")?;
        match r.remaining() {
            0 => {}
            _ => r.skip(4, "PreviousTagSize (back pointer)")?,
        }
        let raw = u32::from(high) << 24 | low;
        let timestamp = match &mut self.rebase {
            None => raw,
            Some((base, first)) => {
                let first = *first.get_or_insert(raw);
                base.wrapping_add(raw.wrapping_sub(first))
            }
        };
        Ok(FlvTag {
            tag_type: b & 0x1f,
            filter: b & 0x20 != 0,
            timestamp,
            stream_id,
            body,
        })
    }
}

impl<'a> Iterator for FlvTags<'a> {
    type Item = Result<FlvTag<'a>, MediaError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.r.remaining() == 0 {
            return None;
        }
        let item = self.read();
        self.done = item.is_err();
        Some(item)
    }
}

/// The header of an FLV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlvHeader {
    pub version: u8,
    pub has_audio: bool,
    pub has_video: bool,
    pub data_offset: u32,
}

/// Reads an FLV file held in memory: its header, and an iterator over its tags.
pub fn flv_file(data: &[u8]) -> Result<(FlvHeader, FlvTags<'_>), MediaError> {
    const WHAT: &str = "FLV file";
    let mut r = Bytes::new(data, WHAT);
    if r.take(3, "signature")? != b"FLV" {
        return Err(MediaError::Invalid {
            what: WHAT,
            detail: "does not start with \"FLV\"",
        });
    }
    let version = r.u8("version")?;
    let flags = r.u8("TypeFlags")?;
    let data_offset = r.u32("DataOffset")?;
    if data_offset < 9 {
        return Err(MediaError::Invalid {
            what: WHAT,
            detail: "DataOffset is smaller than the 9-byte header",
        });
    }
    r.skip(data_offset as usize - 9, "header extension")?;
    r.skip(4, "PreviousTagSize0")?;
    let header = FlvHeader {
        version,
        has_audio: flags & 0x04 != 0,
        has_video: flags & 0x01 != 0,
        data_offset,
    };
    let tags = FlvTags {
        r: Bytes::new(r.rest(), WHAT),
        rebase: None,
        done: false,
    };
    Ok((header, tags))
}
