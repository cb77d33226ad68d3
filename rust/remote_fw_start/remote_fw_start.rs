// SPDX-License-Identifier: GPL-2.0

//! The QEMU board's remote core as a remote processor (remoteproc), started
//! at probe as U-Boot starts it on a Rockchip board. Rig only, until the
//! lifecycle driver takes its place.
//!
//! remoteproc reads the firmware file (`firmware-name`, then the sysfs
//! `firmware`, under /lib/firmware); `load` copies it into the firmware's
//! no-map region once `rpmsg_proto::firmware_image` has checked all of it
//! (an AArch64 ELF executable whose segments all lie in the region, below
//! the control area): a refused file is named in dmesg with the reason and
//! nothing starts. `start` writes the board description into the
//! firmware's control page (`rpmsg_proto::firmware_control`), zeroes the
//! vrings and starts the CPU with PSCI CPU_ON at the ELF's entry; `stop`
//! asks the firmware to stop and waits, bounded, for PSCI to report its CPU
//! off. A CPU already on at probe is attached to, its description left as
//! it is. The debugfs directory shows the firmware's state, counters and
//! console log, and takes the rig's knobs (`knob`), which reach the
//! firmware through the control page and a software-generated interrupt,
//! without Linux's rpmsg side.

use core::fmt::{self, Write};
use kernel::{
    debugfs::{Dir, Scope},
    device::{self, Bound, Device},
    of, platform,
    prelude::*,
    str::CString,
    time::{delay::fsleep, Delta, Instant, Monotonic},
    uaccess::UserSliceReader,
};

#[path = "../bindings/mod.rs"]
mod sys;

#[path = "../kabi/gic_sgi.rs"]
mod gic_sgi;
#[path = "../kabi/psci.rs"]
mod psci;
#[allow(dead_code)]
#[path = "../kabi/remoteproc.rs"]
mod remoteproc;
#[allow(dead_code)]
#[path = "../kabi/reserved_mem.rs"]
mod reserved_mem;
#[path = "../kabi/reset_line.rs"]
mod reset_line;
#[allow(dead_code)]
#[path = "../kabi/shared_mem.rs"]
mod shared_mem;

#[path = "../kabi/shared_mem_proto.rs"]
mod memory;
mod proto;

use kernel::sync::atomic::{Atomic, Relaxed};
use proto::{
    firmware_control::{
        log_ring_contents, read_u64, BoardDescription, ConfigError, Wire, CONTROL_AREA_SIZE,
        COUNTER_NAMES, FLAG_CLIENT_SAMPLE, FLAG_CONSUMED_NOTIFY, FLAG_LOG_MESSAGES,
        FLAG_SEMIHOSTING, KNOB_TEXT_SIZE, LOG_RING_SIZE, OFF_COUNTERS, OFF_HEARTBEAT,
        OFF_KNOB_DONE, OFF_KNOB_RESULT, OFF_KNOB_SEQ, OFF_KNOB_TEXT, OFF_LOG_HEAD, OFF_REFUSAL,
        OFF_STATE, STATE_CRASHED, STATE_REFUSED, STATE_RUNNING, STATE_STARTING, STATE_STOPPED,
    },
    firmware_image::{self, FirmwareImage, ELFCLASS64, EM_AARCH64},
    shared_mem::SharedMem,
};
use psci::AffinityState;
use remoteproc::{Health, Registration, RprocOps};
use reset_line::ResetLine;
use shared_mem::SharedRegion;

/// The SGI that tells the firmware a knob is posted.
const KNOB_SGI: u8 = 15;
/// How long the firmware may take to say it runs, or to take a knob.
const START_TIMEOUT_MS: u32 = 2000;
const KNOB_TIMEOUT_MS: u32 = 1000;
/// How often a running firmware's health is checked.
const WATCH_PERIOD_MS: u32 = 100;
/// How long a firmware may leave its heartbeat still, prodded every check,
/// before it counts as hung: above its longest legitimate silence (a
/// doorbell waits at most 500 ms for Linux to take the previous one).
const HANG_AFTER_MS: u32 = 2000;
/// How long a stopping firmware may take to turn its CPU off.
const STOP_TIMEOUT_MS: u32 = 1000;
/// The firmware file when the node names none.
const DEFAULT_FIRMWARE: &CStr = c"rockchip-rpmsg/remote_fw.elf";

