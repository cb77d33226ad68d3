// SPDX-License-Identifier: GPL-2.0

//! The simulated remote core: takes Linux's doorbells off the mailbox, runs
//! RT-Thread's side of the rings, and rings Linux back.

use crate::{
    mailbox::MboxMsg,
    mailbox_controller::{Controller, ControllerOps},
    proto::{
        layout::{Doorbell, DOORBELL_MAGIC},
        remote::{
            parse_source, Counters, Endpoint, EndpointKind, Fault, ProtocolError, Remote,
            RemoteHost, OUTQ_BYTES,
        },
    },
    shared_mem::SharedRegion,
};
use core::fmt;
use kernel::{
    new_mutex, new_spinlock,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, Mutex, SpinLock,
    },
    time::{delay::fsleep, Delta},
    workqueue::{self, impl_has_work, new_work, Work, WorkItem},
};

/// Mailbox channel Linux receives on (`mboxes` entry 0, "rpmsg-rx").
pub(crate) const CHAN_TO_LINUX: usize = 0;
/// Mailbox channel Linux sends on (`mboxes` entry 1, "rpmsg-tx").
pub(crate) const CHAN_FROM_LINUX: usize = 1;

/// How long the remote keeps polling for rx buffers before it waits for
/// the next doorbell instead.
const BUFFER_POLL_LIMIT: u32 = 5000;

/// Which endpoints the remote offers besides `rpmsg_chrdev`.
pub(crate) struct EndpointChoice {
    /// Announce `rpmsg-client-sample` (upstream sample client).
    pub(crate) client_sample: bool,
    /// Announce `rpmsg-raw` (rpmsg_char creates `/dev/rpmsgN` itself).
    pub(crate) raw: bool,
    /// Print `message:<text> len:<n>` for every echoed message.
    pub(crate) log_messages: bool,
    /// Time the remote takes from link-up to announcing its endpoints.
    pub(crate) announce_delay_ms: u32,
}

/// Address of the consume-only endpoint (not announced; for one-way load).
pub(crate) const SINK_ADDR: u32 = 0x3003;

/// A doorbell fault the simulator itself applies (the ring faults live in
/// the protocol engine).
#[derive(Clone, Copy)]
enum DoorbellFault {
    BadMagic,
    WrongLink,
    Storm(u32),
}

/// Simulator-level counters (the engines count the rest).
struct SimCounters {
    doorbells_in: Atomic<u64>,
    bad_doorbells_in: Atomic<u64>,
    doorbells_out: Atomic<u64>,
    faulty_doorbells_out: Atomic<u64>,
    protocol_errors_logged: Atomic<u64>,
}

/// Everything the remote core's "firmware" keeps.
struct Firmware {
    remotes: KVec<Remote<KVec<u8>>>,
    pending_faults: KVec<DoorbellFault>,
}

/// The simulated remote core.
#[pin_data]
pub(crate) struct Sim {
    link_id: u8,
    rings: SharedRegion,
    pool: SharedRegion,
    log_messages: bool,
    announce_delay_ms: u32,
    /// The A2B status bit: set when Linux writes a doorbell, cleared when
    /// the remote takes it.
    a2b_pending: Atomic<bool>,
    a2b_msg_cmd: Atomic<u32>,
    a2b_msg_data: Atomic<u32>,
    /// Linux holds the tx channel (between startup and shutdown).
    linux_present: Atomic<bool>,
    stopping: Atomic<bool>,
    counters: SimCounters,
    #[pin]
    firmware: Mutex<Firmware>,
    /// Held while delivering to Linux, so delivery is in atomic context.
    #[pin]
    delivery: SpinLock<Option<Arc<Controller<SimOps>>>>,
    #[pin]
    work: Work<Sim>,
}

impl_has_work! {
    impl HasWork<Self> for Sim { self.work }
}

