//! AMF0 (Adobe's Action Message Format 0): the values carried by RTMP command and data messages.
//!
//! [`Value`] holds one decoded value; objects keep their properties in wire order so that encoding
//! what was decoded gives the same bytes back.
//!
//! Decoding is defensive: it never panics, checks every length field against the bytes actually
//! left before reading or allocating, and bounds nesting by [`Limits::max_amf_depth`]
//! (see [`Amf0Error`]). Text is decoded lossily (see [`Value`]).
//!
//! [`Limits::max_amf_depth`]: crate::protocol::Limits::max_amf_depth

mod decode;
mod encode;
pub(crate) mod marker;
mod value;

#[cfg(test)]
pub(crate) mod tests;

pub use decode::{decode_all, decode_value, Amf0Error};
pub use encode::{encode_all, encode_value};
pub use value::{Property, Value};
