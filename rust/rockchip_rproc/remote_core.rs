// SPDX-License-Identifier: GPL-2.0

//! One remote core as remoteproc drives it: the firmware file checked and
//! loaded into the firmware region, the CPU started with PSCI CPU_ON and
//! stopped through the lifecycle page, its health watched.
//!
//! The lifecycle page and the log ring are the last
//! [`CONTROL_AREA_SIZE`] bytes of the firmware region (the contract is in
//! `rpmsg_proto::firmware_control` and docs/REMOTEPROC.md): Linux writes
//! "starting" before CPU_ON and posts requests (stop, claim-interrupts)
//! with a software-generated interrupt; the firmware writes its state and
//! bumps its heartbeat.

use crate::proto::{
    firmware_control::{
        ConfigError, LOG_RING_SIZE, MAX_RESOURCE_TABLE_SIZE, OFF_HEARTBEAT, OFF_LOG_HEAD,
        OFF_REFUSAL, OFF_REQUEST_CODE, OFF_REQUEST_DONE, OFF_REQUEST_RESULT, OFF_REQUEST_SEQ,
        OFF_RESOURCE_TABLE, OFF_RESOURCE_TABLE_SIZE, OFF_STATE, REQUEST_CLAIM_INTERRUPTS,
        REQUEST_SGI, REQUEST_STOP, STATE_CRASHED, STATE_REFUSED, STATE_RUNNING, STATE_STARTING,
        STATE_STOPPED,
    },
    firmware_image::{self, FirmwareImage},
    heartbeat::{HeartbeatWatch, Verdict},
    shared_mem::WireAddr,
};
use crate::{
    core_power::CorePower,
    gic_sgi::SgiSender,
    poll::poll_ms,
    psci,
    psci::AffinityState,
    remoteproc::{DeviceAddr, Health, RprocOps},
    reset_line::ResetLine,
    shared_mem::{phys_from_wire, wire_addr, SharedRegion},
};
use core::fmt;
use kernel::{io::PhysAddr, new_mutex, prelude::*, sync::Mutex};

/// How long the firmware may take to say it runs, or to take a request.
const START_TIMEOUT_MS: u32 = 2000;
const REQUEST_TIMEOUT_MS: u32 = 1000;
/// How often a running firmware's health is checked.
pub(crate) const WATCH_PERIOD_MS: u32 = 100;
/// A firmware that sleeps bumps its heartbeat only when woken: after this
/// long without a beat it is prodded (the request interrupt, nothing
/// posted), which it answers with one. Prodding only a quiet firmware keeps
/// an idle one asleep most of the time.
const PROD_AFTER_MS: u32 = 500;
/// How long a firmware may leave its heartbeat still, though prodded,
/// before it counts as hung: above its longest legitimate silence (a
/// doorbell waits at most 500 ms for Linux to take the previous one).
const HANG_AFTER_MS: u32 = 2000;
/// How long a stopping firmware may take to turn its CPU off.
const STOP_TIMEOUT_MS: u32 = 1000;

/// What the SoC's remote core runs: the ELF class and machine its firmware
/// files must have.
#[derive(Clone, Copy)]
pub(crate) struct CoreKind {
    pub(crate) elf_class: u8,
    pub(crate) elf_machine: u16,
}

/// One remote core.
#[pin_data]
pub(crate) struct RemoteCore {
    /// The log ring, then the lifecycle page.
    area: SharedRegion,
    /// The firmware region below them, where the image loads.
    image: SharedRegion,
    /// The rpmsg vrings the remote serves, zeroed before each start.
    vrings: Option<SharedRegion>,
    kind: CoreKind,
    mpidr: u64,
    /// How the request interrupt reaches the core.
    sgi: SgiSender,
    /// The core's reset line: holds a core that does not stop on request.
    reset: Option<ResetLine>,
    #[pin]
    power: CorePower,
    /// What the health checks saw of the heartbeat.
    #[pin]
    watch: Mutex<HeartbeatWatch>,
    /// One request in flight at a time.
    #[pin]
    request_lock: Mutex<()>,
}