impl Sim {
    /// Creates the simulator for `vdevs` instances over the mapped regions.
    pub(crate) fn new(
        link_id: u8,
        vdevs: usize,
        rings: SharedRegion,
        pool: SharedRegion,
        choice: &EndpointChoice,
    ) -> Result<Arc<Self>> {
        let mut remotes = KVec::with_capacity(vdevs, GFP_KERNEL)?;
        for i in 0..vdevs {
            let storage = KVec::from_elem(0u8, OUTQ_BYTES, GFP_KERNEL)?;
            let mut remote = Remote::new(i, pool.phys(), storage).map_err(|_| EINVAL)?;
            let eps = remote.endpoints_mut();
            let extra = [
                (
                    choice.client_sample,
                    "rpmsg-client-sample",
                    0x3001,
                    EndpointKind::Echo,
                    true,
                ),
                (choice.raw, "rpmsg-raw", 0x3002, EndpointKind::Echo, true),
                (true, "rpmsg-sink", SINK_ADDR, EndpointKind::Consume, false),
            ];
            for (wanted, name, addr, kind, announce) in extra {
                if wanted {
                    let ep = Endpoint::new(name, addr, kind, announce).map_err(|_| EINVAL)?;
                    eps.add(ep).map_err(|_| EINVAL)?;
                }
            }
            remotes.push(remote, GFP_KERNEL)?;
        }
        Arc::pin_init(
            pin_init!(Self {
                link_id,
                rings,
                pool,
                log_messages: choice.log_messages,
                announce_delay_ms: choice.announce_delay_ms,
                a2b_pending: Atomic::new(false),
                a2b_msg_cmd: Atomic::new(0),
                a2b_msg_data: Atomic::new(0),
                linux_present: Atomic::new(false),
                stopping: Atomic::new(false),
                counters: SimCounters {
                    doorbells_in: Atomic::new(0),
                    bad_doorbells_in: Atomic::new(0),
                    doorbells_out: Atomic::new(0),
                    faulty_doorbells_out: Atomic::new(0),
                    protocol_errors_logged: Atomic::new(0),
                },
                firmware <- new_mutex!(Firmware { remotes, pending_faults: KVec::new() }),
                delivery <- new_spinlock!(None),
                work <- new_work!("rpmsg_remote_sim::work"),
            }),
            GFP_KERNEL,
        )
    }

    fn awaiting_announcement(&self) -> bool {
        self.firmware.lock().remotes.iter().any(|r| !r.announced())
    }

    /// Connects the controller doorbells to Linux go through.
    pub(crate) fn attach(&self, controller: Arc<Controller<SimOps>>) {
        *self.delivery.lock() = Some(controller);
    }

    /// Stops the remote: no more work, no more doorbells to Linux.
    pub(crate) fn stop(&self) -> Option<Arc<Controller<SimOps>>> {
        self.stopping.store(true, Relaxed);
        self.delivery.lock().take()
    }

    /// Rings Linux with `msg`, from atomic context (the lock disables
    /// preemption), as strict as a hard interrupt handler on the board.
    fn ring_linux(&self, msg: MboxMsg) -> bool {
        let delivery = self.delivery.lock();
        match delivery.as_ref() {
            Some(controller) => {
                controller.deliver(CHAN_TO_LINUX, msg);
                self.counters.doorbells_out.add(1, Relaxed);
                true
            }
            None => false,
        }
    }

    fn good_doorbell(&self) -> MboxMsg {
        let d = Doorbell::new(u32::from(self.link_id));
        MboxMsg {
            cmd: d.cmd,
            data: d.data,
        }
    }

    /// Applies a fault knob written to debugfs. Returns `EINVAL` for an
    /// unknown knob.
    pub(crate) fn inject(self: &Arc<Self>, knob: &str) -> Result {
        let knob = knob.trim();
        let doorbell_fault = match knob {
            "bad-magic" => Some(DoorbellFault::BadMagic),
            "bad-link-id" => Some(DoorbellFault::WrongLink),
            _ => match knob.strip_prefix("storm=") {
                Some(n) => Some(DoorbellFault::Storm(
                    n.trim().parse::<u32>().map_err(|_| EINVAL)?,
                )),
                None => None,
            },
        };
        {
            let mut fw = self.firmware.lock();
            if let Some(f) = doorbell_fault {
                fw.pending_faults.push(f, GFP_KERNEL)?;
            } else if knob == "clear" {
                for r in fw.remotes.iter_mut() {
                    r.clear_faults();
                }
            } else if knob == "kick" {
                // Just run the firmware loop once.
            } else if let Some((dst, count, size)) = parse_source(knob) {
                // One-way traffic to Linux, for the benchmarks.
                let first = fw.remotes.get_mut(0).ok_or(EINVAL)?;
                first.start_source(dst, count, size).map_err(|_| EINVAL)?;
            } else {
                let fault = Fault::parse(knob).ok_or(EINVAL)?;
                for r in fw.remotes.iter_mut() {
                    r.inject(fault);
                }
            }
        }
        let _ = workqueue::system_long().enqueue(self.clone());
        Ok(())
    }