kernel::of_device_table!(
    OF_TABLE,
    MODULE_OF_TABLE,
    <RemoteFwStart as platform::Driver>::IdInfo,
    [(of::DeviceId::new(c"rockchip-rpmsg-test,remote-fw"), ())]
);

/// The firmware's control area (log ring, then control page), mapped.
#[pin_data]
struct ControlArea {
    area: SharedRegion,
    /// The rpmsg vring region, zeroed when the rig restarts the remote.
    vrings: SharedRegion,
    /// What the firmware is told at every start.
    board: BoardDescription,
    /// The firmware's region below its control area, where its image loads.
    image: SharedRegion,
    mpidr: u64,
    /// The core's reset line (`resets`), if the board has one: a remote
    /// that does not stop on request is held in reset.
    reset: Option<ResetLine>,
    /// The heartbeat the last health check saw, and how many checks in a
    /// row have seen it unchanged.
    last_beat: Atomic<u32>,
    quiet_checks: Atomic<u32>,
    /// Serialises knobs: one in flight at a time.
    #[pin]
    knob_lock: kernel::sync::Mutex<()>,
}

impl ControlArea {
    fn page_read_u32(&self, off: usize) -> u32 {
        self.area.read_u32(LOG_RING_SIZE + off).unwrap_or(0)
    }

