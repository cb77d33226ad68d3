// SPDX-License-Identifier: GPL-2.0

//! The parts of the `no_std` protocol crate `rust/rpmsg_proto` this module
//! uses: the firmware's control page and the shared-memory access trait.

#![allow(unreachable_pub, dead_code, clippy::all)]

#[path = "../rpmsg_proto/src/decimal.rs"]
pub(crate) mod decimal;
#[path = "../rpmsg_proto/src/firmware_control.rs"]
pub(crate) mod firmware_control;
#[path = "../rpmsg_proto/src/shared_mem.rs"]
pub(crate) mod shared_mem;
