// SPDX-License-Identifier: GPL-2.0

//! The transport side of a virtio device whose virtqueues live in memory
//! shared with a remote core (like remoteproc's virtio devices).
//!
//! A driver implements [`Transport`] in safe Rust; [`Registration`] embeds a
//! `struct virtio_device` in an allocation it owns, points its config ops at
//! trampolines that call the [`Transport`], and registers it on the virtio
//! bus, so that a virtio driver (here `virtio_rpmsg_bus`) binds to it.

use crate::{shared_mem::SharedRegion, sys};
use core::ptr::NonNull;
use kernel::{
    bindings, device,
    error::to_result,
    ffi::{c_int, c_uint, c_void},
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

/// Virtqueues per device: the driver's receive queue and its send queue.
pub(crate) const VQ_COUNT: usize = 2;

/// Where the vrings of one device live in the shared region.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VringLayout {
    /// Offset of vring `i` in the region.
    pub(crate) offsets: [usize; VQ_COUNT],
    /// Entries per vring.
    pub(crate) num: u32,
    /// Alignment of the used ring.
    pub(crate) align: u32,
    /// Bytes each vring occupies (zeroed before the ring is created).
    pub(crate) bytes: usize,
    /// How ring updates are ordered for the remote.
    pub(crate) barriers: RingBarriers,
}

/// The memory barriers the virtqueues order their ring updates with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RingBarriers {
    /// Full-system barriers, as remoteproc uses: right for every remote,
    /// including an MCU outside the CPUs' inner-shareable domain.
    System,
    /// SMP barriers: enough only for a remote core inside the CPUs'
    /// inner-shareable domain (another Cortex-A core of the SoC).
    Smp,
}

/// A virtqueue created by `vring_new_virtqueue()`.
///
/// # Invariants
///
/// The pointer is a live virtqueue owned by the [`Virtqueues`] holding it.
struct VqPtr(NonNull<sys::virtqueue>);

// SAFETY: a virtqueue may be used from any thread; the owner serialises
// creation, interrupts and deletion with its mutex.
unsafe impl Send for VqPtr {}

/// Bytes a legacy split vring of `num` entries with the used ring aligned
/// to `align` occupies (`vring_size()` of `uapi/linux/virtio_ring.h`).
pub(crate) const fn vring_bytes(num: usize, align: usize) -> Option<usize> {
    let Some(desc_and_avail) = (16 * num + 2 * (3 + num)).checked_next_multiple_of(align) else {
        return None;
    };
    desc_and_avail.checked_add(2 * 3 + 8 * num)
}

/// The queue table and whether callbacks may run.
struct Table {
    vqs: [Option<VqPtr>; VQ_COUNT],
    /// Set once the driver is ready for callbacks (DRIVER_OK), cleared by
    /// a reset.
    live: bool,
}

/// The virtqueues of one device, created on shared memory by `find_vqs`.
///
/// Holding the region keeps the ring memory mapped for as long as any
/// virtqueue on it can exist.
///
/// # Invariants
///
/// Each of the `VQ_COUNT` rings lies inside `region` at its offset and
/// spans at least `vring_bytes(layout.num, layout.align)` bytes.
#[pin_data(PinnedDrop)]
pub(crate) struct Virtqueues {
    region: Arc<SharedRegion>,
    layout: VringLayout,
    #[pin]
    table: Mutex<Table>,
}

/// The virtqueues while their callbacks may run; see [`Virtqueues::service`].
pub(crate) struct Serving<'a> {
    queues: &'a Virtqueues,
    table: &'a Table,
}

impl Serving<'_> {
    /// The shared region the rings live in.
    pub(crate) fn region(&self) -> &SharedRegion {
        &self.queues.region
    }

    /// Where the rings live in the region.
    pub(crate) fn layout(&self) -> &VringLayout {
        &self.queues.layout
    }

    /// Runs the used-buffer callback of queue `index` if it has work.
    /// Returns whether the queue had anything to process.
    pub(crate) fn interrupt(&self, index: usize) -> bool {
        match self.table.vqs.get(index) {
            Some(Some(vq)) => {
                // SAFETY: `vq` is live while it is in the table, and the
                // table is locked for as long as `self` exists.
                let ret = unsafe { sys::vring_interrupt(0, vq.0.as_ptr().cast()) };
                crate::compat::irq_handled(ret)
            }
            _ => false,
        }
    }
}

