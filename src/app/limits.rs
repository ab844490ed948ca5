//! The probe's own limits, so that they are never blamed on a server: how many sessions may run
//! at once on this machine.

use std::io;

/// Descriptors kept free for everything but sessions (stdio, the runtime, the resolver's files).
const RESERVED_DESCRIPTORS: u64 = 64;

/// How many sessions run at once: what was asked, but no more than there are targets, than a
/// semaphore can count, and than the descriptor limit allows (two a session: its socket, and the
/// one a name lookup opens). Raises the soft descriptor limit to the hard one first, as servers
/// do, so that a low default soft limit does not cap a run that the system allows.
pub fn concurrency(wanted: usize, targets: usize) -> usize {
    let wanted = wanted.clamp(1, targets.clamp(1, tokio::sync::Semaphore::MAX_PERMITS));
    match descriptor_limit() {
        Ok(limit) => {
            let budget = limit.saturating_sub(RESERVED_DESCRIPTORS) / 2;
            wanted.min(usize::try_from(budget).unwrap_or(usize::MAX).max(1))
        }
        Err(_) => wanted,
    }
}

/// The soft limit on open descriptors after raising it to the hard limit where allowed.
#[cfg(unix)]
pub(crate) fn descriptor_limit() -> io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the limits into the struct we own; no other memory is touched.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = limit.rlim_max;
        }
    }
    Ok(limit.rlim_cur)
}

#[cfg(not(unix))]
pub(crate) fn descriptor_limit() -> io::Result<u64> {
    Err(io::Error::other("no descriptor limit here"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_never_exceeds_the_targets_or_a_semaphore_and_is_at_least_one() {
        assert_eq!(concurrency(100, 3), 3);
        assert_eq!(concurrency(usize::MAX, 2), 2);
        assert!(concurrency(usize::MAX, usize::MAX) <= tokio::sync::Semaphore::MAX_PERMITS);
        assert_eq!(concurrency(0, 5), 1);
    }
}
