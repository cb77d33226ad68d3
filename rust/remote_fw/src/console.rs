// SPDX-License-Identifier: GPL-2.0

//! The firmware's console: each line goes to the log ring in the control
//! area (Linux's rig reads it) and, on a board with semihosting, to QEMU's
//! output, the run's log.

use crate::bare::{console as semihosting, phys::PhysWindow};
use core::fmt::{self, Write};
use rpmsg_proto::{
    firmware_control::{log_ring_pieces, OFF_LOG_HEAD},
    shared_mem::SharedMem,
};

/// What every line starts with, so the run's log tells the remote's lines
/// from Linux's.
const PREFIX: &str = "remote-fw: ";
const LINE_MAX: usize = 240;

/// A line being formatted; text past [`LINE_MAX`] is cut.
struct LineBuf {
    buf: [u8; LINE_MAX],
    len: usize,
}

impl Write for LineBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if self.len < LINE_MAX - 1 {
                self.buf[self.len] = b;
                self.len += 1;
            }
        }
        Ok(())
    }
}

/// The console.
pub(crate) struct Console {
    ring: PhysWindow,
    page: PhysWindow,
    semihosting: bool,
}

impl Console {
    pub(crate) fn new(ring: PhysWindow, page: PhysWindow) -> Self {
        Self {
            ring,
            page,
            semihosting: false,
        }
    }

    pub(crate) fn set_semihosting(&mut self, on: bool) {
        self.semihosting = on;
    }

    /// Prints one line.
    pub(crate) fn line(&mut self, args: fmt::Arguments<'_>) {
        let mut line = LineBuf {
            buf: [0; LINE_MAX],
            len: 0,
        };
        let _ = line.write_str(PREFIX);
        let _ = line.write_fmt(args);
        line.buf[line.len] = b'\n';
        let text = &line.buf[..=line.len];
        if self.semihosting {
            semihosting::write(text);
        }
        let head = self.page.read_u32(OFF_LOG_HEAD).unwrap_or(0);
        let mut done = 0;
        for (off, len) in log_ring_pieces(head, text.len()) {
            let _ = self.ring.write_bytes(off, &text[done..done + len]);
            done += len;
        }
        self.ring.barrier();
        let _ = self
            .page
            .write_u32(OFF_LOG_HEAD, head.wrapping_add(text.len() as u32));
    }
}