    fn state_name(&self) -> &'static str {
        match self.page_read_u32(OFF_STATE) {
            STATE_STARTING => "starting",
            STATE_STOPPED => "stopped",
            STATE_RUNNING => "running",
            STATE_REFUSED => "refused",
            STATE_CRASHED => "crashed",
            _ => "unknown",
        }
    }

    fn write_state(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.state_name())?;
        let refusal = self.page_read_u32(OFF_REFUSAL);
        if refusal != 0 {
            writeln!(f, "refused: {}", ConfigError::describe(refusal))?;
        }
        Ok(())
    }

    fn write_stats(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let page = Page(&self.area);
        for (i, name) in COUNTER_NAMES.iter().enumerate() {
            writeln!(
                f,
                "{} {}",
                name,
                read_u64(&page, OFF_COUNTERS + 8 * i).unwrap_or(0)
            )?;
        }
        Ok(())
    }

    fn write_log(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = self.page_read_u32(OFF_LOG_HEAD);
        let mut chunk = [0u8; 256];
        for (off, len) in log_ring_contents(head) {
            let mut done = 0;
            while done < len {
                let n = (len - done).min(chunk.len());
                let buf = &mut chunk[..n];
                if self.area.read_bytes(off + done, buf).is_err() {
                    return Ok(());
                }
                for b in buf.iter() {
                    f.write_char(if b.is_ascii() { char::from(*b) } else { '?' })?;
                }
                done += n;
            }
        }
        Ok(())
    }

    /// The firmware's memory the image may occupy (the region below the
    /// control area).
    fn image_range(&self) -> core::ops::Range<u64> {
        let base = self.image.phys();
        base..base + self.image.size() as u64
    }

    /// Checks all of `data` as an image for this remote.
    fn check_image(&self, name: &CStr, data: &[u8]) -> Result<FirmwareImage> {
        firmware_image::check(data, EM_AARCH64, self.image_range()).map_err(|e| {
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
        let base = self.image.phys();
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

    /// Writes the board description, zeroes the vrings (the remote starts
    /// from ring index 0, as Linux's next probe does) and starts the remote
    /// CPU at `entry`; returns how long the firmware took to say it runs.
    fn boot(&self, entry: u64) -> Result<u32> {
        // A clean log ring: remoteproc's trace0 shows it up to its first
        // NUL, so an earlier run's text must not trail this run's.
        self.area.zero(0, LOG_RING_SIZE).map_err(|_| EINVAL)?;
        self.board.write(&Page(&self.area)).map_err(|_| EINVAL)?;
        self.last_beat.store(0, Relaxed);
        self.quiet_checks.store(0, Relaxed);
        if let Some(line) = &self.reset {
            line.deassert()?;
        }
        self.vrings
            .zero(0, self.vrings.size())
            .map_err(|_| EINVAL)?;
        psci::cpu_on(self.mpidr, entry, 0).map_err(|e| {
            pr_err!(
                "PSCI CPU_ON of CPU {:#x} at {:#x} failed: {:?}\n",
                self.mpidr,
                entry,
                e
            );
            EIO
        })?;
        let came_up = poll_ms(START_TIMEOUT_MS, || {
            (self.page_read_u32(OFF_STATE) != STATE_STARTING).then_some(())
        });
        if let Some(((), waited)) = came_up {
            if self.page_read_u32(OFF_STATE) == STATE_RUNNING {
                return Ok(waited);
            }
        }
        pr_err!(
            "the firmware on CPU {:#x} did not come up: {}\n",
            self.mpidr,
            self.state_name()
        );
        let refusal = self.page_read_u32(OFF_REFUSAL);
        if refusal != 0 {
            pr_err!("the firmware refused: {}\n", ConfigError::describe(refusal));
        }
        Err(EIO)
    }

    /// Asks a running firmware to stop and waits, at most
    /// [`STOP_TIMEOUT_MS`], until PSCI reports its CPU off; returns how long
    /// that took. A firmware that stopped or crashed has turned its CPU off
    /// already. One that does not stop (it hangs, or ignores the request)
    /// is reported, and held in reset if the board has a reset line.
    fn halt(&self) -> Result<u32> {
        let asked = if self.page_read_u32(OFF_STATE) == STATE_RUNNING {
            self.post_knob("stop")
        } else {
            Ok(())
        };
        match asked {
            Ok(()) => match self.wait_off() {
                Ok(waited) => Ok(waited),
                Err(state) => self.force_off(format_args!("PSCI: {:?}", state)),
            },
            Err(e) if e == ETIMEDOUT => self.force_off(format_args!(
                "the request was not taken within {} ms",
                KNOB_TIMEOUT_MS
            )),
            Err(e) => self.force_off(format_args!("the request failed: {:?}", e)),
        }
    }

    /// The firmware did not stop on request (`why`): reports it, and holds
    /// the core in reset until PSCI reports it off if the board has a reset
    /// line.
    fn force_off(&self, why: fmt::Arguments<'_>) -> Result<u32> {
        let Some(line) = &self.reset else {
            pr_err!(
                "CPU {:#x} did not turn off within {} ms of the stop request ({}): reported, left as it is (no reset line)\n",
                self.mpidr,
                STOP_TIMEOUT_MS,
                why
            );
            return Err(ETIMEDOUT);
        };
        pr_warn!(
            "CPU {:#x} did not turn off within {} ms of the stop request ({}): holding it in reset\n",
            self.mpidr,
            STOP_TIMEOUT_MS,
            why
        );
        line.assert()?;
        let off = self.wait_off();
        line.deassert()?;
        match off {
            Ok(waited) => Ok(waited),
            Err(state) => {
                pr_err!(
                    "CPU {:#x} is {:?} even in reset: reported, left as it is\n",
                    self.mpidr,
                    state
                );
                Err(EIO)
            }
        }
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

    /// Posts `text` as a knob and waits until the firmware took it.
    fn post_knob(&self, text: &str) -> Result {
        let _guard = self.knob_lock.lock();
        let bytes = text.trim().as_bytes();
        if bytes.is_empty() || bytes.len() >= KNOB_TEXT_SIZE {
            return Err(EINVAL);
        }
        if self.page_read_u32(OFF_STATE) != STATE_RUNNING {
            return Err(ENODEV);
        }
        let mut padded = [0u8; KNOB_TEXT_SIZE];
        padded[..bytes.len()].copy_from_slice(bytes);
        let base = LOG_RING_SIZE;
        self.area
            .write_bytes(base + OFF_KNOB_TEXT, &padded)
            .map_err(|_| EINVAL)?;
        let seq = self.page_read_u32(OFF_KNOB_SEQ).wrapping_add(1);
        self.area.barrier();
        self.area
            .write_u32(base + OFF_KNOB_SEQ, seq)
            .map_err(|_| EINVAL)?;
        gic_sgi::send_sgi(KNOB_SGI, self.mpidr)?;
        poll_ms(KNOB_TIMEOUT_MS, || {
            (self.page_read_u32(OFF_KNOB_DONE) == seq).then_some(())
        })
        .ok_or(ETIMEDOUT)?;
        if self.page_read_u32(OFF_KNOB_RESULT) == 0 {
            Ok(())
        } else {
            Err(EINVAL)
        }
    }
}

impl ControlArea {
    /// Whether the heartbeat moves: a quiet firmware is prodded with the
    /// knob interrupt (no knob posted), which it answers with a beat; one
    /// that stays quiet for [`HANG_AFTER_MS`] hangs.
    fn heartbeat(&self) -> Health {
        let beat = self.page_read_u32(OFF_HEARTBEAT);
        if beat != self.last_beat.xchg(beat, Relaxed) {
            self.quiet_checks.store(0, Relaxed);
            return Health::Alive;
        }
        let quiet = self.quiet_checks.fetch_add(1, Relaxed) + 1;
        if quiet * WATCH_PERIOD_MS < HANG_AFTER_MS {
            let _ = gic_sgi::send_sgi(KNOB_SGI, self.mpidr);
            return Health::Alive;
        }
        pr_err!(
            "remote firmware on CPU {:#x} hangs: no heartbeat for {} ms though prodded: reporting it to remoteproc\n",
            self.mpidr,
            quiet * WATCH_PERIOD_MS
        );
        Health::Hung
    }
}

/// Calls `done` every millisecond until it returns `Some`, for at most
/// `limit_ms` of the monotonic clock; returns its value and the
/// milliseconds that took, or `None` once the time is up.
fn poll_ms<T>(limit_ms: u32, mut done: impl FnMut() -> Option<T>) -> Option<(T, u32)> {
    let start = Instant::<Monotonic>::now();
    loop {
        let elapsed = u32::try_from(start.elapsed().as_millis()).unwrap_or(u32::MAX);
        if let Some(value) = done() {
            return Some((value, elapsed));
        }
        if elapsed >= limit_ms {
            return None;
        }
        fsleep(Delta::from_millis(1));
    }
}

/// The control page as the protocol crate's accessors see it.
struct Page<'a>(&'a SharedRegion);

impl SharedMem for Page<'_> {
    fn size(&self) -> usize {
        self.0.size() - LOG_RING_SIZE
    }
    fn read_u16(&self, off: usize) -> Result<u16, proto::shared_mem::OutOfBounds> {
        SharedMem::read_u16(self.0, LOG_RING_SIZE + off)
    }
    fn read_u32(&self, off: usize) -> Result<u32, proto::shared_mem::OutOfBounds> {
        SharedMem::read_u32(self.0, LOG_RING_SIZE + off)
    }
    fn read_u64(&self, off: usize) -> Result<u64, proto::shared_mem::OutOfBounds> {
        SharedMem::read_u64(self.0, LOG_RING_SIZE + off)
    }
    fn write_u16(&self, off: usize, v: u16) -> Result<(), proto::shared_mem::OutOfBounds> {
        SharedMem::write_u16(self.0, LOG_RING_SIZE + off, v)
    }
    fn write_u32(&self, off: usize, v: u32) -> Result<(), proto::shared_mem::OutOfBounds> {
        SharedMem::write_u32(self.0, LOG_RING_SIZE + off, v)
    }
    fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result<(), proto::shared_mem::OutOfBounds> {
        SharedMem::read_bytes(self.0, LOG_RING_SIZE + off, buf)
    }
    fn write_bytes(&self, off: usize, buf: &[u8]) -> Result<(), proto::shared_mem::OutOfBounds> {
        SharedMem::write_bytes(self.0, LOG_RING_SIZE + off, buf)
    }
    fn barrier(&self) {
        SharedMem::barrier(self.0)
    }
}

/// Reads what user space wrote (at most `N` bytes) as text and hands it to
/// `take`.
fn with_written_text<const N: usize>(
    reader: &mut UserSliceReader,
    take: impl FnOnce(&str) -> Result,
) -> Result {
    let mut buf = [0u8; N];
    let dst = buf.get_mut(..reader.len()).ok_or(EINVAL)?;
    reader.read_slice(dst)?;
    take(core::str::from_utf8(dst).map_err(|_| EINVAL)?)
}

/// Accepts knobs written to the `knob` file.
struct KnobWriter {
    control: kernel::sync::Arc<ControlArea>,
}

impl kernel::debugfs::Reader for KnobWriter {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        with_written_text::<KNOB_TEXT_SIZE>(reader, |text| {
            self.control.post_knob(text).inspect_err(|e| {
                pr_warn!("knob '{}' not taken: {:?}\n", text.trim(), e);
            })
        })
    }
}

