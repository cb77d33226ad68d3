// SPDX-License-Identifier: GPL-2.0

//! A mailbox client: requests channels by name, sends one fixed message,
//! and forwards received messages and transmit completions to a handler.

use crate::{mailbox::MboxMsg, sys};
use core::ptr::NonNull;
use kernel::{
    bindings, device,
    prelude::*,
    sync::{
        atomic::{Acquire, Atomic, Full, Release},
        rcu, Arc,
    },
    types::Opaque,
};

/// Receives the client's events, in atomic context.
pub(crate) trait ClientHandler: Send + Sync + Sized + 'static {
    /// A message arrived on a channel; `None` when the controller passed no
    /// message.
    fn received(&self, msg: Option<MboxMsg>);
    /// The controller finished (or failed, `result < 0`) a transmission.
    /// `tx` may send again at once: the channel is free.
    fn tx_done(&self, result: i32, tx: &Sender<'_, Self>);
}

/// Channels a client holds at most.
pub(crate) const MAX_CHANNELS: usize = 2;

/// The C client structure and what its callbacks need; `cl` comes first so
/// the framework's `mbox_client` pointer is a pointer to the whole.
///
/// # Invariants
///
/// `cl` is fully initialised before any channel is requested and never
/// written afterwards. A non-null pointer in `chans` is a live channel
/// requested with `cl`; it is freed only after it was replaced by null and
/// an RCU grace period passed, so a sender that read it inside an RCU
/// read-side section may use it until that section ends.
#[repr(C)]
#[pin_data(PinnedDrop)]
struct ClientInner<H> {
    cl: Opaque<sys::mbox_client>,
    /// The message every send points at; it lives as long as the client, so
    /// a message still queued in the framework never dangles.
    message: MboxMsg,
    /// Published with RCU: senders run in any context, hard interrupts
    /// included (the mailbox core's tx-done timer), where no lock this
    /// kernel's Rust offers may be taken.
    chans: [Atomic<*mut sys::mbox_chan>; MAX_CHANNELS],
    handler: H,
}

// SAFETY: `cl` is only read (by the mailbox framework) after construction;
// the channel pointers are atomics used as the invariant says, and the
// handler is `Send + Sync`.
unsafe impl<H: ClientHandler> Send for ClientInner<H> {}
// SAFETY: see `Send`.
unsafe impl<H: ClientHandler> Sync for ClientInner<H> {}

/// Sends on a client's channels; handed to [`ClientHandler::tx_done`] and
/// returned by [`Client::sender`].
pub(crate) struct Sender<'a, H: ClientHandler>(&'a ClientInner<H>);

impl<H: ClientHandler> Sender<'_, H> {
    /// Queues the client's message on channel `index`. Atomic-safe.
    ///
    /// Returns `ENODEV` once the client is closed.
    pub(crate) fn send(&self, index: usize) -> Result {
        let _rcu = rcu::read_lock();
        let chan = self.0.chans.get(index).ok_or(EINVAL)?.load(Acquire);
        if chan.is_null() {
            return Err(ENODEV);
        }
        let message = core::ptr::from_ref(&self.0.message).cast_mut();
        // SAFETY: a non-null channel read inside the RCU read-side section
        // stays live until the section ends (type invariant of
        // `ClientInner`); `message` lives as long as the `ClientInner`,
        // which outlives its channels, and the framework only reads it.
        // With `tx_block` false the call does not sleep.
        let ret = unsafe { sys::mbox_send_message(chan, message.cast()) };
        kernel::error::to_result(ret.min(0))
    }
}

impl<H> ClientInner<H> {
    /// Frees every channel; no callbacks arrive afterwards. May sleep.
    fn close(&self) {
        let taken = self
            .chans
            .each_ref()
            .map(|c| c.xchg(core::ptr::null_mut(), Full));
        if taken.iter().all(|c| c.is_null()) {
            return;
        }
        // SAFETY: no precondition; waits until every sender that may have
        // read a pointer before it was replaced has left its section.
        unsafe { sys::synchronize_rcu() };
        for chan in taken.into_iter().filter(|c| !c.is_null()) {
            // SAFETY: `chan` was a live channel (type invariant), no sender
            // can still use it, and the swap above gave it to this call
            // alone. The controller's shutdown waits for a receive handler
            // still running, so no callback follows.
            unsafe { sys::mbox_free_channel(chan) };
        }
    }
}

