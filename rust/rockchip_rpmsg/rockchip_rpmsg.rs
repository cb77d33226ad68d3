// SPDX-License-Identifier: GPL-2.0

//! RPMsg transport for Rockchip AMP SoCs.
//!
//! Binds to the `rockchip,*rpmsg` node, maps the vrings in shared memory,
//! assigns the node's shared-dma-pool to the device for the rpmsg buffers,
//! rings the remote core through the mailbox and registers one virtio device
//! per instance, so that `virtio_rpmsg_bus` talks to the remote (RT-Thread).

use kernel::{
    debugfs::Scope, device, devres::Devres, io::ResourceSize, of, platform, prelude::*, sync::Arc,
};

#[path = "../bindings/mod.rs"]
mod sys;

#[allow(dead_code)]
#[path = "../kabi/compat.rs"]
mod compat;

// The abstractions over C APIs live in ../kabi and are shared with the
// simulator module; each module uses only part of them.
#[allow(dead_code)]
#[path = "../kabi/debugfs_root.rs"]
mod debugfs_root;
#[allow(dead_code)]
#[path = "../kabi/irq_line.rs"]
mod irq_line;
#[allow(dead_code)]
#[path = "../kabi/mailbox.rs"]
mod mailbox;
#[allow(dead_code)]
#[path = "../kabi/mailbox_client.rs"]
mod mailbox_client;
#[path = "../kabi/platform_module.rs"]
mod platform_module;
#[path = "../kabi/remoteproc_subdev.rs"]
mod remoteproc_subdev;
#[allow(dead_code)]
#[path = "../kabi/reserved_mem.rs"]
mod reserved_mem;
#[path = "../kabi/service_thread.rs"]
mod service_thread;
#[allow(dead_code)]
#[path = "../kabi/shared_mem.rs"]
mod shared_mem;
#[allow(dead_code)]
#[path = "../kabi/virtio.rs"]
mod virtio;

#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../rpmsg_proto/src/doorbell_gate.rs"]
mod doorbell_gate;
mod layout;
mod link;
// Legacy split-ring offsets, shared with the simulator and its host tests.
#[allow(dead_code)]
#[path = "../kabi/dec64.rs"]
mod dec64;
mod node;
mod proto;
#[path = "../kabi/shared_mem_proto.rs"]
mod proto_access;
mod ring_check;
#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../rpmsg_proto/src/layout.rs"]
mod ring_layout;
mod stats;
mod vdev;
mod vdev_set;

use compat::IrqRegistration;
use debugfs_root::DebugfsRoot;
use irq_line::IrqLine;
use link::{Bell, DoorbellIrq, DoorbellRx, Instance, Link, RxThread};
use mailbox_client::Client;
use node::Doorbells;
use platform_module::PlatformModule;
use remoteproc_subdev::{RprocRef, RprocState, Subdev};
use reserved_mem::AssignedPool;
use shared_mem::SharedRegion;
use vdev_set::VdevSet;
use virtio::{RingBarriers, Virtqueues, VringLayout};

compat::of_id_table!(
    OF_TABLE,
    <RockchipRpmsgDriver as platform::Driver>::IdInfo,
    [
        (of::DeviceId::new(c"rockchip,rpmsg"), Doorbells::Mailbox),
        (
            of::DeviceId::new(c"rockchip,rk3506-rpmsg"),
            Doorbells::Mailbox
        ),
        (
            of::DeviceId::new(c"rockchip,rk3562-rpmsg"),
            Doorbells::Mailbox
        ),
        (
            of::DeviceId::new(c"rockchip,rk3568-rpmsg"),
            Doorbells::Mailbox
        ),
        (
            of::DeviceId::new(c"rockchip,rk3576-rpmsg"),
            Doorbells::Mailbox
        ),
        (
            of::DeviceId::new(c"rockchip,rk3588-rpmsg"),
            Doorbells::Mailbox
        ),
        (
            of::DeviceId::new(c"rockchip,rpmsg-softirq"),
            Doorbells::Interrupts
        ),
    ]
);

/// `VIRTIO_ID_RPMSG`.
const VIRTIO_ID_RPMSG: u32 = sys::VIRTIO_ID_RPMSG;

/// One bound rpmsg node. Teardown order is spelled out in `drop`.
struct RockchipRpmsg<'bound> {
    /// With `rockchip,remoteproc`: the virtio devices follow the remote's
    /// life. Goes first, removing them.
    lifecycle: Option<Devres<Subdev<Arc<VdevSet>>>>,
    /// The virtio devices; the buffer pool is released with them.
    vdevs: Arc<VdevSet>,
    bell: Bell,
    /// The mailbox-less variant's rx interrupt.
    rx_irq: Option<Pin<KBox<IrqRegistration<'bound, DoorbellIrq>>>>,
    /// Services the virtqueues after doorbells (its service is the link);
    /// the doorbell handlers hold it too.
    rx: Arc<RxThread>,
    _debugfs: Option<Pin<KBox<Scope<Arc<Link>>>>>,
}

