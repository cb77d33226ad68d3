// SPDX-License-Identifier: GPL-2.0

//! A remote processor registered with the remoteproc core: its state,
//! firmware and recovery under /sys/class/remoteproc, loading and starting
//! from a firmware file, stopping, attaching to a remote already running.

use crate::sys;
use core::ptr::NonNull;
use kernel::{
    device::{Bound, Device},
    ffi::c_int,
    prelude::*,
    sync::Arc,
};

/// What a remoteproc driver implements. Every method runs in process
/// context under the remoteproc core's lock, one at a time.
pub(crate) trait RprocOps: Send + Sync + 'static {
    /// Checks the firmware file `fw` (named `name` under /lib/firmware)
    /// and copies it into the remote's memory; nothing may start if it
    /// fails.
    fn load(&self, name: &CStr, fw: &[u8]) -> Result;
    /// Where the remote starts executing `fw` (after [`RprocOps::load`]).
    fn boot_addr(&self, fw: &[u8]) -> u64;
    /// Starts the remote at `boot_addr`.
    fn start(&self, boot_addr: u64) -> Result;
    /// Stops the remote; an error leaves it reported as still running.
    fn stop(&self) -> Result;
    /// Takes over a remote that was started before Linux (by the boot
    /// loader).
    fn attach(&self) -> Result;
}

/// A registered remote processor; dropping it removes it (stopping the
/// remote if the core runs it) and frees it.
///
/// # Invariants
///
/// `rproc` was returned by `rproc_alloc` and added with `rproc_add`; until
/// `drop` it stays added, and its `priv` area holds a pointer obtained from
/// `Arc::into_raw` of the `Arc<T>` that `drop` gives back afterwards.
pub(crate) struct Registration<T: RprocOps> {
    rproc: NonNull<sys::rproc>,
    _ops: core::marker::PhantomData<Arc<T>>,
}

// SAFETY: the remoteproc core serialises its use of `rproc` with its own
// lock; `T` is `Send + Sync`.
unsafe impl<T: RprocOps> Send for Registration<T> {}
// SAFETY: see `Send`; `&self` methods only call thread-safe C functions.
unsafe impl<T: RprocOps> Sync for Registration<T> {}

/// The data a callback's `rproc` carries.
///
/// # Safety
///
/// `rproc` must belong to a live [`Registration<T>`].
unsafe fn ops_of<'a, T: RprocOps>(rproc: *mut sys::rproc) -> &'a T {
    // SAFETY: per the contract and the type invariant, `priv_` points at the
    // `*const T` from `Arc::into_raw`, whose `Arc` is given back only after
    // `rproc_del`, past which no callback runs.
    unsafe { &*(*rproc).priv_.cast::<*const T>().read() }
}

/// The bytes of a firmware file the core hands to a callback.
///
/// # Safety
///
/// `fw` must be a loaded `struct firmware`, kept for the slice's lifetime.
unsafe fn firmware_bytes<'a>(fw: *const kernel::bindings::firmware) -> &'a [u8] {
    // SAFETY: per the contract, `data` holds `size` bytes.
    unsafe { core::slice::from_raw_parts((*fw).data, (*fw).size) }
}