#[pinned_drop]
impl<H> PinnedDrop for ClientInner<H> {
    fn drop(self: Pin<&mut Self>) {
        self.close();
    }
}

/// A mailbox client with up to [`MAX_CHANNELS`] channels.
///
/// # Invariants
///
/// `inner` is pinned on the heap, so the `mbox_client` the channels hold
/// stays at its address until they are freed.
pub(crate) struct Client<H: ClientHandler> {
    inner: Pin<KBox<ClientInner<H>>>,
}

/// Recovers the client from the pointer the framework passes back.
///
/// # Safety
///
/// `cl` must be the `cl` field of a live `ClientInner<H>`.
unsafe fn inner_of<'a, H>(cl: *mut sys::mbox_client) -> &'a ClientInner<H> {
    // SAFETY: per the contract `cl` is the first field of a `#[repr(C)]`
    // `ClientInner<H>`, and `Opaque<T>` has the layout of `T`.
    unsafe { &*cl.cast::<ClientInner<H>>() }
}

/// # Safety
///
/// Called only by the C code this file registers it with, which passes
/// pointers to the live objects it was given.
unsafe extern "C" fn rx_trampoline<H: ClientHandler>(
    cl: *mut sys::mbox_client,
    mssg: *mut kernel::ffi::c_void,
) {
    // SAFETY: the framework calls back with the client a channel was
    // requested with; channels are freed (and running callbacks finished)
    // before the `ClientInner` goes.
    let inner = unsafe { inner_of::<H>(cl) };
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
    // SAFETY: `tx_done` runs from the channel's completion path while the
    // channel is live, so its client is live (see `rx_trampoline`).
    let inner = unsafe { inner_of::<H>(cl) };
    inner.handler.tx_done(r, &Sender(inner));
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
        // SAFETY: all-zero is a valid `mbox_client` (no callbacks).
        let mut cl: sys::mbox_client = unsafe { core::mem::zeroed() };
        cl.dev = core::ptr::from_ref(dev)
            .cast::<bindings::device>()
            .cast_mut();
        cl.tx_block = false;
        cl.knows_txdone = false;
        cl.rx_callback = Some(rx_trampoline::<H>);
        cl.tx_done = Some(tx_done_trampoline::<H>);
        // INVARIANT: `cl` is complete before any channel is requested.
        let inner = KBox::pin_init(
            pin_init!(ClientInner {
                cl: Opaque::new(cl),
                message,
                chans: [const { Atomic::new(core::ptr::null_mut()) }; MAX_CHANNELS],
                handler,
            }),
            GFP_KERNEL,
        )?;
        for (index, name) in names.into_iter().enumerate() {
            // SAFETY: `inner.cl` is initialised and pinned on the heap, so
            // its address stays valid while the channel holds it.
            let chan =
                unsafe { sys::mbox_request_channel_byname(inner.cl.get(), name.as_char_ptr()) };
            // On error, dropping `inner` frees the channels requested so far.
            kernel::error::from_err_ptr(chan)?;
            // INVARIANT: a live channel from `mbox_request_channel_byname()`
            // for `inner.cl`, published once.
            if let Some(slot) = inner.chans.get(index) {
                slot.store(chan, Release);
            }
        }
        Ok(Arc::new(Self { inner }, GFP_KERNEL)?)
    }

    /// A sender on this client's channels.
    pub(crate) fn sender(&self) -> Sender<'_, H> {
        Sender(&self.inner)
    }

    /// Frees every channel; no callbacks arrive afterwards. May sleep.
    pub(crate) fn close(&self) {
        self.inner.close();
    }
}
