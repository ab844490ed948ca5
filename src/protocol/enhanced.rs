//! Enhanced RTMP in connect's reply: what a server says it supports.
//!
//! A client that knows Enhanced RTMP lists its codecs in the connect command object
//! (`fourCcList`, v1; `videoFourCcInfoMap`, `audioFourCcInfoMap` and `capsEx`, v2: see
//! `media::synth::connect`), and a server that knows it answers with the same properties in its
//! `_result` command object. Servers that predate it (nginx-rtmp 1.1.4) answer with none of them.
//!
//! [`advertised`] reads them as sent: the FourCC strings of the list, each map's FourCC keys with
//! their `FourCcInfoMask` numbers, and `capsEx`. The reply is server data: at most
//! [`MAX_ENTRIES`] entries are kept of each list (the rest are counted), a value of the wrong
//! type is kept as "not a number" rather than refused, and nothing is sanitised here (the report
//! does that, once).

use super::amf0::Value;

/// The most entries kept of `fourCcList` and of each info map (the probe sends 5 FourCCs; the
/// specification defines about a dozen).
pub const MAX_ENTRIES: usize = 32;

/// The Enhanced RTMP properties of a connect reply, as the server sent them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Advertised {
    /// `fourCcList`: the FourCC strings, in order (a value that is not a string is kept as its
    /// AMF0 type name in brackets, e.g. `[number]`).
    pub fourcc_list: Option<Vec<String>>,
    /// `videoFourCcInfoMap`: each FourCC (or `*`) and its mask (`None` when not a number).
    pub video_fourcc_info_map: Option<Vec<(String, Option<f64>)>>,
    /// `audioFourCcInfoMap`, likewise.
    pub audio_fourcc_info_map: Option<Vec<(String, Option<f64>)>>,
    /// `capsEx`: the extended capability flags (Reconnect 1, Multitrack 2, ModEx 4,
    /// TimestampNanoOffset 8), when it is a number.
    pub caps_ex: Option<f64>,
    /// Entries past [`MAX_ENTRIES`], in all lists together, that were not kept.
    pub left_out: usize,
}

impl Advertised {
    /// The FourCCs the server says it can take from a publisher: the list's, and each map's
    /// entries with CanDecode (1) or CanForward (4) set; `*` stands for any.
    pub fn accepts(&self, fourcc: &str) -> bool {
        let in_list = self
            .fourcc_list
            .as_ref()
            .is_some_and(|l| l.iter().any(|f| f == fourcc || f == "*"));
        let in_map = [&self.video_fourcc_info_map, &self.audio_fourcc_info_map]
            .into_iter()
            .flatten()
            .flatten()
            .any(|(f, mask)| {
                (f == fourcc || f == "*")
                    && mask.is_some_and(|m| m.is_finite() && (m as i64) & (1 | 4) != 0)
            });
        in_list || in_map
    }
}

/// The Enhanced RTMP properties of connect's `_result` command object; `None` when it has none
/// of them.
pub fn advertised(properties: &Value) -> Option<Advertised> {
    let mut out = Advertised::default();
    let mut any = false;
    if let Some(list) = properties.get("fourCcList") {
        any = true;
        // A strict array as the specification has it; an object or ECMA array of strings, or a
        // lone string, as a lax encoder might send it.
        let (total, names): (usize, Vec<String>) = match list {
            Value::StrictArray(items) => (
                items.len(),
                items.iter().take(MAX_ENTRIES).map(fourcc_text).collect(),
            ),
            other => match other.properties() {
                Some(props) => (
                    props.len(),
                    props
                        .iter()
                        .take(MAX_ENTRIES)
                        .map(|(_, v)| fourcc_text(v))
                        .collect(),
                ),
                None => (1, vec![fourcc_text(other)]),
            },
        };
        out.left_out += total - names.len();
        out.fourcc_list = Some(names);
    }
    for (name, slot) in [
        ("videoFourCcInfoMap", &mut out.video_fourcc_info_map),
        ("audioFourCcInfoMap", &mut out.audio_fourcc_info_map),
    ] {
        if let Some(map) = properties.get(name) {
            any = true;
            let entries = map.properties().unwrap_or(&[]);
            let kept: Vec<(String, Option<f64>)> = entries
                .iter()
                .take(MAX_ENTRIES)
                .map(|(key, value)| (key.clone(), value.as_f64()))
                .collect();
            out.left_out += entries.len() - kept.len();
            *slot = Some(kept);
        }
    }
    if let Some(caps) = properties.get("capsEx") {
        any = true;
        out.caps_ex = caps.as_f64();
    }
    any.then_some(out)
}

