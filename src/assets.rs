//! The man page and the shell completions, generated from the clap definition of [`Cli`], so that
//! they always list what `rtmp-probe --help` lists.
//!
//! `cargo run --example gen-assets -- DIR` writes them into DIR (the packages take them from
//! `target/assets/`, see `packaging/build.sh`); the integration tests check them against `--help`.
//! Nothing here is used by the probe itself.

use crate::cli::Cli;
pub use clap_complete::Shell;
use clap_mangen::roff::{bold, italic, roman, Roff};
use std::io;
use std::path::{Path, PathBuf};

/// The name of the program as installed, in the man page and the completions.
pub const BIN_NAME: &str = "rtmp-probe";

/// The shells we generate completions for, each with the file name that [`write_all`] gives it.
pub const SHELLS: [(Shell, &str); 3] = [
    (Shell::Bash, "rtmp-probe.bash"),
    (Shell::Zsh, "_rtmp-probe"),
    (Shell::Fish, "rtmp-probe.fish"),
];

/// The file name of the man page that [`write_all`] writes.
pub const MAN_PAGE: &str = "rtmp-probe.1";

/// The man page, section 1, in roff.
///
/// clap_mangen renders the name, synopsis, description, every option with its help and the examples
/// of `--help`; the sections that clap knows nothing of (exit status, files) follow. The date is left
/// empty so that the page is the same whenever it is built.
pub fn man_page() -> Vec<u8> {
    let command = Cli::command_with_help();
    let man = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    // Writing into a Vec<u8> cannot fail; the results are io::Results only because of the trait.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    let _ = man.render_options_section(&mut out);
    out.extend_from_slice(after_help_section(&command).render().as_bytes());
    out.extend_from_slice(extra_sections().render().as_bytes());
    let _ = man.render_version_section(&mut out);
    out
}

/// The text after `--help`'s options (the examples) as a section of its own, its lines kept as they
/// are (clap_mangen's own "EXTRA" section would fill them into paragraphs). A first line like
/// `Examples:` becomes the section's title.
fn after_help_section(command: &clap::Command) -> Roff {
    let mut roff = Roff::default();
    let Some(text) = command
        .get_after_long_help()
        .or_else(|| command.get_after_help())
        .map(|text| text.to_string())
    else {
        return roff;
    };
    let mut lines = text.lines().peekable();
    let title = match lines.peek() {
        Some(first) if first.ends_with(':') && !first.trim().contains(' ') => {
            let title = first.trim().trim_end_matches(':').to_uppercase();
            lines.next();
            title
        }
        _ => "NOTES".to_string(),
    };
    roff.control("SH", [title.as_str()]);
    roff.control("nf", [] as [&str; 0]);
    for line in lines {
        roff.text([roman(line)]);
    }
    roff.control("fi", [] as [&str; 0]);
    roff
}

fn extra_sections() -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    roff.text([roman(
        "The Nagios plugin codes, so that Nagios, Icinga, Naemon and NRPE read the state from the exit code:",
    )]);
    for (code, meaning) in [
        ("0", "OK: the server accepted the stream (or the connect, with --mode connect) within the thresholds."),
        ("1", "WARNING: a warning threshold was crossed."),
        ("2", "CRITICAL: a step failed (refused, closed, reset, timed out, protocol error) or a critical threshold was crossed."),
        ("3", "UNKNOWN: the probe could not check: bad arguments, an unparseable URL, or the probe's own fault."),
    ] {
        roff.control("TP", [] as [&str; 0]);
        roff.text([bold(code)]);
        roff.text([roman(meaning)]);
    }
    roff.control("SH", ["FILES"]);
    for (path, what) in [
        (
            "/usr/lib/nagios/plugins/check_rtmp",
            "rtmp-probe where Nagios plugins live ($USER1$ in Debian's Nagios); /usr/lib64/nagios/plugins/check_rtmp in the RPM.",
        ),
        (
            "/etc/nagios-plugins/config/rtmp.cfg",
            "The commands check_rtmp_publish and check_rtmp_connect (Debian package), read by Debian's nagios4.",
        ),
        (
            "/usr/share/rtmp-probe/nagios/",
            "Nagios and Naemon commands and an example host and service.",
        ),
        (
            "/usr/share/rtmp-probe/icinga2/rtmp.conf",
            "The Icinga 2 CheckCommands rtmp and rtmp_connect.",
        ),
        ("/usr/share/rtmp-probe/nrpe/rtmp.cfg", "NRPE command lines."),
    ] {
        roff.control("TP", [] as [&str; 0]);
        roff.text([italic(path)]);
        roff.text([roman(what)]);
    }
    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        bold("nagios4"),
        roman("(8), "),
        bold("icinga2"),
        roman("(8), "),
        bold("nrpe"),
        roman("(8)"),
    ]);
    roff
}

/// The completion script for one shell.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut command = Cli::command_with_help();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, BIN_NAME, &mut out);
    out
}

/// Writes the man page ([`MAN_PAGE`]) and the completions (the names in [`SHELLS`]) into `dir`,
/// creating it if needed, and returns the paths written.
pub fn write_all(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let man = dir.join(MAN_PAGE);
    std::fs::write(&man, man_page())?;
    written.push(man);
    for (shell, name) in SHELLS {
        let path = dir.join(name);
        std::fs::write(&path, completion(shell))?;
        written.push(path);
    }
    Ok(written)
}
