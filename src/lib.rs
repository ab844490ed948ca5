//! rtmp-probe: checks whether an RTMP server really accepts a published stream.

pub mod app;
pub mod assets;
pub mod cli;
pub mod exporter;
pub mod media;
pub mod metrics;
pub mod panic_hook;
pub mod plan;
pub mod protocol;
pub mod redact;
pub mod report;
pub mod sanitize;
pub mod session;
pub mod target;
pub mod verdict;
