//! rtmp-probe: see README.md. All the work is in the library; this only sets the panic policy and
//! exits with the verdict's code.

fn main() {
    // A panic is the probe's own fault: one UNKNOWN line and exit 3 (see panic_hook).
    rtmp_probe::panic_hook::install();
    std::process::exit(rtmp_probe::app::run(std::env::args_os()));
}
