//! The rule a split ring's used index must keep.
//!
//! The virtio core trusts the used index: a remote that writes one beyond
//! what Linux made available makes Linux re-read stale buffers (old
//! messages delivered twice). A device can never have used more buffers
//! than were made available, so `avail.idx - used.idx` (mod 2^16) stays
//! within the ring size; both indices run freely and wrap at 2^16.

/// Whether a used index of `used` is possible next to an available index of
/// `avail` on a ring of `num` entries: the remote has not used more than
/// Linux made available, nor more than the ring holds behind it.
pub const fn used_within_avail(avail: u16, used: u16, num: u32) -> bool {
    avail.wrapping_sub(used) as u32 <= num
}
