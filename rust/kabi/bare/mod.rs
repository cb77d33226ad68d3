// SPDX-License-Identifier: GPL-2.0

//! Bare-metal abstractions for the board's remote firmware (`rust/remote_fw`):
//! the only place its `unsafe` lives, as `rust/kabi/` is for the kernel
//! modules.
//!
//! The firmware runs at EL1 with the MMU off, so every address is physical
//! and every access is a Device access: aligned, uncached, in program order.
//! What it may touch is fixed by the board's memory map ([`phys`]).

pub mod boot;
pub mod console;
pub mod cpu;
pub mod gic;
pub mod gic_v2;
pub mod gic_v3;
pub mod phys;
pub mod resource_table;
pub mod timer;
