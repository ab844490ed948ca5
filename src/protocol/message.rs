//! Typed RTMP messages (RTMP 1.0 specification §5.4, §6, §7).
