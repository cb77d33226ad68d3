// SPDX-License-Identifier: GPL-2.0

//! The side of a remote processor that another driver sees: a reference
//! to the remote processor a node names, and a remoteproc subdevice that
//! ties that driver's devices to the remote's life (started after the
//! remote starts, stopped before it stops).

use crate::sys;
use core::ptr::NonNull;
use kernel::{
    device::{Bound, Device},
    ffi::c_int,
    prelude::*,
};

fn to_errno(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// What a user of a remote processor needs to know of its state.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RprocState {
    /// Running, started by Linux or attached to.
    Up,
    /// Not running (never started, stopped, or crashed and not recovered).
    Down,
}

/// A remote processor another node names by phandle, held with its
/// driver's module until dropped.
///
/// # Invariants
///
/// `rproc` came from `rproc_get_by_phandle`, which took a reference on it and
/// on its driver's module; `drop` gives both back.
pub(crate) struct RprocRef {
    rproc: NonNull<sys::rproc>,
}

// SAFETY: the remoteproc core serialises its use of `rproc` with its own
// lock; the reference may be dropped from any thread.
unsafe impl Send for RprocRef {}
// SAFETY: `&self` methods take the core's lock or call functions that do.
unsafe impl Sync for RprocRef {}

/// The remoteproc core's lock of one remote processor, held.
struct Locked<'a>(&'a RprocRef);

impl Locked<'_> {
    fn state(&self) -> RprocState {
        // SAFETY: `rproc` is live (type invariant of `RprocRef`) and its
        // state changes only under the lock this guard holds.
        let state = unsafe { (*self.0.rproc.as_ptr()).state };
        if state == sys::rproc_state_RPROC_RUNNING || state == sys::rproc_state_RPROC_ATTACHED {
            RprocState::Up
        } else {
            RprocState::Down
        }
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        // SAFETY: `Locked` exists only while `RprocRef::lock` holds the lock.
        unsafe { kernel::bindings::mutex_unlock(&raw mut (*self.0.rproc.as_ptr()).lock) };
    }
}

impl RprocRef {
    /// The remote processor registered for the node `phandle` refers to;
    /// `None` while no driver has registered it (yet).
    pub(crate) fn by_phandle(phandle: u32) -> Option<Self> {
        // SAFETY: any value is accepted; the result is NULL or a remote
        // processor with a reference taken for the caller.
        let rproc = unsafe { sys::rproc_get_by_phandle(phandle) };
        // INVARIANT: from `rproc_get_by_phandle`, referenced.
        NonNull::new(rproc).map(|rproc| Self { rproc })
    }

    /// Its name, as in /sys/class/remoteproc/remoteprocN/name.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: `name` is set at allocation and freed with the rproc,
        // which the reference keeps.
        unsafe { CStr::from_char_ptr((*self.rproc.as_ptr()).name) }
    }

    fn lock(&self) -> Locked<'_> {
        // SAFETY: `rproc` is live (type invariant); `Locked` unlocks.
        unsafe { kernel::bindings::mutex_lock(&raw mut (*self.rproc.as_ptr()).lock) };
        Locked(self)
    }

    /// Whether it runs now (a hint: it may change right after).
    pub(crate) fn state(&self) -> RprocState {
        self.lock().state()
    }

    /// Stops it, as writing `stop` to its sysfs `state` does.
    pub(crate) fn shutdown(&self) -> Result {
        // SAFETY: `rproc` is live (type invariant).
        kernel::error::to_result(unsafe { sys::rproc_shutdown(self.rproc.as_ptr()) })
    }

    /// Loads its firmware and starts it, as writing `start` does.
    pub(crate) fn boot(&self) -> Result {
        // SAFETY: `rproc` is live (type invariant).
        kernel::error::to_result(unsafe { sys::rproc_boot(self.rproc.as_ptr()) })
    }
}

impl Drop for RprocRef {
    fn drop(&mut self) {
        // SAFETY: the reference taken by `rproc_get_by_phandle` (type
        // invariant), given back once.
        unsafe { sys::rproc_put(self.rproc.as_ptr()) };
    }
}

/// What depends on a remote processor running, told when it starts and
/// before it stops. Both run in process context under the remoteproc
/// core's lock, one at a time.
pub(crate) trait SubdevOps: Send + Sync + 'static {
    /// The remote runs: it was started, recovered after a crash, or found
    /// running by [`Subdev::start_if_up`].
    fn start(&self, dev: &Device<Bound>) -> Result;
    /// The remote is about to stop (`crashed`: to be recovered). Also runs
    /// when the subdevice goes, so it must accept a start that never ran.
    fn stop(&self, dev: &Device<Bound>, crashed: bool);
}