/// The firmware region's parts and the core's resources, as the node gives
/// them.
pub(crate) struct CoreParts {
    pub(crate) area: SharedRegion,
    pub(crate) image: SharedRegion,
    pub(crate) vrings: Option<SharedRegion>,
    pub(crate) kind: CoreKind,
    pub(crate) mpidr: u64,
    pub(crate) sgi: SgiSender,
    pub(crate) reset: Option<ResetLine>,
}

impl RemoteCore {
    pub(crate) fn new(parts: CoreParts, power: impl PinInit<CorePower>) -> impl PinInit<Self> {
        pin_init!(Self {
            area: parts.area,
            image: parts.image,
            vrings: parts.vrings,
            kind: parts.kind,
            mpidr: parts.mpidr,
            sgi: parts.sgi,
            reset: parts.reset,
            power <- power,
            watch <- new_mutex!(HeartbeatWatch::new(
                WATCH_PERIOD_MS,
                PROD_AFTER_MS,
                HANG_AFTER_MS
            )),
            request_lock <- new_mutex!(()),
        })
    }

    fn page_read_u32(&self, off: usize) -> u32 {
        self.area.read_u32(LOG_RING_SIZE + off).unwrap_or(0)
    }

    fn page_write_u32(&self, off: usize, v: u32) -> Result {
        self.area
            .write_u32(LOG_RING_SIZE + off, v)
            .map_err(|_| EINVAL)
    }

