// SPDX-License-Identifier: GPL-2.0

//! A module's top debugfs directory, shared by every device it binds
//! (`/sys/kernel/debug/<module>/<device>/`).

use kernel::{
    debugfs::Dir,
    prelude::*,
    sync::atomic::{Atomic, Full},
};

kernel::sync::global_lock! {
    // SAFETY: `DebugfsRoot::new` initialises the lock (once, guarded by
    // `INITIALISED`) before anything locks it.
    unsafe(uninit) static ROOT: Mutex<Option<Dir>> = None;
}

/// Whether `ROOT` has been initialised.
static INITIALISED: Atomic<bool> = Atomic::new(false);

/// Owns the directory while the module is loaded; dropping it removes the
/// directory, so drop it after the driver is unregistered.
pub(crate) struct DebugfsRoot;

impl DebugfsRoot {
    /// Creates `/sys/kernel/debug/<name>/`. Call from module init.
    pub(crate) fn new(name: &'static CStr) -> Self {
        if INITIALISED.cmpxchg(false, true, Full).is_ok() {
            // SAFETY: the exchange above succeeds exactly once, so the lock
            // is initialised once, before any `lock()` (which only happens
            // after `INITIALISED` is set, below or in `with`).
            unsafe { ROOT.init() };
        }
        *ROOT.lock() = Some(Dir::new(name));
        Self
    }

    /// Runs `f` on the directory; `None` if there is none.
    pub(crate) fn with<R>(f: impl FnOnce(&Dir) -> R) -> Option<R> {
        if !INITIALISED.load(kernel::sync::atomic::Acquire) {
            return None;
        }
        ROOT.lock().as_ref().map(f)
    }
}

impl Drop for DebugfsRoot {
    fn drop(&mut self) {
        drop(ROOT.lock().take());
    }
}
