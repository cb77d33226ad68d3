// SPDX-License-Identifier: GPL-2.0

//! Physical windows the firmware may access, checked against the board's
//! memory map before the first access.

use rpmsg_proto::shared_mem::{OutOfBounds, SharedMem, WireAddr, WireSize};

/// The board's device space (GIC, mailbox blocks): QEMU virt below RAM.
const DEVICE_SPACE: (usize, usize) = (0x0800_0000, 0x1000_0000);
/// The board's RAM (QEMU virt, 512 MiB from 1 GiB).
const RAM: (usize, usize) = (0x4000_0000, 0x6000_0000);

extern "C" {
    /// Start of the firmware image (link.ld).
    static __image_start: u8;
    /// End of the firmware image, its stack included (link.ld).
    static __image_end: u8;
    /// The log ring and control page at the end of the region (link.ld).
    static __control_area: u8;
}

fn image_range() -> (usize, usize) {
    // Only the symbols' addresses are taken; they are never read.
    (
        core::ptr::addr_of!(__image_start) as usize,
        core::ptr::addr_of!(__image_end) as usize,
    )
}

/// Why a window was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowError {
    /// The range wraps or is empty.
    Empty,
    /// The range is not inside the memory map's region of its kind.
    OutsideMap,
    /// The range overlaps the firmware's own image and stack.
    OverlapsImage,
}

/// A range of physical addresses the firmware owns or shares.
///
/// # Invariants
///
/// `base..base + size` lies entirely inside one region of the board's
/// memory map of the kind it was created for (RAM outside the firmware
/// image, or device space), so every access inside it reaches memory or a
/// device register and never the firmware's own code, data or stack.
#[derive(Clone, Copy)]
pub struct PhysWindow {
    base: usize,
    size: usize,
}

impl PhysWindow {
    fn checked(
        base: WireAddr,
        size: WireSize,
        region: (usize, usize),
    ) -> Result<Self, WindowError> {
        let base = usize::try_from(base).map_err(|_| WindowError::OutsideMap)?;
        let size = usize::try_from(size).map_err(|_| WindowError::OutsideMap)?;
        let end = base.checked_add(size).ok_or(WindowError::Empty)?;
        if size == 0 {
            return Err(WindowError::Empty);
        }
        if base < region.0 || end > region.1 {
            return Err(WindowError::OutsideMap);
        }
        Ok(Self { base, size })
    }

    /// Shared RAM: inside the board's RAM and outside the firmware image.
    pub fn ram(base: WireAddr, size: WireSize) -> Result<Self, WindowError> {
        let w = Self::checked(base, size, RAM)?;
        let (start, end) = image_range();
        if w.base < end && start < w.base + w.size {
            return Err(WindowError::OverlapsImage);
        }
        Ok(w)
    }

    /// The log ring and control page at the end of the firmware's region
    /// ([`rpmsg_proto::firmware_control::CONTROL_AREA_SIZE`] bytes).
    pub fn control_area() -> Result<Self, WindowError> {
        let base = core::ptr::addr_of!(__control_area) as WireAddr;
        let size = rpmsg_proto::firmware_control::CONTROL_AREA_SIZE as WireSize;
        Self::ram(base, size)
    }

    /// Device registers: inside the board's device space.
    pub fn device(base: WireAddr, size: WireSize) -> Result<Self, WindowError> {
        Self::checked(base, size, DEVICE_SPACE)
    }

    /// The part of this window from `off` on, `size` bytes long.
    pub fn sub(&self, off: usize, size: usize) -> Option<Self> {
        let end = off.checked_add(size)?;
        (end <= self.size && size > 0).then_some(Self {
            base: self.base + off,
            size,
        })
    }

    /// Physical address of the window's first byte.
    pub fn base(&self) -> usize {
        self.base
    }

    fn addr(&self, off: usize, len: usize, align: usize) -> Result<usize, OutOfBounds> {
        let end = off.checked_add(len).ok_or(OutOfBounds)?;
        if end > self.size || !(self.base + off).is_multiple_of(align) {
            return Err(OutOfBounds);
        }
        Ok(self.base + off)
    }

    /// Reads the `u8` at `off`.
    pub fn read_u8(&self, off: usize) -> Result<u8, OutOfBounds> {
        let a = self.addr(off, 1, 1)?;
        // SAFETY: `a` lies inside the window (checked above), which by the
        // type invariant is memory or registers the firmware may access.
        Ok(unsafe { core::ptr::read_volatile(a as *const u8) })
    }

    /// Writes the `u8` at `off`.
    pub fn write_u8(&self, off: usize, v: u8) -> Result<(), OutOfBounds> {
        let a = self.addr(off, 1, 1)?;
        // SAFETY: as in `read_u8`.
        unsafe { core::ptr::write_volatile(a as *mut u8, v) };
        Ok(())
    }

    /// Reads the aligned little-endian `u64` at `off` (as two words, as
    /// 64-bit GIC registers allow).
    pub fn read_u64_pair(&self, off: usize) -> Result<u64, OutOfBounds> {
        let lo = self.read_u32(off)?;
        let hi = self.read_u32(off + 4)?;
        Ok(u64::from(lo) | (u64::from(hi) << 32))
    }
}

macro_rules! volatile_read {
    ($name:ident, $t:ty) => {
        fn $name(&self, off: usize) -> Result<$t, OutOfBounds> {
            let a = self.addr(off, core::mem::size_of::<$t>(), core::mem::size_of::<$t>())?;
            // SAFETY: `a` is aligned and lies inside the window (checked
            // above), which by the type invariant the firmware may access.
            Ok(<$t>::from_le(unsafe {
                core::ptr::read_volatile(a as *const $t)
            }))
        }
    };
}

macro_rules! volatile_write {
    ($name:ident, $t:ty) => {
        fn $name(&self, off: usize, v: $t) -> Result<(), OutOfBounds> {
            let a = self.addr(off, core::mem::size_of::<$t>(), core::mem::size_of::<$t>())?;
            // SAFETY: as for the reads.
            unsafe { core::ptr::write_volatile(a as *mut $t, v.to_le()) };
            Ok(())
        }
    };
}

impl SharedMem for PhysWindow {
    fn size(&self) -> usize {
        self.size
    }
    volatile_read!(read_u16, u16);
    volatile_read!(read_u32, u32);
    volatile_read!(read_u64, u64);
    volatile_write!(write_u16, u16);
    volatile_write!(write_u32, u32);

    fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result<(), OutOfBounds> {
        self.addr(off, buf.len(), 1)?;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.read_u8(off + i)?;
        }
        Ok(())
    }

    fn write_bytes(&self, off: usize, buf: &[u8]) -> Result<(), OutOfBounds> {
        self.addr(off, buf.len(), 1)?;
        for (i, b) in buf.iter().enumerate() {
            self.write_u8(off + i, *b)?;
        }
        Ok(())
    }

    fn barrier(&self) {
        crate::bare::cpu::full_barrier();
    }
}