    /// Checks every descriptor Linux made available: all must be in the pool.
    pub(crate) fn audit(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fw = self.firmware.lock();
        let mut clean = true;
        for (i, r) in fw.remotes.iter().enumerate() {
            if let Some(finding) = r.audit(&self.rings, self.pool.phys(), self.pool.size()) {
                clean = false;
                writeln!(f, "vdev{i}: {finding:?}")?;
            }
        }
        if clean {
            writeln!(f, "ok")?;
        }
        Ok(())
    }

    /// Prints the counters, summed over instances, one `name value` a line.
    pub(crate) fn write_stats(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sum = Counters::default();
        let fw = self.firmware.lock();
        for r in fw.remotes.iter() {
            let c = r.counters();
            sum.messages_in += c.messages_in;
            sum.messages_out += c.messages_out;
            sum.consumed += c.consumed;
            sum.suppressed_notifications += c.suppressed_notifications;
            sum.waits_for_buffers += c.waits_for_buffers;
            sum.protocol_errors += c.protocol_errors;
            sum.dropped_unknown += c.dropped_unknown;
            sum.faults_applied += c.faults_applied;
            sum.source_sent += c.source_sent;
        }
        drop(fw);
        let c = &self.counters;
        writeln!(f, "doorbells_in {}", c.doorbells_in.load(Relaxed))?;
        writeln!(f, "bad_doorbells_in {}", c.bad_doorbells_in.load(Relaxed))?;
        writeln!(f, "doorbells_out {}", c.doorbells_out.load(Relaxed))?;
        writeln!(
            f,
            "faulty_doorbells_out {}",
            c.faulty_doorbells_out.load(Relaxed)
        )?;
        writeln!(f, "messages_in {}", sum.messages_in)?;
        writeln!(f, "messages_out {}", sum.messages_out)?;
        writeln!(f, "consumed {}", sum.consumed)?;
        writeln!(
            f,
            "suppressed_notifications {}",
            sum.suppressed_notifications
        )?;
        writeln!(f, "waits_for_buffers {}", sum.waits_for_buffers)?;
        writeln!(f, "protocol_errors {}", sum.protocol_errors)?;
        writeln!(f, "dropped_unknown {}", sum.dropped_unknown)?;
        writeln!(f, "faults_applied {}", sum.faults_applied)?;
        writeln!(f, "source_sent {}", sum.source_sent)
    }

    /// Takes the doorbell Linux left in the A2B registers, if any.
    fn take_doorbell(&self) -> Option<MboxMsg> {
        if !self.a2b_pending.load(Relaxed) {
            return None;
        }
        let msg = MboxMsg {
            cmd: self.a2b_msg_cmd.load(Relaxed),
            data: self.a2b_msg_data.load(Relaxed),
        };
        // Clearing the status bit is what completes Linux's transmission.
        self.a2b_pending.store(false, Relaxed);
        Some(msg)
    }

    /// One pass of the firmware loop. Returns whether rx buffers ran out
    /// with messages still queued.
    fn firmware_pass(&self) -> bool {
        let doorbell = self.take_doorbell();
        let mut fw = self.firmware.lock();
        if let Some(msg) = doorbell {
            self.counters.doorbells_in.add(1, Relaxed);
            let ok = msg.data == DOORBELL_MAGIC && msg.cmd == u32::from(self.link_id);
            if !ok {
                self.counters.bad_doorbells_in.add(1, Relaxed);
            }
            for r in fw.remotes.iter_mut() {
                r.note_doorbell_in();
            }
        }
        let faults = core::mem::take(&mut fw.pending_faults);
        let mut host = Host { sim: self };
        let mut retry = false;
        for r in fw.remotes.iter_mut() {
            let outcome = r.service(&self.rings, &self.pool, &mut host);
            retry |= outcome.retry_needed;
        }
        drop(fw);
        for fault in faults.iter() {
            self.apply_doorbell_fault(*fault);
        }
        retry
    }

