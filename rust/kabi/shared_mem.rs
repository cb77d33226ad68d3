// SPDX-License-Identifier: GPL-2.0

//! Memory shared with a remote core, mapped by physical address.

use crate::{reserved_mem::ReservedRange, sys};
use core::ptr::NonNull;
use kernel::{bindings, io::PhysAddr, prelude::*};

/// A physical address as the shared-memory formats carry it (the vring
/// descriptor's and the control page's 64-bit words), on 32- and 64-bit
/// kernels alike.
#[allow(clippy::useless_conversion)] // The identity on 64-bit kernels.
pub(crate) fn wire_addr(phys: PhysAddr) -> u64 {
    u64::from(phys)
}

/// A resource size as the shared-memory formats carry it; see [`wire_addr`].
#[allow(clippy::useless_conversion)] // The identity on 64-bit kernels.
pub(crate) fn wire_size(size: kernel::io::ResourceSize) -> u64 {
    u64::from(size)
}

/// A 64-bit address from a shared-memory format or a device-tree cell as a
/// physical address, if this kernel's physical addresses reach it.
#[allow(clippy::useless_conversion)] // The identity on 64-bit kernels.
pub(crate) fn phys_from_wire(addr: u64) -> Option<PhysAddr> {
    PhysAddr::try_from(addr).ok()
}

/// A physical memory range mapped write-combined into the kernel.
///
/// Used for the vring region and, on the simulator's side, for the
/// shared-dma-pool: memory another core reads and writes concurrently, so
/// every access is volatile and bounds-checked.
///
/// # Invariants
///
/// `virt` is the mapping of `size` bytes at `phys` returned by `memremap()`;
/// it stays valid until `drop` unmaps it. `claim`, when set, is the busy
/// iomem entry `__request_region()` returned for exactly that range, held
/// until `drop` releases it after unmapping.
pub(crate) struct SharedRegion {
    virt: *mut u8,
    phys: PhysAddr,
    size: usize,
    claim: Option<NonNull<bindings::resource>>,
}

// SAFETY: the mapping is plain memory; all accesses are volatile and
// bounds-checked, and concurrent access by the other core is the point.
unsafe impl Send for SharedRegion {}
// SAFETY: as above; no method hands out references into the mapping.
unsafe impl Sync for SharedRegion {}

/// Error for an access outside a shared region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutOfRegion;

impl SharedRegion {
    /// Claims `size` bytes at `phys` for the driver named `owner` and maps
    /// them. Fails with `EBUSY` while any part of the range is claimed by
    /// another driver (or another node of this one), so two users never
    /// share a ring region by mistake; the claim shows in `/proc/iomem`.
    pub(crate) fn claim(phys: PhysAddr, size: usize, owner: &'static CStr) -> Result<Self> {
        if size == 0 {
            return Err(EINVAL);
        }
        // SAFETY: `iomem_resource` is the kernel's root of the memory
        // resource tree, which `__request_region()` locks itself; `owner`
        // is static, so the entry's name outlives it.
        let claim = unsafe {
            bindings::__request_region(
                &raw mut bindings::iomem_resource,
                phys,
                size as bindings::resource_size_t,
                owner.as_char_ptr(),
                0,
            )
        };
        let claim = NonNull::new(claim).ok_or(EBUSY)?;
        match Self::map(phys, size) {
            Ok(mut region) => {
                // INVARIANT: the entry for exactly this range.
                region.claim = Some(claim);
                Ok(region)
            }
            Err(e) => {
                // SAFETY: the entry requested above for this range, released
                // once.
                unsafe { bindings::release_mem_region(phys, size as bindings::resource_size_t) };
                Err(e)
            }
        }
    }

    /// Maps the reserved-memory region `range` without claiming it: the
    /// remote core's view of a region the Linux driver claims. Only the
    /// rig's simulated remote uses it; drivers use [`Self::claim`]. Taking
    /// a [`ReservedRange`] keeps it to memory the device tree set aside.
    pub(crate) fn map_remote_view(range: &ReservedRange) -> Result<Self> {
        let size = usize::try_from(range.size()).map_err(|_| EINVAL)?;
        Self::map(range.start(), size)
    }

    /// Maps the register block of `size` bytes at `phys` as the remote core
    /// sees it: the rig's simulated remote driving the mailbox that a Linux
    /// driver owns (and claims), so nothing is claimed here. Refuses any
    /// range that touches System RAM: this view is for device registers.
    pub(crate) fn map_remote_registers(phys: PhysAddr, size: usize) -> Result<Self> {
        let flags = (sys::IORESOURCE_MEM | sys::IORESOURCE_SYSRAM) as kernel::ffi::c_ulong;
        // SAFETY: `region_intersects` only walks the resource tree, under
        // the lock it takes itself.
        let overlap = unsafe {
            sys::region_intersects(
                phys,
                size,
                flags,
                sys::IORES_DESC_NONE as kernel::ffi::c_ulong,
            )
        };
        if overlap != sys::REGION_DISJOINT as kernel::ffi::c_int {
            return Err(EINVAL);
        }
        Self::map(phys, size)
    }

