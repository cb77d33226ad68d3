// SPDX-License-Identifier: GPL-2.0

//! Mailbox controller for the Rockchip AMP mailbox, as the vendor BSP and
//! RT-Thread program it.
//!
//! Unlike mainline's request/response `rockchip-mailbox`, every B2A message
//! `{cmd, data}` the remote writes reaches the channel's client as received
//! data (unsolicited doorbells included), and a transmission completes when
//! the remote has cleared its A2B status bit, found by polling every
//! `rockchip,txpoll-period-ms` (default 1 ms).

use kernel::{
    debugfs::Scope,
    device::{self, Bound, Device},
    io::{Io, ResourceSize},
    irq::{self, IrqReturn},
    of, platform,
    prelude::*,
    sync::{new_spinlock, Arc, SpinLock},
};

#[path = "../bindings/mod.rs"]
mod sys;

#[allow(dead_code)]
#[path = "../kabi/compat.rs"]
mod compat;

// The abstractions over C APIs live in ../kabi and are shared with the
// other modules; each module uses only part of them.
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
#[path = "../kabi/mailbox_controller.rs"]
mod mailbox_controller;
#[path = "../kabi/platform_module.rs"]
mod platform_module;

#[allow(dead_code)]
#[path = "../kabi/dec64.rs"]
mod dec64;
mod proto;
mod regs;
mod stats;

use compat::{DevresIoMem, IrqHandler, IrqRegistration};
use debugfs_root::DebugfsRoot;
use irq_line::IrqLine;
use mailbox::MboxMsg;
use mailbox_controller::{Controller, ControllerOps, CHANNELS};
use platform_module::PlatformModule;
use regs::{Layout, FOUR_CHANNEL, SINGLE_CHANNEL};
use stats::MboxStats;

/// Which register layout a compatible names.
#[derive(Clone, Copy)]
enum Variant {
    FourChannel,
    SingleChannel,
}

impl Variant {
    fn layout(self) -> &'static Layout {
        match self {
            Variant::FourChannel => &FOUR_CHANNEL,
            Variant::SingleChannel => &SINGLE_CHANNEL,
        }
    }
}

compat::of_id_table!(
    OF_TABLE,
    <AmpMailboxDriver as platform::Driver>::IdInfo,
    [
        (
            of::DeviceId::new(c"rockchip,rk3506-amp-mailbox"),
            Variant::SingleChannel
        ),
        (
            of::DeviceId::new(c"rockchip,rk3562-amp-mailbox"),
            Variant::FourChannel
        ),
        (
            of::DeviceId::new(c"rockchip,rk3568-amp-mailbox"),
            Variant::FourChannel
        ),
        (
            of::DeviceId::new(c"rockchip,rk3576-amp-mailbox"),
            Variant::SingleChannel
        ),
        (
            of::DeviceId::new(c"rockchip,rk3588-amp-mailbox"),
            Variant::FourChannel
        ),
    ]
);

/// The register block and what the callbacks share.
#[pin_data]
struct Mailbox {
    io: DevresIoMem,
    layout: &'static Layout,
    /// The B2A interrupt lines, waited for when a channel shuts down.
    b2a_lines: KVec<IrqLine>,
    /// Serialises read-modify-write of B2A_INTEN.
    #[pin]
    inten: SpinLock<()>,
    stats: MboxStats,
}

impl Mailbox {
    fn check_channel(&self, chan: usize) -> Result {
        if chan < self.layout.channels {
            Ok(())
        } else {
            Err(EINVAL)
        }
    }

    /// Writes the message; writing DAT is what raises the remote's status.
    fn send(&self, chan: usize, msg: MboxMsg) -> Result {
        self.check_channel(chan)?;
        let io = self.io.try_access().ok_or(ENXIO)?;
        io.try_write32(msg.cmd, self.layout.a2b_cmd(chan))?;
        io.try_write32(msg.data, self.layout.a2b_dat(chan))?;
        self.stats.sent(chan);
        Ok(())
    }

    /// The remote has taken the last message once it cleared the status.
    fn tx_done(&self, chan: usize) -> bool {
        let Some(io) = self.io.try_access() else {
            // Unbound: nothing will ever clear it; let the framework go on.
            return true;
        };
        let busy = io
            .try_read32(self.layout.a2b_status)
            .map(|status| status & (1 << chan) != 0)
            .unwrap_or(false);
        if !busy {
            self.stats.tx_completed(chan);
        }
        !busy
    }

