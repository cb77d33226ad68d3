// SPDX-License-Identifier: GPL-2.0

//! The EL1 virtual timer: the firmware's only timeout source (PPI 27).

use core::arch::asm;

/// The virtual timer's interrupt (PPI 11, INTID 27).
pub const VIRTUAL_TIMER_INTID: u32 = 27;

/// Ticks per second of the system counter.
pub fn frequency() -> u64 {
    let f: u64;
    // SAFETY: reading CNTFRQ_EL0 has no side effect.
    unsafe { asm!("mrs {}, cntfrq_el0", out(reg) f, options(nomem, nostack)) };
    f
}

/// The virtual count now.
pub fn now() -> u64 {
    let c: u64;
    // SAFETY: reading CNTVCT_EL0 has no side effect; the `isb` keeps the
    // read from being taken early.
    unsafe { asm!("isb", "mrs {}, cntvct_el0", out(reg) c, options(nomem, nostack)) };
    c
}

/// Arms the timer to fire `us` microseconds from now (its line stays up
/// until [`disarm`]).
pub fn arm_in_us(us: u64) {
    let ticks = frequency().saturating_mul(us) / 1_000_000;
    let ticks = ticks.clamp(1, u64::from(u32::MAX >> 1));
    // SAFETY: writing the virtual timer's own registers only affects this
    // CPU's timer interrupt.
    unsafe {
        asm!("msr cntv_tval_el0, {}", "msr cntv_ctl_el0, {}", "isb",
             in(reg) ticks, in(reg) 1u64, options(nomem, nostack));
    }
}

/// Stops the timer and lowers its line.
pub fn disarm() {
    // SAFETY: as in `arm_in_us`.
    unsafe { asm!("msr cntv_ctl_el0, {}", "isb", in(reg) 0u64, options(nomem, nostack)) };
}