    fn apply_doorbell_fault(&self, fault: DoorbellFault) {
        let good = self.good_doorbell();
        let (msg, count) = match fault {
            DoorbellFault::BadMagic => (
                MboxMsg {
                    data: Doorbell::with_bad_magic(u32::from(self.link_id)).data,
                    ..good
                },
                1,
            ),
            DoorbellFault::WrongLink => (
                MboxMsg {
                    cmd: Doorbell::with_wrong_link(u32::from(self.link_id)).cmd,
                    ..good
                },
                1,
            ),
            DoorbellFault::Storm(n) => (good, n),
        };
        for _ in 0..count {
            if self.ring_linux(msg) && msg != good {
                self.counters.faulty_doorbells_out.add(1, Relaxed);
            }
        }
    }
}

/// Connects the engine's callbacks to the kernel.
struct Host<'a> {
    sim: &'a Sim,
}

impl RemoteHost for Host<'_> {
    fn ring_doorbell(&mut self) -> bool {
        self.sim.ring_linux(self.sim.good_doorbell())
    }

    fn message(&mut self, _ep_addr: u32, payload: &[u8]) {
        if !self.sim.log_messages {
            return;
        }
        // RT-Thread's echo prints the text it got.
        let text = payload.split(|b| *b == 0).next().unwrap_or(&[]);
        match core::str::from_utf8(text) {
            Ok(text) => pr_info!("message:{} len:{}\n", text, payload.len()),
            Err(_) => pr_info!(
                "message:<{} binary bytes> len:{}\n",
                payload.len(),
                payload.len()
            ),
        }
    }

    fn protocol_error(&mut self, err: ProtocolError) {
        let logged = self
            .sim
            .counters
            .protocol_errors_logged
            .fetch_add(1, Relaxed);
        if logged < 8 {
            pr_warn!("remote: protocol error from Linux: {:?}\n", err);
        }
    }
}

impl WorkItem for Sim {
    type Pointer = Arc<Sim>;

    fn run(this: Arc<Sim>) {
        // RT-Thread creates its endpoints only after the link comes up, some
        // time after Linux's first doorbell.
        if this.a2b_pending.load(Relaxed) && this.awaiting_announcement() {
            fsleep(Delta::from_millis(i64::from(this.announce_delay_ms)));
        }
        let mut polls = 0;
        loop {
            if this.stopping.load(Relaxed) {
                return;
            }
            let waiting_for_buffers = this.firmware_pass();
            if this.a2b_pending.load(Relaxed) {
                continue;
            }
            if !waiting_for_buffers
                || !this.linux_present.load(Relaxed)
                || polls >= BUFFER_POLL_LIMIT
            {
                return;
            }
            // Linux does not ring when it returns rx buffers: poll, as
            // RPMsg-Lite does.
            polls += 1;
            fsleep(Delta::from_millis(1));
        }
    }
}

/// The mailbox side of the simulator: Linux's doorbells land here.
pub(crate) struct SimOps {
    pub(crate) sim: Arc<Sim>,
}

impl ControllerOps for SimOps {
    fn send(&self, chan: usize, msg: MboxMsg) -> Result {
        if chan != CHAN_FROM_LINUX {
            return Err(EINVAL);
        }
        let sim = &self.sim;
        if sim.a2b_pending.load(Relaxed) {
            // The framework polls last_tx_done before sending again.
            return Err(EBUSY);
        }
        sim.a2b_msg_cmd.store(msg.cmd, Relaxed);
        sim.a2b_msg_data.store(msg.data, Relaxed);
        sim.a2b_pending.store(true, Relaxed);
        let _ = workqueue::system_long().enqueue(sim.clone());
        Ok(())
    }

    fn startup(&self, chan: usize) -> Result {
        if chan == CHAN_FROM_LINUX {
            // A (re)starting Linux driver zeroes the rings: start over too.
            let mut fw = self.sim.firmware.lock();
            for r in fw.remotes.iter_mut() {
                r.reset();
            }
            drop(fw);
            self.sim.a2b_pending.store(false, Relaxed);
            self.sim.linux_present.store(true, Relaxed);
        }
        Ok(())
    }

    fn shutdown(&self, chan: usize) {
        if chan == CHAN_FROM_LINUX {
            self.sim.linux_present.store(false, Relaxed);
        }
    }

    fn last_tx_done(&self, chan: usize) -> bool {
        chan != CHAN_FROM_LINUX || !self.sim.a2b_pending.load(Relaxed)
    }
}

impl Sim {
    /// Waits until no firmware pass is queued or running.
    pub(crate) fn flush_work(&self) {
        crate::workqueue_ext::flush(&self.work);
    }
}
