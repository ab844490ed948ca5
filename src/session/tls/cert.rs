//! What a certificate says, for the report: subject, issuer, names, validity and the days left.
//!
//! The certificate is the server's, so its text is untrusted: every string is bounded and has its
//! control characters replaced before anything else sees it, and a certificate that does not parse
//! gives `None`, never a panic.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{SystemTime, UNIX_EPOCH};

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// At most this many characters of a subject or issuer are kept (the rest becomes `…`).
pub const MAX_NAME_CHARS: usize = 256;
/// At most this many subject alternative names are kept (CDN certificates carry a hundred or more).
pub const MAX_SANS: usize = 100;
/// At most this many characters of one name are kept.
pub const MAX_SAN_CHARS: usize = 253;

const SECONDS_PER_DAY: i64 = 86_400;

/// A point in time from a certificate, in whole seconds since 1970 (negative before).
/// Displays as RFC 3339 in UTC, `2026-01-31T12:00:00Z`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CertTime(pub i64);

impl CertTime {
    pub fn unix(self) -> i64 {
        self.0
    }

    /// `now` in whole seconds since 1970 (negative before), rounded up: certificate times are
    /// whole seconds, and the time left must never be overstated (90 days minus a moment is
    /// 89 whole days).
    pub fn from_system(now: SystemTime) -> CertTime {
        match now.duration_since(UNIX_EPOCH) {
            Ok(after) => CertTime(
                i64::try_from(after.as_secs())
                    .unwrap_or(i64::MAX)
                    .saturating_add(i64::from(after.subsec_nanos() > 0)),
            ),
            Err(before) => CertTime(
                i64::try_from(before.duration().as_secs())
                    .map(|s| -s)
                    .unwrap_or(i64::MIN),
            ),
        }
    }

    /// Whole days from `now` until this time, rounded down: 0 in the last day before it, -1 in
    /// the first day after it. A threshold `cert_days=7:` alerts when fewer than 7 whole days are
    /// left.
    pub fn days_from(self, now: CertTime) -> i64 {
        self.0.saturating_sub(now.0).div_euclid(SECONDS_PER_DAY)
    }
}

impl fmt::Display for CertTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(SECONDS_PER_DAY);
        let secs = self.0.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01), by the well-known
/// era arithmetic (400-year eras of 146097 days).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era.saturating_mul(400) + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// "3 days", "1 day", "5 hours": a span for messages, in the largest unit that is at least 1.
pub fn span_words(seconds: i64) -> String {
    let seconds = seconds.unsigned_abs();
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if seconds >= SECONDS_PER_DAY as u64 {
        plural(seconds / SECONDS_PER_DAY as u64, "day")
    } else if seconds >= 3600 {
        plural(seconds / 3600, "hour")
    } else if seconds >= 60 {
        plural(seconds / 60, "minute")
    } else {
        plural(seconds, "second")
    }
}

/// One certificate as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// The subject's distinguished name, e.g. `CN=localhost, O=Example`.
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses from the subject alternative name extension, as written
    /// (`*.example.com`, `127.0.0.1`, `::1`), at most [`MAX_SANS`].
    pub sans: Vec<String>,
    /// How many names there were beyond [`MAX_SANS`].
    pub sans_left_out: usize,
    pub not_before: CertTime,
    pub not_after: CertTime,
    /// Whole days from the check's `now` to `not_after` (negative once expired).
    pub days_left: i64,
}

impl CertInfo {
    /// Parses a DER certificate; `None` when it is not a certificate x509-parser can read.
    pub fn from_der(der: &[u8], now: SystemTime) -> Option<CertInfo> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let validity = cert.validity();
        let not_before = CertTime(validity.not_before.timestamp());
        let not_after = CertTime(validity.not_after.timestamp());
        let (sans, sans_left_out) = subject_alt_names(&cert);
        Some(CertInfo {
            subject: clean_bounded(&cert.subject().to_string(), MAX_NAME_CHARS),
            issuer: clean_bounded(&cert.issuer().to_string(), MAX_NAME_CHARS),
            sans,
            sans_left_out,
            not_before,
            not_after,
            days_left: not_after.days_from(CertTime::from_system(now)),
        })
    }

    /// Issuer and subject are the same name: the certificate says it issued itself.
    pub fn self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// The names for a message: up to `shown` of them, then "and N more".
    pub fn names_words(&self, shown: usize) -> String {
        if self.sans.is_empty() {
            return format!("no DNS or IP names (subject {})", quoted(&self.subject));
        }
        let mut words = self
            .sans
            .iter()
            .take(shown)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let more = self.sans.len().saturating_sub(shown) + self.sans_left_out;
        if more > 0 {
            words.push_str(&format!(" and {more} more"));
        }
        words
    }
}

fn subject_alt_names(cert: &X509Certificate<'_>) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut left_out = 0usize;
    let Ok(Some(extension)) = cert.subject_alternative_name() else {
        return (names, left_out);
    };
    for name in &extension.value.general_names {
        let text = match name {
            GeneralName::DNSName(dns) => clean_bounded(dns, MAX_SAN_CHARS),
            GeneralName::IPAddress(bytes) => match ip_words(bytes) {
                Some(ip) => ip,
                None => continue,
            },
            _ => continue,
        };
        if names.len() < MAX_SANS {
            names.push(text);
        } else {
            left_out = left_out.saturating_add(1);
        }
    }
    (names, left_out)
}

fn ip_words(bytes: &[u8]) -> Option<String> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(Ipv4Addr::from(v4).to_string());
    }
    <[u8; 16]>::try_from(bytes)
        .ok()
        .map(|v6| Ipv6Addr::from(v6).to_string())
}

/// Server text made safe to show: control characters become spaces, and at most `max` characters
/// are kept (an ellipsis marks a cut).
pub fn clean_bounded(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max.saturating_mul(4)));
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// Text in double quotes with a `"` inside escaped (the text is already clean).
pub fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\\\""))
}
