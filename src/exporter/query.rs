//! The query string of a request: `key=value` pairs separated by `&`, percent-decoded, `+` as a
//! space (what Prometheus's `params` and every browser send).

/// The decoded pairs, in order. A pair that does not decode to UTF-8 is an error.
pub fn parse(query: &str) -> Result<Vec<(String, String)>, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

/// The first value of `key`, as Go's `url.Values.Get` takes it.
pub fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn decode(text: &str) -> Result<String, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next().and_then(hex);
                let lo = bytes.next().and_then(hex);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => return Err("a % in the query is not followed by two hex digits".into()),
                }
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).map_err(|_| "the query does not decode to UTF-8".into())
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_percent_decoded_in_order_and_the_first_value_wins() {
        let q = parse("target=rtmp%3A%2F%2Fh%2Flive%2F%7Brandom%7D&module=pub+lish&module=x&flag")
            .unwrap();
        assert_eq!(get(&q, "target"), Some("rtmp://h/live/{random}"));
        assert_eq!(get(&q, "module"), Some("pub lish"));
        assert_eq!(get(&q, "flag"), Some(""));
        assert_eq!(get(&q, "debug"), None);
    }

    #[test]
    fn broken_escapes_and_bad_utf8_are_errors() {
        assert!(parse("target=%4").unwrap_err().contains("two hex digits"));
        assert!(parse("target=%zz").is_err());
        assert!(parse("target=%ff%fe").unwrap_err().contains("UTF-8"));
    }
}
