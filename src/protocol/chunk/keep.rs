//! What the chunk decoder keeps of each message type: a scenario's choice, because a publisher
//! has no use for the media a server might send, and a player needs it but not all of it.

use crate::protocol::vocab::type_id;

/// How the decoder treats the messages of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    /// Parsed chunk by chunk (the chunk stream stays in step) and counted, never stored, never
    /// handed out, whatever its size.
    #[default]
    Skip,
    /// Stored and handed out whole; a header announcing more than `max` bytes is
    /// [`super::ChunkError::MessageTooLarge`] before any of its bytes are stored.
    Whole { max: u32 },
    /// The first `n` bytes stored, the rest counted and dropped; handed out with the length its
    /// header announced ([`super::RawMessage::length`]), so a 16 MiB frame costs `n` bytes.
    Prefix(u32),
}

impl Keep {
    /// The most bytes of one message this keeps.
    pub(super) fn stored(self) -> u32 {
        match self {
            Keep::Skip => 0,
            Keep::Whole { max } => max,
            Keep::Prefix(n) => n,
        }
    }
}

/// What to keep of every message type. Set Chunk Size and Abort Message act on the decoder
/// itself: they are always read whole, whatever the policy says for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeepPolicy {
    by_type: [Keep; 256],
    /// The largest of what each type keeps (see [`KeepPolicy::bound`]).
    bound: u32,
}

impl KeepPolicy {
    /// The same treatment for every type.
    pub fn all(keep: Keep) -> KeepPolicy {
        KeepPolicy {
            by_type: [keep; 256],
            bound: keep.stored(),
        }
    }

    /// This policy with `keep` for the messages of type `type_id`.
    pub fn with(mut self, type_id: u8, keep: Keep) -> KeepPolicy {
        self.set(type_id, keep);
        self
    }

    /// This policy with `keep` for each of `type_ids`.
    pub fn with_types(mut self, type_ids: &[u8], keep: Keep) -> KeepPolicy {
        for &t in type_ids {
            self.set(t, keep);
        }
        self
    }

    pub fn set(&mut self, type_id: u8, keep: Keep) {
        if let Some(slot) = self.by_type.get_mut(usize::from(type_id)) {
            *slot = keep;
        }
        self.bound = self.by_type.iter().map(|k| k.stored()).max().unwrap_or(0);
    }

    /// What is kept of messages of type `t`; Set Chunk Size and Abort Message are always kept
    /// whole (bounded by [`KeepPolicy::bound`]).
    pub fn get(&self, t: u8) -> Keep {
        let keep = self
            .by_type
            .get(usize::from(t))
            .copied()
            .unwrap_or(Keep::Skip);
        match keep {
            Keep::Skip | Keep::Prefix(_) if t == type_id::SET_CHUNK_SIZE || t == type_id::ABORT => {
                Keep::Whole { max: self.bound() }
            }
            other => other,
        }
    }

    /// The bytes all partially received messages together may hold: as much as the largest
    /// message this policy keeps (with commands whole at 64 KiB and media skipped, 64 KiB), and at
    /// least the 4 bytes of a Set Chunk Size or Abort Message.
    pub fn bound(&self) -> u32 {
        self.bound.max(4)
    }
}

/// The types a client acts on: protocol control (1 to 6, User Control included) and commands
/// (AMF0 20, and 17, AMF0 behind a format byte).
pub const CONTROL_AND_COMMANDS: [u8; 8] = [
    type_id::SET_CHUNK_SIZE,
    type_id::ABORT,
    type_id::ACKNOWLEDGEMENT,
    type_id::USER_CONTROL,
    type_id::WINDOW_ACK_SIZE,
    type_id::SET_PEER_BANDWIDTH,
    type_id::COMMAND_AMF3,
    type_id::COMMAND_AMF0,
];
