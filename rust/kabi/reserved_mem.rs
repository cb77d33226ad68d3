// SPDX-License-Identifier: GPL-2.0

//! Reserved memory: assigning a shared-dma-pool to a device, and looking up
//! reserved regions named by `memory-region`.

use crate::sys;
use kernel::{
    bindings, device,
    io::{PhysAddr, ResourceSize},
    prelude::*,
    sync::aref::ARef,
};

fn raw(dev: &device::Device) -> *mut bindings::device {
    // `device::Device` is a transparent wrapper around `struct device`.
    core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut()
}

/// A shared-dma-pool assigned to a device: `dma_alloc_coherent()` on the
/// device draws from it until this is dropped.
///
/// # Invariants
///
/// `of_reserved_mem_device_init_by_idx()` succeeded for `dev`.
pub(crate) struct AssignedPool {
    dev: ARef<device::Device>,
}

impl AssignedPool {
    /// Assigns entry `index` of the device's `memory-region` to it.
    pub(crate) fn assign(dev: &device::Device<device::Bound>, index: u32) -> Result<Self> {
        let d = raw(dev);
        let index = kernel::ffi::c_int::try_from(index)?;
        // SAFETY: `d` is a bound device, so its `of_node` is stable.
        let ret = unsafe { sys::of_reserved_mem_device_init_by_idx(d, (*d).of_node, index) };
        kernel::error::to_result(ret)?;
        // INVARIANT: assigned above.
        let dev: &device::Device = dev;
        Ok(Self { dev: dev.into() })
    }
}

impl AssignedPool {
    /// Bytes of the pool's first `size` bytes that are allocated now.
    ///
    /// Counts by allocating every free page of the pool (as the pool's own
    /// allocator hands them out) and freeing them again; call it only when
    /// nothing else allocates from the pool, e.g. after the virtio devices
    /// using it are gone. May sleep.
    pub(crate) fn bytes_in_use(&self, size: usize) -> usize {
        let page = kernel::page::PAGE_SIZE;
        let pages = size / page;
        let mut taken: KVec<(*mut kernel::ffi::c_void, bindings::dma_addr_t)> =
            match KVec::with_capacity(pages, GFP_KERNEL) {
                Ok(v) => v,
                // Cannot count: report nothing rather than a false leak.
                Err(_) => return 0,
            };
        while taken.len() < pages {
            let mut handle: bindings::dma_addr_t = 0;
            // SAFETY: the device is live (we hold a reference) and has the
            // pool assigned (type invariant); `handle` is writable. With a
            // per-device pool the allocation never falls back to other
            // memory: it fails once the pool is full.
            let cpu = unsafe {
                bindings::dma_alloc_attrs(
                    raw(&self.dev),
                    page,
                    &mut handle,
                    bindings::GFP_KERNEL | bindings::__GFP_NOWARN,
                    bindings::DMA_ATTR_NO_WARN as kernel::ffi::c_ulong,
                )
            };
            if cpu.is_null() || taken.push((cpu, handle), GFP_KERNEL).is_err() {
                if !cpu.is_null() {
                    // SAFETY: allocated just above with these arguments.
                    unsafe { bindings::dma_free_attrs(raw(&self.dev), page, cpu, handle, 0) };
                }
                break;
            }
        }
        let free = taken.len();
        for (cpu, handle) in taken.drain_all() {
            // SAFETY: each was allocated above with these arguments and is
            // freed once.
            unsafe { bindings::dma_free_attrs(raw(&self.dev), page, cpu, handle, 0) };
        }
        (pages - free) * page
    }
}

impl Drop for AssignedPool {
    fn drop(&mut self) {
        // SAFETY: the pool was assigned to this device (type invariant).
        unsafe { sys::of_reserved_mem_device_release(raw(&self.dev)) };
    }
}

/// The physical range of a device-tree reserved-memory region.
///
/// # Invariants
///
/// `start` and `size` are the range of a `reserved-memory` node, as
/// `of_reserved_mem_region_to_resource*()` reported it: memory the kernel
/// set aside at boot, not RAM it hands out or another device's registers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReservedRange {
    start: PhysAddr,
    size: ResourceSize,
}

impl ReservedRange {
    /// First byte.
    pub(crate) fn start(&self) -> PhysAddr {
        self.start
    }

    /// Size in bytes.
    pub(crate) fn size(&self) -> ResourceSize {
        self.size
    }

    /// The range less its last `size` bytes, if it is longer than that.
    pub(crate) fn without_tail(&self, size: ResourceSize) -> Option<Self> {
        // INVARIANT: a part of a reserved range is reserved as well.
        (size < self.size).then(|| Self {
            start: self.start,
            size: self.size - size,
        })
    }

    /// The last `size` bytes of the range, if it is that long.
    pub(crate) fn tail(&self, size: ResourceSize) -> Option<Self> {
        // INVARIANT: a part of a reserved range is reserved as well.
        (size > 0 && size <= self.size).then(|| Self {
            start: self.start + (self.size - size),
            size,
        })
    }
}

fn to_range(res: &bindings::resource) -> ReservedRange {
    // INVARIANT: callers pass only what the reserved-memory lookups filled.
    ReservedRange {
        start: res.start,
        size: res.end.wrapping_sub(res.start).wrapping_add(1),
    }
}

/// The reserved region that entry `index` of `memory-region` points at.
pub(crate) fn region(dev: &device::Device, index: u32) -> Result<ReservedRange> {
    // SAFETY: all-zero is a valid `struct resource`.
    let mut res: bindings::resource = unsafe { core::mem::zeroed() };
    // SAFETY: `dev` is live and `res` is writable.
    let ret =
        unsafe { sys::of_reserved_mem_region_to_resource((*raw(dev)).of_node, index, &mut res) };
    kernel::error::to_result(ret)?;
    Ok(to_range(&res))
}

/// The reserved region named `name` in `memory-region-names`.
pub(crate) fn region_by_name(dev: &device::Device, name: &CStr) -> Result<ReservedRange> {
    // SAFETY: all-zero is a valid `struct resource`.
    let mut res: bindings::resource = unsafe { core::mem::zeroed() };
    // SAFETY: `dev` is live, `name` is NUL-terminated and `res` is writable.
    let ret = unsafe {
        sys::of_reserved_mem_region_to_resource_byname(
            (*raw(dev)).of_node,
            name.as_char_ptr(),
            &mut res,
        )
    };
    kernel::error::to_result(ret)?;
    Ok(to_range(&res))
}
