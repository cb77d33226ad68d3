// SPDX-License-Identifier: GPL-2.0

//! What `kernel::workqueue` lacks: waiting for a queued work item.

use crate::sys;
use kernel::workqueue::Work;

/// Waits until `work` is neither queued nor running. May sleep.
///
/// Used at teardown, after whatever queues the work has been stopped, so
/// that no work item runs module code after the module is gone.
pub(crate) fn flush<T: ?Sized, const ID: u64>(work: &Work<T, ID>) {
    // SAFETY: `work` is a live, initialised `Work`; `raw_get` only computes
    // the address of its `work_struct`, which `flush_work()` accepts at any
    // time after initialisation.
    unsafe { sys::flush_work(Work::raw_get(work)) };
}
