// SPDX-License-Identifier: GPL-2.0

//! Waiting, bounded, for another agent (a remote core, its firmware) to
//! do something Linux is not told about by an interrupt.

use kernel::time::{delay::fsleep, Delta, Instant, Monotonic};

/// Calls `done` every millisecond until it returns `Some`, for at most
/// `limit_ms` of the monotonic clock; returns its value and the
/// milliseconds that took, or `None` once the time is up.
pub(crate) fn poll_ms<T>(limit_ms: u32, mut done: impl FnMut() -> Option<T>) -> Option<(T, u32)> {
    let start = Instant::<Monotonic>::now();
    loop {
        let elapsed = u32::try_from(start.elapsed().as_millis()).unwrap_or(u32::MAX);
        if let Some(value) = done() {
            return Some((value, elapsed));
        }
        if elapsed >= limit_ms {
            return None;
        }
        fsleep(Delta::from_millis(1));
    }
}
