// SPDX-License-Identifier: GPL-2.0

//! Counters and their debugfs view
//! (`/sys/kernel/debug/rockchip_rpmsg/<device>/`).

use crate::{dec64::Counter, doorbell_gate, link::Link};
use core::fmt;
use kernel::{
    debugfs::{Dir, Scope, ScopedDir},
    prelude::*,
    str::CString,
    sync::{
        atomic::{Acquire, Atomic, Relaxed, Release},
        Arc,
    },
};

/// Per-link counters.
pub(crate) struct LinkStats {
    /// Doorbells handed to the mailbox (or interrupt line).
    pub(crate) doorbells_sent: Counter,
    /// Notifies that found a doorbell in flight and were owed the next one.
    pub(crate) doorbells_coalesced: Counter,
    /// ... owed doorbells sent when the one in flight completed (part of
    /// `doorbells_sent`).
    pub(crate) doorbells_deferred: Counter,
    /// Doorbells the mailbox refused (never expected; see `ring`).
    pub(crate) doorbell_send_errors: Counter,
    /// Doorbells the controller reported as failed.
    pub(crate) doorbell_tx_errors: Counter,
    /// Doorbells received from the remote, good or bad.
    pub(crate) doorbells_received: Counter,
    /// Received doorbells that were ignored (bad magic or link id).
    pub(crate) bad_doorbells: Counter,
    /// ... of which had a bad magic word.
    pub(crate) bad_magic: Counter,
    /// ... of which named another link.
    pub(crate) bad_link_id: Counter,
    /// Good doorbells that arrived while a service run was already queued.
    pub(crate) doorbells_merged: Counter,
    /// Service runs of the rx work.
    pub(crate) rx_work_runs: Counter,
    /// Service runs queued when a virtio driver became ready (DRIVER_OK),
    /// for buffers the remote used while callbacks were still off.
    pub(crate) ready_runs: Counter,
    /// 1 once the remote has rung a valid doorbell.
    pub(crate) remote_ready: Atomic<u32>,
    /// The doorbell gate's state (`doorbell_gate`).
    pub(crate) gate: Atomic<u32>,
    /// A send failure was reported (later ones are only counted).
    pub(crate) reported_send_error: Atomic<bool>,
    /// A bad magic was reported.
    pub(crate) reported_bad_magic: Atomic<bool>,
    /// A wrong link id was reported.
    pub(crate) reported_bad_link_id: Atomic<bool>,
}

impl LinkStats {
    pub(crate) fn new() -> Self {
        Self {
            doorbells_sent: Counter::new(),
            doorbells_coalesced: Counter::new(),
            doorbells_deferred: Counter::new(),
            doorbell_send_errors: Counter::new(),
            doorbell_tx_errors: Counter::new(),
            doorbells_received: Counter::new(),
            bad_doorbells: Counter::new(),
            bad_magic: Counter::new(),
            bad_link_id: Counter::new(),
            doorbells_merged: Counter::new(),
            rx_work_runs: Counter::new(),
            ready_runs: Counter::new(),
            remote_ready: Atomic::new(0),
            gate: Atomic::new(doorbell_gate::IDLE),
            reported_send_error: Atomic::new(false),
            reported_bad_magic: Atomic::new(false),
            reported_bad_link_id: Atomic::new(false),
        }
    }
}

/// Shows the gate word as the number of doorbells in flight or owed (0..2).
fn show_outstanding(gate: &Atomic<u32>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "{}", doorbell_gate::outstanding(gate.load(Relaxed)))
}

