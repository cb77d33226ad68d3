// SPDX-License-Identifier: GPL-2.0

//! The remote core of the QEMU board, in place of RT-Thread.
//!
//! The remote's end of the doorbells as the production drivers see it (the
//! board's Rockchip AMP mailbox block, shared with `rockchip_amp_mbox` as on
//! a SoC, or the mailbox-less variant's interrupt lines), and the remote side of RPMsg
//! over the same shared memory the driver uses:
//! it announces `rpmsg_chrdev` at 0x3000, echoes what it receives, logs
//! `message:<text> len:<n>` like RT-Thread's console, and injects faults on
//! request (`/sys/kernel/debug/rpmsg_remote_sim/fault`). Never load it on a
//! board: it answers in the real remote core's place.

use kernel::{
    debugfs::{Dir, Scope},
    device::{self, Bound, Device},
    irq::{self, IrqReturn},
    of, platform,
    prelude::*,
    str::CString,
    sync::Arc,
    uaccess::UserSliceReader,
};

#[path = "../bindings/mod.rs"]
mod sys;

#[allow(dead_code)]
#[path = "../kabi/compat.rs"]
mod compat;

// The abstractions over C APIs live in ../kabi and are shared with the
// driver module; each module uses only part of them.
#[allow(dead_code)]
#[path = "../kabi/irq_line.rs"]
mod irq_line;
#[allow(dead_code)]
#[path = "../kabi/mailbox.rs"]
mod mailbox;
#[allow(dead_code)]
#[path = "../kabi/reserved_mem.rs"]
mod reserved_mem;
#[allow(dead_code)]
#[path = "../kabi/shared_mem.rs"]
mod shared_mem;

#[allow(dead_code)]
#[path = "../kabi/workqueue_ext.rs"]
mod workqueue_ext;

// The mailbox register layouts, shared with the driver the model serves.
#[allow(dead_code)]
#[path = "../kabi/dec64.rs"]
mod dec64;
#[allow(dead_code)]
#[path = "../rockchip_amp_mbox/regs.rs"]
mod mbox_regs;
#[path = "../kabi/shared_mem_proto.rs"]
mod memory;
mod proto;
mod sim;
mod wire;

use irq_line::IrqLine;
use shared_mem::SharedRegion;
use sim::{EndpointChoice, Sim};
use wire::{BoardMailbox, Lines, Registers, Wire};

/// Which production doorbell path the simulator stands behind.
#[derive(Clone, Copy)]
enum Path {
    /// `rockchip_amp_mbox` over the register page.
    Mailbox,
    /// The mailbox-less variant's interrupt lines.
    Lines,
}

compat::of_id_table!(
    OF_TABLE,
    <RemoteSimDriver as platform::Driver>::IdInfo,
    [
        (
            of::DeviceId::new(c"rockchip-rpmsg-test,remote-sim"),
            Path::Mailbox
        ),
        (
            of::DeviceId::new(c"rockchip-rpmsg-test,remote-sim-softirq"),
            Path::Lines
        ),
    ]
);

/// The simulator's handler on Linux's tx line (mailbox-less variant); on a
/// board that line interrupts the remote core instead.
struct TxLine {
    sim: Arc<Sim>,
}

impl compat::IrqHandler for TxLine {
    fn handle(&self) -> IrqReturn {
        self.sim.line_rang();
        IrqReturn::Handled
    }
}

/// The debugfs files of one simulator.
struct Files {
    sim: Arc<Sim>,
}

/// Accepts fault knobs written to the `fault` file.
struct FaultWriter {
    sim: Arc<Sim>,
}

impl kernel::debugfs::Reader for FaultWriter {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        let mut buf = [0u8; 64];
        let len = reader.len();
        let dst = buf.get_mut(..len).ok_or(EINVAL)?;
        reader.read_slice(dst)?;
        let text = core::str::from_utf8(dst).map_err(|_| EINVAL)?;
        self.sim.inject(text).inspect_err(|_| {
            pr_warn!("rpmsg_remote_sim: unknown fault knob '{}'\n", text.trim());
        })
    }
}

