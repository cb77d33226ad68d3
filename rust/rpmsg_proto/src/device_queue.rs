//! The device side of one legacy split virtqueue.
//!
//! The driver (Linux) owns the descriptor table and the avail ring; the
//! device (the remote core) reads them and owns the used ring. The device
//! keeps two free-running 16-bit indices: `last_avail` (next avail entry to
//! take) and `used_idx` (next used entry to fill, mirrored to the used
//! ring's `idx` field).

use super::layout::{
    VringLayout, VRING_AVAIL_F_NO_INTERRUPT, VRING_DESC_F_NEXT, VRING_USED_F_NO_NOTIFY,
};
use super::shared_mem::{OutOfBounds, SharedMem, WireAddr};

/// Why a ring operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueError {
    /// A ring access fell outside the shared region.
    OutOfBounds,
    /// The driver's avail `idx` is more than `num` entries ahead of what
    /// the device has taken ("avail index beyond ring"). Nothing is taken.
    AvailBeyondRing {
        /// Avail `idx` read from the ring.
        avail_idx: u16,
        /// The device's `last_avail`.
        last_avail: u16,
    },
    /// An avail entry names a descriptor `>= num`; the entry is skipped and
    /// cannot be returned.
    HeadOutOfRange {
        /// The head id read from the avail ring.
        head: u16,
    },
    /// A chained descriptor's `next` is `>= num`; the entry is taken.
    NextOutOfRange {
        /// The chain's head (can be returned on the used ring).
        head: u16,
        /// The offending `next` value.
        next: u16,
    },
    /// A descriptor chain is longer than `num` (a loop); the entry is taken.
    ChainTooLong {
        /// The chain's head (can be returned on the used ring).
        head: u16,
    },
}

impl From<OutOfBounds> for QueueError {
    fn from(_: OutOfBounds) -> Self {
        QueueError::OutOfBounds
    }
}

impl QueueError {
    /// The head that was taken from the avail ring and should be returned
    /// (with length 0) on the used ring, if any.
    pub const fn returnable_head(&self) -> Option<u16> {
        match *self {
            QueueError::NextOutOfRange { head, .. } | QueueError::ChainTooLong { head } => {
                Some(head)
            }
            _ => None,
        }
    }
}

/// One descriptor of the descriptor table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Desc {
    /// Physical address of the buffer.
    pub addr: WireAddr,
    /// Length of the buffer.
    pub len: u32,
    /// `VRING_DESC_F_*` flags.
    pub flags: u16,
    /// Next descriptor of the chain if `flags` has `VRING_DESC_F_NEXT`.
    pub next: u16,
}

/// A buffer taken from the avail ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvailBuf {
    /// Head descriptor id, to be returned with [`DeviceQueue::push_used`].
    pub head: u16,
    /// The head descriptor.
    pub desc: Desc,
    /// Number of descriptors in the chain (1 for rpmsg buffers).
    pub chain_len: u16,
}

/// Device-side state of one split virtqueue at `base` in a [`SharedMem`].
#[derive(Debug, Clone)]
pub struct DeviceQueue {
    base: usize,
    layout: VringLayout,
    last_avail: u16,
    used_idx: u16,
}

impl DeviceQueue {
    /// A queue with the given layout whose ring starts at `base`, with both
    /// indices at 0 (the state of freshly zeroed rings).
    pub const fn new(base: usize, layout: VringLayout) -> Self {
        Self::with_indices(base, layout, 0, 0)
    }

    /// A queue whose indices start at the given values (to pick up rings
    /// that are already in use).
    pub const fn with_indices(
        base: usize,
        layout: VringLayout,
        last_avail: u16,
        used_idx: u16,
    ) -> Self {
        DeviceQueue {
            base,
            layout,
            last_avail,
            used_idx,
        }
    }

    /// Offset of the ring in the shared region.
    pub const fn base(&self) -> usize {
        self.base
    }

    /// The ring's layout.
    pub const fn layout(&self) -> &VringLayout {
        &self.layout
    }

    /// Next avail index the device will take.
    pub const fn last_avail(&self) -> u16 {
        self.last_avail
    }

    /// Next used index the device will fill.
    pub const fn used_idx(&self) -> u16 {
        self.used_idx
    }

    /// Forgets all progress: both indices back to 0. Does not touch memory
    /// (the driver zeroes the rings when it starts).
    pub fn reset(&mut self) {
        self.last_avail = 0;
        self.used_idx = 0;
    }

    fn at(&self, off: usize) -> Result<usize, QueueError> {
        self.base.checked_add(off).ok_or(QueueError::OutOfBounds)
    }

    /// Reads descriptor `id` (must be `< num`).
    pub fn read_desc<M: SharedMem>(&self, mem: &M, id: u16) -> Result<Desc, QueueError> {
        if id >= self.layout.num() {
            return Err(QueueError::HeadOutOfRange { head: id });
        }
        let off = self.at(self.layout.desc(id))?;
        Ok(Desc {
            addr: mem.read_u64(off)?,
            len: mem.read_u32(off.checked_add(8).ok_or(QueueError::OutOfBounds)?)?,
            flags: mem.read_u16(off.checked_add(12).ok_or(QueueError::OutOfBounds)?)?,
            next: mem.read_u16(off.checked_add(14).ok_or(QueueError::OutOfBounds)?)?,
        })
    }

