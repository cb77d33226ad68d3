// SPDX-License-Identifier: GPL-2.0

//! The shared-memory layout and doorbell format Linux and the remote agree on.

use crate::ring_layout as proto;
use kernel::io::ResourceSize;

// The protocol values come from `rpmsg_proto`, which the simulator and the
// host tests use too; here they take the types the driver computes with.
// (`From` is not usable in constants, hence the casts; every value fits in
// 32 bits, the narrowest `ResourceSize`.)

/// Entries per vring.
pub(crate) const VRING_NUM: u16 = proto::VRING_NUM;
/// Alignment of the used ring and of the vring region.
pub(crate) const VRING_ALIGN: ResourceSize = proto::VRING_ALIGN as ResourceSize;
/// Bytes one vring occupies.
pub(crate) const VRING_AREA: ResourceSize = proto::VRING_AREA as ResourceSize;
/// Bytes one instance (two vrings) occupies.
pub(crate) const INSTANCE_STRIDE: ResourceSize = proto::INSTANCE_STRIDE as ResourceSize;
/// Bytes of pool each instance needs: a buffer per entry of both vrings.
#[allow(clippy::cast_lossless)]
pub(crate) const POOL_PER_INSTANCE: ResourceSize =
    2 * VRING_NUM as ResourceSize * proto::BUF_SIZE as ResourceSize;
/// The doorbell's data word, "RMSG".
pub(crate) const DOORBELL_MAGIC: u32 = proto::DOORBELL_MAGIC;
/// Features the device offers: `VIRTIO_RPMSG_F_NS`, the remote announces
/// its endpoints.
pub(crate) const VIRTIO_RPMSG_F_NS: u64 = proto::RPMSG_DEVICE_FEATURES;
/// Mailbox channel names, in `Client` channel order.
pub(crate) const MBOX_RX_NAME: &kernel::str::CStr = c"rpmsg-rx";
/// See [`MBOX_RX_NAME`].
pub(crate) const MBOX_TX_NAME: &kernel::str::CStr = c"rpmsg-tx";
/// Index of the tx channel in the mailbox client.
pub(crate) const MBOX_TX: usize = 1;

/// Bytes of vring region `n` instances need.
pub(crate) const fn region_bytes(n: usize) -> ResourceSize {
    INSTANCE_STRIDE * n as ResourceSize
}

/// Offset of vring `queue` (0 = Linux rx, 1 = Linux tx) of `instance`.
pub(crate) const fn vring_offset(instance: usize, queue: usize) -> ResourceSize {
    INSTANCE_STRIDE * instance as ResourceSize + VRING_AREA * queue as ResourceSize
}
