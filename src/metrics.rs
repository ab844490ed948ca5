//! Named values with units, and the Monitoring Plugins ranges that thresholds judge them by.
//!
//! A metric is something a check measured: a step's duration today, stream and certificate
//! figures as the play check and RTMPS add them. Each has one entry in [`DEFINITIONS`] (its name,
//! unit and the modes that measure it), which is what `-w`/`-c` validate against, what `--help`
//! lists and what perfdata labels are.
//!
//! Thresholds take the range syntax of the Monitoring Plugins development guidelines ("Threshold
//! and ranges"): `10` alerts outside 0..10 (so above 10), `10:` below 10, `~:10` above 10 with no
//! lower end, `10:20` outside 10..20, `@10:20` inside 10..20; ends are inclusive (a value equal to
//! an end does not alert outside, does alert inside). Values take the metric's units: `50ms`,
//! `2s`, `1m30s` (a bare number is seconds) for durations, `2500k`, `1.5M` for bit rates, `14d`
//! for days.

use std::fmt;
use std::time::Duration;

/// The unit of a metric, which says how its threshold values are written and how it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A duration, kept in seconds (perfdata `s`; shown in milliseconds).
    Seconds,
    /// Bits per second (`2500k`, `1.5M`).
    BitsPerSecond,
    /// Events per second, e.g. frames (a plain number).
    PerSecond,
    /// Days (`14d`, or a plain number).
    Days,
    /// A plain count.
    Count,
}

impl Unit {
    /// The unit of measure in perfdata, as the plugin guidelines allow them (empty: none).
    pub fn perfdata_uom(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::BitsPerSecond | Unit::PerSecond | Unit::Days | Unit::Count => "",
        }
    }

    /// How a value of this unit is written in a threshold, for error messages and --help.
    pub fn example(self) -> &'static str {
        match self {
            Unit::Seconds => "a duration such as 10s or 250ms (a bare number is seconds)",
            Unit::BitsPerSecond => "a bit rate such as 2500k or 1.5M (bits per second)",
            Unit::PerSecond => "a number per second such as 25",
            Unit::Days => "a number of days such as 14d or 14",
            Unit::Count => "a number such as 0 or 3",
        }
    }

    /// A value for people: `4.000 ms`, `2.50 Mbit/s`, `25.0/s`, `13.2 days`, `3`.
    pub fn show(self, v: f64) -> String {
        match self {
            Unit::Seconds => {
                if v.is_finite() && v >= 0.0 {
                    ms(Duration::from_secs_f64(v))
                } else {
                    format!("{v} s")
                }
            }
            Unit::BitsPerSecond => {
                let a = v.abs();
                if a >= 1e9 {
                    format!("{:.2} Gbit/s", v / 1e9)
                } else if a >= 1e6 {
                    format!("{:.2} Mbit/s", v / 1e6)
                } else if a >= 1e3 {
                    format!("{:.1} kbit/s", v / 1e3)
                } else {
                    format!("{v:.0} bit/s")
                }
            }
            Unit::PerSecond => format!("{v:.1}/s"),
            Unit::Days => format!("{v:.1} days"),
            Unit::Count => trim_number(v),
        }
    }

    /// Parses one end of a range in this unit. `None` when it is not a value of this unit.
    fn parse_value(self, s: &str) -> Option<f64> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if let Ok(v) = s.parse::<f64>() {
            return v.is_finite().then_some(v);
        }
        let v = match self {
            Unit::Seconds => {
                let (negative, body) = match s.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, s),
                };
                let d = parse_duration(body).ok()?.as_secs_f64();
                if negative {
                    -d
                } else {
                    d
                }
            }
            Unit::BitsPerSecond => {
                let body = s
                    .strip_suffix("bps")
                    .or_else(|| s.strip_suffix("bit/s"))
                    .or_else(|| s.strip_suffix("b/s"))
                    .unwrap_or(s);
                let (number, scale) = match body.char_indices().last() {
                    Some((i, 'k' | 'K')) => (body.get(..i)?, 1e3),
                    Some((i, 'M')) => (body.get(..i)?, 1e6),
                    Some((i, 'G')) => (body.get(..i)?, 1e9),
                    _ => (body, 1.0),
                };
                number.trim().parse::<f64>().ok()? * scale
            }
            Unit::Days => s.strip_suffix('d')?.trim().parse::<f64>().ok()?,
            Unit::PerSecond | Unit::Count => return None,
        };
        v.is_finite().then_some(v)
    }
}

