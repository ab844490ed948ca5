//! Where targets come from (arguments, a targets file) and the placeholders in stream names.

use super::UsageError;

/// One target URL and where it came from, for error messages ("URL", "targets.txt line 3").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInput {
    pub origin: String,
    pub url: String,
}

impl TargetInput {
    /// A URL given on the command line.
    pub fn argument(url: &str) -> TargetInput {
        TargetInput {
            origin: "URL".into(),
            url: url.to_string(),
        }
    }
}

/// Expands `{random}` and `{unix}` in a stream name, so that probes from cron never collide.
pub fn expand_placeholders(name: &str) -> String {
    let mut out = name.to_string();
    while out.contains("{random}") {
        let mut b = [0u8; 4];
        if getrandom::fill(&mut b).is_err() {
            let n = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos() ^ std::process::id())
                .unwrap_or(0);
            b = n.to_be_bytes();
        }
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        out = out.replacen("{random}", &hex, 1);
    }
    if out.contains("{unix}") {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        out = out.replace("{unix}", &secs.to_string());
    }
    out
}

/// Reads a targets file: one URL a line; blank lines and `#` comments (at the start of a line or
/// after white space) are skipped. `-` reads standard input.
pub fn read_targets(path: &std::path::Path) -> Result<Vec<TargetInput>, UsageError> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| UsageError(format!("--targets: cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            UsageError(format!(
                "--targets: cannot read {}: {}",
                path.display(),
                crate::session::io_words(&e)
            ))
        })?
    };
    let name = path.display().to_string();
    // A byte-order mark, as some editors on Windows write, is not part of the first URL.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            // A comment starts a line or follows white space ('#' may be part of a stream key).
            let line = match line.trim_start().starts_with('#') {
                true => "",
                false => line
                    .find(" #")
                    .or_else(|| line.find("\t#"))
                    .map_or(line, |i| line.get(..i).unwrap_or(line))
                    .trim(),
            };
            (!line.is_empty()).then(|| TargetInput {
                origin: format!("{name} line {}", i + 1),
                url: line.to_string(),
            })
        })
        .collect())
}
