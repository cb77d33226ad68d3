//! RPMsg over legacy virtio split rings, as spoken between Linux and a
//! Rockchip remote core (RT-Thread, RPMsg-Lite).
//!
//! This crate holds the parts of the protocol that need no kernel services:
//! the shared-memory layout and doorbell message ([`layout`]), the coalescing
//! of Linux's doorbells ([`doorbell_gate`]), the rpmsg and
//! name-service message formats ([`message`]), an access trait for shared
//! memory ([`shared_mem`]), the device side of one split virtqueue
//! ([`device_queue`]) and the remote-core engine ([`remote`]) that the
//! remote-core simulator runs.
//!
//! It uses only `core`, has no `unsafe`, and never panics. Each module is a
//! plain file that refers to its siblings as `super::name`, so a kernel
//! module can include the files under a parent module of its own.

#![no_std]

pub mod decimal;
pub mod device_queue;
pub mod doorbell_gate;
pub mod firmware_control;
pub mod firmware_image;
pub mod heartbeat;
pub mod layout;
pub mod message;
pub mod node_rules;
pub mod remote;
pub mod ring_index;
pub mod session;
pub mod shared_mem;