/// Ties `T` to a remote processor's life (a remoteproc subdevice of
/// another device: here the rpmsg node's transport).
///
/// # Invariants
///
/// `raw` is on `rproc`'s subdevice list from construction until `drop`
/// removes it under the core's lock. A `Subdev` exists only inside a
/// [`Devres`] of `dev` (see [`Subdev::new`]), so it is dropped before `dev`
/// finishes unbinding: `dev` is bound while a callback runs.
///
/// [`Devres`]: kernel::devres::Devres
#[pin_data(PinnedDrop)]
pub(crate) struct Subdev<T: SubdevOps> {
    rproc: RprocRef,
    dev: kernel::sync::aref::ARef<Device>,
    ops: T,
    #[pin]
    raw: kernel::types::Opaque<sys::rproc_subdev>,
}

// SAFETY: `RprocRef` and `T` are `Send`; `raw` is touched only under the
// core's lock.
unsafe impl<T: SubdevOps> Send for Subdev<T> {}
// SAFETY: as `Send`; `&self` methods take the core's lock.
unsafe impl<T: SubdevOps> Sync for Subdev<T> {}

impl<T: SubdevOps> Subdev<T> {
    /// Adds `ops` to `rproc`'s subdevices for as long as `dev` is bound
    /// (or the result lives). If `rproc` runs already, nothing is started:
    /// see [`Subdev::start_if_up`].
    pub(crate) fn new(
        dev: &Device<Bound>,
        rproc: RprocRef,
        ops: T,
    ) -> Result<kernel::devres::Devres<Self>> {
        let target = rproc.rproc;
        kernel::devres::Devres::new(
            dev,
            pin_init!(Self {
                rproc,
                dev: dev.into(),
                ops,
                raw <- kernel::types::Opaque::ffi_init(move |raw: *mut sys::rproc_subdev| {
                    // SAFETY: `raw` is this subdevice at its final place
                    // (pinned), the other fields initialised; all-zero is a
                    // valid `rproc_subdev` before the callbacks are set.
                    // `target` is live: `rproc` holds a reference. The core
                    // walks its list under its lock, taken here too.
                    unsafe {
                        raw.write(core::mem::zeroed());
                        (*raw).start = Some(Self::start_callback);
                        (*raw).stop = Some(Self::stop_callback);
                        kernel::bindings::mutex_lock(&raw mut (*target.as_ptr()).lock);
                        sys::rproc_add_subdev(target.as_ptr(), raw);
                        kernel::bindings::mutex_unlock(&raw mut (*target.as_ptr()).lock);
                    }
                    // INVARIANT: on the list until `drop`.
                }),
            }),
        )
    }

    /// The remote processor.
    pub(crate) fn rproc(&self) -> &RprocRef {
        &self.rproc
    }

    /// Runs `start` now if the remote runs, as the core does after a
    /// start; `None` if it does not run.
    pub(crate) fn start_if_up(&self, dev: &Device<Bound>) -> Option<Result> {
        let locked = self.rproc.lock();
        (locked.state() == RprocState::Up).then(|| self.ops.start(dev))
    }

    /// # Safety
    ///
    /// `raw` must be the `raw` field of a live `Subdev<T>`.
    unsafe fn of_raw<'a>(raw: *mut sys::rproc_subdev) -> &'a Self {
        // SAFETY: per the contract, `raw` lies inside a `Subdev<T>`.
        unsafe {
            &*kernel::container_of!(
                raw.cast::<kernel::types::Opaque<sys::rproc_subdev>>(),
                Self,
                raw
            )
        }
    }

    /// # Safety
    ///
    /// Called only by the remoteproc core for a subdevice on its list.
    unsafe extern "C" fn start_callback(raw: *mut sys::rproc_subdev) -> c_int {
        // SAFETY: on the list means live (type invariant).
        let this = unsafe { Self::of_raw(raw) };
        // SAFETY: `dev` is bound while the subdevice is listed (type
        // invariant), and the reference does not outlive the call.
        let dev = unsafe { this.dev.as_bound() };
        to_errno(this.ops.start(dev))
    }

    /// # Safety
    ///
    /// As [`Self::start_callback`].
    unsafe extern "C" fn stop_callback(raw: *mut sys::rproc_subdev, crashed: bool) {
        // SAFETY: as in `start_callback`.
        let this = unsafe { Self::of_raw(raw) };
        // SAFETY: as in `start_callback`.
        this.ops.stop(unsafe { this.dev.as_bound() }, crashed);
    }
}

#[pinned_drop]
impl<T: SubdevOps> PinnedDrop for Subdev<T> {
    fn drop(self: Pin<&mut Self>) {
        let locked = self.rproc.lock();
        // SAFETY: listed since construction (type invariant); removed under
        // the lock the core walks the list with, after any callback.
        unsafe { sys::rproc_remove_subdev(self.rproc.rproc.as_ptr(), self.raw.get()) };
        // SAFETY: dropped before `dev` finishes unbinding (type invariant).
        self.ops.stop(unsafe { self.dev.as_bound() }, false);
        drop(locked);
    }
}