    /// The firmware's state, as it says.
    pub(crate) fn state_name(&self) -> &'static str {
        match self.page_read_u32(OFF_STATE) {
            STATE_STARTING => "starting",
            STATE_STOPPED => "stopped",
            STATE_RUNNING => "running",
            STATE_REFUSED => "refused",
            STATE_CRASHED => "crashed",
            _ => "unknown",
        }
    }

    /// The firmware's memory the image may occupy.
    fn image_range(&self) -> core::ops::Range<WireAddr> {
        let base = wire_addr(self.image.phys());
        base..base + self.image.size() as WireAddr
    }

    /// Checks all of `data` as an image for this core.
    fn check_image(&self, name: &CStr, data: &[u8]) -> Result<FirmwareImage> {
        firmware_image::check(data, self.kind.elf_machine, self.image_range()).map_err(|e| {
            pr_err!(
                "firmware {}: refused, nothing started: {}\n",
                name,
                format_args!("{}", e)
            );
            EINVAL
        })
    }

    /// Checks all of `data`, then copies its segments into the region; a
    /// refused file writes nothing.
    fn load_image(&self, name: &CStr, data: &[u8]) -> Result {
        let base = wire_addr(self.image.phys());
        let image = self.check_image(name, data)?;
        let mut loaded = 0;
        for s in image.segments() {
            // Checked: inside the file and inside the region.
            let at = usize::try_from(s.paddr - base).map_err(|_| EINVAL)?;
            let bytes = data
                .get(s.file_offset..s.file_offset + s.file_size)
                .ok_or(EINVAL)?;
            let zeroed = usize::try_from(s.mem_size).map_err(|_| EINVAL)? - s.file_size;
            self.image.write_bytes(at, bytes).map_err(|_| EINVAL)?;
            self.image
                .zero(at + s.file_size, zeroed)
                .map_err(|_| EINVAL)?;
            loaded += s.file_size;
        }
        self.image.barrier();
        pr_info!(
            "firmware {}: {} segment(s), {} bytes loaded, entry {:#x}\n",
            name,
            image.segments().len(),
            loaded,
            image.entry
        );
        Ok(())
    }

    /// Readies the lifecycle page and the rings, powers the core and starts
    /// its CPU at `entry`; returns how long the firmware took to say it
    /// runs. A firmware that does not come up is turned off again.
    fn boot(&self, entry: PhysAddr) -> Result<u32> {
        // A clean log ring: remoteproc's trace0 shows it up to its first
        // NUL, so an earlier run's text must not trail this run's.
        self.area.zero(0, LOG_RING_SIZE).map_err(|_| EINVAL)?;
        for (off, value) in [
            (OFF_REFUSAL, 0),
            (OFF_LOG_HEAD, 0),
            (OFF_HEARTBEAT, 0),
            (OFF_RESOURCE_TABLE, 0),
            (OFF_RESOURCE_TABLE + 4, 0),
            (OFF_RESOURCE_TABLE_SIZE, 0),
            (OFF_STATE, STATE_STARTING),
        ] {
            self.page_write_u32(off, value)?;
        }
        self.area.barrier();
        self.watch.lock().restart();
        // Both sides start from ring index 0: the remote keeps no reset
        // handshake with Linux.
        if let Some(vrings) = &self.vrings {
            vrings.zero(0, vrings.size()).map_err(|_| EINVAL)?;
            vrings.barrier();
        }
        self.power.hold()?;
        if let Some(line) = &self.reset {
            if let Err(e) = line.deassert() {
                self.power.release();
                return Err(e);
            }
        }
        if let Err(e) = psci::cpu_on(self.mpidr, entry, 0) {
            pr_err!(
                "PSCI CPU_ON of CPU {:#x} at {:#x} failed: {:?}\n",
                self.mpidr,
                entry,
                e
            );
            self.power.release();
            return Err(EIO);
        }
        let came_up = poll_ms(START_TIMEOUT_MS, || {
            (self.page_read_u32(OFF_STATE) != STATE_STARTING).then_some(())
        });
        if let Some(((), waited)) = came_up {
            if self.page_read_u32(OFF_STATE) == STATE_RUNNING {
                return Ok(waited);
            }
        }
        pr_err!(
            "the firmware on CPU {:#x} did not come up within {} ms: {}\n",
            self.mpidr,
            START_TIMEOUT_MS,
            self.state_name()
        );
        let refusal = self.page_read_u32(OFF_REFUSAL);
        if refusal != 0 {
            pr_err!("the firmware refused: {}\n", ConfigError::describe(refusal));
        }
        // A firmware that refused or crashed turned its CPU off; one still
        // starting is held in reset if it can be.
        let off = match self.wait_off() {
            Ok(_) => Ok(0),
            Err(state) => {
                self.force_off("of failing to come up", format_args!("PSCI: {:?}", state))
            }
        };
        if off.is_ok() {
            self.power.release();
        }
        Err(EIO)
    }

    /// Where the running firmware says its resource table is, checked:
    /// inside the image's part of the region, of a size remoteproc can
    /// take, with a header it accepts. A firmware that names none, or a
    /// bad one, has no trace in Linux (said in dmesg).
    fn running_resource_table(&self) -> Option<(usize, usize)> {
        let at = self
            .area
            .read_u64(LOG_RING_SIZE + OFF_RESOURCE_TABLE)
            .unwrap_or(0);
        if at == 0 {
            return None;
        }
        let len = self.page_read_u32(OFF_RESOURCE_TABLE_SIZE) as usize;
        let off = at
            .checked_sub(wire_addr(self.image.phys()))
            .and_then(|off| usize::try_from(off).ok())
            .filter(|off| {
                (16..=MAX_RESOURCE_TABLE_SIZE).contains(&len)
                    && off
                        .checked_add(len)
                        .is_some_and(|end| end <= self.image.size())
            });
        let Some(off) = off else {
            pr_warn!(
                "remote CPU {:#x}: its resource table ({} bytes at {:#x}) is not inside its firmware memory: no trace\n",
                self.mpidr,
                len,
                at
            );
            return None;
        };
        let mut table = KVec::new();
        if table.resize(len, 0, GFP_KERNEL).is_err()
            || self.image.read_bytes(off, &mut table).is_err()
        {
            return None;
        }
        if !firmware_image::resource_table_header_ok(&table) {
            pr_warn!(
                "remote CPU {:#x}: its resource table at {:#x} has a header remoteproc does not accept: no trace\n",
                self.mpidr,
                at
            );
            return None;
        }
        Some((off, len))
    }

    /// Asks a running firmware to stop and waits, at most
    /// [`STOP_TIMEOUT_MS`], until PSCI reports its CPU off; returns how long
    /// that took. A firmware that stopped or crashed has turned its CPU off
    /// already. One that does not stop (it hangs, or ignores the request)
    /// is reported, and held in reset if the board has a reset line. The
    /// clocks and the domain are given back only once the CPU is off.
    fn halt(&self) -> Result<u32> {
        let asked = if self.page_read_u32(OFF_STATE) == STATE_RUNNING {
            self.post_request(REQUEST_STOP)
        } else {
            Ok(())
        };
        const AFTER: &str = "of the stop request";
        let off = match asked {
            Ok(()) => match self.wait_off() {
                Ok(waited) => Ok(waited),
                Err(state) => self.force_off(AFTER, format_args!("PSCI: {:?}", state)),
            },
            Err(e) if e == ETIMEDOUT => self.force_off(
                AFTER,
                format_args!("the request was not taken within {} ms", REQUEST_TIMEOUT_MS),
            ),
            Err(e) => self.force_off(
                AFTER,
                format_args!("the request failed: error {}", e.to_errno()),
            ),
        };
        if off.is_ok() {
            self.power.release();
        }
        off
    }

    /// The CPU did not turn off within [`STOP_TIMEOUT_MS`] `after` what
    /// should have turned it off (`why`): reports it, and holds the core in
    /// reset until PSCI reports it off if the board has a reset line.
    fn force_off(&self, after: &str, why: fmt::Arguments<'_>) -> Result<u32> {
        let Some(line) = &self.reset else {
            pr_err!(
                "CPU {:#x} did not turn off within {} ms {} ({}): reported, left as it is (no reset line)\n",
                self.mpidr,
                STOP_TIMEOUT_MS,
                after,
                why
            );
            return Err(ETIMEDOUT);
        };
        pr_warn!(
            "CPU {:#x} did not turn off within {} ms {} ({}): holding it in reset\n",
            self.mpidr,
            STOP_TIMEOUT_MS,
            after,
            why
        );
        line.assert()?;
        let off = self.wait_off();
        line.deassert()?;
        off.map_err(|state| {
            pr_err!(
                "CPU {:#x} is {:?} even in reset: reported, left as it is\n",
                self.mpidr,
                state
            );
            EIO
        })
    }

    /// Waits, at most [`STOP_TIMEOUT_MS`], until PSCI reports the CPU off;
    /// returns how long that took, or what PSCI said last.
    fn wait_off(&self) -> Result<u32, Result<AffinityState, psci::PsciError>> {
        let mut last = Ok(AffinityState::On);
        poll_ms(STOP_TIMEOUT_MS, || {
            last = psci::affinity_info(self.mpidr);
            // An error from PSCI will not go away by waiting.
            matches!(last, Ok(AffinityState::Off) | Err(_)).then_some(())
        })
        .filter(|_| last.is_ok())
        .map(|((), waited)| waited)
        .ok_or(last)
    }

    /// Posts lifecycle request `code` and waits until the firmware took it.
    fn post_request(&self, code: u32) -> Result {
        let _guard = self.request_lock.lock();
        if self.page_read_u32(OFF_STATE) != STATE_RUNNING {
            return Err(ENODEV);
        }
        self.page_write_u32(OFF_REQUEST_CODE, code)?;
        let seq = self.page_read_u32(OFF_REQUEST_SEQ).wrapping_add(1);
        self.area.barrier();
        self.page_write_u32(OFF_REQUEST_SEQ, seq)?;
        self.sgi.send(REQUEST_SGI)?;
        poll_ms(REQUEST_TIMEOUT_MS, || {
            (self.page_read_u32(OFF_REQUEST_DONE) == seq).then_some(())
        })
        .ok_or(ETIMEDOUT)?;
        if self.page_read_u32(OFF_REQUEST_RESULT) == 0 {
            Ok(())
        } else {
            Err(EINVAL)
        }
    }

    /// Whether the heartbeat moves: a firmware quiet for
    /// [`PROD_AFTER_MS`] is prodded with the request interrupt (nothing
    /// posted), which it answers with a beat; one that stays quiet for
    /// [`HANG_AFTER_MS`] hangs.
    fn heartbeat(&self) -> Health {
        let verdict = self.watch.lock().check(self.page_read_u32(OFF_HEARTBEAT));
        match verdict {
            Verdict::Alive => Health::Alive,
            Verdict::Prod => {
                // A failed prod shows as a hang soon enough.
                let _ = self.sgi.send(REQUEST_SGI);
                Health::Alive
            }
            Verdict::Hung { quiet_ms } => {
                pr_err!(
                    "remote firmware on CPU {:#x} hangs: no heartbeat for {} ms though prodded: reporting it to remoteproc\n",
                    self.mpidr,
                    quiet_ms
                );
                Health::Hung
            }
        }
    }
}

