// SPDX-License-Identifier: GPL-2.0

//! A device's own reset line (the first entry of `resets` in its node), as
//! a Rockchip CRU holds a core in soft reset.

use crate::sys;
use core::ptr::NonNull;
use kernel::{
    device::{Bound, Device},
    prelude::*,
};

/// An exclusive reset line, released when dropped.
///
/// # Invariants
///
/// `rstc` came from `__reset_control_get` (exclusive, acquired) and is put
/// once, by `drop`.
pub(crate) struct ResetLine {
    rstc: NonNull<sys::reset_control>,
}

// SAFETY: the reset framework serialises use of a control with its own
// locking; asserting and deasserting are allowed from any thread that may
// sleep.
unsafe impl Send for ResetLine {}
// SAFETY: as `Send`.
unsafe impl Sync for ResetLine {}

impl ResetLine {
    /// The first reset line of `dev`'s node; `None` if it has no `resets`.
    pub(crate) fn optional(dev: &Device<Bound>) -> Result<Option<Self>> {
        // SAFETY: `dev` is a live, bound device (`Device` wraps `struct
        // device` transparently); a NULL id picks the first entry.
        let rstc = unsafe {
            sys::__reset_control_get(
                core::ptr::from_ref::<Device>(dev)
                    .cast::<kernel::bindings::device>()
                    .cast_mut(),
                core::ptr::null(),
                0,
                sys::reset_control_flags_RESET_CONTROL_OPTIONAL_EXCLUSIVE,
            )
        };
        let rstc = kernel::error::from_err_ptr(rstc)?;
        // INVARIANT: from `__reset_control_get`, exclusive and acquired.
        Ok(NonNull::new(rstc).map(|rstc| Self { rstc }))
    }

    /// Holds what the line resets in reset. May sleep.
    pub(crate) fn assert(&self) -> Result {
        // SAFETY: `rstc` is a live exclusive control (type invariant).
        kernel::error::to_result(unsafe { sys::reset_control_assert(self.rstc.as_ptr()) })
    }

    /// Releases the reset. May sleep.
    pub(crate) fn deassert(&self) -> Result {
        // SAFETY: as in `assert`.
        kernel::error::to_result(unsafe { sys::reset_control_deassert(self.rstc.as_ptr()) })
    }
}

impl Drop for ResetLine {
    fn drop(&mut self) {
        // SAFETY: the control from `__reset_control_get`, put once (type
        // invariant).
        unsafe { sys::reset_control_put(self.rstc.as_ptr()) };
    }
}
