// SPDX-License-Identifier: GPL-2.0

//! The shared-memory layout and doorbell format Linux and the remote agree on.

/// Entries per vring.
pub(crate) const VRING_NUM: u32 = 64;
/// Alignment of the used ring and of the vring region.
pub(crate) const VRING_ALIGN: u64 = 0x1000;
/// Bytes one vring occupies.
pub(crate) const VRING_AREA: u64 = 0x8000;
/// Bytes one instance (two vrings) occupies.
pub(crate) const INSTANCE_STRIDE: u64 = 0x10000;
/// Most instances one node may describe.
pub(crate) const MAX_INSTANCES: usize = 12;
/// Bytes of pool each instance needs: 128 buffers of 512 bytes.
pub(crate) const POOL_PER_INSTANCE: u64 = 128 * 512;
/// The doorbell's data word, "RMSG".
pub(crate) const DOORBELL_MAGIC: u32 = 0x524D_5347;
/// `VIRTIO_RPMSG_F_NS`: the remote announces its endpoints.
pub(crate) const VIRTIO_RPMSG_F_NS: u64 = 1 << 0;
/// Mailbox channel names, in `Client` channel order.
pub(crate) const MBOX_RX_NAME: &kernel::str::CStr = c"rpmsg-rx";
/// See [`MBOX_RX_NAME`].
pub(crate) const MBOX_TX_NAME: &kernel::str::CStr = c"rpmsg-tx";
/// Index of the tx channel in the mailbox client.
pub(crate) const MBOX_TX: usize = 1;

/// Bytes of vring region `n` instances need.
pub(crate) const fn region_bytes(n: usize) -> u64 {
    INSTANCE_STRIDE * n as u64
}

/// Offset of vring `queue` (0 = Linux rx, 1 = Linux tx) of `instance`.
pub(crate) const fn vring_offset(instance: usize, queue: usize) -> u64 {
    INSTANCE_STRIDE * instance as u64 + VRING_AREA * queue as u64
}
