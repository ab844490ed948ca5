//! rtmp-probe: see README.md. All the work is in the library; this only sets the panic policy,
//! sends `serve` to the exporter, and exits with the verdict's code.

fn main() {
    // A panic is the probe's own fault: one UNKNOWN line and exit 3 (see panic_hook).
    rtmp_probe::panic_hook::install();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `rtmp-probe serve ...` is the exporter, with a command line of its own; everything else is
    // the check's, parsed as before (src/app/serve.rs says why this is not a clap subcommand).
    if args.get(1).is_some_and(|a| a == "serve") {
        std::process::exit(rtmp_probe::app::serve::run(
            args.into_iter().skip(2).collect(),
        ));
    }
    std::process::exit(rtmp_probe::app::run(args));
}
