//! Connection bookkeeping: acknowledgement window, peer bandwidth, ping -> pong.