    /// Maps `size` bytes at `phys`; private, so that only a claimed range, a
    /// reserved-memory region or a device's registers are ever mapped.
    fn map(phys: PhysAddr, size: usize) -> Result<Self> {
        if size == 0 {
            return Err(EINVAL);
        }
        // SAFETY: `memremap` accepts any range; it fails (NULL) for ranges
        // it cannot map, such as normal RAM with a conflicting mapping.
        let virt = unsafe { sys::memremap(phys, size, sys::MEMREMAP_WC as kernel::ffi::c_ulong) };
        if virt.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: `virt` maps `size` bytes at `phys`.
        Ok(Self {
            virt: virt.cast(),
            phys,
            size,
            claim: None,
        })
    }

    /// Physical address of the first byte.
    pub(crate) fn phys(&self) -> PhysAddr {
        self.phys
    }

    /// Size in bytes.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    fn checked(&self, off: usize, len: usize) -> Result<*mut u8, OutOfRegion> {
        match off.checked_add(len) {
            Some(end) if end <= self.size => {
                // SAFETY: `off + len <= size`, so the pointer stays inside
                // the mapping (type invariant).
                Ok(unsafe { self.virt.add(off) })
            }
            _ => Err(OutOfRegion),
        }
    }

    /// Reads a little-endian `u16` at `off` (2-byte aligned accesses only).
    pub(crate) fn read_u16(&self, off: usize) -> Result<u16, OutOfRegion> {
        let p = self.aligned(off, 2)?;
        // SAFETY: `p` is in bounds and 2-byte aligned (checked above).
        Ok(u16::from_le(unsafe {
            core::ptr::read_volatile(p.cast::<u16>())
        }))
    }

    /// Reads a little-endian `u32` at `off`.
    pub(crate) fn read_u32(&self, off: usize) -> Result<u32, OutOfRegion> {
        let p = self.aligned(off, 4)?;
        // SAFETY: `p` is in bounds and 4-byte aligned (checked above).
        Ok(u32::from_le(unsafe {
            core::ptr::read_volatile(p.cast::<u32>())
        }))
    }

    /// Reads a little-endian `u64` at `off`.
    pub(crate) fn read_u64(&self, off: usize) -> Result<u64, OutOfRegion> {
        let p = self.aligned(off, 8)?;
        // SAFETY: `p` is in bounds and 8-byte aligned (checked above).
        Ok(u64::from_le(unsafe {
            core::ptr::read_volatile(p.cast::<u64>())
        }))
    }

    /// Writes a little-endian `u16` at `off`.
    pub(crate) fn write_u16(&self, off: usize, v: u16) -> Result<(), OutOfRegion> {
        let p = self.aligned(off, 2)?;
        // SAFETY: `p` is in bounds and 2-byte aligned (checked above).
        unsafe { core::ptr::write_volatile(p.cast::<u16>(), v.to_le()) };
        Ok(())
    }

    /// Writes a little-endian `u32` at `off`.
    pub(crate) fn write_u32(&self, off: usize, v: u32) -> Result<(), OutOfRegion> {
        let p = self.aligned(off, 4)?;
        // SAFETY: `p` is in bounds and 4-byte aligned (checked above).
        unsafe { core::ptr::write_volatile(p.cast::<u32>(), v.to_le()) };
        Ok(())
    }

    /// Copies `buf.len()` bytes out of the region.
    pub(crate) fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result<(), OutOfRegion> {
        let p = self.checked(off, buf.len())?;
        for (i, b) in buf.iter_mut().enumerate() {
            // SAFETY: `p + i` is in bounds because `off + len` is.
            *b = unsafe { core::ptr::read_volatile(p.add(i)) };
        }
        Ok(())
    }

    /// Copies `buf` into the region.
    pub(crate) fn write_bytes(&self, off: usize, buf: &[u8]) -> Result<(), OutOfRegion> {
        let p = self.checked(off, buf.len())?;
        for (i, b) in buf.iter().enumerate() {
            // SAFETY: `p + i` is in bounds because `off + len` is.
            unsafe { core::ptr::write_volatile(p.add(i), *b) };
        }
        Ok(())
    }

    /// Zeroes `len` bytes at `off`.
    pub(crate) fn zero(&self, off: usize, len: usize) -> Result<(), OutOfRegion> {
        let p = self.checked(off, len)?;
        // SAFETY: the range is inside the mapping (checked above).
        unsafe { core::ptr::write_bytes(p, 0, len) };
        Ok(())
    }

    /// Full barrier ordering ring accesses against the other core's.
    pub(crate) fn barrier(&self) {
        crate::compat::smp_mb();
    }

    /// Kernel address of byte `off`, for handing ring memory to C code.
    pub(crate) fn virt_at(&self, off: usize, len: usize) -> Result<*mut u8, OutOfRegion> {
        self.checked(off, len)
    }

    fn aligned(&self, off: usize, len: usize) -> Result<*mut u8, OutOfRegion> {
        if off % len != 0 {
            return Err(OutOfRegion);
        }
        self.checked(off, len)
    }
}

impl Drop for SharedRegion {
    fn drop(&mut self) {
        // SAFETY: `virt` came from `memremap()` (type invariant) and is
        // unmapped exactly once, here.
        unsafe { sys::memunmap(self.virt.cast()) };
        if self.claim.take().is_some() {
            // SAFETY: the claim is this range's busy entry (type invariant),
            // released once, here, after the mapping is gone.
            unsafe {
                bindings::release_mem_region(self.phys, self.size as bindings::resource_size_t)
            };
        }
    }
}
