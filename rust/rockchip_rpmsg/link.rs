// SPDX-License-Identifier: GPL-2.0

//! The doorbell link to the remote core: sending coalesced doorbells,
//! checking and counting received ones, and servicing every instance's
//! virtqueues when one arrives.

use crate::{
    irq_line::IrqLine,
    layout,
    mailbox::MboxMsg,
    mailbox_client::{Client, ClientHandler},
    ring_check,
    stats::{InstanceStats, LinkStats},
    virtio::Virtqueues,
};
use kernel::{
    device::{Bound, Device},
    irq::{self, IrqReturn},
    pr_err_once, pr_warn_once,
    prelude::*,
    sync::{
        atomic::{Full, Relaxed},
        Arc,
    },
    workqueue::{self, impl_has_work, new_work, Work, WorkItem},
};

/// Doorbells allowed in the mailbox at once: one being transmitted and one
/// waiting behind it. A third would carry no news, because the waiting one
/// is only sent after the remote took the first, so it already makes the
/// remote look at the rings again.
const MAX_OUTSTANDING: u32 = 2;

/// One virtio device's state the link needs.
pub(crate) struct Instance {
    /// Its virtqueues.
    pub(crate) vqs: Arc<Virtqueues>,
    /// Its counters and status.
    pub(crate) stats: InstanceStats,
}

/// Shared by the mailbox callbacks, the virtio transports and the rx work.
#[pin_data]
pub(crate) struct Link {
    /// `rockchip,link-id`, the doorbell's command word.
    pub(crate) link_id: u8,
    /// Counters shown in debugfs.
    pub(crate) stats: LinkStats,
    /// Every instance on this link.
    pub(crate) instances: KVec<Arc<Instance>>,
    /// Services the virtqueues after a doorbell, in process context.
    #[pin]
    pub(crate) rx_work: Work<Link>,
}

impl_has_work! {
    impl HasWork<Self> for Link { self.rx_work }
}

impl WorkItem for Link {
    type Pointer = Arc<Link>;

    fn run(this: Arc<Link>) {
        this.stats.rx_work_runs.add(1, Relaxed);
        for (i, instance) in this.instances.iter().enumerate() {
            if !instance.stats.driver_ok() || instance.stats.halted.load(Relaxed) {
                continue;
            }
            let broken = (0..2).find_map(|queue| {
                ring_check::check(instance.vqs.region(), instance.vqs.layout(), queue)
                    .err()
                    .map(|bad| (queue, bad))
            });
            if let Some((queue, bad)) = broken {
                // Reading on would hand stale buffers to rpmsg; stop this
                // instance until the driver is rebound.
                instance.stats.halted.store(true, Relaxed);
                instance.stats.bad_used_index.add(1, Relaxed);
                pr_err!(
                    "vdev{}: remote wrote used index {} beyond available index {} on vring{}; instance stopped until rebind\n",
                    i,
                    bad.used,
                    bad.avail,
                    queue
                );
                continue;
            }
            // Used rx buffers first, then tx completions (wakes senders that
            // wait for a free tx buffer).
            if instance.vqs.interrupt(0) {
                instance.stats.rvq_interrupts.add(1, Relaxed);
            }
            if instance.vqs.interrupt(1) {
                instance.stats.tvq_interrupts.add(1, Relaxed);
            }
        }
    }
}

