// SPDX-License-Identifier: GPL-2.0

//! A mailbox controller: channels other drivers request through `mboxes`,
//! transmit completion by polling, and delivery of received messages.

use crate::{mailbox::MboxMsg, sys};
use core::ptr::NonNull;
use kernel::{bindings, device, ffi::c_void, prelude::*, types::Opaque};

/// Channels every controller offers.
pub(crate) const CHANNELS: usize = 4;

/// What a controller driver implements; channel numbers are `0..CHANNELS`.
pub(crate) trait ControllerOps: Send + Sync + 'static {
    /// Accepts `msg` for transmission on `chan` (atomic context).
    fn send(&self, chan: usize, msg: MboxMsg) -> Result;
    /// A client requested `chan`.
    fn startup(&self, chan: usize) -> Result;
    /// The client freed `chan`.
    fn shutdown(&self, chan: usize);
    /// Whether the remote has taken the last message sent on `chan`
    /// (polled every `txpoll_period` ms, atomic context).
    fn last_tx_done(&self, chan: usize) -> bool;
}

/// The C controller and its channels; `ctrl` comes first so a
/// `mbox_controller` pointer is a pointer to the whole. Both are `Opaque`:
/// the framework changes them (channel locks, active message, poll timer)
/// while Rust holds shared references to `Inner`.
#[repr(C)]
struct Inner<T> {
    ctrl: Opaque<sys::mbox_controller>,
    chans: [Opaque<sys::mbox_chan>; CHANNELS],
    ops: T,
}

/// A registered mailbox controller; dropping it unregisters it.
///
/// # Invariants
///
/// `inner` is heap-allocated, never moves, and is registered with the
/// mailbox framework until `drop`.
pub(crate) struct Controller<T: ControllerOps> {
    inner: NonNull<Inner<T>>,
}

// SAFETY: the framework serialises its own use of the C structures; `T` is
// `Send + Sync`.
unsafe impl<T: ControllerOps> Send for Controller<T> {}
// SAFETY: see `Send`.
unsafe impl<T: ControllerOps> Sync for Controller<T> {}

/// Recovers the controller and channel number from a channel pointer.
///
/// # Safety
///
/// `chan` must be one of the channels of a live `Inner<T>`.
unsafe fn resolve<'a, T>(chan: *mut sys::mbox_chan) -> (&'a Inner<T>, usize) {
    // SAFETY: per the contract, `mbox` is the `ctrl` field (offset 0) of a
    // live `Inner<T>` and `chan` points into its `chans` array, whose
    // `Opaque` elements have the layout of `mbox_chan`. The shared
    // reference covers the C structures only through `Opaque`.
    unsafe {
        let inner = &*(*chan).mbox.cast::<Inner<T>>();
        let first = inner.chans.as_ptr().cast::<sys::mbox_chan>();
        let index = chan.cast_const().offset_from(first) as usize;
        (inner, index)
    }
}

struct Ops<T>(core::marker::PhantomData<T>);

