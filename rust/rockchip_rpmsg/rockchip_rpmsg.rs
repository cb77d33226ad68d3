// SPDX-License-Identifier: GPL-2.0

//! RPMsg transport for Rockchip AMP SoCs.
//!
//! Binds to the `rockchip,*rpmsg` node, maps the vrings in shared memory,
//! assigns the node's shared-dma-pool to the device for the rpmsg buffers,
//! rings the remote core through the mailbox and registers one virtio device
//! per instance, so that `virtio_rpmsg_bus` talks to the remote (RT-Thread).

use kernel::{debugfs::Scope, device, of, platform, prelude::*, sync::Arc};

#[path = "../bindings/mod.rs"]
mod sys;

// The abstractions over C APIs live in ../kabi and are shared with the
// simulator module; each module uses only part of them.
#[allow(dead_code)]
#[path = "../kabi/debugfs_root.rs"]
mod debugfs_root;
#[allow(dead_code)]
#[path = "../kabi/mailbox.rs"]
mod mailbox;
#[allow(dead_code)]
#[path = "../kabi/mailbox_client.rs"]
mod mailbox_client;
#[allow(dead_code)]
#[path = "../kabi/reserved_mem.rs"]
mod reserved_mem;
#[allow(dead_code)]
#[path = "../kabi/shared_mem.rs"]
mod shared_mem;
#[allow(dead_code)]
#[path = "../kabi/virtio.rs"]
mod virtio;
#[allow(dead_code)]
#[path = "../kabi/workqueue_ext.rs"]
mod workqueue_ext;

mod layout;
mod link;
// Legacy split-ring offsets, shared with the simulator and its host tests.
mod node;
mod ring_check;
#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../rpmsg_proto/src/layout.rs"]
mod ring_layout;
mod stats;
mod vdev;

use debugfs_root::DebugfsRoot;
use link::{DoorbellRx, Instance, Link};
use mailbox_client::Client;
use reserved_mem::AssignedPool;
use shared_mem::SharedRegion;
use vdev::RpmsgVdev;
use virtio::{Registration, Virtqueues, VringLayout};

kernel::of_device_table!(
    OF_TABLE,
    MODULE_OF_TABLE,
    <RockchipRpmsg as platform::Driver>::IdInfo,
    [
        (of::DeviceId::new(c"rockchip,rpmsg"), ()),
        (of::DeviceId::new(c"rockchip,rk3506-rpmsg"), ()),
        (of::DeviceId::new(c"rockchip,rk3562-rpmsg"), ()),
        (of::DeviceId::new(c"rockchip,rk3568-rpmsg"), ()),
        (of::DeviceId::new(c"rockchip,rk3576-rpmsg"), ()),
        (of::DeviceId::new(c"rockchip,rk3588-rpmsg"), ()),
    ]
);

/// `VIRTIO_ID_RPMSG`.
const VIRTIO_ID_RPMSG: u32 = sys::VIRTIO_ID_RPMSG;

/// One bound rpmsg node. Teardown order is spelled out in `drop`.
struct RockchipRpmsg {
    vdevs: KVec<Registration<RpmsgVdev>>,
    client: Arc<Client<DoorbellRx>>,
    link: Arc<Link>,
    _debugfs: Option<Pin<KBox<Scope<Arc<Link>>>>>,
    /// Released last: the rpmsg buffers live in it until the vdevs are gone.
    _pool: AssignedPool,
}

impl platform::Driver for RockchipRpmsg {
    type IdInfo = ();
    type Data<'bound> = Self;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<device::Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self, Error> + 'bound {
        let dev: &device::Device<device::Bound> = pdev.as_ref();
        dev_info!(dev, "rockchip rpmsg platform probe.\n");
        Self::start(pdev)
    }
}