/// The remote core as remoteproc drives it.
impl RprocOps for RemoteCore {
    fn check(&self, name: &CStr, fw: &[u8]) -> Result {
        self.check_image(name, fw).map(|_| ())
    }

    fn load(&self, name: &CStr, fw: &[u8]) -> Result {
        self.load_image(name, fw)
    }

    fn boot_addr(&self, fw: &[u8]) -> DeviceAddr {
        // remoteproc asks for the entry before `load`; a file this check
        // refuses, `load` refuses too, so the 0 never starts a CPU.
        firmware_image::check(fw, self.kind.elf_machine, self.image_range())
            .map_or(0, |image| image.entry)
    }

    fn start(&self, entry: DeviceAddr) -> Result {
        // The remote sees memory at Linux's physical addresses; an entry
        // this kernel cannot address was refused by the image check.
        let entry = phys_from_wire(entry).ok_or(EINVAL)?;
        let waited = self.boot(entry)?;
        pr_info!(
            "remote firmware running on CPU {:#x} (entry {:#x}, {}{} clock(s) held, running after {} ms)\n",
            self.mpidr,
            entry,
            if self.vrings.is_some() { "vrings zeroed, " } else { "" },
            self.power.clock_count(),
            waited
        );
        Ok(())
    }

    fn stop(&self) -> Result {
        let waited = self.halt()?;
        pr_info!(
            "remote firmware on CPU {:#x} stopped (CPU off after {} ms, clocks released)\n",
            self.mpidr,
            waited
        );
        Ok(())
    }

