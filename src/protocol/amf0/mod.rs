//! AMF0 (Adobe's Action Message Format 0): the values carried by RTMP command and data messages.
//!
//! [`Value`] holds one decoded value; objects keep their properties in wire order so that encoding
//! what was decoded gives the same bytes back.

mod decode;
mod encode;
mod value;

pub use decode::{decode_all, decode_value, Amf0Error};
pub use encode::{encode_all, encode_value};
pub use value::{Property, Value};
