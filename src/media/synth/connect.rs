//! The Enhanced RTMP properties of the connect command object (Enhanced RTMP v2, "Enhancing
//! NetConnection connect Command"), as plain AMF0 values for the session to add.

use crate::protocol::amf0::Value;

use super::flv::{FOURCC_AAC, FOURCC_AV1, FOURCC_AVC, FOURCC_HEVC, FOURCC_OPUS};

/// `FourCcInfoMask` flags.
pub const CAN_DECODE: f64 = 1.0;
pub const CAN_ENCODE: f64 = 2.0;
pub const CAN_FORWARD: f64 = 4.0;

/// The video FourCCs the probe generates and reads markers from.
pub const VIDEO_FOURCCS: [[u8; 4]; 3] = [FOURCC_AV1, FOURCC_HEVC, FOURCC_AVC];
/// The audio FourCCs the probe generates.
pub const AUDIO_FOURCCS: [[u8; 4]; 2] = [FOURCC_OPUS, FOURCC_AAC];

fn name(fourcc: [u8; 4]) -> String {
    String::from_utf8_lossy(&fourcc).into_owned()
}

/// `fourCcList`: a strict array of the FourCC strings of every codec the probe can send,
/// video first.
pub fn fourcc_list() -> Value {
    Value::StrictArray(
        VIDEO_FOURCCS
            .iter()
            .chain(AUDIO_FOURCCS.iter())
            .map(|&f| Value::String(name(f)))
            .collect(),
    )
}

fn info_map(fourccs: &[[u8; 4]]) -> Value {
    // The probe encodes these streams and, playing them back, reads them: CanDecode tells a
    // server it may send them to the probe's player.
    Value::Object(
        fourccs
            .iter()
            .map(|&f| (name(f), Value::Number(CAN_DECODE + CAN_ENCODE)))
            .collect(),
    )
}

/// The properties to add to the connect command object: `fourCcList` (v1), and
/// `videoFourCcInfoMap`, `audioFourCcInfoMap` and `capsEx` (v2). `capsEx` is 0: the probe
/// claims none of Reconnect, Multitrack, ModEx or TimestampNanoOffset, but sending the property
/// tells a v2 server that the client knows it.
pub fn enhanced_connect_properties() -> Vec<(String, Value)> {
    vec![
        ("fourCcList".into(), fourcc_list()),
        ("videoFourCcInfoMap".into(), info_map(&VIDEO_FOURCCS)),
        ("audioFourCcInfoMap".into(), info_map(&AUDIO_FOURCCS)),
        ("capsEx".into(), Value::Number(0.0)),
    ]
}
