// SPDX-License-Identifier: GPL-2.0

//! The remote core's end of the doorbells, as the production drivers see it.
//!
//! - Mailbox: the Rockchip AMP mailbox registers, modelled in a no-map
//!   reserved page that `rockchip_amp_mbox` maps as its `reg`. The remote
//!   notices Linux's A2B writes by polling (as some firmwares do) and rings
//!   Linux by writing B2A registers and setting the mailbox's GIC SPI
//!   pending.
//! - Lines: the mailbox-less variant; Linux sets the tx SPI pending (the
//!   simulator has a handler on it) and the remote sets the rx SPI pending.
//!
//! The page is RAM, so two hardware behaviours are modelled by convention:
//! an A2B message is "written" while its DAT word is non-zero (the remote
//! zeroes CMD/DAT when it takes it), and B2A_STATUS bits the remote raised
//! carry [`MODEL_MARK`], which Linux's write-1-to-clear store removes; the
//! remote folds that store back into a real clear the next time it looks.

use crate::{
    irq_line::IrqLine,
    mailbox::MboxMsg,
    mbox_regs::{Layout, FOUR_CHANNEL},
    shared_mem::SharedRegion,
};
use kernel::{
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
};

/// Mailbox channel Linux receives on (`mboxes` entry 0, "rpmsg-rx").
pub(crate) const CHAN_TO_LINUX: usize = 0;
/// Mailbox channel Linux sends on (`mboxes` entry 1, "rpmsg-tx").
pub(crate) const CHAN_FROM_LINUX: usize = 1;

/// The layout modelled: the four-channel block, as `rockchip_amp_mbox`
/// drives it (one source for the offsets, shared with that driver).
const REGS: &Layout = &FOUR_CHANNEL;

/// Set beside the status bits the remote raises; never a channel bit.
const MODEL_MARK: u32 = 1 << 31;

/// Counters of the register model.
#[derive(Default)]
pub(crate) struct WireCounters {
    /// The remote rang while its previous ring was still pending (B2A
    /// status still set, or Linux's rx line still pending).
    pub(crate) rings_while_pending: u64,
    /// Linux's write-1-to-clear stores the remote folded back.
    pub(crate) b2a_acks: u64,
}

/// The mailbox register model.
pub(crate) struct Registers {
    page: SharedRegion,
    /// The mailbox's B2A interrupt of [`CHAN_TO_LINUX`].
    to_linux: IrqLine,
    /// Keep the A2B status bit set after taking a message (test knob).
    hold_a2b: Atomic<bool>,
    /// Write B2A messages without raising the interrupt (test knob).
    hold_b2a: Atomic<bool>,
    rings_while_pending: Atomic<u64>,
    b2a_acks: Atomic<u64>,
}

/// The interrupt lines of the mailbox-less variant.
pub(crate) struct Lines {
    /// Linux's rx line: the remote sets it pending.
    to_linux: IrqLine,
    /// Linux set the tx line pending and the remote has not looked yet.
    rang: Atomic<bool>,
    rings_while_pending: Atomic<u64>,
}

/// How doorbells travel between Linux and the remote.
pub(crate) enum Wire {
    Registers(Registers),
    Lines(Lines),
}

fn bit(chan: usize) -> u32 {
    1 << chan
}

impl Registers {
    /// The model over `page`; resets the remote's side of the registers.
    pub(crate) fn new(page: SharedRegion, to_linux: IrqLine) -> Result<Self> {
        for off in [
            REGS.a2b_status,
            REGS.a2b_cmd(CHAN_FROM_LINUX),
            REGS.a2b_dat(CHAN_FROM_LINUX),
            REGS.b2a_status,
        ] {
            page.write_u32(off, 0).map_err(|_| EINVAL)?;
        }
        Ok(Self {
            page,
            to_linux,
            hold_a2b: Atomic::new(false),
            hold_b2a: Atomic::new(false),
            rings_while_pending: Atomic::new(0),
            b2a_acks: Atomic::new(0),
        })
    }

    fn read(&self, off: usize) -> u32 {
        self.page.read_u32(off).unwrap_or(0)
    }

    fn write(&self, off: usize, value: u32) {
        let _ = self.page.write_u32(off, value);
    }

    /// Takes the message Linux wrote to A2B, if any.
    fn take(&self) -> Option<MboxMsg> {
        let data = self.read(REGS.a2b_dat(CHAN_FROM_LINUX));
        if data == 0 {
            return None;
        }
        // Linux writes CMD before DAT; read them in the same order.
        self.page.barrier();
        let cmd = self.read(REGS.a2b_cmd(CHAN_FROM_LINUX));
        self.write(REGS.a2b_dat(CHAN_FROM_LINUX), 0);
        self.write(REGS.a2b_cmd(CHAN_FROM_LINUX), 0);
        let status = self.read(REGS.a2b_status);
        let status = if self.hold_a2b.load(Relaxed) {
            status | bit(CHAN_FROM_LINUX)
        } else {
            status & !bit(CHAN_FROM_LINUX)
        };
        // Clearing the status bit is what completes Linux's transmission;
        // the barrier orders it (and the zeroing) before the ring reads.
        self.write(REGS.a2b_status, status);
        self.page.barrier();
        Some(MboxMsg { cmd, data })
    }

