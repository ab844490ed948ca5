//! The one error type of the media parsers.

/// Why media bytes could not be parsed. `what` names the structure being read ("H.264 SPS",
/// "AVC configuration record", ...), `field` the syntax element of its specification, so that the
/// message says where to look ("H.264 SPS: pic_width_in_mbs_minus1 is an exp-Golomb code with 32
/// or more leading zero bits"). Offsets count bytes from the start of the structure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// No bytes at all where a structure was expected (a zero-length tag).
    #[error("{what} is empty")]
    Empty { what: &'static str },
    /// A byte-aligned field is cut off.
    #[error("{what} is cut short: {field} needs {needed} bytes at offset {offset}, {left} left")]
    Truncated {
        what: &'static str,
        field: &'static str,
        offset: usize,
        needed: usize,
        left: usize,
    },
    /// A bit-level field runs past the end of the data.
    #[error("{what} is cut short inside {field}")]
    BitsExhausted {
        what: &'static str,
        field: &'static str,
    },
    /// An exp-Golomb code (H.264/H.265 `ue(v)`/`se(v)`) with 32 or more leading zero bits: no
    /// valid value is that long, so the data is corrupt (or hostile).
    #[error(
        "{what}: {field} is an exp-Golomb code with 32 or more leading zero bits (corrupt data)"
    )]
    ExpGolombTooLong {
        what: &'static str,
        field: &'static str,
    },
    /// A field outside the range its specification allows.
    #[error("{what}: {field} is {value}, more than the {max} allowed")]
    OutOfRange {
        what: &'static str,
        field: &'static str,
        value: u64,
        max: u64,
    },
    /// A version or marker field that is not the one the specification defines.
    #[error("{what}: {field} is {value}, expected {expected}")]
    Unexpected {
        what: &'static str,
        field: &'static str,
        value: u64,
        expected: u64,
    },
    /// A value the specification reserves, where its meaning (and so the layout after it) is
    /// unknown.
    #[error("{what}: {field} {value} is reserved")]
    Reserved {
        what: &'static str,
        field: &'static str,
        value: u64,
    },
    /// Anything else structurally wrong, in words.
    #[error("{what}: {detail}")]
    Invalid {
        what: &'static str,
        detail: &'static str,
    },
}

impl MediaError {
    /// True if the data ended too early (more bytes might parse), as opposed to being malformed.
    pub fn is_truncation(&self) -> bool {
        matches!(
            self,
            MediaError::Empty { .. }
                | MediaError::Truncated { .. }
                | MediaError::BitsExhausted { .. }
        )
    }
}
