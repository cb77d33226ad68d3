// SPDX-License-Identifier: GPL-2.0

//! Sanity check of the remote's side of a split ring before Linux reads it.
//!
//! The virtio core trusts the used index: a remote that writes one beyond
//! what Linux made available makes Linux re-read stale buffers (old
//! messages delivered twice). A device can never have used more buffers
//! than were made available, so `avail.idx - used.idx` (mod 2^16) must stay
//! within the ring size.

use crate::ring_layout::VringLayout as RingOffsets;
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

/// Checks queue `queue` of `layout` in `region`.
pub(crate) fn check(
    region: &SharedRegion,
    layout: &VringLayout,
    queue: usize,
) -> Result<(), UsedIndexBeyondAvail> {
    let Some(&base) = layout.offsets.get(queue) else {
        return Ok(());
    };
    let Some(ring) = u16::try_from(layout.num)
        .ok()
        .and_then(|num| RingOffsets::new(num, layout.align as usize))
    else {
        return Ok(());
    };
    // Read the used index first: the available index only grows, so a later
    // read of it can only make the difference smaller, never a false alarm.
    let (Ok(used), Ok(avail)) = (
        region.read_u16(base + ring.used_idx()),
        region.read_u16(base + ring.avail_idx()),
    ) else {
        return Ok(());
    };
    if u32::from(avail.wrapping_sub(used)) > layout.num {
        return Err(UsedIndexBeyondAvail { avail, used });
    }
    Ok(())
}
