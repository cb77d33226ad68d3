// SPDX-License-Identifier: GPL-2.0

//! The firmware's share of the board's GICv3, which Linux also uses.
//!
//! Linux owns the distributor's global settings. The firmware touches only
//! what an RTOS sharing the GIC must: its own redistributor and CPU
//! interface, and the SPIs it serves (group, priority, trigger, routing to
//! itself, enable). It never reconfigures a line it does not own.

use super::phys::PhysWindow;
use core::arch::asm;
use rpmsg_proto::shared_mem::{SharedMem, WireAddr, WireSize};

const GICD_IGROUPR: usize = 0x0080;
const GICD_ISENABLER: usize = 0x0100;
const GICD_ICENABLER: usize = 0x0180;
const GICD_ICPENDR: usize = 0x0280;
const GICD_ICACTIVER: usize = 0x0380;
const GICD_IPRIORITYR: usize = 0x0400;
const GICD_ICFGR: usize = 0x0c00;
const GICD_IROUTER: usize = 0x6000;
const GICD_SIZE: WireSize = 0x1_0000;

/// One redistributor: its RD frame and SGI frame.
const GICR_FRAME_PAIR: usize = 0x2_0000;
const GICR_WAKER: usize = 0x0014;
const GICR_TYPER: usize = 0x0008;
const GICR_SGI_FRAME: usize = 0x1_0000;
const TYPER_LAST: u64 = 1 << 4;
const WAKER_PROCESSOR_SLEEP: u32 = 1 << 1;
const WAKER_CHILDREN_ASLEEP: u32 = 1 << 2;
/// Redistributors looked at before giving up on finding this CPU's.
const MAX_REDISTRIBUTORS: usize = 64;

/// The priority of the firmware's interrupts (all equal: it takes one at a
/// time anyway) and the mask that lets them through.
const PRIORITY: u8 = 0xa0;
const PRIORITY_MASK: u64 = 0xf0;

/// First and last SPI INTIDs.
const FIRST_SPI: u32 = 32;
const LAST_SPI: u32 = 1019;
/// What the CPU interface reads when nothing is pending.
pub const SPURIOUS: u32 = 1023;

/// Why the GIC could not be set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GicError {
    /// A GIC base address is outside the board's device space.
    BadAddress,
    /// No redistributor has this CPU's affinity.
    NoRedistributor,
    /// The redistributor did not wake up.
    RedistributorAsleep,
    /// The INTID is not an SPI.
    NotAnSpi(u32),
}

/// This CPU's view of the GIC.
pub struct Gic {
    dist: PhysWindow,
    /// This CPU's SGI/PPI frame.
    sgi: PhysWindow,
    affinity: u64,
}

impl Gic {
    /// Finds this CPU's redistributor among those from `gicr` on, wakes
    /// it, and turns on the CPU interface for group 1 interrupts.
    pub fn init(gicd: WireAddr, gicr: WireAddr) -> Result<Self, GicError> {
        let dist = PhysWindow::device(gicd, GICD_SIZE).map_err(|_| GicError::BadAddress)?;
        let affinity = super::cpu::affinity();
        // GICR_TYPER[63:32] holds Aff3.Aff2.Aff1.Aff0.
        let wanted = ((affinity >> 8) & 0xff00_0000) | (affinity & 0xff_ffff);
        let mut rd = None;
        for i in 0..MAX_REDISTRIBUTORS {
            let base = gicr + (i * GICR_FRAME_PAIR) as WireAddr;
            let frame = PhysWindow::device(base, GICR_FRAME_PAIR as WireSize)
                .map_err(|_| GicError::NoRedistributor)?;
            let typer = frame
                .read_u64_pair(GICR_TYPER)
                .map_err(|_| GicError::BadAddress)?;
            if typer >> 32 == wanted {
                rd = Some(frame);
                break;
            }
            if typer & TYPER_LAST != 0 {
                break;
            }
        }
        let rd = rd.ok_or(GicError::NoRedistributor)?;
        let waker = rd.read_u32(GICR_WAKER).map_err(|_| GicError::BadAddress)?;
        let _ = rd.write_u32(GICR_WAKER, waker & !WAKER_PROCESSOR_SLEEP);
        let mut awake = false;
        for _ in 0..100_000 {
            if rd.read_u32(GICR_WAKER).unwrap_or(WAKER_CHILDREN_ASLEEP) & WAKER_CHILDREN_ASLEEP == 0
            {
                awake = true;
                break;
            }
        }
        if !awake {
            return Err(GicError::RedistributorAsleep);
        }
        let sgi = rd
            .sub(GICR_SGI_FRAME, GICR_SGI_FRAME)
            .ok_or(GicError::BadAddress)?;
        // SAFETY: these are this CPU's own interface registers: system
        // register access on, every priority above the mask let through,
        // group 1 enabled. Nothing else on the board depends on them.
        unsafe {
            asm!(
                "mrs {t}, icc_sre_el1",
                "orr {t}, {t}, #1",
                "msr icc_sre_el1, {t}",
                "isb",
                "msr icc_pmr_el1, {pmr}",
                "msr icc_bpr1_el1, xzr",
                "msr icc_ctlr_el1, xzr",
                "mov {t}, #1",
                "msr icc_igrpen1_el1, {t}",
                "isb",
                t = out(reg) _,
                pmr = in(reg) PRIORITY_MASK,
                options(nostack)
            );
        }
        Ok(Self {
            dist,
            sgi,
            affinity,
        })
    }

