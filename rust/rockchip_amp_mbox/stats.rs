// SPDX-License-Identifier: GPL-2.0

//! The mailbox's counters, in debugfs under
//! `/sys/kernel/debug/rockchip_amp_mbox/<device>/`.

use crate::{dec64::Dec, mailbox_controller::CHANNELS, Mailbox};
use core::fmt;
use kernel::{
    debugfs::{Dir, Scope},
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc,
    },
};

/// Per-channel counters.
struct ChannelStats {
    sent: Atomic<u64>,
    tx_completed: Atomic<u64>,
    /// A message was written and the remote has not cleared it yet.
    in_flight: Atomic<bool>,
    received: Atomic<u64>,
}

/// Every counter of one mailbox.
pub(crate) struct MboxStats {
    chans: [ChannelStats; CHANNELS],
    spurious_irqs: Atomic<u64>,
}

impl MboxStats {
    pub(crate) fn new() -> Self {
        Self {
            chans: core::array::from_fn(|_| ChannelStats {
                sent: Atomic::new(0),
                tx_completed: Atomic::new(0),
                in_flight: Atomic::new(false),
                received: Atomic::new(0),
            }),
            spurious_irqs: Atomic::new(0),
        }
    }

    pub(crate) fn sent(&self, chan: usize) {
        if let Some(c) = self.chans.get(chan) {
            c.sent.add(1, Relaxed);
            c.in_flight.store(true, Relaxed);
        }
    }

    /// Counts a completion once per message, however often it is polled.
    pub(crate) fn tx_completed(&self, chan: usize) {
        if let Some(c) = self.chans.get(chan) {
            if c.in_flight.xchg(false, Relaxed) {
                c.tx_completed.add(1, Relaxed);
            }
        }
    }

    pub(crate) fn received(&self, chan: usize) {
        if let Some(c) = self.chans.get(chan) {
            c.received.add(1, Relaxed);
        }
    }

    pub(crate) fn spurious_irq(&self) {
        self.spurious_irqs.add(1, Relaxed);
    }

    /// One `name value` line per counter; channel counters are `chN_name`.
    fn write(&self, channels: usize, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.chans.iter().enumerate().take(channels) {
            writeln!(f, "ch{i}_sent {}", Dec(c.sent.load(Relaxed)))?;
            writeln!(
                f,
                "ch{i}_tx_completed {}",
                Dec(c.tx_completed.load(Relaxed))
            )?;
            writeln!(f, "ch{i}_in_flight {}", u8::from(c.in_flight.load(Relaxed)))?;
            writeln!(f, "ch{i}_received {}", Dec(c.received.load(Relaxed)))?;
        }
        writeln!(f, "spurious_irqs {}", Dec(self.spurious_irqs.load(Relaxed)))
    }
}

/// Publishes `mbox`'s counters as `root/<name>/stats`; removed on drop.
pub(crate) fn publish<'a>(
    root: &'a Dir,
    name: &'a CStr,
    mbox: Arc<Mailbox>,
) -> impl PinInit<Scope<Arc<Mailbox>>, Error> + 'a {
    root.scope(Ok::<_, Error>(mbox), name, |mbox, dir| {
        dir.read_callback_file(c"stats", mbox, &|m: &Arc<Mailbox>, f| {
            m.stats.write(m.layout.channels, f)
        });
    })
}
