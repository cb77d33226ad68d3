// SPDX-License-Identifier: GPL-2.0

//! Sanity check of the remote's side of a split ring before Linux reads it:
//! reads the two indices and applies `rpmsg_proto::ring_index`'s rule
//! (tested on the host).

use crate::proto::ring_index::used_within_avail;
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
    if !used_within_avail(avail, used, layout.num) {
        return Err(UsedIndexBeyondAvail { avail, used });
    }
    Ok(())
}
