//! The control page of the board's remote firmware.
//!
//! The last page of the firmware's memory region. Whoever starts the remote
//! core (the rig's boot helper, as U-Boot would) writes the board
//! description there before CPU_ON; the firmware reads it once at start and
//! from then on writes its state, counters and console log, and reads the
//! knobs the rig posts. Nothing here needs Linux's rpmsg side, so a knob
//! works while the transport is unloaded. The log ring is the page's
//! neighbour below ([`LOG_RING_SIZE`] bytes).
//!
//! Offsets are in bytes from the start of the page; values little-endian.

use super::shared_mem::{OutOfBounds, SharedMem, WireAddr, WireSize};

/// Size of the control page.
pub const CONTROL_PAGE_SIZE: usize = 4096;
/// Size of the console log ring directly below the control page.
pub const LOG_RING_SIZE: usize = 60 * 1024;
/// Bytes at the end of the firmware region the two take together.
pub const CONTROL_AREA_SIZE: usize = CONTROL_PAGE_SIZE + LOG_RING_SIZE;

/// `"RFWC"`, written last by the starter: the description is complete.
pub const MAGIC: u32 = 0x4357_4652;
/// Layout version of this file.
pub const VERSION: u32 = 1;

const OFF_MAGIC: usize = 0x00;
const OFF_VERSION: usize = 0x04;
const OFF_FLAGS: usize = 0x08;
const OFF_WIRE: usize = 0x0c;
const OFF_LINK_ID: usize = 0x10;
const OFF_VDEVS: usize = 0x14;
const OFF_DOORBELL_INTID: usize = 0x18;
const OFF_RING_INTID: usize = 0x1c;
const OFF_VRINGS: usize = 0x20;
const OFF_POOL: usize = 0x30;
const OFF_TO_LINUX_REGS: usize = 0x40;
const OFF_FROM_LINUX_REGS: usize = 0x48;
const OFF_GICD: usize = 0x50;
const OFF_GICR: usize = 0x58;
const OFF_ANNOUNCE_DELAY_MS: usize = 0x60;

/// Firmware state (written by the firmware).
pub const OFF_STATE: usize = 0x100;
/// Why the firmware refused to run (a [`ConfigError`] code), or 0.
pub const OFF_REFUSAL: usize = 0x104;
/// Total bytes ever written to the log ring (the firmware's write head).
pub const OFF_LOG_HEAD: usize = 0x108;
/// The firmware's heartbeat: bumped after every pass of its main loop and
/// between the doorbells of a long knob, so a count that stops moving
/// while Linux prods the firmware (a knob interrupt with no knob) means it
/// hangs.
pub const OFF_HEARTBEAT: usize = 0x10c;
/// Knob sequence: the rig writes the knob text, then bumps this.
pub const OFF_KNOB_SEQ: usize = 0x110;
/// The last knob sequence the firmware applied.
pub const OFF_KNOB_DONE: usize = 0x114;
/// 0 if that knob was applied, 1 if the firmware did not know it.
pub const OFF_KNOB_RESULT: usize = 0x118;
/// The knob text, NUL-padded.
pub const OFF_KNOB_TEXT: usize = 0x120;
/// Room for the knob text.
pub const KNOB_TEXT_SIZE: usize = 64;
/// The counters, one `u64` each in the order of [`COUNTER_NAMES`].
pub const OFF_COUNTERS: usize = 0x200;

// The lifecycle contract: what Linux's remoteproc driver (rockchip_rproc)
// reads and writes, and what any firmware it manages implements (see
// docs/REMOTEPROC.md): OFF_STATE (Linux writes STATE_STARTING before
// CPU_ON), OFF_LOG_HEAD, OFF_HEARTBEAT, the request slot and the resource
// table's place below. The
// request slot is apart from the rig's knobs, so that a lifecycle request
// never races a test knob.