/// `10s`, `250ms`, `1m30s` (humantime), or a bare number of seconds (`10`, `0.5`) as Nagios
/// plugins take them.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        if (0.0..1e9).contains(&secs) {
            return Ok(Duration::from_secs_f64(secs));
        }
        return Err(format!("{s:?} is not a usable number of seconds"));
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("{s:?} is not a duration ({e}); write e.g. 10s or 250ms"))
}

/// A duration in milliseconds for people: `0.412 ms`, `43.1 ms`, `1204 ms`.
pub fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.3} ms")
    } else if v < 1000.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.0} ms")
    }
}

/// A number with a `.` decimal point whatever the locale, at most six decimals, trailing zeros
/// trimmed: `0.2`, `0.000412`, `10`, `-3.5`.
pub fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let s = format!("{v:.6}");
    let t = s.trim_end_matches('0').trim_end_matches('.');
    if t.is_empty() || t == "-" || t == "-0" {
        "0".into()
    } else {
        t.to_string()
    }
}

/// One metric that thresholds can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Definition {
    /// The name in `-w NAME=RANGE`, perfdata and the JSON `metrics` list.
    pub name: &'static str,
    pub unit: Unit,
    /// The modes (by their `--mode` name) that measure it.
    pub modes: &'static [&'static str],
    /// What it is, for `--help` and the man page.
    pub help: &'static str,
}

mod definitions;
pub use definitions::{DEFINITIONS, WINDOW_METRICS};

/// The warning threshold on `cert_days` when neither `-w` nor `-c` names it: alert below 14 whole
/// days (docs/DECISIONS.md, "A certificate warns 14 days before it expires").
pub const DEFAULT_CERT_DAYS_WARNING: Range = Range {
    start: 14.0,
    end: f64::INFINITY,
    inside: false,
};

/// The definition of a metric by name.
pub fn definition(name: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.name == name)
}

/// A measured value of a metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    pub name: &'static str,
    pub unit: Unit,
    pub value: f64,
}

impl Metric {
    /// A duration metric.
    pub fn seconds(name: &'static str, d: Duration) -> Metric {
        Metric {
            name,
            unit: Unit::Seconds,
            value: d.as_secs_f64(),
        }
    }
}

/// A Monitoring Plugins range: alert when the value is outside `start..=end` (or inside it, for
/// `@`). The ends may be infinite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub start: f64,
    pub end: f64,
    /// `@`: alert inside the range instead of outside it.
    pub inside: bool,
}

impl Range {
    /// An alert above `limit` (the range `0..limit`), what a bare duration always meant.
    pub fn above(limit: f64) -> Range {
        Range {
            start: 0.0,
            end: limit,
            inside: false,
        }
    }

    /// Whether `value` crosses this threshold.
    pub fn alerts(&self, value: f64) -> bool {
        let within = self.start <= value && value <= self.end;
        within == self.inside
    }

    /// Parses `[@][start:][end]` with values in `unit`.
    pub fn parse(text: &str, unit: Unit) -> Result<Range, String> {
        let original = text.trim();
        let (inside, body) = match original.strip_prefix('@') {
            Some(rest) => (true, rest.trim()),
            None => (false, original),
        };
        if body.is_empty() {
            return Err("the range is empty".into());
        }
        let value = |s: &str| {
            unit.parse_value(s)
                .ok_or_else(|| format!("{s:?} is not {}", unit.example()))
        };
        let (start, end) = match body.split_once(':') {
            None => (0.0, value(body)?),
            Some((start, end)) => {
                let start = match start.trim() {
                    "~" => f64::NEG_INFINITY,
                    "" => 0.0,
                    s => value(s)?,
                };
                let end = match end.trim() {
                    "" => f64::INFINITY,
                    s => value(s)?,
                };
                if start == f64::NEG_INFINITY && end == f64::INFINITY {
                    return Err(format!(
                        "the range {original:?} has no end at all, so it can never alert"
                    ));
                }
                (start, end)
            }
        };
        if start > end {
            return Err(format!(
                "the range {original:?} is inverted (its start is above its end)"
            ));
        }
        Ok(Range { start, end, inside })
    }

