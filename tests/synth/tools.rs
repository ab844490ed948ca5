//! Running the installed ffmpeg and ffprobe (Debian's ffmpeg 5.1). A missing tool is a panic that
//! says how to install it, never a skipped test.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `tool` with `args` and returns what it did.
pub fn run(tool: &str, args: &[&str]) -> Output {
    Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {tool} ({e}): install it with `apt-get install ffmpeg` (ffmpeg 5.1)")
    })
}

/// Runs ffmpeg (`-nostdin -v error` added) and returns what it wrote to stdout; asserts it
/// succeeded.
pub fn ffmpeg(args: &[&str]) -> Vec<u8> {
    let mut all = vec!["-nostdin", "-v", "error"];
    all.extend_from_slice(args);
    let out = run("ffmpeg", &all);
    assert!(
        out.status.success(),
        "ffmpeg {all:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `ffmpeg -v error -xerror -i FILE -f null -` (with input options before `-i`): decodes every
/// frame and stops at the first error. Asserts that it printed nothing and exited 0.
pub fn decodes_without_error(input_options: &[&str], file: &Path) {
    let file = file.to_str().expect("utf-8 path");
    let mut args = vec!["-nostdin", "-v", "error", "-xerror"];
    args.extend_from_slice(input_options);
    args.extend_from_slice(&["-i", file, "-f", "null", "-"]);
    let out = run("ffmpeg", &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stderr.is_empty() && stdout.is_empty(),
        "ffmpeg {args:?}: {}\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
}

/// ffprobe's JSON for `args` (`-v error -of json` added); asserts it reported no error.
pub fn probe(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["-v", "error", "-of", "json"];
    all.extend_from_slice(args);
    let out = run("ffprobe", &all);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "ffprobe {all:?}: {}\n{stderr}",
        out.status
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe prints JSON")
}

/// The log of ffmpeg's `trace_headers` bitstream filter over the video of `file`: every syntax
/// element of every parameter set, SEI and slice header, as ffmpeg's own bitstream readers (CBS)
/// parse them. Returns the log lines, without the filter's prefix.
pub fn trace_headers(input_options: &[&str], file: &Path) -> Vec<String> {
    let file = file.to_str().expect("utf-8 path");
    let mut args = vec!["-nostdin", "-hide_banner", "-v", "info"];
    args.extend_from_slice(input_options);
    args.extend_from_slice(&[
        "-i",
        file,
        "-map",
        "0:v",
        "-c",
        "copy",
        "-bsf:v",
        "trace_headers",
        "-f",
        "null",
        "-",
    ]);
    let out = run("ffmpeg", &args);
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.split_once("[trace_headers @ ").map(|(_, rest)| rest))
        .filter_map(|rest| {
            rest.split_once("] ")
                .map(|(_, text)| text.trim().to_string())
        })
        .collect()
}

/// The value of the last syntax element `name` in a trace (`offset name bits = value`).
pub fn traced(trace: &[String], name: &str) -> Option<i64> {
    trace
        .iter()
        .rev()
        .find_map(|line| {
            let mut words = line.split_whitespace();
            words.next()?; // bit offset
            (words.next()? == name).then_some(line)
        })
        .and_then(|line| line.rsplit_once("= "))
        .and_then(|(_, value)| value.trim().parse().ok())
}