/// Request sequence: Linux writes the request code, then bumps this and
/// sends the request SGI to the remote's CPU.
pub const OFF_REQUEST_SEQ: usize = 0x180;
/// The last request sequence the firmware handled.
pub const OFF_REQUEST_DONE: usize = 0x184;
/// 0 if that request was carried out, 1 if the firmware did not know it.
pub const OFF_REQUEST_RESULT: usize = 0x188;
/// The request code.
pub const OFF_REQUEST_CODE: usize = 0x18c;
/// Request: mask every interrupt, write [`STATE_STOPPED`], turn the CPU off
/// (PSCI CPU_OFF).
pub const REQUEST_STOP: u32 = 1;
/// Request: route the firmware's SPIs to its own CPU and enable them again
/// (Linux attached after its GIC init took them).
pub const REQUEST_CLAIM_INTERRUPTS: u32 = 2;
/// Where the firmware's resource table is (physical address, `u64`; 0:
/// none), written by the firmware at start, so that Linux finds the trace
/// buffer of a remote it attached to and did not load.
pub const OFF_RESOURCE_TABLE: usize = 0x190;
/// The resource table's size in bytes (`u32`).
pub const OFF_RESOURCE_TABLE_SIZE: usize = 0x198;
/// The largest resource table Linux reads from a running firmware.
pub const MAX_RESOURCE_TABLE_SIZE: usize = 4096;
/// The software-generated interrupt that says a request or a knob is
/// posted, and that prods a quiet firmware into a heartbeat.
pub const REQUEST_SGI: u8 = 15;

/// [`OFF_STATE`] values.
pub const STATE_STARTING: u32 = 0;
/// The firmware serves the link.
pub const STATE_RUNNING: u32 = 1;
/// The description was refused ([`OFF_REFUSAL`] says why); the CPU is off.
pub const STATE_REFUSED: u32 = 2;
/// The firmware took an exception; the CPU is off.
pub const STATE_CRASHED: u32 = 3;
/// The firmware stopped on request (the `stop` knob); the CPU is off.
pub const STATE_STOPPED: u32 = 4;

/// Flag: send a doorbell after consuming Linux's messages (RK3506, RK3562,
/// RK3588 configurations); off as on RK3568.
pub const FLAG_CONSUMED_NOTIFY: u32 = 1 << 0;
/// Flag: print `message:<text> len:<n>` for every echoed message.
pub const FLAG_LOG_MESSAGES: u32 = 1 << 1;
/// Flag: announce `rpmsg-client-sample` at 0x3001.
pub const FLAG_CLIENT_SAMPLE: u32 = 1 << 2;
/// Flag: the board has a semihosting console.
pub const FLAG_SEMIHOSTING: u32 = 1 << 3;
/// Flag: the board's GIC is a GICv2 (GIC-400): the second GIC address is
/// its CPU interface, not the first redistributor.
pub const FLAG_GIC_V2: u32 = 1 << 4;

/// Counter names, in slot order.
pub const COUNTER_NAMES: [&str; 19] = [
    "wakeups",
    "interrupts",
    "doorbell_interrupts",
    "timer_interrupts",
    "spurious_interrupts",
    "doorbells_in",
    "bad_doorbells_in",
    "doorbells_out",
    "messages_in",
    "messages_out",
    "consumed",
    "waits_for_buffers",
    "protocol_errors",
    "dropped_unknown",
    "source_sent",
    "knobs_applied",
    "busy_us",
    "rings_while_pending",
    "b2a_busy_waits",
];

/// How doorbells travel between Linux and the remote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// A four-channel Rockchip AMP mailbox block: Linux receives on
    /// channel 0, sends on channel 1.
    FourChannel,
    /// Two one-channel blocks: Linux receives on the first, sends on the second.
    OneChannel,
    /// No mailbox: Linux sets the remote's SPI pending and the remote sets
    /// Linux's.
    Lines,
}

impl Wire {
    fn code(self) -> u32 {
        match self {
            Wire::FourChannel => 1,
            Wire::OneChannel => 2,
            Wire::Lines => 3,
        }
    }

    fn from_code(code: u32) -> Option<Self> {
        match code {
            1 => Some(Wire::FourChannel),
            2 => Some(Wire::OneChannel),
            3 => Some(Wire::Lines),
            _ => None,
        }
    }
}

/// Why a description was refused; the code goes to [`OFF_REFUSAL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// No magic: nobody described the board.
    NoMagic,
    /// A layout version this firmware does not know.
    Version(u32),
    /// An unknown doorbell wire.
    Wire(u32),
    /// No instance, or more than the rings region holds.
    Vdevs(u32),
    /// An interrupt that is not an SPI.
    Intid(u32),
    /// A region of size 0.
    EmptyRegion,
    /// The page is too small.
    Truncated,
}

