// SPDX-License-Identifier: GPL-2.0

//! Software-generated interrupts to a core Linux does not run on (GICv3
//! system-register interface): the rig pokes the remote firmware with one.

use kernel::prelude::*;

/// SGIs Linux's arm64 IPIs leave free.
const FIRST_FREE_SGI: u8 = 8;

/// Sends SGI `intid` to the single core with affinity `mpidr`.
pub(crate) fn send_sgi(intid: u8, mpidr: u64) -> Result {
    let aff0 = mpidr & 0xff;
    if !(FIRST_FREE_SGI..16).contains(&intid) || aff0 >= 16 {
        return Err(EINVAL);
    }
    let aff1 = (mpidr >> 8) & 0xff;
    let aff2 = (mpidr >> 16) & 0xff;
    let aff3 = (mpidr >> 32) & 0xff;
    let value =
        (1u64 << aff0) | (aff1 << 16) | (u64::from(intid) << 24) | (aff2 << 32) | (aff3 << 48);
    // SAFETY: ICC_SGI1R_EL1 only generates a group 1 SGI at the target
    // core; the SGI number is one Linux's IPIs do not use, and the target
    // is a single core. The barrier orders the caller's memory writes
    // before the interrupt, as Linux's own IPIs do.
    unsafe {
        core::arch::asm!(
            "dsb ishst",
            "msr s3_0_c12_c11_5, {v}",
            "isb",
            v = in(reg) value,
            options(nostack)
        );
    }
    Ok(())
}