fn fourcc_text(value: &Value) -> String {
    match value.as_str() {
        Some(s) => s.to_string(),
        None => format!("[{}]", value.type_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(props: Vec<(&str, Value)>) -> Value {
        Value::Object(props.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    #[test]
    fn a_reply_without_enhanced_properties_advertises_nothing() {
        let nginx = object(vec![
            ("fmsVer", "FMS/3,0,1,123".into()),
            ("capabilities", 31.0.into()),
        ]);
        assert_eq!(advertised(&nginx), None);
        assert_eq!(advertised(&Value::Null), None);
    }

    #[test]
    fn the_list_the_maps_and_caps_ex_are_read_as_sent() {
        let reply = object(vec![
            ("fmsVer", "FMS/3,0,1,123".into()),
            (
                "fourCcList",
                Value::StrictArray(vec!["hvc1".into(), "av01".into(), 7.0.into()]),
            ),
            (
                "videoFourCcInfoMap",
                object(vec![("hvc1", 5.0.into()), ("vp09", "x".into())]),
            ),
            ("capsEx", 2.0.into()),
        ]);
        let a = advertised(&reply).unwrap();
        assert_eq!(
            a.fourcc_list.as_deref(),
            Some(&["hvc1".to_string(), "av01".into(), "[number]".into()][..])
        );
        assert_eq!(
            a.video_fourcc_info_map,
            Some(vec![("hvc1".into(), Some(5.0)), ("vp09".into(), None)])
        );
        assert_eq!(a.audio_fourcc_info_map, None);
        assert_eq!(a.caps_ex, Some(2.0));
        assert_eq!(a.left_out, 0);
        assert!(a.accepts("hvc1") && a.accepts("av01"));
        assert!(!a.accepts("Opus") && !a.accepts("vp09"));
    }

    #[test]
    fn a_wildcard_and_the_forward_flag_count_as_accepting() {
        let reply = object(vec![(
            "audioFourCcInfoMap",
            object(vec![("*", 4.0.into()), ("Opus", 2.0.into())]),
        )]);
        let a = advertised(&reply).unwrap();
        assert!(a.accepts("Opus"), "the wildcard forwards anything");
        let reply = object(vec![(
            "audioFourCcInfoMap",
            object(vec![("Opus", 2.0.into())]),
        )]);
        assert!(
            !advertised(&reply).unwrap().accepts("Opus"),
            "CanEncode alone is no promise to take it"
        );
    }

    #[test]
    fn long_lists_are_cut_and_counted_and_wrong_types_do_not_fail() {
        let many: Vec<Value> = (0..1000).map(|i| format!("c{i:03}").into()).collect();
        let map = Value::EcmaArray {
            count: 0,
            properties: (0..40).map(|i| (format!("k{i}"), 1.0.into())).collect(),
        };
        let reply = object(vec![
            ("fourCcList", Value::StrictArray(many)),
            ("videoFourCcInfoMap", map),
            ("audioFourCcInfoMap", "not a map".into()),
            ("capsEx", "lots".into()),
        ]);
        let a = advertised(&reply).unwrap();
        assert_eq!(a.fourcc_list.as_ref().map(Vec::len), Some(MAX_ENTRIES));
        assert_eq!(
            a.video_fourcc_info_map.as_ref().map(Vec::len),
            Some(MAX_ENTRIES)
        );
        assert_eq!(a.audio_fourcc_info_map, Some(vec![]));
        assert_eq!(a.caps_ex, None);
        assert_eq!(a.left_out, 1000 - MAX_ENTRIES + 40 - MAX_ENTRIES);
    }
}
