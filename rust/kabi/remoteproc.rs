// SPDX-License-Identifier: GPL-2.0

//! A remote processor registered with the remoteproc core: its state,
//! firmware and recovery under /sys/class/remoteproc, loading and starting
//! from a firmware file, stopping, attaching to a remote already running.

use crate::{shared_mem::SharedRegion, sys};
use core::ptr::NonNull;
use kernel::{
    device::{Bound, Device},
    ffi::c_int,
    prelude::*,
    sync::Arc,
};

/// What a remoteproc driver implements. Every method runs in process
/// context under the remoteproc core's lock, one at a time.
/// An address in the remote's view of memory, as the remoteproc core
/// carries it (`u64 da`, `bootaddr`), on 32- and 64-bit kernels alike.
pub(crate) type DeviceAddr = u64;

pub(crate) trait RprocOps: Send + Sync + 'static {
    /// Checks all of the firmware file `fw` (named `name` under
    /// /lib/firmware) before anything else reads it; an error refuses the
    /// file (say why in dmesg) and nothing starts.
    fn check(&self, name: &CStr, fw: &[u8]) -> Result;
    /// Copies the checked file into the remote's memory.
    fn load(&self, name: &CStr, fw: &[u8]) -> Result;
    /// Where the remote starts executing `fw` (after [`RprocOps::load`]).
    fn boot_addr(&self, fw: &[u8]) -> DeviceAddr;
    /// Starts the remote at `boot_addr`.
    fn start(&self, boot_addr: DeviceAddr) -> Result;
    /// Stops the remote; an error leaves it reported as still running.
    fn stop(&self) -> Result;
    /// Takes over a remote that was started before Linux (by the boot
    /// loader).
    fn attach(&self) -> Result;
    /// The remote's memory, region `index` (from 0, `None` past the last),
    /// where device addresses are physical addresses: what remoteproc's
    /// coredump copies (each region is a segment of the dump).
    fn memory(&self, _index: usize) -> Option<&SharedRegion> {
        None
    }
    /// The ELF class (1: 32-bit, 2: 64-bit) and machine of the remote,
    /// which its coredump file carries; `None`: no coredump.
    fn coredump_elf(&self) -> Option<(u8, u16)> {
        None
    }
    /// Where the resource table of a remote Linux attached to lies in its
    /// memory: region, offset, length, all checked (the header as
    /// `firmware_image::resource_table_header_ok` wants it); `None` for
    /// none. Asked only when attaching: a started remote's table comes
    /// from its file.
    fn loaded_resource_table(&self) -> Option<(&SharedRegion, usize, usize)> {
        None
    }
    /// How often [`RprocOps::health`] is asked while the remote runs;
    /// `None`: never.
    const WATCH_PERIOD_MS: Option<u32> = None;
    /// Whether the running remote is well. Asked from a work item (process
    /// context, without the core's lock) while the core has the remote
    /// running or attached; anything but [`Health::Alive`] is reported to
    /// the core as a crash, which recovers the remote if its `recovery` is
    /// enabled.
    fn health(&self) -> Health {
        Health::Alive
    }
}

/// What the periodic check of a running remote found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Health {
    /// Running as it should.
    Alive,
    /// It faulted (its CPU went off, or it said so).
    Crashed,
    /// It stopped answering (its heartbeat stopped).
    Hung,
}

/// The periodic health check of a registered remote: a delayed work item
/// that asks [`RprocOps::health`] and reports a crash to the core.
///
/// # Invariants
///
/// `work` is initialised with [`Watch::run`] as its function; `rproc` is an
/// added remote processor that outlives this `Watch` (its `Registration`
/// drops the `Watch`, which cancels the work, before removing it).
#[pin_data(PinnedDrop)]
struct Watch<T: RprocOps> {
    #[pin]
    work: kernel::types::Opaque<kernel::bindings::delayed_work>,
    rproc: NonNull<sys::rproc>,
    ops: Arc<T>,
    period_jiffies: kernel::ffi::c_ulong,
    /// A crash was reported and the core has not taken the remote out of
    /// its running state yet: report once.
    reported: kernel::sync::atomic::Atomic<bool>,
}

// SAFETY: the work item may be queued and cancelled from any thread; `ops`
// is `Send + Sync`, `rproc` is used only through thread-safe calls.
unsafe impl<T: RprocOps> Send for Watch<T> {}
// SAFETY: as `Send`.
unsafe impl<T: RprocOps> Sync for Watch<T> {}

