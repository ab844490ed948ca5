//! `allow_targets`: which hosts the exporter may connect to. An exporter that probes whatever URL
//! it is handed is a request-forgery tool (anyone who reaches it can make it connect anywhere its
//! network can, and read timings back), so a target is checked here before any connection is made,
//! and a host outside the list gets HTTP 403.
//!
//! An entry is one of:
//! - a host name, `ingest.example.com`: that name exactly (case and a trailing dot do not matter);
//! - a glob, `*.ingest.example.com` or `edge-*.example.com`: `*` stands for one or more characters
//!   of one label (no dots), and a leading `*.` for one or more whole labels, so
//!   `*.ingest.example.com` allows `a.ingest.example.com` and `a.b.ingest.example.com` but not
//!   `ingest.example.com` itself; a lone `*` allows every target (an open exporter, on purpose);
//! - an IP address or a CIDR block, `10.20.0.0/16`, `2001:db8::/32`, `127.0.0.1`, `::1`: IP literal
//!   targets inside it (an IPv4-mapped IPv6 literal such as `::ffff:10.20.0.1` counts as its IPv4
//!   address).
//!
//! What is checked is the host the session connects to, as written: names are NOT resolved for the
//! check. Allowing a name trusts whoever controls its DNS (a name allowed by a glob can point at any
//! address); to pin addresses, list IP literals or CIDRs, which match IP literal targets only. A
//! host that looks numeric but is not a canonical IP address (`2130706433`, `0x7f.1`, `127.1`, which
//! the system resolver would turn into addresses) is refused before any list is looked at.
//!
//! An absent or empty list allows loopback only (`127.0.0.0/8`, `::1`, `localhost`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One entry of the list, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// A lone `*`.
    Any,
    /// A name, lowercase, without a trailing dot.
    Name(String),
    /// `*.rest`: one or more labels, then `.rest` (lowercase, without a trailing dot).
    Suffix(String),
    /// Labels, each a pattern in which `*` is one or more characters.
    Labels(Vec<String>),
    /// An address block: the address with its host bits cleared, and the prefix length.
    Net(IpAddr, u8),
}

/// The parsed `allow_targets` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<Entry>,
    /// Whether the list was empty or absent, so that only loopback is allowed.
    pub loopback_only: bool,
}

/// Why a host is not probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The host is outside the list.
    NotAllowed,
    /// The host looks numeric but is not a canonical IP address.
    NotCanonical,
}

impl AllowList {
    /// Parses the entries; the error names the bad entry.
    pub fn parse(entries: &[String]) -> Result<AllowList, String> {
        if entries.is_empty() {
            return Ok(AllowList {
                entries: vec![
                    Entry::Net(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), 8),
                    Entry::Net(IpAddr::V6(Ipv6Addr::LOCALHOST), 128),
                    Entry::Name("localhost".into()),
                ],
                loopback_only: true,
            });
        }
        let entries = entries
            .iter()
            .map(|e| parse_entry(e).map_err(|why| format!("allow_targets: {e:?}: {why}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AllowList {
            entries,
            loopback_only: false,
        })
    }

    /// Whether every target is allowed (a lone `*` in the list).
    pub fn is_open(&self) -> bool {
        self.entries.contains(&Entry::Any)
    }

