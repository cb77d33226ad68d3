// SPDX-License-Identifier: GPL-2.0

//! A mailbox client: requests channels by name, sends one fixed message,
//! and forwards received messages and transmit completions to a handler.

use crate::{mailbox::MboxMsg, sys};
use core::ptr::NonNull;
use kernel::{
    bindings, device, new_spinlock,
    prelude::*,
    sync::{Arc, SpinLock},
};

/// Receives the client's events, in atomic context.
pub(crate) trait ClientHandler: Send + Sync + 'static {
    /// A message arrived on a channel; `None` when the controller passed no
    /// message.
    fn received(&self, msg: Option<MboxMsg>);
    /// The controller finished (or failed, `result < 0`) a transmission.
    fn tx_done(&self, result: i32);
}

/// Channels a client holds at most.
pub(crate) const MAX_CHANNELS: usize = 2;

/// The C client structure and what its callbacks need; `cl` comes first so
/// the framework's `mbox_client` pointer is a pointer to the whole.
#[repr(C)]
struct ClientInner<H> {
    cl: sys::mbox_client,
    /// The message every send points at; it lives as long as the client, so
    /// a message still queued in the framework never dangles.
    message: MboxMsg,
    handler: H,
}

/// A requested channel, freed when dropped (which may sleep).
///
/// # Invariants
///
/// Returned by `mbox_request_channel_byname()` and not yet freed.
struct ChanPtr(NonNull<sys::mbox_chan>);

// SAFETY: a channel may be used and freed from any thread.
unsafe impl Send for ChanPtr {}

impl Drop for ChanPtr {
    fn drop(&mut self) {
        // SAFETY: the channel is live (type invariant) and freed once, here.
        unsafe { sys::mbox_free_channel(self.0.as_ptr()) };
    }
}

/// A mailbox client with up to [`MAX_CHANNELS`] channels.
///
/// # Invariants
///
/// `inner` is heap-allocated and never moves, and outlives every channel in
/// `chans` (they are freed in `close`, at the latest in `drop`).
#[pin_data(PinnedDrop)]
pub(crate) struct Client<H: ClientHandler> {
    inner: KBox<ClientInner<H>>,
    #[pin]
    chans: SpinLock<[Option<ChanPtr>; MAX_CHANNELS]>,
}

// SAFETY: the C structure is only touched by the framework, which
// serialises its own use; the handler is `Send + Sync`.
unsafe impl<H: ClientHandler> Send for Client<H> {}
// SAFETY: see `Send`.
unsafe impl<H: ClientHandler> Sync for Client<H> {}

/// # Safety
///
/// Called only by the C code this file registers it with, which passes
/// pointers to the live objects it was given.
unsafe extern "C" fn rx_trampoline<H: ClientHandler>(
    cl: *mut sys::mbox_client,
    mssg: *mut kernel::ffi::c_void,
) {
    // SAFETY: `cl` is the first field of a live `ClientInner<H>`: channels
    // are freed before it.
    let inner = unsafe { &*cl.cast::<ClientInner<H>>() };
    let msg = NonNull::new(mssg.cast::<MboxMsg>()).map(|p| {
        // SAFETY: a Rockchip mailbox passes a `{cmd, data}` pair, valid for
        // the duration of this callback.
        unsafe { p.as_ptr().read_unaligned() }
    });
    inner.handler.received(msg);
}

/// # Safety
///
/// Called only by the C code this file registers it with, which passes
/// pointers to the live objects it was given.
unsafe extern "C" fn tx_done_trampoline<H: ClientHandler>(
    cl: *mut sys::mbox_client,
    _mssg: *mut kernel::ffi::c_void,
    r: kernel::ffi::c_int,
) {
    // SAFETY: as in `rx_trampoline`.
    let inner = unsafe { &*cl.cast::<ClientInner<H>>() };
    inner.handler.tx_done(r);
}

impl<H: ClientHandler> Client<H> {
    /// Requests the channels `names` (from the device's `mbox-names`) for
    /// `dev`; every send carries `message`.
    pub(crate) fn new(
        dev: &device::Device<device::Bound>,
        names: [&CStr; MAX_CHANNELS],
        message: MboxMsg,
        handler: H,
    ) -> Result<Arc<Self>> {
        let mut inner = KBox::new(
            ClientInner {
                // SAFETY: all-zero is a valid `mbox_client` (no callbacks).
                cl: unsafe { core::mem::zeroed() },
                message,
                handler,
            },
            GFP_KERNEL,
        )?;
        inner.cl.dev = core::ptr::from_ref(dev)
            .cast::<bindings::device>()
            .cast_mut();
        inner.cl.tx_block = false;
        inner.cl.knows_txdone = false;
        inner.cl.rx_callback = Some(rx_trampoline::<H>);
        inner.cl.tx_done = Some(tx_done_trampoline::<H>);

        let mut chans: [Option<ChanPtr>; MAX_CHANNELS] = [None, None];
        for (slot, name) in chans.iter_mut().zip(names) {
            // SAFETY: `inner.cl` is initialised and heap-allocated, so its
            // address stays valid while the channel holds it.
            let chan =
                unsafe { sys::mbox_request_channel_byname(&raw mut inner.cl, name.as_char_ptr()) };
            // On error, dropping `chans` frees the channels requested so far.
            kernel::error::from_err_ptr(chan)?;
            // INVARIANT: a live channel from `mbox_request_channel_byname()`.
            *slot = NonNull::new(chan).map(ChanPtr);
        }
        Arc::pin_init(
            pin_init!(Self {
                inner,
                chans <- new_spinlock!(chans),
            }),
            GFP_KERNEL,
        )
    }

    /// Queues the client's message on channel `index`. Atomic-safe.
    ///
    /// Returns `ENODEV` once the client is closed.
    pub(crate) fn send(&self, index: usize) -> Result {
        let chans = self.chans.lock();
        let chan = chans.get(index).and_then(Option::as_ref).ok_or(ENODEV)?;
        let message = core::ptr::from_ref(&self.inner.message).cast_mut();
        // SAFETY: the channel is live while it is in the locked table, and
        // `message` lives as long as `self.inner`, which outlives the channel
        // (type invariant); the framework only reads it.
        let ret = unsafe { sys::mbox_send_message(chan.0.as_ptr(), message.cast()) };
        kernel::error::to_result(ret.min(0))
    }

    /// Frees every channel; no callbacks arrive afterwards. May sleep.
    pub(crate) fn close(&self) {
        let taken: [Option<ChanPtr>; MAX_CHANNELS] = {
            let mut chans = self.chans.lock();
            [chans[0].take(), chans[1].take()]
        };
        // Freed here, outside the spinlock.
        drop(taken);
    }
}

#[pinned_drop]
impl<H: ClientHandler> PinnedDrop for Client<H> {
    fn drop(self: Pin<&mut Self>) {
        self.close();
    }
}