impl Link {
    /// Creates the link for `instances`.
    pub(crate) fn new(link_id: u8, instances: KVec<Arc<Instance>>) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Self {
                link_id,
                stats: LinkStats::new(),
                instances,
                rx_work <- new_work!("rockchip_rpmsg::rx_work"),
            }),
            GFP_KERNEL,
        )
    }

    /// The doorbell both directions carry.
    pub(crate) fn doorbell_message(&self) -> MboxMsg {
        MboxMsg {
            cmd: u32::from(self.link_id),
            data: layout::DOORBELL_MAGIC,
        }
    }

    /// Rings the remote. Never fails: a failed notify would break the
    /// virtqueue for good, so errors are counted and reported instead.
    pub(crate) fn ring(&self, bell: &Bell) {
        match bell {
            Bell::Mailbox(client) => self.ring_mailbox(client),
            Bell::Interrupt(line) => match line.set_pending() {
                // A line already pending absorbs the ring, as coalescing would.
                Ok(()) => self.stats.doorbells_sent.add(1, Relaxed),
                Err(e) => {
                    self.stats.doorbell_send_errors.add(1, Relaxed);
                    pr_err_once!("doorbell interrupt {} failed: {:?}\n", line.number(), e);
                }
            },
        }
    }

    /// A valid doorbell arrived: service the virtqueues in process context.
    fn doorbell_arrived(self: &Arc<Self>) {
        self.stats.remote_ready.store(1, Relaxed);
        // Already queued means the queued run will see this doorbell's work.
        if workqueue::system_highpri().enqueue(self.clone()).is_err() {
            self.stats.doorbells_merged.add(1, Relaxed);
        }
    }

    /// Rings through the mailbox unless a doorbell is already waiting there.
    fn ring_mailbox(&self, client: &Client<DoorbellRx>) {
        let mut outstanding = self.stats.outstanding.load(Relaxed);
        loop {
            if outstanding >= MAX_OUTSTANDING {
                self.stats.doorbells_coalesced.add(1, Relaxed);
                return;
            }
            match self
                .stats
                .outstanding
                .cmpxchg(outstanding, outstanding + 1, Full)
            {
                Ok(_) => break,
                Err(now) => outstanding = now,
            }
        }
        match client.send(layout::MBOX_TX) {
            Ok(()) => self.stats.doorbells_sent.add(1, Relaxed),
            Err(e) => {
                self.stats.outstanding.fetch_sub(1, Full);
                self.stats.doorbell_send_errors.add(1, Relaxed);
                pr_err_once!("doorbell send failed: {:?}\n", e);
            }
        }
    }
}

/// How this link rings the remote core.
#[derive(Clone)]
pub(crate) enum Bell {
    /// A mailbox channel pair (`mboxes`): `{link-id, magic}` messages.
    Mailbox(Arc<Client<DoorbellRx>>),
    /// The mailbox-less variant: an interrupt line routed to the remote
    /// core, set pending to ring it.
    Interrupt(IrqLine),
}

impl Bell {
    /// Stops ringing and receiving through the mailbox (the interrupt
    /// variant stops when its rx registration is dropped).
    pub(crate) fn close(&self) {
        if let Bell::Mailbox(client) = self {
            client.close();
        }
    }
}

/// The mailbox-less variant's rx interrupt: the remote set it pending.
pub(crate) struct DoorbellIrq {
    /// The link the doorbells belong to.
    pub(crate) link: Arc<Link>,
}

impl irq::Handler for DoorbellIrq {
    fn handle(&self, _dev: &Device<Bound>) -> IrqReturn {
        // The line carries no message to check: every interrupt is ours.
        self.link.stats.doorbells_received.add(1, Relaxed);
        self.link.doorbell_arrived();
        IrqReturn::Handled
    }
}

/// The mailbox client's handler: receives doorbells and tx completions.
pub(crate) struct DoorbellRx {
    /// The link the doorbells belong to.
    pub(crate) link: Arc<Link>,
}

impl ClientHandler for DoorbellRx {
    fn received(&self, msg: Option<MboxMsg>) {
        let stats = &self.link.stats;
        stats.doorbells_received.add(1, Relaxed);
        let Some(msg) = msg else {
            stats.bad_doorbells.add(1, Relaxed);
            return;
        };
        if msg.data != layout::DOORBELL_MAGIC {
            stats.bad_doorbells.add(1, Relaxed);
            stats.bad_magic.add(1, Relaxed);
            pr_warn_once!(
                "doorbell with bad magic {:#x} ignored (counted in debugfs)\n",
                msg.data
            );
            return;
        }
        if msg.cmd != u32::from(self.link.link_id) {
            stats.bad_doorbells.add(1, Relaxed);
            stats.bad_link_id.add(1, Relaxed);
            pr_warn_once!(
                "doorbell for link {:#x} ignored, ours is {:#x}\n",
                msg.cmd,
                self.link.link_id
            );
            return;
        }
        self.link.doorbell_arrived();
    }

    fn tx_done(&self, result: i32) {
        let stats = &self.link.stats;
        stats.release_outstanding();
        if result < 0 {
            stats.doorbell_tx_errors.add(1, Relaxed);
        }
    }
}
