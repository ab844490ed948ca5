//! The client side of the RTMP handshake.
