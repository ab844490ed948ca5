//! The integration tests of rtmp-probe: one test binary, one module per subject.
//!
//! The tests run the built binary against a private nginx-rtmp that each test starts itself (Debian
//! packages nginx and libnginx-mod-rtmp; `scripts/test.sh` installs them) and against scripted fake
//! servers. See `support` for the harness.

// Parts of the harness wait for the test modules that will use them.
#[allow(dead_code)]
mod support;

mod auth;
mod challenge;
mod docs;
mod ecosystem;
mod exporter;
mod faults;
mod hardening;
mod harness;
mod logs;
mod media;
mod play;
mod publish;
mod publish_media;
mod roundtrip;
mod rtmps;
mod secrets;
mod synth;
mod targets;
mod thresholds;
mod tls;