impl<T: RprocOps> Watch<T> {
    fn new(rproc: NonNull<sys::rproc>, ops: Arc<T>, period_ms: u32) -> Result<Pin<KBox<Self>>> {
        let work_key = kernel::static_lock_class!();
        let timer_key = kernel::static_lock_class!();
        KBox::pin_init(
            pin_init!(Self {
                work <- kernel::types::Opaque::ffi_init(
                    move |slot: *mut kernel::bindings::delayed_work| {
                        // SAFETY: `slot` is this item's `delayed_work` at its
                        // final place; `run` matches `work_func_t`, and the
                        // timer is the delayed work's own, as
                        // `INIT_DELAYED_WORK` sets it up.
                        unsafe {
                            kernel::bindings::init_work_with_key(
                                &raw mut (*slot).work,
                                Some(Self::run),
                                false,
                                c"rproc-watch".as_char_ptr(),
                                work_key.as_ptr(),
                            );
                            kernel::bindings::timer_init_key(
                                &raw mut (*slot).timer,
                                Some(kernel::bindings::delayed_work_timer_fn),
                                kernel::bindings::TIMER_IRQSAFE,
                                c"rproc-watch-timer".as_char_ptr(),
                                timer_key.as_ptr(),
                            );
                        }
                    }
                ),
                rproc,
                ops,
                period_jiffies: kernel::time::msecs_to_jiffies(period_ms),
                reported: kernel::sync::atomic::Atomic::new(false),
            }),
            GFP_KERNEL,
        )
    }

    fn queue(&self) {
        // SAFETY: `work` is initialised (type invariant) and pinned; the
        // unbound system workqueue lives forever.
        unsafe {
            kernel::bindings::queue_delayed_work_on(
                kernel::bindings::wq_misc_consts_WORK_CPU_UNBOUND as c_int,
                kernel::bindings::system_dfl_wq,
                self.work.get(),
                self.period_jiffies,
            )
        };
    }

    /// # Safety
    ///
    /// Called only by the workqueue for the `work` of a live `Watch<T>`.
    unsafe extern "C" fn run(work: *mut kernel::bindings::work_struct) {
        // SAFETY: per the contract, `work` is the `work` field of the
        // `delayed_work` inside a live `Watch<T>`; `delayed_work` starts
        // with its `work_struct`.
        let this = unsafe {
            &*kernel::container_of!(
                work.cast::<kernel::types::Opaque<kernel::bindings::delayed_work>>(),
                Self,
                work
            )
        };
        // SAFETY: `rproc` outlives `this` (type invariant). The state is
        // read without the core's lock: a stale value costs at most one
        // period, or one report the core ignores (it handles the first).
        let state = unsafe { core::ptr::read_volatile(&raw const (*this.rproc.as_ptr()).state) };
        let up =
            state == sys::rproc_state_RPROC_RUNNING || state == sys::rproc_state_RPROC_ATTACHED;
        if !up {
            this.reported.store(false, kernel::sync::atomic::Relaxed);
        } else if !this.reported.load(kernel::sync::atomic::Relaxed) {
            let kind = match this.ops.health() {
                Health::Alive => None,
                Health::Crashed => Some(sys::rproc_crash_type_RPROC_FATAL_ERROR),
                Health::Hung => Some(sys::rproc_crash_type_RPROC_WATCHDOG),
            };
            if let Some(kind) = kind {
                this.reported.store(true, kernel::sync::atomic::Relaxed);
                // SAFETY: `rproc` is added (type invariant); the report
                // only queues the core's crash handler.
                unsafe { sys::rproc_report_crash(this.rproc.as_ptr(), kind) };
            }
        }
        this.queue();
    }
}

