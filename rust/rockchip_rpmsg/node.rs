// SPDX-License-Identifier: GPL-2.0

//! Reading and validating the rpmsg device-tree node.
//!
//! Every problem fails the probe with a `dev_err` that names the property, so
//! a broken overlay says what is wrong instead of silently doing nothing.

use crate::{layout, virtio::RingBarriers};
use kernel::{device, io::PhysAddr, platform, prelude::*};

/// How the node's doorbells travel, chosen by its compatible.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Doorbells {
    /// Through a mailbox (`mboxes`, `mbox-names`).
    Mailbox,
    /// Through two interrupt lines (`rockchip,rpmsg-softirq`).
    Interrupts,
}

/// What the node describes, validated.
pub(crate) struct NodeConfig {
    /// Physical address of the vring region (`reg`).
    pub(crate) vring_base: PhysAddr,
    /// `rockchip,link-id`: master cpu in bits 7:4, remote cpu in bits 3:0.
    pub(crate) link_id: u8,
    /// `rockchip,vdev-nums`: how many virtio devices share the region.
    pub(crate) vdev_nums: usize,
    /// Full-system barriers unless `rockchip,smp-barriers` says the remote
    /// is a Cortex-A core in the CPUs' inner-shareable domain.
    pub(crate) barriers: RingBarriers,
    /// `rockchip,remoteproc`: the phandle of the remote core's
    /// remote-processor node, whose life the virtio devices follow.
    pub(crate) remoteproc: Option<u32>,
}

impl NodeConfig {
    /// Reads the node of `pdev`.
    pub(crate) fn read(
        pdev: &platform::Device<device::Core<'_>>,
        doorbells: Doorbells,
    ) -> Result<Self> {
        let dev: &device::Device = pdev.as_ref();
        let fwnode = dev.fwnode().ok_or_else(|| {
            dev_err!(dev, "no device-tree node\n");
            ENODEV
        })?;

        let res = pdev.resource_by_index(0).ok_or_else(|| {
            dev_err!(dev, "reg: missing (the vring region)\n");
            EINVAL
        })?;
        let vring_base = res.start();
        let vring_size = res.size();
        if vring_base % layout::VRING_ALIGN != 0 {
            dev_err!(
                dev,
                "reg: vring region {:#x} is not aligned to {:#x}\n",
                vring_base,
                layout::VRING_ALIGN
            );
            return Err(EINVAL);
        }

        let link_id: u32 = fwnode
            .property_read(c"rockchip,link-id")
            .optional()
            .ok_or_else(|| {
                dev_err!(dev, "rockchip,link-id: missing (required, 0..0xff)\n");
                EINVAL
            })?;
        let link_id = u8::try_from(link_id).map_err(|_| {
            dev_err!(
                dev,
                "rockchip,link-id: {:#x} is out of range 0..0xff\n",
                link_id
            );
            ERANGE
        })?;

        let vdev_nums: u32 = if fwnode.property_present(c"rockchip,vdev-nums") {
            fwnode
                .property_read(c"rockchip,vdev-nums")
                .optional()
                .ok_or_else(|| {
                    dev_err!(dev, "rockchip,vdev-nums: not a u32\n");
                    EINVAL
                })?
        } else {
            1
        };
        if vdev_nums == 0 || vdev_nums as usize > layout::MAX_INSTANCES {
            dev_err!(
                dev,
                "rockchip,vdev-nums: {} is out of range 1..{}\n",
                vdev_nums,
                layout::MAX_INSTANCES
            );
            return Err(ERANGE);
        }
        let vdev_nums = vdev_nums as usize;
        let needed = layout::region_bytes(vdev_nums);
        if vring_size < needed {
            dev_err!(
                dev,
                "reg: vring region of {:#x} bytes is too small for {} vdevs (needs {:#x})\n",
                vring_size,
                vdev_nums,
                needed
            );
            return Err(EINVAL);
        }

        match doorbells {
            Doorbells::Mailbox => {
                if !fwnode.property_present(c"mboxes") {
                    dev_err!(dev, "mboxes: missing (rx and tx doorbell channels)\n");
                    return Err(EINVAL);
                }
                for name in [layout::MBOX_RX_NAME, layout::MBOX_TX_NAME] {
                    if fwnode.property_match_string(c"mbox-names", name).is_err() {
                        dev_err!(dev, "mbox-names: needs \"rpmsg-rx\" and \"rpmsg-tx\"\n");
                        return Err(EINVAL);
                    }
                }
            }
            Doorbells::Interrupts => {
                if !fwnode.property_present(c"interrupts") {
                    dev_err!(dev, "interrupts: missing (tx and rx doorbell lines)\n");
                    return Err(EINVAL);
                }
            }
        }
        if !fwnode.property_present(c"memory-region") {
            dev_err!(
                dev,
                "memory-region: missing (a shared-dma-pool for the buffers)\n"
            );
            return Err(EINVAL);
        }

        let barriers = if fwnode.property_present(c"rockchip,smp-barriers") {
            RingBarriers::Smp
        } else {
            RingBarriers::System
        };

        let remoteproc = if fwnode.property_present(c"rockchip,remoteproc") {
            Some(
                fwnode
                    .property_read(c"rockchip,remoteproc")
                    .optional()
                    .ok_or_else(|| {
                        dev_err!(dev, "rockchip,remoteproc: not a phandle\n");
                        EINVAL
                    })?,
            )
        } else {
            None
        };

        Ok(Self {
            vring_base,
            link_id,
            vdev_nums,
            barriers,
            remoteproc,
        })
    }
}