impl RockchipRpmsg {
    fn start(pdev: &platform::Device<device::Core<'_>>) -> Result<Self> {
        let dev: &device::Device<device::Bound> = pdev.as_ref();
        let cfg = node::NodeConfig::read(pdev)?;

        let pool = AssignedPool::assign(dev, 0).inspect_err(|e| {
            dev_err!(
                dev,
                "memory-region: not a usable shared-dma-pool ({:?})\n",
                e
            );
        })?;
        let pool_range = reserved_mem::region(dev, 0)?;
        let pool_needed = layout::POOL_PER_INSTANCE * cfg.vdev_nums as u64;
        if pool_range.size < pool_needed {
            dev_err!(
                dev,
                "memory-region: pool of {:#x} bytes is too small for {} vdevs (needs {:#x})\n",
                pool_range.size,
                cfg.vdev_nums,
                pool_needed
            );
            return Err(ENOSPC);
        }

        let region_size = layout::region_bytes(cfg.vdev_nums);
        let region = Arc::new(
            SharedRegion::map(cfg.vring_base, region_size as usize).inspect_err(|_| {
                dev_err!(
                    dev,
                    "reg: cannot map the vring region at {:#x}\n",
                    cfg.vring_base
                );
            })?,
            GFP_KERNEL,
        )?;

        let mut instances = KVec::with_capacity(cfg.vdev_nums, GFP_KERNEL)?;
        for i in 0..cfg.vdev_nums {
            let layout = VringLayout {
                offsets: [
                    layout::vring_offset(i, 0) as usize,
                    layout::vring_offset(i, 1) as usize,
                ],
                num: u32::from(layout::VRING_NUM),
                align: layout::VRING_ALIGN as u32,
                bytes: layout::VRING_AREA as usize,
            };
            let vqs = Virtqueues::new(region.clone(), layout)?;
            instances.push(
                Arc::new(
                    Instance {
                        vqs,
                        stats: stats::InstanceStats::new(),
                    },
                    GFP_KERNEL,
                )?,
                GFP_KERNEL,
            )?;
        }
        let link = Link::new(cfg.link_id, instances)?;

        let client = Client::new(
            dev,
            [layout::MBOX_RX_NAME, layout::MBOX_TX_NAME],
            link.doorbell_message(),
            DoorbellRx { link: link.clone() },
        )
        .inspect_err(|e| {
            if *e == EPROBE_DEFER {
                dev_info!(dev, "mboxes: mailbox controller not ready, deferring\n");
            } else {
                dev_err!(
                    dev,
                    "mboxes: cannot get the rpmsg-rx/rpmsg-tx channels ({:?})\n",
                    e
                );
            }
        })?;

        let mut vdevs = KVec::with_capacity(cfg.vdev_nums, GFP_KERNEL)?;
        for (i, instance) in link.instances.iter().enumerate() {
            dev_info!(
                dev,
                "rpdev vdev{}: vring0 {:#x}, vring1 {:#x}\n",
                i,
                cfg.vring_base + layout::vring_offset(i, 0),
                cfg.vring_base + layout::vring_offset(i, 1)
            );
            let transport = RpmsgVdev {
                instance: instance.clone(),
                link: link.clone(),
                client: client.clone(),
            };
            match Registration::register(dev, VIRTIO_ID_RPMSG, transport) {
                Ok(reg) => vdevs.push(reg, GFP_KERNEL)?,
                Err(e) => {
                    dev_err!(
                        dev,
                        "vdev{}: cannot register the virtio device ({:?})\n",
                        i,
                        e
                    );
                    drop(vdevs);
                    client.close();
                    workqueue_ext::flush(&link.rx_work);
                    return Err(e);
                }
            }
        }

        let debugfs = DebugfsRoot::with(|root| {
            KBox::pin_init(stats::publish(root, dev.name(), link.clone()), GFP_KERNEL)
        })
        .transpose()?;
        Ok(Self {
            vdevs,
            client,
            link,
            _debugfs: debugfs,
            _pool: pool,
        })
    }
}

impl Drop for RockchipRpmsg {
    fn drop(&mut self) {
        // Virtio drivers go first (they still send while removing), then
        // the mailbox, then any service run already queued.
        self.vdevs.clear();
        self.client.close();
        workqueue_ext::flush(&self.link.rx_work);
    }
}

/// The module: registers the platform driver under the vendor's driver
/// name, so dmesg lines read `rockchip-rpmsg <device>: ...` as on the board.
#[pin_data]
struct RockchipRpmsgModule {
    #[pin]
    _driver: kernel::driver::Registration<platform::Adapter<RockchipRpmsg>>,
    /// `/sys/kernel/debug/rockchip_rpmsg/`; declared after `_driver` so it
    /// goes after every device's subdirectory.
    _debugfs: DebugfsRoot,
}

impl kernel::InPlaceModule for RockchipRpmsgModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _debugfs: DebugfsRoot::new(c"rockchip_rpmsg"),
            _driver <- kernel::driver::Registration::new(c"rockchip-rpmsg", module),
        })
    }
}

module! {
    type: RockchipRpmsgModule,
    name: "rockchip_rpmsg",
    authors: ["rockchip-rpmsg developers"],
    description: "RPMsg transport for Rockchip AMP SoCs (vrings in shared memory, mailbox doorbells)",
    license: "GPL",
}
