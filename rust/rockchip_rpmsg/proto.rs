// SPDX-License-Identifier: GPL-2.0

//! The parts of the `no_std` protocol crate `rust/rpmsg_proto` the probe
//! uses beyond the ring layout: the earlier-session check and the access
//! trait it reads the rings through. The same files are unit-tested on the
//! host by `cargo test`.

#![allow(unreachable_pub, dead_code, clippy::all)]

#[path = "../rpmsg_proto/src/decimal.rs"]
pub(crate) mod decimal;
#[path = "../rpmsg_proto/src/layout.rs"]
pub(crate) mod layout;
#[path = "../rpmsg_proto/src/session.rs"]
pub(crate) mod session;
#[path = "../rpmsg_proto/src/shared_mem.rs"]
pub(crate) mod shared_mem;