    /// The driver's avail `idx`.
    pub fn avail_idx<M: SharedMem>(&self, mem: &M) -> Result<u16, QueueError> {
        Ok(mem.read_u16(self.at(self.layout.avail_idx())?)?)
    }

    /// Number of entries the driver has made available and the device has
    /// not taken yet; fails if that exceeds `num`.
    pub fn pending<M: SharedMem>(&self, mem: &M) -> Result<u16, QueueError> {
        let avail_idx = self.avail_idx(mem)?;
        let pending = avail_idx.wrapping_sub(self.last_avail);
        if pending > self.layout.num() {
            return Err(QueueError::AvailBeyondRing {
                avail_idx,
                last_avail: self.last_avail,
            });
        }
        Ok(pending)
    }

    /// Whether the driver has made entries available that were not taken.
    pub fn has_pending<M: SharedMem>(&self, mem: &M) -> Result<bool, QueueError> {
        Ok(self.pending(mem)? != 0)
    }

    /// Head id of the pending avail entry `n` (0 = the next one to take),
    /// without taking it. `n` must be below [`DeviceQueue::pending`].
    pub fn peek_head<M: SharedMem>(&self, mem: &M, n: u16) -> Result<u16, QueueError> {
        let idx = self.last_avail.wrapping_add(n);
        Ok(mem.read_u16(self.at(self.layout.avail_ring(idx))?)?)
    }

    /// Takes the next available buffer, if any.
    ///
    /// Errors: [`QueueError::AvailBeyondRing`] takes nothing;
    /// [`QueueError::HeadOutOfRange`] skips the entry;
    /// [`QueueError::NextOutOfRange`] and [`QueueError::ChainTooLong`] take
    /// the entry and name its head so it can be returned with length 0.
    pub fn pop_avail<M: SharedMem>(&mut self, mem: &M) -> Result<Option<AvailBuf>, QueueError> {
        if self.pending(mem)? == 0 {
            return Ok(None);
        }
        // Read the ring entry only after seeing the index.
        mem.barrier();
        let head = self.peek_head(mem, 0)?;
        self.last_avail = self.last_avail.wrapping_add(1);
        let num = self.layout.num();
        if head >= num {
            return Err(QueueError::HeadOutOfRange { head });
        }
        let desc = self.read_desc(mem, head)?;
        let mut chain_len: u16 = 1;
        let mut cur = desc;
        while cur.flags & VRING_DESC_F_NEXT != 0 {
            if chain_len >= num {
                return Err(QueueError::ChainTooLong { head });
            }
            let next = cur.next;
            if next >= num {
                return Err(QueueError::NextOutOfRange { head, next });
            }
            cur = self.read_desc(mem, next)?;
            chain_len = chain_len.wrapping_add(1);
        }
        Ok(Some(AvailBuf {
            head,
            desc,
            chain_len,
        }))
    }

    /// Returns buffer `id` with `len` bytes written: writes the used
    /// element, a barrier, then the used `idx`.
    pub fn push_used<M: SharedMem>(
        &mut self,
        mem: &M,
        id: u32,
        len: u32,
    ) -> Result<(), QueueError> {
        self.push_used_skewed(mem, id, len, 0)
    }

    /// Like [`DeviceQueue::push_used`], but the `idx` written to memory is
    /// `skew` entries ahead of the correct one (fault injection). The
    /// device's own index still advances by one.
    pub fn push_used_skewed<M: SharedMem>(
        &mut self,
        mem: &M,
        id: u32,
        len: u32,
        skew: u16,
    ) -> Result<(), QueueError> {
        let elem = self.at(self.layout.used_ring(self.used_idx))?;
        mem.write_u32(elem, id)?;
        mem.write_u32(elem.checked_add(4).ok_or(QueueError::OutOfBounds)?, len)?;
        mem.barrier();
        let next = self.used_idx.wrapping_add(1);
        mem.write_u16(self.at(self.layout.used_idx())?, next.wrapping_add(skew))?;
        self.used_idx = next;
        Ok(())
    }

    /// Whether the driver wants an interrupt for used buffers (its avail
    /// flags lack `VRING_AVAIL_F_NO_INTERRUPT`).
    pub fn avail_wants_interrupt<M: SharedMem>(&self, mem: &M) -> Result<bool, QueueError> {
        let flags = mem.read_u16(self.at(self.layout.avail_flags())?)?;
        Ok(flags & VRING_AVAIL_F_NO_INTERRUPT == 0)
    }

    /// Sets or clears `VRING_USED_F_NO_NOTIFY` in the used flags.
    pub fn set_no_notify<M: SharedMem>(&self, mem: &M, on: bool) -> Result<(), QueueError> {
        let off = self.at(self.layout.used_flags())?;
        let flags = mem.read_u16(off)?;
        let flags = if on {
            flags | VRING_USED_F_NO_NOTIFY
        } else {
            flags & !VRING_USED_F_NO_NOTIFY
        };
        mem.write_u16(off, flags)?;
        Ok(())
    }
}
