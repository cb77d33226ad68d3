// SPDX-License-Identifier: GPL-2.0

//! The doorbell link to the remote core: sending coalesced doorbells,
//! checking and counting received ones, and servicing every instance's
//! virtqueues when one arrives.

use crate::{
    doorbell_gate::{self, OnNotify, OnTxDone},
    irq_line::IrqLine,
    layout,
    mailbox::MboxMsg,
    mailbox_client::{Client, ClientHandler, Sender},
    ring_check,
    service_thread::{ServiceThread, ThreadService},
    stats::{InstanceStats, LinkStats},
    virtio::Virtqueues,
};
use kernel::{
    device::{Bound, Device},
    irq::IrqReturn,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{Atomic, Full, Relaxed},
        Arc,
    },
};

/// One virtio device's state the link needs.
pub(crate) struct Instance {
    /// Its virtqueues.
    pub(crate) vqs: Arc<Virtqueues>,
    /// Its counters and status.
    pub(crate) stats: InstanceStats,
}

/// Shared by the mailbox callbacks, the virtio transports and the rx thread.
pub(crate) struct Link {
    /// The rpmsg node, for messages.
    dev: ARef<Device>,
    /// `rockchip,link-id`, the doorbell's command word.
    pub(crate) link_id: u8,
    /// Counters shown in debugfs.
    pub(crate) stats: LinkStats,
    /// Every instance on this link.
    pub(crate) instances: KVec<Arc<Instance>>,
}

/// The thread that services a link's virtqueues after a doorbell, in
/// process context: rpmsg endpoint callbacks (the name service creating
/// channels among them) may sleep.
pub(crate) type RxThread = ServiceThread<Arc<Link>>;

impl ThreadService for Arc<Link> {
    fn run(&self) {
        self.stats.rx_work_runs.add(1, Relaxed);
        for (i, instance) in self.instances.iter().enumerate() {
            if instance.stats.halted.load(Relaxed) {
                continue;
            }
            // Under the virtqueues' lock, and only while the virtio driver
            // has them live: a reset waits for this and stops the next.
            instance.vqs.service(|vqs| {
                // Only vring0 is checked: Linux adds to it only from this
                // callback, so its available index cannot move under the
                // check. vring1's grows under rpmsg's tx lock meanwhile.
                if let Err(bad) = ring_check::check(vqs.region(), vqs.layout(), 0) {
                    // Reading on would hand stale buffers to rpmsg; stop
                    // this instance until the driver is rebound.
                    instance.stats.halted.store(true, Relaxed);
                    instance.stats.bad_used_index.add(1, Relaxed);
                    dev_err!(
                        &*self.dev,
                        "vdev{}: remote wrote used index {} beyond available index {} on vring0; instance stopped until rebind\n",
                        i,
                        bad.used,
                        bad.avail
                    );
                    return;
                }
                // Used rx buffers first, then tx completions (wakes senders
                // that wait for a free tx buffer).
                if vqs.interrupt(0) {
                    instance.stats.rvq_interrupts.add(1, Relaxed);
                }
                if vqs.interrupt(1) {
                    instance.stats.tvq_interrupts.add(1, Relaxed);
                }
            });
        }
    }
}

/// Applies `step` to `state` with compare-and-swap until it sticks; returns
/// what the winning step decided.
fn transition<A>(state: &Atomic<u32>, step: impl Fn(u32) -> (u32, A)) -> A {
    let mut now = state.load(Relaxed);
    loop {
        let (next, action) = step(now);
        match state.cmpxchg(now, next, Full) {
            Ok(_) => return action,
            Err(seen) => now = seen,
        }
    }
}

impl Link {
    /// Creates the link for `instances`.
    pub(crate) fn new(
        dev: &Device<Bound>,
        link_id: u8,
        instances: KVec<Arc<Instance>>,
    ) -> Result<Arc<Self>> {
        let dev: &Device = dev;
        Ok(Arc::new(
            Self {
                dev: dev.into(),
                link_id,
                stats: LinkStats::new(),
                instances,
            },
            GFP_KERNEL,
        )?)
    }