impl<T: ControllerOps> Ops<T> {
    const TABLE: sys::mbox_chan_ops = {
        // SAFETY: all-zero is a valid `mbox_chan_ops` (every op NULL).
        let mut ops: sys::mbox_chan_ops = unsafe { core::mem::zeroed() };
        ops.send_data = Some(Self::send_data);
        ops.startup = Some(Self::startup);
        ops.shutdown = Some(Self::shutdown);
        ops.last_tx_done = Some(Self::last_tx_done);
        ops
    };

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn send_data(
        chan: *mut sys::mbox_chan,
        data: *mut c_void,
    ) -> kernel::ffi::c_int {
        // SAFETY: the framework passes one of our channels.
        let (inner, index) = unsafe { resolve::<T>(chan) };
        let Some(msg) = NonNull::new(data.cast::<MboxMsg>()) else {
            return EINVAL.to_errno();
        };
        // SAFETY: clients of a Rockchip mailbox send `{cmd, data}` pairs and
        // keep them valid until the transmission completes.
        let msg = unsafe { msg.as_ptr().read_unaligned() };
        match inner.ops.send(index, msg) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn startup(chan: *mut sys::mbox_chan) -> kernel::ffi::c_int {
        // SAFETY: the framework passes one of our channels.
        let (inner, index) = unsafe { resolve::<T>(chan) };
        match inner.ops.startup(index) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn shutdown(chan: *mut sys::mbox_chan) {
        // SAFETY: the framework passes one of our channels.
        let (inner, index) = unsafe { resolve::<T>(chan) };
        inner.ops.shutdown(index)
    }

    /// # Safety
    ///
    /// Called only by the C code this file registers it with, which passes
    /// pointers to the live objects it was given.
    unsafe extern "C" fn last_tx_done(chan: *mut sys::mbox_chan) -> bool {
        // SAFETY: the framework passes one of our channels.
        let (inner, index) = unsafe { resolve::<T>(chan) };
        inner.ops.last_tx_done(index)
    }
}

impl<T: ControllerOps> Controller<T> {
    /// Registers a controller for `dev` (whose node has `#mbox-cells = <1>`)
    /// that completes transmissions by polling every `txpoll_ms`.
    pub(crate) fn register(
        dev: &device::Device<device::Bound>,
        txpoll_ms: u32,
        ops: T,
    ) -> Result<Self> {
        let inner = KBox::new(
            Inner {
                // SAFETY: all-zero is the state the framework expects before
                // `mbox_controller_register()` initialises the structures.
                ctrl: Opaque::new(unsafe { core::mem::zeroed() }),
                // SAFETY: as above.
                chans: core::array::from_fn(|_| Opaque::new(unsafe { core::mem::zeroed() })),
                ops,
            },
            GFP_KERNEL,
        )?;
        let inner = KBox::into_raw(inner);
        // SAFETY: `inner` is a fresh, exclusively owned allocation; the
        // device outlives the controller, which is unregistered in `drop`.
        // The channel array is `CHANNELS` contiguous `mbox_chan`s.
        let ret = unsafe {
            let ctrl = Opaque::cast_into(&raw const (*inner).ctrl);
            (*ctrl).dev = core::ptr::from_ref(dev)
                .cast::<bindings::device>()
                .cast_mut();
            (*ctrl).ops = &Ops::<T>::TABLE;
            (*ctrl).chans = (&raw mut (*inner).chans).cast();
            (*ctrl).num_chans = CHANNELS as kernel::ffi::c_int;
            (*ctrl).txdone_poll = true;
            (*ctrl).txpoll_period = txpoll_ms;
            sys::mbox_controller_register(ctrl)
        };
        if let Err(e) = kernel::error::to_result(ret) {
            // SAFETY: registration failed, so nothing else refers to it.
            drop(unsafe { KBox::from_raw(inner) });
            return Err(e);
        }
        // INVARIANT: registered above; `inner` is non-null.
        Ok(Self {
            // SAFETY: `KBox::into_raw` never returns NULL.
            inner: unsafe { NonNull::new_unchecked(inner) },
        })
    }

    /// Delivers `msg` to the client of `chan`, if any. Call from atomic
    /// context, as a mailbox interrupt handler would.
    pub(crate) fn deliver(&self, chan: usize, msg: MboxMsg) {
        if chan >= CHANNELS {
            return;
        }
        let mut msg = msg;
        // SAFETY: `inner` is live (type invariant) and `chan` in range; the
        // client reads the message during the call only. `cl` is cleared
        // only after the controller's shutdown, which waits for running
        // receive handlers, so it cannot go away during this call.
        unsafe {
            let c = Opaque::cast_into(&raw const (*self.inner.as_ptr()).chans[chan]);
            if !(*c).cl.is_null() {
                sys::mbox_chan_received_data(c, (&raw mut msg).cast());
            }
        }
    }
}

impl<T: ControllerOps> Drop for Controller<T> {
    fn drop(&mut self) {
        // SAFETY: registered (type invariant); after unregistering nothing
        // refers to `inner`, which is then freed once.
        unsafe {
            sys::mbox_controller_unregister(Opaque::cast_into(
                &raw const (*self.inner.as_ptr()).ctrl,
            ));
            drop(KBox::from_raw(self.inner.as_ptr()));
        }
    }
}
