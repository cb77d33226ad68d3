// SPDX-License-Identifier: GPL-2.0

//! The firmware's share of the board's GICv2 (a GIC-400, as on RK3506,
//! RK3562 and RK3576), which Linux also uses.
//!
//! As with the GICv3: Linux owns the distributor's global settings; the
//! firmware touches its own CPU interface, its banked SGI/PPI registers,
//! and the SPIs it serves (priority, trigger, target, enable). Interrupt
//! groups are left as the secure firmware or Linux set them.

use super::{gic_v3::GicError, phys::PhysWindow};
use core::cell::Cell;
use rpmsg_proto::shared_mem::{SharedMem, WireAddr, WireSize};

const GICD_ISENABLER: usize = 0x0100;
const GICD_ICENABLER: usize = 0x0180;
const GICD_ICPENDR: usize = 0x0280;
const GICD_ICACTIVER: usize = 0x0380;
const GICD_IPRIORITYR: usize = 0x0400;
const GICD_ITARGETSR: usize = 0x0800;
const GICD_ICFGR: usize = 0x0c00;
const GICD_SIZE: WireSize = 0x1000;

const GICC_CTLR: usize = 0x00;
const GICC_PMR: usize = 0x04;
const GICC_BPR: usize = 0x08;
const GICC_IAR: usize = 0x0c;
const GICC_EOIR: usize = 0x10;
const GICC_SIZE: WireSize = 0x2000;
/// Both groups signalled, and either acknowledged through GICC_IAR.
const GICC_CTLR_ENABLE: u32 = 0b111;

const PRIORITY: u8 = 0xa0;
const PRIORITY_MASK: u32 = 0xf0;
const FIRST_SPI: u32 = 32;
const LAST_SPI: u32 = 1019;
const INTID_MASK: u32 = 0x3ff;

/// This CPU's view of the GIC.
pub struct Gic {
    dist: PhysWindow,
    cpu: PhysWindow,
    /// This CPU's bit in GICD_ITARGETSR.
    target: u8,
    /// The last GICC_IAR value: an SGI's end of interrupt names its source.
    last_ack: Cell<u32>,
}

impl Gic {
    /// Maps the distributor at `gicd` and the CPU interface at `gicc`,
    /// learns this CPU's interface number, and turns the interface on.
    pub fn init(gicd: WireAddr, gicc: WireAddr) -> Result<Self, GicError> {
        let dist = PhysWindow::device(gicd, GICD_SIZE).map_err(|_| GicError::BadAddress)?;
        let cpu = PhysWindow::device(gicc, GICC_SIZE).map_err(|_| GicError::BadAddress)?;
        // GICD_ITARGETSR0..7 are banked: each byte reads as the reading
        // CPU's own interface bit.
        let target = dist
            .read_u8(GICD_ITARGETSR)
            .map_err(|_| GicError::BadAddress)?;
        if target == 0 {
            return Err(GicError::NoRedistributor);
        }
        let _ = cpu.write_u32(GICC_PMR, PRIORITY_MASK);
        let _ = cpu.write_u32(GICC_BPR, 0);
        let _ = cpu.write_u32(GICC_CTLR, GICC_CTLR_ENABLE);
        Ok(Self {
            dist,
            cpu,
            target,
            last_ack: Cell::new(SPURIOUS),
        })
    }

    /// Takes SPI `intid` for this CPU: the firmware's priority, level or
    /// edge, targeted here, enabled.
    pub fn claim_spi(&self, intid: u32, edge: bool) -> Result<(), GicError> {
        if !(FIRST_SPI..=LAST_SPI).contains(&intid) {
            return Err(GicError::NotAnSpi(intid));
        }
        let n = intid as usize;
        let word = 4 * (n / 32);
        let bit = 1u32 << (n % 32);
        let d = &self.dist;
        let _ = d.write_u32(GICD_ICENABLER + word, bit);
        let _ = d.write_u8(GICD_IPRIORITYR + n, PRIORITY);
        let cfg_word = GICD_ICFGR + 4 * (n / 16);
        let cfg_bit = 2u32 << (2 * (n % 16));
        let cfg = d.read_u32(cfg_word).unwrap_or(0);
        let cfg = if edge { cfg | cfg_bit } else { cfg & !cfg_bit };
        let _ = d.write_u32(cfg_word, cfg);
        let _ = d.write_u8(GICD_ITARGETSR + n, self.target);
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

    /// Enables SGI or PPI `intid` (0..31) for this CPU (banked registers).
    pub fn enable_private(&self, intid: u32) {
        let bit = 1u32 << (intid % 32);
        let d = &self.dist;
        let _ = d.write_u8(GICD_IPRIORITYR + (intid as usize % 32), PRIORITY);
        // A run before this one may have stopped in its handler.
        let _ = d.write_u32(GICD_ICACTIVER, bit);
        let _ = d.write_u32(GICD_ISENABLER, bit);
    }

    /// Acknowledges the highest-priority pending interrupt; [`SPURIOUS`]
    /// when none is.
    pub fn acknowledge(&self) -> u32 {
        let iar = self.cpu.read_u32(GICC_IAR).unwrap_or(SPURIOUS);
        self.last_ack.set(iar);
        iar & INTID_MASK
    }

    /// Ends the handling of `intid` (priority drop and deactivation).
    pub fn end_of_interrupt(&self, intid: u32) {
        let last = self.last_ack.get();
        // An SGI's end must carry the source CPU it was acknowledged with.
        let value = if last & INTID_MASK == intid {
            last
        } else {
            intid
        };
        let _ = self.cpu.write_u32(GICC_EOIR, value);
    }
}

/// What the CPU interface reads when nothing is pending.
pub const SPURIOUS: u32 = 1023;
