//! The man page and the shell completions are generated from the clap definition
//! (`rtmp_probe::assets`); these tests hold them to what `rtmp-probe --help` prints, so that they
//! cannot drift from it, and load the completions into the real shells.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use rtmp_probe::assets::{self, Shell};

use super::daemon::{require, run};
use crate::support::probe;

/// The options that `rtmp-probe --help` lists: (`-t`, `--timeout`), (``, `--mode`), (`-4`, ``)...
pub(crate) fn help_options() -> BTreeSet<(String, String)> {
    let out = probe::run(&["--help"]);
    assert_eq!(out.code, 0, "{out}");
    let mut options = BTreeSet::new();
    for line in out.stdout.lines() {
        let text = line.trim_start();
        // Option lines are indented by 2 (short and long) or 6 (long only); their help by 10.
        if line.len() - text.len() > 6 || !text.starts_with('-') {
            continue;
        }
        let names = text.split(" <").next().unwrap_or_default();
        let mut short = String::new();
        let mut long = String::new();
        // `-v, --verbose...` for an option that repeats.
        for name in names.split(", ").map(|n| n.trim().trim_end_matches("...")) {
            if name.starts_with("--") {
                long = name.to_string();
            } else {
                short = name.to_string();
            }
        }
        options.insert((short, long));
    }
    assert!(
        options.len() >= 10,
        "read too few options from --help: {options:?}\n{out}"
    );
    options
}

fn long_options(options: &BTreeSet<(String, String)>) -> BTreeSet<String> {
    options
        .iter()
        .filter(|(_, long)| !long.is_empty())
        .map(|(_, long)| long.clone())
        .collect()
}

/// The options of the man page's OPTIONS section, as (short, long) pairs, from the roff source: each
/// item is `.TP` followed by a line like `\fB\-t\fR, \fB\-\-timeout\fR \fI<TIMEOUT>\fR`.
fn man_options(page: &str) -> BTreeSet<(String, String)> {
    let section = page
        .split("\n.SH ")
        .find(|s| s.starts_with("OPTIONS"))
        .unwrap_or_else(|| panic!("the man page has no OPTIONS section:\n{page}"));
    let mut options = BTreeSet::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if line != ".TP" {
            continue;
        }
        let Some(item) = lines.next() else { break };
        let mut short = String::new();
        let mut long = String::new();
        for part in item.split("\\fB").skip(1) {
            let name = part.split("\\fR").next().unwrap_or_default();
            let name = name.replace("\\-", "-");
            let name = name.trim();
            if name.starts_with("--") {
                long = name.to_string();
            } else if name.starts_with('-') {
                short = name.to_string();
            }
        }
        if !short.is_empty() || !long.is_empty() {
            options.insert((short, long));
        }
    }
    options
}

#[test]
fn the_man_page_documents_exactly_the_options_of_help() {
    let page = String::from_utf8(assets::man_page()).expect("the man page is UTF-8");
    let from_help = help_options();
    let from_man = man_options(&page);
    assert_eq!(
        from_man, from_help,
        "the man page's OPTIONS (left) differ from --help (right)"
    );
    assert!(page.contains(".TH rtmp-probe 1"), "section 1:\n{page}");
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "EXAMPLES",
        "EXIT STATUS",
        "FILES",
    ] {
        assert!(
            page.contains(&format!(".SH {section}\n"))
                || page.contains(&format!(".SH \"{section}\"\n")),
            "no {section} section:\n{page}"
        );
    }
}

#[test]
fn the_man_page_reads_in_man_with_every_long_option_and_the_version() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let written = assets::write_all(dir.path()).expect("write the assets");
    assert_eq!(written.len(), 1 + assets::SHELLS.len(), "{written:?}");
    let page = dir.path().join(assets::MAN_PAGE);
    let man = require("/usr/bin/man");
    let (code, text) = run(&man, &["-l", "-P", "cat", &page.to_string_lossy()]);
    assert_eq!(code, 0, "man -l {}:\n{text}", page.display());
    for long in long_options(&help_options()) {
        assert!(text.contains(&long), "man shows no {long}:\n{text}");
    }
    let version = probe::run(&["--version"]);
    let number = version.stdout.split_whitespace().nth(1).unwrap_or_default();
    assert!(!number.is_empty(), "{version}");
    assert!(
        text.contains(number),
        "man shows no version {number}:\n{text}"
    );
}