    /// Enables or disables the B2A interrupt of `chan` (or all with `bits`).
    fn set_rx_enabled(&self, bits: u32, on: bool) -> Result {
        let io = self.io.try_access().ok_or(ENXIO)?;
        let reg = self.layout.b2a_inten;
        if self.layout.hiword_mask {
            let value = (bits << 16) | if on { bits } else { 0 };
            return io.try_write32(value, reg);
        }
        let _guard = self.inten.lock();
        let now = io.try_read32(reg)?;
        io.try_write32(if on { now | bits } else { now & !bits }, reg)
    }

    /// Takes every pending B2A message and hands it to `deliver`.
    fn receive(&self, mut deliver: impl FnMut(usize, MboxMsg)) -> IrqReturn {
        let Some(io) = self.io.try_access() else {
            return IrqReturn::None;
        };
        let layout = self.layout;
        let enabled = io.try_read32(layout.b2a_inten).unwrap_or(0);
        let status = io.try_read32(layout.b2a_status).unwrap_or(0) & enabled;
        let pending = status & layout.channel_mask();
        if pending == 0 {
            self.stats.spurious_irq();
            return IrqReturn::None;
        }
        // Clear before reading, so a message the remote writes meanwhile
        // raises the status again instead of being lost.
        let _ = io.try_write32(pending, layout.b2a_status);
        for chan in (0..layout.channels).filter(|c| pending & (1 << c) != 0) {
            let msg = MboxMsg {
                cmd: io.try_read32(layout.b2a_cmd(chan)).unwrap_or(0),
                data: io.try_read32(layout.b2a_dat(chan)).unwrap_or(0),
            };
            self.stats.received(chan);
            deliver(chan, msg);
        }
        IrqReturn::Handled
    }
}

/// The controller's callbacks.
struct MboxOps {
    mbox: Arc<Mailbox>,
}

impl ControllerOps for MboxOps {
    fn send(&self, chan: usize, msg: MboxMsg) -> Result {
        self.mbox.send(chan, msg)
    }

    fn startup(&self, chan: usize) -> Result {
        self.mbox.check_channel(chan)?;
        self.mbox.set_rx_enabled(1 << chan, true)
    }

    fn shutdown(&self, chan: usize) {
        if self.mbox.check_channel(chan).is_ok() {
            let _ = self.mbox.set_rx_enabled(1 << chan, false);
        }
        // A handler that read INTEN before the write above may still be
        // delivering to this channel's client; the client is about to go.
        for line in self.mbox.b2a_lines.iter() {
            line.synchronize();
        }
    }

    fn last_tx_done(&self, chan: usize) -> bool {
        self.mbox.tx_done(chan)
    }
}

/// A B2A interrupt line; any line serves every channel, because boards
/// wire one line per channel or one for all.
struct B2aIrq {
    mbox: Arc<Mailbox>,
    controller: Arc<Controller<MboxOps>>,
}

impl IrqHandler for B2aIrq {
    fn handle(&self) -> IrqReturn {
        self.mbox
            .receive(|chan, msg| self.controller.deliver(chan, msg))
    }
}

/// An enabled optional bus clock; disabled again on drop.
struct BusClock(kernel::clk::OptionalClk);

impl Drop for BusClock {
    fn drop(&mut self) {
        self.0.disable_unprepare();
    }
}

/// One bound mailbox. Fields drop in order: interrupts, controller, clock.
struct AmpMailbox<'bound> {
    _irqs: KVec<Pin<KBox<IrqRegistration<'bound, B2aIrq>>>>,
    _debugfs: Option<Pin<KBox<Scope<Arc<Mailbox>>>>>,
    _controller: Arc<Controller<MboxOps>>,
    mbox: Arc<Mailbox>,
    _clock: BusClock,
}

/// The platform driver; each bound block's data is an [`AmpMailbox`].
struct AmpMailboxDriver;

impl platform::Driver for AmpMailboxDriver {
    type IdInfo = Variant;
    type Data<'bound> = AmpMailbox<'bound>;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<device::Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<AmpMailbox<'bound>, Error> + 'bound {
        let variant = info.copied().unwrap_or(Variant::FourChannel);
        AmpMailbox::start(pdev, variant.layout())
    }
}

