// SPDX-License-Identifier: GPL-2.0

//! Writes the control area that a boot loader leaves for the QEMU board's
//! remote firmware when it starts the remote before Linux (the remoteproc
//! attach case): the firmware's board description, exactly as
//! remote_fw_rig writes it before a start from Linux, after an empty log
//! ring. QEMU's loader puts the file at the end of the firmware region and
//! the board's reset model starts the remote core at the ELF's entry.
//!
//! Usage: `rig_boot_page ELF REGION_BASE REGION_SIZE OUT KEY=VALUE...` with
//! the keys `wire` (four-channel, one-channel, lines), `link-id`, `vdevs`,
//! `doorbell-spi`, `ring-spi`, `vrings` and `pool` (BASE,SIZE), `mbox-regs`
//! and `gic` (two addresses), optionally `gic-version` (2 or 3). Prints the file's load address and the ELF's
//! entry point.

use rpmsg_proto::{
    firmware_control::{
        BoardDescription, Wire, CONTROL_AREA_SIZE, FLAG_GIC_V2, FLAG_LOG_MESSAGES,
        FLAG_SEMIHOSTING, LOG_RING_SIZE,
    },
    firmware_image::{self, EM_AARCH64},
    shared_mem::{OutOfBounds, SharedMem},
};
use std::{cell::RefCell, collections::HashMap, process::ExitCode};

/// The control page, in memory.
struct Page(RefCell<Vec<u8>>);

impl Page {
    fn at<const N: usize>(&self, off: usize) -> Result<[u8; N], OutOfBounds> {
        let mut out = [0u8; N];
        self.read_bytes(off, &mut out)?;
        Ok(out)
    }
}

impl SharedMem for Page {
    fn size(&self) -> usize {
        self.0.borrow().len()
    }
    fn read_u16(&self, off: usize) -> Result<u16, OutOfBounds> {
        self.at(off).map(u16::from_le_bytes)
    }
    fn read_u32(&self, off: usize) -> Result<u32, OutOfBounds> {
        self.at(off).map(u32::from_le_bytes)
    }
    fn read_u64(&self, off: usize) -> Result<u64, OutOfBounds> {
        self.at(off).map(u64::from_le_bytes)
    }
    fn write_u16(&self, off: usize, v: u16) -> Result<(), OutOfBounds> {
        self.write_bytes(off, &v.to_le_bytes())
    }
    fn write_u32(&self, off: usize, v: u32) -> Result<(), OutOfBounds> {
        self.write_bytes(off, &v.to_le_bytes())
    }
    fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result<(), OutOfBounds> {
        let page = self.0.borrow();
        let src = page.get(off..off + buf.len()).ok_or(OutOfBounds)?;
        buf.copy_from_slice(src);
        Ok(())
    }
    fn write_bytes(&self, off: usize, buf: &[u8]) -> Result<(), OutOfBounds> {
        let mut page = self.0.borrow_mut();
        let dst = page.get_mut(off..off + buf.len()).ok_or(OutOfBounds)?;
        dst.copy_from_slice(buf);
        Ok(())
    }
    fn barrier(&self) {}
}

fn number(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("not a number: {text}"))
}

fn pair(text: &str) -> Result<(u64, u64), String> {
    let (a, b) = text
        .split_once(',')
        .ok_or_else(|| format!("not two numbers: {text}"))?;
    Ok((number(a)?, number(b)?))
}

fn run(args: &[String]) -> Result<(), String> {
    let [elf, base, size, out, keys @ ..] = args else {
        return Err("usage: rig_boot_page ELF REGION_BASE REGION_SIZE OUT KEY=VALUE...".into());
    };
    let (base, size) = (number(base)?, number(size)?);
    let control_at = (base + size)
        .checked_sub(CONTROL_AREA_SIZE as u64)
        .filter(|at| *at >= base)
        .ok_or("the region is smaller than the control area")?;
    let image = std::fs::read(elf).map_err(|e| format!("{elf}: {e}"))?;
    let checked = firmware_image::check(&image, EM_AARCH64, base..control_at)
        .map_err(|e| format!("{elf}: {e}"))?;

    let mut values = HashMap::new();
    for kv in keys {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("not KEY=VALUE: {kv}"))?;
        values.insert(k, v);
    }
    let get = |k: &str| {
        values
            .get(k)
            .copied()
            .ok_or_else(|| format!("missing {k}="))
    };
    let wire = match get("wire")? {
        "four-channel" => Wire::FourChannel,
        "one-channel" => Wire::OneChannel,
        "lines" => Wire::Lines,
        other => return Err(format!("unknown wire {other}")),
    };
    let u32_of = |k: &str| -> Result<u32, String> {
        u32::try_from(number(get(k)?)?).map_err(|_| format!("{k}= is out of range"))
    };
    let spi = |k: &str| -> Result<u32, String> { Ok(u32_of(k)? + 32) };
    let (to_linux_regs, from_linux_regs) = if wire == Wire::Lines {
        (0, 0)
    } else {
        pair(get("mbox-regs")?)?
    };
    let gic = pair(get("gic")?)?;
    let gic_flag = match values.get("gic-version").copied().unwrap_or("3") {
        "3" => 0,
        "2" => FLAG_GIC_V2,
        other => return Err(format!("gic-version={other}: not 2 or 3")),
    };
    let board = BoardDescription {
        flags: FLAG_SEMIHOSTING | FLAG_LOG_MESSAGES | gic_flag,
        wire,
        link_id: u32_of("link-id")?,
        vdevs: u32_of("vdevs")?,
        doorbell_intid: spi("doorbell-spi")?,
        ring_intid: if wire == Wire::Lines {
            spi("ring-spi")?
        } else {
            0
        },
        vrings: pair(get("vrings")?)?,
        pool: pair(get("pool")?)?,
        to_linux_regs,
        from_linux_regs,
        gicd: gic.0,
        gicr: gic.1,
        announce_delay_ms: 100,
    };
    let page = Page(RefCell::new(vec![0; CONTROL_AREA_SIZE - LOG_RING_SIZE]));
    board
        .write(&page)
        .map_err(|_| "the description does not fit the control page")?;
    let mut area = vec![0u8; LOG_RING_SIZE];
    area.extend_from_slice(&page.0.borrow());
    std::fs::write(out, area).map_err(|e| format!("{out}: {e}"))?;
    println!("{control_at:#x} {:#x}", checked.entry);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rig_boot_page: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_page_reads_back_as_the_firmware_reads_it() {
        let board = BoardDescription {
            flags: FLAG_SEMIHOSTING | FLAG_LOG_MESSAGES,
            wire: Wire::OneChannel,
            link_id: 3,
            vdevs: 2,
            doorbell_intid: 241,
            ring_intid: 0,
            vrings: (0x47a0_0000, 0x10_0000),
            pool: (0x47b0_0000, 0x10_0000),
            to_linux_regs: 0x090d_0000,
            from_linux_regs: 0x090e_0000,
            gicd: 0x0800_0000,
            gicr: 0x080a_0000,
            announce_delay_ms: 100,
        };
        let page = Page(RefCell::new(vec![0; CONTROL_AREA_SIZE - LOG_RING_SIZE]));
        board.write(&page).unwrap();
        assert_eq!(BoardDescription::read(&page), Ok(board));
    }

    #[test]
    fn numbers_are_decimal_or_hex() {
        assert_eq!(number("0x47000000"), Ok(0x4700_0000));
        assert_eq!(number("100"), Ok(100));
        assert!(number("0xg").is_err());
        assert_eq!(pair("1,0x10"), Ok((1, 16)));
        assert!(pair("1").is_err());
    }
}
