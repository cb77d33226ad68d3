// SPDX-License-Identifier: GPL-2.0

//! Register layouts of the Rockchip AMP mailbox variants.
//!
//! A2B registers carry Linux's messages to the remote core, B2A registers
//! the remote's messages to Linux. Writing a DAT register raises the other
//! side's status bit; status bits are write-1-to-clear.

/// Where one variant keeps its registers.
pub(crate) struct Layout {
    /// Channels the block offers.
    pub(crate) channels: usize,
    /// Bytes of registers the block has (its `reg` must cover them).
    pub(crate) span: usize,
    /// A2B_INTEN and the value that makes a DAT write (not a CMD write)
    /// raise the remote's interrupt, on layouts that have the choice.
    pub(crate) a2b_trigger: Option<(usize, u32)>,
    pub(crate) a2b_status: usize,
    a2b_cmd: usize,
    a2b_dat: usize,
    pub(crate) b2a_inten: usize,
    pub(crate) b2a_status: usize,
    b2a_cmd: usize,
    b2a_dat: usize,
    /// Distance between one channel's CMD/DAT pair and the next.
    stride: usize,
    /// Control writes carry a write-enable mask in bits 31:16.
    pub(crate) hiword_mask: bool,
}

/// RK3562, RK3568, RK3588 (and RK3368): four channels in one block, as the
/// vendor BSP and RT-Thread program it.
pub(crate) const FOUR_CHANNEL: Layout = Layout {
    channels: 4,
    span: 0x50,
    a2b_trigger: None,
    a2b_status: 0x04,
    a2b_cmd: 0x08,
    a2b_dat: 0x0c,
    b2a_inten: 0x28,
    b2a_status: 0x2c,
    b2a_cmd: 0x30,
    b2a_dat: 0x34,
    stride: 8,
    hiword_mask: false,
};

/// RK3576 and RK3506: one channel per mailbox block, B2A registers 0x10
/// above A2B, INTEN writes with a write-enable mask in bits 31:16 (the
/// vendor driver's "rk3576" data).
pub(crate) const SINGLE_CHANNEL: Layout = Layout {
    channels: 1,
    span: 0x20,
    // Bit 8 of A2B_INTEN: interrupt on the DAT write; bit 24 enables it.
    a2b_trigger: Some((0x00, (1 << 24) | (1 << 8))),
    a2b_status: 0x04,
    a2b_cmd: 0x08,
    a2b_dat: 0x0c,
    b2a_inten: 0x10,
    b2a_status: 0x14,
    b2a_cmd: 0x18,
    b2a_dat: 0x1c,
    stride: 0,
    hiword_mask: true,
};

impl Layout {
    /// A2B command register of `chan`.
    pub(crate) fn a2b_cmd(&self, chan: usize) -> usize {
        self.a2b_cmd + chan * self.stride
    }

    /// A2B data register of `chan`; writing it sends the message.
    pub(crate) fn a2b_dat(&self, chan: usize) -> usize {
        self.a2b_dat + chan * self.stride
    }

    /// B2A command register of `chan`.
    pub(crate) fn b2a_cmd(&self, chan: usize) -> usize {
        self.b2a_cmd + chan * self.stride
    }

    /// B2A data register of `chan`.
    pub(crate) fn b2a_dat(&self, chan: usize) -> usize {
        self.b2a_dat + chan * self.stride
    }

    /// Every channel's status bit.
    pub(crate) fn channel_mask(&self) -> u32 {
        (1u32 << self.channels) - 1
    }
}
