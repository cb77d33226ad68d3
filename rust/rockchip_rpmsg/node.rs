// SPDX-License-Identifier: GPL-2.0

//! Reading the rpmsg device-tree node and applying its rules
//! (`rpmsg_proto::node_rules`).
//!
//! Every problem fails the probe with a `dev_err` that names the property, so
//! a broken overlay says what is wrong instead of silently doing nothing.

use crate::proto::node_rules::{self, DoorbellFacts, NodeErrno, NodeFacts, ValidNode, VdevNums};
use crate::shared_mem::{wire_addr, wire_size};
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

        // What the node says; the rules (and their messages) are
        // `rpmsg_proto::node_rules`, tested on the host.
        let res = pdev.resource_by_index(0);
        let vring_base = res.map_or(0, |res| res.start());
        let vdev_nums = if !fwnode.property_present(c"rockchip,vdev-nums") {
            VdevNums::Absent
        } else {
            fwnode
                .property_read::<u32>(c"rockchip,vdev-nums")
                .optional()
                .map_or(VdevNums::NotU32, VdevNums::Value)
        };
        let doorbell_facts = match doorbells {
            Doorbells::Mailbox => DoorbellFacts::Mailbox {
                mboxes: fwnode.property_present(c"mboxes"),
                rx_named: fwnode
                    .property_match_string(c"mbox-names", layout::MBOX_RX_NAME)
                    .is_ok(),
                tx_named: fwnode
                    .property_match_string(c"mbox-names", layout::MBOX_TX_NAME)
                    .is_ok(),
            },
            Doorbells::Interrupts => DoorbellFacts::Interrupts {
                present: fwnode.property_present(c"interrupts"),
            },
        };
        let facts = NodeFacts {
            vring: res.map(|res| (wire_addr(res.start()), wire_size(res.size()))),
            link_id: fwnode.property_read(c"rockchip,link-id").optional(),
            vdev_nums,
            doorbells: doorbell_facts,
            memory_region: fwnode.property_present(c"memory-region"),
        };
        let ValidNode { link_id, vdev_nums } = node_rules::validate(&facts).map_err(|err| {
            // The kernel's `Display` is its own trait; the rules' message
            // is `core`'s.
            dev_err!(dev, "{}\n", format_args!("{err}"));
            match err.errno() {
                NodeErrno::Invalid => EINVAL,
                NodeErrno::OutOfRange => ERANGE,
            }
        })?;

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