impl Virtqueues {
    /// Describes the vrings of one device at `layout` inside `region`.
    ///
    /// Fails with `EINVAL` if a ring is smaller than its entries need or
    /// does not lie inside the region.
    pub(crate) fn new(region: Arc<SharedRegion>, layout: VringLayout) -> Result<Arc<Self>> {
        let need = vring_bytes(layout.num as usize, layout.align as usize).ok_or(EINVAL)?;
        if layout.bytes < need {
            return Err(EINVAL);
        }
        for offset in layout.offsets {
            let end = offset.checked_add(layout.bytes).ok_or(EINVAL)?;
            if end > region.size() {
                return Err(EINVAL);
            }
        }
        // INVARIANT: checked above.
        Arc::pin_init(
            pin_init!(Self {
                region,
                layout,
                table <- new_mutex!(Table {
                    vqs: [None, None],
                    live: false,
                }),
            }),
            GFP_KERNEL,
        )
    }

    /// Runs `f` with the queues locked if the driver is ready for
    /// callbacks; returns whether it ran. A reset waits for a running `f`
    /// and keeps later ones from running.
    pub(crate) fn service(&self, f: impl FnOnce(&Serving<'_>)) -> bool {
        let table = self.table.lock();
        if !table.live {
            return false;
        }
        f(&Serving {
            queues: self,
            table: &table,
        });
        true
    }

    /// Lets callbacks run (the driver set DRIVER_OK) or stops them (a
    /// reset); stopping waits for a callback that is running. May sleep.
    pub(crate) fn set_live(&self, live: bool) {
        self.table.lock().live = live;
    }

    /// Creates queue `index` on zeroed ring memory.
    ///
    /// # Safety
    ///
    /// `vdev` must be the registered device these queues belong to and
    /// `info` must come from its `find_vqs` call.
    unsafe fn create<T: Transport>(
        &self,
        vdev: *mut sys::virtio_device,
        index: usize,
        info: &sys::virtqueue_info,
    ) -> Result<*mut sys::virtqueue> {
        let offset = *self.layout.offsets.get(index).ok_or(EINVAL)?;
        self.region
            .zero(offset, self.layout.bytes)
            .map_err(|_| EINVAL)?;
        let pages = self
            .region
            .virt_at(offset, self.layout.bytes)
            .map_err(|_| EINVAL)?;
        let weak_barriers = self.layout.barriers == RingBarriers::Smp;
        // SAFETY: `pages` is `bytes` of zeroed ring memory, at least what
        // `num` entries need (type invariant), that stays mapped while
        // `self` (which holds the region) lives, and the queue is deleted
        // before `self` is dropped; `vdev` is valid per the caller's
        // contract; `notify_trampoline::<T>` matches the device.
        let vq = unsafe {
            sys::vring_new_virtqueue(
                index as c_uint,
                self.layout.num,
                self.layout.align,
                vdev,
                weak_barriers,
                info.ctx,
                pages.cast(),
                Some(notify_trampoline::<T>),
                info.callback,
                info.name,
            )
        };
        let vq = NonNull::new(vq).ok_or(ENOMEM)?;
        let mut table = self.table.lock();
        let slot = table.vqs.get_mut(index).ok_or(EINVAL)?;
        if let Some(old) = slot.take() {
            // SAFETY: `old` is live and no longer reachable from the table.
            unsafe { sys::vring_del_virtqueue(old.0.as_ptr()) };
        }
        // INVARIANT: the new queue is live and owned by the table.
        *slot = Some(VqPtr(vq));
        Ok(vq.as_ptr())
    }

    /// Deletes every queue (the driver's `del_vqs`).
    pub(crate) fn delete_all(&self) {
        let mut table = self.table.lock();
        table.live = false;
        for slot in table.vqs.iter_mut() {
            if let Some(vq) = slot.take() {
                // SAFETY: `vq` is live and no longer reachable from the table.
                unsafe { sys::vring_del_virtqueue(vq.0.as_ptr()) };
            }
        }
    }
}

#[pinned_drop]
impl PinnedDrop for Virtqueues {
    fn drop(self: Pin<&mut Self>) {
        self.delete_all();
    }
}

/// What a transport driver provides for one virtio device.
pub(crate) trait Transport: Send + Sync + 'static {
    /// Feature bits the device offers.
    fn device_features(&self) -> u64;
    /// The device status byte as last set by the driver.
    fn status(&self) -> u8;
    /// Stores the device status byte.
    fn set_status(&self, status: u8);
    /// Resets the device: status 0, no callbacks afterwards.
    fn reset(&self);
    /// The device's virtqueues.
    fn virtqueues(&self) -> &Arc<Virtqueues>;
    /// The driver kicked queue `index`. Returning false marks the queue
    /// broken for good, so only do that when the device is gone.
    fn notify(&self, index: u32) -> bool;
}

