// SPDX-License-Identifier: GPL-2.0

//! The remote core's end of the doorbells, as the production drivers see it.
//!
//! - Mailbox: the board's Rockchip AMP mailbox (the QEMU device model of
//!   `qemu/`), whose registers `rockchip_amp_mbox` owns and the remote maps
//!   as well, as the remote core shares the block on a real SoC. Linux's
//!   A2B_DAT write latches A2B_STATUS, which the remote notices by polling
//!   (as some firmwares do) and clears (write 1) once it took the doorbell;
//!   that clear is what completes Linux's transmission. The remote rings
//!   Linux by writing B2A_CMD/B2A_DAT: the block latches B2A_STATUS and
//!   raises Linux's interrupt while B2A_INTEN lets it.
//! - Lines: the mailbox-less variant; Linux sets the tx SPI pending (the
//!   simulator has a handler on it) and the remote sets the rx SPI pending.

use crate::{
    irq_line::IrqLine,
    mailbox::MboxMsg,
    mbox_regs::{Layout, FOUR_CHANNEL, SINGLE_CHANNEL},
    shared_mem::SharedRegion,
};
use core::fmt;
use kernel::{
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
};

/// The board's mailbox blocks, as the remote finds them in its device tree.
pub(crate) enum BoardMailbox {
    /// One four-channel block (RK3562/RK3568/RK3588): Linux receives on
    /// channel 0 ("rpmsg-rx") and sends on channel 1 ("rpmsg-tx").
    FourChannel,
    /// Two one-channel blocks (RK3576/RK3506), channel 0 of each: Linux
    /// receives on the first and sends on the second.
    OneChannel,
}

impl BoardMailbox {
    /// The layout named by `rockchip-rpmsg-test,mbox-layout`.
    pub(crate) fn from_name(name: &CStr) -> Option<Self> {
        match name.to_bytes() {
            b"four-channel" => Some(Self::FourChannel),
            b"one-channel" => Some(Self::OneChannel),
            _ => None,
        }
    }

    fn layout(&self) -> &'static Layout {
        match self {
            Self::FourChannel => &FOUR_CHANNEL,
            Self::OneChannel => &SINGLE_CHANNEL,
        }
    }

    /// Channels Linux receives and sends on.
    fn channels(&self) -> (usize, usize) {
        match self {
            Self::FourChannel => (0, 1),
            Self::OneChannel => (0, 0),
        }
    }
}

/// Counters of the doorbell wire.
#[derive(Default)]
pub(crate) struct WireCounters {
    /// The remote rang while its previous ring was still pending (B2A
    /// status still set, or Linux's rx line still pending).
    pub(crate) rings_while_pending: u64,
}

/// One channel of a mailbox block, mapped as the remote sees it.
struct Channel {
    regs: SharedRegion,
    layout: &'static Layout,
    chan: usize,
}

impl Channel {
    fn read(&self, off: usize) -> u32 {
        self.regs.read_u32(off).unwrap_or(0)
    }

    fn write(&self, off: usize, value: u32) {
        let _ = self.regs.write_u32(off, value);
    }

    fn bit(&self) -> u32 {
        1 << self.chan
    }
}

/// The remote's side of the mailbox registers.
pub(crate) struct Registers {
    /// Where the remote rings Linux (B2A of Linux's rx channel).
    to_linux: Channel,
    /// Where Linux rings the remote (A2B of Linux's tx channel).
    from_linux: Channel,
    /// Linux's interrupt for its rx channel; masked at the interrupt
    /// controller while B2A is held.
    to_linux_line: IrqLine,
    /// Leave the A2B status bit set after taking a doorbell (test knob).
    hold_a2b: Atomic<bool>,
    /// The doorbell latched in A2B now was taken while held.
    taken_while_held: Atomic<bool>,
    /// Keep Linux's B2A interrupt from reaching it (test knob).
    hold_b2a: Atomic<bool>,
    rings_while_pending: Atomic<u64>,
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

impl Registers {
    /// The remote's side of `board`'s blocks: `rx` is the block Linux
    /// receives on, `tx` the one it sends on (the same block mapped twice
    /// on a four-channel board). Drops a doorbell left latched from before
    /// the remote started.
    pub(crate) fn new(
        board: BoardMailbox,
        rx: SharedRegion,
        tx: SharedRegion,
        to_linux_line: IrqLine,
    ) -> Result<Self> {
        let layout = board.layout();
        if rx.size() < layout.span || tx.size() < layout.span {
            return Err(EINVAL);
        }
        let (rx_chan, tx_chan) = board.channels();
        let this = Self {
            to_linux: Channel {
                regs: rx,
                layout,
                chan: rx_chan,
            },
            from_linux: Channel {
                regs: tx,
                layout,
                chan: tx_chan,
            },
            to_linux_line,
            hold_a2b: Atomic::new(false),
            taken_while_held: Atomic::new(false),
            hold_b2a: Atomic::new(false),
            rings_while_pending: Atomic::new(0),
        };
        let a2b = &this.from_linux;
        a2b.write(layout.a2b_status, a2b.bit());
        if let Some((_, trigger)) = layout.a2b_trigger {
            // The sender picks the write that raises the receiver's line:
            // B2A_INTEN takes the same masked bits as A2B_INTEN, and the
            // mask leaves Linux's enable bit alone.
            this.to_linux.write(layout.b2a_inten, trigger);
        }
        Ok(this)
    }