impl ConfigError {
    /// The code written to [`OFF_REFUSAL`].
    pub fn code(self) -> u32 {
        match self {
            ConfigError::NoMagic => 1,
            ConfigError::Version(_) => 2,
            ConfigError::Wire(_) => 3,
            ConfigError::Vdevs(_) => 4,
            ConfigError::Intid(_) => 5,
            ConfigError::EmptyRegion => 6,
            ConfigError::Truncated => 7,
        }
    }

    /// A one-line description for a refusal code.
    pub fn describe(code: u32) -> &'static str {
        match code {
            0 => "none",
            1 => "no board description (magic missing)",
            2 => "unknown description version",
            3 => "unknown doorbell wire",
            4 => "bad instance count",
            5 => "interrupt is not an SPI",
            6 => "empty memory region",
            7 => "control page truncated",
            _ => "unknown refusal code",
        }
    }
}

/// Most instances the firmware serves (the rings region holds 16).
pub const MAX_VDEVS: u32 = 16;

/// The board as the firmware needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardDescription {
    /// [`FLAG_CONSUMED_NOTIFY`] and the others.
    pub flags: u32,
    /// The doorbell wire.
    pub wire: Wire,
    /// The link id Linux's doorbells carry.
    pub link_id: u32,
    /// rpmsg instances.
    pub vdevs: u32,
    /// The SPI that brings Linux's doorbells (A2B of Linux's tx channel, or
    /// the tx line).
    pub doorbell_intid: u32,
    /// The SPI the remote sets pending to ring Linux (lines only; 0 else).
    pub ring_intid: u32,
    /// The vring region: physical address, size.
    pub vrings: (WireAddr, WireSize),
    /// The buffer pool: physical address, size.
    pub pool: (WireAddr, WireSize),
    /// The mailbox block Linux receives on (B2A side).
    pub to_linux_regs: WireAddr,
    /// The mailbox block Linux sends on (A2B side).
    pub from_linux_regs: WireAddr,
    /// GIC distributor and first redistributor.
    pub gicd: WireAddr,
    /// First redistributor frame.
    pub gicr: WireAddr,
    /// Time from link-up to the announcements.
    pub announce_delay_ms: u32,
}

fn spi(intid: u32) -> bool {
    (32..1020).contains(&intid)
}

impl BoardDescription {
    /// Writes the description, the magic last.
    pub fn write<M: SharedMem>(&self, page: &M) -> Result<(), OutOfBounds> {
        page.write_u32(OFF_MAGIC, 0)?;
        page.write_u32(OFF_VERSION, VERSION)?;
        page.write_u32(OFF_FLAGS, self.flags)?;
        page.write_u32(OFF_WIRE, self.wire.code())?;
        page.write_u32(OFF_LINK_ID, self.link_id)?;
        page.write_u32(OFF_VDEVS, self.vdevs)?;
        page.write_u32(OFF_DOORBELL_INTID, self.doorbell_intid)?;
        page.write_u32(OFF_RING_INTID, self.ring_intid)?;
        write_u64(page, OFF_VRINGS, self.vrings.0)?;
        write_u64(page, OFF_VRINGS + 8, self.vrings.1)?;
        write_u64(page, OFF_POOL, self.pool.0)?;
        write_u64(page, OFF_POOL + 8, self.pool.1)?;
        write_u64(page, OFF_TO_LINUX_REGS, self.to_linux_regs)?;
        write_u64(page, OFF_FROM_LINUX_REGS, self.from_linux_regs)?;
        write_u64(page, OFF_GICD, self.gicd)?;
        write_u64(page, OFF_GICR, self.gicr)?;
        page.write_u32(OFF_ANNOUNCE_DELAY_MS, self.announce_delay_ms)?;
        page.write_u32(OFF_STATE, STATE_STARTING)?;
        page.write_u32(OFF_REFUSAL, 0)?;
        page.write_u32(OFF_LOG_HEAD, 0)?;
        page.write_u32(OFF_HEARTBEAT, 0)?;
        page.write_u32(OFF_KNOB_SEQ, 0)?;
        page.write_u32(OFF_KNOB_DONE, 0)?;
        page.write_u32(OFF_REQUEST_SEQ, 0)?;
        page.write_u32(OFF_REQUEST_DONE, 0)?;
        for i in 0..COUNTER_NAMES.len() {
            write_u64(page, OFF_COUNTERS + 8 * i, 0)?;
        }
        page.barrier();
        page.write_u32(OFF_MAGIC, MAGIC)?;
        page.barrier();
        Ok(())
    }

