// SPDX-License-Identifier: GPL-2.0

//! The message both Rockchip mailbox directions carry.

/// What a Rockchip mailbox `mssg` pointer points to: one command word and
/// one data word (the A2B/B2A CMD and DAT registers).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MboxMsg {
    /// Command word.
    pub(crate) cmd: u32,
    /// Data word.
    pub(crate) data: u32,
}