fn write_completion(dir: &Path, shell: Shell) -> std::path::PathBuf {
    let (_, name) = assets::SHELLS
        .iter()
        .find(|(s, _)| *s == shell)
        .expect("a file name for every shell");
    let path = dir.join(name);
    fs::write(&path, assets::completion(shell)).expect("write the completion script");
    path
}

#[test]
fn bash_completes_every_long_option_and_the_formats() {
    let bash = require("/bin/bash");
    let dir = tempfile::tempdir().expect("temporary directory");
    let script = write_completion(dir.path(), Shell::Bash);
    // What bash does on Tab: call the function registered with `complete -F` with the words.
    let complete = |words: &str| -> BTreeSet<String> {
        let program = format!(
            r#"source '{}' || exit 9
spec=$(complete -p rtmp-probe) || exit 8
function=$(printf '%s\n' "$spec" | sed -n 's/.*-F \([^ ]*\).*/\1/p')
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
"$function" rtmp-probe "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
            script.display()
        );
        let (code, out) = run(&bash, &["--norc", "--noprofile", "-c", &program]);
        assert_eq!(code, 0, "bash completion of {words}:\n{out}");
        out.lines().map(str::to_string).collect()
    };
    let offered = complete("rtmp-probe --");
    for long in long_options(&help_options()) {
        assert!(
            offered.contains(&long),
            "bash offers no {long}: {offered:?}"
        );
    }
    let formats = complete("rtmp-probe --format ''");
    for format in ["nagios", "json", "text"] {
        assert!(
            formats.contains(format),
            "bash offers no --format {format}: {formats:?}"
        );
    }
}

#[test]
fn fish_completes_every_long_option() {
    let fish = require("/usr/bin/fish");
    let dir = tempfile::tempdir().expect("temporary directory");
    let script = write_completion(dir.path(), Shell::Fish);
    let program = format!(
        "source '{}'; and complete --do-complete 'rtmp-probe --'",
        script.display()
    );
    let (code, out) = run(&fish, &["--no-config", "-c", &program]);
    assert_eq!(code, 0, "fish:\n{out}");
    let offered: BTreeSet<String> = out
        .lines()
        .filter_map(|line| line.split('\t').next())
        .map(str::to_string)
        .collect();
    for long in long_options(&help_options()) {
        assert!(offered.contains(&long), "fish offers no {long}:\n{out}");
    }
}

#[test]
fn zsh_loads_the_completion_and_registers_it_for_rtmp_probe() {
    let zsh = require("/usr/bin/zsh");
    let dir = tempfile::tempdir().expect("temporary directory");
    let script = write_completion(dir.path(), Shell::Zsh);
    let (code, out) = run(&zsh, &["-n", &script.to_string_lossy()]);
    assert_eq!(code, 0, "zsh -n {}:\n{out}", script.display());
    let program = format!(
        "autoload -U compinit && compinit -u -D && source '{}' && print -r -- \"$_comps[rtmp-probe]\"",
        script.display()
    );
    let (code, out) = run(&zsh, &["-f", "-c", &program]);
    assert_eq!(code, 0, "zsh:\n{out}");
    assert_eq!(
        out.trim(),
        "_rtmp-probe",
        "the function zsh completes rtmp-probe with"
    );
    let text = String::from_utf8(assets::completion(Shell::Zsh)).expect("UTF-8");
    for long in long_options(&help_options()) {
        // '--mode=[help]:MODE:...', '*--warning=[help]...' (repeatable), '--trace[help]' (a flag).
        assert!(
            text.contains(&format!("{long}=[")) || text.contains(&format!("{long}[")),
            "the zsh completion has no {long}"
        );
    }
}