    /// The B2A status with Linux's write-1-to-clear stores applied.
    fn b2a_status(&self) -> u32 {
        let status = self.read(REGS.b2a_status);
        if status != 0 && status & MODEL_MARK == 0 {
            // Linux stored the bits it cleared: fold that into a clear.
            self.b2a_acks.add(1, Relaxed);
            self.write(REGS.b2a_status, 0);
            return 0;
        }
        status
    }

    /// Writes `msg` to B2A and raises Linux's interrupt.
    fn ring(&self, msg: MboxMsg) -> Result {
        let status = self.b2a_status();
        if status & bit(CHAN_TO_LINUX) != 0 {
            self.rings_while_pending.add(1, Relaxed);
        }
        self.write(REGS.b2a_cmd(CHAN_TO_LINUX), msg.cmd);
        self.write(REGS.b2a_dat(CHAN_TO_LINUX), msg.data);
        self.page.barrier();
        self.write(REGS.b2a_status, status | bit(CHAN_TO_LINUX) | MODEL_MARK);
        self.page.barrier();
        if self.hold_b2a.load(Relaxed) || !self.listening() {
            // Masked by B2A_INTEN (or held): the status stays set until
            // Linux enables the interrupt or the hold is released.
            return Ok(());
        }
        self.to_linux.set_pending()
    }

    fn listening(&self) -> bool {
        self.read(REGS.b2a_inten) & bit(CHAN_TO_LINUX) != 0
    }

    /// Applies a register-model knob; `false` if `knob` is not one.
    fn knob(&self, knob: &str) -> Result<bool> {
        match knob {
            "hold-a2b" => {
                // As if a message were latched and never taken.
                self.hold_a2b.store(true, Relaxed);
                let status = self.read(REGS.a2b_status);
                self.write(REGS.a2b_status, status | bit(CHAN_FROM_LINUX));
            }
            "release-a2b" => {
                self.hold_a2b.store(false, Relaxed);
                let status = self.read(REGS.a2b_status);
                self.write(REGS.a2b_status, status & !bit(CHAN_FROM_LINUX));
            }
            "hold-b2a" => self.hold_b2a.store(true, Relaxed),
            "release-b2a" => {
                self.hold_b2a.store(false, Relaxed);
                if self.b2a_status() & bit(CHAN_TO_LINUX) != 0 && self.listening() {
                    self.to_linux.set_pending()?;
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Lines {
    /// The lines: Linux's rx line is `to_linux`.
    pub(crate) fn new(to_linux: IrqLine) -> Self {
        Self {
            to_linux,
            rang: Atomic::new(false),
            rings_while_pending: Atomic::new(0),
        }
    }

    fn ring(&self) -> Result {
        if self.to_linux.is_pending()? {
            self.rings_while_pending.add(1, Relaxed);
        }
        self.to_linux.set_pending()
    }
}

impl Wire {
    /// Takes Linux's doorbell, if it rang since the last call.
    pub(crate) fn take(&self) -> Option<MboxMsg> {
        match self {
            Wire::Registers(r) => r.take(),
            // The line carries no message; report the one Linux would send.
            Wire::Lines(l) => l
                .rang
                .xchg(false, Relaxed)
                .then_some(MboxMsg { cmd: 0, data: 0 }),
        }
    }

    /// Whether Linux's doorbells carry a `{link-id, magic}` message.
    pub(crate) fn carries_messages(&self) -> bool {
        matches!(self, Wire::Registers(_))
    }

    /// Whether the remote has to poll to notice Linux's doorbells.
    pub(crate) fn polled(&self) -> bool {
        matches!(self, Wire::Registers(_))
    }

    /// Linux's tx line fired (mailbox-less variant).
    pub(crate) fn line_rang(&self) {
        if let Wire::Lines(l) = self {
            l.rang.store(true, Relaxed);
        }
    }

    /// Rings Linux with `msg` (the lines carry only the ring itself).
    pub(crate) fn ring(&self, msg: MboxMsg) -> Result {
        match self {
            Wire::Registers(r) => r.ring(msg),
            Wire::Lines(l) => l.ring(),
        }
    }

    /// Whether a Linux driver is listening for the remote's doorbells: the
    /// mailbox channel's B2A interrupt is enabled, or Linux's rx line is
    /// unmasked at the interrupt controller.
    pub(crate) fn linux_listening(&self) -> bool {
        match self {
            Wire::Registers(r) => r.listening(),
            Wire::Lines(l) => l.to_linux.is_masked().map(|m| !m).unwrap_or(false),
        }
    }

    /// Applies a knob of the wire itself; `false` if `knob` is not one.
    pub(crate) fn knob(&self, knob: &str) -> Result<bool> {
        match self {
            Wire::Registers(r) => r.knob(knob),
            Wire::Lines(_) => Ok(false),
        }
    }

    /// The wire's counters.
    pub(crate) fn counters(&self) -> WireCounters {
        match self {
            Wire::Registers(r) => WireCounters {
                rings_while_pending: r.rings_while_pending.load(Relaxed),
                b2a_acks: r.b2a_acks.load(Relaxed),
            },
            Wire::Lines(l) => WireCounters {
                rings_while_pending: l.rings_while_pending.load(Relaxed),
                b2a_acks: 0,
            },
        }
    }
}