/// One bound simulator node.
struct RemoteSim<'bound> {
    sim: Arc<Sim>,
    tx_line: Option<Pin<KBox<compat::IrqRegistration<'bound, TxLine>>>>,
    _files: Pin<KBox<Scope<Files>>>,
    _fault: Pin<KBox<kernel::debugfs::File<FaultWriter>>>,
    _root: Dir,
}

/// The platform driver; each bound node's data is a [`RemoteSim`].
struct RemoteSimDriver;

impl platform::Driver for RemoteSimDriver {
    type IdInfo = Path;
    type Data<'bound> = RemoteSim<'bound>;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<device::Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<RemoteSim<'bound>, Error> + 'bound {
        RemoteSim::start(pdev, info.copied().unwrap_or(Path::Mailbox))
    }
}

impl<'bound> RemoteSim<'bound> {
    /// The doorbell path: the register page and the mailbox's B2A line, or
    /// Linux's rx line (`interrupts` entry 1).
    fn wire(pdev: &platform::Device<device::Core<'_>>, path: Path) -> Result<Wire> {
        let dev: &Device<Bound> = pdev.as_ref();
        let line = |index: u32| {
            pdev.irq_by_index(index)
                .map(|r| IrqLine::new(&r))
                .inspect_err(|_| dev_err!(dev, "interrupts: no entry {}\n", index))
        };
        Ok(match path {
            Path::Mailbox => {
                let fwnode = dev.fwnode().ok_or(ENODEV)?;
                let layout: CString = fwnode
                    .property_read(c"rockchip-rpmsg-test,mbox-layout")
                    .required_by(dev)?;
                let board = BoardMailbox::from_name(&layout).ok_or_else(|| {
                    dev_err!(
                        dev,
                        "rockchip-rpmsg-test,mbox-layout: not four-channel or one-channel\n"
                    );
                    EINVAL
                })?;
                // The rx block's base and size, then the tx block's.
                let blocks: [proto::shared_mem::WireAddr; 4] = fwnode
                    .property_read(c"rockchip-rpmsg-test,mbox-regs")
                    .required_by(dev)?;
                let map = |phys: proto::shared_mem::WireAddr, size: proto::shared_mem::WireSize| {
                    let size = usize::try_from(size).map_err(|_| EINVAL)?;
                    let phys = shared_mem::phys_from_wire(phys).ok_or(EINVAL)?;
                    SharedRegion::map_remote_registers(phys, size).inspect_err(|_| {
                        dev_err!(
                            dev,
                            "rockchip-rpmsg-test,mbox-regs: cannot map {:#x}+{:#x}\n",
                            phys,
                            size
                        );
                    })
                };
                let rx = map(blocks[0], blocks[1])?;
                let tx = map(blocks[2], blocks[3])?;
                Wire::Registers(Registers::new(board, rx, tx, line(0)?)?)
            }
            Path::Lines => Wire::Lines(Lines::new(line(1)?)),
        })
    }

