//! SIGINT/SIGTERM only set a flag; the I/O loops poll with short timeouts and
//! check it, so the endpoint is always destroyed before the program exits.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_sig: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Installs the handler for SIGINT and SIGTERM, without SA_RESTART so that a
/// blocking call returns EINTR.
pub fn install() -> io::Result<()> {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed `sigaction` is a valid starting value; the handler is an
        // `extern "C" fn(c_int)` that only touches an atomic.
        let ret = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = 0;
            libc::sigaction(sig, &sa, std::ptr::null_mut())
        };
        if ret != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// True once SIGINT or SIGTERM has arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Serialises the tests that set or depend on the process-wide flag.
#[cfg(test)]
pub static TEST_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[cfg(test)]
pub fn reset() {
    INTERRUPTED.store(false, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    #[test]
    fn handler_sets_flag() {
        let _g = super::TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        super::install().unwrap();
        assert!(!super::interrupted());
        // SAFETY: raising a signal whose handler only sets an atomic flag.
        unsafe { libc::raise(libc::SIGTERM) };
        assert!(super::interrupted());
        super::reset();
    }
}
