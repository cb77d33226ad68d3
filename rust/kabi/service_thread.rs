// SPDX-License-Identifier: GPL-2.0

//! A kernel thread of its own, at real-time priority, that runs one service
//! whenever it is kicked: the process-context half of an interrupt handler,
//! as a threaded interrupt has, for handlers that are not interrupts of
//! their own (a mailbox client's receive callback).
//!
//! Built on a kthread worker. A shared workqueue would serve too, but a
//! kick there wakes a pool worker at normal priority that the woken reader
//! then competes with; here it wakes one known thread that runs next.

use core::ptr::{addr_of, addr_of_mut, NonNull};
use kernel::{bindings, prelude::*, sync::Arc, types::Opaque};

/// What a [`ServiceThread`] runs.
pub(crate) trait ThreadService: Send + Sync + 'static {
    /// Runs once per kick that found no run pending; in process context,
    /// may sleep.
    fn run(&self);
}

/// The kthread worker; destroyed (pending runs flushed, thread stopped)
/// when dropped.
///
/// # Invariants
///
/// `0` is a worker from `kthread_create_worker_on_node()` whose thread was
/// woken, not yet destroyed.
struct Worker(NonNull<bindings::kthread_worker>);

// SAFETY: a kthread worker may be queued to, flushed and destroyed from any
// thread; its state is protected by its own lock.
unsafe impl Send for Worker {}
// SAFETY: see `Send`; `&Worker` only queues and flushes, which the worker's
// lock serialises.
unsafe impl Sync for Worker {}

impl Worker {
    /// Starts a worker thread named `kind/owner`, `SCHED_FIFO` at the
    /// priority threaded interrupts get. May sleep.
    fn start(kind: &CStr, owner: &CStr) -> Result<Self> {
        // SAFETY: the format is a literal "%s/%s" whose two arguments are
        // NUL-terminated strings; the call copies the formatted name.
        let worker = unsafe {
            bindings::kthread_create_worker_on_node(
                0,
                bindings::NUMA_NO_NODE,
                c"%s/%s".as_char_ptr(),
                kind.as_char_ptr(),
                owner.as_char_ptr(),
            )
        };
        let worker = NonNull::new(kernel::error::from_err_ptr(worker)?).ok_or(ENOMEM)?;
        // SAFETY: `worker` was just created, so its `task` is the worker's
        // live thread, not yet running.
        let task = unsafe { (*worker.as_ptr()).task };
        // SAFETY: `task` is a live thread (above); setting the policy of a
        // thread not yet woken is what `sched_set_fifo()` is for.
        unsafe { bindings::sched_set_fifo(task) };
        // SAFETY: `task` is live; waking it starts the worker loop.
        unsafe { bindings::wake_up_process(task) };
        // INVARIANT: created and woken above.
        Ok(Self(worker))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // SAFETY: the worker is live (type invariant) and this is its last
        // use; the call runs what is queued, then stops the thread.
        unsafe { bindings::kthread_destroy_worker(self.0.as_ptr()) };
    }
}

/// A thread running `T::run` on demand.
///
/// # Invariants
///
/// `work` is initialised with [`run_trampoline::<T>`] and is queued only on
/// `worker`, which outlives every queueing: `worker` is the first field, so
/// its destruction (which runs and waits for whatever was queued) completes
/// while `work` and `service` are still intact.
#[pin_data]
pub(crate) struct ServiceThread<T: ThreadService> {
    worker: Worker,
    #[pin]
    work: Opaque<bindings::kthread_work>,
    service: T,
}

// SAFETY: `work` is only touched through the worker's locked API; `worker`
// and `service` are `Send`.
unsafe impl<T: ThreadService> Send for ServiceThread<T> {}
// SAFETY: `&ServiceThread` only kicks and flushes (serialised by the
// worker's lock) or lends `&T`, and `T: Sync`.
unsafe impl<T: ThreadService> Sync for ServiceThread<T> {}

/// # Safety
///
/// Called only by the kthread worker, with the `work` field of a live
/// [`ServiceThread<T>`] whose `service` field is intact.
unsafe extern "C" fn run_trampoline<T: ThreadService>(work: *mut bindings::kthread_work) {
    let work = work.cast::<Opaque<bindings::kthread_work>>();
    // SAFETY: `work` is the `work` field of a `ServiceThread<T>` (the
    // contract above; `Opaque<U>` has the layout of `U`).
    let this: *const ServiceThread<T> =
        unsafe { kernel::container_of!(work, ServiceThread<T>, work) };
    // SAFETY: per the type invariant `service` is intact while the worker
    // runs this, even when the thread is being dropped (its `worker` field
    // goes first and waits for this run); only that field is borrowed.
    let service = unsafe { &*addr_of!((*this).service) };
    service.run();
}

impl<T: ThreadService> ServiceThread<T> {
    /// Starts the thread for `service`, named `kind/owner` (`ps` shows the
    /// first 15 bytes). May sleep.
    pub(crate) fn new(kind: &CStr, owner: &CStr, service: T) -> Result<Arc<Self>> {
        let worker = Worker::start(kind, owner)?;
        // INVARIANT: `work` gets the trampoline for `T` before the thread
        // can be kicked (only through the returned `Arc`).
        Arc::pin_init(
            pin_init!(Self {
                worker,
                work <- Opaque::ffi_init(|work: *mut bindings::kthread_work| {
                    // SAFETY: `work` is valid for writes (being initialised).
                    // This is `kthread_init_work()`: all zero, an empty list
                    // node pointing at itself, then the function.
                    unsafe {
                        work.write_bytes(0, 1);
                        let node = addr_of_mut!((*work).node);
                        (*node).next = node;
                        (*node).prev = node;
                        (*work).func = Some(run_trampoline::<T>);
                    }
                }),
                service,
            }),
            GFP_KERNEL,
        )
    }

    /// Has the thread run the service, from any context (hard interrupts
    /// included). Returns `false` if a run was already pending, which then
    /// covers this kick too.
    pub(crate) fn kick(&self) -> bool {
        // SAFETY: `work` is initialised and only ever queued on `worker`,
        // which is live while `self` is (type invariant).
        unsafe { bindings::kthread_queue_work(self.worker.0.as_ptr(), self.work.get()) }
    }

    /// Waits until every run kicked before this call has finished. May
    /// sleep; must not be called from the service itself.
    pub(crate) fn flush(&self) {
        // SAFETY: the worker is live (type invariant).
        unsafe { bindings::kthread_flush_worker(self.worker.0.as_ptr()) };
    }

    /// The service the thread runs.
    pub(crate) fn service(&self) -> &T {
        &self.service
    }
}
