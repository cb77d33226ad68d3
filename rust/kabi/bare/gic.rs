// SPDX-License-Identifier: GPL-2.0

//! The board's GIC, whichever version the board description names: the
//! firmware code above this uses one interface for both.

use super::{gic_v2, gic_v3, phys::PhysWindow};
pub use gic_v3::{GicError, SPURIOUS};
use rpmsg_proto::shared_mem::{SharedMem, WireAddr};

// Distributor registers both versions share for SPIs.
const GICD_ISENABLER: usize = 0x0100;
const GICD_ICENABLER: usize = 0x0180;
const GICD_ISPENDR: usize = 0x0200;
const FIRST_SPI: u32 = 32;
const LAST_SPI: u32 = 1019;

/// This CPU's view of a GICv3 or a GICv2.
pub enum Gic {
    V3(gic_v3::Gic),
    V2(gic_v2::Gic),
}

impl Gic {
    /// A GICv3 with its distributor at `gicd` and redistributors from
    /// `gicr_or_gicc` on, or (`v2`) a GICv2 with its CPU interface there.
    pub fn init(gicd: WireAddr, gicr_or_gicc: WireAddr, v2: bool) -> Result<Self, GicError> {
        Ok(if v2 {
            Gic::V2(gic_v2::Gic::init(gicd, gicr_or_gicc)?)
        } else {
            Gic::V3(gic_v3::Gic::init(gicd, gicr_or_gicc)?)
        })
    }

    pub fn claim_spi(&self, intid: u32, edge: bool) -> Result<(), GicError> {
        match self {
            Gic::V3(g) => g.claim_spi(intid, edge),
            Gic::V2(g) => g.claim_spi(intid, edge),
        }
    }

    fn distributor(&self) -> &PhysWindow {
        match self {
            Gic::V3(g) => g.distributor(),
            Gic::V2(g) => g.distributor(),
        }
    }

    /// Turns SPI `intid` off or back on (one it claimed).
    pub fn set_spi_enabled(&self, intid: u32, on: bool) {
        if (FIRST_SPI..=LAST_SPI).contains(&intid) {
            let n = intid as usize;
            let reg = if on { GICD_ISENABLER } else { GICD_ICENABLER };
            let _ = self
                .distributor()
                .write_u32(reg + 4 * (n / 32), 1 << (n % 32));
        }
    }

    /// Sets SPI `intid` pending (the mailbox-less variant's ring to Linux).
    pub fn set_spi_pending(&self, intid: u32) -> Result<(), GicError> {
        if !(FIRST_SPI..=LAST_SPI).contains(&intid) {
            return Err(GicError::NotAnSpi(intid));
        }
        let n = intid as usize;
        let _ = self
            .distributor()
            .write_u32(GICD_ISPENDR + 4 * (n / 32), 1 << (n % 32));
        Ok(())
    }

    /// Whether SPI `intid` is pending now.
    pub fn spi_pending(&self, intid: u32) -> bool {
        let n = intid as usize;
        self.distributor()
            .read_u32(GICD_ISPENDR + 4 * (n / 32))
            .map(|w| w & (1 << (n % 32)) != 0)
            .unwrap_or(false)
    }

    pub fn enable_private(&self, intid: u32) {
        match self {
            Gic::V3(g) => g.enable_private(intid),
            Gic::V2(g) => g.enable_private(intid),
        }
    }

    pub fn acknowledge(&self) -> u32 {
        match self {
            Gic::V3(g) => g.acknowledge(),
            Gic::V2(g) => g.acknowledge(),
        }
    }

    pub fn end_of_interrupt(&self, intid: u32) {
        match self {
            Gic::V3(g) => g.end_of_interrupt(intid),
            Gic::V2(g) => g.end_of_interrupt(intid),
        }
    }
}
