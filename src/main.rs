//! rtmp-probe: see README.md. All the work is in the library; this only sets the panic policy and
//! exits with the verdict's code.

fn main() {
    // A panic is the probe's own fault: one UNKNOWN line and exit 3, never Rust's 101 and a
    // backtrace in the monitoring system.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        let first = what.lines().next().unwrap_or("panic");
        println!("RTMP UNKNOWN - internal error: {first} (please report this as a bug)");
        std::process::exit(3);
    }));
    std::process::exit(rtmp_probe::app::run(std::env::args_os()));
}
