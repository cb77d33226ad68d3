// SPDX-License-Identifier: GPL-2.0

//! The parts of the `no_std` protocol crate `rust/rpmsg_proto` the probe
//! uses beyond the ring layout: the device-tree node rules, the used-index
//! rule, the earlier-session check and the access trait it reads the rings
//! through. The same files are unit-tested on the host by `cargo test`.

#![allow(unreachable_pub, dead_code, clippy::all)]

#[path = "../rpmsg_proto/src/decimal.rs"]
pub(crate) mod decimal;
#[path = "../rpmsg_proto/src/layout.rs"]
pub(crate) mod layout;
#[path = "../rpmsg_proto/src/node_rules.rs"]
pub(crate) mod node_rules;
#[path = "../rpmsg_proto/src/ring_index.rs"]
pub(crate) mod ring_index;
#[path = "../rpmsg_proto/src/session.rs"]
pub(crate) mod session;
#[path = "../rpmsg_proto/src/shared_mem.rs"]
pub(crate) mod shared_mem;
