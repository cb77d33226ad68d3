// SPDX-License-Identifier: GPL-2.0

//! Sanity check of the remote's side of a split ring before Linux reads it.
//!
//! The virtio core trusts the used index: a remote that writes one beyond
//! what Linux made available makes Linux re-read stale buffers (old
//! messages delivered twice). A device can never have used more buffers
//! than were made available, so `avail.idx - used.idx` (mod 2^16) must stay
//! within the ring size.

use crate::shared_mem::SharedRegion;
use crate::virtio::VringLayout;

/// What a broken used index looks like.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UsedIndexBeyondAvail {
    /// `avail.idx` as Linux wrote it.
    pub(crate) avail: u16,
    /// `used.idx` as the remote wrote it.
    pub(crate) used: u16,
}

/// Offset of the used ring in a legacy split ring of `num` entries.
fn used_ring_offset(num: usize, align: usize) -> usize {
    let avail_end = 16 * num + 2 * (3 + num);
    avail_end.div_ceil(align) * align
}

/// Checks queue `queue` of `layout` in `region`.
pub(crate) fn check(
    region: &SharedRegion,
    layout: &VringLayout,
    queue: usize,
) -> Result<(), UsedIndexBeyondAvail> {
    let Some(&base) = layout.offsets.get(queue) else {
        return Ok(());
    };
    let num = layout.num as usize;
    let avail_idx = base + 16 * num + 2;
    let used_idx = base + used_ring_offset(num, layout.align as usize) + 2;
    // Read the used index first: the available index only grows, so a later
    // read of it can only make the difference smaller, never a false alarm.
    let (Ok(used), Ok(avail)) = (region.read_u16(used_idx), region.read_u16(avail_idx)) else {
        return Ok(());
    };
    if usize::from(avail.wrapping_sub(used)) > num {
        return Err(UsedIndexBeyondAvail { avail, used });
    }
    Ok(())
}