/// The remote processor as remoteproc drives it.
impl RprocOps for ControlArea {
    fn check(&self, name: &CStr, fw: &[u8]) -> Result {
        self.check_image(name, fw).map(|_| ())
    }

    fn load(&self, name: &CStr, fw: &[u8]) -> Result {
        self.load_image(name, fw)
    }

    fn boot_addr(&self, fw: &[u8]) -> u64 {
        // remoteproc asks for the entry before `load`; a file this check
        // refuses, `load` refuses too, so the 0 never starts a CPU.
        firmware_image::check(fw, EM_AARCH64, self.image_range()).map_or(0, |image| image.entry)
    }

    fn start(&self, entry: u64) -> Result {
        let waited = self.boot(entry)?;
        pr_info!(
            "remote firmware running on CPU {:#x} (entry {:#x}, vrings zeroed, running after {} ms)\n",
            self.mpidr,
            entry,
            waited
        );
        Ok(())
    }

    fn stop(&self) -> Result {
        let waited = self.halt()?;
        pr_info!(
            "remote firmware on CPU {:#x} stopped (CPU off after {} ms)\n",
            self.mpidr,
            waited
        );
        Ok(())
    }

    fn attach(&self) -> Result {
        // Started before Linux (by the boot loader): Linux's GIC init has
        // since disabled every SPI and routed it to Linux's boot CPU, so
        // the firmware takes its doorbell line back.
        self.post_knob("claim-interrupts").inspect_err(|e| {
            pr_err!(
                "remote CPU {:#x} already on ({}), but it did not claim its interrupts again ({:?}): not attached\n",
                self.mpidr,
                self.state_name(),
                e
            );
        })?;
        pr_info!(
            "remote CPU {:#x} already on ({}): attached, firmware left running, its doorbell interrupt claimed again\n",
            self.mpidr,
            self.state_name()
        );
        Ok(())
    }