    fn attach(&self) -> Result {
        // Running since the boot loader started it: from now on Linux
        // holds what it needs powered.
        self.power.hold()?;
        // Linux's GIC init has since disabled every SPI and routed it to
        // Linux's boot CPU, so the firmware takes its interrupts back.
        if let Err(e) = self.post_request(REQUEST_CLAIM_INTERRUPTS) {
            pr_err!(
                "remote CPU {:#x} already on ({}), but it did not claim its interrupts again (error {}): not attached\n",
                self.mpidr,
                self.state_name(),
                e.to_errno()
            );
            self.power.release();
            return Err(e);
        }
        pr_info!(
            "remote CPU {:#x} already on ({}): attached, firmware left running, its interrupts claimed again\n",
            self.mpidr,
            self.state_name()
        );
        Ok(())
    }

    fn memory(&self, index: usize) -> Option<&SharedRegion> {
        // The whole firmware region: the image's part, then the log ring
        // and the lifecycle page.
        [&self.image, &self.area].get(index).copied()
    }

    fn coredump_elf(&self) -> Option<(u8, u16)> {
        Some((self.kind.elf_class, self.kind.elf_machine))
    }

    fn loaded_resource_table(&self) -> Option<(&SharedRegion, usize, usize)> {
        self.running_resource_table()
            .map(|(off, len)| (&self.image, off, len))
    }

    const WATCH_PERIOD_MS: Option<u32> = Some(WATCH_PERIOD_MS);

    fn health(&self) -> Health {
        // The firmware's exception and panic handlers say so in the
        // lifecycle page before they turn the CPU off.
        if self.page_read_u32(OFF_STATE) != STATE_CRASHED {
            return self.heartbeat();
        }
        pr_err!(
            "remote firmware on CPU {:#x} crashed (its CPU is {}): reporting it to remoteproc\n",
            self.mpidr,
            match psci::affinity_info(self.mpidr) {
                Ok(AffinityState::Off) => "off",
                Ok(_) => "still on",
                Err(_) => "in an unknown state",
            }
        );
        Health::Crashed
    }
}
