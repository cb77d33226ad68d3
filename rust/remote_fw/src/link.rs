// SPDX-License-Identifier: GPL-2.0

//! The firmware's rpmsg loop: sleep, take one interrupt, serve every
//! instance, go back to sleep.

use crate::{
    bare::{
        cpu,
        gic::{Gic, SPURIOUS},
        phys::PhysWindow,
        timer,
    },
    console::Console,
    control::{slot, Control, FwCounters},
    shell::Shell,
    wire::{DoorbellWire, Latched, Rung},
};
use rpmsg_proto::{
    firmware_control::{
        BoardDescription, Wire, FLAG_CLIENT_SAMPLE, FLAG_CONSUMED_NOTIFY, FLAG_GIC_V2,
        FLAG_LOG_MESSAGES, MAX_VDEVS, REQUEST_CLAIM_INTERRUPTS, REQUEST_SGI, REQUEST_STOP,
        STATE_CRASHED, STATE_RUNNING, STATE_STOPPED,
    },
    layout::{Doorbell, DOORBELL_MAGIC},
    remote::{
        parse_source, Endpoint, EndpointKind, Fault, ProtocolError, Remote, RemoteHost, OUTQ_SLOT,
    },
};

/// Messages each instance can queue for lack of receive buffers.
const OUTQ_SLOTS: usize = 16;
const OUTQ_BYTES: usize = OUTQ_SLOTS * OUTQ_SLOT;
/// Address of the consume-only endpoint (not announced; one-way load).
const SINK_ADDR: u32 = 0x3003;
/// Address of the `rpmsg-tty` console (announced on the first instance).
const CONSOLE_ADDR: u32 = 0x3004;
/// How long the firmware waits before looking for receive buffers again
/// when replies are queued: Linux does not ring when it returns them.
const BUFFER_RETRY_US: u64 = 100;
/// Protocol errors printed on the console; the rest are only counted.
const PROTOCOL_ERRORS_PRINTED: u64 = 8;
const VERSION: &str = env!("CARGO_PKG_VERSION");

type Engine<'a> = Remote<&'a mut [u8]>;

/// Connects the engines to the wire and the console.
struct Host<'a> {
    wire: &'a DoorbellWire,
    gic: &'a Gic,
    link_id: u32,
    log_messages: bool,
    console: &'a mut Console,
    counters: &'a mut FwCounters,
    shell: &'a mut Shell,
}

impl RemoteHost for Host<'_> {
    fn ring_doorbell(&mut self) -> bool {
        ring_linux(self.wire, self.gic, self.link_id, self.counters);
        true
    }

    fn message(&mut self, _ep_addr: u32, payload: &[u8]) {
        if !self.log_messages {
            return;
        }
        // RT-Thread's echo prints the text it got.
        let text = payload.split(|b| *b == 0).next().unwrap_or(&[]);
        match core::str::from_utf8(text) {
            Ok(text) => self
                .console
                .line(format_args!("message:{} len:{}", text, payload.len())),
            Err(_) => self.console.line(format_args!(
                "message:<{} binary bytes> len:{}",
                payload.len(),
                payload.len()
            )),
        }
    }

    fn console(&mut self, _ep_addr: u32, input: &[u8], reply: &mut [u8]) -> usize {
        self.shell.input(input, reply, self.counters)
    }

    fn protocol_error(&mut self, err: ProtocolError) {
        let seen = self.counters.values[slot::PROTOCOL_ERRORS];
        self.counters.add(slot::PROTOCOL_ERRORS, 1);
        if seen < PROTOCOL_ERRORS_PRINTED {
            self.console
                .line(format_args!("protocol error from Linux: {:?}", err));
        }
    }
}

fn wire_name(wire: Wire) -> &'static str {
    match wire {
        Wire::FourChannel => "four-channel mailbox",
        Wire::OneChannel => "one-channel mailboxes",
        Wire::Lines => "interrupt lines",
    }
}

