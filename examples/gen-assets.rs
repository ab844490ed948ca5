//! Writes the man page and the bash, zsh and fish completions of rtmp-probe, generated from its clap
//! definition, into a directory: `cargo run --example gen-assets -- target/assets`.
//! `packaging/build.sh` runs it before building the packages.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!("usage: gen-assets OUTDIR");
        return ExitCode::from(2);
    };
    match rtmp_probe::assets::write_all(std::path::Path::new(&dir)) {
        Ok(paths) => {
            for path in paths {
                println!("{}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "gen-assets: cannot write into {}: {e}",
                dir.to_string_lossy()
            );
            ExitCode::FAILURE
        }
    }
}
