// SPDX-License-Identifier: GPL-2.0

//! A module that registers one platform driver under a driver name of its
//! choosing and owns the module-wide debugfs directory of its devices.

use crate::debugfs_root::DebugfsRoot;
use kernel::{driver::Registration, platform, prelude::*};

/// The module state: the driver registration and the debugfs directory.
#[pin_data]
pub(crate) struct PlatformModule<T: platform::Driver + 'static> {
    #[pin]
    _driver: Registration<platform::Adapter<T>>,
    /// `/sys/kernel/debug/<name>/`; declared after `_driver` so it goes
    /// after every device's subdirectory.
    _debugfs: DebugfsRoot,
}

impl<T: platform::Driver + 'static> PlatformModule<T> {
    /// Registers `T` as `driver_name` (the name dmesg lines start with) and
    /// creates `/sys/kernel/debug/<debugfs_name>/`.
    pub(crate) fn new(
        module: &'static kernel::ThisModule,
        driver_name: &'static CStr,
        debugfs_name: &'static CStr,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _debugfs: DebugfsRoot::new(debugfs_name),
            _driver <- Registration::new(driver_name, module),
        })
    }
}
