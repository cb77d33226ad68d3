// SPDX-License-Identifier: GPL-2.0

//! Software-generated interrupts to a core Linux does not run on (GICv3
//! system-register interface): the rig pokes the remote firmware with one.

use crate::sys;
use kernel::prelude::*;

/// Whether Linux drives the board's GIC as a GICv3 (an available
/// `arm,gic-v3` node): only then is the system-register interface, which
/// [`send_sgi`] writes, enabled. On a GIC-400 (GICv2: RK3506, RK3562,
/// RK3576) an access to it is undefined.
pub(crate) fn system_registers_in_use() -> bool {
    // SAFETY: the compatible is NUL-terminated; a NULL start searches the
    // whole tree; the lookup takes a reference on the node it returns,
    // dropped below.
    let np = unsafe {
        sys::of_find_compatible_node(
            core::ptr::null_mut(),
            core::ptr::null(),
            c"arm,gic-v3".as_char_ptr(),
        )
    };
    if np.is_null() {
        return false;
    }
    // SAFETY: `np` is a live node, referenced above.
    let available = unsafe { sys::of_device_is_available(np) };
    // Nodes are reference-counted only with CONFIG_OF_DYNAMIC; without it
    // `of_node_put` is an empty inline that has no symbol.
    #[cfg(CONFIG_OF_DYNAMIC)]
    // SAFETY: drops the reference the lookup took.
    unsafe {
        sys::of_node_put(np)
    };
    available
}

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
