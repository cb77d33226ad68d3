// SPDX-License-Identifier: GPL-2.0

//! An interrupt line driven from software: setting it pending rings
//! whoever listens on it (the remote core, on a board where the line is
//! routed to it), and its mask state says whether anyone listens here.

use kernel::{bindings, irq::IrqRequest, prelude::*};

/// A Linux interrupt number mapped from a device's `interrupts` entry.
///
/// # Invariants
///
/// `irq` was returned by the platform IRQ lookup for a device, so it has an
/// irq descriptor for as long as the device's OF mappings exist (they are
/// never disposed of while the device is bound).
#[derive(Clone, Copy, Debug)]
pub(crate) struct IrqLine {
    irq: u32,
}

impl IrqLine {
    /// The line behind a looked-up `interrupts` entry.
    pub(crate) fn new(request: &IrqRequest<'_>) -> Self {
        // INVARIANT: `IrqRequest` only holds numbers from the IRQ lookup.
        Self { irq: request.irq() }
    }

    /// The Linux interrupt number.
    pub(crate) fn number(&self) -> u32 {
        self.irq
    }

    /// Sets the line pending at the interrupt controller, as a peripheral
    /// raising it would. Callable from atomic context.
    pub(crate) fn set_pending(&self) -> Result {
        self.set_state(bindings::irqchip_irq_state_IRQCHIP_STATE_PENDING, true)
    }

    /// Masks (or unmasks) the line at the interrupt controller behind the
    /// owner's back, as if the signal were held up on its way: a level
    /// still asserted fires once it is unmasked. Callable from atomic
    /// context.
    pub(crate) fn set_masked(&self, masked: bool) -> Result {
        self.set_state(bindings::irqchip_irq_state_IRQCHIP_STATE_MASKED, masked)
    }

    /// Waits until a handler of this line running on another CPU returns.
    /// May sleep; never call it from the line's own handler.
    pub(crate) fn synchronize(&self) {
        // SAFETY: `irq` has a descriptor (type invariant); the function
        // only waits.
        unsafe { bindings::synchronize_irq(self.irq) };
    }

    /// Whether the controller has the line masked (nobody requested it, or
    /// its handler was freed).
    pub(crate) fn is_masked(&self) -> Result<bool> {
        self.state(bindings::irqchip_irq_state_IRQCHIP_STATE_MASKED)
    }

    /// Whether the line is pending and not yet taken by a CPU.
    pub(crate) fn is_pending(&self) -> Result<bool> {
        self.state(bindings::irqchip_irq_state_IRQCHIP_STATE_PENDING)
    }

    /// Sets one state of the line at the controller. Callable from atomic
    /// context.
    fn set_state(&self, which: bindings::irqchip_irq_state, value: bool) -> Result {
        // SAFETY: `irq` has a descriptor (type invariant); the function
        // takes the descriptor's lock itself and never sleeps.
        let ret = unsafe { bindings::irq_set_irqchip_state(self.irq, which, value) };
        kernel::error::to_result(ret)
    }

    fn state(&self, which: bindings::irqchip_irq_state) -> Result<bool> {
        let mut state = false;
        // SAFETY: `irq` has a descriptor (type invariant) and `state` is a
        // valid place for the answer during the call.
        let ret = unsafe { bindings::irq_get_irqchip_state(self.irq, which, &mut state) };
        kernel::error::to_result(ret)?;
        Ok(state)
    }
}
