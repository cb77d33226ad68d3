// SPDX-License-Identifier: GPL-2.0

//! The link's virtio devices, registered while the remote core can serve
//! them: at probe for a remote Linux does not manage, and from start to
//! stop for one the remoteproc core runs (`rockchip,remoteproc`).

use crate::{
    layout,
    link::{Bell, RxThread},
    proto,
    remoteproc_subdev::SubdevOps,
    reserved_mem::AssignedPool,
    shared_mem::{wire_addr, wire_size, SharedRegion},
    vdev::RpmsgVdev,
    virtio::Registration,
    VIRTIO_ID_RPMSG,
};
use kernel::{
    device::{Bound, Device},
    io::{PhysAddr, ResourceSize},
    new_mutex,
    prelude::*,
    sync::{atomic::Relaxed, Arc, Mutex},
};

/// Every virtio device of one link.
#[pin_data]
pub(crate) struct VdevSet {
    /// The thread servicing the link's virtqueues (and the link).
    rx: Arc<RxThread>,
    bell: Bell,
    /// The vring region, to tell fresh rings from an earlier session's.
    region: Arc<SharedRegion>,
    vring_base: PhysAddr,
    /// The buffer pool (start, size): descriptors of an earlier session
    /// point into it.
    pool: (PhysAddr, ResourceSize),
    /// The pool as assigned to the device, and the bytes of it the
    /// instances use: empty again once the virtio devices are gone.
    assigned: Arc<AssignedPool>,
    pool_bytes: usize,
    #[pin]
    registered: Mutex<KVec<Registration<RpmsgVdev>>>,
}

impl VdevSet {
    /// A set for the instances of the link `rx` services, none registered
    /// yet.
    pub(crate) fn new(
        rx: Arc<RxThread>,
        bell: Bell,
        region: Arc<SharedRegion>,
        vring_base: PhysAddr,
        pool: (PhysAddr, ResourceSize),
        assigned: Arc<AssignedPool>,
    ) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Self {
                rx,
                bell,
                region,
                vring_base,
                pool,
                assigned,
                pool_bytes: usize::try_from(pool.1).unwrap_or(usize::MAX),
                registered <- new_mutex!(KVec::new()),
            }),
            GFP_KERNEL,
        )
    }

    /// The first instance whose vring0 still holds an earlier session's
    /// positions (a remote that was not restarted since Linux last used
    /// them: Rockchip's RT-Thread has no reset handshake), with what it
    /// holds.
    pub(crate) fn earlier_session(&self) -> Option<(usize, proto::session::EarlierSession)> {
        let ring = proto::layout::VringLayout::rockchip();
        (0..self.rx.service().instances.len()).find_map(|i| {
            let vring0 = layout::vring_offset(i, 0) as usize;
            proto::session::earlier_session(
                &*self.region,
                vring0,
                &ring,
                wire_addr(self.pool.0),
                wire_size(self.pool.1),
            )
            .map(|seen| (i, seen))
        })
    }

    /// Says in dmesg which instance holds an earlier session.
    pub(crate) fn report_earlier_session(
        dev: &Device,
        (i, seen): (usize, proto::session::EarlierSession),
        advice: &str,
    ) {
        dev_err!(
            dev,
            "vdev{}: the vrings still hold an earlier session (vring0 available index {}, used index {}): {}\n",
            i,
            seen.avail_idx,
            seen.used_idx,
            advice
        );
    }

    /// Registers one virtio device per instance, unless they are already;
    /// on an error none stays registered.
    pub(crate) fn register_all(&self, dev: &Device<Bound>) -> Result {
        let mut registered = self.registered.lock();
        if !registered.is_empty() {
            return Ok(());
        }
        for (i, instance) in self.rx.service().instances.iter().enumerate() {
            dev_info!(
                dev,
                "rpdev vdev{}: vring0 {:#x}, vring1 {:#x}\n",
                i,
                self.vring_base + layout::vring_offset(i, 0),
                self.vring_base + layout::vring_offset(i, 1)
            );
            // A new session: whatever stopped the last one is gone.
            instance.stats.halted.store(false, Relaxed);
            let transport = RpmsgVdev {
                instance: instance.clone(),
                rx: self.rx.clone(),
                bell: self.bell.clone(),
            };
            match Registration::register(dev, VIRTIO_ID_RPMSG, transport) {
                Ok(reg) => registered.push(reg, GFP_KERNEL)?,
                Err(e) => {
                    dev_err!(
                        dev,
                        "vdev{}: cannot register the virtio device ({:?})\n",
                        i,
                        e
                    );
                    registered.clear();
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Unregisters every virtio device (their drivers go first, and they
    /// still send while removing); returns how many there were.
    pub(crate) fn unregister_all(&self) -> usize {
        let mut registered = self.registered.lock();
        let count = registered.len();
        registered.clear();
        count
    }

    /// Says in dmesg if any of the pool is still allocated; call it only
    /// with no virtio device registered. virtio_rpmsg_bus frees its buffers
    /// when its device goes: anything left is a leak that would starve the
    /// next session.
    pub(crate) fn check_pool_empty(&self, dev: &Device) {
        let leaked = self.assigned.bytes_in_use(self.pool_bytes);
        if leaked != 0 {
            dev_err!(
                dev,
                "memory-region: {} bytes of the buffer pool still in use after teardown\n",
                leaked
            );
        }
    }
}

/// The virtio devices follow the remote core's life.
impl SubdevOps for Arc<VdevSet> {
    fn start(&self, dev: &Device<Bound>) -> Result {
        // The remoteproc driver zeroes the rings before it starts the core.
        if let Some(seen) = self.earlier_session() {
            VdevSet::report_earlier_session(
                dev,
                seen,
                "the remote core runs with an earlier session's ring positions; restart it",
            );
            return Err(EBUSY);
        }
        self.register_all(dev)
    }

    fn stop(&self, dev: &Device<Bound>, crashed: bool) {
        let count = self.unregister_all();
        if count != 0 {
            dev_info!(
                dev,
                "remote core {}: {} virtio device(s) removed\n",
                if crashed { "crashed" } else { "stopping" },
                count
            );
            self.check_pool_empty(dev);
        }
    }
}
