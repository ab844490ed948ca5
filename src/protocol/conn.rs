//! Connection bookkeeping: acknowledgement window, peer bandwidth, ping -> pong.
//!
//! Pure state, no I/O: the driver reports every byte it reads after the handshake and every
//! message it decodes, and sends whatever this hands back.
//!
//! - Window Acknowledgement Size (§5.4.4): the peer wants an Acknowledgement each time we have
//!   received that many bytes since the last one. The sequence number is the total number of
//!   bytes received, wrapping at 2^32.
//! - Set Peer Bandwidth (§5.4.5): recorded, and answered with a Window Acknowledgement Size of
//!   the same size when that differs from the last one we sent, as the specification says a
//!   receiver should (GStreamer's client does; ffmpeg does not, and hangs on a server that holds
//!   its connect reply until it gets one). The limit type is not looked at: a probe sends too
//!   little to limit.
//! - User Control Ping Request (§7.1.7): answered with a Ping Response carrying the same
//!   timestamp.

use super::message::{LimitType, Message, UserControl};

/// Acknowledgement window and peer bandwidth as the peer set them, and bytes received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnState {
    bytes_received: u64,
    acked: u64,
    peer_window: Option<u32>,
    peer_bandwidth: Option<(u32, LimitType)>,
    /// The last Window Acknowledgement Size we sent.
    window_sent: Option<u32>,
}

impl ConnState {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts `n` more bytes read from the peer (everything after the handshake).
    pub fn on_bytes_received(&mut self, n: usize) {
        self.bytes_received = self
            .bytes_received
            .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
    }

    /// Records what `msg` sets and returns the reply it calls for, if any: a Ping Response to a
    /// Ping Request, a Window Acknowledgement Size to a Set Peer Bandwidth of a new size.
    pub fn on_message(&mut self, msg: &Message) -> Option<Message> {
        match msg {
            Message::WindowAckSize(size) => {
                self.peer_window = Some(*size);
                None
            }
            Message::SetPeerBandwidth { size, limit } => {
                self.peer_bandwidth = Some((*size, *limit));
                if self.window_sent == Some(*size) {
                    return None;
                }
                self.window_sent = Some(*size);
                Some(Message::WindowAckSize(*size))
            }
            Message::UserControl(UserControl::PingRequest(t)) => {
                Some(Message::UserControl(UserControl::PingResponse(*t)))
            }
            _ => None,
        }
    }

    /// An Acknowledgement, if the bytes received since the last one reached the peer's window
    /// (nothing before the peer sets a window). Calling it records the acknowledgement as sent.
    /// A window of 0 is treated as 1: at most one acknowledgement per call, and only after new
    /// bytes.
    pub fn ack_due(&mut self) -> Option<Message> {
        let window = u64::from(self.peer_window?.max(1));
        if self.bytes_received.saturating_sub(self.acked) < window {
            return None;
        }
        self.acked = self.bytes_received;
        Some(Message::Acknowledgement {
            // The sequence number wraps at 2^32 (§5.4.3).
            sequence: (self.bytes_received & u64::from(u32::MAX)) as u32,
        })
    }

    /// The window the peer asked us to acknowledge by, if it sent one.
    pub fn peer_window(&self) -> Option<u32> {
        self.peer_window
    }

    /// The bandwidth limit the peer set, if it sent one.
    pub fn peer_bandwidth(&self) -> Option<(u32, LimitType)> {
        self.peer_bandwidth
    }

    /// Bytes received from the peer after the handshake.
    pub fn bytes_received(&self) -> u64 {
        self.bytes_received
    }

