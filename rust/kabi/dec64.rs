// SPDX-License-Identifier: GPL-2.0

//! 64-bit integers shown in decimal on every kernel: a 32-bit ARM kernel's
//! `core` formats a `u64` with a 64-bit division it traps on (its
//! `__aeabi_uldivmod` is a stub), so every 64-bit value this project shows
//! in decimal goes through [`Dec`], which divides with 32-bit arithmetic
//! (`rpmsg_proto::decimal`, host-tested).

use crate::proto::decimal::decimal;
use core::{fmt, ops::Deref};
use kernel::sync::atomic::{Atomic, Relaxed};

/// A `u64` shown in decimal.
#[derive(Clone, Copy)]
pub(crate) struct Dec(pub(crate) u64);

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Ok(small) = u32::try_from(self.0) {
            return fmt::Display::fmt(&small, f);
        }
        let mut buf = [0u8; 20];
        let digits = core::str::from_utf8(decimal(self.0, &mut buf)).map_err(|_| fmt::Error)?;
        f.pad_integral(true, "", digits)
    }
}

impl fmt::Debug for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A 64-bit event counter; its debugfs file shows it through [`Dec`].
pub(crate) struct Counter(Atomic<u64>);

impl Counter {
    /// A counter at zero.
    pub(crate) fn new() -> Self {
        Self(Atomic::new(0))
    }
}

impl Deref for Counter {
    type Target = Atomic<u64>;

    fn deref(&self) -> &Atomic<u64> {
        &self.0
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Dec(self.0.load(Relaxed)), f)
    }
}
