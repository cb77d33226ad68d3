//! Whether a Linux session before this one left its rings behind.
//!
//! Rockchip's RT-Thread remote has no reset handshake: it keeps its ring
//! positions when Linux's side goes away, and a Linux that binds again
//! without the remote being restarted meets a remote that reads stale
//! descriptors. Whoever restarts the remote (a board reset, the rig,
//! remoteproc) leaves zeroed rings; Linux's own teardown leaves its rings in
//! place. So rings that still carry a Linux session's receive buffers mean
//! the remote was not restarted since that session.
//!
//! The mark of such a session is vring0 (the ring Linux receives on) with a
//! non-zero index and every descriptor of the ring a device-writable buffer
//! of [`BUF_SIZE`] bytes inside the buffer pool: `virtio_rpmsg_bus` posts
//! one on each descriptor at probe. Memory nobody initialised (a cold
//! board's RAM) does not look like that.

use super::layout::{VringLayout, BUF_SIZE, VRING_DESC_F_WRITE};
use super::shared_mem::{SharedMem, WireAddr, WireSize};

/// What an earlier session left in an instance's vring0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarlierSession {
    /// vring0's available index (buffers Linux posted).
    pub avail_idx: u16,
    /// vring0's used index (messages the remote delivered).
    pub used_idx: u16,
}

/// Looks at the vring0 at `vring0` in `rings` (of `layout`) for an earlier
/// session's receive buffers in the pool at `pool_phys` of `pool_size`
/// bytes. `None`: the ring is zeroed, or not one Linux set up.
pub fn earlier_session<M: SharedMem>(
    rings: &M,
    vring0: usize,
    layout: &VringLayout,
    pool_phys: WireAddr,
    pool_size: WireSize,
) -> Option<EarlierSession> {
    let avail_idx = rings.read_u16(vring0 + layout.avail_idx()).ok()?;
    let used_idx = rings.read_u16(vring0 + layout.used_idx()).ok()?;
    if avail_idx == 0 && used_idx == 0 {
        return None;
    }
    let pool_end = pool_phys.checked_add(pool_size)?;
    for id in 0..layout.num() {
        let desc = vring0 + layout.desc(id);
        let addr = rings.read_u64(desc).ok()?;
        let len = rings.read_u32(desc + 8).ok()?;
        let flags = rings.read_u16(desc + 12).ok()?;
        let end = addr.checked_add(u64::from(len))?;
        let buffer = len as usize == BUF_SIZE && flags == VRING_DESC_F_WRITE;
        if !buffer || addr < pool_phys || end > pool_end {
            return None;
        }
    }
    Some(EarlierSession {
        avail_idx,
        used_idx,
    })
}
