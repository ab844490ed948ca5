//! Media: what the probe sends and receives inside audio and video messages.

pub mod synth;
