// SPDX-License-Identifier: GPL-2.0

//! Memory shared with a remote core, mapped by physical address.

use crate::sys;
use kernel::prelude::*;

/// A physical memory range mapped write-combined into the kernel.
///
/// Used for the vring region and, on the simulator's side, for the
/// shared-dma-pool: memory another core reads and writes concurrently, so
/// every access is volatile and bounds-checked.
///
/// # Invariants
///
/// `virt` is the mapping of `size` bytes at `phys` returned by `memremap()`;
/// it stays valid until `drop` unmaps it.
pub(crate) struct SharedRegion {
    virt: *mut u8,
    phys: u64,
    size: usize,
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
    /// Maps `size` bytes of physical memory at `phys`.
    pub(crate) fn map(phys: u64, size: usize) -> Result<Self> {
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
        })
    }

    /// Physical address of the first byte.
    pub(crate) fn phys(&self) -> u64 {
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
        kernel::sync::barrier::smp_mb();
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
    }
}
