// SPDX-License-Identifier: GPL-2.0

//! The firmware's console on the QEMU board: Arm semihosting, which QEMU
//! prints on its own output beside the board's UART (the run's log).

use core::arch::asm;

const SYS_WRITE0: u64 = 0x04;

/// Prints `text` (at most 255 bytes a call; longer text is cut).
pub fn write(text: &[u8]) {
    let mut buf = [0u8; 256];
    let n = text.len().min(buf.len() - 1);
    buf[..n].copy_from_slice(&text[..n]);
    // Semihosting's WRITE0 stops at the first NUL.
    // SAFETY: WRITE0 reads the NUL-terminated string at x1 (`buf`, which
    // lives across the call) and writes nothing to memory; it only works
    // when the machine enables semihosting, which the board's firmware
    // runs require (scripts/qemu-run.sh).
    unsafe {
        asm!("hlt #0xf000", inout("x0") SYS_WRITE0 => _, in("x1") buf.as_ptr(),
             options(nostack, readonly));
    }
}