    /// Reads and checks a description.
    pub fn read<M: SharedMem>(page: &M) -> Result<Self, ConfigError> {
        let r32 = |off| page.read_u32(off).map_err(|_| ConfigError::Truncated);
        let r64 = |off| read_u64(page, off).map_err(|_| ConfigError::Truncated);
        if r32(OFF_MAGIC)? != MAGIC {
            return Err(ConfigError::NoMagic);
        }
        let version = r32(OFF_VERSION)?;
        if version != VERSION {
            return Err(ConfigError::Version(version));
        }
        let wire_code = r32(OFF_WIRE)?;
        let wire = Wire::from_code(wire_code).ok_or(ConfigError::Wire(wire_code))?;
        let vdevs = r32(OFF_VDEVS)?;
        if vdevs == 0 || vdevs > MAX_VDEVS {
            return Err(ConfigError::Vdevs(vdevs));
        }
        let doorbell_intid = r32(OFF_DOORBELL_INTID)?;
        if !spi(doorbell_intid) {
            return Err(ConfigError::Intid(doorbell_intid));
        }
        let ring_intid = r32(OFF_RING_INTID)?;
        if wire == Wire::Lines && !spi(ring_intid) {
            return Err(ConfigError::Intid(ring_intid));
        }
        let d = BoardDescription {
            flags: r32(OFF_FLAGS)?,
            wire,
            link_id: r32(OFF_LINK_ID)?,
            vdevs,
            doorbell_intid,
            ring_intid,
            vrings: (r64(OFF_VRINGS)?, r64(OFF_VRINGS + 8)?),
            pool: (r64(OFF_POOL)?, r64(OFF_POOL + 8)?),
            to_linux_regs: r64(OFF_TO_LINUX_REGS)?,
            from_linux_regs: r64(OFF_FROM_LINUX_REGS)?,
            gicd: r64(OFF_GICD)?,
            gicr: r64(OFF_GICR)?,
            announce_delay_ms: r32(OFF_ANNOUNCE_DELAY_MS)?,
        };
        if d.vrings.1 == 0 || d.pool.1 == 0 {
            return Err(ConfigError::EmptyRegion);
        }
        Ok(d)
    }

    /// Whether `flag` is set.
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
}

/// Writes a `u64` as two words (the page may be device memory).
pub fn write_u64<M: SharedMem>(page: &M, off: usize, v: u64) -> Result<(), OutOfBounds> {
    page.write_u32(off, v as u32)?;
    page.write_u32(off + 4, (v >> 32) as u32)
}

/// Reads a `u64` written by [`write_u64`].
pub fn read_u64<M: SharedMem>(page: &M, off: usize) -> Result<u64, OutOfBounds> {
    Ok(u64::from(page.read_u32(off)?) | (u64::from(page.read_u32(off + 4)?) << 32))
}

/// Where the bytes of a log write land: `head` is the total written so far;
/// returns the ring offsets and lengths of up to two pieces.
pub fn log_ring_pieces(head: u32, len: usize) -> [(usize, usize); 2] {
    let len = len.min(LOG_RING_SIZE);
    let start = head as usize % LOG_RING_SIZE;
    let first = len.min(LOG_RING_SIZE - start);
    [(start, first), (0, len - first)]
}

