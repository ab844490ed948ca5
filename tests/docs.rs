//! One source of truth for what a newcomer reads: every option of `--help` is in README's options
//! table and the table has no option `--help` does not know (the man page is held to `--help` by
//! tests/ecosystem/assets.rs), and the examples of `--help` stand in the README as they are, each on
//! one line of `--help`.

use crate::ecosystem::assets::help_options;
use crate::support::probe;
use std::collections::BTreeSet;

const README: &str = include_str!("../README.md");

/// The option names in the first column of README's tables (`| `--mode publish\|connect` | ...`).
fn readme_options() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in README.lines().filter(|l| l.starts_with("| `-")) {
        let first = line.split(" | ").next().unwrap_or_default();
        for code in first.split('`').skip(1).step_by(2) {
            for word in code.split([' ', ',']).filter(|w| w.starts_with('-')) {
                let name = word.split(['=', '[', '<']).next().unwrap_or_default();
                if name.len() > 1 {
                    names.insert(name.to_string());
                }
            }
        }
    }
    names
}

#[test]
fn every_option_of_help_is_in_the_readme_table_and_the_other_way_round() {
    let from_help: BTreeSet<String> = help_options()
        .into_iter()
        .flat_map(|(short, long)| [short, long])
        .filter(|n| !n.is_empty() && n != "-h" && n != "--help" && n != "-V" && n != "--version")
        .collect();
    let from_readme = readme_options();
    let missing: Vec<&String> = from_help.difference(&from_readme).collect();
    let unknown: Vec<&String> = from_readme.difference(&from_help).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "README's options table lacks {missing:?} and names options --help does not know: \
         {unknown:?}"
    );
}

#[test]
fn the_examples_of_help_are_in_the_readme_each_on_one_line() {
    let out = probe::run(&["--help"]);
    assert_eq!(out.code, 0, "{out}");
    let section = out
        .stdout
        .split("Examples:\n")
        .nth(1)
        .expect("--help has examples");
    let mut examples = Vec::new();
    for line in section.lines().take_while(|l| !l.is_empty()) {
        if let Some(example) = line.strip_prefix("  rtmp-probe ") {
            examples.push(format!("rtmp-probe {example}"));
        } else {
            assert!(
                line.starts_with("      "),
                "an example of --help wraps onto a second line: {line:?}\n{}",
                out.stdout
            );
        }
    }
    assert!(examples.len() >= 5, "{examples:?}");
    for example in &examples {
        assert!(
            README.lines().any(|l| l.trim() == example),
            "README does not show the --help example {example:?}"
        );
    }
}

#[test]
fn the_readme_synopsis_is_the_usage_line_of_help_and_of_serve() {
    for args in [&["--help"][..], &["serve", "--help"][..]] {
        let out = probe::run(args);
        assert_eq!(out.code, 0, "{out}");
        let usage = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("Usage: "))
            .expect("--help has a Usage line");
        assert!(
            README.lines().any(|l| l == usage),
            "README's Usage block lacks {usage:?}"
        );
    }
}