    /// The rpmsg node.
    pub(crate) fn dev(&self) -> &Device {
        &self.dev
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
                    if first_report(&self.stats.reported_send_error) {
                        dev_err!(
                            &*self.dev,
                            "doorbell interrupt {} failed: {:?} (further failures only counted)\n",
                            line.number(),
                            e
                        );
                    }
                }
            },
        }
    }

    /// Rings through the mailbox, or, with a doorbell in flight, makes the
    /// gate owe one that goes out when it completes.
    fn ring_mailbox(&self, client: &Client<DoorbellRx>) {
        match transition(&self.stats.gate, doorbell_gate::notify) {
            OnNotify::Send => self.send_doorbell(&client.sender()),
            OnNotify::Coalesced => {
                self.stats.doorbells_coalesced.add(1, Relaxed);
            }
        }
    }

    /// The doorbell in flight completed: send the owed one, if any.
    fn doorbell_completed(&self, tx: &Sender<'_, DoorbellRx>) {
        if transition(&self.stats.gate, doorbell_gate::tx_done) == OnTxDone::SendOwed {
            self.stats.doorbells_deferred.add(1, Relaxed);
            self.send_doorbell(tx);
        }
    }

    /// Hands the doorbell the gate let through to the mailbox.
    fn send_doorbell(&self, tx: &Sender<'_, DoorbellRx>) {
        let Err(e) = tx.send(layout::MBOX_TX) else {
            self.stats.doorbells_sent.add(1, Relaxed);
            return;
        };
        // Only a channel being freed refuses (the gate never queues into
        // the mailbox core): the gate opens again.
        self.stats.doorbell_send_errors.add(1, Relaxed);
        let owed_lost = transition(&self.stats.gate, doorbell_gate::send_failed);
        if first_report(&self.stats.reported_send_error) {
            dev_err!(
                &*self.dev,
                "doorbell send failed: {:?}{} (further failures only counted)\n",
                e,
                if owed_lost {
                    ", with a doorbell owed to earlier notifies"
                } else {
                    ""
                }
            );
        }
    }
}

/// True the first time it is called with `flag` (one of a link's
/// `reported_*` flags): messages a remote can provoke at any rate are
/// printed once per link, then only counted.
fn first_report(flag: &Atomic<bool>) -> bool {
    !flag.xchg(true, Relaxed)
}

/// A valid doorbell arrived: have `rx`'s thread service the virtqueues.
fn doorbell_arrived(rx: &RxThread) {
    let stats = &rx.service().stats;
    stats.remote_ready.store(1, Relaxed);
    // A run still pending will see this doorbell's work too.
    if !rx.kick() {
        stats.doorbells_merged.add(1, Relaxed);
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
    /// The thread servicing the link the doorbells belong to.
    pub(crate) rx: Arc<RxThread>,
}

impl crate::compat::IrqHandler for DoorbellIrq {
    fn handle(&self) -> IrqReturn {
        // The line carries no message to check: every interrupt is ours.
        self.rx.service().stats.doorbells_received.add(1, Relaxed);
        doorbell_arrived(&self.rx);
        IrqReturn::Handled
    }
}

/// The mailbox client's handler: receives doorbells and tx completions.
pub(crate) struct DoorbellRx {
    /// The thread servicing the link the doorbells belong to.
    pub(crate) rx: Arc<RxThread>,
}

impl ClientHandler for DoorbellRx {
    fn received(&self, msg: Option<MboxMsg>) {
        let link = self.rx.service();
        let stats = &link.stats;
        stats.doorbells_received.add(1, Relaxed);
        let Some(msg) = msg else {
            stats.bad_doorbells.add(1, Relaxed);
            return;
        };
        if msg.data != layout::DOORBELL_MAGIC {
            stats.bad_doorbells.add(1, Relaxed);
            stats.bad_magic.add(1, Relaxed);
            if first_report(&stats.reported_bad_magic) {
                dev_warn!(
                    &*link.dev,
                    "doorbell with bad magic {:#x} ignored (further ones only counted in debugfs)\n",
                    msg.data
                );
            }
            return;
        }
        if msg.cmd != u32::from(link.link_id) {
            stats.bad_doorbells.add(1, Relaxed);
            stats.bad_link_id.add(1, Relaxed);
            if first_report(&stats.reported_bad_link_id) {
                dev_warn!(
                    &*link.dev,
                    "doorbell for link {:#x} ignored, ours is {:#x} (further ones only counted in debugfs)\n",
                    msg.cmd,
                    link.link_id
                );
            }
            return;
        }
        doorbell_arrived(&self.rx);
    }

    fn tx_done(&self, result: i32, tx: &Sender<'_, Self>) {
        if result < 0 {
            self.rx.service().stats.doorbell_tx_errors.add(1, Relaxed);
        }
        // A failed transmission frees the channel too; what was owed still
        // goes out.
        self.rx.service().doorbell_completed(tx);
    }
}
