// SPDX-License-Identifier: GPL-2.0

//! The firmware's side of the control area: state, counters, knobs, and
//! the lifecycle requests of Linux's remoteproc driver.

use crate::bare::phys::PhysWindow;
use rpmsg_proto::{
    firmware_control::{
        write_u64, BoardDescription, ConfigError, CONTROL_PAGE_SIZE, COUNTER_NAMES,
        FLAG_SEMIHOSTING, KNOB_TEXT_SIZE, LOG_RING_SIZE, OFF_COUNTERS, OFF_HEARTBEAT,
        OFF_KNOB_DONE, OFF_KNOB_RESULT, OFF_KNOB_SEQ, OFF_KNOB_TEXT, OFF_REFUSAL, OFF_REQUEST_CODE,
        OFF_REQUEST_DONE, OFF_REQUEST_RESULT, OFF_REQUEST_SEQ, OFF_RESOURCE_TABLE,
        OFF_RESOURCE_TABLE_SIZE, OFF_STATE, STATE_REFUSED,
    },
    shared_mem::{SharedMem, WireAddr},
};

/// The firmware's counters, in the order of [`COUNTER_NAMES`].
#[derive(Default, Clone, Copy)]
pub(crate) struct FwCounters {
    pub(crate) values: [u64; COUNTER_NAMES.len()],
}

/// Slots of [`FwCounters::values`].
pub(crate) mod slot {
    pub(crate) const WAKEUPS: usize = 0;
    pub(crate) const INTERRUPTS: usize = 1;
    pub(crate) const DOORBELL_INTERRUPTS: usize = 2;
    pub(crate) const TIMER_INTERRUPTS: usize = 3;
    pub(crate) const SPURIOUS_INTERRUPTS: usize = 4;
    pub(crate) const DOORBELLS_IN: usize = 5;
    pub(crate) const BAD_DOORBELLS_IN: usize = 6;
    pub(crate) const DOORBELLS_OUT: usize = 7;
    pub(crate) const MESSAGES_IN: usize = 8;
    pub(crate) const MESSAGES_OUT: usize = 9;
    pub(crate) const CONSUMED: usize = 10;
    pub(crate) const WAITS_FOR_BUFFERS: usize = 11;
    pub(crate) const PROTOCOL_ERRORS: usize = 12;
    pub(crate) const DROPPED_UNKNOWN: usize = 13;
    pub(crate) const SOURCE_SENT: usize = 14;
    pub(crate) const KNOBS_APPLIED: usize = 15;
    /// Time spent awake (from a wake-up to the next wait), in µs.
    pub(crate) const BUSY_US: usize = 16;
    /// Doorbells rung while Linux had not taken the previous one (the
    /// line still pending, or B2A_STATUS still set after the retry time):
    /// they merge into it.
    pub(crate) const RINGS_WHILE_PENDING: usize = 17;
    /// Rings that found Linux's previous one pending and waited until
    /// Linux took it (at most 500 ms, as RT-Thread retries a busy B2A).
    pub(crate) const B2A_BUSY_WAITS: usize = 18;
}

impl FwCounters {
    pub(crate) fn set(&mut self, slot: usize, n: u64) {
        if let Some(v) = self.values.get_mut(slot) {
            *v = n;
        }
    }

    pub(crate) fn add(&mut self, slot: usize, n: u64) {
        if let Some(v) = self.values.get_mut(slot) {
            *v = v.wrapping_add(n);
        }
    }
}

/// A knob the rig posted.
pub(crate) struct Knob {
    seq: u32,
    text: [u8; KNOB_TEXT_SIZE],
}

impl Knob {
    /// The knob's text, up to its first NUL.
    pub(crate) fn text(&self) -> &str {
        let len = self
            .text
            .iter()
            .position(|b| *b == 0)
            .unwrap_or(KNOB_TEXT_SIZE);
        core::str::from_utf8(&self.text[..len]).unwrap_or("").trim()
    }
}

/// The control area: log ring, then the control page.
pub(crate) struct Control {
    area: PhysWindow,
}

impl Control {
    pub(crate) fn new(area: PhysWindow) -> Self {
        Self { area }
    }

