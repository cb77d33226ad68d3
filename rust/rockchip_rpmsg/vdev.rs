// SPDX-License-Identifier: GPL-2.0

//! One rpmsg virtio device: its status, features, and the notify rule.

use crate::{
    layout,
    link::{Bell, Instance, RxThread},
    sys,
    virtio::{Transport, Virtqueues},
};
use kernel::sync::{atomic::Relaxed, Arc};

/// The transport of one virtio device on a link.
pub(crate) struct RpmsgVdev {
    pub(crate) instance: Arc<Instance>,
    /// The thread servicing the link's virtqueues (and the link).
    pub(crate) rx: Arc<RxThread>,
    pub(crate) bell: Bell,
}

impl Transport for RpmsgVdev {
    fn device_features(&self) -> u64 {
        layout::VIRTIO_RPMSG_F_NS
    }

    fn status(&self) -> u8 {
        self.instance.stats.status()
    }

    fn set_status(&self, status: u8) {
        self.instance.stats.set_status(status);
        if u32::from(status) & sys::VIRTIO_CONFIG_S_DRIVER_OK != 0 {
            // The driver is ready for callbacks from now on.
            self.instance.vqs.set_live(true);
            // A remote already linked up (its first doorbell came from an
            // earlier session, or it announces as soon as rx buffers are
            // posted) may have used buffers while callbacks were off: the
            // service run its doorbell asked for did nothing, and it will
            // not ring again for them. One run now hands them to rpmsg.
            if self.rx.kick() {
                self.rx.service().stats.ready_runs.add(1, Relaxed);
            }
        }
    }

    fn reset(&self) {
        // Waits for a callback still running; none starts afterwards.
        self.instance.vqs.set_live(false);
        self.instance.stats.set_status(0);
        // A new driver starts with a new handshake.
        self.instance.stats.rvq_handshake_done.store(false, Relaxed);
    }

    fn virtqueues(&self) -> &Arc<Virtqueues> {
        &self.instance.vqs
    }

    fn notify(&self, index: u32) -> bool {
        let stats = &self.instance.stats;
        if index == 0 {
            stats.rvq_notifies.add(1, Relaxed);
            // The remote learns of fresh rx buffers by polling; only the
            // first rx kick (the "host is online" handshake) rings it.
            if stats.rvq_handshake_done.xchg(true, Relaxed) {
                stats.rvq_notifies_skipped.add(1, Relaxed);
                return true;
            }
        } else {
            stats.tvq_notifies.add(1, Relaxed);
        }
        self.rx.service().ring(&self.bell);
        true
    }
}