    /// Checks the host a session would connect to (IPv6 without brackets).
    pub fn check(&self, host: &str) -> Result<(), Denied> {
        let host = host.strip_suffix('.').unwrap_or(host);
        if let Some(ip) = parse_ip(host) {
            let ip = canonical(ip);
            return match self.entries.iter().any(|e| match e {
                Entry::Any => true,
                Entry::Net(net, prefix) => contains(*net, *prefix, ip),
                Entry::Name(_) | Entry::Suffix(_) | Entry::Labels(_) => false,
            }) {
                true => Ok(()),
                false => Err(Denied::NotAllowed),
            };
        }
        if looks_numeric(host) {
            return Err(Denied::NotCanonical);
        }
        let name = host.to_ascii_lowercase();
        let allowed = self.entries.iter().any(|e| match e {
            Entry::Any => true,
            Entry::Name(n) => *n == name,
            Entry::Suffix(rest) => name
                .strip_suffix(rest.as_str())
                .is_some_and(|head| !head.is_empty() && !head.starts_with('.')),
            Entry::Labels(patterns) => {
                let labels: Vec<&str> = name.split('.').collect();
                labels.len() == patterns.len()
                    && labels
                        .iter()
                        .zip(patterns)
                        .all(|(label, pattern)| glob_label(pattern, label))
            }
            Entry::Net(..) => false,
        });
        match allowed {
            true => Ok(()),
            false => Err(Denied::NotAllowed),
        }
    }
}

fn parse_entry(text: &str) -> Result<Entry, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("an empty entry".into());
    }
    if t == "*" {
        return Ok(Entry::Any);
    }
    if let Some((addr, prefix)) = t.split_once('/') {
        let ip = parse_ip(addr).ok_or("not an IP address before the /")?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| format!("the prefix length must be a number from 0 to {max}"))?;
        return Ok(net(ip, prefix));
    }
    if let Some(ip) = parse_ip(t) {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        return Ok(net(ip, max));
    }
    let name = t.strip_suffix('.').unwrap_or(t).to_ascii_lowercase();
    if looks_numeric(&name) {
        return Err("looks like an IP address but is not one (write it as a.b.c.d)".into());
    }
    if name.split('.').any(str::is_empty) {
        return Err("a host name with an empty label".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*')))
    {
        return Err(format!(
            "{bad:?} is not allowed in a host name (write a name, a *.glob, an IP or a CIDR)"
        ));
    }
    if let Some(rest) = name.strip_prefix("*.") {
        if !rest.contains('*') {
            return Ok(Entry::Suffix(format!(".{rest}")));
        }
    }
    if name.contains('*') {
        if name.contains("**") {
            return Err("** is not a glob here: write *.example.com".into());
        }
        return Ok(Entry::Labels(name.split('.').map(str::to_string).collect()));
    }
    Ok(Entry::Name(name))
}

/// An IP address as URLs and lists write them: dotted IPv4, IPv6 without brackets (brackets are
/// taken off if given).
fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    text.parse().ok()
}

/// An IPv4-mapped IPv6 address is its IPv4 address: a connection to it goes there.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn net(ip: IpAddr, prefix: u8) -> Entry {
    let ip = canonical(ip);
    // A mapped block written in IPv6 (::ffff:10.0.0.0/104) becomes its IPv4 block.
    let prefix = match (ip, prefix) {
        (IpAddr::V4(_), p) if p > 32 => p.saturating_sub(96),
        (_, p) => p,
    };
    Entry::Net(masked(ip, prefix), prefix)
}

fn masked(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

fn contains(net: IpAddr, prefix: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
            masked(ip, prefix) == net
        }
        _ => false,
    }
}

/// Whether the system resolver could read this name as a number (its last label is all digits,
/// or hexadecimal `0x..`): no DNS name ends so, and `inet_aton` forms such as `127.1` do.
fn looks_numeric(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
    hex || (!last.is_empty() && last.chars().all(|c| c.is_ascii_digit()))
}

/// One label against a pattern in which `*` is one or more characters.
fn glob_label(pattern: &str, label: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == label,
        Some((head, tail)) => {
            let Some(rest) = label.strip_prefix(head) else {
                return false;
            };
            // The star takes at least one character, then the tail matches what follows.
            rest.char_indices()
                .skip(1)
                .map(|(i, _)| i)
                .chain(std::iter::once(rest.len()))
                .filter(|&i| i > 0)
                .any(|i| rest.get(i..).is_some_and(|after| glob_label(tail, after)))
        }
    }
}

#[cfg(test)]
mod tests;