/// The platform driver; each bound node's data is a [`RockchipRpmsg`].
struct RockchipRpmsgDriver;

impl platform::Driver for RockchipRpmsgDriver {
    type IdInfo = Doorbells;
    type Data<'bound> = RockchipRpmsg<'bound>;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<device::Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<RockchipRpmsg<'bound>, Error> + 'bound {
        let dev: &device::Device<device::Bound> = pdev.as_ref();
        dev_info!(dev, "rockchip rpmsg platform probe.\n");
        RockchipRpmsg::start(pdev, info.copied().unwrap_or(Doorbells::Mailbox))
    }
}

impl<'bound> RockchipRpmsg<'bound> {
    fn start(
        pdev: &'bound platform::Device<device::Core<'_>>,
        doorbells: Doorbells,
    ) -> Result<Self> {
        let dev: &device::Device<device::Bound> = pdev.as_ref();
        let cfg = node::NodeConfig::read(pdev, doorbells)?;
        if cfg.barriers == RingBarriers::Smp {
            dev_info!(
                dev,
                "rockchip,smp-barriers: rings ordered with SMP barriers (remote in the CPUs' inner-shareable domain)\n"
            );
        }

        let pool = AssignedPool::assign(dev, 0).inspect_err(|e| {
            dev_err!(
                dev,
                "memory-region: not a usable shared-dma-pool ({:?})\n",
                e
            );
        })?;
        let pool_range = reserved_mem::region(dev, 0)?;
        let pool_needed = layout::POOL_PER_INSTANCE * cfg.vdev_nums as ResourceSize;
        if pool_range.size() < pool_needed {
            dev_err!(
                dev,
                "memory-region: pool of {:#x} bytes is too small for {} vdevs (needs {:#x})\n",
                pool_range.size(),
                cfg.vdev_nums,
                pool_needed
            );
            return Err(ENOSPC);
        }

        let region_size = layout::region_bytes(cfg.vdev_nums);
        let region = Arc::new(
            SharedRegion::claim(
                cfg.vring_base,
                region_size as usize,
                c"rockchip-rpmsg vrings",
            )
            .inspect_err(|e| {
                if *e == EBUSY {
                    dev_err!(
                        dev,
                        "reg: vring region at {:#x} is already in use (see /proc/iomem)\n",
                        cfg.vring_base
                    );
                } else {
                    dev_err!(
                        dev,
                        "reg: cannot map the vring region at {:#x}\n",
                        cfg.vring_base
                    );
                }
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
                barriers: cfg.barriers,
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
        let link = Link::new(dev, cfg.link_id, instances)?;
        let rx = RxThread::new(c"rpmsg-rx", dev.name(), link).inspect_err(|e| {
            dev_err!(dev, "cannot start the rx thread ({:?})\n", e);
        })?;

        let (bell, rx_irq) = match doorbells {
            Doorbells::Mailbox => (Bell::Mailbox(Self::mailbox(dev, &rx)?), None),
            Doorbells::Interrupts => {
                let (tx, rx) = Self::interrupts(pdev, &rx)?;
                (Bell::Interrupt(tx), Some(rx))
            }
        };

        let vdevs = VdevSet::new(
            rx.clone(),
            bell.clone(),
            region,
            cfg.vring_base,
            (pool_range.start(), pool_range.size()),
            Arc::new(pool, GFP_KERNEL)?,
        )?;
        // From here on `Drop` tears down whatever exists, on every error.
        let mut this = Self {
            lifecycle: None,
            vdevs,
            bell,
            rx_irq,
            rx,
            _debugfs: None,
        };
        match cfg.remoteproc {
            Some(phandle) => this.lifecycle = Some(Self::follow_remote(dev, phandle, &this.vdevs)?),
            None => {
                if let Some(seen) = this.vdevs.earlier_session() {
                    VdevSet::report_earlier_session(
                        dev,
                        seen,
                        "the remote core keeps its ring positions when Linux restarts; restart the remote core, then bind again",
                    );
                    return Err(EBUSY);
                }
                this.vdevs.register_all(dev)?;
            }
        }

        // The counters are a diagnostic: without them the link still works.
        match DebugfsRoot::with(|root| {
            KBox::pin_init(
                stats::publish(root, dev.name(), this.rx.service().clone()),
                GFP_KERNEL,
            )
        })
        .transpose()
        {
            Ok(debugfs) => this._debugfs = debugfs,
            Err(e) => dev_warn!(dev, "debugfs: counters not published ({:?})\n", e),
        }
        Ok(this)
    }

    /// Ties the virtio devices to the life of the remote processor
    /// `phandle` names: registered while it runs, removed before it stops.
    /// A remote found running on an earlier session's rings (this driver
    /// was unbound and bound again meanwhile) is restarted, so the link
    /// always comes back.
    fn follow_remote(
        dev: &device::Device<device::Bound>,
        phandle: u32,
        vdevs: &Arc<VdevSet>,
    ) -> Result<Devres<Subdev<Arc<VdevSet>>>> {
        let rproc = RprocRef::by_phandle(phandle).ok_or_else(|| {
            dev_info!(
                dev,
                "rockchip,remoteproc: remote processor not registered yet, deferring\n"
            );
            EPROBE_DEFER
        })?;
        let lifecycle = Subdev::new(dev, rproc, vdevs.clone())?;
        let subdev = lifecycle.access(dev)?;
        let rproc = subdev.rproc();
        if rproc.state() == RprocState::Up && vdevs.earlier_session().is_some() {
            dev_info!(
                dev,
                "remote processor {} runs on an earlier session's rings: restarting it\n",
                rproc.name()
            );
            rproc.shutdown().inspect_err(|e| {
                dev_err!(
                    dev,
                    "remote processor {}: stop failed ({:?})\n",
                    rproc.name(),
                    e
                );
            })?;
            // remoteproc stops a remote only when its last user lets go:
            // give back the use just dropped and leave it running.
            if rproc.state() == RprocState::Up {
                let _ = rproc.boot();
                dev_err!(
                    dev,
                    "remote processor {} is kept running by another user: cannot restart it\n",
                    rproc.name()
                );
                return Err(EBUSY);
            }
            // Its start registers the virtio devices (`SubdevOps::start`).
            rproc.boot().inspect_err(|e| {
                dev_err!(
                    dev,
                    "remote processor {}: start failed ({:?})\n",
                    rproc.name(),
                    e
                );
            })?;
        } else if subdev.start_if_up(dev).transpose()?.is_none() {
            dev_info!(
                dev,
                "remote processor {} is not running: the virtio devices come when it starts\n",
                rproc.name()
            );
        }
        Ok(lifecycle)
    }

    /// The `rpmsg-rx`/`rpmsg-tx` mailbox channels.
    fn mailbox(
        dev: &device::Device<device::Bound>,
        rx: &Arc<RxThread>,
    ) -> Result<Arc<Client<DoorbellRx>>> {
        Client::new(
            dev,
            [layout::MBOX_RX_NAME, layout::MBOX_TX_NAME],
            rx.service().doorbell_message(),
            DoorbellRx { rx: rx.clone() },
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
        })
    }

    /// The mailbox-less variant's lines: `interrupts` entry 0 rings the
    /// remote, entry 1 is the remote ringing Linux.
    fn interrupts(
        pdev: &'bound platform::Device<device::Core<'_>>,
        rx: &Arc<RxThread>,
    ) -> Result<(IrqLine, Pin<KBox<IrqRegistration<'bound, DoorbellIrq>>>)> {
        let dev: &device::Device<device::Bound> = pdev.as_ref();
        let entry = |index: u32| {
            pdev.optional_irq_by_index(index)
                .map(|r| IrqLine::new(&r))
                .map_err(|e| {
                    if e != ENXIO {
                        return e;
                    }
                    dev_err!(
                        dev,
                        "interrupts: needs two entries, tx then rx (no entry {})\n",
                        index
                    );
                    EINVAL
                })
        };
        let tx = entry(0)?;
        entry(1)?;
        let rx = KBox::pin_init(
            compat::request_irq_by_index(
                pdev,
                kernel::irq::Flags::TRIGGER_NONE,
                1,
                c"rockchip-rpmsg",
                DoorbellIrq { rx: rx.clone() },
            ),
            GFP_KERNEL,
        )
        .inspect_err(|e| {
            if *e != EPROBE_DEFER {
                dev_err!(
                    dev,
                    "interrupts: cannot request the rx entry (index 1) ({:?})\n",
                    e
                );
            }
        })?;
        Ok((tx, rx))
    }
}

impl Drop for RockchipRpmsg<'_> {
    fn drop(&mut self) {
        // Virtio drivers go first (they still send while removing), then
        // the doorbells, then any service run already queued.
        self.lifecycle = None;
        self.vdevs.unregister_all();
        self.bell.close();
        self.rx_irq = None;
        self.rx.flush();
        self.vdevs.check_pool_empty(self.rx.service().dev());
    }
}

/// The module: registers the platform driver under the vendor's driver
/// name, so dmesg lines read `rockchip-rpmsg <device>: ...` as on the board.
type RockchipRpmsgModule = PlatformModule<RockchipRpmsgDriver>;

impl kernel::InPlaceModule for RockchipRpmsgModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        PlatformModule::new(module, c"rockchip-rpmsg", c"rockchip_rpmsg")
    }
}

module! {
    type: RockchipRpmsgModule,
    name: "rockchip_rpmsg",
    authors: ["rockchip-rpmsg developers"],
    description: "RPMsg transport for Rockchip AMP SoCs (vrings in shared memory, mailbox or interrupt doorbells)",
    license: "GPL",
}