/// Serves the link until the CPU is turned off.
pub(crate) fn run(board: &BoardDescription, control: &Control, console: &mut Console) -> ! {
    console.line(format_args!(
        "rpmsg remote firmware {} on CPU {:#x}: {}, doorbell SPI {}, link-id {:#x}, {} vdev(s)",
        VERSION,
        cpu::affinity(),
        wire_name(board.wire),
        board.doorbell_intid - 32,
        board.link_id,
        board.vdevs
    ));
    let setup = (|| {
        let rings = PhysWindow::ram(board.vrings.0, board.vrings.1).map_err(|_| "vring region")?;
        let pool = PhysWindow::ram(board.pool.0, board.pool.1).map_err(|_| "buffer pool")?;
        let gic = Gic::init(board.gicd, board.gicr, board.has(FLAG_GIC_V2)).map_err(|_| "GIC")?;
        let wire = DoorbellWire::new(board).map_err(|_| "mailbox registers")?;
        Ok::<_, &str>((rings, pool, gic, wire))
    })();
    let (rings, pool, gic, wire) = match setup {
        Ok(parts) => parts,
        Err(what) => {
            console.line(format_args!("cannot start: bad {}", what));
            control.set_state(STATE_CRASHED);
            cpu::power_off()
        }
    };

    let mut storage = [0u8; MAX_VDEVS as usize * OUTQ_BYTES];
    let mut engines: [Option<Engine<'_>>; MAX_VDEVS as usize] = core::array::from_fn(|_| None);
    let vdevs = board.vdevs as usize;
    for (i, (chunk, engine)) in storage
        .chunks_mut(OUTQ_BYTES)
        .zip(engines.iter_mut())
        .take(vdevs)
        .enumerate()
    {
        let Ok(mut remote) = Remote::new(i, board.pool.0, chunk) else {
            console.line(format_args!("cannot serve vdev{}", i));
            control.set_state(STATE_CRASHED);
            cpu::power_off()
        };
        // An interrupt-driven firmware never polls vring1.
        remote.set_stream_polling(false);
        remote.set_consumed_notify(board.has(FLAG_CONSUMED_NOTIFY));
        let eps = remote.endpoints_mut();
        let extra = [
            (
                board.has(FLAG_CLIENT_SAMPLE),
                "rpmsg-client-sample",
                0x3001,
                EndpointKind::Echo,
                true,
            ),
            (true, "rpmsg-sink", SINK_ADDR, EndpointKind::Consume, false),
            (
                i == 0,
                "rpmsg-tty",
                CONSOLE_ADDR,
                EndpointKind::Console,
                true,
            ),
        ];
        for (wanted, name, addr, kind, announce) in extra {
            if wanted {
                if let Ok(ep) = Endpoint::new(name, addr, kind, announce) {
                    let _ = eps.add(ep);
                }
            }
        }
        *engine = Some(remote);
    }

    let edge = board.wire == Wire::Lines;
    if gic.claim_spi(board.doorbell_intid, edge).is_err() {
        console.line(format_args!("cannot claim SPI {}", board.doorbell_intid));
        control.set_state(STATE_CRASHED);
        cpu::power_off()
    }
    gic.enable_private(timer::VIRTUAL_TIMER_INTID);
    control.discard_earlier_posts();
    gic.enable_private(REQUEST_SGI.into());
    wire.enable();
    control.set_state(STATE_RUNNING);
    console.line(format_args!("waiting for Linux's first doorbell"));

    let mut counters = FwCounters::default();
    let mut shell = Shell::new();
    let mut hold = HoldA2b::default();
    // Linux's first doorbell brings the link up; the endpoints are
    // announced once the announcement delay has passed (RT-Thread creates
    // them some time after link-up).
    let mut link_up = false;
    let mut announcing = false;
    let mut timer_armed = false;
    let mut awake = AwakeTime::new();
    loop {
        cpu::wait_for_interrupt();
        awake.woke();
        counters.add(slot::WAKEUPS, 1);
        let intid = gic.acknowledge();
        if intid == SPURIOUS {
            counters.add(slot::SPURIOUS_INTERRUPTS, 1);
            counters.set(slot::BUSY_US, awake.going_to_sleep());
            control.publish(&with_engine_totals(&counters, &engines));
            continue;
        }
        counters.add(slot::INTERRUPTS, 1);
        let mut doorbell = None;
        if intid == timer::VIRTUAL_TIMER_INTID {
            counters.add(slot::TIMER_INTERRUPTS, 1);
            timer::disarm();
            timer_armed = false;
            announcing = false;
        } else if intid == board.doorbell_intid {
            counters.add(slot::DOORBELL_INTERRUPTS, 1);
            doorbell = wire.latched();
        }
        if let Some(Latched { cmd, data }) = doorbell {
            counters.add(slot::DOORBELLS_IN, 1);
            let valid =
                !wire.carries_messages() || (data == DOORBELL_MAGIC && cmd == board.link_id);
            if !valid {
                counters.add(slot::BAD_DOORBELLS_IN, 1);
            }
            if !link_up {
                link_up = true;
                console.line(format_args!("link up (Linux's first doorbell)"));
                if board.announce_delay_ms > 0 {
                    announcing = true;
                    timer::arm_in_us(u64::from(board.announce_delay_ms) * 1000);
                    timer_armed = true;
                }
            }
            for remote in engines.iter_mut().flatten() {
                remote.note_doorbell_in();
            }
        }
        if let Some((seq, code)) = control.posted_request() {
            let known = match code {
                REQUEST_STOP => {
                    // Linux's remoteproc driver stops this core: nothing of
                    // Linux's may reach it any more.
                    gic.set_spi_enabled(board.doorbell_intid, false);
                    timer::disarm();
                    console.line(format_args!("stopping on request"));
                    // End the interrupt that brought the request: an
                    // active one would block its own line after a restart.
                    gic.end_of_interrupt(intid);
                    control.request_done(seq, true);
                    control.set_state(STATE_STOPPED);
                    cpu::power_off()
                }
                REQUEST_CLAIM_INTERRUPTS => {
                    // Linux attached to this core after its GIC init, which
                    // disabled every SPI and routed it to Linux's boot CPU:
                    // the doorbell line is taken back.
                    let taken = gic.claim_spi(board.doorbell_intid, edge).is_ok();
                    console.line(format_args!(
                        "SPI {} claimed again (Linux attached)",
                        board.doorbell_intid - 32
                    ));
                    taken
                }
                other => {
                    console.line(format_args!("unknown lifecycle request {}", other));
                    false
                }
            };
            control.request_done(seq, known);
        }
        if let Some(knob) = control.posted_knob() {
            let known = match knob.text() {
                "hold-a2b" => {
                    hold.on = true;
                    true
                }
                "hang" => {
                    // A firmware bug, on request: a loop that never ends,
                    // with every interrupt left pending (the stop request
                    // too). Only a reset of the core ends it.
                    console.line(format_args!("hanging on request (knob hang)"));
                    control.knob_done(&knob, true);
                    loop {
                        cpu::spin_hint();
                    }
                }
                "crash" => {
                    // A firmware bug, on request: the exception handler
                    // reports it and turns the CPU off. The knob is taken
                    // first, so that the poster does not wait for it.
                    console.line(format_args!("crashing on request (knob crash)"));
                    gic.end_of_interrupt(intid);
                    control.knob_done(&knob, true);
                    cpu::undefined_instruction()
                }
                "bad-magic" | "bad-link-id" => {
                    let good = Doorbell::new(board.link_id);
                    let (cmd, data) = if knob.text() == "bad-magic" {
                        (good.cmd, !good.data)
                    } else {
                        (good.cmd ^ 0x80, good.data)
                    };
                    match wire.ring_message(cmd, data) {
                        Some(rung) => {
                            count_ring(rung, &mut counters);
                            true
                        }
                        // Interrupt lines carry no message to corrupt.
                        None => false,
                    }
                }
                text if text.starts_with("storm=") => match parse_storm(text) {
                    Some(n) => {
                        for _ in 0..n {
                            ring_linux(&wire, &gic, board.link_id, &mut counters);
                            control.beat();
                        }
                        true
                    }
                    None => false,
                },
                "release-a2b" => {
                    hold.on = false;
                    if core::mem::take(&mut hold.taken) {
                        wire.complete();
                        gic.set_spi_enabled(board.doorbell_intid, true);
                    }
                    true
                }
                text => apply_knob(text, &mut engines),
            };
            if known {
                counters.add(slot::KNOBS_APPLIED, 1);
            } else {
                console.line(format_args!("unknown knob '{}'", knob.text()));
            }
            control.knob_done(&knob, known);
        }
        let mut retry = false;
        if link_up && !announcing {
            let mut host = Host {
                wire: &wire,
                gic: &gic,
                link_id: board.link_id,
                log_messages: board.has(FLAG_LOG_MESSAGES),
                console,
                counters: &mut counters,
                shell: &mut shell,
            };
            for remote in engines.iter_mut().flatten() {
                retry |= remote.service(&rings, &pool, &mut host).retry_needed;
            }
        }
        if doorbell.is_some() {
            if hold.on && wire.carries_messages() {
                // Held (test knob): the status stays set, so Linux's
                // transmission stays in flight; the line is masked at the
                // GIC until the release, or it would fire again at once.
                hold.taken = true;
                gic.set_spi_enabled(board.doorbell_intid, false);
            } else {
                // Handled: clearing A2B_STATUS completes Linux's
                // transmission and drops the line before the interrupt ends.
                wire.complete();
            }
        }
        gic.end_of_interrupt(intid);
        if retry && !timer_armed {
            timer::arm_in_us(BUFFER_RETRY_US);
            timer_armed = true;
        }
        counters.set(slot::BUSY_US, awake.going_to_sleep());
        control.publish(&with_engine_totals(&counters, &engines));
    }
}

/// Rings Linux and counts the ring.
fn ring_linux(wire: &DoorbellWire, gic: &Gic, link_id: u32, counters: &mut FwCounters) {
    count_ring(wire.ring(gic, link_id), counters);
}

fn count_ring(rung: Rung, counters: &mut FwCounters) {
    counters.add(slot::DOORBELLS_OUT, 1);
    match rung {
        Rung::Clear => {}
        Rung::AfterWaiting => counters.add(slot::B2A_BUSY_WAITS, 1),
        Rung::Merged => counters.add(slot::RINGS_WHILE_PENDING, 1),
    }
}

/// The most doorbells one `storm=N` knob rings.
const STORM_MAX: u32 = 100_000;

/// `storm=N`: N doorbells back to back, 1..=[`STORM_MAX`].
fn parse_storm(text: &str) -> Option<u32> {
    let n: u32 = text.strip_prefix("storm=")?.trim().parse().ok()?;
    (1..=STORM_MAX).contains(&n).then_some(n)
}

/// The time the core spends awake, from each wake-up to the next wait:
/// what the remote's CPU costs per message in `make bench`.
struct AwakeTime {
    ticks_per_s: u64,
    woke_at: u64,
    ticks: u64,
}

impl AwakeTime {
    fn new() -> Self {
        Self {
            ticks_per_s: timer::frequency().max(1),
            woke_at: timer::now(),
            ticks: 0,
        }
    }

    fn woke(&mut self) {
        self.woke_at = timer::now();
    }

    /// Adds the time since the wake-up; returns the total in µs.
    fn going_to_sleep(&mut self) -> u64 {
        self.ticks = self
            .ticks
            .wrapping_add(timer::now().wrapping_sub(self.woke_at));
        let us = u128::from(self.ticks) * 1_000_000 / u128::from(self.ticks_per_s);
        u64::try_from(us).unwrap_or(u64::MAX)
    }
}

/// The firmware's counters with the engines' message counters summed in.
fn with_engine_totals(counters: &FwCounters, engines: &[Option<Engine<'_>>]) -> FwCounters {
    let mut out = *counters;
    for c in engines.iter().flatten().map(|r| r.counters()) {
        for (slot, value) in [
            (slot::MESSAGES_IN, c.messages_in),
            (slot::MESSAGES_OUT, c.messages_out),
            (slot::CONSUMED, c.consumed),
            (slot::WAITS_FOR_BUFFERS, c.waits_for_buffers),
            (slot::DROPPED_UNKNOWN, c.dropped_unknown),
            (slot::SOURCE_SENT, c.source_sent),
        ] {
            out.add(slot, value);
        }
    }
    out
}

/// The `hold-a2b` test knob: doorbells are taken but A2B_STATUS stays set.
#[derive(Default)]
struct HoldA2b {
    on: bool,
    /// A doorbell was taken while held; its status is still set.
    taken: bool,
}

/// Applies an engine knob (faults, `clear`, a traffic source); `false` if
/// `text` is not one.
fn apply_knob(text: &str, engines: &mut [Option<Engine<'_>>]) -> bool {
    if let Some(setting) = text.strip_prefix("consumed-notify=") {
        let on = match setting {
            "on" => true,
            "off" => false,
            _ => return false,
        };
        engines
            .iter_mut()
            .flatten()
            .for_each(|r| r.set_consumed_notify(on));
        true
    } else if text == "clear" {
        engines.iter_mut().flatten().for_each(|r| r.clear_faults());
        true
    } else if let Some((dst, count, size)) = parse_source(text) {
        engines
            .iter_mut()
            .flatten()
            .next()
            .is_some_and(|r| r.start_source(dst, count, size).is_ok())
    } else if let Some(fault) = Fault::parse(text) {
        engines.iter_mut().flatten().for_each(|r| r.inject(fault));
        true
    } else {
        false
    }
}
