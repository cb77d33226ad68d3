// SPDX-License-Identifier: GPL-2.0

//! The part of `rpmsg_proto` the mailbox controller uses: 64-bit counters in
//! decimal. The same file is unit-tested on the host by `cargo test`.

#![allow(unreachable_pub, dead_code, clippy::all)]

#[path = "../rpmsg_proto/src/decimal.rs"]
pub(crate) mod decimal;