/// The ring offsets and lengths of the retained log, oldest first, for a
/// reader that sees write head `head`.
pub fn log_ring_contents(head: u32) -> [(usize, usize); 2] {
    let head = head as usize;
    if head <= LOG_RING_SIZE {
        [(0, head), (0, 0)]
    } else {
        let start = head % LOG_RING_SIZE;
        [(start, LOG_RING_SIZE - start), (0, start)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::RefCell;

    struct Page(RefCell<[u8; CONTROL_PAGE_SIZE]>);

    impl SharedMem for Page {
        fn size(&self) -> usize {
            CONTROL_PAGE_SIZE
        }
        fn read_u16(&self, off: usize) -> Result<u16, OutOfBounds> {
            let mut b = [0; 2];
            self.read_bytes(off, &mut b)?;
            Ok(u16::from_le_bytes(b))
        }
        fn read_u32(&self, off: usize) -> Result<u32, OutOfBounds> {
            let mut b = [0; 4];
            self.read_bytes(off, &mut b)?;
            Ok(u32::from_le_bytes(b))
        }
        fn read_u64(&self, off: usize) -> Result<u64, OutOfBounds> {
            let mut b = [0; 8];
            self.read_bytes(off, &mut b)?;
            Ok(u64::from_le_bytes(b))
        }
        fn write_u16(&self, off: usize, v: u16) -> Result<(), OutOfBounds> {
            self.write_bytes(off, &v.to_le_bytes())
        }
        fn write_u32(&self, off: usize, v: u32) -> Result<(), OutOfBounds> {
            self.write_bytes(off, &v.to_le_bytes())
        }
        fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result<(), OutOfBounds> {
            let p = self.0.borrow();
            let src = p.get(off..off + buf.len()).ok_or(OutOfBounds)?;
            buf.copy_from_slice(src);
            Ok(())
        }
        fn write_bytes(&self, off: usize, buf: &[u8]) -> Result<(), OutOfBounds> {
            let mut p = self.0.borrow_mut();
            let dst = p.get_mut(off..off + buf.len()).ok_or(OutOfBounds)?;
            dst.copy_from_slice(buf);
            Ok(())
        }
        fn barrier(&self) {}
    }

    fn board() -> BoardDescription {
        BoardDescription {
            flags: FLAG_LOG_MESSAGES,
            wire: Wire::FourChannel,
            link_id: 3,
            vdevs: 2,
            doorbell_intid: 237,
            ring_intid: 0,
            vrings: (0x47a0_0000, 0x10_0000),
            pool: (0x47b0_0000, 0x10_0000),
            to_linux_regs: 0x090c_0000,
            from_linux_regs: 0x090c_0000,
            gicd: 0x0800_0000,
            gicr: 0x080a_0000,
            announce_delay_ms: 0,
        }
    }

    #[test]
    fn description_round_trips() {
        let page = Page(RefCell::new([0xa5; CONTROL_PAGE_SIZE]));
        board().write(&page).unwrap();
        assert_eq!(BoardDescription::read(&page), Ok(board()));
        assert_eq!(page.read_u32(OFF_STATE), Ok(STATE_STARTING));
    }

    #[test]
    fn refuses_what_it_cannot_serve() {
        let page = Page(RefCell::new([0; CONTROL_PAGE_SIZE]));
        assert_eq!(BoardDescription::read(&page), Err(ConfigError::NoMagic));
        let cases = [
            (
                BoardDescription {
                    vdevs: 0,
                    ..board()
                },
                ConfigError::Vdevs(0),
            ),
            (
                BoardDescription {
                    vdevs: 17,
                    ..board()
                },
                ConfigError::Vdevs(17),
            ),
            (
                BoardDescription {
                    doorbell_intid: 27,
                    ..board()
                },
                ConfigError::Intid(27),
            ),
            (
                BoardDescription {
                    wire: Wire::Lines,
                    ..board()
                },
                ConfigError::Intid(0),
            ),
            (
                BoardDescription {
                    pool: (0x47b0_0000, 0),
                    ..board()
                },
                ConfigError::EmptyRegion,
            ),
        ];
        for (desc, err) in cases {
            desc.write(&page).unwrap();
            assert_eq!(BoardDescription::read(&page), Err(err));
            assert_ne!(ConfigError::describe(err.code()), "unknown refusal code");
        }
        page.write_u32(OFF_WIRE, 9).unwrap();
        assert_eq!(BoardDescription::read(&page), Err(ConfigError::Wire(9)));
    }

    #[test]
    fn log_ring_wraps_and_reads_back_oldest_first() {
        assert_eq!(log_ring_pieces(0, 10), [(0, 10), (0, 0)]);
        let near_end = (LOG_RING_SIZE - 4) as u32;
        assert_eq!(
            log_ring_pieces(near_end, 10),
            [(LOG_RING_SIZE - 4, 4), (0, 6)]
        );
        assert_eq!(log_ring_contents(100), [(0, 100), (0, 0)]);
        let wrapped = (LOG_RING_SIZE + 6) as u32;
        assert_eq!(log_ring_contents(wrapped), [(6, LOG_RING_SIZE - 6), (0, 6)]);
        let pieces = log_ring_pieces(0, LOG_RING_SIZE + 50);
        assert_eq!(pieces[0].1 + pieces[1].1, LOG_RING_SIZE);
    }
}
