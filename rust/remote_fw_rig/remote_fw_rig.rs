// SPDX-License-Identifier: GPL-2.0

//! The QEMU board's side of the firmware remote, rig only: what a firmware
//! built for one board has compiled in, and what a test reaches without
//! Linux's rpmsg side.
//!
//! At probe, while the remote CPU is off, it writes the board description
//! (doorbell wiring, interrupts, regions, flags) into the firmware's control
//! page (`rpmsg_proto::firmware_control`), where the firmware reads it at
//! every start; a running remote's description is left as it is. Its
//! debugfs directory shows the firmware's state, counters and console log,
//! and takes the rig's fault knobs (`knob`), which reach the firmware
//! through the control page and a software-generated interrupt. Starting,
//! stopping and recovering the remote is rockchip_rproc's job.

use core::fmt::{self, Write};
use kernel::{
    debugfs::{Dir, Scope},
    device::{self, Bound, Device},
    of, platform,
    prelude::*,
    str::CString,
    uaccess::UserSliceReader,
};

#[path = "../bindings/mod.rs"]
mod sys;

#[allow(dead_code)]
#[path = "../kabi/compat.rs"]
mod compat;

#[path = "../kabi/gic_sgi.rs"]
mod gic_sgi;
#[path = "../kabi/poll.rs"]
mod poll;
#[allow(dead_code)]
#[path = "../kabi/psci.rs"]
mod psci;
#[allow(dead_code)]
#[path = "../kabi/reserved_mem.rs"]
mod reserved_mem;
#[allow(dead_code)]
#[path = "../kabi/shared_mem.rs"]
mod shared_mem;

#[allow(dead_code)]
#[path = "../kabi/dec64.rs"]
mod dec64;
#[path = "../kabi/shared_mem_proto.rs"]
mod memory;
mod proto;

use dec64::Dec;
use poll::poll_ms;
use proto::{
    firmware_control::{
        log_ring_contents, read_u64, BoardDescription, ConfigError, Wire, CONTROL_AREA_SIZE,
        COUNTER_NAMES, FLAG_CLIENT_SAMPLE, FLAG_CONSUMED_NOTIFY, FLAG_GIC_V2, FLAG_LOG_MESSAGES,
        FLAG_SEMIHOSTING, KNOB_TEXT_SIZE, LOG_RING_SIZE, OFF_COUNTERS, OFF_KNOB_DONE,
        OFF_KNOB_RESULT, OFF_KNOB_SEQ, OFF_KNOB_TEXT, OFF_LOG_HEAD, OFF_REFUSAL, OFF_STATE,
        REQUEST_SGI, STATE_CRASHED, STATE_REFUSED, STATE_RUNNING, STATE_STARTING, STATE_STOPPED,
    },
    shared_mem::SharedMem,
};
use psci::AffinityState;
use shared_mem::{wire_addr, wire_size, SharedRegion};

/// How long the firmware may take to take a knob.
const KNOB_TIMEOUT_MS: u32 = 1000;

compat::of_id_table!(
    OF_TABLE,
    <RemoteFwRig as platform::Driver>::IdInfo,
    [(of::DeviceId::new(c"rockchip-rpmsg-test,remote-fw"), ())]
);

/// The firmware's control area (log ring, then control page), mapped.
#[pin_data]
struct ControlArea {
    area: SharedRegion,
    /// How the knob interrupt reaches the remote's core.
    sgi: gic_sgi::SgiSender,
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
                Dec(read_u64(&page, OFF_COUNTERS + 8 * i).unwrap_or(0))
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
        self.sgi.send(REQUEST_SGI)?;
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

struct Files {
    control: kernel::sync::Arc<ControlArea>,
    knob: KnobWriter,
}

/// One bound rig node: its debugfs files.
struct RemoteFwRig {
    _files: Pin<KBox<Scope<Files>>>,
    _root: Dir,
}

impl platform::Driver for RemoteFwRig {
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

impl RemoteFwRig {
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
        let gic: [proto::shared_mem::WireAddr; 2] = fwnode
            .property_read(c"rockchip-rpmsg-test,gic")
            .required_by(dev)?;
        let (to_linux_regs, from_linux_regs) = if wire == Wire::Lines {
            (0, 0)
        } else {
            let blocks: [proto::shared_mem::WireAddr; 2] = fwnode
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
        // The second `gic` address is a GICv2's CPU interface.
        let gic_version: u32 = fwnode
            .property_read(c"rockchip-rpmsg-test,gic-version")
            .or(3);
        match gic_version {
            2 => flags |= FLAG_GIC_V2,
            3 => {}
            other => {
                dev_err!(
                    dev,
                    "rockchip-rpmsg-test,gic-version: {} is not 2 or 3\n",
                    other
                );
                return Err(EINVAL);
            }
        }
        for (param, flag) in [
            (
                compat::param(&module_parameters::log_messages),
                FLAG_LOG_MESSAGES,
            ),
            (
                compat::param(&module_parameters::client_sample),
                FLAG_CLIENT_SAMPLE,
            ),
            (
                compat::param(&module_parameters::consumed_notify),
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
            vrings: (wire_addr(vrings.start()), wire_size(vrings.size())),
            pool: (wire_addr(pool.start()), wire_size(pool.size())),
            to_linux_regs,
            from_linux_regs,
            gicd: gic[0],
            gicr: gic[1],
            announce_delay_ms: compat::param(&module_parameters::announce_delay_ms),
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
        let control_range = firmware
            .tail(CONTROL_AREA_SIZE as kernel::io::ResourceSize)
            .ok_or_else(|| {
                dev_err!(dev, "firmware region smaller than its control area\n");
                EINVAL
            })?;
        let area = SharedRegion::map_remote_view(&control_range)?;
        let board = Self::describe(dev)?;
        let state = psci::affinity_info(mpidr).map_err(|e| {
            dev_err!(
                dev,
                "PSCI AFFINITY_INFO for CPU {:#x} failed: {:?}\n",
                mpidr,
                e
            );
            ENODEV
        })?;
        // The firmware reads the description when it starts: a running
        // one (started before Linux, or by rockchip_rproc) keeps the one
        // it started with.
        if state == AffinityState::Off {
            board.write(&Page(&area)).map_err(|_| EINVAL)?;
            dev_info!(dev, "board description written for CPU {:#x}\n", mpidr);
        } else {
            dev_info!(
                dev,
                "CPU {:#x} is on: its board description left as it is\n",
                mpidr
            );
        }
        let sgi = gic_sgi::SgiSender::to_core(mpidr)?;
        let control = kernel::sync::Arc::pin_init(
            pin_init!(ControlArea {
                area,
                sgi,
                knob_lock <- kernel::new_mutex!(()),
            }),
            GFP_KERNEL,
        )?;

        let root = Dir::new(c"remote_fw_rig");
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
            _files: files,
            _root: root,
        })
    }
}

kernel::module_platform_driver! {
    type: RemoteFwRig,
    name: "remote_fw_rig",
    authors: ["rockchip-rpmsg developers"],
    description: "The QEMU board's firmware remote: its board description, state, counters, log and fault knobs; rig only",
    license: "GPL",
    params: {
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