fn to_errno(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

struct Ops<T>(core::marker::PhantomData<T>);

impl<T: RprocOps> Ops<T> {
    const TABLE: sys::rproc_ops = {
        // SAFETY: all-zero is a valid `rproc_ops` (every op NULL).
        let mut ops: sys::rproc_ops = unsafe { core::mem::zeroed() };
        ops.load = Some(Self::load);
        ops.get_boot_addr = Some(Self::get_boot_addr);
        ops.start = Some(Self::start);
        ops.stop = Some(Self::stop);
        ops.attach = Some(Self::attach);
        ops
    };

    /// # Safety
    ///
    /// Called only by the remoteproc core for a registered `rproc`, with a
    /// firmware file it holds for the call.
    unsafe extern "C" fn load(
        rproc: *mut sys::rproc,
        fw: *const kernel::bindings::firmware,
    ) -> c_int {
        // SAFETY: per this function's contract; the core holds its lock
        // while loading, so `firmware` (changed only through sysfs, under
        // that lock) stays as it is for the call.
        let (ops, fw, name) = unsafe {
            (
                ops_of::<T>(rproc),
                firmware_bytes(fw),
                CStr::from_char_ptr((*rproc).firmware),
            )
        };
        to_errno(ops.load(name, fw))
    }

    /// # Safety
    ///
    /// As [`Self::load`].
    unsafe extern "C" fn get_boot_addr(
        rproc: *mut sys::rproc,
        fw: *const kernel::bindings::firmware,
    ) -> u64 {
        // SAFETY: per this function's contract.
        let (ops, fw) = unsafe { (ops_of::<T>(rproc), firmware_bytes(fw)) };
        ops.boot_addr(fw)
    }

    /// # Safety
    ///
    /// Called only by the remoteproc core for a registered `rproc`.
    unsafe extern "C" fn start(rproc: *mut sys::rproc) -> c_int {
        // SAFETY: per this function's contract; `bootaddr` was set from
        // `get_boot_addr` before the core starts the remote.
        let (ops, boot_addr) = unsafe { (ops_of::<T>(rproc), (*rproc).bootaddr) };
        to_errno(ops.start(boot_addr))
    }

    /// # Safety
    ///
    /// Called only by the remoteproc core for a registered `rproc`.
    unsafe extern "C" fn stop(rproc: *mut sys::rproc) -> c_int {
        // SAFETY: per this function's contract.
        to_errno(unsafe { ops_of::<T>(rproc) }.stop())
    }

    /// # Safety
    ///
    /// Called only by the remoteproc core for a registered `rproc`.
    unsafe extern "C" fn attach(rproc: *mut sys::rproc) -> c_int {
        // SAFETY: per this function's contract.
        to_errno(unsafe { ops_of::<T>(rproc) }.attach())
    }
}

impl<T: RprocOps> Registration<T> {
    /// Registers the remote `name` of `dev` whose firmware file is
    /// `firmware` (under /lib/firmware). A remote already `running` (started
    /// by the boot loader) is attached to at once; otherwise it waits for
    /// `start` in its sysfs `state`. Recovery after a crash is on.
    pub(crate) fn register(
        dev: &Device<Bound>,
        name: &CStr,
        firmware: &CStr,
        ops: Arc<T>,
        running: bool,
    ) -> Result<Self> {
        let table: &'static sys::rproc_ops = &Ops::<T>::TABLE;
        // SAFETY: `dev` is a bound device, the strings are NUL-terminated
        // and copied by the core, and `table` is static (the core copies it
        // too); the private area holds one pointer.
        let rproc = unsafe {
            sys::rproc_alloc(
                // `Device` is a transparent wrapper of `struct device`.
                core::ptr::from_ref::<Device>(dev)
                    .cast::<kernel::bindings::device>()
                    .cast_mut(),
                name.as_char_ptr(),
                table,
                firmware.as_char_ptr(),
                core::mem::size_of::<*const T>() as c_int,
            )
        };
        let rproc = NonNull::new(rproc).ok_or(ENOMEM)?;
        let raw = Arc::into_raw(ops);
        // SAFETY: `rproc` is freshly allocated and not yet added, so no
        // callback runs; its `priv_` area has room for one pointer.
        unsafe {
            let r = rproc.as_ptr();
            (*r).priv_.cast::<*const T>().write(raw);
            (*r).auto_boot = running;
            if running {
                (*r).state = sys::rproc_state_RPROC_DETACHED;
            }
        }
        // SAFETY: `rproc` is allocated and initialised above.
        let ret = unsafe { sys::rproc_add(rproc.as_ptr()) };
        if ret != 0 {
            // SAFETY: never added, so no callback ran or will run; the
            // pointer came from `Arc::into_raw` above.
            unsafe {
                sys::rproc_free(rproc.as_ptr());
                drop(Arc::from_raw(raw));
            }
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: allocated, added, `priv_` holds `raw`.
        Ok(Self {
            rproc,
            _ops: core::marker::PhantomData,
        })
    }

    /// Loads the firmware file and starts the remote now, as writing
    /// `start` to its sysfs `state` does.
    pub(crate) fn boot(&self) -> Result {
        // SAFETY: `rproc` is added (type invariant).
        let ret = unsafe { sys::rproc_boot(self.rproc.as_ptr()) };
        if ret == 0 {
            Ok(())
        } else {
            Err(Error::from_errno(ret))
        }
    }
}

impl<T: RprocOps> Drop for Registration<T> {
    fn drop(&mut self) {
        let r = self.rproc.as_ptr();
        // SAFETY: `rproc` is added (type invariant). `rproc_del` marks it
        // deleting (every later boot, stop or crash report through any
        // reference is refused), cancels the crash handler, stops a running
        // remote under the core's lock (after any call in progress) and
        // removes the sysfs files: no callback runs after it. Then the
        // pointer in `priv_` (from `Arc::into_raw`) is given back and the
        // `rproc` released.
        unsafe {
            sys::rproc_del(r);
            let raw = (*r).priv_.cast::<*const T>().read();
            sys::rproc_free(r);
            drop(Arc::from_raw(raw));
        }
    }
}