    /// The upper end when the range is a plain upper bound (`10`, `0:10`, `~:10`): the form that
    /// the report's `warning_ms`/`critical_ms` fields can hold.
    pub fn upper_bound(&self) -> Option<f64> {
        (!self.inside && self.start <= 0.0 && self.end.is_finite()).then_some(self.end)
    }

    /// The range as the plugin guidelines write it in perfdata: `10`, `10:`, `~:10`, `10:20`,
    /// `@10:20`, values in the metric's base unit.
    pub fn perfdata(&self) -> String {
        let mut out = String::new();
        if self.inside {
            out.push('@');
        }
        let end = if self.end.is_finite() {
            trim_number(self.end)
        } else {
            String::new()
        };
        if self.start == 0.0 && self.end.is_finite() && !self.inside {
            out.push_str(&end);
            return out;
        }
        if self.start == f64::NEG_INFINITY {
            out.push('~');
        } else {
            out.push_str(&trim_number(self.start));
        }
        out.push(':');
        out.push_str(&end);
        out
    }

    /// Why `value` crosses this range, for people: `> 3.000 ms`, `< 2.50 Mbit/s`, `outside 10..20`.
    pub fn describe_crossing(&self, value: f64, unit: Unit) -> String {
        let show = |v: f64| unit.show(v);
        if self.inside {
            return format!("inside {}..{}", show(self.start), show(self.end));
        }
        if value > self.end {
            if self.start <= 0.0 || self.start == f64::NEG_INFINITY {
                format!("> {}", show(self.end))
            } else {
                format!("outside {}..{}", show(self.start), show(self.end))
            }
        } else if self.end == f64::INFINITY {
            format!("< {}", show(self.start))
        } else {
            format!("outside {}..{}", show(self.start), show(self.end))
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.perfdata())
    }
}

/// One threshold: a metric and the range that alerts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub metric: &'static Definition,
    pub range: Range,
}

/// The thresholds of one level (warning or critical), at most one per metric.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    pub items: Vec<Threshold>,
}

impl Limits {
    /// The range set for a metric.
    pub fn for_metric(&self, name: &str) -> Option<&Range> {
        self.items
            .iter()
            .find(|t| t.metric.name == name)
            .map(|t| &t.range)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Parses `-w`/`-c` values: `[NAME=]RANGE` items, repeated or separated by commas; a bare
    /// range is for `total`. A later item for the same metric replaces an earlier one. `flag`
    /// names the option in errors; `mode` is the `--mode` name, whose metrics are allowed.
    pub fn parse(flag: &str, items: &[String], mode: &str) -> Result<Limits, String> {
        let mut limits = Limits::default();
        for item in items.iter().flat_map(|i| i.split(',')).map(str::trim) {
            if item.is_empty() {
                continue;
            }
            let (name, range) = match item.split_once('=') {
                Some((name, range)) => (name.trim(), range),
                None => ("total", item),
            };
            let Some(metric) = definition(name) else {
                let names: Vec<&str> = DEFINITIONS
                    .iter()
                    .filter(|d| d.modes.contains(&mode))
                    .map(|d| d.name)
                    .collect();
                return Err(format!(
                    "{flag}: unknown metric {name:?}; use one of {}",
                    names.join(", ")
                ));
            };
            if !metric.modes.contains(&mode) {
                return Err(format!(
                    "{flag}: {name} is not measured in --mode {mode} (it is in --mode {})",
                    metric.modes.join(", ")
                ));
            }
            let range =
                Range::parse(range, metric.unit).map_err(|e| format!("{flag}: {name}: {e}"))?;
            limits.items.retain(|t| t.metric.name != name);
            limits.items.push(Threshold { metric, range });
        }
        Ok(limits)
    }
}

#[cfg(test)]
mod tests;
