// SPDX-License-Identifier: GPL-2.0

//! A device's runtime power management, which powers its power domain
//! (`power-domains`) on while the device is in use. Without CONFIG_PM a
//! device is always powered, and these calls do nothing, as in C.

use kernel::{
    device::{Bound, Device},
    prelude::*,
    sync::aref::ARef,
};

/// Runtime PM of one device, enabled until the device unbinds.
///
/// # Invariants
///
/// Runtime PM of `dev` was enabled with `devm_pm_runtime_enable` and stays
/// so while `dev` is bound.
pub(crate) struct RuntimePm {
    #[cfg_attr(not(CONFIG_PM), allow(dead_code))]
    dev: ARef<Device>,
}

impl RuntimePm {
    /// Enables runtime PM of `dev` (the device starts suspended: its power
    /// domain may go off) until it unbinds.
    pub(crate) fn enable(dev: &Device<Bound>) -> Result<Self> {
        #[cfg(CONFIG_PM)]
        // SAFETY: `dev` is a live, bound device (`Device` wraps `struct
        // device` transparently); the action runs when it unbinds.
        kernel::error::to_result(unsafe {
            kernel::bindings::devm_pm_runtime_enable(Self::raw(dev))
        })?;
        // INVARIANT: enabled just above, until `dev` unbinds.
        Ok(Self { dev: dev.into() })
    }

    #[cfg(CONFIG_PM)]
    fn raw(dev: &Device) -> *mut kernel::bindings::device {
        core::ptr::from_ref::<Device>(dev)
            .cast::<kernel::bindings::device>()
            .cast_mut()
    }

    /// Takes a use of the device and resumes it (its power domain on); on
    /// an error the use is given back. May sleep.
    pub(crate) fn get(&self) -> Result {
        #[cfg(CONFIG_PM)]
        {
            // SAFETY: `dev` is live (the reference counts it), runtime PM
            // enabled (type invariant).
            let ret = unsafe {
                kernel::bindings::__pm_runtime_resume(
                    Self::raw(&self.dev),
                    kernel::bindings::RPM_GET_PUT as kernel::ffi::c_int,
                )
            };
            if ret < 0 {
                self.put();
                return Err(Error::from_errno(ret));
            }
        }
        Ok(())
    }

    /// Gives back a use taken by [`RuntimePm::get`]; the last one lets the
    /// device suspend now. May sleep.
    pub(crate) fn put(&self) {
        #[cfg(CONFIG_PM)]
        // SAFETY: as in `get`. A failure to suspend leaves the device
        // powered, which is safe; the count is given back either way.
        unsafe {
            kernel::bindings::__pm_runtime_idle(
                Self::raw(&self.dev),
                kernel::bindings::RPM_GET_PUT as kernel::ffi::c_int,
            );
        }
    }
}