/// A `struct virtio_device` together with its transport.
///
/// `vdev` is the first field, so a pointer to it is a pointer to the whole.
#[repr(C)]
struct RawVdev<T> {
    vdev: sys::virtio_device,
    transport: T,
}

/// Recovers the transport from a device pointer the virtio core passes in.
///
/// # Safety
///
/// `vdev` must be the `vdev` field of a live `RawVdev<T>`.
unsafe fn transport<'a, T>(vdev: *mut sys::virtio_device) -> &'a T {
    // SAFETY: per the contract `vdev` is the first field of a `RawVdev<T>`.
    unsafe { &(*vdev.cast::<RawVdev<T>>()).transport }
}

/// # Safety
///
/// Called only by the C code this file registers it with, which passes
/// pointers to the live objects it was given.
unsafe extern "C" fn notify_trampoline<T: Transport>(vq: *mut sys::virtqueue) -> bool {
    // SAFETY: the virtio core passes a live virtqueue created by
    // `Virtqueues::create::<T>` on a `RawVdev<T>`.
    let (vdev, index) = unsafe { ((*vq).vdev, (*vq).index) };
    // SAFETY: see above.
    unsafe { transport::<T>(vdev) }.notify(index)
}

/// The config ops of a `RawVdev<T>`, one table per transport type.
struct Ops<T>(core::marker::PhantomData<T>);

impl<T: Transport> Ops<T> {
    const TABLE: sys::virtio_config_ops = {
        // SAFETY: all-zero is a valid `virtio_config_ops` (every op NULL).
        let mut ops: sys::virtio_config_ops = unsafe { core::mem::zeroed() };
        ops.get = Some(Self::get);
        ops.set = Some(Self::set);
        ops.get_status = Some(Self::get_status);
        ops.set_status = Some(Self::set_status);
        ops.reset = Some(Self::reset);
        ops.find_vqs = Some(Self::find_vqs);
        ops.del_vqs = Some(Self::del_vqs);
        ops.get_features = Some(Self::get_features);
        ops.finalize_features = Some(Self::finalize_features);
        ops
    };

    /// The device has no config space: reads see zeroes.
    ///
    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn get(
        _vdev: *mut sys::virtio_device,
        _off: c_uint,
        buf: *mut c_void,
        len: c_uint,
    ) {
        // SAFETY: the virtio core passes a buffer of `len` bytes.
        unsafe { core::ptr::write_bytes(buf.cast::<u8>(), 0, len as usize) };
    }

    /// Writes to the (absent) config space are ignored.
    ///
    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn set(
        _vdev: *mut sys::virtio_device,
        _off: c_uint,
        _buf: *const c_void,
        _len: c_uint,
    ) {
    }

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn get_status(vdev: *mut sys::virtio_device) -> u8 {
        // SAFETY: the virtio core only calls ops on our registered devices.
        unsafe { transport::<T>(vdev) }.status()
    }

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn set_status(vdev: *mut sys::virtio_device, status: u8) {
        // SAFETY: as in `get_status`.
        unsafe { transport::<T>(vdev) }.set_status(status)
    }

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn reset(vdev: *mut sys::virtio_device) {
        // SAFETY: as in `get_status`.
        unsafe { transport::<T>(vdev) }.reset()
    }

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn get_features(vdev: *mut sys::virtio_device) -> u64 {
        // SAFETY: as in `get_status`.
        unsafe { transport::<T>(vdev) }.device_features()
    }

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn finalize_features(vdev: *mut sys::virtio_device) -> c_int {
        // SAFETY: `vdev` is a registered device; the core holds it.
        unsafe { sys::vring_transport_features(vdev) };
        0
    }

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn find_vqs(
        vdev: *mut sys::virtio_device,
        nvqs: c_uint,
        vqs: *mut *mut sys::virtqueue,
        infos: *mut sys::virtqueue_info,
        _desc: *mut bindings::irq_affinity,
    ) -> c_int {
        // SAFETY: as in `get_status`.
        let queues = unsafe { transport::<T>(vdev) }.virtqueues();
        if nvqs as usize > VQ_COUNT {
            return EINVAL.to_errno();
        }
        for i in 0..nvqs as usize {
            // SAFETY: the core passes `nvqs` entries in both arrays.
            let (info, out) = unsafe { (&*infos.add(i), vqs.add(i)) };
            if info.name.is_null() {
                // SAFETY: `out` is one of the `nvqs` output slots.
                unsafe { *out = core::ptr::null_mut() };
                continue;
            }
            // SAFETY: `vdev` is this registered device and `info` its request.
            match unsafe { queues.create::<T>(vdev, i, info) } {
                // SAFETY: `out` is one of the `nvqs` output slots.
                Ok(vq) => unsafe { *out = vq },
                Err(e) => {
                    queues.delete_all();
                    return e.to_errno();
                }
            }
        }
        0
    }

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn del_vqs(vdev: *mut sys::virtio_device) {
        // SAFETY: as in `get_status`.
        unsafe { transport::<T>(vdev) }.virtqueues().delete_all()
    }
}

