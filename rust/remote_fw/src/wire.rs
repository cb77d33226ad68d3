// SPDX-License-Identifier: GPL-2.0

//! The remote's end of the doorbells: the board's Rockchip AMP mailbox
//! (four-channel block, or two one-channel blocks), or the mailbox-less
//! variant's interrupt lines.

use crate::{
    bare::{cpu, gic::Gic, phys::PhysWindow, timer},
    mbox_regs::{Layout, FOUR_CHANNEL, SINGLE_CHANNEL},
};
use rpmsg_proto::{
    firmware_control::{BoardDescription, Wire},
    layout::Doorbell,
    shared_mem::{SharedMem, WireSize},
};

/// One channel of a mailbox block.
pub(crate) struct Channel {
    regs: PhysWindow,
    layout: &'static Layout,
    chan: usize,
}

impl Channel {
    fn read(&self, off: usize) -> u32 {
        self.regs.read_u32(off).unwrap_or(0)
    }

    fn write(&self, off: usize, v: u32) {
        let _ = self.regs.write_u32(off, v);
    }

    fn bit(&self) -> u32 {
        1 << self.chan
    }
}

/// How long a ring waits for Linux to take the previous one (B2A_STATUS
/// still set), as Rockchip's newer RT-Thread ports retry a busy B2A.
const B2A_BUSY_RETRY_US: u64 = 500_000;

/// What became of one ring.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rung {
    /// Linux had taken the previous ring.
    Clear,
    /// The previous ring was still pending, and Linux took it within the
    /// retry time.
    AfterWaiting,
    /// The previous ring was still pending (after the retry time on the
    /// mailbox; at once on an interrupt line): this one merges into it.
    Merged,
}

/// A doorbell Linux latched.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Latched {
    pub(crate) cmd: u32,
    pub(crate) data: u32,
}

/// How doorbells travel.
pub(crate) enum DoorbellWire {
    Mailbox {
        /// B2A of Linux's rx channel.
        to_linux: Channel,
        /// A2B of Linux's tx channel.
        from_linux: Channel,
    },
    Lines {
        /// The SPI the remote sets pending to ring Linux.
        ring_intid: u32,
    },
}

/// Why the wire could not be set up.
#[derive(Debug)]
pub(crate) enum WireError {
    /// A mailbox block is outside the device space.
    BadRegisters,
}

impl DoorbellWire {
    pub(crate) fn new(board: &BoardDescription) -> Result<Self, WireError> {
        let (layout, rx_chan, tx_chan) = match board.wire {
            Wire::FourChannel => (&FOUR_CHANNEL, 0, 1),
            Wire::OneChannel => (&SINGLE_CHANNEL, 0, 0),
            Wire::Lines => {
                return Ok(Self::Lines {
                    ring_intid: board.ring_intid,
                })
            }
        };
        let span = layout.span as WireSize;
        let rx =
            PhysWindow::device(board.to_linux_regs, span).map_err(|_| WireError::BadRegisters)?;
        let tx =
            PhysWindow::device(board.from_linux_regs, span).map_err(|_| WireError::BadRegisters)?;
        Ok(Self::Mailbox {
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
        })
    }

    /// Lets Linux's doorbells raise the remote's line. A doorbell latched
    /// before the firmware started raises it at once: it is Linux's first.
    pub(crate) fn enable(&self) {
        let Self::Mailbox {
            to_linux,
            from_linux,
        } = self
        else {
            return;
        };
        let layout = from_linux.layout;
        if let Some((_, trigger)) = layout.a2b_trigger {
            // Hiword-masked: only the enable bit of A2B_INTEN, and on B2A
            // the sender's choice of DAT writes as the trigger.
            from_linux.write(0, (1 << 16) | 1);
            to_linux.write(layout.b2a_inten, trigger);
        } else {
            let inten = from_linux.read(0);
            from_linux.write(0, inten | from_linux.bit());
        }
    }

    /// The doorbell latched in A2B, if any (its status stays set until
    /// [`DoorbellWire::complete`]).
    pub(crate) fn latched(&self) -> Option<Latched> {
        match self {
            Self::Mailbox { from_linux, .. } => {
                let layout = from_linux.layout;
                if from_linux.read(layout.a2b_status) & from_linux.bit() == 0 {
                    return None;
                }
                Some(Latched {
                    cmd: from_linux.read(layout.a2b_cmd(from_linux.chan)),
                    data: from_linux.read(layout.a2b_dat(from_linux.chan)),
                })
            }
            Self::Lines { .. } => Some(Latched { cmd: 0, data: 0 }),
        }
    }

    /// Clears A2B_STATUS: Linux's transmission completes, its line drops.
    pub(crate) fn complete(&self) {
        if let Self::Mailbox { from_linux, .. } = self {
            from_linux.write(from_linux.layout.a2b_status, from_linux.bit());
        }
    }

    /// Whether Linux's doorbells carry `{link-id, magic}`.
    pub(crate) fn carries_messages(&self) -> bool {
        matches!(self, Self::Mailbox { .. })
    }

    /// Rings Linux.
    pub(crate) fn ring(&self, gic: &Gic, link_id: u32) -> Rung {
        match self {
            Self::Mailbox { to_linux, .. } => {
                let d = Doorbell::new(link_id);
                Self::ring_channel(to_linux, d.cmd, d.data)
            }
            Self::Lines { ring_intid } => {
                // An interrupt line has no status to wait on: a pending
                // line absorbs the ring.
                let pending = gic.spi_pending(*ring_intid);
                let _ = gic.set_spi_pending(*ring_intid);
                if pending {
                    Rung::Merged
                } else {
                    Rung::Clear
                }
            }
        }
    }

    /// Writes `{cmd, data}` as a B2A message (a test knob's bad doorbell),
    /// as [`DoorbellWire::ring`] does; `None` on interrupt lines, which carry
    /// no message.
    pub(crate) fn ring_message(&self, cmd: u32, data: u32) -> Option<Rung> {
        match self {
            Self::Mailbox { to_linux, .. } => Some(Self::ring_channel(to_linux, cmd, data)),
            Self::Lines { .. } => None,
        }
    }

    /// Writes `{cmd, data}` to B2A of `to_linux`, first waiting up to
    /// [`B2A_BUSY_RETRY_US`] while Linux has not taken the previous one.
    fn ring_channel(to_linux: &Channel, cmd: u32, data: u32) -> Rung {
        let layout = to_linux.layout;
        let busy = || to_linux.read(layout.b2a_status) & to_linux.bit() != 0;
        let mut rung = Rung::Clear;
        if busy() {
            rung = Rung::Merged;
            let ticks = timer::frequency().saturating_mul(B2A_BUSY_RETRY_US) / 1_000_000;
            let start = timer::now();
            while timer::now().wrapping_sub(start) < ticks {
                cpu::spin_hint();
                if !busy() {
                    rung = Rung::AfterWaiting;
                    break;
                }
            }
        }
        to_linux.write(layout.b2a_cmd(to_linux.chan), cmd);
        to_linux.write(layout.b2a_dat(to_linux.chan), data);
        rung
    }
}
