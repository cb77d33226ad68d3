// SPDX-License-Identifier: GPL-2.0

//! Software-generated interrupts to a core Linux does not run on: the
//! lifecycle driver's requests and the rig's knobs reach the remote
//! firmware with one. On a GICv3 through the system-register interface
//! (addressed by affinity); on a GICv2 (GIC-400: RK3506, RK3562, RK3576)
//! through the distributor's GICD_SGIR (addressed by CPU interface).

use crate::sys;
use core::ptr::NonNull;
use kernel::prelude::*;

/// SGIs Linux's arm64 IPIs leave free.
const FIRST_FREE_SGI: u8 = 8;
/// GICD_SGIR, in the distributor's first page.
const GICD_SGIR: usize = 0xf00;
/// Device-tree compatibles of GICv2 distributors.
const GIC_V2_COMPATIBLES: [&CStr; 4] = [
    c"arm,gic-400",
    c"arm,cortex-a15-gic",
    c"arm,cortex-a7-gic",
    c"arm,cortex-a9-gic",
];

/// How SGIs reach one remote core.
///
/// # Invariants
///
/// For `Distributor`, `base` is a live mapping of at least the first page
/// of the board's GICv2 distributor, from `of_iomap`, unmapped once by
/// `drop`.
pub(crate) enum SgiSender {
    /// GICv3: ICC_SGI1R_EL1, to the core with this affinity.
    SystemRegisters { mpidr: u64 },
    /// GICv2: GICD_SGIR, to the CPU interface bit `target`.
    Distributor { base: NonNull<u8>, target: u8 },
}

// SAFETY: the mapping is device memory any CPU may write; GICD_SGIR writes
// are single, self-contained stores.
unsafe impl Send for SgiSender {}
// SAFETY: as `Send`; `send` takes `&self` and only stores.
unsafe impl Sync for SgiSender {}

/// The first available node with one of `compatibles`, referenced (the
/// caller drops it with [`put_node`]).
fn find_available(compatibles: &[&CStr]) -> Option<NonNull<kernel::bindings::device_node>> {
    compatibles.iter().find_map(|compatible| {
        // SAFETY: the compatible is NUL-terminated; a NULL start searches
        // the whole tree; the lookup takes a reference on what it returns.
        let np = unsafe {
            sys::of_find_compatible_node(
                core::ptr::null_mut(),
                core::ptr::null(),
                compatible.as_char_ptr(),
            )
        };
        let np = NonNull::new(np)?;
        // SAFETY: `np` is a live node, referenced above.
        if unsafe { sys::of_device_is_available(np.as_ptr()) } {
            Some(np)
        } else {
            put_node(np);
            None
        }
    })
}

#[cfg_attr(not(CONFIG_OF_DYNAMIC), allow(unused_variables))]
fn put_node(np: NonNull<kernel::bindings::device_node>) {
    // Nodes are reference-counted only with CONFIG_OF_DYNAMIC; without it
    // `of_node_put` is an empty inline that has no symbol.
    #[cfg(CONFIG_OF_DYNAMIC)]
    // SAFETY: drops a reference the caller's lookup took.
    unsafe {
        sys::of_node_put(np.as_ptr())
    };
}

impl SgiSender {
    /// The way to the core with affinity `mpidr` on this board's GIC (an
    /// available `arm,gic-v3` node, else a GICv2 distributor, whose CPU
    /// interface for the core is taken to be its Aff0, as on Rockchip's
    /// single-cluster GIC-400 SoCs).
    pub(crate) fn to_core(mpidr: u64) -> Result<Self> {
        if let Some(np) = find_available(&[c"arm,gic-v3"]) {
            put_node(np);
            // 32-bit Rockchip SoCs (RK3506) have a GIC-400; the GICv3
            // system-register path is AArch64's only.
            if cfg!(not(target_arch = "aarch64")) {
                return Err(Error::from_errno(-(kernel::bindings::EOPNOTSUPP as i32)));
            }
            if mpidr & 0xff >= 16 {
                return Err(EINVAL);
            }
            return Ok(Self::SystemRegisters { mpidr });
        }
        let np = find_available(&GIC_V2_COMPATIBLES).ok_or(ENODEV)?;
        // SAFETY: `np` is a live node; entry 0 of its `reg` is the
        // distributor.
        let base = unsafe { sys::of_iomap(np.as_ptr(), 0) };
        put_node(np);
        let base = NonNull::new(base.cast::<u8>()).ok_or(ENOMEM)?;
        let aff0 = mpidr & 0xff;
        if aff0 >= 8 {
            // A GICv2 has eight CPU interfaces.
            // SAFETY: mapped just above, not used after.
            unsafe { kernel::bindings::iounmap(base.as_ptr().cast()) };
            return Err(EINVAL);
        }
        // INVARIANT: `base` maps the distributor until `drop`.
        Ok(Self::Distributor {
            base,
            target: 1 << aff0,
        })
    }

    /// Sends SGI `intid` to the core.
    pub(crate) fn send(&self, intid: u8) -> Result {
        if !(FIRST_FREE_SGI..16).contains(&intid) {
            return Err(EINVAL);
        }
        match self {
            Self::SystemRegisters { mpidr } => {
                let aff0 = mpidr & 0xff;
                let aff1 = (mpidr >> 8) & 0xff;
                let aff2 = (mpidr >> 16) & 0xff;
                let aff3 = (mpidr >> 32) & 0xff;
                let value = (1u64 << aff0)
                    | (aff1 << 16)
                    | (u64::from(intid) << 24)
                    | (aff2 << 32)
                    | (aff3 << 48);
                // Built only where it is reached: `to_core` refuses a
                // GICv3 elsewhere.
                #[cfg(target_arch = "aarch64")]
                // SAFETY: a GICv3 is in use (checked at construction), so
                // ICC_SGI1R_EL1 is enabled; it only generates a group 1
                // SGI at the target core; the SGI number is one Linux's
                // IPIs do not use, and the target is a single core. The
                // barrier orders the caller's memory writes before the
                // interrupt, as Linux's own IPIs do.
                unsafe {
                    core::arch::asm!(
                        "dsb ishst",
                        "msr s3_0_c12_c11_5, {v}",
                        "isb",
                        v = in(reg) value,
                        options(nostack)
                    );
                }
                #[cfg(not(target_arch = "aarch64"))]
                let _ = value;
            }
            Self::Distributor { base, target } => {
                let value = (u32::from(*target) << 16) | u32::from(intid);
                // SAFETY: `base` maps the distributor (type invariant), so
                // GICD_SGIR lies inside it; `writel` orders the caller's
                // memory writes before the store.
                unsafe { kernel::bindings::writel(value, base.as_ptr().add(GICD_SGIR).cast()) };
            }
        }
        Ok(())
    }
}

impl Drop for SgiSender {
    fn drop(&mut self) {
        if let Self::Distributor { base, .. } = self {
            // SAFETY: from `of_iomap`, unmapped once (type invariant).
            unsafe { kernel::bindings::iounmap(base.as_ptr().cast()) };
        }
    }
}
