// SPDX-License-Identifier: GPL-2.0

//! The `no_std` protocol crate `rust/rpmsg_proto`, compiled into this module.
//! The same files are unit-tested on the host by `cargo test`.

#![allow(unreachable_pub, dead_code, clippy::all)]

#[path = "../rpmsg_proto/src/decimal.rs"]
pub(crate) mod decimal;
#[path = "../rpmsg_proto/src/device_queue.rs"]
pub(crate) mod device_queue;
#[path = "../rpmsg_proto/src/layout.rs"]
pub(crate) mod layout;
#[path = "../rpmsg_proto/src/message.rs"]
pub(crate) mod message;
#[path = "../rpmsg_proto/src/remote.rs"]
pub(crate) mod remote;
#[path = "../rpmsg_proto/src/shared_mem.rs"]
pub(crate) mod shared_mem;