/// Frees a `RawVdev<T>` when the last reference to its device goes.
///
/// # Safety
///
/// Called only by the C code this file registers it with, which passes
/// pointers to the live objects it was given.
unsafe extern "C" fn release<T: Transport>(dev: *mut bindings::device) {
    let offset = core::mem::offset_of!(sys::virtio_device, dev);
    // SAFETY: `dev` is the `dev` field of the `vdev` field (offset 0) of a
    // `RawVdev<T>` leaked by `Registration::register`; this is the final
    // put, so nothing else refers to it.
    drop(unsafe { KBox::from_raw(dev.byte_sub(offset).cast::<RawVdev<T>>()) });
}

/// A registered virtio device; dropping it unregisters the device.
///
/// # Invariants
///
/// `vdev` points at the `vdev` field of a `RawVdev<T>` registered on the
/// virtio bus; the device core frees it (through `release::<T>`) after
/// `unregister_virtio_device()` drops the last reference.
pub(crate) struct Registration<T: Transport> {
    vdev: NonNull<sys::virtio_device>,
    _transport: core::marker::PhantomData<T>,
}

// SAFETY: the registration only unregisters, which may happen from any thread.
unsafe impl<T: Transport> Send for Registration<T> {}
// SAFETY: no shared-reference method touches the device.
unsafe impl<T: Transport> Sync for Registration<T> {}

impl<T: Transport> Registration<T> {
    /// Registers a virtio device of type `device_id` under `parent`.
    pub(crate) fn register(
        parent: &device::Device<device::Bound>,
        device_id: u32,
        transport: T,
    ) -> Result<Self> {
        let raw = KBox::new(
            RawVdev {
                // SAFETY: all-zero is the state `register_virtio_device()`
                // expects before it initialises the embedded device.
                vdev: unsafe { core::mem::zeroed() },
                transport,
            },
            GFP_KERNEL,
        )?;
        let raw = KBox::into_raw(raw);
        // SAFETY: `raw` is a fresh, exclusively owned allocation;
        // `device::Device` is a transparent wrapper of `struct device`, and
        // the parent outlives its children.
        let ret = unsafe {
            let vdev = &raw mut (*raw).vdev;
            (*vdev).id.device = device_id;
            (*vdev).config = &Ops::<T>::TABLE;
            (*vdev).dev.parent = core::ptr::from_ref(parent)
                .cast::<bindings::device>()
                .cast_mut();
            (*vdev).dev.release = Some(release::<T>);
            sys::register_virtio_device(vdev)
        };
        // SAFETY: `raw` is still live: the device holds it until released.
        let vdev = unsafe { NonNull::new_unchecked(&raw mut (*raw).vdev) };
        if let Err(e) = to_result(ret) {
            // SAFETY: registration failed after `device_initialize()`; the
            // final put frees the allocation through `release::<T>`.
            unsafe { bindings::put_device(&raw mut (*vdev.as_ptr()).dev) };
            return Err(e);
        }
        // INVARIANT: registered above.
        Ok(Self {
            vdev,
            _transport: core::marker::PhantomData,
        })
    }
}

impl<T: Transport> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered (type invariant) and unregistered once, here.
        unsafe { sys::unregister_virtio_device(self.vdev.as_ptr()) };
    }
}
