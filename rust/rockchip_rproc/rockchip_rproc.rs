// SPDX-License-Identifier: GPL-2.0

//! The remote core of a Rockchip AMP SoC (RK3506, RK3562, RK3568, RK3576,
//! RK3588) as a remote processor: Linux loads its firmware, starts, stops
//! and recovers it, or attaches to one the boot loader started.
//!
//! The node (`rockchip,<soc>-rproc`) names the remote's CPU by MPIDR (a CPU
//! absent from Linux's /cpus), its no-map firmware region, optionally the
//! rpmsg vrings it serves, its clocks, power domain and reset line.
//! remoteproc reads the ELF file (`firmware-name`, or the sysfs `firmware`,
//! under /lib/firmware); it is checked whole before a byte is written (the
//! SoC's ELF machine, every PT_LOAD segment inside the region below the
//! lifecycle area). `start` zeroes the vrings, holds the clocks and the
//! domain, and starts the CPU with PSCI CPU_ON at the ELF's entry; `stop`
//! asks the firmware to stop through the lifecycle page and waits, bounded,
//! for PSCI to report its CPU off (else the reset line holds it). A
//! firmware that crashes or whose heartbeat stops is reported to
//! remoteproc, which recovers it.

use kernel::{
    device::{self, Bound, Device},
    io::ResourceSize,
    of, platform,
    prelude::*,
    str::CString,
};

#[path = "../bindings/mod.rs"]
mod sys;

#[allow(dead_code)]
#[path = "../kabi/compat.rs"]
mod compat;

#[path = "../kabi/clock_set.rs"]
mod clock_set;
#[path = "../kabi/gic_sgi.rs"]
mod gic_sgi;
#[path = "../kabi/poll.rs"]
mod poll;
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
#[path = "../kabi/runtime_pm.rs"]
mod runtime_pm;
#[allow(dead_code)]
#[path = "../kabi/shared_mem.rs"]
mod shared_mem;

mod core_power;
#[path = "../kabi/shared_mem_proto.rs"]
mod memory;
mod proto;
mod remote_core;

use clock_set::ClockSet;
use core_power::CorePower;
use proto::{
    firmware_control::CONTROL_AREA_SIZE,
    firmware_image::{ELFCLASS32, ELFCLASS64, EM_AARCH64, EM_ARM},
};
use psci::AffinityState;
use remote_core::{CoreKind, CoreParts, RemoteCore};
use remoteproc::Registration;
use reset_line::ResetLine;
use runtime_pm::RuntimePm;
use shared_mem::SharedRegion;

/// What differs between the SoCs.
struct SocInfo {
    kind: CoreKind,
    /// The firmware file when the node names none.
    default_firmware: &'static CStr,
}

const AARCH64: CoreKind = CoreKind {
    elf_class: ELFCLASS64,
    elf_machine: EM_AARCH64,
};

/// RK3506's cores are Cortex-A7: its firmware is a 32-bit ARM image.
const RK3506: SocInfo = SocInfo {
    kind: CoreKind {
        elf_class: ELFCLASS32,
        elf_machine: EM_ARM,
    },
    default_firmware: c"rockchip/rk3506-rtthread.elf",
};
const RK3562: SocInfo = SocInfo {
    kind: AARCH64,
    default_firmware: c"rockchip/rk3562-rtthread.elf",
};
const RK3568: SocInfo = SocInfo {
    kind: AARCH64,
    default_firmware: c"rockchip/rk3568-rtthread.elf",
};
const RK3576: SocInfo = SocInfo {
    kind: AARCH64,
    default_firmware: c"rockchip/rk3576-rtthread.elf",
};
const RK3588: SocInfo = SocInfo {
    kind: AARCH64,
    default_firmware: c"rockchip/rk3588-rtthread.elf",
};

compat::of_id_table!(
    OF_TABLE,
    <RockchipRproc as platform::Driver>::IdInfo,
    [
        (of::DeviceId::new(c"rockchip,rk3506-rproc"), RK3506),
        (of::DeviceId::new(c"rockchip,rk3562-rproc"), RK3562),
        (of::DeviceId::new(c"rockchip,rk3568-rproc"), RK3568),
        (of::DeviceId::new(c"rockchip,rk3576-rproc"), RK3576),
        (of::DeviceId::new(c"rockchip,rk3588-rproc"), RK3588),
    ]
);

/// One bound remote-core node. Dropping the registration stops a remote
/// Linux runs.
struct RockchipRproc {
    _rproc: Registration<RemoteCore>,
}

impl platform::Driver for RockchipRproc {
    type IdInfo = SocInfo;
    type Data<'bound> = Self;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<device::Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self, Error> + 'bound {
        let dev: &Device<Bound> = pdev.as_ref();
        info.ok_or(ENODEV).and_then(|info| Self::bind(dev, info))
    }
}