#[pinned_drop]
impl<T: RprocOps> PinnedDrop for Watch<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `work` is initialised (type invariant). This waits for a
        // run in progress and keeps the item from queueing itself again.
        unsafe { kernel::bindings::cancel_delayed_work_sync(self.work.get()) };
    }
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
    /// The health check, if `T` asks for one; cancelled first on drop.
    watch: Option<Pin<KBox<Watch<T>>>>,
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
        ops.get_loaded_rsc_table = Some(Self::get_loaded_rsc_table);
        ops.da_to_va = Some(Self::da_to_va);
        ops.prepare = Some(Self::prepare);
        ops.parse_fw = Some(Self::parse_fw);
        ops
    };

    /// # Safety
    ///
    /// As [`Self::load`].
    unsafe extern "C" fn parse_fw(
        rproc: *mut sys::rproc,
        fw: *const kernel::bindings::firmware,
    ) -> c_int {
        // SAFETY: as in `load`.
        let (ops, bytes, name) = unsafe {
            (
                ops_of::<T>(rproc),
                firmware_bytes(fw),
                CStr::from_char_ptr((*rproc).firmware),
            )
        };
        if let Err(e) = ops.check(name, bytes) {
            return e.to_errno();
        }
        // What the core's own ELF loader would do, on a table whose section
        // headers, names and header are checked (it reads them unchecked):
        // the core works on a kmalloc()ed copy, which it kfree()s when the
        // remote stops.
        match crate::proto::firmware_image::resource_table(bytes) {
            Ok(None) => 0,
            Ok(Some(section)) => {
                let Some(table) =
                    bytes.get(section.file_offset..section.file_offset + section.size)
                else {
                    return EINVAL.to_errno();
                };
                let mut copy = KVec::new();
                if copy.extend_from_slice(table, GFP_KERNEL).is_err() {
                    return ENOMEM.to_errno();
                }
                let (ptr, len, _capacity) = copy.into_raw_parts();
                // SAFETY: per this function's contract the core holds its
                // lock and owns these fields; `ptr` is a kmalloc()ed buffer
                // (`KVec`'s allocator) of `len` bytes that the core frees
                // with kfree(); no table was cached before (the core drops
                // it on every stop).
                unsafe {
                    (*rproc).cached_table = ptr.cast();
                    (*rproc).table_ptr = ptr.cast();
                    (*rproc).table_sz = len;
                }
                0
            }
            Err(e) => {
                pr_err!(
                    "firmware {}: refused, nothing started: {}\n",
                    name,
                    format_args!("{}", e)
                );
                EINVAL.to_errno()
            }
        }
    }

    /// # Safety
    ///
    /// Called only by the remoteproc core for a registered `rproc`, under
    /// its lock, before every start or attach.
    unsafe extern "C" fn prepare(rproc: *mut sys::rproc) -> c_int {
        // SAFETY: per this function's contract.
        let ops = unsafe { ops_of::<T>(rproc) };
        // The remote's memory regions are the coredump's segments (copied
        // when `coredump` in the remote's debugfs is enabled). The core
        // drops the list whenever it stops the remote, so it is built here.
        for region in (0..).map_while(|i| ops.memory(i)) {
            // SAFETY: `rproc` is registered and its segment list is only
            // touched under the core's lock, held here.
            let ret =
                unsafe { sys::rproc_coredump_add_segment(rproc, region.phys(), region.size()) };
            if ret != 0 {
                return ret;
            }
        }
        0
    }

    /// # Safety
    ///
    /// Called only by the remoteproc core for a registered `rproc`.
    unsafe extern "C" fn da_to_va(
        rproc: *mut sys::rproc,
        da: DeviceAddr,
        len: usize,
        is_iomem: *mut bool,
    ) -> *mut kernel::ffi::c_void {
        // SAFETY: per this function's contract.
        let ops = unsafe { ops_of::<T>(rproc) };
        let found = (0..).map_while(|i| ops.memory(i)).find_map(|region| {
            let off = usize::try_from(da.checked_sub(crate::shared_mem::wire_addr(region.phys()))?)
                .ok()?;
            region.virt_at(off, len).ok()
        });
        match found {
            Some(virt) => {
                if !is_iomem.is_null() {
                    // SAFETY: the core passes NULL or a writable flag. The
                    // regions are memremap()ed RAM, not I/O memory.
                    unsafe { is_iomem.write(false) };
                }
                virt.cast()
            }
            None => core::ptr::null_mut(),
        }
    }

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
    ) -> DeviceAddr {
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

    /// # Safety
    ///
    /// Called only by the remoteproc core for a registered `rproc`, under
    /// its lock, when it attaches; `size` is writable.
    unsafe extern "C" fn get_loaded_rsc_table(
        rproc: *mut sys::rproc,
        size: *mut usize,
    ) -> *mut sys::resource_table {
        // SAFETY: per this function's contract.
        let ops = unsafe { ops_of::<T>(rproc) };
        let Some((region, off, len)) = ops.loaded_resource_table() else {
            // No table: the core accepts that (no trace, no resources).
            return core::ptr::null_mut();
        };
        match region.virt_at(off, len) {
            Ok(table) => {
                // SAFETY: `size` is writable per this function's contract.
                unsafe { size.write(len) };
                // The core reads the table in place (the region stays
                // mapped while the remote processor is registered) and
                // copies it before the remote stops.
                table.cast()
            }
            Err(_) => core::ptr::null_mut(),
        }
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
        let watched = T::WATCH_PERIOD_MS.map(|ms| (ops.clone(), ms));
        let coredump_elf = ops.coredump_elf();
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
        if let Some((class, machine)) = coredump_elf {
            // SAFETY: `rproc` is allocated and not yet added.
            let ret = unsafe { sys::rproc_coredump_set_elf_info(rproc.as_ptr(), class, machine) };
            if ret != 0 {
                // SAFETY: never added, so no callback ran or will run; the
                // pointer came from `Arc::into_raw` above.
                unsafe {
                    sys::rproc_free(rproc.as_ptr());
                    drop(Arc::from_raw(raw));
                }
                return Err(Error::from_errno(ret));
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
        let mut this = Self {
            rproc,
            watch: None,
            _ops: core::marker::PhantomData,
        };
        if let Some((ops, period_ms)) = watched {
            let watch = Watch::new(rproc, ops, period_ms)?;
            watch.queue();
            this.watch = Some(watch);
        }
        Ok(this)
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
        // No health check runs or reports from here on.
        self.watch = None;
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
