// SPDX-License-Identifier: GPL-2.0

//! The kernel crate's API as this project uses it, on every supported
//! release. Kbuild sets `--cfg kernel_7_3` on Linux 7.3 and later; the items
//! here take 7.3's shape and adapt 7.2's, so that no driver file needs a
//! `#[cfg]` of its own.
//!
//! What differs (7.2 -> 7.3): `of_device_table!` names no module table; an
//! interrupt handler is not passed the device; `irq::Registration` borrows
//! the device it was requested for and requesting one is `unsafe`;
//! `IoMem::into_devres` returns a `DevresLt`; `smp_mb` takes an ordering;
//! `irqreturn` is a newtype; a module parameter's `value()` is a copy.

use kernel::{
    device::Bound,
    irq::{Flags, IrqReturn},
    platform,
    prelude::*,
};

/// The OF match table of a driver: `of_id_table!(TABLE, Info, [(id, info), ...])`.
#[cfg(kernel_7_3)]
macro_rules! of_id_table {
    ($table:ident, $info:ty, $ids:tt) => {
        kernel::of_device_table!($table, $info, $ids);
    };
}

/// The OF match table of a driver: `of_id_table!(TABLE, Info, [(id, info), ...])`.
#[cfg(not(kernel_7_3))]
macro_rules! of_id_table {
    ($table:ident, $info:ty, $ids:tt) => {
        kernel::of_device_table!($table, OF_MODULE_TABLE, $info, $ids);
    };
}
pub(crate) use of_id_table;

/// An interrupt handler in 7.3's shape: it is not handed the device; what
/// it needs of it, it holds.
pub(crate) trait IrqHandler: Send + Sync + 'static {
    /// Handles one interrupt in hard-IRQ context.
    fn handle(&self) -> IrqReturn;
}

/// Gives an [`IrqHandler`] the kernel crate's `irq::Handler`.
pub(crate) struct IrqAdapter<T>(T);

#[cfg(kernel_7_3)]
impl<T: IrqHandler> kernel::irq::Handler for IrqAdapter<T> {
    fn handle(&self) -> IrqReturn {
        self.0.handle()
    }
}

#[cfg(not(kernel_7_3))]
impl<T: IrqHandler> kernel::irq::Handler for IrqAdapter<T> {
    fn handle(&self, _dev: &kernel::device::Device<Bound>) -> IrqReturn {
        self.0.handle()
    }
}

/// A requested interrupt, released when dropped; `'a` is the binding of the
/// device it was requested for.
#[cfg(kernel_7_3)]
pub(crate) type IrqRegistration<'a, T> = kernel::irq::Registration<'a, IrqAdapter<T>>;

/// A requested interrupt, released when dropped; `'a` is the binding of the
/// device it was requested for (7.2 releases it at unbind through devres).
#[cfg(not(kernel_7_3))]
#[pin_data]
pub(crate) struct IrqRegistration<'a, T: IrqHandler> {
    #[pin]
    inner: kernel::irq::Registration<IrqAdapter<T>>,
    bound: core::marker::PhantomData<&'a kernel::device::Device<Bound>>,
}

/// Requests the interrupt of `pdev`'s `interrupts` entry `index` for
/// `handler`.
pub(crate) fn request_irq_by_index<'a, T: IrqHandler>(
    pdev: &'a platform::Device<Bound>,
    flags: Flags,
    index: u32,
    name: &'static CStr,
    handler: T,
) -> impl PinInit<IrqRegistration<'a, T>, Error> + 'a {
    let handler = Ok::<_, Error>(IrqAdapter(handler));
    #[cfg(kernel_7_3)]
    {
        // SAFETY: every caller keeps the registration in a pinned box of
        // its driver data, which is dropped (never forgotten) at unbind.
        unsafe { pdev.request_irq_by_index(flags, index, name, handler) }
    }
    #[cfg(not(kernel_7_3))]
    {
        try_pin_init!(IrqRegistration {
            inner <- pdev.request_irq_by_index(flags, index, name, handler),
            bound: core::marker::PhantomData,
        })
    }
}

/// A register block mapped for as long as its device is bound.
#[cfg(kernel_7_3)]
pub(crate) type DevresIoMem = kernel::io::mem::DevresIoMem;

/// A register block mapped for as long as its device is bound.
#[cfg(not(kernel_7_3))]
pub(crate) type DevresIoMem = kernel::devres::Devres<kernel::io::mem::IoMem<'static>>;

/// A full SMP memory barrier.
#[inline]
pub(crate) fn smp_mb() {
    #[cfg(kernel_7_3)]
    kernel::sync::barrier::smp_mb(kernel::sync::barrier::Full);
    #[cfg(not(kernel_7_3))]
    kernel::sync::barrier::smp_mb();
}

/// Whether a C interrupt handler's return value says it handled the line.
#[inline]
pub(crate) fn irq_handled(ret: kernel::bindings::irqreturn_t) -> bool {
    #[cfg(kernel_7_3)]
    return ret == kernel::bindings::irqreturn::IRQ_HANDLED;
    #[cfg(not(kernel_7_3))]
    return ret == kernel::bindings::irqreturn_IRQ_HANDLED;
}

/// A module parameter's current value.
#[inline]
pub(crate) fn param<T: Copy>(param: &kernel::module_param::ModuleParamAccess<T>) -> T {
    #[cfg(kernel_7_3)]
    return param.value();
    #[cfg(not(kernel_7_3))]
    return *param.value();
}
