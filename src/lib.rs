//! rtmp-probe: checks whether an RTMP server really accepts a published stream.

pub mod protocol;
