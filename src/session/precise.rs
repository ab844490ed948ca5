//! A short wait that ends when it should. tokio's timers tick in milliseconds and round up, so
//! its 1 ms sleep takes 1 to 2 ms (median 2.1 ms on loopback, measured): that was half of a
//! whole publish check, in verify's settle window. A settle window's deadline
//! (`Transport::recv_exact`) closer than [`PRECISE_BELOW`] is kept by a Linux timerfd instead
//! (nanosecond resolution, woken through the same epoll as the socket), with tokio's timer still
//! armed behind it as the bound. Not every short deadline: the media step's pacing waits about
//! 20 ms for each frame, and a timer per frame cost 15 % more CPU for nothing a millisecond hurts.
//!
//! Only for sessions on a real connection: the in-process tests run on tokio's paused clock,
//! which a kernel timer does not follow.

use std::time::Duration;
use tokio::time::Instant;

/// Deadlines closer than this are kept to the microsecond; later ones are tokio's (a millisecond
/// of rounding is nothing to a wait of seconds).
pub(super) const PRECISE_BELOW: Duration = Duration::from_millis(20);

/// Completes at `deadline`, to within the kernel's wake-up latency; never before it. Where a
/// timerfd cannot be had (not Linux, no descriptor left), it never completes: the caller's tokio
/// timer ends the wait, a millisecond or so later.
pub(super) async fn until(deadline: Instant) {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return;
    }
    if imp::sleep(left).await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::time::Duration;
    use tokio::io::unix::AsyncFd;
    use tokio::io::Interest;

    struct TimerFd(OwnedFd);

    impl AsRawFd for TimerFd {
        fn as_raw_fd(&self) -> RawFd {
            self.0.as_raw_fd()
        }
    }

    /// A one-shot CLOCK_MONOTONIC timer that expires after `left`.
    fn arm(left: Duration) -> io::Result<TimerFd> {
        // SAFETY: timerfd_create takes no pointers; the result is checked before use.
        let fd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a descriptor just returned to us and owned by nothing else.
        let fd = TimerFd(unsafe { OwnedFd::from_raw_fd(fd) });
        let value = libc::timespec {
            tv_sec: libc::time_t::try_from(left.as_secs()).unwrap_or(libc::time_t::MAX),
            // Below 10^9, which fits every c_long. (`left` is not zero: the caller returned
            // already, and an all-zero value would disarm the timer.)
            tv_nsec: left.subsec_nanos() as libc::c_long,
        };
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: value,
        };
        // SAFETY: `spec` lives across the call; a null old-value pointer is allowed.
        let r = unsafe { libc::timerfd_settime(fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(fd)
    }

    pub(super) async fn sleep(left: Duration) -> io::Result<()> {
        // SAFETY: TimerFd owns the descriptor and gives the same one for as long as it lives,
        // which is as long as the AsyncFd that owns it.
        let fd = unsafe { AsyncFd::register_with_interest(arm(left)?, Interest::READABLE)? };
        // Readable once it expired; dropping it closes the descriptor, nothing to read.
        let _ready = fd.readable().await?;
        Ok(())
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub(super) async fn sleep(_left: std::time::Duration) -> std::io::Result<()> {
        Err(std::io::ErrorKind::Unsupported.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_short_wait_ends_no_earlier_than_its_deadline_and_always_ends() {
        for micros in [1u64, 300, 1_000, 1_700] {
            let start = std::time::Instant::now();
            until(Instant::now() + Duration::from_micros(micros)).await;
            let took = start.elapsed();
            assert!(
                took >= Duration::from_micros(micros),
                "{micros} µs: {took:?}"
            );
            // Not a speed test: only that it did not fall back to never completing.
            assert!(took < Duration::from_secs(1), "{micros} µs: {took:?}");
        }
        // A deadline already past completes at once.
        until(Instant::now()).await;
    }
}