impl<'bound> AmpMailbox<'bound> {
    fn start(
        pdev: &'bound platform::Device<device::Core<'_>>,
        layout: &'static Layout,
    ) -> Result<Self> {
        let dev: &Device<Bound> = pdev.as_ref();
        let fwnode = dev.fwnode().ok_or(ENODEV)?;
        let txpoll_ms: u32 = fwnode
            .property_read(c"rockchip,txpoll-period-ms")
            .or(1)
            .max(1);

        let clock = kernel::clk::OptionalClk::get(dev, None).inspect_err(|e| {
            if *e != EPROBE_DEFER {
                dev_err!(dev, "clocks: cannot get the bus clock ({:?})\n", e);
            }
        })?;
        clock.prepare_enable().inspect_err(|e| {
            dev_err!(dev, "clocks: cannot enable the bus clock ({:?})\n", e);
        })?;
        let clock = BusClock(clock);

        let size = pdev.resource_by_index(0).map_or(0, |r| r.size());
        let request = pdev.io_request_by_index(0).ok_or_else(|| {
            dev_err!(dev, "reg: missing (the mailbox registers)\n");
            EINVAL
        })?;
        if size < layout.span as ResourceSize {
            dev_err!(
                dev,
                "reg: {:#x} bytes is too small for the registers (needs {:#x})\n",
                size,
                layout.span
            );
            return Err(EINVAL);
        }
        let io = request
            .iomap()
            .inspect_err(|e| dev_err!(dev, "reg: cannot map the registers ({:?})\n", e))?
            .into_devres()?;
        // Entry 0 is required, further ones optional (one line per channel
        // or one for all).
        let mut b2a_lines = KVec::new();
        for index in 0..layout.channels.min(CHANNELS) as u32 {
            let request = if index == 0 {
                pdev.irq_by_index(index)
            } else {
                match pdev.optional_irq_by_index(index) {
                    Err(_) => break,
                    found => found,
                }
            };
            let request = request.inspect_err(|e| {
                if *e != EPROBE_DEFER {
                    dev_err!(dev, "interrupts: cannot get entry {} ({:?})\n", index, e);
                }
            })?;
            b2a_lines.push(IrqLine::new(&request), GFP_KERNEL)?;
        }
        let mbox = Arc::pin_init(
            pin_init!(Mailbox {
                io,
                layout,
                b2a_lines,
                inten <- new_spinlock!(()),
                stats: MboxStats::new(),
            }),
            GFP_KERNEL,
        )?;
        // Hardware reset state: no B2A interrupt until a client starts.
        mbox.set_rx_enabled(layout.channel_mask(), false)?;
        if let Some((reg, value)) = layout.a2b_trigger {
            mbox.io.access(dev)?.try_write32(value, reg)?;
        }

        let controller = Arc::new(
            Controller::register(dev, txpoll_ms, MboxOps { mbox: mbox.clone() })?,
            GFP_KERNEL,
        )?;

        let mut irqs = KVec::new();
        for index in 0..mbox.b2a_lines.len() as u32 {
            let handler = B2aIrq {
                mbox: mbox.clone(),
                controller: controller.clone(),
            };
            let reg = KBox::pin_init(
                compat::request_irq_by_index(
                    pdev,
                    irq::Flags::TRIGGER_NONE,
                    index,
                    c"rockchip-amp-mbox",
                    handler,
                ),
                GFP_KERNEL,
            )
            .inspect_err(|e| {
                if *e != EPROBE_DEFER {
                    dev_err!(
                        dev,
                        "interrupts: cannot request entry {} ({:?})\n",
                        index,
                        e
                    );
                }
            })?;
            irqs.push(reg, GFP_KERNEL)?;
        }

        let debugfs = DebugfsRoot::with(|root| {
            KBox::pin_init(stats::publish(root, dev.name(), mbox.clone()), GFP_KERNEL)
        })
        .transpose()?;
        dev_info!(
            dev,
            "{} channels, txpoll {} ms, {} interrupt(s)\n",
            layout.channels,
            txpoll_ms,
            irqs.len()
        );
        Ok(Self {
            _irqs: irqs,
            _debugfs: debugfs,
            _controller: controller,
            mbox,
            _clock: clock,
        })
    }
}

impl Drop for AmpMailbox<'_> {
    fn drop(&mut self) {
        // Leave the block as reset left it.
        let _ = self
            .mbox
            .set_rx_enabled(self.mbox.layout.channel_mask(), false);
    }
}

/// The module: the platform driver and its debugfs directory.
type AmpMailboxModule = PlatformModule<AmpMailboxDriver>;

impl kernel::InPlaceModule for AmpMailboxModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        PlatformModule::new(module, c"rockchip-amp-mbox", c"rockchip_amp_mbox")
    }
}

module! {
    type: AmpMailboxModule,
    name: "rockchip_amp_mbox",
    authors: ["rockchip-rpmsg developers"],
    description: "Rockchip AMP mailbox controller (vendor BSP / RT-Thread programming model)",
    license: "GPL",
}