    /// Takes SPI `intid` for this CPU: group 1, the firmware's priority,
    /// level or edge, routed here, enabled.
    pub fn claim_spi(&self, intid: u32, edge: bool) -> Result<(), GicError> {
        if !(FIRST_SPI..=LAST_SPI).contains(&intid) {
            return Err(GicError::NotAnSpi(intid));
        }
        let n = intid as usize;
        let word = 4 * (n / 32);
        let bit = 1u32 << (n % 32);
        let d = &self.dist;
        let _ = d.write_u32(GICD_ICENABLER + word, bit);
        let group = d.read_u32(GICD_IGROUPR + word).unwrap_or(0);
        let _ = d.write_u32(GICD_IGROUPR + word, group | bit);
        let _ = d.write_u8(GICD_IPRIORITYR + n, PRIORITY);
        let cfg_word = GICD_ICFGR + 4 * (n / 16);
        let cfg_bit = 2u32 << (2 * (n % 16));
        let cfg = d.read_u32(cfg_word).unwrap_or(0);
        let cfg = if edge { cfg | cfg_bit } else { cfg & !cfg_bit };
        let _ = d.write_u32(cfg_word, cfg);
        // Aff3 sits in IROUTER bits 39:32 as in MPIDR; routing mode 0 (to
        // this one CPU).
        let router = GICD_IROUTER + 8 * n;
        let _ = d.write_u32(router, self.affinity as u32);
        let _ = d.write_u32(router + 4, (self.affinity >> 32) as u32);
        let _ = d.write_u32(GICD_ICPENDR + word, bit);
        // A run before this one may have stopped in its handler.
        let _ = d.write_u32(GICD_ICACTIVER + word, bit);
        let _ = d.write_u32(GICD_ISENABLER + word, bit);
        Ok(())
    }

    /// The distributor, for what both GIC versions do the same way.
    pub(super) fn distributor(&self) -> &PhysWindow {
        &self.dist
    }

    /// Enables SGI or PPI `intid` (0..31) for this CPU, group 1.
    pub fn enable_private(&self, intid: u32) {
        let bit = 1u32 << (intid % 32);
        let s = &self.sgi;
        let group = s.read_u32(GICD_IGROUPR).unwrap_or(0);
        let _ = s.write_u32(GICD_IGROUPR, group | bit);
        let _ = s.write_u8(GICD_IPRIORITYR + (intid as usize % 32), PRIORITY);
        // A run before this one may have stopped in its handler.
        let _ = s.write_u32(GICD_ICACTIVER, bit);
        let _ = s.write_u32(GICD_ISENABLER, bit);
    }

    /// Acknowledges the highest-priority pending interrupt; [`SPURIOUS`]
    /// when none is.
    pub fn acknowledge(&self) -> u32 {
        let intid: u64;
        // SAFETY: reading ICC_IAR1_EL1 acknowledges an interrupt at this
        // CPU's interface; the caller ends it with `end_of_interrupt`.
        unsafe { asm!("mrs {}, icc_iar1_el1", out(reg) intid, options(nomem, nostack)) };
        (intid & 0xff_ffff) as u32
    }

    /// Ends the handling of `intid` (priority drop and deactivation).
    pub fn end_of_interrupt(&self, intid: u32) {
        // SAFETY: ICC_EOIR1_EL1 ends an interrupt this CPU acknowledged.
        unsafe {
            asm!("msr icc_eoir1_el1, {}", "isb", in(reg) u64::from(intid), options(nomem, nostack))
        };
    }
}