    /// Takes the doorbell Linux latched in A2B, if any.
    fn take(&self) -> Option<MboxMsg> {
        let a2b = &self.from_linux;
        let layout = a2b.layout;
        if a2b.read(layout.a2b_status) & a2b.bit() == 0 {
            return None;
        }
        let held = self.hold_a2b.load(Relaxed);
        if held && self.taken_while_held.xchg(true, Relaxed) {
            // Still the doorbell taken before: its status stays set.
            return None;
        }
        // The status bit is set by the DAT write, after CMD: both are there.
        a2b.regs.barrier();
        let cmd = a2b.read(layout.a2b_cmd(a2b.chan));
        let data = a2b.read(layout.a2b_dat(a2b.chan));
        if !held {
            // Clearing the status bit is what completes Linux's
            // transmission; the barrier orders it before the ring reads.
            a2b.write(layout.a2b_status, a2b.bit());
        }
        a2b.regs.barrier();
        Some(MboxMsg { cmd, data })
    }

    /// Writes `msg` to B2A, which raises Linux's interrupt.
    fn ring(&self, msg: MboxMsg) -> Result {
        let b2a = &self.to_linux;
        let layout = b2a.layout;
        if b2a.read(layout.b2a_status) & b2a.bit() != 0 {
            self.rings_while_pending.add(1, Relaxed);
        }
        b2a.write(layout.b2a_cmd(b2a.chan), msg.cmd);
        b2a.write(layout.b2a_dat(b2a.chan), msg.data);
        b2a.regs.barrier();
        Ok(())
    }

    /// The control and status registers of both directions, as read now.
    fn write_registers(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rx, tx) = (&self.to_linux, &self.from_linux);
        writeln!(f, "rx_b2a_inten {:#x}", rx.read(rx.layout.b2a_inten))?;
        writeln!(f, "rx_b2a_status {:#x}", rx.read(rx.layout.b2a_status))?;
        // A2B_INTEN sits at offset 0 of every layout.
        writeln!(f, "tx_a2b_inten {:#x}", tx.read(0))?;
        writeln!(f, "tx_a2b_status {:#x}", tx.read(tx.layout.a2b_status))
    }

    fn listening(&self) -> bool {
        let b2a = &self.to_linux;
        b2a.read(b2a.layout.b2a_inten) & b2a.bit() != 0
    }

    /// Applies a register knob; `false` if `knob` is not one.
    fn knob(&self, knob: &str) -> Result<bool> {
        match knob {
            "hold-a2b" => self.hold_a2b.store(true, Relaxed),
            "release-a2b" => {
                self.hold_a2b.store(false, Relaxed);
                if self.taken_while_held.xchg(false, Relaxed) {
                    let a2b = &self.from_linux;
                    a2b.write(a2b.layout.a2b_status, a2b.bit());
                }
            }
            "hold-b2a" => {
                // The status bit still latches; the line stays up behind
                // the mask and fires once it is lifted.
                self.hold_b2a.store(true, Relaxed);
                self.to_linux_line.set_masked(true)?;
            }
            "release-b2a" => {
                if self.hold_b2a.xchg(false, Relaxed) {
                    self.to_linux_line.set_masked(false)?;
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

    /// The mailbox registers the remote sees (nothing on the lines).
    pub(crate) fn write_registers(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wire::Registers(r) => r.write_registers(f),
            Wire::Lines(_) => Ok(()),
        }
    }

    /// The wire's counters.
    pub(crate) fn counters(&self) -> WireCounters {
        match self {
            Wire::Registers(r) => WireCounters {
                rings_while_pending: r.rings_while_pending.load(Relaxed),
            },
            Wire::Lines(l) => WireCounters {
                rings_while_pending: l.rings_while_pending.load(Relaxed),
            },
        }
    }
}