    fn start(pdev: &'bound platform::Device<device::Core<'_>>, path: Path) -> Result<Self> {
        let dev: &device::Device<device::Bound> = pdev.as_ref();
        let fwnode = dev.fwnode().ok_or(ENODEV)?;
        let link_id: u32 = fwnode.property_read(c"rockchip,link-id").required_by(dev)?;
        let link_id = u8::try_from(link_id).map_err(|_| EINVAL)?;
        let vdevs: u32 = fwnode.property_read(c"rockchip,vdev-nums").or(1);

        let vrings = reserved_mem::region_by_name(dev, c"vrings").inspect_err(|_| {
            dev_err!(dev, "memory-region: no \"vrings\" entry\n");
        })?;
        let pool = reserved_mem::region_by_name(dev, c"pool").inspect_err(|_| {
            dev_err!(dev, "memory-region: no \"pool\" entry\n");
        })?;
        let rings = SharedRegion::map_remote_view(&vrings)?;
        // A remote that starts finds zeroed rings, as the rig's restart
        // leaves them (and a Linux that binds after it sees no earlier
        // session).
        rings.zero(0, rings.size()).map_err(|_| EINVAL)?;
        let pool_start = pool.start();
        let pool = SharedRegion::map_remote_view(&pool)?;

        let choice = EndpointChoice {
            client_sample: compat::param(&module_parameters::client_sample) != 0,
            raw: compat::param(&module_parameters::raw_endpoint) != 0,
            log_messages: compat::param(&module_parameters::log_messages) != 0,
            announce_delay_ms: compat::param(&module_parameters::announce_delay_ms),
        };
        let wire = Self::wire(pdev, path)?;
        let sim = Sim::new(link_id, vdevs as usize, rings, pool, wire, &choice)?;
        let tx_line = match path {
            Path::Mailbox => None,
            Path::Lines => Some(KBox::pin_init(
                compat::request_irq_by_index(
                    pdev,
                    irq::Flags::TRIGGER_NONE,
                    0,
                    c"rpmsg-remote-sim",
                    TxLine { sim: sim.clone() },
                ),
                GFP_KERNEL,
            )?),
        };
        sim.start();

        let root = Dir::new(c"rpmsg_remote_sim");
        let files = KBox::pin_init(
            root.scope(Files { sim: sim.clone() }, dev.name(), |files, dir| {
                dir.read_callback_file(c"stats", &files.sim, &|sim: &Arc<Sim>, f| {
                    sim.write_stats(f)
                });
                dir.read_callback_file(c"audit", &files.sim, &|sim: &Arc<Sim>, f| sim.audit(f));
                dir.read_callback_file(c"mbox-regs", &files.sim, &|sim: &Arc<Sim>, f| {
                    sim.write_mbox_regs(f)
                });
            }),
            GFP_KERNEL,
        )?;
        let fault = KBox::pin_init(
            root.write_only_file(c"fault", FaultWriter { sim: sim.clone() }),
            GFP_KERNEL,
        )?;
        dev_info!(
            dev,
            "remote core simulator ready: {} doorbells, link {:#x}, {} vdev(s), vrings {:#x}, pool {:#x}\n",
            match path {
                Path::Mailbox => "mailbox",
                Path::Lines => "interrupt-line",
            },
            link_id,
            vdevs,
            vrings.start(),
            pool_start
        );
        Ok(Self {
            sim,
            tx_line,
            _files: files,
            _fault: fault,
            _root: root,
        })
    }
}

impl Drop for RemoteSim<'_> {
    fn drop(&mut self) {
        // Stop ringing Linux and the firmware loop, stop listening, and
        // wait for the loop to end.
        self.sim.stop();
        self.tx_line = None;
        self.sim.flush_work();
    }
}

kernel::module_platform_driver! {
    type: RemoteSimDriver,
    name: "rpmsg_remote_sim",
    authors: ["rockchip-rpmsg developers"],
    description: "Simulated Rockchip remote core (RT-Thread rpmsg side, mailbox registers or interrupt lines) for the QEMU board",
    license: "GPL",
    params: {
        client_sample: u32 {
            default: 0,
            description: "Also announce rpmsg-client-sample at 0x3001",
        },
        raw_endpoint: u32 {
            default: 0,
            description: "Also announce rpmsg-raw at 0x3002",
        },
        announce_delay_ms: u32 {
            default: 100,
            description: "Milliseconds from Linux's first doorbell to the endpoint announcements",
        },
        log_messages: u32 {
            default: 1,
            description: "Log message:<text> len:<n> for every echo, like RT-Thread",
        },
    },
}