    /// Bytes received up to the last acknowledgement.
    pub fn bytes_acknowledged(&self) -> u64 {
        self.acked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_acknowledgement_before_the_peer_sets_a_window() {
        let mut c = ConnState::new();
        c.on_bytes_received(10_000_000);
        assert_eq!(c.ack_due(), None);
        assert_eq!(c.peer_window(), None);
        assert_eq!(c.bytes_received(), 10_000_000);
    }

    #[test]
    fn acknowledges_when_the_window_is_reached_and_not_before() {
        let mut c = ConnState::new();
        assert_eq!(c.on_message(&Message::WindowAckSize(5_000_000)), None);
        assert_eq!(c.peer_window(), Some(5_000_000));
        c.on_bytes_received(4_999_999);
        assert_eq!(c.ack_due(), None);
        c.on_bytes_received(1);
        assert_eq!(
            c.ack_due(),
            Some(Message::Acknowledgement {
                sequence: 5_000_000
            })
        );
        // Recorded: nothing more is due until another window's worth arrives.
        assert_eq!(c.ack_due(), None);
        assert_eq!(c.bytes_acknowledged(), 5_000_000);
        c.on_bytes_received(4_999_999);
        assert_eq!(c.ack_due(), None);
        c.on_bytes_received(7);
        assert_eq!(
            c.ack_due(),
            Some(Message::Acknowledgement {
                sequence: 10_000_006
            })
        );
    }

    #[test]
    fn acknowledgement_sequence_wraps_at_2_pow_32() {
        let mut c = ConnState::new();
        c.on_message(&Message::WindowAckSize(1000));
        c.on_bytes_received(u32::MAX as usize);
        assert_eq!(
            c.ack_due(),
            Some(Message::Acknowledgement { sequence: u32::MAX })
        );
        c.on_bytes_received(1001);
        assert_eq!(
            c.ack_due(),
            Some(Message::Acknowledgement { sequence: 1000 })
        );
        assert_eq!(c.bytes_received(), u64::from(u32::MAX) + 1001);
    }

    #[test]
    fn a_new_window_applies_to_bytes_since_the_last_acknowledgement() {
        let mut c = ConnState::new();
        c.on_message(&Message::WindowAckSize(100));
        c.on_bytes_received(150);
        assert_eq!(
            c.ack_due(),
            Some(Message::Acknowledgement { sequence: 150 })
        );
        c.on_message(&Message::WindowAckSize(1000));
        c.on_bytes_received(999);
        assert_eq!(c.ack_due(), None);
        c.on_bytes_received(1);
        assert_eq!(
            c.ack_due(),
            Some(Message::Acknowledgement { sequence: 1150 })
        );
    }

    #[test]
    fn a_zero_window_gives_one_acknowledgement_per_call_after_new_bytes() {
        let mut c = ConnState::new();
        c.on_message(&Message::WindowAckSize(0));
        assert_eq!(c.ack_due(), None);
        c.on_bytes_received(3);
        assert_eq!(c.ack_due(), Some(Message::Acknowledgement { sequence: 3 }));
        assert_eq!(c.ack_due(), None);
    }

    #[test]
    fn set_peer_bandwidth_is_recorded_and_answered_when_its_size_is_new() {
        let mut c = ConnState::new();
        assert_eq!(c.peer_bandwidth(), None);
        let msg = Message::SetPeerBandwidth {
            size: 5_000_000,
            limit: LimitType::Dynamic,
        };
        assert_eq!(c.on_message(&msg), Some(Message::WindowAckSize(5_000_000)));
        assert_eq!(c.peer_bandwidth(), Some((5_000_000, LimitType::Dynamic)));
        // The same size again (whatever the limit type): we said it already.
        let again = Message::SetPeerBandwidth {
            size: 5_000_000,
            limit: LimitType::Hard,
        };
        assert_eq!(c.on_message(&again), None);
        let smaller = Message::SetPeerBandwidth {
            size: 250_000,
            limit: LimitType::Hard,
        };
        assert_eq!(
            c.on_message(&smaller),
            Some(Message::WindowAckSize(250_000))
        );
        assert_eq!(c.peer_bandwidth(), Some((250_000, LimitType::Hard)));
        // The server's own window is another matter: it sets what we acknowledge by.
        assert_eq!(c.on_message(&Message::WindowAckSize(250_000)), None);
        assert_eq!(c.peer_window(), Some(250_000));
    }

    #[test]
    fn answers_ping_request_with_ping_response_of_the_same_timestamp() {
        let mut c = ConnState::new();
        let reply = c.on_message(&Message::UserControl(UserControl::PingRequest(0xdead_beef)));
        assert_eq!(
            reply,
            Some(Message::UserControl(UserControl::PingResponse(0xdead_beef)))
        );
        // Nothing else is answered.
        for msg in [
            Message::UserControl(UserControl::PingResponse(1)),
            Message::UserControl(UserControl::StreamBegin(1)),
            Message::SetChunkSize(4096),
            Message::Acknowledgement { sequence: 5 },
            Message::Audio(vec![1, 2].into()),
        ] {
            assert_eq!(c.on_message(&msg), None, "{msg:?}");
        }
        assert_eq!(c, {
            let mut expected = ConnState::new();
            expected.on_message(&Message::UserControl(UserControl::PingRequest(0)));
            expected
        });
    }
}