    fn memory(&self, index: usize) -> Option<&SharedRegion> {
        // The whole firmware region: the image's part, then the control
        // area (its log ring and control page).
        [&self.image, &self.area].get(index).copied()
    }

    const COREDUMP_ELF: Option<(u8, u16)> = Some((ELFCLASS64, EM_AARCH64));

    const WATCH_PERIOD_MS: Option<u32> = Some(WATCH_PERIOD_MS);

    fn health(&self) -> Health {
        // The firmware's exception and panic handlers say so in the control
        // page before they turn the CPU off.
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

struct Files {
    control: kernel::sync::Arc<ControlArea>,
    knob: KnobWriter,
}

/// One bound firmware node. The remote processor goes first: removing it
/// stops a remote Linux started.
struct RemoteFwStart {
    _rproc: Registration<ControlArea>,
    _files: Pin<KBox<Scope<Files>>>,
    _root: Dir,
}

impl platform::Driver for RemoteFwStart {
    type IdInfo = ();
    type Data<'bound> = Self;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<device::Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self, Error> + 'bound {
        Self::start(pdev.as_ref())
    }
}

fn wire_from_name(name: &CStr) -> Option<Wire> {
    match name.to_bytes() {
        b"four-channel" => Some(Wire::FourChannel),
        b"one-channel" => Some(Wire::OneChannel),
        b"lines" => Some(Wire::Lines),
        _ => None,
    }
}

impl RemoteFwStart {
    /// The board description from the node and the module's parameters.
    fn describe(dev: &Device<Bound>) -> Result<BoardDescription> {
        let fwnode = dev.fwnode().ok_or(ENODEV)?;
        let wire: CString = fwnode
            .property_read(c"rockchip-rpmsg-test,wire")
            .required_by(dev)?;
        let wire = wire_from_name(&wire).ok_or_else(|| {
            dev_err!(
                dev,
                "rockchip-rpmsg-test,wire: not four-channel, one-channel or lines\n"
            );
            EINVAL
        })?;
        let link_id: u32 = fwnode.property_read(c"rockchip,link-id").required_by(dev)?;
        let vdevs: u32 = fwnode.property_read(c"rockchip,vdev-nums").or(1);
        let doorbell_spi: u32 = fwnode
            .property_read(c"rockchip-rpmsg-test,doorbell-spi")
            .required_by(dev)?;
        let ring_spi: u32 = fwnode.property_read(c"rockchip-rpmsg-test,ring-spi").or(0);
        let gic: [u64; 2] = fwnode
            .property_read(c"rockchip-rpmsg-test,gic")
            .required_by(dev)?;
        let (to_linux_regs, from_linux_regs) = if wire == Wire::Lines {
            (0, 0)
        } else {
            let blocks: [u64; 2] = fwnode
                .property_read(c"rockchip-rpmsg-test,mbox-regs")
                .required_by(dev)?;
            (blocks[0], blocks[1])
        };
        let region = |name: &CStr| {
            reserved_mem::region_by_name(dev, name).inspect_err(|_| {
                dev_err!(dev, "memory-region: no \"{}\" entry\n", name);
            })
        };
        let vrings = region(c"vrings")?;
        let pool = region(c"pool")?;
        let mut flags = FLAG_SEMIHOSTING;
        for (param, flag) in [
            (*module_parameters::log_messages.value(), FLAG_LOG_MESSAGES),
            (
                *module_parameters::client_sample.value(),
                FLAG_CLIENT_SAMPLE,
            ),
            (
                *module_parameters::consumed_notify.value(),
                FLAG_CONSUMED_NOTIFY,
            ),
        ] {
            if param != 0 {
                flags |= flag;
            }
        }
        let spi_intid = |spi: u32| spi.checked_add(32).ok_or(EINVAL);
        Ok(BoardDescription {
            flags,
            wire,
            link_id,
            vdevs,
            doorbell_intid: spi_intid(doorbell_spi)?,
            ring_intid: if wire == Wire::Lines {
                spi_intid(ring_spi)?
            } else {
                0
            },
            vrings: (vrings.start(), vrings.size()),
            pool: (pool.start(), pool.size()),
            to_linux_regs,
            from_linux_regs,
            gicd: gic[0],
            gicr: gic[1],
            announce_delay_ms: *module_parameters::announce_delay_ms.value(),
        })
    }

    fn start(dev: &Device<Bound>) -> Result<Self> {
        let fwnode = dev.fwnode().ok_or(ENODEV)?;
        let mpidr: u32 = fwnode
            .property_read(c"rockchip-rpmsg-test,cpu")
            .required_by(dev)?;
        let mpidr = u64::from(mpidr);
        let firmware = reserved_mem::region_by_name(dev, c"firmware").inspect_err(|_| {
            dev_err!(dev, "memory-region: no \"firmware\" entry\n");
        })?;
        let control_range = firmware.tail(CONTROL_AREA_SIZE as u64).ok_or_else(|| {
            dev_err!(dev, "firmware region smaller than its control area\n");
            EINVAL
        })?;
        let area = SharedRegion::map_remote_view(&control_range)?;
        let image_range = firmware
            .without_tail(CONTROL_AREA_SIZE as u64)
            .ok_or(EINVAL)?;
        let image = SharedRegion::map_remote_view(&image_range)?;
        let firmware_name: CString =
            match fwnode.property_read::<CString>(c"firmware-name").optional() {
                Some(name) => name,
                None => CString::try_from_fmt(fmt!("{}", DEFAULT_FIRMWARE))?,
            };
        let board = Self::describe(dev)?;
        let reset = ResetLine::optional(dev).inspect_err(|e| {
            dev_err!(dev, "resets: cannot get the core's reset line ({:?})\n", e);
        })?;
        let vrings = reserved_mem::region_by_name(dev, c"vrings")?;
        let vrings = SharedRegion::map_remote_view(&vrings)?;
        let control = kernel::sync::Arc::pin_init(
            pin_init!(ControlArea {
                area,
                vrings,
                board,
                image,
                mpidr,
                reset,
                last_beat: Atomic::new(0),
                quiet_checks: Atomic::new(0),
                knob_lock <- kernel::new_mutex!(()),
            }),
            GFP_KERNEL,
        )?;

        let state = psci::affinity_info(mpidr).map_err(|e| {
            dev_err!(
                dev,
                "PSCI AFFINITY_INFO for CPU {:#x} failed: {:?}\n",
                mpidr,
                e
            );
            ENODEV
        })?;
        // A remote already on (started before Linux, or left running by an
        // earlier load of this module) is attached to; otherwise it is
        // started here, as U-Boot would, and can be stopped and started
        // again through /sys/class/remoteproc.
        let running = state != AffinityState::Off;
        let rproc =
            Registration::register(dev, dev.name(), &firmware_name, control.clone(), running)?;
        if !running && *module_parameters::auto_boot.value() != 0 {
            rproc.boot()?;
        }

        let root = Dir::new(c"remote_fw_start");
        let files = Files {
            control: control.clone(),
            knob: KnobWriter { control },
        };
        let files = KBox::pin_init(
            root.scope(files, dev.name(), |files, dir| {
                type Shown = kernel::sync::Arc<ControlArea>;
                dir.read_callback_file(c"state", &files.control, &|c: &Shown, f| c.write_state(f));
                dir.read_callback_file(c"stats", &files.control, &|c: &Shown, f| c.write_stats(f));
                dir.read_callback_file(c"log", &files.control, &|c: &Shown, f| c.write_log(f));
                dir.write_only_file(c"knob", &files.knob);
            }),
            GFP_KERNEL,
        )?;
        Ok(Self {
            _rproc: rproc,
            _files: files,
            _root: root,
        })
    }
}

kernel::module_platform_driver! {
    type: RemoteFwStart,
    name: "remote_fw_start",
    authors: ["rockchip-rpmsg developers"],
    description: "The QEMU board's remote core as a remote processor: firmware from /lib/firmware, PSCI CPU_ON; rig only",
    license: "GPL",
    params: {
        auto_boot: u32 {
            default: 1,
            description: "Start the remote at probe, as U-Boot would (0: it waits for 'start' in its sysfs state)",
        },
        client_sample: u32 {
            default: 0,
            description: "The firmware also announces rpmsg-client-sample at 0x3001",
        },
        announce_delay_ms: u32 {
            default: 100,
            description: "Milliseconds from Linux's first doorbell to the firmware's announcements",
        },
        log_messages: u32 {
            default: 1,
            description: "The firmware prints message:<text> len:<n> for every echo, like RT-Thread",
        },
        consumed_notify: u32 {
            default: 0,
            description: "The firmware rings Linux after consuming its messages (RK3506/RK3562/RK3588 configuration; off as RK3568)",
        },
    },
}
