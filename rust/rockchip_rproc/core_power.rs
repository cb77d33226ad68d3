// SPDX-License-Identifier: GPL-2.0

//! What the remote core needs powered while it runs: its clocks and its
//! power domain, held from start (or attach) to stop. Mainline has no
//! Rockchip AMP driver, so without this hold nothing keeps them on.

use crate::{clock_set::ClockSet, runtime_pm::RuntimePm};
use kernel::{new_mutex, prelude::*, sync::Mutex};

/// The remote core's clocks and power domain, and whether they are held.
#[pin_data]
pub(crate) struct CorePower {
    clocks: ClockSet,
    domain: RuntimePm,
    #[pin]
    held: Mutex<bool>,
}

impl CorePower {
    pub(crate) fn new(clocks: ClockSet, domain: RuntimePm) -> impl PinInit<Self> {
        pin_init!(Self {
            clocks,
            domain,
            held <- new_mutex!(false),
        })
    }

    /// How many clocks the node lists.
    pub(crate) fn clock_count(&self) -> usize {
        self.clocks.len()
    }

    /// Powers the domain and enables every clock, unless already held.
    pub(crate) fn hold(&self) -> Result {
        let mut held = self.held.lock();
        if *held {
            return Ok(());
        }
        self.domain.get().inspect_err(|e| {
            pr_err!(
                "cannot power the remote core's domain: error {}\n",
                e.to_errno()
            );
        })?;
        if let Err(e) = self.clocks.enable() {
            pr_err!(
                "cannot enable the remote core's clocks: error {}\n",
                e.to_errno()
            );
            self.domain.put();
            return Err(e);
        }
        *held = true;
        Ok(())
    }

    /// Gives the clocks and the domain back, if held: only once the core
    /// is off.
    pub(crate) fn release(&self) {
        let mut held = self.held.lock();
        if core::mem::take(&mut *held) {
            self.clocks.disable();
            self.domain.put();
        }
    }
}