    pub(crate) fn page(&self) -> PhysWindow {
        // The area is CONTROL_AREA_SIZE long: both parts exist.
        self.area
            .sub(LOG_RING_SIZE, CONTROL_PAGE_SIZE)
            .unwrap_or(self.area)
    }

    pub(crate) fn log_ring(&self) -> PhysWindow {
        self.area.sub(0, LOG_RING_SIZE).unwrap_or(self.area)
    }

    /// Whether the board description says semihosting is there.
    pub(crate) fn semihosting(&self) -> bool {
        BoardDescription::read(&self.page()).is_ok_and(|b| b.has(FLAG_SEMIHOSTING))
    }

    pub(crate) fn set_state(&self, state: u32) {
        let page = self.page();
        let _ = page.write_u32(OFF_STATE, state);
        page.barrier();
    }

    pub(crate) fn refuse(&self, err: ConfigError) {
        let _ = self.page().write_u32(OFF_REFUSAL, err.code());
        self.set_state(STATE_REFUSED);
    }

    pub(crate) fn publish(&self, counters: &FwCounters) {
        let page = self.page();
        for (i, v) in counters.values.iter().enumerate() {
            let _ = write_u64(&page, OFF_COUNTERS + 8 * i, *v);
        }
        self.beat();
    }

    /// Bumps the heartbeat: this core still makes progress.
    pub(crate) fn beat(&self) {
        let page = self.page();
        let beats = page.read_u32(OFF_HEARTBEAT).unwrap_or(0);
        let _ = page.write_u32(OFF_HEARTBEAT, beats.wrapping_add(1));
    }

    /// The knob posted since the last one applied, if any.
    pub(crate) fn posted_knob(&self) -> Option<Knob> {
        let page = self.page();
        let seq = page.read_u32(OFF_KNOB_SEQ).ok()?;
        if seq == page.read_u32(OFF_KNOB_DONE).ok()? {
            return None;
        }
        page.barrier();
        let mut text = [0u8; KNOB_TEXT_SIZE];
        page.read_bytes(OFF_KNOB_TEXT, &mut text).ok()?;
        Some(Knob { seq, text })
    }

    /// Marks every knob and request posted before this start as handled:
    /// one that an earlier run never took (it hung, or was stopped) is not
    /// applied to this one.
    pub(crate) fn discard_earlier_posts(&self) {
        let page = self.page();
        for (seq, done) in [
            (OFF_KNOB_SEQ, OFF_KNOB_DONE),
            (OFF_REQUEST_SEQ, OFF_REQUEST_DONE),
        ] {
            let posted = page.read_u32(seq).unwrap_or(0);
            let _ = page.write_u32(done, posted);
        }
        page.barrier();
    }

    /// Says where this firmware's resource table is, so that a Linux that
    /// attaches (and did not load the file) finds the trace buffer.
    pub(crate) fn publish_resource_table(&self, at: WireAddr, size: u32) {
        let page = self.page();
        let _ = write_u64(&page, OFF_RESOURCE_TABLE, at);
        let _ = page.write_u32(OFF_RESOURCE_TABLE_SIZE, size);
        page.barrier();
    }

    /// The lifecycle request posted since the last one handled, as
    /// (sequence, code).
    pub(crate) fn posted_request(&self) -> Option<(u32, u32)> {
        let page = self.page();
        let seq = page.read_u32(OFF_REQUEST_SEQ).ok()?;
        if seq == page.read_u32(OFF_REQUEST_DONE).ok()? {
            return None;
        }
        page.barrier();
        Some((seq, page.read_u32(OFF_REQUEST_CODE).ok()?))
    }

    /// Says the request `seq` was carried out (`known`) or not understood.
    pub(crate) fn request_done(&self, seq: u32, known: bool) {
        let page = self.page();
        let _ = page.write_u32(OFF_REQUEST_RESULT, u32::from(!known));
        page.barrier();
        let _ = page.write_u32(OFF_REQUEST_DONE, seq);
        page.barrier();
    }

    /// Says the knob was applied (`known`) or not understood.
    pub(crate) fn knob_done(&self, knob: &Knob, known: bool) {
        let page = self.page();
        let _ = page.write_u32(OFF_KNOB_RESULT, u32::from(!known));
        page.barrier();
        let _ = page.write_u32(OFF_KNOB_DONE, knob.seq);
        page.barrier();
    }
}