impl RockchipRproc {
    /// The node's memory: the firmware region split into the image's part
    /// and the lifecycle area at its end, and the vrings if named.
    fn memory(dev: &Device<Bound>) -> Result<(SharedRegion, SharedRegion, Option<SharedRegion>)> {
        let firmware = reserved_mem::region_by_name(dev, c"firmware").inspect_err(|e| {
            dev_err!(
                dev,
                "memory-region: no \"firmware\" entry (a no-map reserved-memory region) (error {})\n",
                e.to_errno()
            );
        })?;
        let area_range = firmware.tail(CONTROL_AREA_SIZE as ResourceSize);
        let image_range = firmware.without_tail(CONTROL_AREA_SIZE as ResourceSize);
        let (Some(area_range), Some(image_range)) = (area_range, image_range) else {
            dev_err!(
                dev,
                "memory-region \"firmware\": {:#x} bytes leave no room for an image below the {:#x}-byte log ring and lifecycle page\n",
                firmware.size(),
                CONTROL_AREA_SIZE
            );
            return Err(EINVAL);
        };
        let vrings = match reserved_mem::region_by_name(dev, c"vrings") {
            Ok(range) => Some(SharedRegion::map_remote_view(&range)?),
            // No "vrings" in memory-region-names.
            Err(e) if e.to_errno() == -(kernel::bindings::ENODATA as i32) => None,
            Err(e) => {
                dev_err!(dev, "memory-region \"vrings\": error {}\n", e.to_errno());
                return Err(e);
            }
        };
        Ok((
            SharedRegion::map_remote_view(&area_range)?,
            SharedRegion::map_remote_view(&image_range)?,
            vrings,
        ))
    }

    fn bind(dev: &Device<Bound>, info: &SocInfo) -> Result<Self> {
        let fwnode = dev.fwnode().ok_or(ENODEV)?;
        let mpidr: u32 = fwnode.property_read(c"rockchip,mpidr").required_by(dev)?;
        let mpidr = u64::from(mpidr);
        // The stop and claim-interrupts requests and the heartbeat prod
        // are SGIs to the remote's core.
        let sgi = gic_sgi::SgiSender::to_core(mpidr).inspect_err(|e| {
            dev_err!(
                dev,
                "no way to send CPU {:#x} an SGI (error {}): the board's GIC is neither an available arm,gic-v3 nor a GICv2 distributor with that core's interface (Aff0 below 8)\n",
                mpidr,
                e.to_errno()
            );
        })?;
        let (area, image, vrings) = Self::memory(dev)?;
        let firmware_name: CString =
            match fwnode.property_read::<CString>(c"firmware-name").optional() {
                Some(name) => name,
                None => CString::try_from_fmt(fmt!("{}", info.default_firmware))?,
            };
        let reset = ResetLine::optional(dev).inspect_err(|e| {
            dev_err!(
                dev,
                "resets: cannot get the core's reset line (error {})\n",
                e.to_errno()
            );
        })?;
        let clocks = ClockSet::of_node(dev).inspect_err(|e| {
            dev_err!(
                dev,
                "clocks: cannot get the core's clocks (error {})\n",
                e.to_errno()
            );
        })?;
        let domain = RuntimePm::enable(dev)?;
        let state = psci::affinity_info(mpidr).map_err(|e| {
            dev_err!(
                dev,
                "PSCI AFFINITY_INFO for CPU {:#x} failed: {:?} (is the CPU in TF-A's power tree, and absent from /cpus?)\n",
                mpidr,
                e
            );
            ENODEV
        })?;
        let core = kernel::sync::Arc::pin_init(
            RemoteCore::new(
                CoreParts {
                    area,
                    image,
                    vrings,
                    kind: info.kind,
                    mpidr,
                    sgi,
                    reset,
                },
                CorePower::new(clocks, domain),
            ),
            GFP_KERNEL,
        )?;
        // A CPU already on was started before Linux (by the boot loader,
        // or left running by an earlier load of this module): it is
        // attached to. Otherwise it is started here if `auto_boot`, and
        // can be started and stopped through /sys/class/remoteproc.
        let running = state != AffinityState::Off;
        dev_info!(
            dev,
            "remote core on CPU {:#x}: {}, firmware {}\n",
            mpidr,
            if running {
                "already on, attaching"
            } else {
                "off"
            },
            &*firmware_name
        );
        let rproc = Registration::register(dev, dev.name(), &firmware_name, core, running)?;
        if !running && compat::param(&module_parameters::auto_boot) != 0 {
            rproc.boot()?;
        }
        Ok(Self { _rproc: rproc })
    }
}

kernel::module_platform_driver! {
    type: RockchipRproc,
    name: "rockchip_rproc",
    authors: ["rockchip-rpmsg developers"],
    description: "Remote core of Rockchip AMP SoCs as a remote processor: ELF firmware, PSCI CPU_ON, stop, attach, crash and hang recovery",
    license: "GPL",
    params: {
        auto_boot: u32 {
            default: 1,
            description: "Start a remote core that is off at probe (0: it waits for 'start' in its sysfs state)",
        },
    },
}
