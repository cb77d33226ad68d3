// SPDX-License-Identifier: GPL-2.0

//! Every clock a device's node lists (`clocks`), prepared and enabled
//! together and disabled together.

use kernel::{
    bindings,
    device::{Bound, Device},
    ffi::c_int,
    prelude::*,
};

/// The clocks of one node, held (not enabled) until dropped.
///
/// # Invariants
///
/// `clks` points to `count` entries from `clk_bulk_get_all` (or is NULL
/// with `count` 0) and is put once, by `drop`.
pub(crate) struct ClockSet {
    clks: *mut bindings::clk_bulk_data,
    count: c_int,
}

// SAFETY: the clock framework serialises enable and prepare with its own
// locks; the array is only read after construction.
unsafe impl Send for ClockSet {}
// SAFETY: as `Send`.
unsafe impl Sync for ClockSet {}

impl ClockSet {
    /// Every clock in `dev`'s `clocks` (none if it has no such property).
    pub(crate) fn of_node(dev: &Device<Bound>) -> Result<Self> {
        let mut clks = core::ptr::null_mut();
        // SAFETY: `dev` is a live, bound device (`Device` wraps `struct
        // device` transparently); `clks` receives an array the framework
        // allocates.
        let count = unsafe {
            bindings::clk_bulk_get_all(
                core::ptr::from_ref::<Device>(dev)
                    .cast::<bindings::device>()
                    .cast_mut(),
                &mut clks,
            )
        };
        if count < 0 {
            return Err(Error::from_errno(count));
        }
        // INVARIANT: from `clk_bulk_get_all`, `count` entries.
        Ok(Self { clks, count })
    }

    /// How many clocks the node lists.
    pub(crate) fn len(&self) -> usize {
        usize::try_from(self.count).unwrap_or(0)
    }

    /// Prepares and enables every clock; on an error none stays enabled.
    /// May sleep.
    pub(crate) fn enable(&self) -> Result {
        if self.count == 0 {
            return Ok(());
        }
        // SAFETY: `clks` holds `count` clocks (type invariant).
        kernel::error::to_result(unsafe { bindings::clk_bulk_prepare(self.count, self.clks) })?;
        // SAFETY: as above; every clock is prepared.
        let enabled =
            kernel::error::to_result(unsafe { bindings::clk_bulk_enable(self.count, self.clks) });
        if enabled.is_err() {
            // SAFETY: prepared just above, not enabled.
            unsafe { bindings::clk_bulk_unprepare(self.count, self.clks) };
        }
        enabled
    }

    /// Disables and unprepares every clock, after a successful
    /// [`ClockSet::enable`]. May sleep.
    pub(crate) fn disable(&self) {
        if self.count == 0 {
            return;
        }
        // SAFETY: `clks` holds `count` clocks (type invariant), enabled and
        // prepared by `enable` as the caller promises.
        unsafe {
            bindings::clk_bulk_disable(self.count, self.clks);
            bindings::clk_bulk_unprepare(self.count, self.clks);
        }
    }
}

impl Drop for ClockSet {
    fn drop(&mut self) {
        if self.count > 0 {
            // SAFETY: the array from `clk_bulk_get_all`, put once (type
            // invariant).
            unsafe { bindings::clk_bulk_put_all(self.count, self.clks) };
        }
    }
}
