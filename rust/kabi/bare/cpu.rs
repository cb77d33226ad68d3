// SPDX-License-Identifier: GPL-2.0

//! The remote CPU itself: barriers, sleeping, identity, PSCI calls.

use core::arch::asm;

/// Orders every earlier memory access before every later one, against the
/// other cores and devices (`dsb sy`).
pub fn full_barrier() {
    // SAFETY: a barrier has no operands and no effect on Rust's state.
    unsafe { asm!("dsb sy", options(nostack, preserves_flags)) };
}

/// Sleeps until an interrupt is pending at this CPU's GIC interface. IRQs
/// stay masked at the core: the firmware takes them by acknowledging at the
/// GIC after the wake-up, so no IRQ vector ever runs.
pub fn wait_for_interrupt() {
    // SAFETY: `wfi` only suspends the core; `dsb` first so the last
    // register write (e.g. a status clear) has landed before it sleeps.
    unsafe { asm!("dsb sy", "wfi", options(nostack, preserves_flags)) };
}

/// Tells the hardware (or an emulator running the CPUs in turns) that this
/// core is spinning on a condition another core will change.
pub fn spin_hint() {
    // SAFETY: `yield` is a hint with no architectural effect.
    unsafe { asm!("yield", options(nomem, nostack, preserves_flags)) };
}

/// The affinity fields of this CPU's MPIDR_EL1 (Aff3 in bits 39:32).
pub fn affinity() -> u64 {
    let mpidr: u64;
    // SAFETY: reading MPIDR_EL1 has no side effect.
    unsafe { asm!("mrs {}, mpidr_el1", out(reg) mpidr, options(nomem, nostack)) };
    mpidr & 0xff_00ff_ffff
}

/// What the core reports about a synchronous exception.
#[derive(Debug, Clone, Copy)]
pub struct ExceptionState {
    /// ESR_EL1: the cause.
    pub esr: u64,
    /// ELR_EL1: the faulting instruction.
    pub elr: u64,
    /// FAR_EL1: the faulting address, for aborts.
    pub far: u64,
}

/// The exception registers, read in an exception handler.
pub fn exception_state() -> ExceptionState {
    let (esr, elr, far): (u64, u64, u64);
    // SAFETY: reading the exception syndrome registers has no side effect.
    unsafe {
        asm!("mrs {}, esr_el1", out(reg) esr, options(nomem, nostack));
        asm!("mrs {}, elr_el1", out(reg) elr, options(nomem, nostack));
        asm!("mrs {}, far_el1", out(reg) far, options(nomem, nostack));
    }
    ExceptionState { esr, elr, far }
}

/// Executes a permanently undefined instruction (`udf`): the synchronous
/// exception a firmware bug raises, for the crash knob.
pub fn undefined_instruction() -> ! {
    // SAFETY: `udf` raises an exception that the vectors handle; it
    // touches nothing of Rust's state and never returns here.
    unsafe { asm!("udf #0", options(noreturn, nomem, nostack)) }
}

const PSCI_CPU_OFF: u64 = 0x8400_0002;

/// Turns this CPU off through PSCI (HVC conduit, as the board's `psci`
/// node says); whoever starts it again starts it at the image's entry.
pub fn power_off() -> ! {
    loop {
        // SAFETY: CPU_OFF takes no memory arguments; on success it does not
        // return, on failure it returns an error code in x0 and the loop
        // tries again after a wait.
        unsafe {
            asm!("hvc #0", inout("x0") PSCI_CPU_OFF => _, out("x1") _, out("x2") _,
                 out("x3") _, options(nostack));
        }
        wait_for_interrupt();
    }
}
