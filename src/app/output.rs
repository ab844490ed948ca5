//! Where the result goes: stdout, or a file replaced atomically.
//!
//! `--output FILE` writes a temporary file in FILE's directory and renames it over FILE, so that a
//! reader (node_exporter's textfile collector, a dashboard) sees the old file or the new one,
//! never half of one, and sees it whatever the state: a failing check must publish its failure.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The destination of the rendered result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    Stdout,
    /// Replaced atomically (temporary file + rename).
    File(PathBuf),
}

impl Sink {
    pub fn new(file: Option<PathBuf>) -> Sink {
        match file {
            Some(path) if path.as_os_str() != "-" => Sink::File(path),
            _ => Sink::Stdout,
        }
    }

    /// Delivers `text`. A file that cannot be written is an error in words, naming the file.
    pub fn write(&self, text: &str) -> Result<(), String> {
        match self {
            Sink::Stdout => {
                stdout(text);
                Ok(())
            }
            Sink::File(path) => replace(path, text.as_bytes()).map_err(|e| {
                format!(
                    "cannot write --output {}: {}",
                    path.display(),
                    crate::session::io_words(&e)
                )
            }),
        }
    }
}

/// Writes to stdout, ignoring a closed or full stdout: nothing is left to tell anyone then, and
/// `print!` would panic.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Replaces `path` with `bytes`: a temporary file beside it (same directory, so the rename stays
/// on one file system), written and synced, then renamed over it. The temporary file is removed
/// when anything fails.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("it names no file"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp.{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_no_temporary_file_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rtmp.prom");
        std::fs::write(&path, "old").unwrap();
        Sink::new(Some(path.clone()))
            .write("new contents\n")
            .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new contents\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("rtmp.prom")]);
    }

    #[test]
    fn a_file_that_cannot_be_written_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("rtmp.prom");
        let e = Sink::new(Some(path.clone())).write("x").unwrap_err();
        assert!(e.starts_with("cannot write --output "), "{e}");
        assert!(e.contains("rtmp.prom") && e.contains("no such file"), "{e}");
    }

    #[test]
    fn a_dash_is_stdout() {
        assert_eq!(Sink::new(Some("-".into())), Sink::Stdout);
        assert_eq!(Sink::new(None), Sink::Stdout);
    }
}
