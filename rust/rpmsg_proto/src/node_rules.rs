//! The rules an rpmsg device-tree node must satisfy, as a pure function of
//! what the node says.
//!
//! The driver reads the properties into [`NodeFacts`] and prints the
//! [`NodeError`] this returns; the host tests hold every rule, its order and
//! its message. A problem names the property, so a broken overlay says what
//! is wrong instead of silently doing nothing.

use super::layout::{INSTANCE_STRIDE, MAX_INSTANCES, VRING_ALIGN};
use super::shared_mem::{WireAddr, WireSize};
use core::fmt;

/// What `rockchip,vdev-nums` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VdevNums {
    /// Absent: one instance.
    Absent,
    /// Present but not one 32-bit cell.
    NotU32,
    /// The value.
    Value(u32),
}

/// What the node says about its doorbells, by compatible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoorbellFacts {
    /// A mailbox node: whether `mboxes` is there, and whether `mbox-names`
    /// holds "rpmsg-rx" and "rpmsg-tx".
    Mailbox {
        /// `mboxes` present.
        mboxes: bool,
        /// `mbox-names` has "rpmsg-rx".
        rx_named: bool,
        /// `mbox-names` has "rpmsg-tx".
        tx_named: bool,
    },
    /// A `rockchip,rpmsg-softirq` node: whether `interrupts` is there.
    Interrupts {
        /// `interrupts` present.
        present: bool,
    },
}

/// The properties of one rpmsg node, as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeFacts {
    /// `reg`'s first entry: the vring region's base and size.
    pub vring: Option<(WireAddr, WireSize)>,
    /// `rockchip,link-id`, if present.
    pub link_id: Option<u32>,
    /// `rockchip,vdev-nums`.
    pub vdev_nums: VdevNums,
    /// The doorbell properties.
    pub doorbells: DoorbellFacts,
    /// `memory-region` present.
    pub memory_region: bool,
}

/// What a valid node describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidNode {
    /// `rockchip,link-id`: master CPU in bits 7:4, remote CPU in bits 3:0.
    pub link_id: u8,
    /// How many virtio devices share the vring region.
    pub vdev_nums: usize,
}

/// The first rule a node breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeError {
    /// No `reg`.
    RegMissing,
    /// The vring region is not aligned to [`VRING_ALIGN`].
    RegUnaligned {
        /// Its base.
        base: WireAddr,
    },
    /// No `rockchip,link-id`.
    LinkIdMissing,
    /// `rockchip,link-id` above 0xff.
    LinkIdOutOfRange {
        /// The value.
        link_id: u32,
    },
    /// `rockchip,vdev-nums` is not one cell.
    VdevNumsNotU32,
    /// `rockchip,vdev-nums` outside 1..=[`MAX_INSTANCES`].
    VdevNumsOutOfRange {
        /// The value.
        vdev_nums: u32,
    },
    /// The vring region is smaller than its instances need.
    RegTooSmall {
        /// Its size.
        size: WireSize,
        /// The instances.
        vdev_nums: usize,
        /// What they need.
        needed: WireSize,
    },
    /// A mailbox node without `mboxes`.
    MboxesMissing,
    /// A mailbox node whose `mbox-names` lacks "rpmsg-rx" or "rpmsg-tx".
    MboxNames,
    /// A softirq node without `interrupts`.
    InterruptsMissing,
    /// No `memory-region`.
    MemoryRegionMissing,
}

/// The errno class of a [`NodeError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeErrno {
    /// EINVAL: a property missing or malformed.
    Invalid,
    /// ERANGE: a value outside what the hardware allows.
    OutOfRange,
}

impl NodeError {
    /// The errno the probe fails with.
    pub const fn errno(&self) -> NodeErrno {
        match self {
            Self::LinkIdOutOfRange { .. } | Self::VdevNumsOutOfRange { .. } => {
                NodeErrno::OutOfRange
            }
            _ => NodeErrno::Invalid,
        }
    }
}

// Addresses and sizes print in hexadecimal only: 64-bit decimal formatting
// traps in 32-bit ARM kernels (see `decimal`).
impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::RegMissing => f.write_str("reg: missing (the vring region)"),
            Self::RegUnaligned { base } => write!(
                f,
                "reg: vring region {base:#x} is not aligned to {VRING_ALIGN:#x}"
            ),
            Self::LinkIdMissing => f.write_str("rockchip,link-id: missing (required, 0..0xff)"),
            Self::LinkIdOutOfRange { link_id } => {
                write!(f, "rockchip,link-id: {link_id:#x} is out of range 0..0xff")
            }
            Self::VdevNumsNotU32 => f.write_str("rockchip,vdev-nums: not a u32"),
            Self::VdevNumsOutOfRange { vdev_nums } => write!(
                f,
                "rockchip,vdev-nums: {vdev_nums} is out of range 1..{MAX_INSTANCES}"
            ),
            Self::RegTooSmall {
                size,
                vdev_nums,
                needed,
            } => write!(
                f,
                "reg: vring region of {size:#x} bytes is too small for {vdev_nums} vdevs (needs {needed:#x})"
            ),
            Self::MboxesMissing => f.write_str("mboxes: missing (rx and tx doorbell channels)"),
            Self::MboxNames => f.write_str("mbox-names: needs \"rpmsg-rx\" and \"rpmsg-tx\""),
            Self::InterruptsMissing => {
                f.write_str("interrupts: missing (tx and rx doorbell lines)")
            }
            Self::MemoryRegionMissing => {
                f.write_str("memory-region: missing (a shared-dma-pool for the buffers)")
            }
        }
    }
}

/// Bytes of vring region `vdev_nums` instances need.
pub const fn region_bytes(vdev_nums: usize) -> WireSize {
    (INSTANCE_STRIDE * vdev_nums) as WireSize
}

/// Applies the rules in the order a reader of the node meets them: the
/// region, the link, the instances, the doorbells, the buffers.
pub fn validate(facts: &NodeFacts) -> Result<ValidNode, NodeError> {
    let (base, size) = facts.vring.ok_or(NodeError::RegMissing)?;
    if base % VRING_ALIGN as WireAddr != 0 {
        return Err(NodeError::RegUnaligned { base });
    }
    let link_id = facts.link_id.ok_or(NodeError::LinkIdMissing)?;
    let link_id = u8::try_from(link_id).map_err(|_| NodeError::LinkIdOutOfRange { link_id })?;
    let vdev_nums = match facts.vdev_nums {
        VdevNums::Absent => 1,
        VdevNums::NotU32 => return Err(NodeError::VdevNumsNotU32),
        VdevNums::Value(n) => n,
    };
    if vdev_nums == 0 || vdev_nums as usize > MAX_INSTANCES {
        return Err(NodeError::VdevNumsOutOfRange { vdev_nums });
    }
    let vdev_nums = vdev_nums as usize;
    let needed = region_bytes(vdev_nums);
    if size < needed {
        return Err(NodeError::RegTooSmall {
            size,
            vdev_nums,
            needed,
        });
    }
    match facts.doorbells {
        DoorbellFacts::Mailbox { mboxes: false, .. } => return Err(NodeError::MboxesMissing),
        DoorbellFacts::Mailbox {
            rx_named: false, ..
        }
        | DoorbellFacts::Mailbox {
            tx_named: false, ..
        } => return Err(NodeError::MboxNames),
        DoorbellFacts::Interrupts { present: false } => return Err(NodeError::InterruptsMissing),
        _ => {}
    }
    if !facts.memory_region {
        return Err(NodeError::MemoryRegionMissing);
    }
    Ok(ValidNode { link_id, vdev_nums })
}
