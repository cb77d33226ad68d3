// SPDX-License-Identifier: GPL-2.0

//! The simulated remote core: takes Linux's doorbells off the wire, runs
//! RT-Thread's side of the rings, and rings Linux back.

use crate::{
    dec64::Dec,
    mailbox::MboxMsg,
    proto::{
        layout::{Doorbell, DOORBELL_MAGIC},
        remote::{
            parse_source, Counters, Endpoint, EndpointKind, Fault, ProtocolError, Remote,
            RemoteHost, OUTQ_BYTES,
        },
    },
    shared_mem::{wire_addr, SharedRegion},
    wire::Wire,
};
use core::fmt;
use kernel::{
    new_condvar, new_mutex, new_spinlock, pr_warn_once,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, CondVar, Mutex, SpinLock,
    },
    time::{delay::fsleep, msecs_to_jiffies, Delta},
    workqueue::{self, impl_has_work, new_work, Work, WorkItem},
};

/// How long the remote keeps polling for rx buffers before it waits for
/// the next doorbell instead.
const BUFFER_POLL_LIMIT: u32 = 5000;

/// How often the remote looks at the A2B registers while Linux is busy
/// (and at vring1 while Linux streams), and while it has been quiet for
/// [`IDLE_POLLS`] looks.
const POLL_BUSY_US: i64 = 200;
const POLL_IDLE_US: i64 = 1000;
const IDLE_POLLS: u32 = 500;
/// How often the remote checks for Linux coming and going when nothing
/// wakes it (mailbox-less variant).
const PRESENCE_CHECK_MS: u32 = 2;

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
    /// The doorbells' path to and from Linux.
    wire: Wire,
    /// A Linux driver was listening at the last look.
    linux_present: Atomic<bool>,
    /// A knob asked for a firmware pass.
    kicked: Atomic<bool>,
    stopping: Atomic<bool>,
    counters: SimCounters,
    #[pin]
    firmware: Mutex<Firmware>,
    /// Held while ringing Linux, so that happens in atomic context as in
    /// a firmware's interrupt-free section; `false` once stopped.
    #[pin]
    delivery: SpinLock<bool>,
    /// The firmware loop sleeps here between doorbells (mailbox-less).
    #[pin]
    idle: Mutex<()>,
    #[pin]
    wake: CondVar,
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
        wire: Wire,
        choice: &EndpointChoice,
    ) -> Result<Arc<Self>> {
        let mut remotes = KVec::with_capacity(vdevs, GFP_KERNEL)?;
        for i in 0..vdevs {
            let storage = KVec::from_elem(0u8, OUTQ_BYTES, GFP_KERNEL)?;
            let mut remote = Remote::new(i, wire_addr(pool.phys()), storage).map_err(|_| EINVAL)?;
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
                wire,
                linux_present: Atomic::new(false),
                kicked: Atomic::new(false),
                stopping: Atomic::new(false),
                counters: SimCounters {
                    doorbells_in: Atomic::new(0),
                    bad_doorbells_in: Atomic::new(0),
                    doorbells_out: Atomic::new(0),
                    faulty_doorbells_out: Atomic::new(0),
                    protocol_errors_logged: Atomic::new(0),
                },
                firmware <- new_mutex!(Firmware { remotes, pending_faults: KVec::new() }),
                delivery <- new_spinlock!(true),
                idle <- new_mutex!(()),
                wake <- new_condvar!(),
                work <- new_work!("rpmsg_remote_sim::work"),
            }),
            GFP_KERNEL,
        )
    }

    fn awaiting_announcement(&self) -> bool {
        self.firmware.lock().remotes.iter().any(|r| !r.announced())
    }

    /// Starts the firmware loop; it runs until `stop`.
    pub(crate) fn start(self: &Arc<Self>) {
        let _ = workqueue::system_long().enqueue(self.clone());
    }

    /// Stops the remote: no more work, no more doorbells to Linux.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Relaxed);
        *self.delivery.lock() = false;
        self.wake.notify_all();
    }

    /// Linux's tx line fired (mailbox-less variant); called in hard-IRQ
    /// context by the simulator's handler.
    pub(crate) fn line_rang(&self) {
        self.wire.line_rang();
        self.wake.notify_one();
    }

    /// Waits out the announcement delay; `false` if Linux went away (or the
    /// simulator is stopping) meanwhile, so the loop sees it come back.
    fn link_up_delay(&self) -> bool {
        for _ in 0..self.announce_delay_ms {
            if self.stopping.load(Relaxed) || !self.wire.linux_listening() {
                return false;
            }
            fsleep(Delta::from_millis(1));
        }
        true
    }

    /// Sleeps until a doorbell or a knob wakes the loop, at most `ms`.
    fn wait_for_ring(&self, ms: u32) {
        let mut guard = self.idle.lock();
        let _ = self
            .wake
            .wait_interruptible_timeout(&mut guard, msecs_to_jiffies(ms));
    }

    /// Rings Linux with `msg`, from atomic context (the lock disables
    /// preemption), as strict as a hard interrupt handler on the board.
    fn ring_linux(&self, msg: MboxMsg) -> bool {
        let open = self.delivery.lock();
        if !*open {
            return false;
        }
        match self.wire.ring(msg) {
            Ok(()) => {
                self.counters.doorbells_out.add(1, Relaxed);
                true
            }
            Err(e) => {
                pr_warn_once!("remote: cannot ring Linux: {:?}\n", e);
                false
            }
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
        if self.wire.knob(knob)? {
            return Ok(());
        }
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
        if matches!(
            doorbell_fault,
            Some(DoorbellFault::BadMagic | DoorbellFault::WrongLink)
        ) && !self.wire.carries_messages()
        {
            // Interrupt lines carry no message to corrupt.
            return Err(EINVAL);
        }
        {
            let mut fw = self.firmware.lock();
            if let Some(f) = doorbell_fault {
                fw.pending_faults.push(f, GFP_KERNEL)?;
            } else if knob == "clear" {
                for r in fw.remotes.iter_mut() {
                    r.clear_faults();
                }
            } else if knob == "restart" {
                // The rig restarts the remote, as a board reset would: the
                // restarted remote starts from zeroed rings at index 0.
                self.rings.zero(0, self.rings.size()).map_err(|_| EINVAL)?;
                for r in fw.remotes.iter_mut() {
                    r.reset();
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
        self.kicked.store(true, Relaxed);
        self.wake.notify_one();
        Ok(())
    }

    /// Checks every descriptor Linux made available: all must be in the pool.
    pub(crate) fn audit(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fw = self.firmware.lock();
        let mut clean = true;
        for (i, r) in fw.remotes.iter().enumerate() {
            if let Some(finding) =
                r.audit(&self.rings, wire_addr(self.pool.phys()), self.pool.size())
            {
                clean = false;
                writeln!(f, "vdev{i}: {finding:?}")?;
            }
        }
        if clean {
            writeln!(f, "ok")?;
        }
        Ok(())
    }

    /// The mailbox registers as the remote reads them (debugfs `mbox-regs`).
    pub(crate) fn write_mbox_regs(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.wire.write_registers(f)
    }

    /// Prints the counters, summed over instances, one `name value` a line.
    pub(crate) fn write_stats(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sum = Counters::default();
        let mut streaming = 0;
        let fw = self.firmware.lock();
        for r in fw.remotes.iter() {
            streaming += usize::from(r.streaming());
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
            sum.stream_polls_started += c.stream_polls_started;
            sum.doorbells_held += c.doorbells_held;
        }
        drop(fw);
        let c = &self.counters;
        writeln!(f, "doorbells_in {}", Dec(c.doorbells_in.load(Relaxed)))?;
        writeln!(
            f,
            "bad_doorbells_in {}",
            Dec(c.bad_doorbells_in.load(Relaxed))
        )?;
        writeln!(f, "doorbells_out {}", Dec(c.doorbells_out.load(Relaxed)))?;
        writeln!(
            f,
            "faulty_doorbells_out {}",
            Dec(c.faulty_doorbells_out.load(Relaxed))
        )?;
        writeln!(f, "messages_in {}", Dec(sum.messages_in))?;
        writeln!(f, "messages_out {}", Dec(sum.messages_out))?;
        writeln!(f, "consumed {}", Dec(sum.consumed))?;
        writeln!(
            f,
            "suppressed_notifications {}",
            Dec(sum.suppressed_notifications)
        )?;
        writeln!(f, "waits_for_buffers {}", Dec(sum.waits_for_buffers))?;
        writeln!(f, "protocol_errors {}", Dec(sum.protocol_errors))?;
        writeln!(f, "dropped_unknown {}", Dec(sum.dropped_unknown))?;
        writeln!(f, "faults_applied {}", Dec(sum.faults_applied))?;
        writeln!(f, "source_sent {}", Dec(sum.source_sent))?;
        writeln!(f, "stream_polls_started {}", Dec(sum.stream_polls_started))?;
        writeln!(f, "doorbells_held {}", Dec(sum.doorbells_held))?;
        // Not a counter: instances polling vring1 with notifications off now.
        writeln!(f, "streaming {streaming}")?;
        let w = self.wire.counters();
        writeln!(f, "rings_while_pending {}", Dec(w.rings_while_pending))
    }

    /// One pass of the firmware loop.
    fn firmware_pass(&self, doorbell: Option<MboxMsg>) -> PassResult {
        let mut fw = self.firmware.lock();
        if let Some(msg) = doorbell {
            self.counters.doorbells_in.add(1, Relaxed);
            let ok = !self.wire.carries_messages()
                || (msg.data == DOORBELL_MAGIC && msg.cmd == u32::from(self.link_id));
            if !ok {
                self.counters.bad_doorbells_in.add(1, Relaxed);
            }
            for r in fw.remotes.iter_mut() {
                r.note_doorbell_in();
            }
        }
        let faults = core::mem::take(&mut fw.pending_faults);
        let mut host = Host { sim: self };
        let mut result = PassResult::default();
        for r in fw.remotes.iter_mut() {
            let outcome = r.service(&self.rings, &self.pool, &mut host);
            result.retry |= outcome.retry_needed;
            result.poll |= outcome.poll_soon;
        }
        drop(fw);
        for fault in faults.iter() {
            self.apply_doorbell_fault(*fault);
        }
        result
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

/// What a firmware pass leaves for the next.
#[derive(Default)]
struct PassResult {
    /// Messages wait for rx buffers (or other work is left).
    retry: bool,
    /// Linux is streaming: look at vring1 again soon, without a doorbell.
    poll: bool,
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
        let mut buffer_polls = 0;
        let mut quiet_polls = 0;
        let mut waiting_for_buffers = false;
        let mut streaming = false;
        loop {
            if this.stopping.load(Relaxed) {
                return;
            }
            let listening = this.wire.linux_listening();
            if listening != this.linux_present.xchg(listening, Relaxed) && listening {
                // A (re)starting Linux driver zeroes the rings: start over,
                // as the firmware does when the link comes up.
                let mut fw = this.firmware.lock();
                for r in fw.remotes.iter_mut() {
                    r.reset();
                }
                waiting_for_buffers = false;
                streaming = false;
            }
            let doorbell = this.wire.take();
            // RT-Thread creates its endpoints only after the link comes up,
            // some time after Linux's first doorbell.
            if doorbell.is_some() && this.awaiting_announcement() && !this.link_up_delay() {
                continue;
            }
            // Clear the kick even when a doorbell came too: one pass serves both.
            let kicked = this.kicked.xchg(false, Relaxed);
            let rang = doorbell.is_some() || kicked;
            let retry = waiting_for_buffers && listening && buffer_polls < BUFFER_POLL_LIMIT;
            let poll = streaming && listening;
            if rang || retry || poll {
                if rang {
                    buffer_polls = 0;
                } else if retry {
                    buffer_polls += 1;
                }
                if rang || poll {
                    quiet_polls = 0;
                }
                let result = this.firmware_pass(doorbell);
                waiting_for_buffers = result.retry;
                streaming = result.poll;
            } else {
                quiet_polls += 1;
            }
            if this.wire.polled() {
                // Look at the A2B registers again, less often when quiet.
                let us = if quiet_polls > IDLE_POLLS {
                    POLL_IDLE_US
                } else {
                    POLL_BUSY_US
                };
                fsleep(Delta::from_micros(us));
                continue;
            }
            if rang {
                // Another ring may have come in during the pass.
                continue;
            }
            if streaming {
                fsleep(Delta::from_micros(POLL_BUSY_US));
                continue;
            }
            // Linux does not ring when it returns rx buffers: poll for
            // them, as RPMsg-Lite does; otherwise wait for a ring.
            let polling = waiting_for_buffers && listening && buffer_polls < BUFFER_POLL_LIMIT;
            this.wait_for_ring(if polling { 1 } else { PRESENCE_CHECK_MS });
        }
    }
}

impl Sim {
    /// Waits until no firmware pass is queued or running.
    pub(crate) fn flush_work(&self) {
        crate::workqueue_ext::flush(&self.work);
    }
}