/// Per-instance counters and the device status.
pub(crate) struct InstanceStats {
    /// The virtio status byte the driver last set.
    pub(crate) status: Atomic<u32>,
    /// Notifies on the receive queue.
    pub(crate) rvq_notifies: Counter,
    /// ... not forwarded (only the first one is: the remote learns of
    /// replenished rx buffers by polling, not by doorbell).
    pub(crate) rvq_notifies_skipped: Counter,
    /// Notifies on the send queue.
    pub(crate) tvq_notifies: Counter,
    /// Receive-queue callbacks that found used buffers.
    pub(crate) rvq_interrupts: Counter,
    /// Send-queue callbacks that found used buffers.
    pub(crate) tvq_interrupts: Counter,
    /// Whether the first (handshake) rvq notify went out.
    pub(crate) rvq_handshake_done: Atomic<bool>,
    /// Times the remote's used index ran past the available index.
    pub(crate) bad_used_index: Counter,
    /// Set when the remote broke a ring; the instance is not serviced again.
    pub(crate) halted: Atomic<bool>,
}

impl InstanceStats {
    pub(crate) fn new() -> Self {
        Self {
            status: Atomic::new(0),
            rvq_notifies: Counter::new(),
            rvq_notifies_skipped: Counter::new(),
            tvq_notifies: Counter::new(),
            rvq_interrupts: Counter::new(),
            tvq_interrupts: Counter::new(),
            rvq_handshake_done: Atomic::new(false),
            bad_used_index: Counter::new(),
            halted: Atomic::new(false),
        }
    }

    /// Stores the status byte; what the driver set up before is visible to
    /// whoever reads it with [`Self::status`].
    pub(crate) fn set_status(&self, status: u8) {
        self.status.store(u32::from(status), Release);
    }

    /// The status byte the driver last set.
    pub(crate) fn status(&self) -> u8 {
        // Only the low byte is ever stored.
        (self.status.load(Acquire) & 0xff) as u8
    }
}

fn link_files<'data>(link: &'data Arc<Link>, dir: &ScopedDir<'data, '_>) {
    let s = &link.stats;
    dir.read_only_file(c"doorbells_sent", &s.doorbells_sent);
    dir.read_only_file(c"doorbells_coalesced", &s.doorbells_coalesced);
    dir.read_only_file(c"doorbells_deferred", &s.doorbells_deferred);
    dir.read_only_file(c"doorbell_send_errors", &s.doorbell_send_errors);
    dir.read_only_file(c"doorbell_tx_errors", &s.doorbell_tx_errors);
    dir.read_only_file(c"doorbells_received", &s.doorbells_received);
    dir.read_only_file(c"bad_doorbells", &s.bad_doorbells);
    dir.read_only_file(c"bad_magic", &s.bad_magic);
    dir.read_only_file(c"bad_link_id", &s.bad_link_id);
    dir.read_only_file(c"doorbells_merged", &s.doorbells_merged);
    dir.read_only_file(c"rx_work_runs", &s.rx_work_runs);
    dir.read_only_file(c"ready_runs", &s.ready_runs);
    dir.read_only_file(c"remote_ready", &s.remote_ready);
    dir.read_callback_file(c"doorbells_outstanding", &s.gate, &show_outstanding);
    for (i, instance) in link.instances.iter().enumerate() {
        let Ok(name) = CString::try_from_fmt(fmt!("vdev{i}")) else {
            continue;
        };
        let sub = dir.dir(&name);
        let st = &instance.stats;
        sub.read_only_file(c"status", &st.status);
        sub.read_only_file(c"rvq_notifies", &st.rvq_notifies);
        sub.read_only_file(c"rvq_notifies_skipped", &st.rvq_notifies_skipped);
        sub.read_only_file(c"tvq_notifies", &st.tvq_notifies);
        sub.read_only_file(c"rvq_interrupts", &st.rvq_interrupts);
        sub.read_only_file(c"tvq_interrupts", &st.tvq_interrupts);
        sub.read_only_file(c"bad_used_index", &st.bad_used_index);
        sub.read_only_file(c"halted", &st.halted);
    }
}

/// Publishes `link`'s counters under `root/<name>/`; removed on drop.
pub(crate) fn publish<'a>(
    root: &'a Dir,
    name: &'a CStr,
    link: Arc<Link>,
) -> impl PinInit<Scope<Arc<Link>>, Error> + 'a {
    root.scope(Ok::<_, Error>(link), name, |link, dir| {
        link_files(link, dir)
    })
}
